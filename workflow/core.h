#pragma once

/// Shared vocabulary of the workflow library: time, rule violations,
/// results, actions and transition tables. No I/O, no clock: every function
/// that needs the time takes it as an argument.

#include <algorithm>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace ketenregie::workflow {

/// A point in time (UTC, whole seconds). The caller supplies "now".
using Instant = std::chrono::sys_seconds;

/// Why the rules refuse something: the rule's identifier (see rules.h) and
/// a message for the coordinator that never contains personal data.
struct RuleViolation {
  std::string_view rule;
  std::string message;
  /// What a client can act on, by name ({"latest_end", "2027-02-28T14:00:00Z"}):
  /// facts of the rule, never personal data.
  std::vector<std::pair<std::string, std::string>> facts{};
};

/// Either a value or the rule that refuses it.
template <typename T>
class [[nodiscard]] Result final {
 public:
  Result(T value) : value_(std::move(value)) {}                      // NOLINT: implicit by design
  Result(RuleViolation violation) : value_(std::move(violation)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T& value() & { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  const RuleViolation& violation() const { return std::get<RuleViolation>(value_); }

 private:
  std::variant<T, RuleViolation> value_;
};

/// What a transition asks the service to do, in the same transaction as the
/// state change. The service carries actions out; the rules only name them.
/// Each machine has its own kinds of action (below), so a service's
/// executor handles exactly what its machines emit, and nothing it could
/// not do.
template <typename Kind>
struct ActionOf {
  Kind kind;
  /// Machine-readable purpose, e.g. "reflection.expires_in_14_days".
  std::string what;
  Instant at{};
  std::string subject;

  friend bool operator==(const ActionOf&, const ActionOf&) = default;
};

/// The trajectory's machines (trajectory, reflection period).
enum class TrajectoryActionKind {
  /// A durable timer: remind the responsible coordinator at `at`.
  kScheduleReminder,
  /// A durable timer: a deadline (expiry, overdue, approval due) at `at`.
  kScheduleDeadline,
  /// Cancel pending timers: those of the track `what` names
  /// ("reflection.*"), or all of them ("trajectory.*").
  kCancelTimers,
  /// Notify child protection at once (route A; no consent needed).
  kNotifyChildProtection,
  /// Put a task in the coordinator's list.
  kCreateTask,
};
using TrajectoryAction = ActionOf<TrajectoryActionKind>;

/// The placement machine.
enum class PlacementActionKind {
  kScheduleReminder,
  kScheduleDeadline,
  /// Cancel the placement's pending timers.
  kCancelTimers,
  /// A task for the coordinator of the placement's trajectory.
  kCreateTask,
};
using PlacementAction = ActionOf<PlacementActionKind>;

/// The handoff machine.
enum class HandoffActionKind {
  kScheduleDeadline,
  kCancelTimers,
  /// A task for the coordinator who sent the handoff.
  kCreateTask,
  /// Tell the recipient organisation `subject` (its inbox).
  kNotifyRecipient,
};
using HandoffAction = ActionOf<HandoffActionKind>;

/// The consent and override machines.
enum class ConsentActionKind {
  kScheduleDeadline,
  kCancelTimers,
  /// Revoke open handoffs to `subject` (an organisation id, or "type:..."
  /// for every organisation of a type).
  kRevokeHandoffs,
  /// Tell organisation `subject` what happened (e.g. consent withdrawn).
  kNotifyRecipient,
  kCreateTask,
};
using ConsentAction = ActionOf<ConsentActionKind>;

/// Which of a resource's pending timers a kCancelTimers action ends: those
/// of the track its purpose names ("reflection.decided" ends
/// "reflection.*", "age.date_of_birth_corrected" ends "age.*"), or all of
/// them (empty) when it names the trajectory itself ("trajectory.closed").
std::string TimerTrack(std::string_view what);

/// The next state and the actions that come with it.
template <typename State, typename Action>
struct Outcome {
  State state;
  std::vector<Action> actions;
};

/// One row of a machine's transition table: in state `from`, event `event`
/// leads to state `to`. Guards (rules that look at more than the state) are
/// applied by the machine after the table allows the pair.
template <typename State, typename Event>
struct Transition {
  State from;
  Event event;
  State to;
};

/// Looks up (from, event) in a table.
template <typename State, typename Event>
std::optional<State> FindTransition(std::span<const Transition<State, Event>> table, State from,
                                    Event event) {
  const auto row = std::find_if(table.begin(), table.end(),
                                [&](const auto& t) { return t.from == from && t.event == event; });
  if (row == table.end()) {
    return std::nullopt;
  }
  return row->to;
}

/// The refusal for a pair the table does not list (R-STATE-ORDER).
RuleViolation NotAllowed(std::string_view machine, std::string_view state, std::string_view event);

}  // namespace ketenregie::workflow

namespace ketenregie::workflow {

/// A machine described as data: its states, events and transition table,
/// with their names. Exhaustive tests and the diagrams in docs/ are
/// generated from this one description.
template <typename State, typename Event>
struct MachineSpec {
  std::string_view name;
  std::span<const State> states;
  std::span<const Event> events;
  std::span<const Transition<State, Event>> transitions;
  std::string_view (*state_name)(State);
  std::string_view (*event_name)(Event);

  std::optional<State> Next(State from, Event event) const {
    return FindTransition(transitions, from, event);
  }
  RuleViolation Refuse(State from, Event event) const {
    return NotAllowed(name, state_name(from), event_name(event));
  }
};

}  // namespace ketenregie::workflow
