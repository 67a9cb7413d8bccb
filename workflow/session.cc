#include "workflow/session.h"

#include <algorithm>

#include "workflow/rules.h"

namespace ketenregie::workflow {

Instant SessionEndsAt(const SessionTimes& session) {
  return std::min<Instant>(session.last_request + kSessionIdle,
                           session.logged_in + kSessionAbsolute);
}

bool SessionEndsAbsolutely(const SessionTimes& session) {
  return session.logged_in + kSessionAbsolute <= session.last_request + kSessionIdle;
}

SessionEnd SessionEndAt(const SessionTimes& session, Instant now) {
  if (session.ended && *session.ended <= now) {
    return SessionEnd::kLoggedOut;
  }
  if (now >= session.logged_in + kSessionAbsolute) {
    return SessionEnd::kAbsolute;
  }
  if (now >= session.last_request + kSessionIdle) {
    return SessionEnd::kIdle;
  }
  return SessionEnd::kNotEnded;
}

std::optional<RuleViolation> CheckSessionLive(const SessionTimes& session, Instant now) {
  const auto refusal = [](std::string_view why, std::string message) {
    return RuleViolation{rules::kSessionTimeout, std::move(message), {{"ended", std::string(why)}}};
  };
  switch (SessionEndAt(session, now)) {
    case SessionEnd::kNotEnded:
      return std::nullopt;
    case SessionEnd::kIdle:
      return refusal("idle", "the session ended after 15 minutes without a request");
    case SessionEnd::kAbsolute:
      return refusal("absolute", "the session ended 10 hours after its login");
    case SessionEnd::kLoggedOut:
      return refusal("logged_out", "the session ended at logout");
  }
  return std::nullopt;
}

Instant SessionWarnAt(const SessionTimes& session) {
  return SessionEndsAt(session) - kSessionWarning;
}

}  // namespace ketenregie::workflow
