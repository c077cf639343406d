#pragma once

// Small Asio pieces the streaming connections share. Every connection runs on one
// thread with an io_context of its own, so nothing here locks: other threads reach a
// connection only through asio::post.

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace crio::streaming {

namespace asio = boost::asio;

/// Wakes one waiting coroutine; a notification that comes first is not lost.
class Signal {
 public:
  explicit Signal(const asio::any_io_executor& executor)
      : timer_(executor, asio::steady_timer::time_point::max()) {}

  void Notify() {
    notified_ = true;
    timer_.cancel();
  }

  asio::awaitable<void> Wait() {
    while (!notified_) {
      boost::system::error_code ignored;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    notified_ = false;
  }

 private:
  asio::steady_timer timer_;
  bool notified_ = false;
};

}  // namespace crio::streaming
