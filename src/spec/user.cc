#include "crio/spec/user.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <limits>
#include <optional>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "crio/common/fs.h"
#include "crio/common/status.h"

namespace crio::spec {
namespace {

struct PasswdEntry {
  std::string name;
  std::int64_t uid = 0;
  std::int64_t gid = 0;
  std::string home;
};

struct GroupEntry {
  std::string name;
  std::int64_t gid = 0;
  std::vector<std::string> members;
};

// Only digits; anything else (signs, spaces) is a name, as in runc's parser.
std::optional<std::int64_t> ParseId(absl::string_view text) {
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::numeric_limits<std::int64_t>::max();  // overflow: out of range below
  }
  return value;
}

absl::Status CheckId(std::int64_t id, absl::string_view field) {
  if (id < 0 || id > kMaxId) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", id, " is out of range (0 to ", kMaxId, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckName(absl::string_view name, absl::string_view field) {
  if (name.find_first_of(":\n") != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", absl::CEscape(name), "\" contains ':' or a newline"));
  }
  return absl::OkStatus();
}

// Opens rel (relative, no "..") below root refusing every symlink, for kernels without
// openat2. Stricter than RESOLVE_IN_ROOT: a linked /etc or /etc/passwd is "not found".
int OpenNoSymlinks(int root, absl::string_view rel, int flags) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(rel, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      errno = ENOENT;
      return -1;
    }
    parts.emplace_back(part);
  }
  if (parts.empty()) {
    errno = ENOENT;
    return -1;
  }
  int dir = ::fcntl(root, F_DUPFD_CLOEXEC, 0);
  if (dir < 0) return -1;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    const int next = ::openat(dir, parts[i].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int saved = errno;
    ::close(dir);
    if (next < 0) {
      errno = saved;
      return -1;
    }
    dir = next;
  }
  const int fd = ::openat(dir, parts.back().c_str(), flags | O_NOFOLLOW);
  const int saved = errno;
  ::close(dir);
  errno = saved;
  return fd;
}

std::vector<absl::string_view> Fields(absl::string_view line) { return absl::StrSplit(line, ':'); }

std::vector<PasswdEntry> ParsePasswd(absl::string_view content) {
  std::vector<PasswdEntry> entries;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    const std::vector<absl::string_view> f = Fields(line);
    if (f.size() < 4) continue;
    const std::optional<std::int64_t> uid = ParseId(f[2]);
    const std::optional<std::int64_t> gid = ParseId(f[3]);
    if (!uid || !gid) continue;
    entries.push_back({std::string(f[0]), *uid, *gid, f.size() > 5 ? std::string(f[5]) : ""});
  }
  return entries;
}

std::vector<GroupEntry> ParseGroup(absl::string_view content) {
  std::vector<GroupEntry> entries;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    const std::vector<absl::string_view> f = Fields(line);
    if (f.size() < 3) continue;
    const std::optional<std::int64_t> gid = ParseId(f[2]);
    if (!gid) continue;
    GroupEntry entry{std::string(f[0]), *gid, {}};
    if (f.size() > 3) {
      for (absl::string_view member : absl::StrSplit(f[3], ',', absl::SkipEmpty())) {
        entry.members.emplace_back(member);
      }
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

// The file's content, or nullopt when the image has none.
absl::StatusOr<std::optional<std::string>> ReadOptional(const std::string& rootfs,
                                                        const std::string& path) {
  absl::StatusOr<std::string> content = ReadRootfsFile(rootfs, path, kMaxUserFileBytes);
  if (absl::IsNotFound(content.status())) return std::optional<std::string>();
  if (!content.ok()) return content.status();
  return std::optional<std::string>(*std::move(content));
}

}  // namespace

absl::StatusOr<std::string> ReadRootfsFile(const std::string& rootfs, const std::string& path,
                                           std::size_t max_bytes) {
  const int root = ::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return fs::ErrnoStatus(errno, absl::StrCat("open rootfs ", rootfs));
  absl::Cleanup close_root = [root] { ::close(root); };

  absl::string_view rel = path;
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  const std::string relative(rel);
  // O_NONBLOCK: a FIFO planted in the image must not hang the open.
  const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(::syscall(SYS_openat2, root, relative.c_str(), &how, sizeof(how)));
  if (fd < 0 && errno == ENOSYS) fd = OpenNoSymlinks(root, relative, flags);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR || err == ELOOP) {
      return absl::NotFoundError(absl::StrCat(path, " not found in the image"));
    }
    return fs::ErrnoStatus(err, absl::StrCat("open ", path, " in the image"));
  }
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fs::ErrnoStatus(errno, absl::StrCat("stat ", path));
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, " in the image is not a regular file"));
  }
  const auto too_large = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " in the image is larger than ", max_bytes, " bytes"));
  };
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) return too_large();
  std::string content;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fs::ErrnoStatus(errno, absl::StrCat("read ", path, " in the image"));
    }
    if (n == 0) break;
    if (content.size() + static_cast<std::size_t>(n) > max_bytes) return too_large();
    content.append(buf, static_cast<std::size_t>(n));
  }
  return content;
}

