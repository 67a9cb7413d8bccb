#include "workflow/disclosure.h"

#include "workflow/rules.h"

namespace ketenregie::workflow {
namespace {

bool SameRecipient(const ConsentRecord& consent, const DisclosureQuery& query) {
  if (!consent.recipient_organisation.empty()) {
    return consent.recipient_organisation == query.recipient_organisation;
  }
  return consent.recipient_type != OrganisationType::kUnknown &&
         consent.recipient_type == query.recipient_type;
}

// Same recipient, category and purpose, whatever the state and time: the
// consent the person gave (or refused) for exactly this disclosure.
bool About(const ConsentRecord& consent, const DisclosureQuery& query) {
  return SameRecipient(consent, query) && consent.categories.contains(query.category) &&
         consent.purpose == query.purpose;
}

bool About(const OverrideRecord& record, const DisclosureQuery& query) {
  return record.recipient_organisation == query.recipient_organisation &&
         record.categories.contains(query.category) &&
         (record.purpose == Purpose::kUnknown || record.purpose == query.purpose);
}

DisclosureDecision Deny(std::string_view rule, std::string reason) {
  DisclosureDecision decision;
  decision.rule = rule;
  decision.reason = std::move(reason);
  return decision;
}

}  // namespace

std::optional<std::size_t> MatrixCell(std::span<const ConsentRecord> newest_first,
                                      const std::string& recipient, OrganisationType type,
                                      DataCategory category) {
  DisclosureQuery cell;
  cell.recipient_organisation = recipient;
  cell.recipient_type = type;
  cell.category = category;
  const auto names = [&](const ConsentRecord& consent) {
    return SameRecipient(consent, cell) && consent.categories.contains(category) &&
           !(category == DataCategory::kLocation && consent.recipient_organisation.empty());
  };
  const auto first = [&](auto&& wanted) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < newest_first.size(); ++i) {
      if (wanted(newest_first[i])) {
        return i;
      }
    }
    return std::nullopt;
  };
  if (auto given = first(
          [&](const ConsentRecord& c) { return c.state == ConsentState::kGranted && names(c); })) {
    return given;
  }
  return first(
      [&](const ConsentRecord& c) { return c.state != ConsentState::kSuperseded && names(c); });
}

bool Covers(const ConsentRecord& consent, const DisclosureQuery& query) {
  if (consent.state != ConsentState::kGranted || !About(consent, query)) {
    return false;
  }
  if (query.at < consent.valid_from || query.at >= consent.valid_until) {
    return false;
  }
  // R-LOCATION-SECRET: a type-wide consent never reveals where someone stays.
  return !(query.category == DataCategory::kLocation && consent.recipient_organisation.empty());
}

bool Covers(const OverrideRecord& record, const DisclosureQuery& query, bool& flagged) {
  flagged = false;
  if (!About(record, query) || query.at < record.requested_at || query.at >= record.expires_at) {
    return false;
  }
  if (record.state == OverrideState::kActive) {
    return true;
  }
  if (record.state == OverrideState::kActivePendingApproval && record.acute_danger &&
      query.at < record.approval_due_at) {
    flagged = true;
    return true;
  }
  return false;
}

DisclosureDecision DecideDisclosure(std::span<const ConsentRecord> consents,
                                    std::span<const OverrideRecord> overrides,
                                    const DisclosureQuery& query) {
  if (query.category == DataCategory::kUnknown) {
    return Deny(rules::kConsentDefaultDeny, "unknown data category");
  }
  for (const auto& consent : consents) {
    if (Covers(consent, query)) {
      return {true, BasisKind::kConsent, consent.id, false, {}, {}};
    }
  }
  for (const auto& record : overrides) {
    bool flagged = false;
    if (Covers(record, query, flagged)) {
      return {true, BasisKind::kOverride, record.id, flagged, {}, {}};
    }
  }

  // Denied: say why as precisely as the records allow.
  for (const auto& consent : consents) {
    if (!About(consent, query)) {
      continue;
    }
    switch (consent.state) {
      case ConsentState::kWithdrawn:
        return Deny(rules::kWithdrawalImmediate, "consent withdrawn");
      case ConsentState::kExpired:
        return Deny(rules::kConsentDefaultDeny, "consent expired");
      case ConsentState::kRefused:
        return Deny(rules::kConsentDefaultDeny, "consent refused");
      case ConsentState::kProposed:
        return Deny(rules::kConsentDefaultDeny, "consent not (yet) granted");
      case ConsentState::kSuperseded:
        break;
      case ConsentState::kGranted:
        if (query.category == DataCategory::kLocation && consent.recipient_organisation.empty()) {
          return Deny(rules::kLocationSecret,
                      "location is shared only with a recipient named in the consent");
        }
        return Deny(rules::kConsentDefaultDeny,
                    query.at < consent.valid_from ? "consent not yet valid" : "consent expired");
    }
  }
  for (const auto& record : overrides) {
    if (!About(record, query)) {
      continue;
    }
    switch (record.state) {
      case OverrideState::kRequested:
      case OverrideState::kActivePendingApproval:
        return Deny(rules::kOverrideFourEyes, "override awaiting a second coordinator");
      case OverrideState::kActive:
      case OverrideState::kExpired:
        return Deny(rules::kConsentDefaultDeny, "override expired");
      case OverrideState::kRejected:
      case OverrideState::kRevoked:
        return Deny(rules::kConsentDefaultDeny, "override revoked");
    }
  }
  return Deny(rules::kConsentDefaultDeny, "no consent");
}

}  // namespace ketenregie::workflow
