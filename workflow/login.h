#pragma once

/// The rules of logging in (DESIGN.md §6): what a new password must be, how
/// repeated failures first slow down and then lock an account, and that a
/// one-time code counts once. Pure: the caller keeps the counts and passes
/// the time. The hashing and the codes themselves are in
/// services/common/credentials.h.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "workflow/core.h"

namespace ketenregie::workflow {

/// R-LOGIN-PASSWORD: at least kMinPasswordLength characters (Unicode code
/// points, so "ë" counts once), at most kMaxPasswordLength, valid UTF-8
/// without control characters, and not the user's own handle — no
/// composition rules (NCSC, "Wachtwoordbeleid"; NIST SP 800-63B §5.1.1.2).
inline constexpr std::size_t kMinPasswordLength = 12;
inline constexpr std::size_t kMaxPasswordLength = 128;
std::optional<RuleViolation> CheckNewPassword(std::string_view password,
                                              std::string_view user_handle);

/// Failed logins as the caller keeps them: for an account, the failures
/// since its last successful login; for a client address, those in the last
/// kAddressWindow. `last` is the most recent one.
struct FailedLogins {
  int count = 0;
  std::optional<Instant> last;
};

/// R-LOGIN-THROTTLE, per account: the first kFreeFailures failures cost
/// nothing; after that each next attempt waits twice as long as the one
/// before (1 s, 2 s, 4 s … at most kMaxWait); after kLockAfterFailures the
/// account is locked for kLockDuration from the last failure, or until its
/// organisation's administrator unlocks it. Per client address: from
/// kAddressSlowAfter failures in kAddressWindow, each attempt from it waits
/// kAddressWait — never a lock, which would shut out a whole office behind
/// one address. (OWASP ASVS 4.0 V2.2.1; NIST SP 800-63B §5.2.2.)
inline constexpr int kFreeFailures = 3;
inline constexpr std::chrono::seconds kMaxWait{60};
inline constexpr int kLockAfterFailures = 10;
inline constexpr std::chrono::minutes kLockDuration{60};
inline constexpr int kAddressSlowAfter = 20;
inline constexpr std::chrono::minutes kAddressWindow{15};
inline constexpr std::chrono::seconds kAddressWait{30};

/// What may happen with a login attempt before its password is looked at.
struct LoginAttempt {
  enum class Kind {
    /// Check the password and the code.
    kAllowed,
    /// Too soon after failures: refused unchecked; try again at `until`.
    kWait,
    /// Locked: refused unchecked until `until`, or an administrator unlocks.
    kLocked,
  };
  Kind kind = Kind::kAllowed;
  Instant until{};
  /// Which limit decided (account or address), for the record.
  bool by_address = false;
};

/// R-LOGIN-THROTTLE: decides an attempt at `now`. An attempt refused here
/// is not checked, so it reveals nothing about the password and is no
/// failure of its own.
LoginAttempt DecideLoginAttempt(const FailedLogins& account, const FailedLogins& address,
                                Instant now);

/// The refusal a kWait or kLocked decision stands for (R-LOGIN-THROTTLE),
/// with the moment it ends as a fact; nullopt for kAllowed.
std::optional<RuleViolation> RefusalOf(const LoginAttempt& attempt);

/// R-LOGIN-CODE-ONCE: a one-time code (TOTP, RFC 6238) is accepted for the
/// 30-second step it belongs to or kTotpDriftSteps either side of now (a
/// phone's clock runs a little off), and only for a step later than the
/// last one accepted for that account, so an overheard code cannot be used
/// again (RFC 6238 §5.2). `matched_step` is the step the code matched.
inline constexpr int kTotpDriftSteps = 1;
inline constexpr std::chrono::seconds kTotpStep{30};
std::optional<RuleViolation> CheckTotpStep(std::int64_t matched_step,
                                           std::optional<std::int64_t> last_used_step);

/// What of a login an account has set up.
struct LoginSetUp {
  bool password = false;
  bool second_factor = false;
};

/// R-LOGIN-TWO-FACTORS: a login takes a password and a second factor (a
/// one-time code, or a recovery code once); an account without both logs in
/// only after setting them up with an enrolment code (R-LOGIN-ENROLMENT).
std::optional<RuleViolation> CheckLoginSetUp(const LoginSetUp& setup);

/// R-LOGIN-ENROLMENT: an enrolment code, issued by the account's
/// organisation administrator and handed to the person directly, sets up
/// their login: a password when the account has none, and a new second
/// factor. It works once and for kEnrolmentValidity after it was issued;
/// issuing one ends the account's second factor and recovery codes (the
/// administrator's "reset second factor"). `issued_at`: when the account's
/// open code was issued (nullopt: it has none). (BIO 9.2.1; NIST SP
/// 800-63B §6.1.2.3.)
inline constexpr std::chrono::hours kEnrolmentValidity{72};
std::optional<RuleViolation> CheckEnrolmentCode(std::optional<Instant> issued_at, Instant now);
/// When a code issued at `issued_at` stops working.
Instant EnrolmentExpiresAt(Instant issued_at);

}  // namespace ketenregie::workflow
