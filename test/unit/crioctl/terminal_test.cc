// The local terminal of exec -it and attach -it, on a pseudo-terminal.

#include "terminal.h"

#include <gtest/gtest.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <termios.h>

#include <csignal>
#include <cstdlib>

#include "stream_test_util.h"

namespace crio::ctl {
namespace {

class TerminalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int master = -1;
    int replica = -1;
    ASSERT_EQ(::openpty(&master, &replica, nullptr, nullptr, nullptr), 0);
    master_ = OwnedFd(master);
    replica_ = OwnedFd(replica);
  }

  OwnedFd master_;
  OwnedFd replica_;
};

TEST_F(TerminalTest, KnowsATerminalFromAPipe) {
  testing::Pipe pipe;
  EXPECT_TRUE(IsTerminal(replica_.get()));
  EXPECT_FALSE(IsTerminal(pipe.read_end.get()));
  EXPECT_FALSE(IsTerminal(-1));
}

TEST_F(TerminalTest, ReadsTheWindowSize) {
  EXPECT_FALSE(TerminalSizeOf(replica_.get()).has_value()) << "a fresh pty is 0x0";
  winsize size{};
  size.ws_col = 132;
  size.ws_row = 43;
  ASSERT_EQ(::ioctl(master_.get(), TIOCSWINSZ, &size), 0);
  const auto read = TerminalSizeOf(replica_.get());
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->width, 132);
  EXPECT_EQ(read->height, 43);
  testing::Pipe pipe;
  EXPECT_FALSE(TerminalSizeOf(pipe.read_end.get()).has_value());
}

TEST_F(TerminalTest, RawModeLastsAsLongAsTheObject) {
  termios before{};
  ASSERT_EQ(::tcgetattr(replica_.get(), &before), 0);
  ASSERT_NE(before.c_lflag & ICANON, 0u);
  {
    auto raw = RawTerminal::Enter(replica_.get());
    ASSERT_TRUE(raw.ok()) << raw.status();
    termios during{};
    ASSERT_EQ(::tcgetattr(replica_.get(), &during), 0);
    EXPECT_EQ(during.c_lflag & (ICANON | ECHO | ISIG), 0u);
    EXPECT_EQ(during.c_iflag & IXON, 0u);
    EXPECT_EQ(RawTerminal::Enter(replica_.get()).status().code(),
              absl::StatusCode::kFailedPrecondition)
        << "one at a time";
  }
  termios after{};
  ASSERT_EQ(::tcgetattr(replica_.get(), &after), 0);
  EXPECT_EQ(after.c_lflag, before.c_lflag);
  EXPECT_EQ(after.c_iflag, before.c_iflag);
  EXPECT_EQ(after.c_oflag, before.c_oflag);
  auto again = RawTerminal::Enter(replica_.get());
  EXPECT_TRUE(again.ok()) << "free again once restored: " << again.status();
}

TEST_F(TerminalTest, OnlyATerminalGoesRaw) {
  testing::Pipe pipe;
  EXPECT_EQ(RawTerminal::Enter(pipe.read_end.get()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(TerminalTest, ASignalThatKillsTheProcessRestoresTheTerminalFirst) {
  termios before{};
  ASSERT_EQ(::tcgetattr(replica_.get(), &before), 0);
  const int replica = replica_.get();
  // The child goes raw and is killed by SIGTERM; the terminal is shared with it.
  EXPECT_EXIT(
      {
        auto raw = RawTerminal::Enter(replica);
        if (!raw.ok()) std::_Exit(3);
        ::raise(SIGTERM);
        std::_Exit(4);
      },
      ::testing::KilledBySignal(SIGTERM), "");
  termios after{};
  ASSERT_EQ(::tcgetattr(replica, &after), 0);
  EXPECT_EQ(after.c_lflag, before.c_lflag);
  EXPECT_EQ(after.c_iflag, before.c_iflag);
}

}  // namespace
}  // namespace crio::ctl
