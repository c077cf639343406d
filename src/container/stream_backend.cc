#include "crio/container/stream_backend.h"

#include <poll.h>
#include <sys/eventfd.h>

#include <cerrno>
#include <filesystem>
#include <thread>

#include "crio/common/log.h"
#include "crio/sandbox/port_connect.h"

namespace crio::container {
namespace {

// Copies between the client's streams and a monitor's attach stream until the stream
// ends (the process or container ended) or the client leaves. Returns the exit code
// the stream reported, if any.
absl::StatusOr<std::optional<int>> Pump(monitor::AttachStream& stream,
                                        streaming::RemoteCommandStreams& client, bool tty) {
  // The client leaving ends the stream (an exec's process is then killed).
  OwnedFd done(::eventfd(0, EFD_CLOEXEC));
  std::thread watcher([&] {
    pollfd fds[2] = {{client.GoneFd(), POLLIN, 0}, {done.get(), POLLIN, 0}};
    while (::poll(fds, 2, -1) < 0 && errno == EINTR) {
    }
    if ((fds[0].revents & POLLIN) != 0) stream.Cancel();
  });
  std::thread input([&] {
    while (auto chunk = client.ReadStdin()) {
      if (!stream.WriteStdin(*chunk).ok()) return;
    }
    (void)stream.CloseStdin();
  });
  std::thread resizer([&] {
    while (auto size = client.NextResize()) {
      if (tty) (void)stream.Resize(size->width, size->height);
    }
  });

  absl::StatusOr<std::optional<int>> result = std::optional<int>();
  while (true) {
    absl::StatusOr<monitor::AttachChunk> chunk = stream.Read();
    if (!chunk.ok()) {
      result = chunk.status();
      break;
    }
    using Kind = monitor::AttachChunk::Kind;
    if (chunk->kind == Kind::kStdout) {
      if (!client.WriteStdout(chunk->data)) break;
    } else if (chunk->kind == Kind::kStderr) {
      if (!client.WriteStderr(chunk->data)) break;
    } else if (chunk->kind == Kind::kExit) {
      result = std::optional<int>(chunk->exit_code);
    } else {
      break;
    }
  }
  // The session is over: release the helper threads.
  stream.Cancel();
  client.StopReading();
  const std::uint64_t one = 1;
  (void)!::write(done.get(), &one, sizeof(one));
  watcher.join();
  input.join();
  resizer.join();
  return result;
}

class StreamBackend final : public streaming::StreamingBackend {
 public:
  StreamBackend(ContainerManager& containers, const store::Store& state)
      : containers_(containers), state_(state) {}

  absl::StatusOr<int> Exec(const streaming::ExecSpec& spec,
                           streaming::RemoteCommandStreams& streams) override {
    const RequestContext ctx = RequestContext{log::NewRequestId(), "Exec"};
    auto session =
        containers_.StartExecSession(ctx, spec.container_id, spec.cmd, spec.tty, spec.stdin);
    if (!session.ok()) {
      log::Info(ctx, "Exec in {} failed: {}", spec.container_id, session.status().message());
      return session.status();
    }
    log::Info(ctx, "Exec session in {} started (pid {})", spec.container_id,
              session->session.process_pid);
    absl::StatusOr<std::optional<int>> pumped = Pump(*session->session.stream, streams, spec.tty);
    containers_.EndExecSession(ctx, *session);
    if (!pumped.ok()) return pumped.status();
    if (!pumped->has_value()) {
      // No exit status: the client left, and the monitor killed the process.
      return absl::CancelledError("the client left before the command ended");
    }
    log::Info(ctx, "Exec session in {} ended with {}", spec.container_id, **pumped);
    return **pumped;
  }

  absl::Status Attach(const streaming::AttachSpec& spec,
                      streaming::RemoteCommandStreams& streams) override {
    const RequestContext ctx = RequestContext{log::NewRequestId(), "Attach"};
    auto stream = containers_.OpenAttach(spec.container_id);
    if (!stream.ok()) return stream.status();
    log::Info(ctx, "Attached to {}", spec.container_id);
    absl::StatusOr<std::optional<int>> pumped = Pump(**stream, streams, spec.tty);
    return pumped.status();
  }

  absl::StatusOr<OwnedFd> PortForwardConnect(const std::string& pod_id,
                                             std::int32_t port) override {
    return sandbox::ConnectToPodPort(state_, pod_id, port);
  }

 private:
  ContainerManager& containers_;
  const store::Store& state_;
};

}  // namespace

std::unique_ptr<streaming::StreamingBackend> MakeStreamBackend(ContainerManager& containers,
                                                               const store::Store& state) {
  return std::make_unique<StreamBackend>(containers, state);
}

}  // namespace crio::container
