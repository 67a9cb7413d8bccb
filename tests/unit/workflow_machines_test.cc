// Every (state, event) pair of every machine: allowed pairs give the table's
// next state and exactly the expected actions; every other pair is refused
// naming R-STATE-ORDER.
#include <gtest/gtest.h>

#include "tests/unit/workflow_test_util.h"
#include "workflow/consent.h"
#include "workflow/directory.h"
#include "workflow/handoff.h"
#include "workflow/placement.h"
#include "workflow/reflection.h"
#include "workflow/trajectory.h"

namespace ketenregie::workflow {
namespace {

using namespace testing;

const Instant kNow = Local(2026, 11, 22, 10, 0);

// Turns a machine-specific outcome into Outcome<State> for the walker.
template <typename State, typename Out>
auto AsOutcome(const Result<Out>& result)
    -> Result<Outcome<State, typename decltype(Out::actions)::value_type>> {
  if (!result.ok()) {
    return result.violation();
  }
  return Outcome<State, typename decltype(Out::actions)::value_type>{result.value().next.state,
                                                                     result.value().actions};
}

// --- trajectory ------------------------------------------------------------

TEST(TrajectoryMachine, EveryStateEventPair) {
  using E = TrajectoryEvent;
  using S = TrajectoryState;
  const std::string id = "t-1";
  auto snapshot_for = [&](S state, E event) {
    TrajectorySnapshot t;
    t.id = id;
    t.state = state;
    t.age = event == E::kDecideRouteA ? AgeStatus::kMinor : AgeStatus::kConfirmedAdult;
    t.screening = event == E::kDecideRouteD ? ScreeningOutcome::kNotAVictim
                                            : ScreeningOutcome::kPossibleVictim;
    t.closure_reason =
        state == S::kClosed ? ClosureReason::kStableSelfReliant : ClosureReason::kUnspecified;
    if (event == E::kComeOfAge) {
      t.age = AgeStatus::kMinor;
      t.minor_until = AddDays(kNow, -1);
    }
    return t;
  };
  auto command_for = [&](S state, E event) {
    TrajectoryCommand c{event};
    c.age = AgeStatus::kConfirmedAdult;
    c.consents_to_referral = true;
    c.reason = state == S::kSignalled ? ClosureReason::kConsultationOnly
                                      : ClosureReason::kStableSelfReliant;
    c.coordinator = "coordinator-2";
    c.linked_id = "t-0";
    c.date_of_birth = year{1990} / May / day{4};
    return c;
  };
  ExpectEveryPairFollowsTheTable(
      TrajectoryMachine(),
      [&](S state, E event) {
        return AsOutcome<S>(
            ApplyTrajectory(snapshot_for(state, event), command_for(state, event), kNow));
      },
      [&](S, E event) -> std::vector<TrajectoryAction> {
        switch (event) {
          case E::kDecideRouteA:
            return {{TrajectoryActionKind::kNotifyChildProtection, "route.a.child_protection", kNow,
                     id}};
          case E::kDecideRouteC:
            return {{TrajectoryActionKind::kScheduleReminder, "route_c.follow_up",
                     AddDays(kNow, 28), id}};
          case E::kDecideRouteD:
          case E::kClose:
            return {{TrajectoryActionKind::kCancelTimers, "trajectory.closed", kNow, id}};
          case E::kReactivate:
            return {{TrajectoryActionKind::kCancelTimers, "route_c.follow_up", kNow, id}};
          case E::kCorrectDateOfBirth:
            return {{TrajectoryActionKind::kCancelTimers, "age.date_of_birth_corrected", kNow, id}};
          case E::kComeOfAge:
            return {{TrajectoryActionKind::kCreateTask, "age.turned_18", kNow, id}};
          case E::kRegister:
          case E::kSetAgeStatus:
          case E::kRecordScreening:
          case E::kDecideRouteB:
          case E::kAssignCoordinator:
          case E::kSetNonPunishment:
          case E::kReopen:
          case E::kLink:
            return {};
        }
        return {};
      });
}

// --- reflection period -----------------------------------------------------

TEST(ReflectionMachine, EveryStateEventPair) {
  using E = ReflectionEvent;
  using S = ReflectionState;
  const std::string id = "t-1";
  const Instant start = Local(2026, 11, 1, 9, 0);
  const Instant permit_until = Local(2027, 11, 1, 9, 0);
  const Instant old_permit_until = Local(2027, 1, 1, 9, 0);
  auto apply = [&](S state, E event) {
    ReflectionSnapshot r;
    r.trajectory_id = id;
    r.state = state;
    r.starts_at = start;
    r.ends_at = event == E::kExpire ? kNow : AddMonths(start, 3);
    r.decision = ReflectionDecision::kPoliceReport;
    r.permit_valid_until = old_permit_until;
    ReflectionCommand c{event};
    c.starts_at = start;
    c.decision = ReflectionDecision::kPoliceReport;
    c.permit_valid_until = permit_until;
    return AsOutcome<S>(ApplyReflection(r, c, kNow));
  };
  ExpectEveryPairFollowsTheTable(
      ReflectionMachine(), apply, [&](S, E event) -> std::vector<TrajectoryAction> {
        const Instant ends = AddMonths(start, 3);
        switch (event) {
          case E::kStart:
            return {{TrajectoryActionKind::kScheduleReminder, "reflection.ends_in_14_days",
                     AddDays(ends, -14), id},
                    {TrajectoryActionKind::kScheduleReminder, "reflection.ends_in_3_days",
                     AddDays(ends, -3), id},
                    {TrajectoryActionKind::kScheduleDeadline, "reflection.expiry", ends, id}};
          case E::kDecide:
            return {{TrajectoryActionKind::kCancelTimers, "reflection.decided", kNow, id}};
          case E::kExpire:
            return {{TrajectoryActionKind::kCreateTask, "reflection.expired", kNow, id}};
          case E::kApplyPermit:
            return {};
          case E::kGrantPermit:
            return {{TrajectoryActionKind::kScheduleReminder, "permit.renewal_due",
                     AddDays(permit_until, -56), id}};
          case E::kRenewPermit:
            return {{TrajectoryActionKind::kCancelTimers, "permit.renewed", kNow, id},
                    {TrajectoryActionKind::kScheduleReminder, "permit.renewal_due",
                     AddDays(permit_until, -56), id}};
          case E::kRejectPermit:
            return {{TrajectoryActionKind::kCreateTask, "permit.rejected", kNow, id}};
        }
        return {};
      });
}

// --- placement -------------------------------------------------------------

TEST(PlacementMachine, EveryStateEventPair) {
  using E = PlacementEvent;
  using S = PlacementState;
  const Instant start = Local(2026, 8, 1, 9, 0);
  const Instant limit = AddMonths(start, 3);
  auto apply = [&](S state, E event) {
    PlacementSnapshot p;
    p.id = "p-1";
    p.state = state;
    p.kind = ShelterKind::kCrisis;
    p.starts_at = start;
    p.planned_end = limit;
    p.limit = limit;
    p.beds_needed = 2;
    PlacementCommand c{event};
    c.person = {AgeStatus::kConfirmedAdult, GenderIdentity::kWoman, 1};
    c.free_beds = 2;
    c.reason = "wacht op plek begeleid wonen";
    c.move_on = MoveOn::kFollowUpPlace;
    return AsOutcome<S>(ApplyPlacement(p, c, kNow));
  };
  ExpectEveryPairFollowsTheTable(
      PlacementMachine(), apply, [&](S, E event) -> std::vector<PlacementAction> {
        switch (event) {
          case E::kPlace:
            return {{PlacementActionKind::kScheduleReminder, "placement.limit_in_14_days",
                     AddDays(limit, -14), "p-1"},
                    {PlacementActionKind::kScheduleReminder, "placement.limit_in_7_days",
                     AddDays(limit, -7), "p-1"},
                    {PlacementActionKind::kScheduleDeadline, "placement.limit", limit, "p-1"}};
          case E::kMarkOverdue:
            return {{PlacementActionKind::kCreateTask, "placement.overdue", kNow, "p-1"}};
          case E::kEnd:
            return {{PlacementActionKind::kCancelTimers, "placement.ended", kNow, "p-1"}};
          case E::kRecordContinuation:
          case E::kCancel:
            return {};
        }
        return {};
      });
}

// --- consent ---------------------------------------------------------------

TEST(ConsentMachine, EveryStateEventPair) {
  using E = ConsentEvent;
  using S = ConsentState;
  const Instant until_future = kNow + days{90};
  auto record_for = [&](S state, E event) {
    ConsentRecord c;
    c.id = "c-1";
    c.state = state;
    c.recipient_organisation = "advocatenkantoor-demo";
    c.categories = {DataCategory::kIdentity};
    c.purpose = Purpose::kLegalAid;
    c.valid_from = kNow - days{30};
    c.valid_until = event == E::kExpire ? kNow : until_future;
    c.grantor = event == E::kMinorityEnded ? Grantor::kGuardian : Grantor::kPerson;
    return c;
  };
  ExpectEveryPairFollowsTheTable(
      ConsentMachine(),
      [&](S state, E event) {
        return AsOutcome<S>(ApplyConsent(record_for(state, event), event, kNow));
      },
      [&](S, E event) -> std::vector<ConsentAction> {
        switch (event) {
          case E::kGrant:
            return {{ConsentActionKind::kScheduleDeadline, "consent.expiry", until_future, "c-1"}};
          case E::kWithdraw:
            return {{ConsentActionKind::kCancelTimers, "consent.withdrawn", kNow, "c-1"},
                    {ConsentActionKind::kRevokeHandoffs, "consent.withdrawn", kNow,
                     "advocatenkantoor-demo"},
                    {ConsentActionKind::kNotifyRecipient, "consent.withdrawn", kNow,
                     "advocatenkantoor-demo"}};
          case E::kExpire:
            return {{ConsentActionKind::kCreateTask, "consent.expired", kNow, "c-1"}};
          case E::kRefuse:
          case E::kSupersede:
          case E::kMinorityEnded:
            return {{ConsentActionKind::kCancelTimers, "consent.ended", kNow, "c-1"}};
        }
        return {};
      });
}

// --- override --------------------------------------------------------------

TEST(OverrideMachine, EveryStateEventPair) {
  using E = OverrideEvent;
  using S = OverrideState;
  const Person requester{"essm-rotterdam", "coordinator-1"};
  const Person second{"essm-rotterdam", "coordinator-2"};
  const Instant expires = kNow + days{30};
  auto record_for = [&](S state, E event) {
    OverrideRecord o;
    o.id = "o-1";
    o.state = state;
    o.basis = LegalBasis::kVitalInterest;
    o.acute_danger = state == S::kActivePendingApproval;
    o.justification = "acuut gevaar";
    o.recipient_organisation = "politie-avim-rotterdam";
    o.categories = {DataCategory::kLocation};
    o.requested_by = requester;
    o.requested_at = kNow - hours{80};
    o.expires_at = event == E::kExpire ? kNow : expires;
    o.approval_due_at = kNow - hours{8};
    return o;
  };
  ExpectEveryPairFollowsTheTable(
      OverrideMachine(),
      [&](S state, E event) {
        return AsOutcome<S>(ApplyOverride(record_for(state, event), event, second, kNow));
      },
      [&](S state, E event) -> std::vector<ConsentAction> {
        switch (event) {
          case E::kApprove:
            return {{ConsentActionKind::kCancelTimers, "override.decided", kNow, "o-1"},
                    {ConsentActionKind::kScheduleDeadline, "override.expiry", expires, "o-1"}};
          case E::kReject:
            if (state == S::kActivePendingApproval) {
              return {{ConsentActionKind::kCancelTimers, "override.decided", kNow, "o-1"},
                      {ConsentActionKind::kRevokeHandoffs, "override.rejected", kNow,
                       "politie-avim-rotterdam"}};
            }
            return {{ConsentActionKind::kCancelTimers, "override.decided", kNow, "o-1"}};
          case E::kExpire:
            if (state == S::kRequested) {  // never acted on: nothing to take back
              return {};
            }
            return {{ConsentActionKind::kRevokeHandoffs, "override.expired", kNow,
                     "politie-avim-rotterdam"}};
          case E::kRevoke:
            if (state == S::kRequested) {  // never acted on: nothing to take back
              return {{ConsentActionKind::kCancelTimers, "override.revoked", kNow, "o-1"}};
            }
            return {{ConsentActionKind::kCancelTimers, "override.revoked", kNow, "o-1"},
                    {ConsentActionKind::kRevokeHandoffs, "override.revoked", kNow,
                     "politie-avim-rotterdam"}};
          case E::kApprovalLapse:
            return {{ConsentActionKind::kRevokeHandoffs, "override.approval_lapsed", kNow,
                     "politie-avim-rotterdam"},
                    {ConsentActionKind::kCreateTask, "override.approval_lapsed", kNow, "o-1"}};
        }
        return {};
      });
}

// --- handoff ---------------------------------------------------------------

TEST(HandoffMachine, EveryStateEventPair) {
  using E = HandoffEvent;
  using S = HandoffState;
  const std::string partner = "gemeente-rotterdam";
  auto apply = [&](S state, E event) {
    HandoffSnapshot h;
    h.id = "h-1";
    h.state = state;
    h.recipient_organisation = partner;
    h.answer_due_at = kNow;
    return AsOutcome<S>(ApplyHandoff(h, {event, "geen capaciteit"}, kNow));
  };
  ExpectEveryPairFollowsTheTable(
      HandoffMachine(), apply, [&](S state, E event) -> std::vector<HandoffAction> {
        switch (event) {
          case E::kSend:
            return {{HandoffActionKind::kNotifyRecipient, "handoff.sent", kNow, partner},
                    {HandoffActionKind::kScheduleDeadline, "handoff.answer_due", AddDays(kNow, 5),
                     "h-1"}};
          case E::kAccept:
            return {{HandoffActionKind::kCancelTimers, "handoff.accepted", kNow, "h-1"}};
          case E::kDecline:
            return {{HandoffActionKind::kCancelTimers, "handoff.declined", kNow, "h-1"},
                    {HandoffActionKind::kCreateTask, "handoff.declined", kNow, "h-1"}};
          case E::kRevoke:
            if (state == S::kDraft) {
              return {{HandoffActionKind::kCancelTimers, "handoff.revoked", kNow, "h-1"}};
            }
            return {{HandoffActionKind::kCancelTimers, "handoff.revoked", kNow, "h-1"},
                    {HandoffActionKind::kNotifyRecipient, "handoff.revoked", kNow, partner}};
          case E::kExpire:
            return {{HandoffActionKind::kCreateTask, "handoff.unanswered", kNow, "h-1"}};
          case E::kComplete:
            return {};
        }
        return {};
      });
}

// Every machine's first state is where new records start, and every state
// can be reached from it through the table.
template <typename S, typename E>
void ExpectAllStatesReachable(const MachineSpec<S, E>& machine) {
  std::vector<S> reached = {machine.states.front()};
  for (std::size_t i = 0; i < reached.size(); ++i) {
    for (const auto& t : machine.transitions) {
      if (t.from == reached[i] &&
          std::find(reached.begin(), reached.end(), t.to) == reached.end()) {
        reached.push_back(t.to);
      }
    }
  }
  for (const S state : machine.states) {
    EXPECT_NE(std::find(reached.begin(), reached.end(), state), reached.end())
        << machine.name << ": " << machine.state_name(state) << " is unreachable";
  }
}

// --- user account -----------------------------------------------------------

TEST(AccountMachine, EveryStateEventPair) {
  const auto& machine = AccountMachine();
  int allowed = 0;
  for (const AccountState state : machine.states) {
    for (const AccountEvent event : machine.events) {
      SCOPED_TRACE(std::string(ToString(state)) + " + " + std::string(ToString(event)));
      const auto result = ApplyAccount(state, event);
      if (const auto to = machine.Next(state, event)) {
        ++allowed;
        ASSERT_TRUE(result.ok());
        EXPECT_EQ(result.value(), *to);
      } else {
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.violation().rule, rules::kStateOrder);
        EXPECT_NE(result.violation().message.find(ToString(state)), std::string::npos);
      }
    }
  }
  EXPECT_EQ(allowed, 2);
  EXPECT_EQ(ApplyAccount(AccountState::kActive, AccountEvent::kDeactivate).value(),
            AccountState::kDeactivated);
  EXPECT_EQ(ApplyAccount(AccountState::kDeactivated, AccountEvent::kReactivate).value(),
            AccountState::kActive);
}

TEST(Machines, EveryStateIsReachableFromTheFirst) {
  ExpectAllStatesReachable(TrajectoryMachine());
  ExpectAllStatesReachable(ReflectionMachine());
  ExpectAllStatesReachable(PlacementMachine());
  ExpectAllStatesReachable(HandoffMachine());
  ExpectAllStatesReachable(ConsentMachine());
  ExpectAllStatesReachable(AccountMachine());
}

}  // namespace
}  // namespace ketenregie::workflow
