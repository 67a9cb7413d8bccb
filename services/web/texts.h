#pragma once

/// The Dutch words of the screens for what the services answer in codes:
/// the values of their enums and the kinds of tasks and timeline entries
/// (DESIGN.md §3, the glossary). One catalogue: no template or handler
/// writes these words itself.

#include <google/protobuf/generated_enum_reflection.h>

#include <chrono>
#include <string>
#include <string_view>

#include "workflow/core.h"

namespace ketenregie::web {

/// The Dutch word for value `name` of a service's enum
/// ("TRAJECTORY_STATE_ACTIVE" → "Actief traject"); empty for one the
/// catalogue lacks (a unit test keeps every value of the enums the pages
/// show in it).
std::string_view DutchOfValue(std::string_view name);

/// DutchOfValue of enum value `value` of `E` ("" for UNSPECIFIED).
template <typename E>
std::string_view DutchOf(E value) {
  const auto* found = google::protobuf::GetEnumDescriptor<E>()->FindValueByNumber(value);
  return found == nullptr ? std::string_view() : DutchOfValue(found->name());
}

/// What signals of Bijlage 1's indicator `indicator` ("INDICATOR_THREAT")
/// look like, in the source's words; empty for none.
std::string_view IndicatorSignals(std::string_view indicator);

/// What a task or timeline entry of kind `kind` ("reflection.expires_in_14_days")
/// says, in Dutch; for a kind the catalogue lacks, a general sentence with
/// the code, so nothing is hidden.
std::string DutchOfKind(std::string_view kind);

/// "7 december 2026": the Amsterdam date of `instant`.
std::string DutchDate(workflow::Instant instant);

/// "12 april 1998": a calendar date (a date of birth); "" for one that is
/// not a date.
std::string DutchDate(std::chrono::year_month_day date);

/// "7 dec 2026 14:05": the Amsterdam date and time of `instant`.
std::string DutchDateTime(workflow::Instant instant);

/// "14:05", or with `seconds` "14:05:32": the Amsterdam time of day of
/// `instant`.
std::string DutchClockTime(workflow::Instant instant, bool seconds = false);

/// "jan 2027" for January, "feb" for the other months: a month's tick on
/// the time bar.
std::string DutchMonthStart(std::chrono::year_month_day month);

/// "over 3 dagen", "vandaag", "morgen", "1 dag geleden": calendar days
/// from `today` to `at` in Amsterdam.
std::string DutchDaysFrom(workflow::Instant today, workflow::Instant at);

}  // namespace ketenregie::web
