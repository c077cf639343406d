#include "cri_load.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "crio/cri/api.h"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;
using runtime::v1::RuntimeService;

constexpr std::chrono::milliseconds kPollInterval{5};
// Per-call deadline: generous, so a slow answer is measured rather than turned into an error.
constexpr std::chrono::seconds kCallDeadline{10};
// The first Version may wait on a daemon that accepted the connection but is still starting.
constexpr std::chrono::seconds kFirstCallDeadline{2};

grpc::Status Call(RuntimeService::Stub& stub, Rpc rpc, std::chrono::seconds deadline) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);  // gRPC takes system_clock
  if (rpc == Rpc::kVersion) {
    runtime::v1::VersionRequest request;
    request.set_version("v1");
    runtime::v1::VersionResponse response;
    return stub.Version(&context, request, &response);
  }
  runtime::v1::StatusRequest request;
  request.set_verbose(false);
  runtime::v1::StatusResponse response;
  return stub.Status(&context, request, &response);
}

std::runtime_error CallError(Rpc rpc, const grpc::Status& status) {
  return std::runtime_error(std::string(RpcName(rpc)) + " failed: code " +
                            std::to_string(static_cast<int>(status.error_code())) + ": " +
                            status.error_message());
}

// A plain connect() is how we poll: far cheaper than a gRPC attempt, so polling every 5 ms
// takes little CPU from the daemon that is starting on the same two cores.
bool SocketAccepts(const std::string& socket_path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(address.sun_path)) {
    throw std::runtime_error("socket path too long: " + socket_path);
  }
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool connected =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return connected;
}

// Each attempt uses a new channel with its own subchannel pool: gRPC would otherwise share
// the subchannel of a failed attempt, with its reconnect backoff (1 s and growing), and the
// measured start-up would be gRPC's backoff instead of the daemon's.
bool VersionAnswers(const std::string& socket_path) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel =
      grpc::CreateCustomChannel("unix:" + socket_path, grpc::InsecureChannelCredentials(), args);
  auto stub = RuntimeService::NewStub(channel);
  return Call(*stub, Rpc::kVersion, kFirstCallDeadline).ok();
}

}  // namespace

const char* RpcName(Rpc rpc) { return rpc == Rpc::kVersion ? "Version" : "Status"; }

std::shared_ptr<grpc::Channel> ConnectCri(const std::string& socket_path) {
  return grpc::CreateChannel("unix:" + socket_path, grpc::InsecureChannelCredentials());
}

std::chrono::nanoseconds WaitForFirstVersion(const std::string& socket_path, Child& daemon,
                                             Clock::time_point since,
                                             std::chrono::seconds timeout) {
  for (;;) {
    CheckInterrupted();
    if (!daemon.Running()) throw std::runtime_error("exited before Version answered");
    if (SocketAccepts(socket_path) && VersionAnswers(socket_path)) return Clock::now() - since;
    if (Clock::now() - since > timeout) {
      throw std::runtime_error("Version did not answer within " + std::to_string(timeout.count()) +
                               " s");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

SequentialRun RunSequential(const std::shared_ptr<grpc::Channel>& channel, Rpc rpc, int calls) {
  auto stub = RuntimeService::NewStub(channel);
  SequentialRun run;
  run.latencies_us.reserve(static_cast<size_t>(calls));
  const auto loop_start = Clock::now();
  for (int i = 0; i < calls; ++i) {
    if (i % 256 == 0) CheckInterrupted();
    const auto start = Clock::now();
    const grpc::Status status = Call(*stub, rpc, kCallDeadline);
    const auto end = Clock::now();
    if (!status.ok()) throw CallError(rpc, status);
    run.latencies_us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  run.wall_seconds = std::chrono::duration<double>(Clock::now() - loop_start).count();
  return run;
}

double RunConcurrent(const std::shared_ptr<grpc::Channel>& channel, Rpc rpc, int calls,
                     int threads) {
  std::mutex mutex;
  std::optional<grpc::Status> first_failure;
  const auto client = [&](int my_calls) {
    auto stub = RuntimeService::NewStub(channel);
    for (int i = 0; i < my_calls; ++i) {
      if (i % 256 == 0 && InterruptRequested()) return;
      const grpc::Status status = Call(*stub, rpc, kCallDeadline);
      if (!status.ok()) {
        const std::lock_guard lock(mutex);
        if (!first_failure) first_failure = status;
        return;
      }
    }
  };

  CheckInterrupted();
  const auto start = Clock::now();
  {
    std::vector<std::jthread> clients;
    for (int t = 0; t < threads; ++t) {
      // Shares `calls` out evenly; the first threads take the remainder.
      clients.emplace_back(client, calls / threads + (t < calls % threads ? 1 : 0));
    }
  }  // jthreads join here
  CheckInterrupted();
  const double wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (first_failure) throw CallError(rpc, *first_failure);
  return wall_seconds;
}

}  // namespace bench
