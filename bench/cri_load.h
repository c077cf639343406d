// The CRI calls the benchmark times: the first Version after spawn, then Version and Status
// (verbose=false) in a loop, sequentially and from several client threads.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "process.h"

namespace bench {

enum class Rpc { kVersion, kStatus };

const char* RpcName(Rpc rpc);

// A channel to "unix:<socket_path>" as a kubelet would hold it, one for all calls.
std::shared_ptr<grpc::Channel> ConnectCri(const std::string& socket_path);

// Polls every 5 ms until a Version RPC on `socket_path` succeeds and returns the time from
// `since` to that answer. Throws if `daemon` exits first or `timeout` passes.
std::chrono::nanoseconds WaitForFirstVersion(const std::string& socket_path, Child& daemon,
                                             std::chrono::steady_clock::time_point since,
                                             std::chrono::seconds timeout);

// `calls` sequential calls on `channel`; each call's latency in microseconds, in call order,
// and the wall time of the whole loop. Throws on the first failed call.
struct SequentialRun {
  std::vector<double> latencies_us;
  double wall_seconds = 0;
};
SequentialRun RunSequential(const std::shared_ptr<grpc::Channel>& channel, Rpc rpc, int calls);

// `calls` calls in all, shared out over `threads` client threads on the same channel (one
// HTTP/2 connection, as a kubelet's several goroutines share one).
// Returns the wall time from the first call to the last answer. Throws if any call failed.
double RunConcurrent(const std::shared_ptr<grpc::Channel>& channel, Rpc rpc, int calls,
                     int threads);

}  // namespace bench
