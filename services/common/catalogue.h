#pragma once

/// The one catalogue of what a person reads when a request is refused: for
/// every rule of workflow/ (rules.h), every error kind and every field
/// reason (status.h), the Dutch sentence that goes into
/// google.rpc.LocalizedMessage (nl-NL) and the document it rests on. A test
/// fails when one of them has no entry.

#include <span>
#include <string_view>

namespace ketenregie::common {

inline constexpr std::string_view kDutch = "nl-NL";

struct CatalogueEntry {
  /// A rule id ("R-CRISIS-MAX-3M"), an error kind ("STALE_ETAG") or a field
  /// reason ("TOO_LONG").
  std::string_view code;
  /// The sentence for a coordinator, in Dutch, free of personal data.
  std::string_view dutch;
  /// The document behind it: a rule's source (workflow/rules.cc), for error
  /// kinds and field reasons the API conventions (docs/api.md).
  std::string_view source;
};

/// Every entry: the rules in the order of workflow::AllRules(), then the
/// error kinds, then the field reasons.
std::span<const CatalogueEntry> Catalogue();

/// The entry for `code`, or nullptr.
const CatalogueEntry* FindInCatalogue(std::string_view code);

/// The Dutch sentence for `code`; for a code missing from the catalogue (a
/// bug the catalogue test catches) a general one.
std::string_view DutchFor(std::string_view code);

}  // namespace ketenregie::common