absl::StatusOr<ResolvedUser> ResolveUser(const std::string& rootfs, const UserRequest& request) {
  if (request.run_as_group && !request.run_as_user && request.run_as_username.empty()) {
    return absl::InvalidArgumentError("run_as_group: set without run_as_user or run_as_username");
  }
  if (request.run_as_user) RETURN_IF_ERROR(CheckId(*request.run_as_user, "run_as_user"));
  if (request.run_as_group) RETURN_IF_ERROR(CheckId(*request.run_as_group, "run_as_group"));
  for (std::size_t i = 0; i < request.supplemental_groups.size(); ++i) {
    RETURN_IF_ERROR(
        CheckId(request.supplemental_groups[i], absl::StrCat("supplemental_groups[", i, "]")));
  }

  // CRI-O's order: a username beats a uid, which beats the image's User; the image's
  // group only comes with the image's user.
  std::string user_part;
  std::string group_part;
  std::string field;
  if (!request.run_as_username.empty()) {
    field = "run_as_username";
    RETURN_IF_ERROR(CheckName(request.run_as_username, field));
    user_part = request.run_as_username;
  } else if (request.run_as_user) {
    field = "run_as_user";
    user_part = absl::StrCat(*request.run_as_user);
  } else {
    field = "image user";
    if (request.image_user.find('\n') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": \"", absl::CEscape(request.image_user), "\" contains a newline"));
    }
    const std::size_t colon = request.image_user.find(':');
    user_part = request.image_user.substr(0, colon);
    if (colon != std::string::npos) {
      group_part = request.image_user.substr(colon + 1);
      RETURN_IF_ERROR(CheckName(group_part, "image user group"));
    }
  }
  if (user_part.empty()) user_part = "0";

  ASSIGN_OR_RETURN(std::optional<std::string> passwd_text, ReadOptional(rootfs, "/etc/passwd"));
  const std::vector<PasswdEntry> passwd =
      passwd_text ? ParsePasswd(*passwd_text) : std::vector<PasswdEntry>{};

  ResolvedUser user;
  const std::optional<std::int64_t> uid = ParseId(user_part);
  const PasswdEntry* entry = nullptr;
  if (uid) {
    RETURN_IF_ERROR(CheckId(*uid, field));
    user.uid = static_cast<std::uint32_t>(*uid);
    for (const PasswdEntry& e : passwd) {
      if (e.uid == *uid) {
        entry = &e;
        break;
      }
    }
  } else {
    for (const PasswdEntry& e : passwd) {
      if (e.name == user_part) {
        entry = &e;
        break;
      }
    }
    if (entry == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unable to find user ", user_part, ": no matching entries in passwd file"));
    }
    RETURN_IF_ERROR(CheckId(entry->uid, absl::StrCat("/etc/passwd: uid of user ", entry->name)));
    user.uid = static_cast<std::uint32_t>(entry->uid);
  }
  if (entry != nullptr) {
    RETURN_IF_ERROR(CheckId(entry->gid, absl::StrCat("/etc/passwd: gid of user ", entry->name)));
    user.gid = static_cast<std::uint32_t>(entry->gid);
    user.username = entry->name;
    if (!entry->home.empty()) user.home = entry->home;
  }

  const bool merge = request.supplemental_groups_policy == SupplementalGroupsPolicy::kMerge;
  std::vector<GroupEntry> groups;
  const bool named_group = !group_part.empty() && !ParseId(group_part);
  if (named_group || (merge && !user.username.empty())) {
    ASSIGN_OR_RETURN(std::optional<std::string> group_text, ReadOptional(rootfs, "/etc/group"));
    if (group_text) groups = ParseGroup(*group_text);
  }
  if (!group_part.empty()) {
    if (const std::optional<std::int64_t> gid = ParseId(group_part)) {
      RETURN_IF_ERROR(CheckId(*gid, "image user group"));
      user.gid = static_cast<std::uint32_t>(*gid);
    } else {
      const auto it = std::find_if(groups.begin(), groups.end(),
                                   [&](const GroupEntry& g) { return g.name == group_part; });
      if (it == groups.end()) {
        return absl::InvalidArgumentError(absl::StrCat("unable to find group ", group_part,
                                                       ": no matching entries in group file"));
      }
      RETURN_IF_ERROR(CheckId(it->gid, absl::StrCat("/etc/group: gid of group ", it->name)));
      user.gid = static_cast<std::uint32_t>(it->gid);
    }
  }
  if (request.run_as_group) user.gid = static_cast<std::uint32_t>(*request.run_as_group);

  const auto add = [&user](std::uint32_t gid) {
    if (std::find(user.additional_gids.begin(), user.additional_gids.end(), gid) ==
        user.additional_gids.end()) {
      user.additional_gids.push_back(gid);
    }
  };
  add(user.gid);
  if (merge && !user.username.empty()) {
    for (const GroupEntry& g : groups) {
      if (std::find(g.members.begin(), g.members.end(), user.username) == g.members.end()) {
        continue;
      }
      RETURN_IF_ERROR(CheckId(g.gid, absl::StrCat("/etc/group: gid of group ", g.name)));
      add(static_cast<std::uint32_t>(g.gid));
    }
  }
  for (std::int64_t gid : request.supplemental_groups) add(static_cast<std::uint32_t>(gid));
  return user;
}

}  // namespace crio::spec
