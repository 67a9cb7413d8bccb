// TrajectoryHandler: the changes of a trajectory (age, screening, route, reflection
// period, permit, closing, reopening, links), each through ChangeTrajectory.

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
#include "services/trajectory/support.h"
#include "workflow/calendar.h"
#include "workflow/rules.h"

namespace ketenregie::trajectory {

grpc::Status TrajectoryHandler::SetAgeStatus(grpc::ServerContext* context,
                                             const v1::SetAgeStatusRequest* request,
                                             v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  CheckEnum(errors, "age_status", request->age_status(), v1::AgeStatus_IsValid, true,
            "confirmed adult, minor or doubted");
  return ChangeTrajectory(
      caller, "SetAgeStatus", *request, request->request_id(), request->trajectory_id(),
      request->etag(), std::move(errors), response, [&](Change& c) {
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kSetAgeStatus};
        command.age = ToWorkflow(request->age_status());
        c.timeline_kind = "age_status.set";
        c.timeline_attributes["age_status"] = std::string(workflow::ToString(command.age));
        return Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
      });
}

grpc::Status TrajectoryHandler::CorrectDateOfBirth(grpc::ServerContext* context,
                                                   const v1::CorrectDateOfBirthRequest* request,
                                                   v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  errors.Require(request->has_date_of_birth() && ValidDate(request->date_of_birth(), clock_.Now()),
                 "date_of_birth",
                 request->has_date_of_birth() ? FieldReason::kOutOfRange : FieldReason::kRequired,
                 "a real date between 1900 and today");
  return ChangeTrajectory(
      caller, "CorrectDateOfBirth", *request, request->request_id(), request->trajectory_id(),
      request->etag(), std::move(errors), response, [&](Change& c) {
        if (c.row.person_id.empty()) {
          return common::RuleRefusal({workflow::rules::kStateOrder,
                                      "a signal without a registered person has no date "
                                      "of birth to correct"});
        }
        const auto sealed = LoadIdentitySealed(c.tx, c.row.person_id);
        const auto keyring = keys_.Get();
        v1::PersonIdentity identity;
        identity.ParseFromString(keyring->Open(*sealed, IdentityContext(c.row.person_id)));
        *identity.mutable_date_of_birth() = request->date_of_birth();
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kCorrectDateOfBirth};
        command.date_of_birth = BirthDateOf(identity);
        if (auto refused = Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
            !refused.ok()) {
          return refused;
        }
        CorrectPerson(c.tx, c.row.person_id,
                      keyring->Seal(identity.SerializeAsString(), IdentityContext(c.row.person_id)),
                      keyring->active_key_id(), BlindIndexOf(*keyring, identity),
                      keyring->active_blind_key_id());
        // The date itself stays out of the timeline: that it was corrected,
        // and the age that follows.
        c.timeline_kind = "person.date_of_birth_corrected";
        c.timeline_attributes["age_status"] = std::string(workflow::ToString(c.row.flow.age));
        return grpc::Status::OK;
      });
}

grpc::Status TrajectoryHandler::RecordScreening(grpc::ServerContext* context,
                                                const v1::RecordScreeningRequest* request,
                                                v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  if (errors.Require(request->has_screening(), "screening", FieldReason::kRequired, "required")) {
    CheckScreening(errors, request->screening());
  }
  return ChangeTrajectory(
      caller, "RecordScreening", *request, request->request_id(), request->trajectory_id(),
      request->etag(), std::move(errors), response, [&](Change& c) {
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kRecordScreening};
        command.screening = ToWorkflow(request->screening());
        if (auto refused = Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
            !refused.ok()) {
          return refused;
        }
        const auto assessment = workflow::Assess(command.screening, c.row.flow.age);
        v1::Screening stored = request->screening();
        stored.set_act_present(assessment.act);
        stored.set_means_present(assessment.means);
        stored.set_purpose_present(assessment.purpose);
        stored.set_outcome(ToProto(assessment.outcome));
        c.row.screening_sealed =
            keys_.Get()->Seal(stored.SerializeAsString(), ScreeningContext(c.row.id));
        c.timeline_kind = "screening.recorded";
        c.timeline_attributes["outcome"] = std::string(workflow::ToString(assessment.outcome));
        return grpc::Status::OK;
      });
}

