#pragma once

/// Consent records and legal-basis overrides (DESIGN.md §5).

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/core.h"
#include "workflow/domain.h"

namespace ketenregie::workflow {

// --- Consent ---------------------------------------------------------------

enum class ConsentState { kProposed, kGranted, kRefused, kWithdrawn, kExpired, kSuperseded };
enum class ConsentEvent {
  kGrant,
  kRefuse,
  kWithdraw,
  kExpire,
  kSupersede,
  /// She is no longer treated as a minor: a guardian's consent, granted or
  /// proposed, ends (R-CONSENT-GUARDIAN).
  kMinorityEnded,
};
enum class Grantor { kPerson, kGuardian };
enum class ConsentMethod { kUnspecified, kVerbal, kWritten };

std::string_view ToString(ConsentState state);
std::string_view ToString(ConsentEvent event);

struct ConsentRecord {
  std::string id;
  ConsentState state = ConsentState::kProposed;
  Grantor grantor = Grantor::kPerson;
  /// One named organisation, or (recipient_organisation empty) every
  /// organisation of recipient_type.
  std::string recipient_organisation;
  OrganisationType recipient_type = OrganisationType::kUnknown;
  std::set<DataCategory> categories;
  Purpose purpose = Purpose::kUnknown;
  ConsentMethod method = ConsentMethod::kUnspecified;
  bool interpreter_used = false;
  Instant valid_from{};
  Instant valid_until{};
};

/// A new consent, proposed: complete (R-CONSENT-COMPLETE), granted by the
/// guardian for a minor or doubted age and only for her (R-CONSENT-GUARDIAN),
/// and LOCATION only for a named organisation (R-LOCATION-SECRET). `age` is
/// the status that holds now (AgeStatusOn) and `minor_until` her 18th
/// birthday by the date of birth on record: a guardian's consent holds only
/// while she is a minor, so it is valid until that moment at the latest.
Result<ConsentRecord> ProposeConsent(const ConsentRecord& proposal, AgeStatus age, Instant now,
                                     std::optional<Instant> minor_until = std::nullopt);

/// R-CONSENT-GUARDIAN: the organisation named as guardian is a
/// child-protection organisation (Nidos, jeugdbescherming).
std::optional<RuleViolation> CheckGuardianOrganisation(OrganisationType guardian_type);

/// R-CONSENT-GUARDIAN at the moment a guardian's consent is granted: she is
/// still treated as a minor (`age`: the status of the day).
std::optional<RuleViolation> CheckGuardianMayGrant(const ConsentRecord& consent, AgeStatus age);

/// Whether a consent ends when the person is no longer treated as a minor
/// (kMinorityEnded, R-CONSENT-GUARDIAN): a guardian's, granted or still
/// proposed.
bool EndsWithMinority(const ConsentRecord& consent);

struct ConsentOutcome {
  ConsentRecord next;
  std::vector<ConsentAction> actions;
};

const MachineSpec<ConsentState, ConsentEvent>& ConsentMachine();

/// A granted consent is never edited: the only ways out are withdrawal,
/// expiry and supersession by a new consent.
Result<ConsentOutcome> ApplyConsent(const ConsentRecord& current, ConsentEvent event, Instant now);

// --- Legal-basis override --------------------------------------------------

enum class LegalBasis { kUnknown, kChildProtection, kVitalInterest, kLegalObligation };
enum class OverrideState {
  kRequested,
  /// Acute danger: acting already, approval due within 72 hours.
  kActivePendingApproval,
  kActive,
  kRejected,
  kExpired,
  kRevoked,
};
enum class OverrideEvent { kApprove, kReject, kExpire, kRevoke, kApprovalLapse };

std::string_view ToString(LegalBasis basis);
std::string_view ToString(OverrideState state);
std::string_view ToString(OverrideEvent event);

struct Person {
  std::string organisation;
  std::string user;
  friend bool operator==(const Person&, const Person&) = default;
};

struct OverrideRecord {
  std::string id;
  OverrideState state = OverrideState::kRequested;
  LegalBasis basis = LegalBasis::kUnknown;
  bool acute_danger = false;
  std::string justification;
  /// Always one named organisation.
  std::string recipient_organisation;
  OrganisationType recipient_type = OrganisationType::kUnknown;
  std::set<DataCategory> categories;
  /// kUnknown: any purpose of the basis.
  Purpose purpose = Purpose::kUnknown;
  Person requested_by;
  Person approved_by;
  Instant requested_at{};
  Instant expires_at{};
  Instant approval_due_at{};
};

/// Acute danger must be approved within this time (R-OVERRIDE-ACUTE-72H).
inline constexpr std::chrono::hours kAcuteApprovalWindow{72};

struct OverrideOutcome {
  OverrideRecord next;
  std::vector<ConsentAction> actions;
};

/// A new override request. Acute danger (vital interest only) is active at
/// once and flagged until approved; everything else waits for a second
/// coordinator.
Result<OverrideOutcome> RequestOverride(const OverrideRecord& request, AgeStatus age, Instant now);

const MachineSpec<OverrideState, OverrideEvent>& OverrideMachine();

/// Whether a second coordinator's decision is still due: the machine lets
/// it be approved (requested, or acted on already for acute danger).
bool AwaitsApproval(OverrideState state);

/// Whether a field of an override (its name in the API) says something
/// about her: every field but its id, trajectory, state and etag — the
/// basis alone can say she is a child. A read of only those four is no read
/// of her data (DESIGN.md §5: every read of personal data is audited).
bool IsPersonalOverrideField(std::string_view field);

/// R-OVERRIDE-FOUR-EYES: whether `actor` may approve or reject an override
/// `requested_by` asked for — a second coordinator of the same
/// organisation, never the requester.
std::optional<RuleViolation> CheckSecondPairOfEyes(const Person& requested_by, const Person& actor);

/// `actor` approves, rejects or revokes; approving and rejecting need a
/// second coordinator of the requester's organisation (R-OVERRIDE-FOUR-EYES).
Result<OverrideOutcome> ApplyOverride(const OverrideRecord& current, OverrideEvent event,
                                      const Person& actor, Instant now);

}  // namespace ketenregie::workflow
