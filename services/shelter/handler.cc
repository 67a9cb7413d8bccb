// ShelterHandler: shelters and their capacity.

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

ShelterHandler::ShelterHandler(common::DbPool& db, const common::Directory& directory,
                               common::KeyringHolder& keys, const common::Clock& clock,
                               TrajectoryFacts& facts, std::chrono::milliseconds db_timeout)
    : db_(db),
      directory_(directory),
      keys_(keys),
      clock_(clock),
      facts_(facts),
      db_timeout_(db_timeout),
      gate_(directory_, db_, db_timeout_, clock_, v1::ShelterService::service_full_name()),
      mutations_{db_, db_timeout_, keys_, clock_, gate_} {}

grpc::Status ShelterHandler::CreateShelter(grpc::ServerContext* context,
                                           const v1::CreateShelterRequest* request,
                                           v1::Shelter* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  CheckRequestId(errors, request->request_id());
  const auto& s = request->shelter();
  CheckLength(errors, "shelter.display_name", s.display_name(), 200, /*required=*/true);
  CheckEnum(errors, "shelter.kind", s.kind(), v1::ShelterKind_IsValid, true,
            "crisis, categorical or follow-up");
  errors.Require(s.capacity_beds() >= 0 && s.capacity_beds() <= 1000, "shelter.capacity_beds",
                 FieldReason::kOutOfRange, "0 to 1000");
  CheckLength(errors, "shelter.secret_address", s.secret_address(), 500, /*required=*/true);
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  if (auto refusal = workflow::CheckShelterKindOfOperator(caller.principal.organisation_type,
                                                          KindOf(s.kind()))) {
    return gate_.Checked(caller, *request, __func__, common::Forbidden(*refusal));
  }
  return common::Mutate(
      db_, db_timeout_, caller, "CreateShelter", *request, errors, request->request_id(), response,
      keys_, [&](pqxx::work& tx, v1::Shelter* out) -> grpc::Status {
        const auto keyring = keys_.Get();
        ShelterRow row{common::NewUuid(),
                       s.display_name(),
                       s.kind(),
                       caller.identity.organisation_id,
                       s.capacity_beds(),
                       "",
                       keyring->active_key_id(),
                       clock_.Now(),
                       1};
        row.address_sealed = keyring->Seal(s.secret_address(), AddressContext(row.id));
        InsertShelter(tx, row);
        Render(row, *keyring, /*own=*/true, out);
        return grpc::Status::OK;
      });
}

grpc::Status ShelterHandler::GetShelter(grpc::ServerContext* context,
                                        const v1::GetShelterRequest* request,
                                        v1::Shelter* response) {
  Caller caller;
  if (auto refused = gate_.AdmitNaming(*context, *request, caller, __func__, "id", request->id());
      !refused.ok()) {
    return refused;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto row = LoadShelter(tx, request->id(), false);
    if (!row) {
      return common::NotFound("shelter");
    }
    const bool own =
        !workflow::CheckOwnShelter(caller.identity.organisation_id, row->operator_organisation);
    if (own) {
      AuditRead(tx, caller, "", {workflow::DataCategory::kLocation}, "GetShelter", clock_.Now());
    }
    Render(*row, *keys_.Get(), own, response);
    return grpc::Status::OK;
  });
}

grpc::Status ShelterHandler::ListShelters(grpc::ServerContext* context,
                                          const v1::ListSheltersRequest* request,
                                          v1::ListSheltersResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  common::PageQuery page;
  common::ParsePage(errors, request->page(), page);
  CheckEnum(errors, "kind", request->kind(), v1::ShelterKind_IsValid, false);
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto keyring = keys_.Get();
    common::FillPage(
        shelter::ListShelters(tx, request->kind(), page.after, page.size + 1), page.size,
        [&](const ShelterRow& row) {
          Render(row, *keyring,
                 !workflow::CheckOwnShelter(caller.identity.organisation_id,
                                            row.operator_organisation),
                 response->add_shelters());
        },
        [](const ShelterRow& row) {
          return std::pair{row.created_at.time_since_epoch().count(), row.id};
        },
        response->mutable_next_page_token());
    return grpc::Status::OK;
  });
}

grpc::Status ShelterHandler::UpdateCapacity(grpc::ServerContext* context,
                                            const v1::UpdateCapacityRequest* request,
                                            v1::Shelter* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  CheckRequestId(errors, request->request_id());
  CheckId(errors, "shelter_id", request->shelter_id());
  CheckEtag(errors, request->etag());
  errors.Require(request->capacity_beds() >= 0 && request->capacity_beds() <= 1000, "capacity_beds",
                 FieldReason::kOutOfRange, "0 to 1000");
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return gate_.Checked(
      caller, *request, __func__,
      common::Mutate(
          db_, db_timeout_, caller, "UpdateCapacity", *request, errors, request->request_id(),
          response, keys_, [&](pqxx::work& tx, v1::Shelter* out) -> grpc::Status {
            auto row = LoadShelter(tx, request->shelter_id(), /*for_update=*/true);
            if (!row) {
              return common::NotFound("shelter");
            }
            if (auto refusal = workflow::CheckOwnShelter(caller.identity.organisation_id,
                                                         row->operator_organisation)) {
              return common::Forbidden(*refusal);
            }
            if (Etag(row->version) != request->etag()) {
              return common::StaleEtag("shelter");
            }
            if (auto refusal =
                    workflow::CheckCapacity(request->capacity_beds(), OccupiedBeds(tx, row->id))) {
              return common::RuleRefusal(*refusal);
            }
            row->capacity_beds = request->capacity_beds();
            shelter::UpdateCapacity(tx, *row);
            Render(*row, *keys_.Get(), true, out);
            return grpc::Status::OK;
          }));
}

}  // namespace ketenregie::shelter
