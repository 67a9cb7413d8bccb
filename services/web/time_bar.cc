#include "services/web/time_bar.h"

#include <algorithm>

#include "services/web/texts.h"
#include "workflow/calendar.h"

namespace ketenregie::web {
namespace {

constexpr int kMarginDays = 7;
constexpr int kShortestSpanDays = 56;

}  // namespace

TimeBar LayOut(const TimeBarInput& input) {
  Instant first = input.today;
  Instant last = input.today;
  const auto include = [&](Instant at) {
    first = std::min(first, at);
    last = std::max(last, at);
  };
  for (const TimeBarPeriod& period : input.periods) {
    include(period.from);
    include(period.to);
    if (period.limit) {
      include(*period.limit);
    }
  }
  for (const TimeBarMoment& moment : input.moments) {
    include(moment.at);
  }
  first = workflow::AddDays(first, -kMarginDays);
  last = workflow::AddDays(last, kMarginDays);
  if (workflow::CalendarDaysBetween(first, last) < kShortestSpanDays) {
    last = workflow::AddDays(first, kShortestSpanDays);
  }

  TimeBar bar;
  bar.first = first;
  bar.last = last;
  const double span = static_cast<double>((last - first).count());
  const auto x = [&](Instant at) {
    return static_cast<int>(static_cast<double>((at - first).count()) / span * TimeBar::kWidth);
  };
  bar.today_x = x(input.today);
  int y = TimeBar::kAxis;
  for (const TimeBarPeriod& period : input.periods) {
    const Instant to = period.running ? std::max(period.to, input.today) : period.to;
    TimeBar::Bar drawn{.label = period.label,
                       .kind = period.kind,
                       .y = y,
                       .x = x(period.from),
                       .width = std::max(2, x(to) - x(period.from)),
                       .running = period.running,
                       .limit_x = std::nullopt};
    if (period.limit) {
      drawn.limit_x = x(*period.limit);
    }
    bar.bars.push_back(std::move(drawn));
    y += TimeBar::kLane;
  }
  bar.moments_y = y;
  for (const TimeBarMoment& moment : input.moments) {
    bar.marks.push_back({moment.label, moment.kind, x(moment.at)});
  }
  bar.height = y + (input.moments.empty() ? 0 : TimeBar::kLane) + 4;

  // The first day of each month in the span, in Amsterdam.
  const workflow::LocalDateTime start = workflow::ToAmsterdam(first);
  std::chrono::year_month_day month{start.date.year(), start.date.month(), std::chrono::day(1)};
  for (int i = 0; i < 240; ++i) {
    month = workflow::AddMonthsClamped(month, 1);
    const Instant at = workflow::FromAmsterdam({month, std::chrono::seconds(0)});
    if (at >= last) {
      break;
    }
    bar.ticks.push_back({DutchMonthStart(month), x(at)});
  }
  return bar;
}

}  // namespace ketenregie::web