grpc::Status TrajectoryHandler::DecideRoute(grpc::ServerContext* context,
                                            const v1::DecideRouteRequest* request,
                                            v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  using E = workflow::TrajectoryEvent;
  E event{};
  switch (request->route()) {
    case v1::ROUTE_A_CHILD_PROTECTION:
      event = E::kDecideRouteA;
      break;
    case v1::ROUTE_B_ACTIVE:
      event = E::kDecideRouteB;
      break;
    case v1::ROUTE_C_DECLINED_FOR_NOW:
      event = E::kDecideRouteC;
      break;
    case v1::ROUTE_D_GENERAL_HELP:
      event = E::kDecideRouteD;
      break;
    default:
      errors.Add("route",
                 request->route() == v1::ROUTE_UNSPECIFIED ? FieldReason::kRequired
                                                           : FieldReason::kUnknownValue,
                 "A, B, C or D");
  }
  int open_placements = 0;
  int unanswered_handoffs = 0;
  if (workflow::ClosesTrajectory(event)) {
    // What closes must know the open work (R-CLOSE-REQUIRES): asked of the
    // other services once the request itself is known to be well formed.
    common::CheckChangeTarget(errors, {"trajectory_id", request->trajectory_id(), request->etag(),
                                       request->request_id()});
    if (auto invalid = errors.Status(); !invalid.ok()) {
      return invalid;
    }
    if (auto unavailable =
            open_work_.Count(request->trajectory_id(), open_placements, unanswered_handoffs);
        !unavailable.ok()) {
      return unavailable;
    }
  }
  return ChangeTrajectory(
      caller, "DecideRoute", *request, request->request_id(), request->trajectory_id(),
      request->etag(), std::move(errors), response, [&](Change& c) {
        workflow::TrajectoryCommand command{event};
        command.consents_to_referral = request->consents_to_referral();
        c.timeline_attributes["consents_to_referral"] =
            request->consents_to_referral() ? "true" : "false";
        c.row.flow.open_placements = open_placements;
        c.row.flow.unanswered_handoffs = unanswered_handoffs;
        c.row.route = request->route();
        c.timeline_kind = "route.decided";
        c.timeline_attributes["route"] = RouteName(request->route());
        return Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
      });
}

grpc::Status TrajectoryHandler::AssignCoordinator(grpc::ServerContext* context,
                                                  const v1::AssignCoordinatorRequest* request,
                                                  v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  errors.Require(
      common::IsValidPrincipalId(request->coordinator_user_id()), "coordinator_user_id",
      request->coordinator_user_id().empty() ? FieldReason::kRequired : FieldReason::kNotAnId,
      "a user id");
  return ChangeTrajectory(
      caller, "AssignCoordinator", *request, request->request_id(), request->trajectory_id(),
      request->etag(), std::move(errors), response, [&](Change& c) {
        const auto assignee = directory_.FindPrincipal(c.caller.identity.organisation_id,
                                                       request->coordinator_user_id());
        if (!assignee || workflow::CheckAccess(*assignee, Operation::kManageTrajectory)) {
          return InvalidArgument("coordinator_user_id", FieldReason::kUnknownReference,
                                 "not a coordinator of your organisation");
        }
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kAssignCoordinator};
        command.coordinator = request->coordinator_user_id();
        c.timeline_kind = "coordinator.assigned";
        c.timeline_attributes["coordinator"] = request->coordinator_user_id();
        return Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
      });
}

grpc::Status TrajectoryHandler::SetNonPunishmentFlag(grpc::ServerContext* context,
                                                     const v1::SetNonPunishmentFlagRequest* request,
                                                     v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  return ChangeTrajectory(
      caller, "SetNonPunishmentFlag", *request, request->request_id(), request->trajectory_id(),
      request->etag(), std::move(errors), response, [&](Change& c) {
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kSetNonPunishment};
        command.non_punishment = request->flag();
        c.timeline_kind = "non_punishment.set";
        c.timeline_attributes["flag"] = request->flag() ? "true" : "false";
        return Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
      });
}

