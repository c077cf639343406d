// Fuzz target: layer blobs. Whatever the bytes, UnpackLayer must not crash and must
// write nothing outside its destination: a sibling sentinel dir is checked after
// every run.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "crio/image/layer.h"

namespace {

namespace stdfs = std::filesystem;

void WriteFile(const std::string& path, const std::uint8_t* data, std::size_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

std::vector<std::string> List(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : stdfs::recursive_directory_iterator(dir)) names.push_back(e.path());
  std::sort(names.begin(), names.end());
  return names;
}

void RemoveTree(const std::string& dir) {
  std::error_code ec;
  // Layers may hold read-only dirs, which would stop a non-root remove_all.
  for (auto it = stdfs::recursive_directory_iterator(dir, ec);
       it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0700);
  }
  stdfs::remove_all(dir, ec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string base = (stdfs::temp_directory_path() / "crio-tar-fuzz.XXXXXX").string();
  if (::mkdtemp(base.data()) == nullptr) std::abort();
  const std::string dest = base + "/dest";
  const std::string sentinel = base + "/sentinel";
  const std::string blob = base + "/blob";
  if (::mkdir(dest.c_str(), 0755) != 0 || ::mkdir(sentinel.c_str(), 0755) != 0) std::abort();
  const std::uint8_t marker[] = {'s'};
  WriteFile(sentinel + "/file", marker, sizeof(marker));
  WriteFile(blob, data, size);

  crio::image::UnpackOptions options;
  options.whiteout_mode = crio::image::WhiteoutMode::kRecord;
  options.ignore_chown_errors = true;
  options.max_uncompressed_bytes = 4 << 20;
  options.max_entries = 1000;
  (void)crio::image::UnpackLayer(blob, dest, options);

  std::vector<std::string> after;
  for (const auto& e : stdfs::directory_iterator(base)) after.push_back(e.path());
  std::sort(after.begin(), after.end());
  const std::vector<std::string> expected = {blob, dest, sentinel};
  struct stat st {};
  if (after != expected || List(sentinel) != std::vector<std::string>{sentinel + "/file"} ||
      ::lstat((sentinel + "/file").c_str(), &st) != 0 || st.st_size != 1) {
    std::fprintf(stderr, "tar_fuzz: the layer wrote outside %s\n", dest.c_str());
    std::abort();
  }
  RemoveTree(base);
  return 0;
}
