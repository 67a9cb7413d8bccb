#include "workflow/calendar.h"

namespace ketenregie::workflow {
namespace {

using namespace std::chrono;

// 01:00 UTC on the last Sunday of `m` in year `y`.
Instant LastSundayOneUtc(year y, month m) {
  const sys_days day{y / m / Sunday[last]};
  return Instant{day.time_since_epoch() + hours{1}};
}

}  // namespace

std::chrono::seconds AmsterdamOffset(Instant instant) {
  const year y = year_month_day{floor<days>(instant)}.year();
  const bool summer =
      instant >= LastSundayOneUtc(y, March) && instant < LastSundayOneUtc(y, October);
  return summer ? hours{2} : hours{1};
}

LocalDateTime ToAmsterdam(Instant instant) {
  const auto local = instant + AmsterdamOffset(instant);
  const auto day = floor<days>(local);
  return {year_month_day{day}, local - day};
}

std::string FormatAmsterdam(Instant instant) {
  const LocalDateTime local = ToAmsterdam(instant);
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(local.time_of_day).count();
  auto two = [](long long n) { return std::string(n < 10 ? "0" : "") + std::to_string(n); };
  return std::to_string(static_cast<int>(local.date.year())) + "-" +
         two(static_cast<unsigned>(local.date.month())) + "-" +
         two(static_cast<unsigned>(local.date.day())) + " " + two(minutes / 60) + ":" +
         two(minutes % 60) + " Europe/Amsterdam";
}

std::string FormatUtc(Instant instant) {
  const sys_days day = floor<days>(instant);
  const year_month_day date{day};
  const long long seconds = (instant - day).count();
  auto two = [](long long n) { return std::string(n < 10 ? "0" : "") + std::to_string(n); };
  return std::to_string(static_cast<int>(date.year())) + "-" +
         two(static_cast<unsigned>(date.month())) + "-" + two(static_cast<unsigned>(date.day())) +
         "T" + two(seconds / 3600) + ":" + two(seconds / 60 % 60) + ":" + two(seconds % 60) + "Z";
}

Instant FromAmsterdam(const LocalDateTime& local) {
  const Instant wall{sys_days{local.date}.time_since_epoch() + local.time_of_day};
  const Instant as_summer = wall - hours{2};
  const Instant as_winter = wall - hours{1};
  // The first occurrence wins where both readings are consistent (fall-back
  // overlap); where neither is (spring-forward gap), standard time.
  if (AmsterdamOffset(as_summer) == hours{2}) {
    return as_summer;
  }
  return as_winter;
}

year_month_day AddMonthsClamped(year_month_day date, int months) {
  const year_month shifted = year_month{date.year(), date.month()} + std::chrono::months{months};
  const day last = year_month_day_last{shifted.year(), month_day_last{shifted.month()}}.day();
  return {shifted.year(), shifted.month(), std::min(date.day(), last)};
}

Instant AddMonths(Instant start, int months) {
  LocalDateTime local = ToAmsterdam(start);
  local.date = AddMonthsClamped(local.date, months);
  return FromAmsterdam(local);
}

Instant AddDays(Instant start, int days) {
  LocalDateTime local = ToAmsterdam(start);
  local.date = year_month_day{sys_days{local.date} + std::chrono::days{days}};
  return FromAmsterdam(local);
}

int CalendarDaysBetween(Instant from, Instant to) {
  return static_cast<int>(
      (sys_days{ToAmsterdam(to).date} - sys_days{ToAmsterdam(from).date}).count());
}

}  // namespace ketenregie::workflow
