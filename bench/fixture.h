// The registry fixture (test/registry/fixture.sh) for benchmarks that need images: started in
// a temp dir and stopped by its PIDs (`fixture.sh stop`) on destruction, or one given that is
// already running. Also the program runner it needs, which waits longer than CaptureOutput.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "process.h"

namespace bench {

// Runs a program to its end; throws with the end of its output if it fails or outlives
// `timeout`. Not `interruptible`: clean-up that must run even after Ctrl-C.
void RunToEnd(const std::vector<std::string>& argv, const std::filesystem::path& log,
              std::chrono::seconds timeout, bool interruptible = true);

class RegistryFixture {
 public:
  // `dir` empty: start one (with `extra_env`, e.g. "FIXTURE_BIG=1") and own it.
  RegistryFixture(const std::string& script, const std::string& dir,
                  const std::vector<std::string>& extra_env = {});
  ~RegistryFixture();
  RegistryFixture(const RegistryFixture&) = delete;
  RegistryFixture& operator=(const RegistryFixture&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  // One string field of fixture.json by jq filter, e.g. ".images.busybox.reference".
  std::string Field(const std::string& filter) const;

 private:
  void Stop();

  std::string script_;
  std::unique_ptr<TempDir> owned_;
  std::filesystem::path dir_;
  bool started_ = false;
};

}  // namespace bench
