#include "crio/image/layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crio/common/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crio::image {
namespace {

namespace stdfs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

#define CRIO_REQUIRE_ROOT() \
  if (::geteuid() != 0) GTEST_SKIP() << "needs root"

// One tar entry for the test writer.
struct TarEntry {
  std::string path;
  unsigned type = AE_IFREG;
  unsigned perm = 0644;
  std::string data;
  std::string symlink;   // target, for AE_IFLNK
  std::string hardlink;  // non-empty: a hard link to this path
  std::int64_t uid = ::geteuid();
  std::int64_t gid = ::getegid();
  std::int64_t mtime = 1600000000;
  std::vector<std::pair<std::string, std::string>> xattrs;
  dev_t rdev = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> sparse;  // offset, length
  std::int64_t size = -1;                                     // when sparse: the logical size
};

TarEntry File(std::string path, std::string data, unsigned perm = 0644) {
  TarEntry e;
  e.path = std::move(path);
  e.data = std::move(data);
  e.perm = perm;
  return e;
}
TarEntry Dir(std::string path, unsigned perm = 0755) {
  TarEntry e;
  e.path = std::move(path);
  e.type = AE_IFDIR;
  e.perm = perm;
  return e;
}
TarEntry Symlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.type = AE_IFLNK;
  e.perm = 0777;
  e.symlink = std::move(target);
  return e;
}
TarEntry Hardlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.hardlink = std::move(target);
  return e;
}

la_ssize_t AppendToString(struct archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

// Writes `entries` as a pax tar, uncompressed.
std::string Tar(const std::vector<TarEntry>& entries) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_add_filter_none(a);
  EXPECT_EQ(archive_write_open(a, &out, nullptr, AppendToString, nullptr), ARCHIVE_OK);
  for (const TarEntry& t : entries) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.path.c_str());
    archive_entry_set_filetype(e, t.type);
    archive_entry_set_perm(e, t.perm);
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    archive_entry_set_mtime(e, t.mtime, 0);
    if (t.type == AE_IFLNK) archive_entry_set_symlink(e, t.symlink.c_str());
    if (!t.hardlink.empty()) archive_entry_set_hardlink(e, t.hardlink.c_str());
    if (t.type == AE_IFCHR || t.type == AE_IFBLK) archive_entry_set_rdev(e, t.rdev);
    for (const auto& [k, v] : t.xattrs)
      archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    archive_entry_set_size(e, static_cast<la_int64_t>(t.data.size()));
    EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK) << archive_error_string(a);
    if (!t.data.empty()) {
      EXPECT_EQ(archive_write_data(a, t.data.data(), t.data.size()),
                static_cast<la_ssize_t>(t.data.size()));
    }
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

enum class Compression { kNone, kGzip, kZstd };

// Compresses `data` as a single stream (libarchive's raw format), unchanged for kNone.
std::string Compress(const std::string& data, Compression compression) {
  if (compression == Compression::kNone) return data;
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  if (compression == Compression::kGzip) {
    archive_write_add_filter_gzip(a);
  } else {
    archive_write_add_filter_zstd(a);
  }
  archive_write_set_bytes_in_last_block(a, 1);
  EXPECT_EQ(archive_write_open(a, &out, nullptr, AppendToString, nullptr), ARCHIVE_OK);
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "data");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
  EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK) << archive_error_string(a);
  if (!data.empty()) archive_write_data(a, data.data(), data.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// A ustar header written by hand, for archives the writer would not produce.
std::string UstarHeader(const std::string& name, std::uint64_t size, char type = '0') {
  std::string h(512, '\0');
  std::memcpy(h.data(), name.data(), std::min<std::size_t>(name.size(), 100));
  auto octal = [&h](std::size_t at, std::size_t width, std::uint64_t value) {
    std::ostringstream s;
    s.width(static_cast<std::streamsize>(width - 1));
    s.fill('0');
    s << std::oct << value;
    std::memcpy(h.data() + at, s.str().data(), width - 1);
  };
  octal(100, 8, 0644);
  octal(108, 8, ::geteuid());
  octal(116, 8, ::getegid());
  octal(124, 12, size);
  octal(136, 12, 1600000000);
  std::memset(h.data() + 148, ' ', 8);
  h[156] = type;
  std::memcpy(h.data() + 257,
              "ustar\0"
              "00",
              8);
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  char checksum[8];
  std::snprintf(checksum, sizeof(checksum), "%06o", sum);
  std::memcpy(h.data() + 148, checksum, 7);
  h[155] = ' ';
  return h;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Everything under `dir` (type, mode, size, content or link target), to show that an
// unpack left it exactly as it was.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : stdfs::recursive_directory_iterator(dir)) {
    struct stat st {};
    ::lstat(e.path().c_str(), &st);
    std::string value = absl::StrCat(st.st_mode, ":", st.st_size, ":", st.st_mtim.tv_sec, ":");
    if (S_ISREG(st.st_mode)) value += ReadAll(e.path());
    if (S_ISLNK(st.st_mode)) value += stdfs::read_symlink(e.path()).string();
    out[e.path().string()] = value;
  }
  return out;
}

class LayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (stdfs::temp_directory_path() / "crio-layer-test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    base_ = tmpl;
    dest_ = base_ + "/dest";
    sentinel_ = base_ + "/sentinel";
    blob_ = base_ + "/blob";
    stdfs::create_directory(dest_);
    stdfs::create_directory(sentinel_);
    std::ofstream(sentinel_ + "/file") << "sentinel";
    stdfs::create_directory(sentinel_ + "/sub");
    options_.whiteout_mode = WhiteoutMode::kRecord;
    options_.ignore_chown_errors = ::geteuid() != 0;
    before_ = Snapshot(sentinel_);
  }

  void TearDown() override {
    // Read-only dirs from a layer would stop a non-root remove_all.
    std::error_code ec;
    for (auto it = stdfs::recursive_directory_iterator(base_, ec);
         it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0755);
    }
    ::chmod(base_.c_str(), 0755);
    stdfs::remove_all(base_, ec);
  }

  absl::StatusOr<UnpackResult> Unpack(const std::string& blob) {
    std::ofstream(blob_, std::ios::binary | std::ios::trunc) << blob;
    return UnpackLayer(blob_, dest_, options_);
  }

  // The sentinel dir is untouched and nothing was created next to dest.
  void ExpectNothingOutside() {
    EXPECT_EQ(Snapshot(sentinel_), before_);
    std::vector<std::string> names;
    for (const auto& e : stdfs::directory_iterator(base_)) names.push_back(e.path().filename());
    EXPECT_THAT(names, UnorderedElementsAre("dest", "sentinel", "blob"));
  }

  std::string D(const std::string& rel) const { return dest_ + "/" + rel; }

  std::string base_, dest_, sentinel_, blob_;
  UnpackOptions options_;
  std::map<std::string, std::string> before_;
};

TEST_F(LayerTest, UnpacksFilesAndNestedDirs) {
  const std::string tar = Tar({Dir("etc"), File("etc/hosts", "127.0.0.1 localhost\n"),
                               File("usr/bin/tool", "#!/bin/sh\n", 0755), Dir("var/empty", 0750),
                               File("./dot/prefixed", "x")});
  auto result = Unpack(tar);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->entries, 5u);
  EXPECT_EQ(result->uncompressed_size, tar.size());
  EXPECT_EQ(result->diff_id, Digest::Of(tar));
  EXPECT_EQ(ReadAll(D("etc/hosts")), "127.0.0.1 localhost\n");
  EXPECT_EQ(ReadAll(D("usr/bin/tool")), "#!/bin/sh\n");
  EXPECT_EQ(ReadAll(D("dot/prefixed")), "x");
  struct stat st {};
  ASSERT_EQ(::lstat(D("usr/bin/tool").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::lstat(D("var/empty").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  ExpectNothingOutside();
}

TEST_F(LayerTest, GzipZstdAndPlainGiveTheSameDiffId) {
  std::string big(300 * 1024, '\0');
  std::mt19937 rng(7);
  for (char& c : big) c = static_cast<char>(rng() % 16);
  const std::string tar = Tar({File("a", "alpha"), File("big", big), Dir("d")});
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    SCOPED_TRACE(static_cast<int>(c));
    TearDown();
    SetUp();
    const std::string blob = Compress(tar, c);
    if (c != Compression::kNone) {
      EXPECT_NE(blob, tar);
    }
    auto result = Unpack(blob);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->diff_id, Digest::Of(tar));
    EXPECT_EQ(result->uncompressed_size, tar.size());
    EXPECT_EQ(ReadAll(D("big")), big);
  }
}

