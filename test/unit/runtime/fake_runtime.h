#pragma once

// A fake OCI runtime binary for unit tests: a shell script that records how it was
// called (argv, environment, the process.json and resources files it was given) and
// then does what the test wrote into its behaviour file: print canned JSON, fail like
// runc or crun, write the exec pid file, hang.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include "process_gone.h"

namespace crio::runtime::testing {

class FakeRuntimeDir {
 public:
  FakeRuntimeDir() {
    char tmpl[] = "/tmp/crio-fake-runtime-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) dir_ = tmpl;
    std::filesystem::create_directories(dir_ + "/bin");
    std::filesystem::create_directories(dir_ + "/scratch");
    for (const char* name : {"runc", "crun"}) WriteScript(dir_ + "/bin/" + name);
  }
  ~FakeRuntimeDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FakeRuntimeDir(const FakeRuntimeDir&) = delete;
  FakeRuntimeDir& operator=(const FakeRuntimeDir&) = delete;

  const std::string& dir() const { return dir_; }
  std::string Binary(const std::string& name = "runc") const { return dir_ + "/bin/" + name; }
  /// Where the runtime under test should put its temporary files.
  std::string Scratch() const { return dir_ + "/scratch"; }

  /// Shell run after recording; $pidfile is the --pid-file argument, $dir the fake's dir.
  void SetBehaviour(const std::string& script) const { Write(dir_ + "/behaviour", script); }

  /// The last call's argv, without argv[0].
  std::vector<std::string> LastArgv() const {
    std::vector<std::string> args;
    std::ifstream in(dir_ + "/argv");
    for (std::string line; std::getline(in, line);) args.push_back(line);
    return args;
  }
  std::string LastEnv() const { return Read(dir_ + "/env"); }
  std::string LastProcessJson() const { return Read(dir_ + "/process.json"); }
  std::string LastResources() const { return Read(dir_ + "/resources.json"); }
  int Calls() const { return std::atoi(Read(dir_ + "/count").c_str()); }
  /// A pid the behaviour wrote to $dir/sleeper.
  pid_t Sleeper() const { return std::atoi(Read(dir_ + "/sleeper").c_str()); }

  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static void Write(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::trunc) << content;
  }

 private:
  void WriteScript(const std::string& path) const {
    Write(path, R"(#!/bin/sh
dir=')" + dir_ + R"('
n=$(cat "$dir/count" 2>/dev/null || echo 0)
echo $((n + 1)) > "$dir/count"
: > "$dir/argv"
for a in "$@"; do printf '%s\n' "$a" >> "$dir/argv"; done
env > "$dir/env"
value() {
  want=$1; shift
  while [ $# -gt 1 ]; do
    if [ "$1" = "$want" ]; then printf '%s' "$2"; return; fi
    shift
  done
}
process=$(value --process "$@")
[ -n "$process" ] && cp "$process" "$dir/process.json"
resources=$(value --resources "$@")
[ -n "$resources" ] && cp "$resources" "$dir/resources.json"
pidfile=$(value --pid-file "$@")
[ -f "$dir/behaviour" ] && . "$dir/behaviour"
exit 0
)");
    ::chmod(path.c_str(), 0755);
  }

  std::string dir_;
};

using ::crio::testing::ProcessGone;

}  // namespace crio::runtime::testing
