#include "services/audit/handler.h"

#include <sstream>

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

constexpr const char* kColumns =
    "sequence, extract(epoch from occurred_at)::bigint, organisation_id, actor, "
    "coalesce(trajectory_id::text, ''), action, array_to_string(categories, ','), basis_id, "
    "decision, method, previous_hash, hash";

void Render(const pqxx::row& row, v1::AuditRecord* out) {
  out->set_sequence(row[0].as<long long>());
  out->mutable_occurred_at()->set_seconds(row[1].as<long long>());
  out->mutable_actor()->set_organisation_id(row[2].as<std::string>());
  out->mutable_actor()->set_user_id(row[3].as<std::string>());
  out->set_trajectory_id(row[4].as<std::string>());
  out->set_action(static_cast<v1::AuditAction>(row[5].as<int>()));
  std::stringstream categories(row[6].as<std::string>());
  for (std::string c; std::getline(categories, c, ',');) {
    out->add_categories(static_cast<common::v1::DataCategory>(std::stoi(c)));
  }
  out->set_basis_id(row[7].as<std::string>());
  out->set_decision(static_cast<v1::Decision>(row[8].as<int>()));
  out->set_method(row[9].as<std::string>());
  out->set_previous_hash(pqxx::binarystring(row[10]).str());
  out->set_hash(pqxx::binarystring(row[11]).str());
}

}  // namespace

AuditHandler::AuditHandler(common::DbPool& db, const common::Directory& directory,
                           common::KeyringHolder& keys, const common::Clock& clock,
                           std::string checkpoint_path, std::chrono::milliseconds db_timeout)
    : db_(db),
      directory_(directory),
      keys_(keys),
      clock_(clock),
      checkpoint_path_(std::move(checkpoint_path)),
      db_timeout_(db_timeout) {}

grpc::Status AuditHandler::ListRecords(grpc::ServerContext* context,
                                       const v1::ListRecordsRequest* request,
                                       v1::ListRecordsResponse* response) {
  common::PageQuery page;
  if (auto invalid = common::ParsePage(request->page(), page); !invalid.ok()) {
    return invalid;
  }
  if (!request->trajectory_id().empty()) {
    if (auto invalid = common::CheckId("trajectory_id", request->trajectory_id()); !invalid.ok()) {
      return invalid;
    }
  }
  Caller caller;
  if (auto denied = common::AuthorizeAudited(*context, directory_, Operation::kReadAudit, caller,
                                             db_, db_timeout_, __func__);
      !denied.ok()) {
    return denied;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const long long after = page.after ? page.after->first : 0;
    const pqxx::result rows = tx.exec_params(
        std::string("SELECT ") + kColumns +
            " FROM audit.records WHERE sequence > $1 AND ($2 = '' OR trajectory_id = "
            "NULLIF($2, '')::uuid) ORDER BY sequence LIMIT $3",
        after, request->trajectory_id(), page.size + 1);
    for (std::size_t i = 0; i < rows.size() && static_cast<int>(i) < page.size; ++i) {
      Render(rows[i], response->add_records());
    }
    if (static_cast<int>(rows.size()) > page.size) {
      response->set_next_page_token(
          common::EncodePageToken(rows[static_cast<std::size_t>(page.size - 1)][0].as<long long>(),
                                  "00000000-0000-4000-8000-000000000000"));
    }
    return grpc::Status::OK;
  });
}

grpc::Status AuditHandler::VerifyChain(grpc::ServerContext* context, const v1::VerifyChainRequest*,
                                       v1::VerifyChainResponse* response) {
  Caller caller;
  if (auto denied = common::AuthorizeAudited(*context, directory_, Operation::kReadAudit, caller,
                                             db_, db_timeout_, __func__);
      !denied.ok()) {
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
  if (auto invalid = common::CheckId("trajectory_id", request->trajectory_id()); !invalid.ok()) {
    return invalid;
  }
  Caller caller;
  if (auto denied = common::AuthorizeAudited(*context, directory_, Operation::kReadAudit, caller,
                                             db_, db_timeout_, __func__);
      !denied.ok()) {
    return denied;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    response->set_trajectory_id(request->trajectory_id());
    for (const auto& row : tx.exec_params(std::string("SELECT ") + kColumns +
                                              " FROM audit.records WHERE trajectory_id = "
                                              "$1::uuid ORDER BY sequence",
                                          request->trajectory_id())) {
      Render(row, response->add_disclosures());
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