TEST_F(LayerTest, SymlinksMayPointAnywhereAndHardLinksShareTheInode) {
  auto result = Unpack(Tar({File("bin/busybox", "elf"), Symlink("bin/sh", "busybox"),
                            Symlink("etc-passwd", "/etc/passwd"), Symlink("up", "../../.."),
                            Hardlink("bin/ls", "bin/busybox"), Hardlink("sh-link", "bin/sh")}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(stdfs::read_symlink(D("bin/sh")), "busybox");
  EXPECT_EQ(stdfs::read_symlink(D("etc-passwd")), "/etc/passwd");
  EXPECT_EQ(stdfs::read_symlink(D("up")), "../../..");
  struct stat a {
  }, b{};
  ASSERT_EQ(::lstat(D("bin/busybox").c_str(), &a), 0);
  ASSERT_EQ(::lstat(D("bin/ls").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_nlink, 2u);
  // A hard link to a symlink is a second name of the symlink, not of its target.
  ASSERT_EQ(::lstat(D("sh-link").c_str(), &b), 0);
  EXPECT_TRUE(S_ISLNK(b.st_mode));
  ExpectNothingOutside();
}

TEST_F(LayerTest, KeepsSpecialModeBits) {
  auto result = Unpack(Tar({File("suid", "x", 04755), File("sgid", "x", 02755), Dir("tmp", 01777),
                            Dir("ro", 0555), File("ro/inside", "y", 0400)}));
  ASSERT_TRUE(result.ok()) << result.status();
  struct stat st {};
  ASSERT_EQ(::lstat(D("suid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  ASSERT_EQ(::lstat(D("sgid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 02755u);
  ASSERT_EQ(::lstat(D("tmp").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  // A read-only directory still gets its contents: its mode comes last.
  ASSERT_EQ(::lstat(D("ro").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0555u);
  ASSERT_EQ(::lstat(D("ro/inside").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0400u);
}

TEST_F(LayerTest, KeepsMtimesOfFilesDirsAndSymlinks) {
  TarEntry dir = Dir("d");
  dir.mtime = 1000000000;
  TarEntry file = File("d/f", "x");
  file.mtime = 1100000000;
  TarEntry link = Symlink("d/l", "f");
  link.mtime = 1200000000;
  auto result = Unpack(Tar({dir, file, link}));
  ASSERT_TRUE(result.ok()) << result.status();
  struct stat st {};
  ASSERT_EQ(::lstat(D("d").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1000000000);  // set after d/f and d/l were created
  ASSERT_EQ(::lstat(D("d/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1100000000);
  ASSERT_EQ(::lstat(D("d/l").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1200000000);
}

TEST_F(LayerTest, KeepsOwnershipAsRoot) {
  CRIO_REQUIRE_ROOT();
  options_.ignore_chown_errors = false;
  TarEntry file = File("f", "x", 04750);
  file.uid = 1234;
  file.gid = 5678;
  TarEntry dir = Dir("d");
  dir.uid = 42;
  dir.gid = 43;
  TarEntry link = Symlink("l", "/nowhere");
  link.uid = 7;
  link.gid = 8;
  auto result = Unpack(Tar({file, dir, link}));
  ASSERT_TRUE(result.ok()) << result.status();
  struct stat st {};
  ASSERT_EQ(::lstat(D("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  EXPECT_EQ(st.st_mode & 07777, 04750u);  // setuid survives the chown
  ASSERT_EQ(::lstat(D("d").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 42u);
  EXPECT_EQ(st.st_gid, 43u);
  ASSERT_EQ(::lstat(D("l").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 7u);
  EXPECT_EQ(st.st_gid, 8u);
}

TEST_F(LayerTest, ChownFailureIsAnErrorUnlessIgnoredWhenNotRoot) {
  if (::geteuid() == 0) GTEST_SKIP() << "needs a non-root user";
  TarEntry file = File("f", "x");
  file.uid = 0;
  file.gid = 0;
  const std::string tar = Tar({file});
  options_.ignore_chown_errors = false;
  auto result = Unpack(tar);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("chown"));
  TearDown();
  SetUp();
  options_.ignore_chown_errors = true;
  EXPECT_TRUE(Unpack(tar).ok());
}

bool UserXattrsSupported(const std::string& dir) {
  const std::string probe = dir + "/probe";
  std::ofstream(probe) << "";
  const bool ok = ::setxattr(probe.c_str(), "user.probe", "1", 1, 0) == 0;
  ::unlink(probe.c_str());
  return ok;
}

TEST_F(LayerTest, KeepsXattrsAndDropsOverlayOnes) {
  if (!UserXattrsSupported(base_)) GTEST_SKIP() << "no user xattrs on this filesystem";
  TarEntry file = File("f", "x");
  file.xattrs = {{"user.color", "blue"}, {"trusted.overlay.redirect", "/etc"}};
  TarEntry dir = Dir("d");
  dir.xattrs = {{"user.kind", "dir"}};
  auto result = Unpack(Tar({file, dir}));
  ASSERT_TRUE(result.ok()) << result.status();
  char value[64] = {};
  ASSERT_EQ(::getxattr(D("f").c_str(), "user.color", value, sizeof(value)), 4);
  EXPECT_EQ(std::string(value, 4), "blue");
  ASSERT_EQ(::getxattr(D("d").c_str(), "user.kind", value, sizeof(value)), 3);
  EXPECT_EQ(std::string(value, 3), "dir");
  EXPECT_LT(::getxattr(D("f").c_str(), "trusted.overlay.redirect", value, sizeof(value)), 0);
  EXPECT_EQ(result->skipped_xattrs, 1u);
}

TEST_F(LayerTest, KeepsFileCapabilitiesAsRoot) {
  CRIO_REQUIRE_ROOT();
  // VFS_CAP_REVISION_2, cap_net_bind_service permitted+effective.
  const std::string cap(
      "\x01\x00\x00\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00",
      20);
  TarEntry file = File("ping", "elf", 0755);
  file.xattrs = {{"security.capability", cap}};
  auto result = Unpack(Tar({file}));
  ASSERT_TRUE(result.ok()) << result.status();
  char value[64] = {};
  ASSERT_EQ(::getxattr(D("ping").c_str(), "security.capability", value, sizeof(value)), 20);
  EXPECT_EQ(std::string(value, 20), cap);
}

TEST_F(LayerTest, DeviceNodesAsRootAndSkippedOtherwise) {
  TarEntry null_dev;
  null_dev.path = "dev/null";
  null_dev.type = AE_IFCHR;
  null_dev.perm = 0666;
  null_dev.rdev = makedev(1, 3);
  TarEntry fifo;
  fifo.path = "dev/fifo";
  fifo.type = AE_IFIFO;
  fifo.perm = 0600;
  auto result = Unpack(Tar({null_dev, fifo}));
  ASSERT_TRUE(result.ok()) << result.status();
  struct stat st {};
  ASSERT_EQ(::lstat(D("dev/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  if (::geteuid() == 0) {
    ASSERT_EQ(::lstat(D("dev/null").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_rdev, makedev(1, 3));
    EXPECT_EQ(st.st_mode & 07777, 0666u);
    EXPECT_EQ(result->skipped_devices, 0u);
  } else {
    EXPECT_FALSE(stdfs::exists(stdfs::symlink_status(D("dev/null"))));
    EXPECT_EQ(result->skipped_devices, 1u);
  }
}

TEST_F(LayerTest, RecordsWhiteoutsAndOpaqueDirs) {
  auto result = Unpack(
      Tar({Dir("a"), File("a/.wh.b", ""), File(".wh.c", ""), Dir("d"), File("d/.wh..wh..opq", ""),
           Dir(".wh..wh.plnk"), File(".wh..wh.plnk/123.456", "aufs")}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->whiteouts, ElementsAre("a/b", "c"));
  EXPECT_THAT(result->opaque_dirs, ElementsAre("d"));
  EXPECT_EQ(result->entries, 7u);
  EXPECT_FALSE(stdfs::exists(D("a/.wh.b")));
  EXPECT_FALSE(stdfs::exists(D("a/b")));
  EXPECT_FALSE(stdfs::exists(D(".wh..wh.plnk")));
  EXPECT_FALSE(stdfs::exists(D("d/.wh..wh..opq")));
  EXPECT_TRUE(stdfs::is_empty(D("d")));
}

TEST_F(LayerTest, OverlayWhiteoutsAsRoot) {
  CRIO_REQUIRE_ROOT();
  options_.whiteout_mode = WhiteoutMode::kOverlay;
  auto result = Unpack(Tar({Dir("a"), File("a/.wh.b", ""), Dir("d"), File("d/.wh..wh..opq", ""),
                            File("kept", "1"), File(".wh.kept", "")}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->whiteouts.empty());
  struct stat st {};
  ASSERT_EQ(::lstat(D("a/b").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  char value[8] = {};
  ASSERT_EQ(::getxattr(D("d").c_str(), "trusted.overlay.opaque", value, sizeof(value)), 1);
  EXPECT_EQ(value[0], 'y');
  // An entry of this layer wins over a whiteout of the same name.
  EXPECT_EQ(ReadAll(D("kept")), "1");
}

TEST_F(LayerTest, OverlayModeWithoutRoot) {
  if (::geteuid() == 0) GTEST_SKIP() << "needs a non-root user";
  options_.whiteout_mode = WhiteoutMode::kOverlay;
  // Linux >= 5.8 lets anyone create the 0/0 whiteout device; older kernels refuse.
  auto result = Unpack(Tar({File(".wh.gone", "")}));
  if (result.ok()) {
    struct stat st {};
    ASSERT_EQ(::lstat(D("gone").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_rdev, makedev(0, 0));
  } else {
    EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition) << result.status();
  }
  TearDown();
  SetUp();
  options_.whiteout_mode = WhiteoutMode::kOverlay;
  // trusted.* xattrs need CAP_SYS_ADMIN.
  result = Unpack(Tar({Dir("d"), File("d/.wh..wh..opq", "")}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition) << result.status();
}

std::string PaxRecord(const std::string& key, const std::string& value) {
  const std::string body = " " + key + "=" + value + "\n";
  std::size_t length = body.size() + 1;
  while (std::to_string(length).size() + body.size() != length) ++length;
  return std::to_string(length) + body;
}

std::string PadBlock(std::string data) {
  data.resize((data.size() + 511) / 512 * 512, '\0');
  return data;
}

TEST_F(LayerTest, SparseFileKeepsItsSizeAndData) {
  // GNU sparse format 1.0 in pax, as GNU tar --sparse writes it: a map of data
  // regions at the start of the entry's data, then the regions' bytes.
  constexpr std::uint64_t kSize = 1 << 20;
  const std::string pax = PaxRecord("GNU.sparse.major", "1") + PaxRecord("GNU.sparse.minor", "0") +
                          PaxRecord("GNU.sparse.name", "sparse") +
                          PaxRecord("GNU.sparse.realsize", std::to_string(kSize));
  const std::string map = PadBlock(absl::StrCat("2\n0\n4096\n", kSize - 4096, "\n4096\n"));
  const std::string data = map + std::string(4096, 'a') + std::string(4096, 'b');
  std::string tar = UstarHeader("PaxHeaders/sparse", pax.size(), 'x') + PadBlock(pax) +
                    UstarHeader("GNUSparseFile.0/sparse", data.size()) + data +
                    std::string(1024, '\0');
  auto result = Unpack(tar);
  ASSERT_TRUE(result.ok()) << result.status();
  const std::string content = ReadAll(D("sparse"));
  ASSERT_EQ(content.size(), kSize);
  EXPECT_TRUE(content.substr(0, 4096) == std::string(4096, 'a'));
  EXPECT_TRUE(content.substr(4096, kSize - 8192) == std::string(kSize - 8192, '\0'));
  EXPECT_TRUE(content.substr(kSize - 4096) == std::string(4096, 'b'));
  struct stat st {};
  ASSERT_EQ(::stat(D("sparse").c_str(), &st), 0);
  EXPECT_LT(st.st_blocks * 512, static_cast<blkcnt_t>(kSize));  // the hole stayed a hole
}

TEST_F(LayerTest, SparseRegionBeyondTheSizeIsRefused) {
  const std::string pax = PaxRecord("GNU.sparse.major", "1") + PaxRecord("GNU.sparse.minor", "0") +
                          PaxRecord("GNU.sparse.name", "sparse") +
                          PaxRecord("GNU.sparse.realsize", "4096");
  const std::string map = PadBlock("1\n1000000000\n4096\n");
  const std::string data = map + std::string(4096, 'a');
  std::string tar = UstarHeader("PaxHeaders/sparse", pax.size(), 'x') + PadBlock(pax) +
                    UstarHeader("GNUSparseFile.0/sparse", data.size()) + data +
                    std::string(1024, '\0');
  auto result = Unpack(tar);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("entry \"sparse\""));
  std::error_code ec;
  EXPECT_LE(stdfs::file_size(D("sparse"), ec) + 1, 4097u);
}

TEST_F(LayerTest, LaterEntryReplacesEarlierOneWithoutFollowingIt) {
  auto result = Unpack(Tar({File("a", "first"), File("a", "second"),
                            Symlink("b", sentinel_ + "/file"), File("b", "not through")}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(ReadAll(D("a")), "second");
  EXPECT_TRUE(stdfs::is_regular_file(stdfs::symlink_status(D("b"))));
  EXPECT_EQ(ReadAll(D("b")), "not through");
  ExpectNothingOutside();
}

TEST_F(LayerTest, RootEntryIsAccepted) {
  auto result = Unpack(Tar({Dir("./", 0755), File("./a", "x")}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(ReadAll(D("a")), "x");
}

TEST_F(LayerTest, EmptyArchiveHasNoEntries) {
  const std::string tar = Tar({});
  auto result = Unpack(tar);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->entries, 0u);
  EXPECT_EQ(result->diff_id, Digest::Of(tar));
  EXPECT_TRUE(stdfs::is_empty(dest_));
}

TEST_F(LayerTest, TruncatedGzipFails) {
  std::string big(200 * 1024, '\0');
  std::mt19937 rng(1);
  for (char& c : big) c = static_cast<char>(rng());
  const std::string gz = Compress(Tar({File("big", big)}), Compression::kGzip);
  auto result = Unpack(gz.substr(0, gz.size() / 2));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(blob_));
  ExpectNothingOutside();
}

TEST_F(LayerTest, GarbageEmptyAndDoublyCompressedBlobsFail) {
  EXPECT_FALSE(Unpack("this is not a tar archive, not even close, no").ok());
  EXPECT_FALSE(Unpack("").ok());
  const std::string twice =
      Compress(Compress(Tar({File("a", "x")}), Compression::kGzip), Compression::kGzip);
  auto result = Unpack(twice);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("compressed more than once"));
}

TEST_F(LayerTest, UncompressedLimitStopsADecompressionBomb) {
  const std::string zeros(3 << 20, '\0');
  const std::string bomb =
      Compress(Tar({File("z1", zeros), File("z2", zeros), File("z3", zeros), File("z4", zeros)}),
               Compression::kGzip);
  ASSERT_LT(bomb.size(), 128u * 1024);
  options_.max_uncompressed_bytes = 4 << 20;
  auto result = Unpack(bomb);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("limit of 4194304 uncompressed bytes"));
  std::uintmax_t written = 0;
  for (const auto& e : stdfs::recursive_directory_iterator(dest_)) {
    if (e.is_regular_file()) written += e.file_size();
  }
  EXPECT_LE(written, 4u << 20);
  ExpectNothingOutside();
}

TEST_F(LayerTest, DeclaredSizeOverTheLimitIsRefused) {
  options_.max_uncompressed_bytes = 1 << 20;
  auto result = Unpack(Compress(Tar({File("big", std::string(2 << 20, 'x'))}), Compression::kZstd));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("entry \"big\""));
}

TEST_F(LayerTest, EntryLimit) {
  options_.max_entries = 2;
  auto result = Unpack(Tar({File("a", ""), File("b", ""), File("c", "")}));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("more than 2 entries"));
}

TEST_F(LayerTest, DataBeyondTheHeaderSizeIsRefused) {
  // The header says 10 bytes; 1 KiB of data follows. libarchive reads 10, then meets
  // the rest where a header should be.
  std::string tar = UstarHeader("short", 10);
  std::string data(1536, 'A');
  tar += data;
  tar += std::string(1024, '\0');
  auto result = Unpack(tar);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(ReadAll(D("short")), std::string(10, 'A'));
  ExpectNothingOutside();
}

TEST_F(LayerTest, RefusesAHardLinkToADirectoryOrAMissingTarget) {
  EXPECT_FALSE(Unpack(Tar({Dir("d"), Hardlink("h", "d")})).ok());
  TearDown();
  SetUp();
  auto result = Unpack(Tar({Hardlink("h", "missing")}));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("entry \"h\""));
}

// Each escape attempt fails the whole layer with an error naming the entry, and writes
// nothing outside the destination, in either whiteout mode.
struct EscapeCase {
  std::string name;
  // Entries; "@S" in a path or target stands for the sentinel dir's absolute path.
  std::vector<TarEntry> entries;
  std::string bad_entry;
  bool pre_existing_symlink = false;  // dest/pre -> sentinel before the unpack
};

void PrintTo(const EscapeCase& c, std::ostream* os) { *os << c.name; }

class EscapeTest : public LayerTest, public ::testing::WithParamInterface<EscapeCase> {};

std::string Subst(std::string s, const std::string& sentinel) {
  const std::size_t at = s.find("@S");
  if (at != std::string::npos) s.replace(at, 2, sentinel);
  return s;
}

TEST_P(EscapeTest, IsRefusedAndWritesNothingOutside) {
  for (WhiteoutMode mode : {WhiteoutMode::kRecord, WhiteoutMode::kOverlay}) {
    SCOPED_TRACE(mode == WhiteoutMode::kRecord ? "record" : "overlay");
    TearDown();
    SetUp();
    options_.whiteout_mode = mode;
    std::vector<TarEntry> entries = GetParam().entries;
    for (TarEntry& e : entries) {
      e.path = Subst(e.path, sentinel_);
      e.symlink = Subst(e.symlink, sentinel_);
      e.hardlink = Subst(e.hardlink, sentinel_);
    }
    if (GetParam().pre_existing_symlink) {
      stdfs::create_directory_symlink(sentinel_, D("pre"));
    }
    auto result = Unpack(Tar(entries));
    ASSERT_FALSE(result.ok()) << "unpacked";
    EXPECT_THAT(std::string(result.status().message()),
                HasSubstr(absl::StrCat("entry \"", Subst(GetParam().bad_entry, sentinel_), "\"")));
    ExpectNothingOutside();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Escapes, EscapeTest,
    ::testing::Values(
        EscapeCase{"DotDot", {File("../x", "evil")}, "../x"},
        EscapeCase{"DotDotInside", {File("a/../../x", "evil")}, "a/../../x"},
        EscapeCase{"DotDotDir", {Dir("a/.."), File("a/../x", "evil")}, "a/../"},
        EscapeCase{"Absolute", {File("@S/abs", "evil")}, "@S/abs"},
        EscapeCase{"AbsoluteDir", {Dir("/abs")}, "/abs/"},
        EscapeCase{"ThroughAbsoluteSymlink",
                   {Symlink("evil", "@S"), File("evil/file", "evil")},
                   "evil/file"},
        EscapeCase{"ThroughSymlinkToParent",
                   {Symlink("d", ".."), File("d/sentinel/x", "evil")},
                   "d/sentinel/x"},
        EscapeCase{"DirThroughSymlink", {Symlink("d", "@S"), Dir("d/new")}, "d/new/"},
        EscapeCase{"SymlinkThroughSymlink", {Symlink("d", "@S"), Symlink("d/l", "/")}, "d/l"},
        EscapeCase{"HardLinkDotDot", {Hardlink("passwd", "../../etc/passwd")}, "passwd"},
        EscapeCase{"HardLinkAbsolute", {Hardlink("h", "@S/file")}, "h"},
        EscapeCase{
            "HardLinkThroughSymlink", {Symlink("lnk", "@S"), Hardlink("h", "lnk/file")}, "h"},
        EscapeCase{"HardLinkPlacedThroughSymlink",
                   {File("f", "x"), Symlink("lnk", "@S"), Hardlink("lnk/h", "f")},
                   "lnk/h"},
        EscapeCase{"PreExistingSymlink", {File("pre/x", "evil")}, "pre/x", true},
        EscapeCase{"WhiteoutDotDot", {File(".wh...", "")}, ".wh..."},
        EscapeCase{"WhiteoutDot", {File("a/.wh..", "")}, "a/.wh.."},
        EscapeCase{"WhiteoutEmpty", {File(".wh.", "")}, ".wh."},
        EscapeCase{"WhiteoutInParent", {File("../.wh.file", "")}, "../.wh.file"},
        EscapeCase{"WhiteoutThroughSymlink",
                   {Symlink("evil", "@S"), File("evil/.wh.file", "")},
                   "evil/.wh.file"},
        EscapeCase{"OpaqueThroughSymlink",
                   {Symlink("evil", "@S"), File("evil/sub/.wh..wh..opq", "")},
                   "evil/sub/.wh..wh..opq"}),
    [](const ::testing::TestParamInfo<EscapeCase>& param_info) { return param_info.param.name; });

TEST_F(LayerTest, EmptyNameIsRefused) {
  std::string tar = UstarHeader("", 0);
  tar += std::string(1024, '\0');
  auto result = Unpack(tar);
  ASSERT_FALSE(result.ok());
  ExpectNothingOutside();
}

}  // namespace
}  // namespace crio::image
