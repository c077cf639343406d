#include "crio/spdy/session.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "crio/common/status.h"

namespace crio::spdy {
namespace {

// SPDY/3's initial window, for streams and (3.1) for the session. We never change it,
// so a peer that honours windows can always send this much ahead of our updates.
constexpr std::uint32_t kInitialWindow = 64 * 1024;
// Updating once half the window is delivered keeps such a peer sending while costing
// one 16-byte frame per 32 KiB.
constexpr std::uint32_t kWindowUpdateThreshold = kInitialWindow / 2;
// Pings the peer never answered are forgotten past this many.
constexpr std::size_t kMaxPingsInFlight = 64;

// Builds the event in place: pushing a temporary variant trips GCC 12's
// -Wmaybe-uninitialized at -O2 (a false positive in std::variant's move).
template <typename T>
void Push(std::vector<Event>& events, T&& event) {
  events.emplace_back(std::in_place_type<std::decay_t<T>>, std::forward<T>(event));
}

}  // namespace

struct Session::State {
  // Nested rather than file-local: a member of State may not have internal linkage.
  struct Stream {
    bool local = false;          // we opened it
    bool replied = false;        // SYN_REPLY sent (peer's stream) or received (ours)
    bool local_closed = false;   // we sent FIN, or the peer opened it unidirectional
    bool remote_closed = false;  // the peer sent FIN
    std::uint32_t unacked = 0;   // bytes delivered since our last WINDOW_UPDATE
  };

  explicit State(SessionOptions o)
      : options(std::move(o)),
        decoder(options.limits),
        next_stream_id(options.role == Role::kClient ? 1 : 2),
        next_ping_id(options.role == Role::kClient ? 1 : 2),
        send_frame(std::clamp<std::size_t>(options.max_send_frame, 1, kMaxFrameLength)) {}

  SessionOptions options;
  FrameEncoder encoder;
  FrameDecoder decoder;
  std::string output;
  std::map<std::uint32_t, Stream> streams;
  std::size_t peer_streams = 0;  // entries of `streams` the peer opened
  std::uint32_t next_stream_id;
  std::uint32_t last_peer_stream_id = 0;  // highest id the peer used, accepted or not
  std::uint32_t last_accepted_stream_id = 0;
  std::uint32_t next_ping_id;
  std::set<std::uint32_t> pings_in_flight;
  std::uint32_t session_unacked = 0;
  std::size_t send_frame;
  bool goaway_sent = false;
  bool goaway_received = false;
  absl::Status failed;

  bool IsPeerId(std::uint32_t id) const {
    // The peer's ids have the other role's parity: odd from clients.
    return (id % 2 == 1) == (options.role == Role::kServer);
  }

  absl::Status Alive() const {
    if (failed.ok()) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat("session failed: ", failed.message()));
  }

  absl::Status Emit(const Frame& frame) { return encoder.Encode(frame, &output); }

  absl::StatusOr<Stream*> Find(std::uint32_t id) {
    RETURN_IF_ERROR(Alive());
    const auto it = streams.find(id);
    if (it == streams.end())
      return absl::NotFoundError(absl::StrCat("stream ", id, " is not open"));
    return &it->second;
  }

  absl::StatusOr<Stream*> FindWritable(std::uint32_t id) {
    ASSIGN_OR_RETURN(Stream * stream, Find(id));
    if (stream->local_closed) {
      return absl::FailedPreconditionError(absl::StrCat("stream ", id, ": our side is closed"));
    }
    // spdystream drops data on a stream it opened until our SYN_REPLY has arrived.
    if (!stream->local && !stream->replied) {
      return absl::FailedPreconditionError(absl::StrCat("stream ", id, " is not accepted yet"));
    }
    return stream;
  }

  void Forget(std::uint32_t id) {
    const auto it = streams.find(id);
    if (it == streams.end()) return;
    if (!it->second.local) --peer_streams;
    streams.erase(it);
  }

  void ForgetIfClosed(std::uint32_t id) {
    const auto it = streams.find(id);
    if (it != streams.end() && it->second.local_closed && it->second.remote_closed) Forget(id);
  }

  // Marks the peer's side closed after a frame with FIN, and says so.
  void RemoteFin(std::uint32_t id, Stream& stream, std::vector<Event>& events) {
    stream.remote_closed = true;
    Push(events, StreamHalfClosed{id});
    ForgetIfClosed(id);
  }

  absl::Status Fail(absl::Status status) {
    failed = status;
    if (!goaway_sent) {
      goaway_sent = true;
      const GoAwayStatus code =
          absl::IsInternal(status) ? GoAwayStatus::kInternalError : GoAwayStatus::kProtocolError;
      (void)Emit(GoAwayFrame{last_accepted_stream_id, code});  // cannot fail: fields in range
    }
    return status;
  }

