#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "workflow/calendar.h"
#include "workflow/core.h"
#include "workflow/rules.h"

namespace ketenregie::workflow::testing {

using namespace std::chrono;

/// An Amsterdam wall-clock time as an Instant.
inline Instant Local(int y, unsigned m, unsigned d, int hh = 12, int mm = 0) {
  return FromAmsterdam({year_month_day{year{y}, month{m}, day{d}}, hours{hh} + minutes{mm}});
}

template <typename Kind>
std::vector<Kind> Kinds(const std::vector<ActionOf<Kind>>& actions) {
  std::vector<Kind> kinds;
  for (const auto& a : actions) {
    kinds.push_back(a.kind);
  }
  return kinds;
}

/// Expects a refusal naming `rule`.
template <typename T>
void ExpectRefused(const Result<T>& result, std::string_view rule) {
  ASSERT_FALSE(result.ok()) << "expected refusal by " << rule;
  EXPECT_EQ(result.violation().rule, rule) << result.violation().message;
  EXPECT_NE(FindRule(result.violation().rule), nullptr);
}

/// Walks every (state, event) pair of `machine`: `apply(state, event)` must
/// give the table's next state and `expected_actions(state, event)` for a
/// listed pair, and refuse every other pair naming R-STATE-ORDER, the state
/// and the event.
template <typename S, typename E, typename Apply, typename Expected>
void ExpectEveryPairFollowsTheTable(const MachineSpec<S, E>& machine, Apply apply,
                                    Expected expected_actions) {
  int allowed = 0;
  for (const S state : machine.states) {
    for (const E event : machine.events) {
      SCOPED_TRACE(std::string(machine.name) + ": " + std::string(machine.state_name(state)) +
                   " + " + std::string(machine.event_name(event)));
      const auto result = apply(state, event);
      if (const auto to = machine.Next(state, event)) {
        ++allowed;
        ASSERT_TRUE(result.ok()) << result.violation().rule << ": " << result.violation().message;
        EXPECT_EQ(result.value().state, *to);
        EXPECT_EQ(result.value().actions, expected_actions(state, event));
      } else {
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.violation().rule, rules::kStateOrder);
        EXPECT_NE(result.violation().message.find(machine.state_name(state)), std::string::npos);
        EXPECT_NE(result.violation().message.find(machine.event_name(event)), std::string::npos);
      }
    }
  }
  EXPECT_EQ(allowed, static_cast<int>(machine.transitions.size()))
      << "a table row is duplicated or names a state/event outside the lists";
}

}  // namespace ketenregie::workflow::testing
