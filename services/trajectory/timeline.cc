// TrajectoryHandler: the timeline and the coordinator's tasks.

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
#include "workflow/access.h"
#include "workflow/calendar.h"
#include "workflow/rules.h"

namespace ketenregie::trajectory {

// --- timeline and tasks -----------------------------------------------------------

grpc::Status TrajectoryHandler::ListTimeline(grpc::ServerContext* context,
                                             const v1::ListTimelineRequest* request,
                                             v1::ListTimelineResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  CheckId(errors, "trajectory_id", request->trajectory_id());
  common::PageQuery page;
  if (common::ParsePage(errors, request->page(), page)) {
    errors.Require(!page.after || page.after->second == request->trajectory_id(), "page.page_token",
                   FieldReason::kInvalidToken, "not a token from this timeline");
  }
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  const long long after = page.after ? page.after->first : 0;
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    const auto row = LoadTrajectory(tx, request->trajectory_id(), false);
    if (!row ||
        workflow::CheckOwnTrajectory(caller.identity.organisation_id, row->organisation_id)) {
      return common::NotFound("trajectory");
    }
    common::FillPage(
        trajectory::ListTimeline(tx, request->trajectory_id(), after, page.size + 1), page.size,
        [&](const TimelineRow& e) {
          auto* out = response->add_entries();
          out->set_sequence(e.sequence);
          out->set_trajectory_id(e.trajectory_id);
          out->mutable_actor()->set_organisation_id(e.organisation_id);
          out->mutable_actor()->set_user_id(e.actor);
          *out->mutable_occurred_at() = ToTimestamp(e.occurred_at);
          out->set_kind(e.kind);
          out->mutable_attributes()->insert(e.attributes.begin(), e.attributes.end());
        },
        [](const TimelineRow& e) {
          return std::pair{e.sequence, e.trajectory_id};
        },
        response->mutable_next_page_token());
    return grpc::Status::OK;
  });
}

grpc::Status TrajectoryHandler::ListTasks(grpc::ServerContext* context,
                                          const v1::ListTasksRequest* request,
                                          v1::ListTasksResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  common::PageQuery page;
  common::ParsePage(errors, request->page(), page);
  CheckEnum(errors, "state", request->state(), v1::TaskState_IsValid, false);
  errors.Require(request->assignee_user_id().empty() ||
                     common::IsValidPrincipalId(request->assignee_user_id()),
                 "assignee_user_id", FieldReason::kNotAnId, "not a user id");
  CheckOptionalId(errors, "trajectory_id", request->trajectory_id());
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    common::FillPage(
        trajectory::ListTasks(tx, caller.identity.organisation_id, request->assignee_user_id(),
                              TaskStateOf(request->state()), request->trajectory_id(), page.after,
                              page.size + 1),
        page.size, [&](const TaskRow& row) { Render(row, response->add_tasks()); },
        [](const TaskRow& row) {
          return std::pair{row.due_at.time_since_epoch().count(), row.id};
        },
        response->mutable_next_page_token());
    return grpc::Status::OK;
  });
}

grpc::Status TrajectoryHandler::CompleteTask(grpc::ServerContext* context,
                                             const v1::CompleteTaskRequest* request,
                                             v1::Task* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  CheckRequestId(errors, request->request_id());
  CheckId(errors, "task_id", request->task_id());
  CheckEtag(errors, request->etag());
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::Mutate(
      db_, settings_.db_timeout, caller, "CompleteTask", *request, errors, request->request_id(),
      response, keys_, [&](pqxx::work& tx, v1::Task* out) -> grpc::Status {
        auto task = LoadTask(tx, request->task_id(), /*for_update=*/true);
        if (!task ||
            workflow::CheckOwnTrajectory(caller.identity.organisation_id, task->organisation_id)) {
          return common::NotFound("task");
        }
        if (Etag(task->version) != request->etag()) {
          return common::StaleEtag("task");
        }
        if (auto done = workflow::CheckTaskOpen(task->state)) {
          return common::RuleRefusal(*done);
        }
        trajectory::CompleteTask(tx, *task, caller.identity.actor);
        AppendTimeline(tx, {0,
                            task->trajectory_id,
                            caller.identity.organisation_id,
                            caller.identity.actor,
                            clock_.Now(),
                            "task.done",
                            {{"task", task->kind}, {"task_id", task->id}}});
        Render(*task, out);
        return grpc::Status::OK;
      });
}

}  // namespace ketenregie::trajectory
