#include "image_convert.h"

#include <charconv>

namespace crio::cri {

::runtime::v1::Image ToProtoImage(const image::ImageRecord& record) {
  ::runtime::v1::Image out;
  out.set_id(record.id.str());
  for (const auto& tag : record.repo_tags) out.add_repo_tags(tag);
  for (const auto& digest : record.repo_digests) out.add_repo_digests(digest);
  out.set_size(static_cast<std::uint64_t>(record.size));
  out.set_pinned(record.pinned);
  out.mutable_spec()->set_image(record.id.str());
  for (const auto& [key, value] : record.annotations) {
    (*out.mutable_spec()->mutable_annotations())[key] = value;
  }
  const std::string& user = record.config.user;
  const std::string name = user.substr(0, user.find(':'));
  std::int64_t uid = 0;
  const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), uid);
  if (!name.empty() && error == std::errc() && end == name.data() + name.size()) {
    out.mutable_uid()->set_value(uid);
  } else if (!name.empty()) {
    out.set_username(name);
  } else {
    out.mutable_uid()->set_value(0);  // no User: the image runs as root
  }
  return out;
}

}  // namespace crio::cri
