#pragma once

/// The reflection period (bedenktijd) and the B8 residence permit that may
/// follow it (DESIGN.md §2 step 6).

#include <chrono>
#include <string>
#include <vector>

#include "workflow/calendar.h"
#include "workflow/core.h"
#include "workflow/trajectory.h"

namespace ketenregie::workflow {

enum class ReflectionState {
  kOffered,
  kRunning,
  kDecided,
  kExpired,
  kPermitApplied,
  kPermitGranted,
  kPermitRejected,
};

enum class ReflectionEvent {
  kStart,
  kDecide,
  kExpire,
  kApplyPermit,
  kGrantPermit,
  kRejectPermit,
  kRenewPermit,
};

enum class ReflectionDecision {
  kNone,
  /// Aangifte.
  kPoliceReport,
  kOtherCooperation,
  /// No report for serious reasons (threat, medical).
  kNoReportSeriousReasons,
  kDeclined,
};

std::string_view ToString(ReflectionState state);
std::string_view ToString(ReflectionEvent event);
std::string_view ToString(ReflectionDecision decision);

/// R-REFLECTION-LENGTH, configurable; the defaults are Dutch law.
struct ReflectionPolicy {
  int standard_months = 3;
  int dublin_days = 30;
  /// Dublin cases whose period starts on or after this date get dublin_days.
  year_month_day dublin_since{std::chrono::year{2023}, std::chrono::May, std::chrono::day{18}};
  /// Not configurable below 30 days (CoE convention, art. 13).
  int minimum_days = 30;
  /// Remind the coordinator this long before a B8 permit runs out.
  int permit_renewal_notice_days = 56;
};

/// The end of a reflection period starting at `start` (R-REFLECTION-LENGTH):
/// standard_months, or dublin_days for a Dublin case starting on or after
/// dublin_since, and never under 30 calendar days whatever the policy says.
Instant ReflectionEnd(Instant start, bool dublin_case, const ReflectionPolicy& policy);

struct ReflectionSnapshot {
  std::string trajectory_id;
  ReflectionState state = ReflectionState::kOffered;
  Instant starts_at{};
  Instant ends_at{};
  bool dublin_case = false;
  ReflectionDecision decision = ReflectionDecision::kNone;
  Instant permit_valid_until{};
};

struct ReflectionCommand {
  ReflectionEvent event;
  Instant starts_at{};                                      // kStart
  bool dublin_case = false;                                 // kStart
  ReflectionDecision decision = ReflectionDecision::kNone;  // kDecide
  Instant permit_valid_until{};                             // kGrantPermit, kRenewPermit
};

struct ReflectionOutcome {
  ReflectionSnapshot next;
  std::vector<TrajectoryAction> actions;
};

const MachineSpec<ReflectionState, ReflectionEvent>& ReflectionMachine();

enum class PermitOutcome { kApplied, kGranted, kRejected };
/// The event a recorded permit outcome is: a grant of a granted permit is
/// its renewal.
ReflectionEvent PermitEvent(ReflectionState current, PermitOutcome outcome);

/// The timers a running reflection period needs: reminders 14 and 3 days
/// before its end (those still ahead of `now`) and the expiry deadline.
/// Used when it starts and when a closed trajectory is reopened with the
/// period still running. Nothing for a period that is not running.
std::vector<TrajectoryAction> ReflectionTimers(const ReflectionSnapshot& period, Instant now);

Result<ReflectionOutcome> ApplyReflection(const ReflectionSnapshot& current,
                                          const ReflectionCommand& command, Instant now,
                                          const ReflectionPolicy& policy = {});

/// Reopens a closed trajectory (R-REOPEN): the trajectory machine's
/// kReopen, and — closing cancelled every timer — the reminders and expiry
/// of a reflection period still running (`period`, when it has one) back.
Result<TrajectoryOutcome> ReopenTrajectory(const TrajectorySnapshot& trajectory,
                                           const std::optional<ReflectionSnapshot>& period,
                                           Instant now, const TrajectoryPolicy& policy = {});

}  // namespace ketenregie::workflow