  absl::Status Handle(DataFrame& f, std::vector<Event>& events) {
    const auto size = static_cast<std::uint32_t>(f.data.size());
    // Data counts against the session window whatever stream it was for.
    session_unacked += size;
    if (session_unacked >= kWindowUpdateThreshold) {
      RETURN_IF_ERROR(Emit(WindowUpdateFrame{0, session_unacked}));
      session_unacked = 0;
    }
    const auto it = streams.find(f.stream_id);
    // Data for a stream that is gone (reset, or closed by the peer) is dropped, as
    // spdystream does: it may have been in flight when the stream ended.
    if (it == streams.end() || it->second.remote_closed) return absl::OkStatus();
    Stream& stream = it->second;
    if (!f.data.empty()) Push(events, StreamData{f.stream_id, std::move(f.data)});
    if ((f.flags & kFlagFin) != 0) {
      RemoteFin(f.stream_id, stream, events);
      return absl::OkStatus();
    }
    stream.unacked += size;
    if (stream.unacked >= kWindowUpdateThreshold) {
      RETURN_IF_ERROR(Emit(WindowUpdateFrame{f.stream_id, stream.unacked}));
      stream.unacked = 0;
    }
    return absl::OkStatus();
  }

  absl::Status Handle(SynStreamFrame& f, std::vector<Event>& events) {
    const std::uint32_t id = f.stream_id;
    // After our GOAWAY, new streams are ignored (the peer knows from last-good-id).
    if (goaway_sent) return absl::OkStatus();
    if (!IsPeerId(id) || id <= last_peer_stream_id) {
      return Emit(RstStreamFrame{id, RstStatus::kProtocolError});
    }
    last_peer_stream_id = id;
    if (peer_streams >= options.max_peer_streams) {
      return Emit(RstStreamFrame{id, RstStatus::kRefusedStream});
    }
    last_accepted_stream_id = id;
    Stream& stream = streams[id];
    ++peer_streams;
    stream.local_closed = (f.flags & kFlagUnidirectional) != 0;
    Push(events, StreamOpened{id, f.associated_stream_id, f.priority,
                              (f.flags & kFlagUnidirectional) != 0, std::move(f.headers)});
    if ((f.flags & kFlagFin) != 0) RemoteFin(id, stream, events);
    return absl::OkStatus();
  }

  absl::Status Handle(SynReplyFrame& f, std::vector<Event>& events) {
    const auto it = streams.find(f.stream_id);
    // A reply for a stream we did not open, or a second one, is dropped like
    // spdystream drops it.
    if (it == streams.end() || !it->second.local || it->second.replied) return absl::OkStatus();
    it->second.replied = true;
    Push(events, StreamReplied{f.stream_id, std::move(f.headers)});
    if ((f.flags & kFlagFin) != 0 && !it->second.remote_closed) {
      RemoteFin(f.stream_id, it->second, events);
    }
    return absl::OkStatus();
  }

  absl::Status Handle(HeadersFrame& f, std::vector<Event>& events) {
    const auto it = streams.find(f.stream_id);
    if (it == streams.end() || it->second.remote_closed) return absl::OkStatus();
    Push(events, StreamHeaders{f.stream_id, std::move(f.headers)});
    if ((f.flags & kFlagFin) != 0) RemoteFin(f.stream_id, it->second, events);
    return absl::OkStatus();
  }

  absl::Status Handle(RstStreamFrame& f, std::vector<Event>& events) {
    if (streams.count(f.stream_id) == 0) return absl::OkStatus();
    Forget(f.stream_id);
    Push(events, StreamReset{f.stream_id, f.status});
    return absl::OkStatus();
  }

  absl::Status Handle(PingFrame& f, std::vector<Event>& events) {
    // spdystream refuses to read a PING with id 0, so none is echoed.
    if (f.id == 0) return absl::OkStatus();
    if (IsPeerId(f.id)) return Emit(PingFrame{f.id});
    if (pings_in_flight.erase(f.id) > 0) Push(events, PingAnswered{f.id});
    return absl::OkStatus();
  }

  absl::Status Handle(GoAwayFrame& f, std::vector<Event>& events) {
    goaway_received = true;
    Push(events, GoAwayReceived{f.last_good_stream_id, f.status});
    return absl::OkStatus();
  }

  // We never wait for a window (see session.h), so the peer's windows and settings
  // change nothing.
  absl::Status Handle(SettingsFrame&, std::vector<Event>&) { return absl::OkStatus(); }
  absl::Status Handle(WindowUpdateFrame&, std::vector<Event>&) { return absl::OkStatus(); }
};

Session::Session(SessionOptions options) : state_(std::make_unique<State>(std::move(options))) {}
Session::~Session() = default;

absl::StatusOr<std::vector<Event>> Session::Feed(absl::string_view bytes) {
  State& s = *state_;
  if (!s.failed.ok()) return s.failed;
  s.decoder.Append(bytes);
  std::vector<Event> events;
  for (;;) {
    auto next = s.decoder.Next();
    if (!next.ok()) return s.Fail(next.status());
    if (!next->has_value()) return events;
    const absl::Status status =
        std::visit([&](auto& frame) { return s.Handle(frame, events); }, **next);
    if (!status.ok()) return s.Fail(status);
  }
}

