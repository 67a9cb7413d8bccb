#pragma once

#include <chrono>
#include <string>

#include "ketenregie/audit/v1/audit.grpc.pb.h"
#include "services/common/audit.h"
#include "services/common/clock.h"
#include "services/common/crypto.h"
#include "services/common/db_pool.h"
#include "services/common/directory.h"

namespace ketenregie::audit {

/// The audit service: reads and verifies the trail every service appends to
/// (services/common/audit.h), and keeps its checkpoint outside the database.
class AuditHandler final : public v1::AuditService::Service {
 public:
  AuditHandler(common::DbPool& db, const common::Directory& directory, common::KeyringHolder& keys,
               const common::Clock& clock, std::string checkpoint_path,
               std::chrono::milliseconds db_timeout);

  grpc::Status ListRecords(grpc::ServerContext*, const v1::ListRecordsRequest*,
                           v1::ListRecordsResponse*) override;
  grpc::Status VerifyChain(grpc::ServerContext*, const v1::VerifyChainRequest*,
                           v1::VerifyChainResponse*) override;
  grpc::Status GetSubjectAccessReport(grpc::ServerContext*,
                                      const v1::GetSubjectAccessReportRequest*,
                                      v1::SubjectAccessReport*) override;

  /// Writes the checkpoint (every minute and at shutdown).
  void Checkpoint();

 private:
  common::DbPool& db_;
  const common::Directory& directory_;
  common::KeyringHolder& keys_;
  const common::Clock& clock_;
  std::string checkpoint_path_;
  std::chrono::milliseconds db_timeout_;
  common::AccessGate gate_;
};

}  // namespace ketenregie::audit
