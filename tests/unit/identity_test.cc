#include "services/common/identity.h"

#include <gtest/gtest.h>

#include <string>

namespace ketenregie::common {
namespace {

TEST(PrincipalId, AcceptsPseudonymousHandles) {
  EXPECT_TRUE(IsValidPrincipalId("essm-rotterdam"));
  EXPECT_TRUE(IsValidPrincipalId("coordinator.7"));
  EXPECT_TRUE(IsValidPrincipalId("u_12@essm"));
  EXPECT_TRUE(IsValidPrincipalId(std::string(128, 'a')));
}

TEST(PrincipalId, RejectsEmptyOversizedAndForeignCharacters) {
  EXPECT_FALSE(IsValidPrincipalId(""));
  EXPECT_FALSE(IsValidPrincipalId(std::string(129, 'a')));
  EXPECT_FALSE(IsValidPrincipalId("Essm"));       // upper case: ids are canonical
  EXPECT_FALSE(IsValidPrincipalId("-leading"));   // must start with a letter or digit
  EXPECT_FALSE(IsValidPrincipalId("a b"));        // no spaces
  EXPECT_FALSE(IsValidPrincipalId("a,b"));        // no separators of other schemes
  EXPECT_FALSE(IsValidPrincipalId("jan\nadmin"));  // no header smuggling
  EXPECT_FALSE(IsValidPrincipalId("zo\xC3\xAB"));  // ASCII only
}

}  // namespace
}  // namespace ketenregie::common
