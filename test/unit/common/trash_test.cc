#include "crio/common/trash.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace crio::fs {
namespace {

namespace stdfs = std::filesystem;

class TrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crio-trash-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { stdfs::remove_all(root_); }

  // A small tree with a read-only subdirectory (as overlay's work/work is).
  std::string MakeTree(const std::string& name) {
    const std::string dir = root_ + "/" + name;
    stdfs::create_directories(dir + "/diff/etc");
    stdfs::create_directories(dir + "/work/work");
    std::ofstream(dir + "/diff/etc/hostname") << "x\n";
    stdfs::permissions(dir + "/work/work", stdfs::perms::none);
    return dir;
  }

  std::string root_;
};

TEST_F(TrashTest, DiscardedTreesLeaveAtOnceAndAreDeletedSoon) {
  Trash trash(root_ + "/.trash");
  const std::string a = MakeTree("a");
  const std::string b = MakeTree("b");
  ASSERT_TRUE(trash.Discard(a).ok());
  ASSERT_TRUE(trash.Discard(b).ok());
  EXPECT_FALSE(stdfs::exists(a));
  EXPECT_FALSE(stdfs::exists(b));
  trash.Drain();
  EXPECT_TRUE(stdfs::is_empty(root_ + "/.trash"));
  EXPECT_TRUE(trash.Discard(root_ + "/missing").ok()) << "a missing tree is fine";
  // The same name twice does not collide in the trash.
  ASSERT_TRUE(trash.Discard(MakeTree("a")).ok());
  ASSERT_TRUE(trash.Discard(MakeTree("a")).ok());
  trash.Drain();
  EXPECT_TRUE(stdfs::is_empty(root_ + "/.trash"));
}

TEST_F(TrashTest, WhatACrashLeftIsDeletedAtTheNextStart) {
  stdfs::create_directories(root_ + "/.trash");
  const std::string left = MakeTree(".trash/7-abc");
  {
    Trash trash(root_ + "/.trash");
    trash.Drain();
  }
  EXPECT_FALSE(stdfs::exists(left));
}

}  // namespace
}  // namespace crio::fs
