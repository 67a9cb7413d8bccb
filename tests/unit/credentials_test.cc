// Passwords, one-time codes, recovery codes and the enrolment QR code
// (services/common/credentials.h), against the published test vectors
// where there are any.
#include "services/common/credentials.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "workflow/login.h"
#include "workflow/rules.h"

namespace ketenregie::common {
namespace {

using namespace std::chrono_literals;

workflow::Instant At(long long seconds) {
  return workflow::Instant{} + std::chrono::seconds(seconds);
}

// RFC 6238 appendix B: the SHA-1 secret is the ASCII of "12345678901234567890".
TotpSecret Rfc6238Secret() {
  TotpSecret secret{};
  const std::string_view ascii = "12345678901234567890";
  std::copy(ascii.begin(), ascii.end(), secret.begin());
  return secret;
}

TEST(PasswordTest, Argon2idWithTheRecordedParameters_SaltedAndChecked) {
  const std::string stored = HashPassword("paardenbloem in de wei");
  EXPECT_EQ(stored.rfind("$argon2id$v=19$m=65536,t=2,p=1$", 0), 0u) << stored;
  EXPECT_NE(HashPassword("paardenbloem in de wei"), stored) << "the same hash twice: no salt";
  EXPECT_TRUE(VerifyPassword(stored, "paardenbloem in de wei"));
  EXPECT_FALSE(VerifyPassword(stored, "paardenbloem in de wei "));
  EXPECT_FALSE(VerifyPassword(stored, ""));
  EXPECT_FALSE(PasswordNeedsRehash(stored));
}

TEST(PasswordTest, AWeakerOrForeignHash_NeedsRehash_AndGarbageNeverVerifies) {
  const std::string weaker = HashPassword("paardenbloem in de wei", {1, 8u << 20});
  EXPECT_TRUE(VerifyPassword(weaker, "paardenbloem in de wei"));
  EXPECT_TRUE(PasswordNeedsRehash(weaker));
  const std::string bcrypt = "$2b$12$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234";
  EXPECT_TRUE(PasswordNeedsRehash(bcrypt));
  EXPECT_FALSE(VerifyPassword(bcrypt, "x"));
  EXPECT_FALSE(VerifyPassword("", ""));
  EXPECT_FALSE(VerifyPassword(std::string("$argon2id$\0", 11), ""));
  EXPECT_FALSE(VerifyPasswordOfNobody("paardenbloem in de wei"));
}

TEST(TotpTest, Rfc6238TestVectors) {
  const TotpSecret secret = Rfc6238Secret();
  // The 8-digit vectors of RFC 6238 appendix B, their last six digits.
  for (const auto& [time, code] : {std::pair{59LL, "287082"},
                                   {1111111109LL, "081804"},
                                   {1111111111LL, "050471"},
                                   {1234567890LL, "005924"},
                                   {2000000000LL, "279037"}}) {
    EXPECT_EQ(TotpCode(secret, TotpStepAt(At(time))), code) << time;
    EXPECT_EQ(MatchTotp(secret, code, At(time)), TotpStepAt(At(time))) << time;
  }
  EXPECT_EQ(TotpSecretBase32(secret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST(TotpTest, OneStepOfDriftEitherWay_NoMore) {
  const TotpSecret secret = NewTotpSecret();
  const workflow::Instant now = At(1'800'000'000);
  const std::int64_t step = TotpStepAt(now);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step - 1), now), step - 1);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step + 1), now), step + 1);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step - 2), now), std::nullopt);
  EXPECT_EQ(MatchTotp(secret, TotpCode(secret, step + 2), now), std::nullopt);
  for (const std::string_view malformed : {"", "12345", "1234567", "12a456", " 12345"}) {
    EXPECT_EQ(MatchTotp(secret, malformed, now), std::nullopt) << malformed;
  }
}

TEST(TotpTest, TheSameCodeTwice_IsRefusedByRLoginCodeOnce) {
  const TotpSecret secret = NewTotpSecret();
  const workflow::Instant now = At(1'800'000'000);
  const std::string code = TotpCode(secret, TotpStepAt(now));
  const auto first = MatchTotp(secret, code, now);
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(workflow::CheckTotpStep(*first, std::nullopt).has_value());
  const std::int64_t last_used = *first;
  // Ten seconds later, the same code is still right — and refused.
  const auto again = MatchTotp(secret, code, now + 10s);
  ASSERT_TRUE(again.has_value());
  const auto refused = workflow::CheckTotpStep(*again, last_used);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->rule, workflow::rules::kLoginCodeOnce);
  // The code of the next step is fine.
  const auto next = MatchTotp(secret, TotpCode(secret, last_used + 1), now + 30s);
  ASSERT_TRUE(next.has_value());
  EXPECT_FALSE(workflow::CheckTotpStep(*next, last_used).has_value());
}

