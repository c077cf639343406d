#include "cgroup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

namespace crio::monitor {
namespace {

struct Span {
  const char* data;
  std::size_t len;
  bool Is(const char* s) const { return std::strlen(s) == len && std::memcmp(data, s, len) == 0; }
};

// Whether the comma-separated `list` has the item `want`.
bool HasItem(Span list, const char* want) {
  const std::size_t want_len = std::strlen(want);
  std::size_t start = 0;
  for (std::size_t i = 0; i <= list.len; ++i) {
    if (i == list.len || list.data[i] == ',') {
      if (i - start == want_len && std::memcmp(list.data + start, want, want_len) == 0) {
        return true;
      }
      start = i + 1;
    }
  }
  return false;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
bool Unescape(Span in, char* out, std::size_t cap) {
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  std::size_t o = 0;
  for (std::size_t i = 0; i < in.len; ++i) {
    char c = in.data[i];
    if (c == '\\' && i + 3 < in.len && octal(in.data[i + 1]) && octal(in.data[i + 2]) &&
        octal(in.data[i + 3])) {
      c = static_cast<char>((in.data[i + 1] - '0') * 64 + (in.data[i + 2] - '0') * 8 +
                            (in.data[i + 3] - '0'));
      i += 3;
    }
    if (o + 1 >= cap) return false;
    out[o++] = c;
  }
  out[o] = '\0';
  return true;
}

bool CopySpan(Span in, char* out, std::size_t cap) {
  if (in.len + 1 > cap) return false;
  std::memcpy(out, in.data, in.len);
  out[in.len] = '\0';
  return true;
}

// Calls on_line for every line of the file, skipping lines longer than the buffer.
template <typename F>
bool ForEachLine(const char* path, F on_line) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[2048];
  std::size_t have = 0;
  bool skipping = false;
  bool stop = false;
  while (!stop) {
    const ssize_t n = ::read(fd, buf + have, sizeof(buf) - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (have > 0 && !skipping) on_line(buf, have);
      break;
    }
    have += static_cast<std::size_t>(n);
    std::size_t start = 0;
    for (;;) {
      char* nl = static_cast<char*>(std::memchr(buf + start, '\n', have - start));
      if (nl == nullptr) break;
      const std::size_t line_len = static_cast<std::size_t>(nl - (buf + start));
      if (!skipping && on_line(buf + start, line_len)) {
        stop = true;
        break;
      }
      skipping = false;
      start += line_len + 1;
    }
    if (stop) break;
    std::memmove(buf, buf + start, have - start);
    have -= start;
    if (have == sizeof(buf)) {
      skipping = true;
      have = 0;
    }
  }
  ::close(fd);
  return true;
}

}  // namespace

bool FindMemoryCgroup(const char* content, std::size_t len, bool* v2, char* out, std::size_t cap) {
  bool found_v2 = false;
  Span v2_path{nullptr, 0};
  const char* p = content;
  const char* end = content + len;
  while (p < end) {
    const char* nl =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* line_end = nl == nullptr ? end : nl;
    // "<hierarchy id>:<controllers>:<path>"; the path may itself contain ':'.
    const char* c1 =
        static_cast<const char*>(std::memchr(p, ':', static_cast<std::size_t>(line_end - p)));
    if (c1 != nullptr) {
      const char* c2 = static_cast<const char*>(
          std::memchr(c1 + 1, ':', static_cast<std::size_t>(line_end - c1 - 1)));
      if (c2 != nullptr) {
        const Span controllers{c1 + 1, static_cast<std::size_t>(c2 - c1 - 1)};
        const Span path{c2 + 1, static_cast<std::size_t>(line_end - c2 - 1)};
        if (HasItem(controllers, "memory")) {
          *v2 = false;
          return CopySpan(path, out, cap);
        }
        if (controllers.len == 0 && c1 - p == 1 && *p == '0') {
          found_v2 = true;
          v2_path = path;
        }
      }
    }
    p = line_end + 1;
  }
  if (!found_v2) return false;
  *v2 = true;
  return CopySpan(v2_path, out, cap);
}

namespace {

// Splits a mountinfo line: "<id> <parent> <dev> <root> <mount point> <options>
// [optional fields...] - <fstype> <source> <super options>".
bool MountFields(const char* line, std::size_t len, Span* root, Span* mount_point, Span* fstype,
                 Span* super_options) {
  constexpr int kMaxFields = 32;
  Span fields[kMaxFields];
  int count = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= len && count < kMaxFields; ++i) {
    if (i == len || line[i] == ' ') {
      if (i > start) fields[count++] = {line + start, i - start};
      start = i + 1;
    }
  }
  int dash = -1;
  for (int i = 6; i < count; ++i) {
    if (fields[i].Is("-")) {
      dash = i;
      break;
    }
  }
  if (dash < 0 || dash + 1 >= count) return false;
  *root = fields[3];
  *mount_point = fields[4];
  *fstype = fields[dash + 1];
  *super_options = dash + 3 < count ? fields[dash + 3] : Span{"", 0};
  return true;
}

}  // namespace

