#pragma once

/// The rules of the route, each with an identifier and its source
/// (DESIGN.md §2, §5, §6 and the documents in shared/domain/sources/).
/// A refusal names one of these identifiers; every rule has a test suite
/// named after it (R-AGE-DOUBT → RuleAgeDoubt).

#include <span>
#include <string_view>

namespace ketenregie::workflow {

struct Rule {
  std::string_view id;
  /// The source file in shared/domain/sources/, or DESIGN.md.
  std::string_view source;
  std::string_view summary;
};

namespace rules {
inline constexpr std::string_view kStateOrder = "R-STATE-ORDER";
inline constexpr std::string_view kAgeDoubt = "R-AGE-DOUBT";
inline constexpr std::string_view kAgeDateOfBirth = "R-AGE-DATE-OF-BIRTH";
inline constexpr std::string_view kChildNoMeans = "R-CHILD-NO-MEANS";
inline constexpr std::string_view kSmugglingNotTrafficking = "R-SMUGGLING-NOT-TRAFFICKING";
inline constexpr std::string_view kRouteAChild = "R-ROUTE-A-CHILD";
inline constexpr std::string_view kRouteMatchesScreening = "R-ROUTE-MATCHES-SCREENING";
inline constexpr std::string_view kRouteBConsent = "R-ROUTE-B-CONSENT";
inline constexpr std::string_view kCrisisEligibility = "R-CRISIS-ELIGIBILITY";
inline constexpr std::string_view kCrisisMax3m = "R-CRISIS-MAX-3M";
inline constexpr std::string_view kNoOverbooking = "R-NO-OVERBOOKING";
inline constexpr std::string_view kPlacementMoveOn = "R-PLACEMENT-MOVE-ON";
inline constexpr std::string_view kReflectionLength = "R-REFLECTION-LENGTH";
inline constexpr std::string_view kReflectionExpiry = "R-REFLECTION-EXPIRY";
inline constexpr std::string_view kB8RequiresCooperation = "R-B8-REQUIRES-COOPERATION";
inline constexpr std::string_view kCloseRequires = "R-CLOSE-REQUIRES";
inline constexpr std::string_view kReopen = "R-REOPEN";
inline constexpr std::string_view kConsentDefaultDeny = "R-CONSENT-DEFAULT-DENY";
inline constexpr std::string_view kConsentComplete = "R-CONSENT-COMPLETE";
inline constexpr std::string_view kConsentGuardian = "R-CONSENT-GUARDIAN";
inline constexpr std::string_view kWithdrawalImmediate = "R-WITHDRAWAL-IMMEDIATE";
inline constexpr std::string_view kOverrideComplete = "R-OVERRIDE-COMPLETE";
inline constexpr std::string_view kOverrideFourEyes = "R-OVERRIDE-FOUR-EYES";
inline constexpr std::string_view kOverrideAcute72h = "R-OVERRIDE-ACUTE-72H";
inline constexpr std::string_view kOverrideChildProtection = "R-OVERRIDE-CHILD-PROTECTION";
inline constexpr std::string_view kLocationSecret = "R-LOCATION-SECRET";
inline constexpr std::string_view kHandoffAnswer = "R-HANDOFF-ANSWER";
inline constexpr std::string_view kAccessRole = "R-ACCESS-ROLE";
inline constexpr std::string_view kAccessGateway = "R-ACCESS-GATEWAY";
inline constexpr std::string_view kLoginPassword = "R-LOGIN-PASSWORD";
inline constexpr std::string_view kLoginThrottle = "R-LOGIN-THROTTLE";
inline constexpr std::string_view kLoginCodeOnce = "R-LOGIN-CODE-ONCE";
inline constexpr std::string_view kLoginTwoFactors = "R-LOGIN-TWO-FACTORS";
inline constexpr std::string_view kLoginEnrolment = "R-LOGIN-ENROLMENT";
inline constexpr std::string_view kSessionTimeout = "R-SESSION-TIMEOUT";
inline constexpr std::string_view kDirectoryOwnOrganisation = "R-DIRECTORY-OWN-ORGANISATION";
inline constexpr std::string_view kDirectoryRoles = "R-DIRECTORY-ROLES";
inline constexpr std::string_view kDirectoryLastAdministrator = "R-DIRECTORY-LAST-ADMINISTRATOR";
}  // namespace rules

/// Every rule, in the order above.
std::span<const Rule> AllRules();

/// The rule with `id`, or nullptr.
const Rule* FindRule(std::string_view id);

}  // namespace ketenregie::workflow