absl::StatusOr<std::uint32_t> Session::OpenStream(const Headers& headers, bool fin,
                                                  std::uint32_t associated_stream_id,
                                                  std::uint8_t priority) {
  State& s = *state_;
  RETURN_IF_ERROR(s.Alive());
  if (s.goaway_sent || s.goaway_received) {
    return absl::FailedPreconditionError("session is going away: no new streams");
  }
  if (s.next_stream_id > kMaxStreamId) {
    return absl::ResourceExhaustedError("stream ids are used up: open a new connection");
  }
  const std::uint32_t id = s.next_stream_id;
  RETURN_IF_ERROR(s.Emit(SynStreamFrame{id, associated_stream_id, priority, 0,
                                        fin ? kFlagFin : std::uint8_t{0}, headers}));
  s.next_stream_id += 2;
  State::Stream& stream = s.streams[id];
  stream.local = true;
  stream.local_closed = fin;
  return id;
}

absl::Status Session::Reply(std::uint32_t stream_id, const Headers& headers, bool fin) {
  State& s = *state_;
  ASSIGN_OR_RETURN(State::Stream * stream, s.Find(stream_id));
  if (stream->local) {
    return absl::FailedPreconditionError(
        absl::StrCat("stream ", stream_id, " was opened by us: only the peer replies"));
  }
  if (stream->replied) {
    return absl::FailedPreconditionError(
        absl::StrCat("stream ", stream_id, " is accepted already"));
  }
  RETURN_IF_ERROR(s.Emit(SynReplyFrame{stream_id, fin ? kFlagFin : std::uint8_t{0}, headers}));
  stream->replied = true;
  if (fin) {
    stream->local_closed = true;
    s.ForgetIfClosed(stream_id);
  }
  return absl::OkStatus();
}

absl::Status Session::SendData(std::uint32_t stream_id, absl::string_view data, bool fin) {
  State& s = *state_;
  ASSIGN_OR_RETURN(State::Stream * stream, s.FindWritable(stream_id));
  if (data.empty() && !fin) return absl::OkStatus();
  do {
    const absl::string_view chunk = data.substr(0, s.send_frame);
    data.remove_prefix(chunk.size());
    const std::uint8_t flags = (fin && data.empty()) ? kFlagFin : 0;
    RETURN_IF_ERROR(EncodeDataFrame(stream_id, flags, chunk, &s.output));
  } while (!data.empty());
  if (fin) {
    stream->local_closed = true;
    s.ForgetIfClosed(stream_id);
  }
  return absl::OkStatus();
}

absl::Status Session::CloseStream(std::uint32_t stream_id) { return SendData(stream_id, "", true); }

absl::Status Session::SendHeaders(std::uint32_t stream_id, const Headers& headers, bool fin) {
  State& s = *state_;
  ASSIGN_OR_RETURN(State::Stream * stream, s.FindWritable(stream_id));
  RETURN_IF_ERROR(s.Emit(HeadersFrame{stream_id, fin ? kFlagFin : std::uint8_t{0}, headers}));
  if (fin) {
    stream->local_closed = true;
    s.ForgetIfClosed(stream_id);
  }
  return absl::OkStatus();
}

absl::Status Session::Reset(std::uint32_t stream_id, RstStatus status) {
  State& s = *state_;
  RETURN_IF_ERROR(s.Find(stream_id).status());
  RETURN_IF_ERROR(s.Emit(RstStreamFrame{stream_id, status}));
  s.Forget(stream_id);
  return absl::OkStatus();
}

absl::StatusOr<std::uint32_t> Session::Ping() {
  State& s = *state_;
  RETURN_IF_ERROR(s.Alive());
  const std::uint32_t id = s.next_ping_id;
  RETURN_IF_ERROR(s.Emit(PingFrame{id}));
  // Ids keep their parity when they wrap.
  s.next_ping_id = id > kMaxStreamId - 2 ? (id % 2 == 1 ? 1 : 2) : id + 2;
  if (s.pings_in_flight.size() >= kMaxPingsInFlight) {
    s.pings_in_flight.erase(s.pings_in_flight.begin());
  }
  s.pings_in_flight.insert(id);
  return id;
}

absl::Status Session::GoAway(GoAwayStatus status) {
  State& s = *state_;
  RETURN_IF_ERROR(s.Alive());
  if (s.goaway_sent) return absl::OkStatus();
  RETURN_IF_ERROR(s.Emit(GoAwayFrame{s.last_accepted_stream_id, status}));
  s.goaway_sent = true;
  return absl::OkStatus();
}

std::string Session::TakeOutput() { return std::exchange(state_->output, std::string()); }

std::size_t Session::OutputSize() const { return state_->output.size(); }

bool Session::IsOpen(std::uint32_t stream_id) const {
  return state_->streams.count(stream_id) != 0;
}

std::size_t Session::OpenStreams() const { return state_->streams.size(); }

bool Session::GoingAway() const { return state_->goaway_sent || state_->goaway_received; }

}  // namespace crio::spdy
