// What the trajectory handler files share (support.h).

#include "services/trajectory/support.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <set>

#include "services/common/actions.h"
#include "services/common/audit.h"
#include "services/common/identity.h"
#include "services/common/ids.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/paging.h"
#include "services/common/status.h"
#include "services/common/timers.h"
#include "services/common/validation.h"
#include "services/trajectory/mapping.h"
#include "services/trajectory/storage.h"
#include "workflow/calendar.h"
#include "workflow/rules.h"

namespace ketenregie::trajectory {

std::optional<std::chrono::year_month_day> BirthDateOf(const v1::PersonIdentity& identity) {
  if (!identity.has_date_of_birth()) {
    return std::nullopt;
  }
  const auto& d = identity.date_of_birth();
  return std::chrono::year{d.year()} / std::chrono::month{static_cast<unsigned>(d.month())} /
         std::chrono::day{static_cast<unsigned>(d.day())};
}

// --- validation -------------------------------------------------------------

// Names and date of birth, normalised, as the blind index keys them; none
// without a date of birth.
std::optional<std::string> PersonKeyOf(const v1::PersonIdentity& identity) {
  if (!identity.has_date_of_birth()) {
    return std::nullopt;
  }
  return common::NormalisePersonKey(
      identity.given_name(), identity.family_name(), identity.date_of_birth().year(),
      identity.date_of_birth().month(), identity.date_of_birth().day());
}

std::optional<std::string> BlindIndexOf(const common::Keyring& keyring,
                                        const v1::PersonIdentity& identity) {
  const auto key = PersonKeyOf(identity);
  return key ? std::optional(keyring.BlindIndex(*key)) : std::nullopt;
}

bool ValidDate(const common::v1::CivilDate& date, Instant now) {
  using namespace std::chrono;
  const year_month_day ymd{year{date.year()}, month{static_cast<unsigned>(date.month())},
                           day{static_cast<unsigned>(date.day())}};
  return date.year() >= 1900 && ymd.ok() && sys_days{ymd} <= floor<days>(now);
}

void CheckIdentity(FieldErrors& errors, const v1::PersonIdentity& identity, Instant now) {
  errors.Require(!identity.given_name().empty() || !identity.family_name().empty(),
                 "identity.given_name", FieldReason::kRequired,
                 "a name is required (given or family)");
  CheckLength(errors, "identity.given_name", identity.given_name(), kMaxName);
  CheckLength(errors, "identity.family_name", identity.family_name(), kMaxName);
  errors.Require(!identity.has_date_of_birth() || ValidDate(identity.date_of_birth(), now),
                 "identity.date_of_birth", FieldReason::kOutOfRange,
                 "not a real date between 1900 and today");
  CheckLength(errors, "identity.nationality", identity.nationality(), 100);
  CheckLength(errors, "identity.contact", identity.contact(), 500);
  if (errors.Require(identity.documents_size() <= 20, "identity.documents", FieldReason::kTooMany,
                     "at most 20 documents")) {
    for (const auto& document : identity.documents()) {
      errors.Require(!document.empty() && document.size() <= kMaxName, "identity.documents",
                     document.empty() ? FieldReason::kRequired : FieldReason::kTooLong,
                     "each 1-200 bytes");
    }
  }
  CheckEnum(errors, "identity.gender_identity", identity.gender_identity(),
            v1::GenderIdentity_IsValid, false);
}

void CheckScreening(FieldErrors& errors, const v1::Screening& screening) {
  std::set<int> seen;
  for (const auto& assessment : screening.indicators()) {
    const int indicator = assessment.indicator();
    if (errors.Require(indicator >= 1 && indicator <= 12 && v1::Indicator_IsValid(indicator),
                       "screening.indicators.indicator", FieldReason::kUnknownValue,
                       "one of the 12 indicators")) {
      errors.Require(seen.insert(indicator).second, "screening.indicators.indicator",
                     FieldReason::kDuplicate, "each indicator at most once");
    }
    CheckEnum(errors, "screening.indicators.score", assessment.score(), v1::IndicatorScore_IsValid,
              true, "none, signals, evidence or more information needed");
  }
  std::set<int> forms;
  for (const int form : screening.forms()) {
    if (errors.Require(form >= 1 && v1::ExploitationForm_IsValid(form), "screening.forms",
                       FieldReason::kUnknownValue, "known forms, each at most once")) {
      errors.Require(forms.insert(form).second, "screening.forms", FieldReason::kDuplicate,
                     "known forms, each at most once");
    }
  }
}

// --- rendering -----------------------------------------------------------------

void Render(const TrajectoryRow& row, const common::Keyring& keyring, v1::Trajectory* out) {
  out->Clear();
  out->set_id(row.id);
  out->set_person_id(row.person_id);
  out->set_state(ToProto(row.flow.state));
  out->set_age_status(ToProto(row.flow.age));
  out->set_route(static_cast<v1::Route>(row.route));
  if (row.screening_sealed) {
    out->mutable_screening()->ParseFromString(
        keyring.Open(*row.screening_sealed, ScreeningContext(row.id)));
    // A screening stored before IndicatorScore had its UNSPECIFIED holds 0
    // for none.
    for (auto& assessment : *out->mutable_screening()->mutable_indicators()) {
      if (assessment.score() == v1::INDICATOR_SCORE_UNSPECIFIED) {
        assessment.set_score(v1::INDICATOR_SCORE_NONE);
      }
    }
  }
  if (row.flow.screening) {
    out->mutable_screening()->set_outcome(ToProto(*row.flow.screening));
  }
  if (!row.flow.coordinator.empty()) {
    out->mutable_coordinator()->set_organisation_id(row.organisation_id);
    out->mutable_coordinator()->set_user_id(row.flow.coordinator);
  }
  out->set_non_punishment_flag(row.flow.non_punishment);
  if (row.has_reflection) {
    using RS = workflow::ReflectionState;
    auto* reflection = out->mutable_reflection_period();
    const RS state = row.reflection.state;
    switch (state) {
      case RS::kOffered:
        reflection->set_state(v1::REFLECTION_STATE_OFFERED);
        break;
      case RS::kRunning:
        reflection->set_state(v1::REFLECTION_STATE_RUNNING);
        break;
      case RS::kExpired:
        reflection->set_state(v1::REFLECTION_STATE_EXPIRED);
        break;
      case RS::kDecided:
      case RS::kPermitApplied:
      case RS::kPermitGranted:
      case RS::kPermitRejected:
        reflection->set_state(v1::REFLECTION_STATE_DECIDED);
        break;
    }
    reflection->set_permit_state(state == RS::kPermitApplied    ? v1::PERMIT_STATE_APPLIED
                                 : state == RS::kPermitGranted  ? v1::PERMIT_STATE_GRANTED
                                 : state == RS::kPermitRejected ? v1::PERMIT_STATE_REJECTED
                                                                : v1::PERMIT_STATE_UNSPECIFIED);
    if (row.reflection.starts_at != Instant{}) {
      *reflection->mutable_starts_at() = ToTimestamp(row.reflection.starts_at);
      *reflection->mutable_ends_at() = ToTimestamp(row.reflection.ends_at);
    }
    reflection->set_dublin_case(row.reflection.dublin_case);
    reflection->set_decision(ToProto(row.reflection.decision));
    if (row.reflection.permit_valid_until != Instant{}) {
      *reflection->mutable_permit_valid_until() = ToTimestamp(row.reflection.permit_valid_until);
    }
  }
  out->set_closure_reason(ToProto(row.flow.closure_reason));
  for (const auto& linked : row.flow.linked) {
    out->add_linked_trajectory_ids(linked);
  }
  *out->mutable_created_at() = ToTimestamp(row.created_at);
  *out->mutable_updated_at() = ToTimestamp(row.updated_at);
  out->set_etag(Etag(row.version));
}

void Render(const Summary& s, v1::TrajectorySummary* out) {
  out->set_id(s.id);
  out->set_state(ToProto(s.state));
  out->set_route(static_cast<v1::Route>(s.route));
  *out->mutable_created_at() = ToTimestamp(s.created_at);
  out->set_closure_reason(static_cast<v1::ClosureReason>(s.closure_reason));
  out->set_coordinator_user_id(s.coordinator);
  if (s.reflection_ends_at) {
    *out->mutable_reflection_ends_at() = ToTimestamp(*s.reflection_ends_at);
  }
  out->set_age_status(static_cast<v1::AgeStatus>(s.age_status));
  out->set_non_punishment_flag(s.non_punishment);
  if (s.next_deadline) {
    *out->mutable_next_deadline() = ToTimestamp(*s.next_deadline);
    out->set_next_deadline_kind(s.next_deadline_kind);
  }
}

void Render(const SignalRow& s, const common::Keyring& keyring, v1::Signal* out) {
  out->set_id(s.id);
  out->set_reporter_kind(static_cast<v1::ReporterKind>(s.reporter_kind));
  out->set_anonymous(s.anonymous);
  out->set_observation(keyring.Open(s.observation_sealed, ObservationContext(s.id)));
  *out->mutable_received_at() = ToTimestamp(s.received_at);
  out->set_trajectory_id(s.trajectory_id);
  out->set_etag(Etag(s.version));
}

void Render(const TaskRow& t, v1::Task* out) {
  out->set_id(t.id);
  out->set_trajectory_id(t.trajectory_id);
  out->set_kind(t.kind);
  *out->mutable_due_at() = ToTimestamp(t.due_at);
  out->set_state(t.state == workflow::TaskState::kDone ? v1::TASK_STATE_DONE : v1::TASK_STATE_OPEN);
  out->set_assignee_user_id(t.assignee);
  out->set_etag(Etag(t.version));
}

// Carries out the trajectory machines' actions in the caller's transaction.
void ApplyActions(pqxx::work& tx, const TrajectoryRow& row,
                  const std::vector<TrajectoryAction>& actions, Instant now) {
  common::CarryOut(tx, row.id, actions, now, [&](const TrajectoryAction& action) {
    switch (action.kind) {
      case TrajectoryActionKind::kCreateTask:
        InsertTask(tx, {common::NewUuid(), row.id, row.organisation_id, action.what, action.at,
                        workflow::TaskState::kOpen, row.flow.coordinator, std::nullopt, 1});
        return;
      case TrajectoryActionKind::kNotifyChildProtection:
        // Until the handoff service sends it (issue #5), the notification is
        // a task that cannot be missed, due at once.
        InsertTask(
            tx, {common::NewUuid(), row.id, row.organisation_id, "route.a.notify_child_protection",
                 now, workflow::TaskState::kOpen, row.flow.coordinator, std::nullopt, 1});
        return;
      case TrajectoryActionKind::kScheduleReminder:
      case TrajectoryActionKind::kScheduleDeadline:
      case TrajectoryActionKind::kCancelTimers:
        return;  // timers: kept by CarryOut
    }
  });
}

// A task state asked for (TASK_STATE_UNSPECIFIED: any).
std::optional<workflow::TaskState> TaskStateOf(int state) {
  switch (state) {
    case v1::TASK_STATE_OPEN:
      return workflow::TaskState::kOpen;
    case v1::TASK_STATE_DONE:
      return workflow::TaskState::kDone;
    default:
      return std::nullopt;
  }
}

std::string RouteName(int route) {
  switch (route) {
    case v1::ROUTE_A_CHILD_PROTECTION:
      return "A";
    case v1::ROUTE_B_ACTIVE:
      return "B";
    case v1::ROUTE_C_DECLINED_FOR_NOW:
      return "C";
    case v1::ROUTE_D_GENERAL_HELP:
      return "D";
    default:
      return "";
  }
}

// The trajectory's feed (ListEvents), for the other services: its
// lifecycle only (workflow::LifecycleEvent), with the state it is in now.
// Also that she is (now) treated as an adult (workflow::AgeEvent), for the
// consent service: a guardian's consent ends there.
void Publish(pqxx::work& tx, const TrajectoryRow& row,
             std::optional<workflow::TrajectoryState> before, Instant now,
             std::optional<workflow::AgeStatus> age_before) {
  const std::map<std::string, std::string> attributes = {
      {"state", std::string(workflow::ToString(row.flow.state))},
      {"organisation_id", row.organisation_id}};
  if (const auto event = workflow::LifecycleEvent(before, row.flow.state)) {
    common::AppendOutbox(tx, *event, row.id, "trajectories/" + row.id, attributes, now);
  }
  if (age_before) {
    if (const auto event = workflow::AgeEvent(*age_before, row.flow.age)) {
      common::AppendOutbox(tx, *event, row.id, "trajectories/" + row.id, attributes, now);
    }
  }
}

// --- taking the workflow's outcome into a change ----------------------------

// Takes the workflow's outcome into the change, or its refusal.
grpc::Status Took(const workflow::Result<workflow::TrajectoryOutcome>& result,
                  workflow::TrajectorySnapshot& flow, std::vector<TrajectoryAction>& actions) {
  if (!result.ok()) {
    return common::RuleRefusal(result.violation());
  }
  flow = result.value().next;
  actions.insert(actions.end(), result.value().actions.begin(), result.value().actions.end());
  return grpc::Status::OK;
}

grpc::Status Step(workflow::TrajectorySnapshot& flow, std::vector<TrajectoryAction>& actions,
                  const workflow::TrajectoryCommand& command, Instant now,
                  const workflow::TrajectoryPolicy& policy) {
  return Took(workflow::ApplyTrajectory(flow, command, now, policy), flow, actions);
}

grpc::Status StepReflection(TrajectoryRow& row, std::vector<TrajectoryAction>& actions,
                            const workflow::ReflectionCommand& command, Instant now,
                            const workflow::ReflectionPolicy& policy) {
  if (auto closed = workflow::CheckTracksOpen(row.flow)) {
    return common::RuleRefusal(*closed);
  }
  if (!row.has_reflection) {
    row.reflection = workflow::ReflectionSnapshot{};
    row.reflection.trajectory_id = row.id;
  }
  const auto result = workflow::ApplyReflection(row.reflection, command, now, policy);
  if (!result.ok()) {
    return common::RuleRefusal(result.violation());
  }
  row.has_reflection = true;
  row.reflection = result.value().next;
  actions.insert(actions.end(), result.value().actions.begin(), result.value().actions.end());
  return grpc::Status::OK;
}

}  // namespace ketenregie::trajectory
