#pragma once

/// Deadlines in calendar terms, in the Europe/Amsterdam time zone.
///
/// The one answer to "N months after day D" used everywhere in Ketenregie:
///
///   Take the local (Amsterdam) date and wall-clock time of the start. The
///   deadline is the same wall-clock time on the same day of the month N
///   months later; when that month is shorter, the last day of that month.
///   So 3 months after 30 November 10:00 is 28 February 10:00, or
///   29 February in a leap year; 1 month after 31 January is 28/29 February.
///   Months are always counted from the start, never step by step, so
///   3 months after 31 January is 30 April (not 28 April).
///
/// "N days after" and "N days before" are calendar days at the same local
/// wall-clock time, so a deadline across a DST change is 23 or 25 hours
/// per day away, never an hour off on the clock.
///
/// A local time that does not exist (the spring-forward hour, 02:00–03:00
/// on the last Sunday of March) is read as standard time, i.e. one hour
/// later on the clock; a local time that occurs twice (the fall-back hour)
/// is the first occurrence.
///
/// Europe/Amsterdam follows the EU summer-time rule (since 1996): CEST,
/// UTC+2, from the last Sunday of March 01:00 UTC to the last Sunday of
/// October 01:00 UTC; CET, UTC+1, otherwise. The rule is compiled in, so
/// the library reads no time-zone files (no I/O).

#include <chrono>
#include <string>

#include "workflow/core.h"

namespace ketenregie::workflow {

using std::chrono::year_month_day;

/// A local Amsterdam date and wall-clock time.
struct LocalDateTime {
  year_month_day date;
  std::chrono::seconds time_of_day;
  friend bool operator==(const LocalDateTime&, const LocalDateTime&) = default;
};

/// UTC offset in Amsterdam at `instant`: +1h (CET) or +2h (CEST).
std::chrono::seconds AmsterdamOffset(Instant instant);

LocalDateTime ToAmsterdam(Instant instant);

/// "2028-02-29 10:00 Europe/Amsterdam": a moment as a coordinator reads it,
/// for rule messages that name a deadline.
std::string FormatAmsterdam(Instant instant);

/// "2028-02-29T09:00:00Z": a moment as RFC 3339 in UTC, for programs (the
/// facts of a rule violation).
std::string FormatUtc(Instant instant);

/// The instant of a local Amsterdam wall-clock time (see the gap and
/// overlap rules above).
Instant FromAmsterdam(const LocalDateTime& local);

/// `date` plus `months` calendar months, the day clamped to the month's end.
year_month_day AddMonthsClamped(year_month_day date, int months);

/// `start` plus `months` calendar months in Amsterdam, same wall-clock time.
Instant AddMonths(Instant start, int months);

/// `start` plus `days` calendar days in Amsterdam (negative: before).
Instant AddDays(Instant start, int days);

/// Whole calendar days from the Amsterdam date of `from` to that of `to`.
int CalendarDaysBetween(Instant from, Instant to);

}  // namespace ketenregie::workflow
