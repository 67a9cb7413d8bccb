#include "workflow/rules.h"

#include <algorithm>
#include <array>

namespace ketenregie::workflow {
namespace {

constexpr std::array kRules = {
    Rule{rules::kStateOrder, "DESIGN.md §2",
         "Each machine lists in one table which event may follow which state; anything else is "
         "refused."},
    Rule{rules::kAgeDoubt, "praktische-handleiding-eerstelijns-signalering.txt",
         "If in doubt whether the person is a child, treat them as a child."},
    Rule{rules::kAgeDateOfBirth, "praktische-handleiding-eerstelijns-signalering.txt",
         "A date of birth on record is never overruled silently: adulthood is not confirmed "
         "against a recorded date of birth under 18 (correct the date of birth first, on the "
         "timeline); on her 18th birthday by that date she is an adult and her coordinator is "
         "asked to review the route and her consent."},
    Rule{rules::kChildNoMeans, "praktische-handleiding-eerstelijns-signalering.txt",
         "For a child, act and purpose suffice: the means need not be established."},
    Rule{rules::kSmugglingNotTrafficking, "rol-van-gemeenten-comensha.txt",
         "Smuggling is not trafficking: recorded as an outcome, not as a victim."},
    Rule{rules::kRouteAChild, "praktische-handleiding-eerstelijns-signalering.txt",
         "A child (or doubted age) goes route A, child protection first; only a child does."},
    Rule{rules::kRouteMatchesScreening, "praktische-handleiding-eerstelijns-signalering.txt",
         "Routes B and C need a possible victim, route D a screening that found none; no route "
         "while more information is needed."},
    Rule{rules::kRouteBConsent, "praktische-handleiding-eerstelijns-signalering.txt",
         "Route B (active trajectory) needs the person's consent to referral."},
    Rule{rules::kCrisisEligibility, "regionaal-introductiedossier-rotterdam.txt",
         "Crisis shelter is for people who identify as a woman, aged 18 or over, with their "
         "children; a minor or doubted age goes to child protection."},
    Rule{rules::kCrisisMax3m, "regionaal-introductiedossier-rotterdam.txt",
         "A crisis placement lasts at most three months; past that it is overdue and continuing "
         "needs a recorded reason."},
    Rule{rules::kNoOverbooking, "DESIGN.md §2",
         "Never more persons placed than a shelter has beds; children count."},
    Rule{rules::kPlacementMoveOn, "regionaal-introductiedossier-rotterdam.txt",
         "An ended placement records the move-on (doorstroom) destination, or that it is "
         "unknown; the system never pretends a person left for somewhere."},
    Rule{rules::kReflectionLength, "praktische-handleiding-eerstelijns-signalering.txt",
         "Reflection period: 3 months; 30 days for Dublin cases since 18 May 2023; never under "
         "30 days (configurable)."},
    Rule{rules::kReflectionExpiry, "DESIGN.md §2",
         "A reflection period expires only at its end, unless the person decided first."},
    Rule{rules::kB8RequiresCooperation, "DESIGN.md §2",
         "A B8 residence permit application follows a report or other cooperation, or no report "
         "for serious reasons."},
    Rule{rules::kCloseRequires, "DESIGN.md §2",
         "Closing needs a reason, no open placement and no unanswered handoff."},
    Rule{rules::kReopen, "essm-presentatie.txt",
         "A closed trajectory can be reopened (repeat victimisation), except after death."},
    Rule{rules::kConsentDefaultDeny, "DESIGN.md §5",
         "A disclosure is permitted only by an active consent or override covering recipient, "
         "category, purpose and time; otherwise denied, unknown category included."},
    Rule{rules::kConsentComplete, "DESIGN.md §5",
         "A consent names recipient, categories, purpose, method and a validity period."},
    Rule{rules::kConsentGuardian, "DESIGN.md §5",
         "For a minor (or doubted age) the guardian — a child-protection organisation — grants "
         "consent, not the child alone; a guardian's consent holds only while she is a minor and "
         "permits nothing from her 18th birthday; a guardian does not grant for an adult."},
    Rule{rules::kWithdrawalImmediate, "DESIGN.md §5",
         "Withdrawal takes effect at once: the next disclosure is denied, open handoffs to that "
         "recipient are revoked and the recipient is told."},
    Rule{rules::kOverrideComplete, "DESIGN.md §5",
         "An override names its basis, a written justification, the organisation and "
         "categories it covers and an expiry."},
    Rule{rules::kOverrideFourEyes, "DESIGN.md §5",
         "An override needs a second coordinator of the same organisation to approve it."},
    Rule{rules::kOverrideAcute72h, "DESIGN.md §5",
         "Acute danger acts at once and must be approved within 72 hours, or it lapses."},
    Rule{rules::kOverrideChildProtection, "DESIGN.md §5",
         "The child-protection basis covers a minor or doubted age, towards child protection "
         "organisations only."},
    Rule{rules::kLocationSecret, "regionaal-introductiedossier-rotterdam.txt",
         "A crisis shelter's location is secret: LOCATION goes only to a recipient named in a "
         "consent or override, never to a whole type of organisation."},
    Rule{rules::kHandoffAnswer, "DESIGN.md §5",
         "A partner declines with a reason; an unanswered handoff expires only when its answer "
         "is due."},
    Rule{rules::kAccessRole, "DESIGN.md §1, §6",
         "Trajectories are created, changed and read by coordinators of a care-coordination "
         "organisation; signals also by its meldpunt; service methods by Ketenregie services."},
    Rule{rules::kAccessGateway, "DESIGN.md §4, §6",
         "Only the gateway (the web front door) acts on behalf of a person's organisation, and "
         "it always does: never for itself, a Ketenregie service or another gateway. The service "
         "that owns the data still decides the call."},
    Rule{rules::kLoginPassword, "DESIGN.md §6; NCSC Wachtwoordbeleid; NIST SP 800-63B §5.1.1.2",
         "A password has 12 to 128 characters, is text, and is not the user's own name; no "
         "composition rules."},
    Rule{rules::kLoginThrottle, "DESIGN.md §6; OWASP ASVS 4.0 V2.2.1; NIST SP 800-63B §5.2.2",
         "After three failed logins each next attempt waits twice as long; after ten the account "
         "is locked for an hour or until its administrator unlocks it. Many failures from one "
         "address slow that address down, never lock it."},
    Rule{rules::kLoginCodeOnce, "DESIGN.md §6; RFC 6238 §5.2",
         "A one-time code counts once: only for a time step later than the last one accepted, "
         "within one step of now."},
    Rule{rules::kLoginTwoFactors, "DESIGN.md §6; BIO 9.4.2; NEN 7510-2 9.4.2",
         "A login takes a password and a second factor: a one-time code from the person's "
         "authenticator app, or one of their recovery codes, each of which works once. An account "
         "without both is set up first, with an enrolment code."},
    Rule{rules::kLoginEnrolment, "DESIGN.md §6; BIO 9.2.1; NIST SP 800-63B §6.1.2.3",
         "A person sets up their login (a password if they have none, and a new second factor) "
         "only with an enrolment code their organisation's administrator issued: it works once, "
         "for 72 hours, for that account alone, and issuing it ends the second factor the account "
         "had."},
    Rule{rules::kSessionTimeout, "DESIGN.md §6; BIO 9.4.2; OWASP ASVS 4.0 V3.3",
         "A session ends 15 minutes after its last request and 10 hours after its login, "
         "whichever is first, and at once on logout; the page warns 2 minutes before."},
    Rule{rules::kDirectoryOwnOrganisation, "DESIGN.md §6; BIO 9.2.1; NEN 7510-2 9.2",
         "An organisation's administrator creates, changes and deactivates the users of their "
         "own organisation only; every change is on the audit trail."},
    Rule{rules::kDirectoryRoles, "DESIGN.md §1, §6",
         "A user holds at least one role, and only roles that fit their organisation: "
         "coordinator, meldpunt and privacy officer in care coordination, shelter staff in a "
         "shelter, partner and administrator in any organisation of people, service roles only "
         "in a Ketenregie service."},
    Rule{rules::kDirectoryLastAdministrator, "DESIGN.md §6",
         "An organisation that has an active administrator keeps one: the last is neither "
         "deactivated nor stripped of the role."},
};

}  // namespace

std::span<const Rule> AllRules() { return kRules; }

const Rule* FindRule(std::string_view id) {
  const auto found =
      std::find_if(kRules.begin(), kRules.end(), [&](const Rule& r) { return r.id == id; });
  return found == kRules.end() ? nullptr : &*found;
}

}  // namespace ketenregie::workflow
