#pragma once

/// What proves a person is who they say when they log in (DESIGN.md §6):
/// a password, a one-time code from an authenticator app (TOTP), and ten
/// recovery codes — made, stored and checked here. The rules around them
/// (how long a password, when an attempt must wait, that a code counts
/// once) are workflow/login.h. Nothing here logs, and no secret leaves a
/// function except as its result.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/core.h"

namespace ketenregie::common {

/// argon2id work per password hash (libsodium crypto_pwhash_str). The
/// parameters are recorded in every stored hash ("$argon2id$v=19$m=65536,
/// t=2,p=1$…"), so they can be raised: PasswordNeedsRehash says when a
/// stored hash was made with less, and the next successful login stores it
/// anew. Today's: libsodium's "interactive" level, 64 MiB and 2 passes —
/// above OWASP's minimum for argon2id (19 MiB, 2 passes); BENCHMARKS.md
/// gives its time on the reference machine.
struct PasswordCost {
  unsigned long long passes;
  std::size_t memory_bytes;
};
inline constexpr PasswordCost kPasswordCost{2, 64u << 20};

/// The argon2id string to store for `password` (salted, parameters
/// included). Throws std::runtime_error when the memory cannot be had.
std::string HashPassword(std::string_view password, PasswordCost cost = kPasswordCost);
/// Whether `password` matches `stored` (constant time in the password).
/// False for anything that is not an argon2id string.
bool VerifyPassword(std::string_view stored, std::string_view password);
/// Whether `stored` was made with less work than `cost` (or is no argon2id
/// string at all).
bool PasswordNeedsRehash(std::string_view stored, PasswordCost cost = kPasswordCost);
/// Checks `password` against a hash of nothing, as long as a real check
/// takes: a login for a handle nobody has costs the same time as one for a
/// real account, so the time does not tell which handles exist. Always
/// false.
bool VerifyPasswordOfNobody(std::string_view password);

/// A TOTP secret (RFC 6238 with HMAC-SHA1, 6 digits, 30-second steps — what
/// every authenticator app reads): 160 random bits, as RFC 4226 §4 asks.
/// It is stored sealed (Keyring::Seal), never in clear.
using TotpSecret = std::array<std::uint8_t, 20>;
TotpSecret NewTotpSecret();
/// The secret in base32 (RFC 4648, no padding), as apps take it typed in.
std::string TotpSecretBase32(const TotpSecret& secret);
/// The secret from its base32 form (as TotpSecretBase32 gives it, padding
/// and case free); nullopt when it is not one.
std::optional<TotpSecret> TotpSecretFromBase32(std::string_view text);
/// The otpauth:// URI an app reads from the enrolment QR code. `account` is
/// the user's handle (never a real name); issuer "Ketenregie".
std::string TotpEnrolmentUri(const TotpSecret& secret, std::string_view account);
/// The 30-second step (counter) `code` belongs to, when it is right for a
/// step within workflow::kTotpDriftSteps of `now`; nullopt otherwise
/// (wrong, malformed, or too old). Whether that step may still be used is
/// workflow::CheckTotpStep's to say.
std::optional<std::int64_t> MatchTotp(const TotpSecret& secret, std::string_view code,
                                      workflow::Instant now);
/// The code of `step`, for tests and the enrolment check.
std::string TotpCode(const TotpSecret& secret, std::int64_t step);
/// The step `now` falls in.
std::int64_t TotpStepAt(workflow::Instant now);

/// Recovery codes: kRecoveryCodeCount codes of 12 characters from an
/// alphabet without look-alikes (no 0/o, 1/l/i), about 59 random bits
/// each, shown once as "abcd-efgh-jkmn" and stored as argon2id hashes.
inline constexpr int kRecoveryCodeCount = 10;
std::vector<std::string> NewRecoveryCodes();
/// An enrolment code (R-LOGIN-ENROLMENT): the same form as a recovery code,
/// hashed and matched as one (HashRecoveryCode, MatchRecoveryCode).
std::string NewEnrolmentCode();
/// The form a recovery code is hashed and checked in: lower case, without
/// spaces or dashes; nullopt when it cannot be one.
std::optional<std::string> NormaliseRecoveryCode(std::string_view typed);
/// The hash to store for a recovery code (argon2id, lighter than a
/// password's: the code itself is random). Throws std::invalid_argument when
/// `code` is none.
std::string HashRecoveryCode(std::string_view code);
/// Checks `typed` against a recovery code nobody has, as long as checking
/// one real code takes (the enrolment code of an account that has none
/// open, or of a user nobody has). Always false.
bool VerifyRecoveryCodeOfNobody(std::string_view typed);
/// Which of `stored` (hashes of the unused codes) `typed` matches, if any.
std::optional<std::size_t> MatchRecoveryCode(const std::vector<std::string>& stored,
                                             std::string_view typed);

/// `text` as a QR code (error correction M): its size in modules, the
/// four-module quiet zone included, and an SVG path (numbers and the
/// letters M, h, v, z only) of one square per run of dark modules. Throws
/// std::runtime_error when it does not fit in a QR code.
struct QrCode {
  int size = 0;
  std::string path;
};
QrCode QrCodeOf(std::string_view text);
/// The same as a whole SVG document: black modules on white, scalable.
std::string QrCodeSvg(std::string_view text);

}  // namespace ketenregie::common
