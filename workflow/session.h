#pragma once

/// How long a login lasts (DESIGN.md §6): the rules of a browser session.
/// Pure: the caller keeps the session's times and passes now.

#include <chrono>
#include <optional>

#include "workflow/core.h"

namespace ketenregie::workflow {

/// R-SESSION-TIMEOUT: a session ends kSessionIdle after its last request
/// and kSessionAbsolute after its login, whichever comes first, and at once
/// on logout; the page warns kSessionWarning before the idle end, so a
/// person writing a long note can keep it. (BIO 9.4.2, NEN 7510-2 9.4.2;
/// OWASP ASVS 4.0 V3.3.)
inline constexpr std::chrono::minutes kSessionIdle{15};
inline constexpr std::chrono::hours kSessionAbsolute{10};
inline constexpr std::chrono::minutes kSessionWarning{2};

struct SessionTimes {
  Instant logged_in;
  Instant last_request;
  /// Set by logout (or by an administrator ending it).
  std::optional<Instant> ended;
};

enum class SessionEnd {
  kNotEnded,
  kIdle,
  kAbsolute,
  kLoggedOut,
};

/// The moment the session ends if nothing else happens: the earlier of
/// its idle and its absolute end.
Instant SessionEndsAt(const SessionTimes& session);

/// Whether, and why, the session has ended at `now`.
SessionEnd SessionEndAt(const SessionTimes& session, Instant now);

/// R-SESSION-TIMEOUT: nullopt while the session lives at `now`, else the
/// refusal naming why it ended (fact "ended": idle, absolute, logged_out).
std::optional<RuleViolation> CheckSessionLive(const SessionTimes& session, Instant now);

/// Whether the session's end is its absolute one (kSessionAbsolute after
/// the login), which no activity moves on.
bool SessionEndsAbsolutely(const SessionTimes& session);

/// When the page should warn that the session is about to end.
Instant SessionWarnAt(const SessionTimes& session);

}  // namespace ketenregie::workflow