grpc::Status TrajectoryHandler::ReactivateTrajectory(grpc::ServerContext* context,
                                                     const v1::ReactivateTrajectoryRequest* request,
                                                     v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  return ChangeTrajectory(
      caller, "ReactivateTrajectory", *request, request->request_id(), request->trajectory_id(),
      request->etag(), std::move(errors), response, [&](Change& c) {
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kReactivate};
        command.consents_to_referral = request->consents_to_referral();
        c.row.route = v1::ROUTE_B_ACTIVE;
        c.timeline_kind = "trajectory.reactivated";
        c.timeline_attributes["route"] = "B";
        return Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
      });
}

grpc::Status TrajectoryHandler::StartReflectionPeriod(
    grpc::ServerContext* context, const v1::StartReflectionPeriodRequest* request,
    v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  const Instant now = clock_.Now();
  FieldErrors errors(*request);
  if (request->has_starts_at()) {
    const Instant starts = ToInstant(request->starts_at());
    errors.Require(
        CheckTime(errors, "starts_at", request->starts_at()) &&
            starts >= workflow::AddMonths(now, -12) && starts <= workflow::AddDays(now, 30),
        "starts_at", FieldReason::kOutOfRange, "within the past year or the next 30 days");
  }
  return ChangeTrajectory(
      caller, "StartReflectionPeriod", *request, request->request_id(), request->trajectory_id(),
      request->etag(), std::move(errors), response, [&](Change& c) {
        workflow::ReflectionCommand command{workflow::ReflectionEvent::kStart};
        command.starts_at = request->has_starts_at() ? ToInstant(request->starts_at()) : c.now;
        command.dublin_case = request->dublin_case();
        c.timeline_kind = "reflection.started";
        c.timeline_attributes["dublin_case"] = request->dublin_case() ? "true" : "false";
        auto status = StepReflection(c.row, c.actions, command, c.now, settings_.reflection_policy);
        if (status.ok()) {
          c.timeline_attributes["days"] = std::to_string(
              workflow::CalendarDaysBetween(c.row.reflection.starts_at, c.row.reflection.ends_at));
        }
        return status;
      });
}

grpc::Status TrajectoryHandler::DecideReflectionPeriod(
    grpc::ServerContext* context, const v1::DecideReflectionPeriodRequest* request,
    v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  CheckEnum(errors, "decision", request->decision(), v1::ReflectionDecision_IsValid, true,
            "police report, other cooperation, no report for serious reasons, or declined");
  return ChangeTrajectory(
      caller, "DecideReflectionPeriod", *request, request->request_id(), request->trajectory_id(),
      request->etag(), std::move(errors), response, [&](Change& c) {
        workflow::ReflectionCommand command{workflow::ReflectionEvent::kDecide};
        command.decision = ToWorkflow(request->decision());
        c.timeline_kind = "reflection.decided";
        c.timeline_attributes["decision"] = std::string(workflow::ToString(command.decision));
        return StepReflection(c.row, c.actions, command, c.now, settings_.reflection_policy);
      });
}

grpc::Status TrajectoryHandler::RecordResidencePermit(
    grpc::ServerContext* context, const v1::RecordResidencePermitRequest* request,
    v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  CheckEnum(errors, "permit_state", request->permit_state(), v1::PermitState_IsValid, true,
            "applied, granted or rejected");
  errors.Require(request->permit_state() != v1::PERMIT_STATE_GRANTED || request->has_valid_until(),
                 "valid_until", FieldReason::kRequired, "required for a granted permit");
  if (request->has_valid_until()) {
    CheckTime(errors, "valid_until", request->valid_until());
  }
  return ChangeTrajectory(
      caller, "RecordResidencePermit", *request, request->request_id(), request->trajectory_id(),
      request->etag(), std::move(errors), response, [&](Change& c) {
        const auto event = workflow::PermitEvent(
            c.row.reflection.state, request->permit_state() == v1::PERMIT_STATE_GRANTED
                                        ? workflow::PermitOutcome::kGranted
                                    : request->permit_state() == v1::PERMIT_STATE_REJECTED
                                        ? workflow::PermitOutcome::kRejected
                                        : workflow::PermitOutcome::kApplied);
        workflow::ReflectionCommand command{event};
        if (request->has_valid_until()) {
          command.permit_valid_until = ToInstant(request->valid_until());
        }
        c.timeline_kind = "permit." + std::string(workflow::ToString(event));
        return StepReflection(c.row, c.actions, command, c.now, settings_.reflection_policy);
      });
}

