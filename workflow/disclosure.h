#pragma once

/// The disclosure decision (DESIGN.md §5): a disclosure of category C to
/// organisation O for purpose P at time t is permitted iff an active consent
/// covers (O, C, P, t), or an active legal-basis override covers it.
/// Otherwise denied; an unknown category is denied.

#include <optional>
#include <span>
#include <string>

#include "workflow/consent.h"

namespace ketenregie::workflow {

struct DisclosureQuery {
  std::string recipient_organisation;
  OrganisationType recipient_type = OrganisationType::kUnknown;
  DataCategory category = DataCategory::kUnknown;
  Purpose purpose = Purpose::kUnknown;
  Instant at{};
};

enum class BasisKind { kNone, kConsent, kOverride };

struct DisclosureDecision {
  bool permitted = false;
  BasisKind basis = BasisKind::kNone;
  /// The consent or override that permits it.
  std::string basis_id;
  /// Acute-danger override not yet approved: permitted, and flagged.
  bool flagged = false;
  /// When denied: the rule and why, fit to show a partner ("not shared: …").
  std::string_view rule;
  std::string reason;
};

/// True when `consent` covers the query (state, validity, recipient,
/// category, purpose). A type-wide consent never covers LOCATION.
bool Covers(const ConsentRecord& consent, const DisclosureQuery& query);
/// The record a consent matrix (partners × data categories) shows in the
/// cell of organisation `recipient` (its id and type) and `category`, from
/// `newest_first`: the newest consent she gave that names that cell — a
/// word she gave stands beside later ones for other purposes — else the
/// newest word on it at all (asked, refused, withdrawn, expired), never one
/// superseded; nullopt for none. A consent names a cell when it names the
/// organisation, or its type and the category is not LOCATION (a
/// type-wide consent never reveals where she stays, R-LOCATION-SECRET).
std::optional<std::size_t> MatrixCell(std::span<const ConsentRecord> newest_first,
                                      const std::string& recipient, OrganisationType type,
                                      DataCategory category);

/// True when `override` covers it; sets `flagged` for acute danger pending
/// approval.
bool Covers(const OverrideRecord& record, const DisclosureQuery& query, bool& flagged);

/// The decision for one category. A consent is preferred over an override
/// as the basis; denial names the most specific reason found.
DisclosureDecision DecideDisclosure(std::span<const ConsentRecord> consents,
                                    std::span<const OverrideRecord> overrides,
                                    const DisclosureQuery& query);

}  // namespace ketenregie::workflow