bool ParseCgroupMount(const char* line, std::size_t len, bool v2, char* root, std::size_t root_cap,
                      char* mount_point, std::size_t mount_cap) {
  Span root_span{nullptr, 0};
  Span mount_span{nullptr, 0};
  Span fstype{nullptr, 0};
  Span options{nullptr, 0};
  if (!MountFields(line, len, &root_span, &mount_span, &fstype, &options)) return false;
  const bool match =
      v2 ? fstype.Is("cgroup2") : (fstype.Is("cgroup") && HasItem(options, "memory"));
  if (!match) return false;
  return Unescape(root_span, root, root_cap) && Unescape(mount_span, mount_point, mount_cap);
}

bool ParseAnyCgroupMount(const char* line, std::size_t len, char* root, std::size_t root_cap,
                         char* mount_point, std::size_t mount_cap) {
  Span root_span{nullptr, 0};
  Span mount_span{nullptr, 0};
  Span fstype{nullptr, 0};
  Span options{nullptr, 0};
  if (!MountFields(line, len, &root_span, &mount_span, &fstype, &options)) return false;
  if (!fstype.Is("cgroup") && !fstype.Is("cgroup2")) return false;
  return Unescape(root_span, root, root_cap) && Unescape(mount_span, mount_point, mount_cap);
}

int ContainerCgroupsIn(const char* content, std::size_t len, const char* id, CgroupPath* paths,
                       int count, int cap) {
  const char* p = content;
  const char* end = content + len;
  while (p < end) {
    const char* nl =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* line_end = nl == nullptr ? end : nl;
    const char* c1 =
        static_cast<const char*>(std::memchr(p, ':', static_cast<std::size_t>(line_end - p)));
    const char* c2 = c1 == nullptr ? nullptr
                                   : static_cast<const char*>(std::memchr(
                                         c1 + 1, ':', static_cast<std::size_t>(line_end - c1 - 1)));
    if (c2 != nullptr) {
      const Span path{c2 + 1, static_cast<std::size_t>(line_end - c2 - 1)};
      const char* base = path.data;
      for (std::size_t i = 0; i < path.len; ++i) {
        if (path.data[i] == '/') base = path.data + i + 1;
      }
      const std::size_t base_len = static_cast<std::size_t>(path.data + path.len - base);
      const std::size_t id_len = std::strlen(id);
      bool names_container = false;
      for (std::size_t i = 0; id_len > 0 && i + id_len <= base_len; ++i) {
        if (std::memcmp(base + i, id, id_len) == 0) names_container = true;
      }
      bool known = false;
      for (int i = 0; i < count; ++i) {
        if (std::strlen(paths[i].path) == path.len &&
            std::memcmp(paths[i].path, path.data, path.len) == 0) {
          known = true;
        }
      }
      if (names_container && !known && count < cap && path.len < sizeof(paths[count].path)) {
        CopySpan(path, paths[count].path, sizeof(paths[count].path));
        ++count;
      }
    }
    p = line_end + 1;
  }
  return count;
}

