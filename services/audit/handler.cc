#include "services/audit/handler.h"

#include "services/audit/storage.h"
#include "services/audit/verifier.h"
#include "services/common/audit.h"
#include "services/common/identity.h"
#include "services/common/mutation.h"
#include "services/common/paging.h"
#include "services/common/status.h"
#include "services/common/validation.h"

namespace ketenregie::audit {
namespace {

using common::Caller;
using workflow::Operation;

}  // namespace

AuditHandler::AuditHandler(common::DbPool& db, const common::Directory& directory,
                           common::KeyringHolder& keys, const common::Clock& clock,
                           std::string checkpoint_path, std::chrono::milliseconds db_timeout)
    : db_(db),
      directory_(directory),
      keys_(keys),
      clock_(clock),
      checkpoint_path_(std::move(checkpoint_path)),
      db_timeout_(db_timeout),
      gate_(directory_, db_, db_timeout_, clock_, v1::AuditService::service_full_name()) {}

grpc::Status AuditHandler::ListRecords(grpc::ServerContext* context,
                                       const v1::ListRecordsRequest* request,
                                       v1::ListRecordsResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  using common::FieldReason;
  common::FieldErrors errors(*request);
  common::PageQuery page;
  common::ParsePage(errors, request->page(), page);
  audit::RecordFilter filter;
  common::CheckOptionalId(errors, "trajectory_id", request->trajectory_id());
  filter.trajectory_id = request->trajectory_id();
  errors.Require(
      request->organisation_id().empty() || common::IsValidPrincipalId(request->organisation_id()),
      "organisation_id", FieldReason::kNotAnId, "an organisation id, or empty");
  errors.Require(request->actor().empty() || common::IsValidPrincipalId(request->actor()), "actor",
                 FieldReason::kNotAnId, "a user id, or empty");
  common::CheckEnum(errors, "action", request->action(), v1::AuditAction_IsValid, false);
  common::CheckEnum(errors, "decision", request->decision(), v1::Decision_IsValid, false);
  const bool after = !request->has_occurred_after() ||
                     common::CheckTime(errors, "occurred_after", request->occurred_after());
  const bool before = !request->has_occurred_before() ||
                      common::CheckTime(errors, "occurred_before", request->occurred_before());
  if (after && before && request->has_occurred_after() && request->has_occurred_before()) {
    errors.Require(request->occurred_before().seconds() > request->occurred_after().seconds(),
                   "occurred_before", FieldReason::kOutOfRange, "after occurred_after");
  }
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  filter.organisation_id = request->organisation_id();
  filter.actor = request->actor();
  filter.action = request->action();
  filter.decision = request->decision();
  if (request->has_occurred_after()) {
    filter.from_epoch = request->occurred_after().seconds();
  }
  if (request->has_occurred_before()) {
    filter.until_epoch = request->occurred_before().seconds();
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    common::FillPage(
        RecordsAfter(tx, filter, page.after ? page.after->first : 0, page.size + 1), page.size,
        [&](const v1::AuditRecord& r) { *response->add_records() = r; },
        // The sequence orders the trail alone; the token's id is a constant.
        [](const v1::AuditRecord& r) {
          return std::pair{r.sequence(), std::string("00000000-0000-4000-8000-000000000000")};
        },
        response->mutable_next_page_token());
    return grpc::Status::OK;
  });
}

grpc::Status AuditHandler::VerifyChain(grpc::ServerContext* context,
                                       const v1::VerifyChainRequest* request,
                                       v1::VerifyChainResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  std::optional<audit::Checkpoint> checkpoint;
  try {
    checkpoint = ReadCheckpoint(*keys_.Get(), checkpoint_path_);
  } catch (const std::runtime_error& e) {
    response->set_intact(false);
    response->set_problem(e.what());
    return grpc::Status::OK;
  }
  return common::Read(db_, std::chrono::milliseconds(30'000), [&](pqxx::work& tx) {
    const Verification v = audit::VerifyChain(tx, checkpoint);
    response->set_intact(v.intact);
    response->set_records_checked(v.records_checked);
    response->set_first_broken_sequence(v.first_broken_sequence);
    response->set_problem(v.problem);
    response->set_checkpoint_sequence(checkpoint ? checkpoint->sequence : 0);
    return grpc::Status::OK;
  });
}

grpc::Status AuditHandler::GetSubjectAccessReport(grpc::ServerContext* context,
                                                  const v1::GetSubjectAccessReportRequest* request,
                                                  v1::SubjectAccessReport* response) {
  Caller caller;
  if (auto refused = gate_.AdmitNaming(*context, *request, caller, __func__, "trajectory_id",
                                       request->trajectory_id());
      !refused.ok()) {
    return refused;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    response->set_trajectory_id(request->trajectory_id());
    for (auto& record : RecordsOf(tx, request->trajectory_id())) {
      *response->add_disclosures() = std::move(record);
    }
    *response->mutable_generated_at() = common::ToTimestamp(clock_.Now());
    return grpc::Status::OK;
  });
}

void AuditHandler::Checkpoint() {
  common::RunTransaction(db_, db_timeout_, [&](pqxx::work& tx) {
    WriteCheckpoint(tx, *keys_.Get(), checkpoint_path_);
  });
}

}  // namespace ketenregie::audit
