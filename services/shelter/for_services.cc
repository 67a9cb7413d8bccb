// ShelterHandler: the occupancy board, what the other services ask (packet
// sections, the feed), and the background work (timers, the trajectory feed).

#include <google/protobuf/util/time_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <algorithm>

#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
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
#include "services/shelter/storage.h"
#include "services/shelter/support.h"
#include "workflow/calendar.h"
#include "workflow/rules.h"

namespace ketenregie::shelter {

grpc::Status ShelterHandler::GetOccupancyBoard(grpc::ServerContext* context,
                                               const v1::GetOccupancyBoardRequest* request,
                                               v1::OccupancyBoard* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  CheckEnum(errors, "kind", request->kind(), v1::ShelterKind_IsValid, false);
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    // "Nearing three months": the limit within the 14-day reminder window.
    for (const auto& r : Occupancy(tx, request->kind(), workflow::AddDays(clock_.Now(), 14))) {
      auto* row = response->add_rows();
      row->set_shelter_id(r.shelter_id);
      row->set_display_name(r.display_name);
      row->set_kind(static_cast<v1::ShelterKind>(r.kind));
      row->set_capacity_beds(r.capacity_beds);
      row->set_occupied_beds(r.occupied_beds);
      row->set_placements_nearing_limit(r.nearing_limit);
      row->set_placements_overdue(r.overdue);
    }
    return grpc::Status::OK;
  });
}

// For the handoff service, after its disclosure decision: LOCATION is where
// the person stays now (the placement holding her bed, with the shelter's
// secret address); CARE_PLAN gets the placements without any location. The
// address leaving this service is on the audit trail in the same
// transaction, beside the handoff service's own record of the disclosure.
grpc::Status ShelterHandler::GetDisclosureSections(
    grpc::ServerContext* context, const common::v1::GetDisclosureSectionsRequest* request,
    common::v1::DisclosureSections* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = common::CheckSectionsRequest(*request); !invalid.ok()) {
    return invalid;
  }
  const auto wanted = [&](common::v1::DataCategory category) {
    return std::find(request->categories().begin(), request->categories().end(), category) !=
           request->categories().end();
  };
  return common::ReadInto(db_, db_timeout_, *response, [&](pqxx::work& tx) {
    const auto placements =
        PlacementsOfTrajectory(tx, request->trajectory_id(), kMaxPlacementsInSection);
    const auto current = std::find_if(placements.begin(), placements.end(), [](const auto& p) {
      return workflow::HoldsBeds(p.flow.state);
    });
    response->set_trajectory_id(request->trajectory_id());
    if (wanted(common::v1::DATA_CATEGORY_LOCATION) && current != placements.end()) {
      const auto shelter = LoadShelter(tx, current->shelter_id, false);
      if (shelter) {
        AuditRead(tx, caller, request->trajectory_id(), {workflow::DataCategory::kLocation},
                  "GetDisclosureSections", clock_.Now(), request->basis_id());
        auto* section = response->add_sections();
        section->set_category(common::v1::DATA_CATEGORY_LOCATION);
        auto& fields = *section->mutable_fields();
        fields["shelter"] = shelter->display_name;
        fields["address"] = keys_.Get()->Open(shelter->address_sealed, AddressContext(shelter->id));
        fields["since"] = TimeUtil::ToString(ToTimestamp(current->flow.starts_at));
      }
    }
    if (wanted(common::v1::DATA_CATEGORY_CARE_PLAN) && !placements.empty()) {
      std::string list;
      for (const auto& p : placements) {
        list += (list.empty() ? "" : "; ") + std::string(workflow::ToString(p.flow.kind)) + " " +
                std::string(workflow::ToString(p.flow.state)) + " from " +
                TimeUtil::ToString(ToTimestamp(p.flow.starts_at));
        if (p.flow.planned_end != Instant{}) {
          list += " until " + TimeUtil::ToString(ToTimestamp(p.flow.planned_end));
        }
      }
      auto* section = response->add_sections();
      section->set_category(common::v1::DATA_CATEGORY_CARE_PLAN);
      (*section->mutable_fields())["placements"] = list;
    }
    return grpc::Status::OK;
  });
}

