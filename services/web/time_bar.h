#pragma once

/// The time bar of a trajectory page (issue #14): its periods (reflection
/// period, placements), their limits (a crisis placement's three months)
/// and its deadlines (tasks, a handoff's answer) on one line of days, with
/// today marked. Drawn as SVG by the template from the numbers computed
/// here; a list beside it says the same in words (WCAG 1.1.1).

#include <optional>
#include <string>
#include <vector>

#include "workflow/core.h"

namespace ketenregie::web {

using workflow::Instant;

struct TimeBarPeriod {
  /// Dutch, no personal data: "Bedenktijd", "Plaatsing crisisopvang".
  std::string label;
  Instant from;
  /// The end, or for one still running, the planned end if any.
  Instant to;
  /// Still running (drawn on to today at least).
  bool running = false;
  /// A limit inside or past the period (a crisis placement's three months).
  std::optional<Instant> limit;
  /// A class for the colour: "reflection", "placement".
  std::string kind;
};

struct TimeBarMoment {
  std::string label;
  Instant at;
  /// "task", "handoff".
  std::string kind;
};

struct TimeBarInput {
  Instant today;
  std::vector<TimeBarPeriod> periods;
  std::vector<TimeBarMoment> moments;
};

/// The drawing, in the SVG's own units (kWidth wide).
struct TimeBar {
  static constexpr int kWidth = 720;
  static constexpr int kLane = 30;
  static constexpr int kAxis = 28;

  struct Bar {
    std::string label;
    std::string kind;
    int y = 0;
    int x = 0;
    int width = 0;
    bool running = false;
    /// The limit's x, if the period has one on the bar.
    std::optional<int> limit_x;
  };
  struct Mark {
    std::string label;
    std::string kind;
    int x = 0;
  };
  struct Tick {
    /// "1 jan" style label of the first day of a month.
    std::string label;
    int x = 0;
  };
  int height = 0;
  /// Where the moments' lane is.
  int moments_y = 0;
  int today_x = 0;
  Instant first;
  Instant last;
  std::vector<Bar> bars;
  std::vector<Mark> marks;
  std::vector<Tick> ticks;
};

/// Lays `input` out: the span covers every period, limit and moment and
/// today, a week either side, at least eight weeks; one lane per period,
/// one for the moments.
TimeBar LayOut(const TimeBarInput& input);

}  // namespace ketenregie::web
