#pragma once

#include <gtest/gtest.h>

#include <string>

#include "crio/seccomp/seccomp.h"

namespace crio::seccomp::testing {

// A profile the test wrote to be valid; a parse error fails the test.
inline Profile MustParse(const std::string& text) {
  auto profile = ParseProfile(text, "test");
  EXPECT_TRUE(profile.ok()) << profile.status();
  return profile.ok() ? *profile : Profile{};
}

}  // namespace crio::seccomp::testing
