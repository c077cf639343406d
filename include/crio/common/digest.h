#pragma once

// Content digests ("sha256:<64 hex>"), as the OCI image and distribution specs use
// them. Every blob, manifest and layer is checked against one.

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crio {

/// A validated digest. Only sha256 is accepted: it is what registries and the CRI use,
/// and a digest we cannot verify must not be trusted.
class Digest {
 public:
  /// Parses "sha256:" followed by 64 lower-case hex digits.
  /// @return InvalidArgument naming the text and what is wrong with it
  static absl::StatusOr<Digest> Parse(absl::string_view text);

  /// The digest of `data`.
  static Digest Of(absl::string_view data);

  const std::string& str() const { return text_; }  ///< "sha256:<hex>"
  absl::string_view hex() const { return absl::string_view(text_).substr(7); }
  bool operator==(const Digest& other) const { return text_ == other.text_; }
  bool operator<(const Digest& other) const { return text_ < other.text_; }

 private:
  friend class Sha256;
  explicit Digest(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

/// Streaming SHA-256, for blobs too large to hold in memory.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, std::size_t size);
  /// Ends the stream; the object must not be updated afterwards.
  Digest Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// OK when `data` hashes to `expected`; otherwise InvalidArgument naming both digests
/// ("digest mismatch for <what>: expected sha256:..., got sha256:...").
absl::Status VerifyDigest(absl::string_view data, const Digest& expected, absl::string_view what);

}  // namespace crio
