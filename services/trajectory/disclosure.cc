// TrajectoryHandler: what the other services ask of a trajectory — the facts for
// eligibility, the feed, and the sections of a packet.

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

grpc::Status TrajectoryHandler::GetEligibilityFacts(grpc::ServerContext* context,
                                                    const v1::GetEligibilityFactsRequest* request,
                                                    v1::EligibilityFacts* response) {
  Caller caller;
  if (auto refused = gate_.AdmitNaming(*context, *request, caller, __func__, "trajectory_id",
                                       request->trajectory_id());
      !refused.ok()) {
    return refused;
  }
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    const auto row = LoadTrajectory(tx, request->trajectory_id(), false);
    if (!row) {
      return common::NotFound("trajectory");
    }
    response->set_trajectory_id(row->id);
    const Instant now = clock_.Now();
    response->set_age_status(ToProto(workflow::AgeStatusOn(row->flow, now)));
    if (row->flow.minor_until && now < *row->flow.minor_until) {
      *response->mutable_minor_until() = ToTimestamp(*row->flow.minor_until);
    }
    response->set_gender_identity(static_cast<v1::GenderIdentity>(row->gender_identity));
    response->set_accompanying_children(row->accompanying_children);
    response->set_open(!workflow::CheckTracksOpen(row->flow).has_value());
    response->set_organisation_id(row->organisation_id);
    return grpc::Status::OK;
  });
}

grpc::Status TrajectoryHandler::ListEvents(grpc::ServerContext* context,
                                           const common::v1::ListEventsRequest* request,
                                           common::v1::ListEventsResponse* response) {
  return common::ServeEvents(*context, gate_, db_, settings_.db_timeout, *request, *response);
}

// The sections a partner's packet is assembled from. The caller (the
// handoff service) has decided which categories may go, and records the
// disclosure on the audit trail in its own transaction; this service holds
// no LOCATION or HEALTH data, so those categories get no section here.
grpc::Status TrajectoryHandler::GetDisclosureSections(
    grpc::ServerContext* context, const common::v1::GetDisclosureSectionsRequest* request,
    common::v1::DisclosureSections* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = common::CheckSectionsRequest(*request); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    const auto row = LoadTrajectory(tx, request->trajectory_id(), false);
    if (!row) {
      return common::NotFound("trajectory");
    }
    const auto keyring = keys_.Get();
    v1::PersonIdentity identity;
    if (!row->person_id.empty()) {
      if (const auto sealed = LoadIdentitySealed(tx, row->person_id)) {
        identity.ParseFromString(keyring->Open(*sealed, IdentityContext(row->person_id)));
      }
    }
    v1::Trajectory rendered;
    Render(*row, *keyring, &rendered);
    response->set_trajectory_id(row->id);
    for (const int category : request->categories()) {
      std::map<std::string, std::string> fields;
      switch (static_cast<common::v1::DataCategory>(category)) {
        case common::v1::DATA_CATEGORY_IDENTITY: {
          fields["given_name"] = identity.given_name();
          fields["family_name"] = identity.family_name();
          if (identity.has_date_of_birth()) {
            char date[16];
            std::snprintf(date, sizeof date, "%04d-%02d-%02d", identity.date_of_birth().year(),
                          identity.date_of_birth().month(), identity.date_of_birth().day());
            fields["date_of_birth"] = date;
          }
          fields["nationality"] = identity.nationality();
          std::string documents;
          for (const auto& d : identity.documents()) {
            documents += (documents.empty() ? "" : "; ") + d;
          }
          fields["documents"] = documents;
          break;
        }
        case common::v1::DATA_CATEGORY_CONTACT:
          fields["contact"] = identity.contact();
          break;
        case common::v1::DATA_CATEGORY_EXPLOITATION: {
          fields["screening_outcome"] = v1::ScreeningOutcome_Name(rendered.screening().outcome());
          std::string forms;
          for (const int form : rendered.screening().forms()) {
            forms += (forms.empty() ? "" : ", ") +
                     v1::ExploitationForm_Name(static_cast<v1::ExploitationForm>(form));
          }
          fields["forms"] = forms;
          break;
        }
        case common::v1::DATA_CATEGORY_RESIDENCE_STATUS:
          fields["reflection_period"] =
              v1::ReflectionState_Name(rendered.reflection_period().state());
          fields["permit"] = v1::PermitState_Name(rendered.reflection_period().permit_state());
          break;
        case common::v1::DATA_CATEGORY_CRIMINAL_PROCEEDINGS:
          fields["decision"] = v1::ReflectionDecision_Name(rendered.reflection_period().decision());
          fields["non_punishment_flag"] = rendered.non_punishment_flag() ? "true" : "false";
          break;
        case common::v1::DATA_CATEGORY_CARE_PLAN:
          fields["route"] = v1::Route_Name(rendered.route());
          fields["state"] = v1::TrajectoryState_Name(rendered.state());
          break;
        case common::v1::DATA_CATEGORY_CHILDREN:
          fields["accompanying_children"] = std::to_string(row->accompanying_children);
          break;
        default:
          continue;  // LOCATION, HEALTH: not held by this service
      }
      auto* section = response->add_sections();
      section->set_category(static_cast<common::v1::DataCategory>(category));
      section->mutable_fields()->insert(fields.begin(), fields.end());
    }
    return grpc::Status::OK;
  });
}

}  // namespace ketenregie::trajectory