grpc::Status ShelterHandler::ListEvents(grpc::ServerContext* context,
                                        const common::v1::ListEventsRequest* request,
                                        common::v1::ListEventsResponse* response) {
  return common::ServeEvents(*context, gate_, db_, db_timeout_, *request, *response);
}

int ShelterHandler::FireDueTimers(int limit) {
  const Instant now = clock_.Now();
  return common::FireTimers(
      db_, db_timeout_, now, limit, [&](pqxx::work& tx, const common::DueTimer& timer) {
        auto row = LoadPlacement(tx, timer.owner_id, /*for_update=*/true);
        if (!row || !common::ClaimTimer(tx, timer.id)) {
          return false;
        }
        if (timer.kind == "placement.limit") {
          const auto overdue =
              workflow::ApplyPlacement(row->flow, {PlacementEvent::kMarkOverdue}, now);
          if (overdue.ok()) {
            row->flow = overdue.value().next;
            UpdatePlacement(tx, *row);
            common::AppendOutbox(tx, "placement.overdue", row->trajectory_id,
                                 "placements/" + row->flow.id, {{"state", "overdue"}}, now);
            ApplyActions(tx, *row, overdue.value().actions, now);
          }
        } else {
          // A reminder for the responsible coordinator (14 and 7 days before).
          common::AppendOutbox(tx, "task.requested", row->trajectory_id,
                               "placements/" + row->flow.id, {{"task", timer.kind}}, now);
        }
        return true;
      });
}

int ShelterHandler::FollowTrajectoryFeed(common::PeerChannel& trajectory, int max_events) {
  return common::FollowFeed<trajectory::v1::TrajectoryService>(
      db_, db_timeout_, trajectory, "shelter-service", "trajectory", max_events,
      [&](pqxx::work& tx, const common::v1::OutboxEvent& event) {
        if (event.type() != "trajectory.closed") {
          return true;
        }
        // Applied late, after a reopening: her placements belong to the open
        // trajectory and stay.
        workflow::PersonFacts person;
        const grpc::Status asked = facts_.Get(event.trajectory_id(), person);
        if (!asked.ok() && asked.error_code() != grpc::StatusCode::NOT_FOUND) {
          return false;  // ask again on the next pull
        }
        if (asked.ok() && person.trajectory_open) {
          return true;
        }
        const Instant now = clock_.Now();
        for (const auto& listed : PlacementsOfTrajectory(tx, event.trajectory_id(), 1000)) {
          switch (workflow::PlacementOnTrajectoryClosed(listed.flow.state)) {
            case workflow::OnTrajectoryClosed::kNothing:
              break;
            case workflow::OnTrajectoryClosed::kCancel: {
              // A request holds no bed: the placement alone is locked, and
              // decided again under the lock.
              auto row = LoadPlacement(tx, listed.flow.id, /*for_update=*/true);
              std::vector<PlacementAction> actions;
              if (workflow::PlacementOnTrajectoryClosed(row->flow.state) ==
                      workflow::OnTrajectoryClosed::kCancel &&
                  Step(row->flow, actions, {PlacementEvent::kCancel}, now).ok()) {
                UpdatePlacement(tx, *row);
                ApplyActions(tx, *row, actions, now);
                common::AppendOutbox(tx, "placement.cancelled", row->trajectory_id,
                                     "placements/" + row->flow.id,
                                     {{"state", std::string(workflow::ToString(row->flow.state))},
                                      {"reason", "trajectory closed"}},
                                     now);
              }
              break;
            }
            case workflow::OnTrajectoryClosed::kAskCoordinator:
              common::AppendOutbox(
                  tx, "task.requested", listed.trajectory_id, "placements/" + listed.flow.id,
                  {{"task", std::string(workflow::kOpenPlacementAfterClosureTask)}}, now);
              break;
          }
        }
        return true;
      });
}

}  // namespace ketenregie::shelter