int ContainerCgroups(pid_t pid, const char* id, CgroupPath* paths, int count, int cap) {
  char file[64];
  std::snprintf(file, sizeof(file), "/proc/%d/cgroup", static_cast<int>(pid));
  char content[2048];
  const int fd = ::open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return count;
  const ssize_t n = ::read(fd, content, sizeof(content));
  ::close(fd);
  if (n <= 0) return count;
  return ContainerCgroupsIn(content, static_cast<std::size_t>(n), id, paths, count, cap);
}

void RemoveCgroups(const CgroupPath* paths, int count) {
  if (count == 0) return;
  ForEachLine("/proc/self/mountinfo", [&](const char* line, std::size_t line_len) {
    char root[512];
    char mount_point[512];
    if (!ParseAnyCgroupMount(line, line_len, root, sizeof(root), mount_point,
                             sizeof(mount_point)) ||
        std::strcmp(root, "/") != 0) {
      return false;
    }
    for (int i = 0; i < count; ++i) {
      char dir[1024];
      const int n = std::snprintf(dir, sizeof(dir), "%s%s", mount_point, paths[i].path);
      // rmdir only removes a cgroup without processes or children; a path of another
      // hierarchy simply does not exist under this mount.
      if (n > 0 && static_cast<std::size_t>(n) < sizeof(dir)) ::rmdir(dir);
    }
    return false;
  });
}

std::int64_t ParseOomKillCount(const char* content, std::size_t len) {
  static constexpr char kKey[] = "oom_kill ";
  constexpr std::size_t kKeyLen = sizeof(kKey) - 1;
  const char* p = content;
  const char* end = content + len;
  while (p < end) {
    const char* nl =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* line_end = nl == nullptr ? end : nl;
    if (static_cast<std::size_t>(line_end - p) > kKeyLen && std::memcmp(p, kKey, kKeyLen) == 0) {
      std::int64_t value = 0;
      bool digits = false;
      for (const char* q = p + kKeyLen; q < line_end && *q >= '0' && *q <= '9'; ++q) {
        value = value * 10 + (*q - '0');
        digits = true;
      }
      return digits ? value : -1;
    }
    p = line_end + 1;
  }
  return -1;
}

int OpenOomCounter(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/cgroup", static_cast<int>(pid));
  char content[2048];
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  std::size_t len = 0;
  for (;;) {
    const ssize_t n = ::read(fd, content + len, sizeof(content) - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += static_cast<std::size_t>(n);
    if (len == sizeof(content)) break;
  }
  ::close(fd);
  bool v2 = false;
  char cgroup[1024];
  if (!FindMemoryCgroup(content, len, &v2, cgroup, sizeof(cgroup))) return -1;

  char file[1024];
  bool found = false;
  ForEachLine("/proc/self/mountinfo", [&](const char* line, std::size_t line_len) {
    char root[512];
    char mount_point[512];
    if (!ParseCgroupMount(line, line_len, v2, root, sizeof(root), mount_point,
                          sizeof(mount_point))) {
      return false;
    }
    // The mount shows the hierarchy from `root` down; the cgroup must lie below it.
    const char* rest = cgroup;
    if (std::strcmp(root, "/") != 0) {
      const std::size_t root_len = std::strlen(root);
      if (std::strncmp(cgroup, root, root_len) != 0 ||
          (cgroup[root_len] != '/' && cgroup[root_len] != '\0')) {
        return false;
      }
      rest = cgroup + root_len;
    }
    const int n = std::snprintf(file, sizeof(file), "%s%s/%s", mount_point,
                                std::strcmp(rest, "/") == 0 ? "" : rest,
                                v2 ? "memory.events" : "memory.oom_control");
    found = n > 0 && static_cast<std::size_t>(n) < sizeof(file);
    return found;
  });
  if (!found) return -1;
  return ::open(file, O_RDONLY | O_CLOEXEC);
}

std::int64_t ReadOomKillCount(int fd) {
  if (fd < 0) return -1;
  char buf[1024];
  const ssize_t n = ::pread(fd, buf, sizeof(buf), 0);
  if (n <= 0) return -1;
  return ParseOomKillCount(buf, static_cast<std::size_t>(n));
}

}  // namespace crio::monitor
