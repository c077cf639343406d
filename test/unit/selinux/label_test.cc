#include "crio/selinux/label.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "crio/selinux/mcs.h"

namespace crio::selinux {
namespace {

TEST(LabelTest, ParsesFourParts) {
  absl::StatusOr<Label> label = Label::Parse("system_u:system_r:container_t:s0:c1,c2");
  ASSERT_TRUE(label.ok()) << label.status();
  EXPECT_EQ(label->user, "system_u");
  EXPECT_EQ(label->role, "system_r");
  EXPECT_EQ(label->type, "container_t");
  EXPECT_EQ(label->level, "s0:c1,c2");
}

TEST(LabelTest, LevelKeepsItsColons) {
  absl::StatusOr<Label> label =
      Label::Parse("unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023");
  ASSERT_TRUE(label.ok()) << label.status();
  EXPECT_EQ(label->type, "unconfined_t");
  EXPECT_EQ(label->level, "s0-s0:c0.c1023");
  EXPECT_EQ(label->ToString(), "unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023");
}

TEST(LabelTest, LevelIsOptionalOnParse) {
  absl::StatusOr<Label> label = Label::Parse("u:r:t");
  ASSERT_TRUE(label.ok()) << label.status();
  EXPECT_EQ(label->level, "");
  EXPECT_EQ(label->ToString(), "u:r:t");
  EXPECT_FALSE(label->Format().ok()) << "a full label needs a level";
}

TEST(LabelTest, RoundTrips) {
  for (absl::string_view text :
       {"system_u:object_r:container_file_t:s0:c1,c2", "a:b:c:s0", "a:b:c:s0-s15:c0.c1023"}) {
    absl::StatusOr<Label> label = Label::Parse(text);
    ASSERT_TRUE(label.ok()) << text;
    absl::StatusOr<std::string> formatted = label->Format();
    ASSERT_TRUE(formatted.ok()) << formatted.status();
    EXPECT_EQ(*formatted, text);
  }
}

TEST(LabelTest, RefusesBadText) {
  for (absl::string_view text : {"", "a", "a:b", "::t:s0", "a::c:s0", "a:b::s0",
                                 "a:b:c:", "a:b:c :s0", "a:b:c:s0\n", "a\tb:c:d:s0", "a:b:c:s0 "}) {
    EXPECT_EQ(Label::Parse(text).status().code(), absl::StatusCode::kInvalidArgument)
        << "\"" << text << "\"";
  }
  EXPECT_FALSE(Label::Parse(absl::string_view("a:b:c:s\0", 8)).ok()) << "NUL";
}

TEST(LabelTest, FormatValidatesEveryPart) {
  EXPECT_TRUE(Label({"u", "r", "t", "s0"}).Format().ok());
  EXPECT_FALSE(Label({"", "r", "t", "s0"}).Format().ok());
  EXPECT_FALSE(Label({"u", "", "t", "s0"}).Format().ok());
  EXPECT_FALSE(Label({"u", "r", "", "s0"}).Format().ok());
  EXPECT_FALSE(Label({"u", "r", "t", ""}).Format().ok());
  EXPECT_FALSE(Label({"u:x", "r", "t", "s0"}).Format().ok());
  EXPECT_FALSE(Label({"u", "r", "t", "s0\n"}).Format().ok());
  EXPECT_FALSE(Label({"u", "r", "t y", "s0"}).Format().ok());
  EXPECT_TRUE(Label({"u", "r", "t", "s0-s0:c0.c1023"}).Format().ok());
}

TEST(ContainerContextsTest, Defaults) {
  const ContainerContexts contexts = ContainerContexts::Defaults();
  EXPECT_EQ(contexts.process.ToString(), "system_u:system_r:container_t:s0");
  EXPECT_EQ(contexts.file.ToString(), "system_u:object_r:container_file_t:s0");
}

TEST(ContainerContextsTest, ParsesLxcContexts) {
  absl::StatusOr<ContainerContexts> contexts = ParseLxcContexts(
      "# container contexts\n"
      "process = \"system_u:system_r:svirt_lxc_net_t:s0\"\n"
      "content = \"system_u:object_r:virt_var_lib_t:s0\"\n"
      "  file=system_u:object_r:svirt_sandbox_file_t:s0  \n"
      "sandbox_kvm_process = \"system_u:system_r:svirt_qemu_net_t:s0\"\n");
  ASSERT_TRUE(contexts.ok()) << contexts.status();
  EXPECT_EQ(contexts->process.type, "svirt_lxc_net_t");
  EXPECT_EQ(contexts->file.type, "svirt_sandbox_file_t");
}

TEST(ContainerContextsTest, MissingKeysKeepDefaults) {
  absl::StatusOr<ContainerContexts> contexts = ParseLxcContexts("file = \"u:object_r:f_t:s0\"\n");
  ASSERT_TRUE(contexts.ok());
  EXPECT_EQ(contexts->process, ContainerContexts::Defaults().process);
  EXPECT_EQ(contexts->file.type, "f_t");
}

TEST(ContainerContextsTest, BadLabelNamesKey) {
  absl::StatusOr<ContainerContexts> contexts = ParseLxcContexts("process = \"nonsense\"\n");
  ASSERT_FALSE(contexts.ok());
  EXPECT_EQ(contexts.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(contexts.status().message().find("process"), absl::string_view::npos);
}

// --- computation -------------------------------------------------------------------

struct PodCase {
  const char* name;
  SELinuxOptions options;
  const char* want_process;  // "<level>" stands for the allocated level
  const char* want_mount;
};

std::string Expand(std::string text, const std::string& level) {
  const std::string marker = "<level>";
  const std::size_t at = text.find(marker);
  if (at != std::string::npos) text.replace(at, marker.size(), level);
  return text;
}

TEST(PodLabelsTest, Table) {
  const PodCase cases[] = {
      {"nothing given",
       {},
       "system_u:system_r:container_t:<level>",
       "system_u:object_r:container_file_t:<level>"},
      {"type only",
       {"", "", "my_t", ""},
       "system_u:system_r:my_t:<level>",
       "system_u:object_r:container_file_t:<level>"},
      {"user and role",
       {"my_u", "my_r", "", ""},
       "my_u:my_r:container_t:<level>",
       "system_u:object_r:container_file_t:<level>"},
      {"level only",
       {"", "", "", "s0:c3"},
       "system_u:system_r:container_t:s0:c3",
       "system_u:object_r:container_file_t:s0:c3"},
      {"everything",
       {"u", "r", "t", "s0:c10,c20"},
       "u:r:t:s0:c10,c20",
       "system_u:object_r:container_file_t:s0:c10,c20"},
  };
  for (const PodCase& c : cases) {
    McsAllocator mcs(7);
    absl::StatusOr<PodLabels> labels = PodLabelsFor(c.options, ContainerContexts::Defaults(), mcs);
    ASSERT_TRUE(labels.ok()) << c.name << ": " << labels.status();
    const std::string level = labels->process.level;
    EXPECT_EQ(labels->process.ToString(), Expand(c.want_process, level)) << c.name;
    EXPECT_EQ(labels->mount.ToString(), Expand(c.want_mount, level)) << c.name;
    EXPECT_EQ(labels->mount.level, level) << c.name;
    EXPECT_TRUE(mcs.IsReserved(level)) << c.name;
    EXPECT_TRUE(labels->process.Validate().ok()) << c.name;
    if (c.options.level.empty()) {
      EXPECT_EQ(level.rfind("s0:c", 0), 0u) << c.name << ": " << level;
    }
  }
}

TEST(PodLabelsTest, UsesHostContexts) {
  ContainerContexts host;
  host.process = Label{"system_u", "system_r", "svirt_lxc_net_t", "s0"};
  host.file = Label{"system_u", "object_r", "svirt_sandbox_file_t", "s0"};
  McsAllocator mcs(1);
  absl::StatusOr<PodLabels> labels = PodLabelsFor({}, host, mcs);
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(labels->process.type, "svirt_lxc_net_t");
  EXPECT_EQ(labels->mount.type, "svirt_sandbox_file_t");
}

TEST(PodLabelsTest, TwoPodsGetDifferentLevels) {
  McsAllocator mcs(1);
  absl::StatusOr<PodLabels> first = PodLabelsFor({}, ContainerContexts::Defaults(), mcs);
  absl::StatusOr<PodLabels> second = PodLabelsFor({}, ContainerContexts::Defaults(), mcs);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->process.level, second->process.level);
}

TEST(PodLabelsTest, GivenLevelIsReserved) {
  McsAllocator mcs(1);
  SELinuxOptions options;
  options.level = "s0:c1,c2";
  ASSERT_TRUE(PodLabelsFor(options, ContainerContexts::Defaults(), mcs).ok());
  EXPECT_TRUE(mcs.IsReserved("s0:c1,c2"));
}

TEST(PodLabelsTest, RefusesBadOptionsWithoutReserving) {
  McsAllocator mcs(1);
  for (const SELinuxOptions& options :
       {SELinuxOptions{"a b", "", "", ""}, SELinuxOptions{"", "r:x", "", ""},
        SELinuxOptions{"", "", "t\n", ""}, SELinuxOptions{"", "", "", "s0 :c1"}}) {
    EXPECT_EQ(PodLabelsFor(options, ContainerContexts::Defaults(), mcs).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(mcs.ReservedCount(), 0u);
}

PodLabels SamplePod() {
  PodLabels pod;
  pod.process = Label{"system_u", "system_r", "container_t", "s0:c5,c6"};
  pod.mount = Label{"system_u", "object_r", "container_file_t", "s0:c5,c6"};
  return pod;
}

struct ContainerCase {
  const char* name;
  SELinuxOptions options;
  bool privileged;
  const char* want_process;
  const char* want_mount;
};

TEST(ContainerLabelsTest, Table) {
  const ContainerCase cases[] = {
      {"shares the pod's labels",
       {},
       false,
       "system_u:system_r:container_t:s0:c5,c6",
       "system_u:object_r:container_file_t:s0:c5,c6"},
      {"type override",
       {"", "", "my_t", ""},
       false,
       "system_u:system_r:my_t:s0:c5,c6",
       "system_u:object_r:container_file_t:s0:c5,c6"},
      {"user and role override",
       {"u", "r", "", ""},
       false,
       "u:r:container_t:s0:c5,c6",
       "system_u:object_r:container_file_t:s0:c5,c6"},
      {"own level",
       {"", "", "", "s0:c7,c8"},
       false,
       "system_u:system_r:container_t:s0:c7,c8",
       "system_u:object_r:container_file_t:s0:c7,c8"},
      {"everything",
       {"u", "r", "t", "s0"},
       false,
       "u:r:t:s0",
       "system_u:object_r:container_file_t:s0"},
      {"privileged gets spc_t",
       {},
       true,
       "system_u:system_r:spc_t:s0:c5,c6",
       "system_u:object_r:container_file_t:s0:c5,c6"},
      {"privileged with explicit type",
       {"", "", "my_t", ""},
       true,
       "system_u:system_r:my_t:s0:c5,c6",
       "system_u:object_r:container_file_t:s0:c5,c6"},
  };
  for (const ContainerCase& c : cases) {
    absl::StatusOr<ContainerLabelSet> labels =
        ContainerLabels(c.options, SamplePod(), c.privileged);
    ASSERT_TRUE(labels.ok()) << c.name << ": " << labels.status();
    EXPECT_EQ(labels->process.ToString(), c.want_process) << c.name;
    EXPECT_EQ(labels->mount.ToString(), c.want_mount) << c.name;
  }
}

TEST(ContainerLabelsTest, RefusesBadOptions) {
  EXPECT_EQ(ContainerLabels({"", "", "t t", ""}, SamplePod(), false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crio::selinux
