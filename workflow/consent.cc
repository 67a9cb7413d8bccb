#include "workflow/consent.h"

#include <algorithm>
#include <array>

#include "workflow/rules.h"

namespace ketenregie::workflow {
namespace {

bool AllKnown(const std::set<DataCategory>& categories) {
  return !categories.empty() && !categories.contains(DataCategory::kUnknown);
}

// --- Consent machine -------------------------------------------------------

using CS = ConsentState;
using CE = ConsentEvent;

constexpr std::array kConsentStates = {CS::kProposed,  CS::kGranted, CS::kRefused,
                                       CS::kWithdrawn, CS::kExpired, CS::kSuperseded};
constexpr std::array kConsentEvents = {CE::kGrant,  CE::kRefuse,    CE::kWithdraw,
                                       CE::kExpire, CE::kSupersede, CE::kMinorityEnded};
constexpr std::array kConsentTransitions = {
    Transition<CS, CE>{CS::kProposed, CE::kGrant, CS::kGranted},
    Transition<CS, CE>{CS::kProposed, CE::kRefuse, CS::kRefused},
    Transition<CS, CE>{CS::kProposed, CE::kSupersede, CS::kSuperseded},
    // A guardian's consent, granted or not yet, ends with her minority.
    Transition<CS, CE>{CS::kProposed, CE::kMinorityEnded, CS::kExpired},
    Transition<CS, CE>{CS::kGranted, CE::kMinorityEnded, CS::kExpired},
    Transition<CS, CE>{CS::kGranted, CE::kWithdraw, CS::kWithdrawn},
    Transition<CS, CE>{CS::kGranted, CE::kExpire, CS::kExpired},
    Transition<CS, CE>{CS::kGranted, CE::kSupersede, CS::kSuperseded},
};

std::string_view ConsentStateName(CS s) { return ToString(s); }
std::string_view ConsentEventName(CE e) { return ToString(e); }

constexpr MachineSpec<CS, CE> kConsentMachine{"consent",         kConsentStates,
                                              kConsentEvents,    kConsentTransitions,
                                              &ConsentStateName, &ConsentEventName};

// --- Override machine ------------------------------------------------------

using OS = OverrideState;
using OE = OverrideEvent;

constexpr std::array kOverrideStates = {OS::kRequested, OS::kActivePendingApproval,
                                        OS::kActive,    OS::kRejected,
                                        OS::kExpired,   OS::kRevoked};
constexpr std::array kOverrideEvents = {OE::kApprove, OE::kReject, OE::kExpire, OE::kRevoke,
                                        OE::kApprovalLapse};
constexpr std::array kOverrideTransitions = {
    Transition<OS, OE>{OS::kRequested, OE::kApprove, OS::kActive},
    Transition<OS, OE>{OS::kRequested, OE::kReject, OS::kRejected},
    Transition<OS, OE>{OS::kRequested, OE::kRevoke, OS::kRevoked},
    Transition<OS, OE>{OS::kRequested, OE::kExpire, OS::kExpired},
    Transition<OS, OE>{OS::kActivePendingApproval, OE::kApprove, OS::kActive},
    Transition<OS, OE>{OS::kActivePendingApproval, OE::kReject, OS::kRejected},
    Transition<OS, OE>{OS::kActivePendingApproval, OE::kRevoke, OS::kRevoked},
    Transition<OS, OE>{OS::kActivePendingApproval, OE::kExpire, OS::kExpired},
    Transition<OS, OE>{OS::kActivePendingApproval, OE::kApprovalLapse, OS::kRevoked},
    Transition<OS, OE>{OS::kActive, OE::kExpire, OS::kExpired},
    Transition<OS, OE>{OS::kActive, OE::kRevoke, OS::kRevoked},
};

std::string_view OverrideStateName(OS s) { return ToString(s); }
std::string_view OverrideEventName(OE e) { return ToString(e); }

constexpr MachineSpec<OS, OE> kOverrideMachine{"override",         kOverrideStates,
                                               kOverrideEvents,    kOverrideTransitions,
                                               &OverrideStateName, &OverrideEventName};

}  // namespace

std::string_view ToString(ConsentState state) {
  switch (state) {
    case CS::kProposed:
      return "proposed";
    case CS::kGranted:
      return "granted";
    case CS::kRefused:
      return "refused";
    case CS::kWithdrawn:
      return "withdrawn";
    case CS::kExpired:
      return "expired";
    case CS::kSuperseded:
      return "superseded";
  }
  return "?";
}

std::string_view ToString(ConsentEvent event) {
  switch (event) {
    case CE::kGrant:
      return "grant";
    case CE::kRefuse:
      return "refuse";
    case CE::kWithdraw:
      return "withdraw";
    case CE::kExpire:
      return "expire";
    case CE::kSupersede:
      return "supersede";
    case CE::kMinorityEnded:
      return "minority_ended";
  }
  return "?";
}

std::string_view ToString(LegalBasis basis) {
  switch (basis) {
    case LegalBasis::kUnknown:
      return "unknown";
    case LegalBasis::kChildProtection:
      return "child_protection";
    case LegalBasis::kVitalInterest:
      return "vital_interest";
    case LegalBasis::kLegalObligation:
      return "legal_obligation";
  }
  return "?";
}

std::string_view ToString(OverrideState state) {
  switch (state) {
    case OS::kRequested:
      return "requested";
    case OS::kActivePendingApproval:
      return "active_pending_approval";
    case OS::kActive:
      return "active";
    case OS::kRejected:
      return "rejected";
    case OS::kExpired:
      return "expired";
    case OS::kRevoked:
      return "revoked";
  }
  return "?";
}

std::string_view ToString(OverrideEvent event) {
  switch (event) {
    case OE::kApprove:
      return "approve";
    case OE::kReject:
      return "reject";
    case OE::kExpire:
      return "expire";
    case OE::kRevoke:
      return "revoke";
    case OE::kApprovalLapse:
      return "approval_lapse";
  }
  return "?";
}

std::optional<RuleViolation> CheckGuardianOrganisation(OrganisationType guardian_type) {
  if (guardian_type == OrganisationType::kChildProtection) {
    return std::nullopt;
  }
  return RuleViolation{rules::kConsentGuardian,
                       "a guardian is a child-protection organisation (e.g. Nidos)"};
}

std::optional<RuleViolation> CheckGuardianMayGrant(const ConsentRecord& consent, AgeStatus age) {
  if (consent.grantor == Grantor::kGuardian && !TreatedAsMinor(age)) {
    return RuleViolation{rules::kConsentGuardian,
                         "she is an adult now: a guardian's consent is not granted; ask her own"};
  }
  return std::nullopt;
}

bool EndsWithMinority(const ConsentRecord& consent) {
  return consent.grantor == Grantor::kGuardian &&
         (consent.state == CS::kProposed || consent.state == CS::kGranted);
}

Result<ConsentRecord> ProposeConsent(const ConsentRecord& proposal, AgeStatus age, Instant now,
                                     std::optional<Instant> minor_until) {
  ConsentRecord consent = proposal;
  consent.state = CS::kProposed;
  if (consent.recipient_organisation.empty() &&
      consent.recipient_type == OrganisationType::kUnknown) {
    return RuleViolation{rules::kConsentComplete, "a consent names its recipient"};
  }
  if (!AllKnown(consent.categories)) {
    return RuleViolation{rules::kConsentComplete, "a consent names known data categories"};
  }
  if (consent.purpose == Purpose::kUnknown) {
    return RuleViolation{rules::kConsentComplete, "a consent names its purpose"};
  }
  if (consent.method == ConsentMethod::kUnspecified) {
    return RuleViolation{rules::kConsentComplete,
                         "a consent records whether it was verbal or "
                         "written"};
  }
  if (consent.valid_from == Instant{}) {
    consent.valid_from = now;
  }
  if (consent.valid_until <= consent.valid_from || consent.valid_until <= now) {
    return RuleViolation{rules::kConsentComplete,
                         "a consent is valid until a date after it starts and after now"};
  }
  if (TreatedAsMinor(age) && consent.grantor != Grantor::kGuardian) {
    return RuleViolation{rules::kConsentGuardian,
                         "for a minor or doubted age, the guardian (e.g. Nidos) grants consent"};
  }
  if (!TreatedAsMinor(age) && consent.grantor == Grantor::kGuardian) {
    return RuleViolation{rules::kConsentGuardian,
                         "she is an adult: she grants her own consent, not a guardian"};
  }
  if (consent.grantor == Grantor::kGuardian && minor_until) {
    if (consent.valid_from >= *minor_until) {
      return RuleViolation{rules::kConsentGuardian,
                           "a guardian's consent holds only while she is a minor"};
    }
    // From her 18th birthday it permits nothing new.
    consent.valid_until = std::min(consent.valid_until, *minor_until);
  }
  if (consent.categories.contains(DataCategory::kLocation) &&
      consent.recipient_organisation.empty()) {
    return RuleViolation{rules::kLocationSecret,
                         "LOCATION is shared only with a named organisation, never with a whole "
                         "type"};
  }
  return consent;
}

const MachineSpec<ConsentState, ConsentEvent>& ConsentMachine() { return kConsentMachine; }

Result<ConsentOutcome> ApplyConsent(const ConsentRecord& current, ConsentEvent event, Instant now) {
  const std::optional<CS> to = kConsentMachine.Next(current.state, event);
  if (!to) {
    return kConsentMachine.Refuse(current.state, event);
  }
  ConsentOutcome out{current, {}};
  out.next.state = *to;
  switch (event) {
    case CE::kGrant:
      if (now >= current.valid_until) {
        return RuleViolation{rules::kConsentComplete, "the consent's validity has already ended"};
      }
      out.actions = {{ConsentActionKind::kScheduleDeadline, "consent.expiry", current.valid_until,
                      current.id}};
      break;
    case CE::kWithdraw: {
      // R-WITHDRAWAL-IMMEDIATE: the state change denies the next disclosure;
      // these actions revoke open handoffs and tell the recipient.
      // A type-wide consent names the type: every organisation of it.
      const std::string recipient = current.recipient_organisation.empty()
                                        ? "type:" + std::string(ToString(current.recipient_type))
                                        : current.recipient_organisation;
      out.actions = {
          {ConsentActionKind::kCancelTimers, "consent.withdrawn", now, current.id},
          {ConsentActionKind::kRevokeHandoffs, "consent.withdrawn", now, recipient},
          {ConsentActionKind::kNotifyRecipient, "consent.withdrawn", now, recipient},
      };
      break;
    }
    case CE::kExpire:
      if (now < current.valid_until) {
        return RuleViolation{rules::kConsentDefaultDeny, "the consent is still valid"};
      }
      out.actions = {{ConsentActionKind::kCreateTask, "consent.expired", now, current.id}};
      break;
    case CE::kMinorityEnded:
      if (current.grantor != Grantor::kGuardian) {
        return RuleViolation{rules::kConsentGuardian,
                             "only a guardian's consent ends with her minority; her own stays"};
      }
      out.actions = {{ConsentActionKind::kCancelTimers, "consent.ended", now, current.id}};
      break;
    case CE::kRefuse:
    case CE::kSupersede:
      out.actions = {{ConsentActionKind::kCancelTimers, "consent.ended", now, current.id}};
      break;
  }
  return out;
}

Result<OverrideOutcome> RequestOverride(const OverrideRecord& request, AgeStatus age, Instant now) {
  OverrideOutcome out{request, {}};
  OverrideRecord& o = out.next;
  o.requested_at = now;
  if (o.basis == LegalBasis::kUnknown) {
    return RuleViolation{rules::kOverrideComplete, "an override names its legal basis"};
  }
  if (o.justification.empty()) {
    return RuleViolation{rules::kOverrideComplete, "an override needs a written justification"};
  }
  if (o.recipient_organisation.empty()) {
    return RuleViolation{rules::kOverrideComplete, "an override names the organisation"};
  }
  if (!AllKnown(o.categories)) {
    return RuleViolation{rules::kOverrideComplete, "an override names known data categories"};
  }
  if (o.expires_at <= now) {
    return RuleViolation{rules::kOverrideComplete, "an override expires after now"};
  }
  if (o.basis == LegalBasis::kChildProtection &&
      (!TreatedAsMinor(age) || o.recipient_type != OrganisationType::kChildProtection)) {
    return RuleViolation{rules::kOverrideChildProtection,
                         "the child-protection basis covers a minor or doubted age, towards a "
                         "child protection organisation"};
  }
  if (o.acute_danger && o.basis != LegalBasis::kVitalInterest) {
    return RuleViolation{rules::kOverrideAcute72h,
                         "acting before approval is for acute danger (vital interest) only"};
  }
  if (o.acute_danger) {
    o.state = OS::kActivePendingApproval;
    o.approval_due_at = std::min(now + kAcuteApprovalWindow, o.expires_at);
    out.actions = {
        {ConsentActionKind::kCreateTask, "override.approval_needed", now, o.id},
        {ConsentActionKind::kScheduleDeadline, "override.approval_due", o.approval_due_at, o.id},
    };
  } else {
    o.state = OS::kRequested;
    out.actions = {{ConsentActionKind::kCreateTask, "override.approval_needed", now, o.id}};
  }
  return out;
}

const MachineSpec<OverrideState, OverrideEvent>& OverrideMachine() { return kOverrideMachine; }

std::optional<RuleViolation> CheckSecondPairOfEyes(const Person& requested_by,
                                                   const Person& actor) {
  if (actor.organisation != requested_by.organisation) {
    return RuleViolation{rules::kOverrideFourEyes,
                         "a coordinator of the requesting organisation decides"};
  }
  if (actor.user == requested_by.user) {
    return RuleViolation{rules::kOverrideFourEyes,
                         "a second coordinator decides, not the one who requested it"};
  }
  return std::nullopt;
}

bool IsPersonalOverrideField(std::string_view field) {
  return field != "id" && field != "trajectory_id" && field != "state" && field != "etag";
}

bool AwaitsApproval(OverrideState state) {
  return kOverrideMachine.Next(state, OE::kApprove).has_value();
}

Result<OverrideOutcome> ApplyOverride(const OverrideRecord& current, OverrideEvent event,
                                      const Person& actor, Instant now) {
  const std::optional<OS> to = kOverrideMachine.Next(current.state, event);
  if (!to) {
    return kOverrideMachine.Refuse(current.state, event);
  }
  OverrideOutcome out{current, {}};
  out.next.state = *to;
  const bool was_acting = current.state == OS::kActivePendingApproval;
  switch (event) {
    case OE::kApprove:
    case OE::kReject:
      if (auto refused = CheckSecondPairOfEyes(current.requested_by, actor)) {
        return *refused;
      }
      if (event == OE::kApprove && now >= current.expires_at) {
        return RuleViolation{rules::kOverrideComplete, "the override has already expired"};
      }
      out.next.approved_by = actor;
      out.actions.push_back(
          {ConsentActionKind::kCancelTimers, "override.decided", now, current.id});
      if (event == OE::kApprove) {
        out.actions.push_back({ConsentActionKind::kScheduleDeadline, "override.expiry",
                               current.expires_at, current.id});
      } else if (was_acting) {
        out.actions.push_back({ConsentActionKind::kRevokeHandoffs, "override.rejected", now,
                               current.recipient_organisation});
      }
      break;
    case OE::kExpire:
      if (now < current.expires_at) {
        return RuleViolation{rules::kOverrideComplete, "the override has not expired yet"};
      }
      if (was_acting || current.state == OS::kActive) {  // as for kRevoke
        out.actions = {{ConsentActionKind::kRevokeHandoffs, "override.expired", now,
                        current.recipient_organisation}};
      }
      break;
    case OE::kRevoke:
      out.actions = {{ConsentActionKind::kCancelTimers, "override.revoked", now, current.id}};
      // Only an override that let something be disclosed (acting, or
      // approved) takes handoffs back: one never acted on revokes nothing,
      // so handoffs sent on a consent are left alone.
      if (was_acting || current.state == OS::kActive) {
        out.actions.push_back({ConsentActionKind::kRevokeHandoffs, "override.revoked", now,
                               current.recipient_organisation});
      }
      break;
    case OE::kApprovalLapse:
      if (now < current.approval_due_at) {
        return RuleViolation{rules::kOverrideAcute72h, "approval is not due yet"};
      }
      out.actions = {{ConsentActionKind::kRevokeHandoffs, "override.approval_lapsed", now,
                      current.recipient_organisation},
                     {ConsentActionKind::kCreateTask, "override.approval_lapsed", now, current.id}};
      break;
  }
  return out;
}

}  // namespace ketenregie::workflow
