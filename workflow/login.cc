#include "workflow/login.h"

#include <algorithm>
#include <string>

#include "workflow/calendar.h"
#include "workflow/rules.h"

namespace ketenregie::workflow {
namespace {

// Code points of valid UTF-8 without control characters; nullopt otherwise.
std::optional<std::size_t> CountCharacters(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++count) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const int length = byte < 0x80           ? 1
                       : (byte >> 5) == 0x6  ? 2
                       : (byte >> 4) == 0xE  ? 3
                       : (byte >> 3) == 0x1E ? 4
                                             : 0;
    if (length == 0 || i + static_cast<std::size_t>(length) > text.size()) {
      return std::nullopt;
    }
    std::uint32_t point = length == 1 ? byte : byte & (0x7F >> length);
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      if ((next >> 6) != 0x2) {
        return std::nullopt;
      }
      point = (point << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and points beyond Unicode are not text.
    constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (point < kSmallest[length] || (point >= 0xD800 && point <= 0xDFFF) || point > 0x10FFFF) {
      return std::nullopt;
    }
    if (point < 0x20 || point == 0x7F || (point >= 0x80 && point < 0xA0)) {
      return std::nullopt;
    }
    i += static_cast<std::size_t>(length);
  }
  return count;
}

}  // namespace

std::optional<RuleViolation> CheckNewPassword(std::string_view password,
                                              std::string_view user_handle) {
  const auto characters = CountCharacters(password);
  if (!characters) {
    return RuleViolation{rules::kLoginPassword, "a password is text without control characters"};
  }
  if (*characters < kMinPasswordLength || *characters > kMaxPasswordLength) {
    return RuleViolation{rules::kLoginPassword,
                         "a password has " + std::to_string(kMinPasswordLength) + " to " +
                             std::to_string(kMaxPasswordLength) + " characters",
                         {{"min_length", std::to_string(kMinPasswordLength)},
                          {"max_length", std::to_string(kMaxPasswordLength)}}};
  }
  if (!user_handle.empty() && password == user_handle) {
    return RuleViolation{rules::kLoginPassword, "a password is not the user's own name"};
  }
  return std::nullopt;
}

LoginAttempt DecideLoginAttempt(const FailedLogins& account, const FailedLogins& address,
                                Instant now) {
  LoginAttempt decision;
  auto refuse_until = [&](LoginAttempt::Kind kind, Instant until, bool by_address) {
    // The stronger refusal wins (a lock over a wait), then the longer one.
    if (until > now &&
        (kind > decision.kind || (kind == decision.kind && until > decision.until))) {
      decision = LoginAttempt{kind, until, by_address};
    }
  };
  if (account.last) {
    if (account.count >= kLockAfterFailures) {
      refuse_until(LoginAttempt::Kind::kLocked,
                   *account.last + std::chrono::duration_cast<std::chrono::seconds>(kLockDuration),
                   false);
    } else if (account.count > kFreeFailures) {
      const int doublings = std::min(account.count - kFreeFailures - 1, 6);
      const auto wait =
          std::min<std::chrono::seconds>(std::chrono::seconds(1 << doublings), kMaxWait);
      refuse_until(LoginAttempt::Kind::kWait, *account.last + wait, false);
    }
  }
  if (address.last && address.count >= kAddressSlowAfter) {
    refuse_until(LoginAttempt::Kind::kWait, *address.last + kAddressWait, true);
  }
  return decision;
}

std::optional<RuleViolation> RefusalOf(const LoginAttempt& attempt) {
  switch (attempt.kind) {
    case LoginAttempt::Kind::kAllowed:
      return std::nullopt;
    case LoginAttempt::Kind::kWait:
      return RuleViolation{rules::kLoginThrottle,
                           "too many failed logins: wait before trying again",
                           {{"retry_at", FormatUtc(attempt.until)},
                            {"limit", attempt.by_address ? "address" : "account"}}};
    case LoginAttempt::Kind::kLocked:
      return RuleViolation{rules::kLoginThrottle,
                           "the account is locked after repeated failed logins",
                           {{"locked_until", FormatUtc(attempt.until)}, {"limit", "account"}}};
  }
  return std::nullopt;
}

std::optional<RuleViolation> CheckTotpStep(std::int64_t matched_step,
                                           std::optional<std::int64_t> last_used_step) {
  if (last_used_step && matched_step <= *last_used_step) {
    return RuleViolation{rules::kLoginCodeOnce, "this code has been used already"};
  }
  return std::nullopt;
}

std::optional<RuleViolation> CheckLoginSetUp(const LoginSetUp& setup) {
  if (!setup.password || !setup.second_factor) {
    return RuleViolation{rules::kLoginTwoFactors,
                         "this account's login is not set up: use the enrolment code from your "
                         "organisation's administrator",
                         {{"password_set", setup.password ? "true" : "false"},
                          {"second_factor_set", setup.second_factor ? "true" : "false"}}};
  }
  return std::nullopt;
}

Instant EnrolmentExpiresAt(Instant issued_at) { return issued_at + kEnrolmentValidity; }

std::optional<RuleViolation> CheckEnrolmentCode(std::optional<Instant> issued_at, Instant now) {
  if (!issued_at) {
    return RuleViolation{rules::kLoginEnrolment, "this account has no open enrolment code"};
  }
  if (now >= EnrolmentExpiresAt(*issued_at)) {
    return RuleViolation{rules::kLoginEnrolment,
                         "the enrolment code has expired",
                         {{"expired_at", FormatUtc(EnrolmentExpiresAt(*issued_at))}}};
  }
  return std::nullopt;
}

}  // namespace ketenregie::workflow
