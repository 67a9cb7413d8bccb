#pragma once

/// Appending to the audit trail (DESIGN.md §5): every disclosure and every
/// read of personal data, in the caller's transaction — if the append
/// fails, the action fails with it (fail closed). Records are hash-chained:
/// hash = SHA-256(previous hash, record fields); the chain head row is
/// locked for each append, so appends from all services form one order.

#include <chrono>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "services/common/db_pool.h"
#include "services/common/identity.h"
#include "workflow/access.h"
#include "workflow/core.h"
#include "workflow/domain.h"

namespace ketenregie::common {

enum class AuditAction { kDisclosure = 1, kRead = 2, kDenied = 3, kIdentityRefused = 4 };
enum class AuditDecision { kPermitted = 1, kDenied = 2 };

struct AuditRecord {
  long long sequence = 0;
  workflow::Instant occurred_at{};
  std::string organisation_id;
  std::string actor;
  std::string trajectory_id;  // empty: none
  AuditAction action = AuditAction::kRead;
  std::set<workflow::DataCategory> categories;
  std::string basis_id;
  AuditDecision decision = AuditDecision::kPermitted;
  std::string method;
  std::string previous_hash;
  std::string hash;
};

/// The hash of a record after `previous_hash` (32 bytes), over every field
/// with its length, so no field can bleed into the next.
std::string AuditHash(const AuditRecord& record, const std::string& previous_hash);

/// Registers "audit_head_lock", "audit_insert" and "audit_head_set".
void PrepareAudit(pqxx::connection& connection);

/// Appends `record` (sequence and hashes are filled in) in `tx`. When the
/// trail cannot take it, throws StorageError(kUnavailable): the caller's
/// action fails with it.
void AppendAudit(pqxx::work& tx, AuditRecord& record);
void AppendAuditOrThrow(pqxx::work& tx, AuditRecord& record);

/// Authorize, and when the caller is refused (PERMISSION_DENIED: not a user
/// of the certificate's organisation, or a role that may not), records the
/// attempt on the audit trail before answering. A refusal stays a refusal
/// even if the trail cannot take the record.
grpc::Status AuthorizeAudited(const grpc::ServerContext& context, const Directory& directory,
                              workflow::Operation operation, Caller& caller, DbPool& db,
                              std::chrono::milliseconds db_timeout, std::string_view method);

}  // namespace ketenregie::common
