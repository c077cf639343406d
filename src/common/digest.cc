#include "crio/common/digest.h"

#include <openssl/evp.h>

#include <array>

#include "absl/strings/str_cat.h"

namespace crio {
namespace {

constexpr absl::string_view kPrefix = "sha256:";
constexpr std::size_t kHexLength = 64;

std::string ToHex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
  return out;
}

}  // namespace

absl::StatusOr<Digest> Digest::Parse(absl::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    return absl::InvalidArgumentError(absl::StrCat(
        "digest \"", text, "\": only sha256 digests (\"sha256:<hex>\") are supported"));
  }
  const absl::string_view hex = text.substr(kPrefix.size());
  if (hex.size() != kHexLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("digest \"", text, "\": expected ", kHexLength, " hex digits"));
  }
  for (const char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return absl::InvalidArgumentError(
          absl::StrCat("digest \"", text, "\": not lower-case hexadecimal"));
    }
  }
  return Digest(std::string(text));
}

Digest Digest::Of(absl::string_view data) {
  Sha256 hasher;
  hasher.Update(data.data(), data.size());
  return hasher.Finish();
}

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(state_->ctx); }

void Sha256::Update(const void* data, std::size_t size) {
  EVP_DigestUpdate(state_->ctx, data, size);
}

Digest Sha256::Finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->ctx, out.data(), &length);
  return Digest(absl::StrCat(kPrefix, ToHex(out.data(), length)));
}

absl::Status VerifyDigest(absl::string_view data, const Digest& expected, absl::string_view what) {
  const Digest actual = Digest::Of(data);
  if (actual == expected) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("digest mismatch for ", what, ": expected ",
                                                 expected.str(), ", got ", actual.str()));
}

}  // namespace crio
