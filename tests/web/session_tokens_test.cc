// The secrets of a browser session: ids, the cookie, CSRF tokens.
#include "services/web/session_tokens.h"

#include <gtest/gtest.h>

#include <set>

namespace ketenregie::web {
namespace {

TEST(SessionTokensTest, SessionIdsAreRandom256BitBase64Url) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewSessionId();
    EXPECT_TRUE(IsSessionIdForm(id)) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_FALSE(IsSessionIdForm(std::string(42, 'a')));
  EXPECT_FALSE(IsSessionIdForm(std::string(42, 'a') + "="));
}

TEST(SessionTokensTest, TheServerKeepsAHashTheServicesTake) {
  const std::string id = NewSessionId();
  const std::string hash = SessionIdHash(id);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(hash.find(id), std::string::npos);
  EXPECT_EQ(SessionIdHash(id), hash);
  // SHA-256 of "abc" (FIPS 180-2 appendix B.1).
  EXPECT_EQ(SessionIdHash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SessionTokensTest, TheCookieIsHostOnlySecureHttpOnlyStrict) {
  const std::string id = NewSessionId();
  EXPECT_EQ(SessionCookie(id),
            "__Host-ketenregie-sessie=" + id + "; Path=/; Secure; HttpOnly; SameSite=Strict");
  EXPECT_NE(ExpiredSessionCookie().find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(SessionIdFromCookies("a=1; __Host-ketenregie-sessie=" + id + "; b=2"), id);
  EXPECT_EQ(SessionIdFromCookies("__Host-ketenregie-sessie=" + id), id);
  EXPECT_EQ(SessionIdFromCookies("ketenregie-sessie=" + id), std::nullopt);
  EXPECT_EQ(SessionIdFromCookies("__Host-ketenregie-sessie=kort"), std::nullopt);
  EXPECT_EQ(SessionIdFromCookies(""), std::nullopt);
}

TEST(SessionTokensTest, CsrfTokensDifferEveryTimeAndOnlyTheirSessionsMatch) {
  const CsrfSecret secret = NewCsrfSecret();
  const CsrfSecret other = NewCsrfSecret();
  std::set<std::string> tokens;
  for (int i = 0; i < 100; ++i) {
    const std::string token = CsrfToken(secret);
    EXPECT_TRUE(IsCsrfTokenOf(secret, token));
    EXPECT_FALSE(IsCsrfTokenOf(other, token));
    tokens.insert(token);
  }
  EXPECT_EQ(tokens.size(), 100u) << "a token repeats: compressed pages would show it (BREACH)";
  std::string tampered = CsrfToken(secret);
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(IsCsrfTokenOf(secret, tampered));
  EXPECT_FALSE(IsCsrfTokenOf(secret, ""));
  EXPECT_FALSE(IsCsrfTokenOf(secret, CsrfToken(secret).substr(1)));
}

TEST(SessionTokensTest, AFormCookieIsItsOwn_AndItsTokenNeverPassesForASessions) {
  const std::string id = NewSessionId();
  EXPECT_EQ(FormCookie(id),
            "__Host-ketenregie-formulier=" + id + "; Path=/; Secure; HttpOnly; SameSite=Strict");
  const std::string both = "__Host-ketenregie-formulier=" + id + "; __Host-ketenregie-sessie=x";
  EXPECT_EQ(FormIdFromCookies(both), id);
  EXPECT_EQ(SessionIdFromCookies(both), std::nullopt) << "a form id opens no session";
  // Even the same id in both cookies: the tokens are made under two labels.
  EXPECT_FALSE(IsCsrfTokenOf(CsrfSecretOf(id), CsrfToken(FormCsrfSecretOf(id))));
  EXPECT_FALSE(IsCsrfTokenOf(FormCsrfSecretOf(id), CsrfToken(CsrfSecretOf(id))));
  EXPECT_TRUE(IsCsrfTokenOf(FormCsrfSecretOf(id), CsrfToken(FormCsrfSecretOf(id))));
}

}  // namespace
}  // namespace ketenregie::web
