#pragma once

// Layer unpacking: turns an OCI/Docker layer blob (a tar stream, gzip- or
// zstd-compressed or plain) into a directory that overlayfs can use as a lower dir.
// No entry may write outside the destination: every path is resolved component by
// component from a handle on the destination without following symlinks.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crio/common/digest.h"

namespace crio::image {

/// How OCI whiteouts (`.wh.<name>`, `.wh..wh..opq`) are turned into files.
enum class WhiteoutMode {
  /// overlayfs form: a 0/0 character device per removed name and the
  /// `trusted.overlay.opaque=y` xattr on opaque dirs. Needs root (CAP_MKNOD,
  /// CAP_SYS_ADMIN for trusted.*); without it the unpack fails with FailedPrecondition.
  kOverlay,
  /// Nothing is written for whiteouts; they are listed in UnpackResult instead (for a
  /// copy-based rootfs, and for tests that run without root).
  kRecord,
};

/// Knobs of UnpackLayer.
struct UnpackOptions {
  /// What whiteout entries become.
  WhiteoutMode whiteout_mode = WhiteoutMode::kOverlay;
  /// When not root, tolerate EPERM from chown (entries keep the caller's ownership).
  bool ignore_chown_errors = false;
  /// Upper bound on the decompressed tar stream; larger layers fail (decompression bombs).
  std::uint64_t max_uncompressed_bytes = std::uint64_t{50} << 30;
  /// Upper bound on the number of tar entries.
  std::uint64_t max_entries = 1'000'000;
};

/// What UnpackLayer did.
struct UnpackResult {
  /// sha256 of the uncompressed tar stream: the layer's diff id in the image config.
  crio::Digest diff_id = crio::Digest::Of("");
  /// Bytes of the uncompressed tar stream.
  std::uint64_t uncompressed_size = 0;
  /// Tar entries read (including whiteouts and skipped ones).
  std::uint64_t entries = 0;
  /// kRecord only: paths (relative to the layer root, no leading "./") removed from
  /// lower layers.
  std::vector<std::string> whiteouts;
  /// kRecord only: dirs whose lower-layer contents are hidden ("." is the layer root).
  std::vector<std::string> opaque_dirs;
  /// Device nodes not created because the caller lacks CAP_MKNOD (non-root only).
  std::uint64_t skipped_devices = 0;
  /// Xattrs not set because the caller lacks the privilege (trusted.*, security.* as
  /// non-root) or because they would change overlayfs behaviour (trusted.overlay.*).
  std::uint64_t skipped_xattrs = 0;
};

/// Unpacks the layer blob at `blob_path` into `dest_dir`, an existing empty directory.
///
/// The compression (gzip, zstd or none) is detected from the content; only tar is
/// accepted inside. Ownership, modes (with setuid/setgid/sticky), mtimes, xattrs, hard
/// links, symlinks and device nodes are kept; directory modes and mtimes are applied
/// after their contents. The layer fails as a whole, with an error naming the entry, on
/// any entry that is absolute, contains "..", traverses a symlink (created by this layer
/// or already present), hard-links outside or to a missing target, or on a limit in
/// `options` being exceeded. Symlink entries themselves may point anywhere.
///
/// On error `dest_dir` is left as it is, possibly half filled: the caller removes it
/// (the store unpacks into a temporary dir and renames it on success).
/// @param blob_path the compressed or plain layer blob
/// @param dest_dir an existing, empty directory
/// @param options whiteout handling and limits
/// @return the diff id, sizes and recorded whiteouts; InvalidArgument for a malformed
///     or hostile layer, FailedPrecondition when kOverlay whiteouts need root, NotFound
///     when a file is missing, other codes for I/O errors
absl::StatusOr<UnpackResult> UnpackLayer(const std::string& blob_path, const std::string& dest_dir,
                                         const UnpackOptions& options = {});

}  // namespace crio::image