TEST(TotpTest, SecretsAreRandom_AndTheEnrolmentUriIsWhatAppsRead) {
  std::set<TotpSecret> secrets;
  for (int i = 0; i < 100; ++i) {
    secrets.insert(NewTotpSecret());
  }
  EXPECT_EQ(secrets.size(), 100u);
  EXPECT_EQ(TotpEnrolmentUri(Rfc6238Secret(), "j.devries"),
            "otpauth://totp/Ketenregie:j.devries?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Ketenregie&algorithm=SHA1&digits=6&period=30");
  EXPECT_THROW(TotpEnrolmentUri(Rfc6238Secret(), "j de vries"), std::invalid_argument);
  EXPECT_THROW(TotpEnrolmentUri(Rfc6238Secret(), "a&secret=x"), std::invalid_argument);
}

TEST(TotpTest, TheBase32FormReadsBack_AndNothingElseDoes) {
  const TotpSecret secret = NewTotpSecret();
  EXPECT_EQ(TotpSecretFromBase32(TotpSecretBase32(secret)), secret);
  // As a person may type it from the screen: lower case.
  std::string lower = TotpSecretBase32(secret);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  EXPECT_EQ(TotpSecretFromBase32(lower), secret);
  EXPECT_EQ(TotpSecretFromBase32("GEZDGNBV"), std::nullopt);  // 5 bytes: too short
  EXPECT_EQ(TotpSecretFromBase32("not base32!"), std::nullopt);
}

TEST(RecoveryCodeTest, AnEnrolmentCodeHasTheFormOfARecoveryCode_AndMatchesOnlyItself) {
  const std::string code = NewEnrolmentCode();
  ASSERT_TRUE(NormaliseRecoveryCode(code).has_value()) << code;
  const std::string stored = HashRecoveryCode(code);
  EXPECT_EQ(MatchRecoveryCode({stored}, code), 0u);
  EXPECT_EQ(MatchRecoveryCode({stored}, NewEnrolmentCode()), std::nullopt);
}

TEST(RecoveryCodeTest, TenUniqueCodesWithoutLookAlikes) {
  const auto codes = NewRecoveryCodes();
  ASSERT_EQ(codes.size(), static_cast<std::size_t>(kRecoveryCodeCount));
  const std::regex form("[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}");
  for (const std::string& code : codes) {
    EXPECT_TRUE(std::regex_match(code, form)) << code;
  }
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), codes.size());
  EXPECT_EQ(NormaliseRecoveryCode(" ABCD efgh-JKMN "), "abcdefghjkmn");
  EXPECT_EQ(NormaliseRecoveryCode("abcd-efgh-jkm"), std::nullopt);   // too short
  EXPECT_EQ(NormaliseRecoveryCode("abcd-efgh-jkm0"), std::nullopt);  // 0 is no code letter
}

TEST(RecoveryCodeTest, EachWorksOnceAsTypedAndNoOtherDoes) {
  const auto codes = NewRecoveryCodes();
  std::vector<std::string> stored;
  for (const std::string& code : codes) {
    stored.push_back(HashRecoveryCode(code));
    EXPECT_EQ(stored.back().find(code), std::string::npos);
  }
  std::string typed = codes[3];
  std::transform(typed.begin(), typed.end(), typed.begin(), ::toupper);
  const auto matched = MatchRecoveryCode(stored, typed);
  ASSERT_EQ(matched, 3u);
  // Used: its hash goes, and the same code finds nothing any more.
  stored.erase(stored.begin() + static_cast<std::ptrdiff_t>(*matched));
  EXPECT_EQ(MatchRecoveryCode(stored, codes[3]), std::nullopt);
  EXPECT_EQ(MatchRecoveryCode(stored, "abcd-efgh-jkmn"), std::nullopt);
  EXPECT_EQ(MatchRecoveryCode(stored, "niet een code"), std::nullopt);
  EXPECT_THROW(HashRecoveryCode("kort"), std::invalid_argument);
}

TEST(QrCodeTest, AnSvgOfAWholeQrSymbolWithItsQuietZone) {
  const std::string uri = TotpEnrolmentUri(NewTotpSecret(), "j.devries");
  const std::string svg = QrCodeSvg(uri);
  std::smatch box;
  ASSERT_TRUE(std::regex_search(svg, box, std::regex(R"re(viewBox="0 0 (\d+) (\d+)")re")));
  const int size = std::stoi(box[1]);
  EXPECT_EQ(box[1], box[2]);
  // A QR symbol of version v is 17 + 4v modules wide; four around it.
  const int modules = size - 8;
  EXPECT_EQ((modules - 17) % 4, 0) << modules;
  EXPECT_GE((modules - 17) / 4, 5) << "too small a version for an otpauth URI";
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("<path fill=\"#000\" d=\"M"), std::string::npos);
  EXPECT_EQ(svg.find(uri), std::string::npos) << "the secret is in the picture, not its text";
  EXPECT_EQ(QrCodeSvg(uri), svg);
  EXPECT_NE(QrCodeSvg(uri + "x"), svg);
}

}  // namespace
}  // namespace ketenregie::common