grpc::Status TrajectoryHandler::CloseTrajectory(grpc::ServerContext* context,
                                                const v1::CloseTrajectoryRequest* request,
                                                v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  CheckEnum(errors, "reason", request->reason(), v1::ClosureReason_IsValid, true,
            "a closure reason");
  int open_placements = 0;
  int unanswered_handoffs = 0;
  {
    common::CheckChangeTarget(errors, {"trajectory_id", request->trajectory_id(), request->etag(),
                                       request->request_id()});
    if (auto invalid = errors.Status(); !invalid.ok()) {
      return invalid;
    }
    if (auto unavailable =
            open_work_.Count(request->trajectory_id(), open_placements, unanswered_handoffs);
        !unavailable.ok()) {
      return unavailable;
    }
  }
  return ChangeTrajectory(
      caller, "CloseTrajectory", *request, request->request_id(), request->trajectory_id(),
      request->etag(), std::move(errors), response, [&](Change& c) {
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kClose};
        command.reason = ToWorkflow(request->reason());
        c.row.flow.open_placements = open_placements;
        c.row.flow.unanswered_handoffs = unanswered_handoffs;
        c.timeline_kind = "trajectory.closed";
        c.timeline_attributes["reason"] = std::string(workflow::ToString(command.reason));
        return Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
      });
}

grpc::Status TrajectoryHandler::ReopenTrajectory(grpc::ServerContext* context,
                                                 const v1::ReopenTrajectoryRequest* request,
                                                 v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  return ChangeTrajectory(
      caller, "ReopenTrajectory", *request, request->request_id(), request->trajectory_id(),
      request->etag(), std::move(errors), response, [&](Change& c) {
        c.timeline_kind = "trajectory.reopened";
        c.timeline_attributes["previous_reason"] =
            std::string(workflow::ToString(c.row.flow.closure_reason));
        auto status = Took(
            workflow::ReopenTrajectory(
                c.row.flow, c.row.has_reflection ? std::optional(c.row.reflection) : std::nullopt,
                c.now, settings_.trajectory_policy),
            c.row.flow, c.actions);
        if (status.ok()) {
          // Screened afresh (the workflow dropped the outcome): the earlier
          // screening stays in the timeline, and the route goes with it.
          c.row.screening_sealed.reset();
          c.row.route = v1::ROUTE_UNSPECIFIED;
        }
        return status;
      });
}

grpc::Status TrajectoryHandler::LinkTrajectory(grpc::ServerContext* context,
                                               const v1::LinkTrajectoryRequest* request,
                                               v1::Trajectory* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  CheckId(errors, "linked_trajectory_id", request->linked_trajectory_id());
  return ChangeTrajectory(
      caller, "LinkTrajectory", *request, request->request_id(), request->trajectory_id(),
      request->etag(), std::move(errors), response, [&](Change& c) {
        const auto other = LoadTrajectory(c.tx, request->linked_trajectory_id(), false);
        if (!other || other->organisation_id != c.row.organisation_id) {
          return common::NotFound("linked trajectory");
        }
        workflow::TrajectoryCommand command{workflow::TrajectoryEvent::kLink};
        command.linked_id = request->linked_trajectory_id();
        c.timeline_kind = "trajectory.linked";
        c.timeline_attributes["linked_trajectory_id"] = request->linked_trajectory_id();
        return Step(c.row.flow, c.actions, command, c.now, settings_.trajectory_policy);
      });
}

}  // namespace ketenregie::trajectory
