#include "fixture.h"

#include <sys/wait.h>

#include <iostream>
#include <stdexcept>
#include <thread>

namespace bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kFixtureTimeout{600};

void RunToEnd(const std::vector<std::string>& argv, const fs::path& log,
              std::chrono::seconds timeout, bool interruptible) {
  Child child(argv, log);
  const auto deadline = Clock::now() + timeout;
  while (child.Running()) {
    if (interruptible) CheckInterrupted();
    if (Clock::now() > deadline) {
      child.Stop(std::chrono::seconds(5));
      throw std::runtime_error(argv[0] + " timed out; last lines:\n" + TailOfFile(log, 15));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const int status = child.wait_status();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string command;
    for (const auto& arg : argv) command += arg + " ";
    throw std::runtime_error(command + "failed with " + DescribeWaitStatus(status) +
                             "; last lines:\n" + TailOfFile(log, 15));
  }
}

RegistryFixture::RegistryFixture(const std::string& script, const std::string& dir,
                                 const std::vector<std::string>& extra_env)
    : script_(script) {
  if (!dir.empty()) {
    dir_ = dir;
    return;
  }
  owned_ = std::make_unique<TempDir>("bench-fixture-");
  dir_ = owned_->path() / "state";
  std::cerr << "[fixture] starting registries and pushing images in " << dir_.string() << std::endl;
  std::vector<std::string> argv = {"/usr/bin/env"};
  argv.insert(argv.end(), extra_env.begin(), extra_env.end());
  argv.insert(argv.end(), {"bash", script_, "start", dir_.string()});
  try {
    RunToEnd(argv, owned_->path() / "fixture-start.log", kFixtureTimeout);
  } catch (...) {
    Stop();  // the registries already started go too
    throw;
  }
  started_ = true;
}

RegistryFixture::~RegistryFixture() {
  if (started_) Stop();
}

void RegistryFixture::Stop() {
  try {
    RunToEnd({"bash", script_, "stop", dir_.string(), "--clean"},
             owned_->path() / "fixture-stop.log", std::chrono::seconds(60),
             /*interruptible=*/false);
    std::cerr << "[fixture] stopped" << std::endl;
  } catch (const std::exception& error) {
    std::cerr << "warning: fixture stop: " << error.what() << "\n";
  }
}

std::string RegistryFixture::Field(const std::string& filter) const {
  const fs::path json = dir_ / "fixture.json";
  std::string out = CaptureOutput({"jq", "-r", filter, json.string()});
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (out.empty() || out == "null" || out.find('\n') != std::string::npos) {
    throw std::runtime_error("jq '" + filter + "' on " + json.string() + " gave: " + out);
  }
  return out;
}

}  // namespace bench
