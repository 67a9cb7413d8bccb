#include "services/common/identity.h"

#include <gtest/gtest.h>

#include <string>

#include "services/common/test_clock.h"

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
  EXPECT_FALSE(IsValidPrincipalId("Essm"));        // upper case: ids are canonical
  EXPECT_FALSE(IsValidPrincipalId("-leading"));    // must start with a letter or digit
  EXPECT_FALSE(IsValidPrincipalId("a b"));         // no spaces
  EXPECT_FALSE(IsValidPrincipalId("a,b"));         // no separators of other schemes
  EXPECT_FALSE(IsValidPrincipalId("jan\nadmin"));  // no header smuggling
  EXPECT_FALSE(IsValidPrincipalId("zo\xC3\xAB"));  // ASCII only
}

TEST(TestClock, OnlyOnLoopbackAddresses) {
  EXPECT_TRUE(IsLoopbackListen("127.0.0.1:0"));
  EXPECT_TRUE(IsLoopbackListen("[::1]:8443"));
  EXPECT_TRUE(IsLoopbackListen("localhost:1"));
  EXPECT_FALSE(IsLoopbackListen("0.0.0.0:8443"));
  EXPECT_FALSE(IsLoopbackListen("10.0.0.7:8443"));
  EXPECT_FALSE(IsLoopbackListen("127.0.0.1.example.org:1"));
}

TEST(TestClock, OffsetClockMovesAndResets) {
  OffsetClock clock;
  const auto real = SystemClock().Now();
  clock.Set(real + std::chrono::hours(24 * 90));
  EXPECT_GE(clock.Now(), real + std::chrono::hours(24 * 90));
  EXPECT_LT(clock.Now(), real + std::chrono::hours(24 * 90 + 1));
  clock.Reset();
  EXPECT_LT(clock.Now(), real + std::chrono::hours(1));
}

}  // namespace
}  // namespace ketenregie::common
