#include "remote_command_core.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace crio::streaming {
namespace {

struct Recorder {
  std::mutex mu;
  std::vector<std::pair<OutputStream, std::string>> sent;
  std::atomic<int> resumed{0};

  RemoteCommandCore::Transport Transport() {
    RemoteCommandCore::Transport transport;
    transport.send = [this](OutputStream stream, std::string data) {
      std::lock_guard lock(mu);
      sent.emplace_back(stream, std::move(data));
    };
    transport.resume_reading = [this] { ++resumed; };
    return transport;
  }
};

TEST(RemoteCommandCoreTest, StdinFlowsInOrderThenEnds) {
  Recorder recorder;
  RemoteCommandCore core(recorder.Transport(), /*stdin_open=*/true, /*resize_open=*/false);
  EXPECT_TRUE(core.PushStdin("a"));
  EXPECT_TRUE(core.PushStdin("b"));
  core.CloseStdin();
  EXPECT_EQ(core.ReadStdin(), "a");
  EXPECT_EQ(core.ReadStdin(), "b");
  EXPECT_EQ(core.ReadStdin(), std::nullopt);
  EXPECT_EQ(core.NextResize(), std::nullopt) << "no tty: no resize stream";
}

TEST(RemoteCommandCoreTest, StdinThatWasNotAskedForIsDropped) {
  Recorder recorder;
  RemoteCommandCore core(recorder.Transport(), false, false);
  EXPECT_TRUE(core.PushStdin("ignored"));
  EXPECT_EQ(core.ReadStdin(), std::nullopt);
}

TEST(RemoteCommandCoreTest, AStdinFloodPausesReadingUntilTheBackendCatchesUp) {
  Recorder recorder;
  RemoteCommandCore core(recorder.Transport(), true, false);
  const std::string chunk(64 * 1024, 'x');
  int pushed = 0;
  while (core.PushStdin(chunk)) ++pushed;
  EXPECT_EQ(static_cast<std::size_t>(pushed + 1) * chunk.size(),
            RemoteCommandCore::kMaxQueuedStdin);
  EXPECT_EQ(recorder.resumed, 0);
  while (recorder.resumed == 0) ASSERT_TRUE(core.ReadStdin().has_value());
  EXPECT_EQ(recorder.resumed, 1) << "one resume once half the queue drained";
}

TEST(RemoteCommandCoreTest, OutputWaitsWhileTheClientIsTooFarBehind) {
  Recorder recorder;
  RemoteCommandCore core(recorder.Transport(), false, false);
  const std::string big(RemoteCommandCore::kMaxPendingOutput, 'o');
  ASSERT_TRUE(core.WriteStdout(big));
  auto blocked = std::async(std::launch::async, [&] { return core.WriteStderr("more"); });
  EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  core.OutputSent(big.size());
  EXPECT_TRUE(blocked.get());
  std::lock_guard lock(recorder.mu);
  ASSERT_EQ(recorder.sent.size(), 2u);
  EXPECT_EQ(recorder.sent[1].first, OutputStream::kStderr);
  EXPECT_EQ(recorder.sent[1].second, "more");
}

TEST(RemoteCommandCoreTest, AGoneClientUnblocksEveryWaitAndSignalsItsFd) {
  Recorder recorder;
  RemoteCommandCore core(recorder.Transport(), true, true);
  ASSERT_TRUE(core.WriteStdout(std::string(RemoteCommandCore::kMaxPendingOutput, 'o')));
  auto reader = std::async(std::launch::async, [&] { return core.ReadStdin(); });
  auto resizer = std::async(std::launch::async, [&] { return core.NextResize(); });
  auto writer = std::async(std::launch::async, [&] { return core.WriteStdout("x"); });
  pollfd pfd{core.GoneFd(), POLLIN, 0};
  EXPECT_EQ(::poll(&pfd, 1, 0), 0);
  core.MarkGone();
  EXPECT_EQ(reader.get(), std::nullopt);
  EXPECT_EQ(resizer.get(), std::nullopt);
  EXPECT_FALSE(writer.get());
  EXPECT_TRUE(core.ClientGone());
  EXPECT_EQ(::poll(&pfd, 1, 0), 1);
}

TEST(RemoteCommandCoreTest, OnlyTheLatestResizesAreKept) {
  Recorder recorder;
  RemoteCommandCore core(recorder.Transport(), false, true);
  for (std::uint16_t i = 1; i <= 100; ++i) core.PushResize(TerminalSize{i, i});
  core.CloseResize();
  std::vector<TerminalSize> got;
  while (auto size = core.NextResize()) got.push_back(*size);
  ASSERT_EQ(got.size(), 16u);
  EXPECT_EQ(got.back(), (TerminalSize{100, 100}));
}

}  // namespace
}  // namespace crio::streaming
