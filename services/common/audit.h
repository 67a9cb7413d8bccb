#pragma once

/// Appending to the audit trail (DESIGN.md §5): every disclosure and every
/// read of personal data, in the caller's transaction — if the append
/// fails, the action fails with it (fail closed). Records are hash-chained:
/// hash = SHA-256(previous hash, record fields); the chain head row is
/// locked for each append, so appends from all services form one order.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <chrono>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "services/common/clock.h"
#include "services/common/db_pool.h"
#include "services/common/identity.h"
#include "workflow/access.h"
#include "workflow/core.h"
#include "workflow/domain.h"

namespace ketenregie::common {

enum class AuditAction {
  kDisclosure = 1,
  kRead = 2,
  kDenied = 3,
  kIdentityRefused = 4,
  kDirectoryChange = 5,
  kLogin = 6,
};
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
  /// Through the gateway: its organisation and the person's session hash.
  std::string gateway;
  std::string session_hash;
  /// A refusal: the rule or error kind that refused (ErrorInfo.reason).
  std::string reason;
  /// What a change was made to when it is no trajectory
  /// ("users/<organisation>/<user>" for a directory change).
  std::string subject;
  std::string previous_hash;
  std::string hash;
};

/// A record of what `identity` does: organisation, actor and, through the
/// gateway, the gateway and session hash.
AuditRecord AuditRecordBy(const CallIdentity& identity);

/// The hash of a record after `previous_hash` (32 bytes), over every field
/// with its length, so no field can bleed into the next. The fields added
/// later (gateway, session hash, reason; then subject) are hashed only when
/// one of them is set, so the records written before them keep their
/// hashes; the lengths keep the forms apart.
std::string AuditHash(const AuditRecord& record, const std::string& previous_hash);

/// Registers "audit_head_lock", "audit_insert" and "audit_head_set".
void PrepareAudit(pqxx::connection& connection);

/// Appends `record` (sequence and hashes are filled in) in `tx`. When the
/// trail cannot take it, throws StorageError(kUnavailable): the caller's
/// action fails with it.
void AppendAudit(pqxx::work& tx, AuditRecord& record);
void AppendAuditOrThrow(pqxx::work& tx, AuditRecord& record);
/// Appends `records` in order, the chain's head locked and moved once.
void AppendAudits(pqxx::work& tx, const std::vector<AuditRecord*>& records);
void AppendAuditsOrThrow(pqxx::work& tx, const std::vector<AuditRecord*>& records);

/// Puts a permitted read of personal data of `trajectory_id` on the trail,
/// in the reader's transaction (AppendAudit: if the trail cannot take it,
/// the read fails).
void AuditRead(pqxx::work& tx, const Caller& caller, const std::string& trajectory_id,
               std::set<workflow::DataCategory> categories, std::string_view method,
               workflow::Instant now, const std::string& basis_id = "");

/// A read of one trajectory's personal data, of `categories`.
struct AuditedRead {
  std::string trajectory_id;
  std::set<workflow::DataCategory> categories;
};

/// Puts permitted reads of several trajectories on the trail (a list that
/// shows personal data of each), in one append (AppendAudits).
void AuditReads(pqxx::work& tx, const Caller& caller, const std::vector<AuditedRead>& reads,
                std::string_view method, workflow::Instant now);

/// The trajectory a request names, for the audit record of its refusal: a
/// string field `trajectory_id` (or one marked
/// `(ketenregie.common.v1.trajectory_ref)`) of the request, or of a message
/// it holds (`consent.trajectory_id`), when it is a UUID; empty otherwise.
std::string TrajectoryNamedBy(const google::protobuf::Message& request);

/// Who may call each method of a service, as its API declares it: the
/// `(ketenregie.common.v1.access)` option of every method, by method name.
/// Throws std::invalid_argument naming the method when one declares none or
/// names an operation workflow/access.h does not know: a service with an
/// undeclared method does not start.
using MethodAccess = std::map<std::string, std::vector<workflow::Operation>, std::less<>>;
MethodAccess MethodAccessOf(const google::protobuf::ServiceDescriptor& service);
MethodAccess MethodAccessOf(std::string_view service_full_name);

/// Who may call a method, decided before any other work (R-ACCESS-ROLE), with
/// every refusal on the audit trail: who tried, which method, and the
/// trajectory the request names, so the privacy officer finds the attempt in
/// that person's records. Time from the service's clock. A refusal stays a
/// refusal even if the trail cannot take the record.
class AccessGate final {
 public:
  /// `service_full_name`: the gRPC service whose methods this gate admits
  /// to (MethodAccessOf).
  AccessGate(const Directory& directory, DbPool& db, std::chrono::milliseconds db_timeout,
             const Clock& clock, std::string_view service_full_name);

  /// Identifies the caller and lets them in when their organisation and
  /// roles allow one of the operations `method` declares (R-ACCESS-ROLE).
  /// PERMISSION_DENIED, recorded, when the organisation is not in the
  /// directory, the actor is not one of its registered users, or no
  /// declared operation is theirs.
  grpc::Status Admit(const grpc::ServerContext& context, const google::protobuf::Message& request,
                     Caller& caller, std::string_view method) const;

  /// Admit, then the one id the request names checked (CheckIdRequest:
  /// INVALID_ARGUMENT naming `id_field`): how every read of one resource
  /// begins.
  grpc::Status AdmitNaming(const grpc::ServerContext& context,
                           const google::protobuf::Message& request, Caller& caller,
                           std::string_view method, std::string_view id_field,
                           const std::string& id) const;

  /// Records `refusal` (AUDIT_ACTION_DENIED), decided on the data after
  /// Admit, and returns it.
  grpc::Status Refuse(const Caller& caller, const std::string& trajectory_id,
                      std::string_view method, grpc::Status refusal) const;

  /// `status` as it is, recorded first when it is a refusal
  /// (PERMISSION_DENIED) — for a method's answer whose refusal is decided
  /// inside a transaction that rolls back. `trajectory_id`: the trajectory
  /// the refused call was about when the body learnt it (a placement's, an
  /// override's); else the one the request names.
  grpc::Status Checked(const Caller& caller, const google::protobuf::Message& request,
                       std::string_view method, grpc::Status status,
                       const std::string& trajectory_id = "") const;

 private:
  void Record(const Caller& caller, const std::string& trajectory_id, std::string_view method,
              AuditAction action, const grpc::Status& refusal) const;

  const Directory& directory_;
  DbPool& db_;
  std::chrono::milliseconds db_timeout_;
  const Clock& clock_;
  MethodAccess access_;
};

}  // namespace ketenregie::common
