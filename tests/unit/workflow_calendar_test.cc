// Deadlines in calendar terms, Europe/Amsterdam (workflow/calendar.h).
#include <gtest/gtest.h>

#include "tests/unit/workflow_test_util.h"
#include "workflow/calendar.h"

namespace ketenregie::workflow {
namespace {

using namespace testing;

LocalDateTime At(int y, unsigned m, unsigned d, int hh, int mm = 0) {
  return {year_month_day{year{y}, month{m}, day{d}}, hours{hh} + minutes{mm}};
}

TEST(Calendar, OffsetIsCetInWinterAndCestInSummer) {
  EXPECT_EQ(AmsterdamOffset(sys_days{2026y / January / 15}), hours{1});
  EXPECT_EQ(AmsterdamOffset(sys_days{2026y / July / 15}), hours{2});
}

TEST(Calendar, SummerTimeStartsLastSundayOfMarchAt0100Utc) {
  // 2026-03-29 is the last Sunday of March.
  const Instant switch_at = Instant{sys_days{2026y / March / 29}.time_since_epoch() + hours{1}};
  EXPECT_EQ(AmsterdamOffset(switch_at - seconds{1}), hours{1});
  EXPECT_EQ(AmsterdamOffset(switch_at), hours{2});
  EXPECT_EQ(ToAmsterdam(switch_at - seconds{1}),
            (LocalDateTime{2026y / March / 29, hours{1} + minutes{59} + seconds{59}}));
  EXPECT_EQ(ToAmsterdam(switch_at), At(2026, 3, 29, 3));
}

TEST(Calendar, SummerTimeEndsLastSundayOfOctoberAt0100Utc) {
  // 2026-10-25 is the last Sunday of October.
  const Instant switch_at = Instant{sys_days{2026y / October / 25}.time_since_epoch() + hours{1}};
  EXPECT_EQ(AmsterdamOffset(switch_at - seconds{1}), hours{2});
  EXPECT_EQ(AmsterdamOffset(switch_at), hours{1});
}

TEST(Calendar, RoundTripsEveryHourOfAYear) {
  for (Instant t = Instant{sys_days{2027y / January / 1}.time_since_epoch()};
       t < Instant{sys_days{2028y / January / 1}.time_since_epoch()}; t += hours{1}) {
    const LocalDateTime local = ToAmsterdam(t);
    // The second 02:xx of the fall-back night maps to the first occurrence.
    const bool second_occurrence =
        AmsterdamOffset(t) == hours{1} && AmsterdamOffset(t - hours{1}) == hours{2};
    EXPECT_EQ(FromAmsterdam(local), second_occurrence ? t - hours{1} : t);
  }
}

TEST(Calendar, NonexistentSpringForwardTimeMovesOneHourLater) {
  // 02:30 on 2026-03-29 does not exist in Amsterdam; it reads as 03:30 CEST.
  EXPECT_EQ(ToAmsterdam(FromAmsterdam(At(2026, 3, 29, 2, 30))), At(2026, 3, 29, 3, 30));
}

TEST(Calendar, AmbiguousFallBackTimeIsTheFirstOccurrence) {
  // 02:30 on 2026-10-25 happens twice; the first is still CEST (00:30 UTC).
  const Instant t = FromAmsterdam(At(2026, 10, 25, 2, 30));
  EXPECT_EQ(t, Instant{sys_days{2026y / October / 25}.time_since_epoch() + minutes{30}});
}

TEST(Calendar, ThreeMonthsAfter30NovemberIsTheEndOfFebruary) {
  EXPECT_EQ(ToAmsterdam(AddMonths(Local(2026, 11, 30, 10), 3)), At(2027, 2, 28, 10));
  // 2028 is a leap year.
  EXPECT_EQ(ToAmsterdam(AddMonths(Local(2027, 11, 30, 10), 3)), At(2028, 2, 29, 10));
}

TEST(Calendar, MonthEndsClampAndCountFromTheStart) {
  EXPECT_EQ(AddMonthsClamped(2027y / January / 31, 1), 2027y / February / 28);
  EXPECT_EQ(AddMonthsClamped(2028y / January / 31, 1), 2028y / February / 29);
  EXPECT_EQ(AddMonthsClamped(2027y / January / 31, 3), 2027y / April / 30);
  EXPECT_EQ(AddMonthsClamped(2026y / August / 31, 3), 2026y / November / 30);
  EXPECT_EQ(AddMonthsClamped(2026y / November / 15, 3), 2027y / February / 15);
  EXPECT_EQ(AddMonthsClamped(2026y / December / 31, 2), 2027y / February / 28);
  EXPECT_EQ(AddMonthsClamped(2024y / February / 29, 12), 2025y / February / 28);
  EXPECT_EQ(AddMonthsClamped(2026y / May / 31, -1), 2026y / April / 30);
}

TEST(Calendar, MonthsKeepTheWallClockAcrossDst) {
  // Starts in winter time, ends in summer time: same 09:00 on the clock,
  // one hour less in UTC terms.
  const Instant start = Local(2027, 1, 15, 9);
  const Instant end = AddMonths(start, 3);
  EXPECT_EQ(ToAmsterdam(end), At(2027, 4, 15, 9));
  EXPECT_EQ(end - start, days{90} - hours{1});
}

TEST(Calendar, DaysAcrossTheDstChangesAreCalendarDays) {
  // Across spring-forward: 30 calendar days are 30*24 - 1 hours.
  const Instant march = Local(2027, 3, 15, 14);
  EXPECT_EQ(ToAmsterdam(AddDays(march, 30)), At(2027, 4, 14, 14));
  EXPECT_EQ(AddDays(march, 30) - march, hours{30 * 24 - 1});
  // Across fall-back: one hour more.
  const Instant october = Local(2027, 10, 20, 14);
  EXPECT_EQ(AddDays(october, 14) - october, hours{14 * 24 + 1});
  EXPECT_EQ(ToAmsterdam(AddDays(october, -14)), At(2027, 10, 6, 14));
}

TEST(Calendar, CalendarDaysBetweenCountsLocalDates) {
  // 23:30 and 00:30 local are on different days though one hour apart.
  EXPECT_EQ(CalendarDaysBetween(Local(2027, 6, 1, 23, 30), Local(2027, 6, 2, 0, 30)), 1);
  EXPECT_EQ(CalendarDaysBetween(Local(2027, 1, 1), Local(2027, 12, 31)), 364);
}

}  // namespace
}  // namespace ketenregie::workflow
