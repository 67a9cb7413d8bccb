#include "services/common/audit.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "ketenregie/common/v1/common.pb.h"
#include "services/common/crypto.h"
#include "services/common/db_pool.h"
#include "services/common/ids.h"
#include "services/common/status.h"
#include "services/common/validation.h"
#include "workflow/rules.h"

namespace ketenregie::common {
namespace {

void Field(EVP_MD_CTX* ctx, const std::string& value) {
  const std::uint64_t length = value.size();
  unsigned char prefix[8];
  for (int i = 0; i < 8; ++i) {
    prefix[i] = static_cast<unsigned char>(length >> (8 * (7 - i)));
  }
  EVP_DigestUpdate(ctx, prefix, sizeof prefix);
  EVP_DigestUpdate(ctx, value.data(), value.size());
}

std::string CategoryList(const std::set<workflow::DataCategory>& categories) {
  std::string out;
  for (const auto c : categories) {
    out += (out.empty() ? "" : ",") + std::to_string(static_cast<int>(c));
  }
  return out;
}

}  // namespace

std::string AuditHash(const AuditRecord& r, const std::string& previous_hash) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  Field(ctx, previous_hash);
  Field(ctx, std::to_string(r.sequence));
  Field(ctx, std::to_string(r.occurred_at.time_since_epoch().count()));
  Field(ctx, r.organisation_id);
  Field(ctx, r.actor);
  Field(ctx, r.trajectory_id);
  Field(ctx, std::to_string(static_cast<int>(r.action)));
  Field(ctx, CategoryList(r.categories));
  Field(ctx, r.basis_id);
  Field(ctx, std::to_string(static_cast<int>(r.decision)));
  Field(ctx, r.method);
  if (!r.gateway.empty() || !r.session_hash.empty() || !r.reason.empty() || !r.subject.empty()) {
    Field(ctx, r.gateway);
    Field(ctx, r.session_hash);
    Field(ctx, r.reason);
  }
  if (!r.subject.empty()) {
    Field(ctx, r.subject);
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest.data(), &length);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

void PrepareAudit(pqxx::connection& c) {
  c.prepare("audit_head_lock", "SELECT sequence, hash FROM audit.head WHERE id = 1 FOR UPDATE");
  // Every record of one append in one statement, one round trip while the
  // chain's head is held (a caseload page appends 25).
  c.prepare("audit_insert",
            "INSERT INTO audit.records (sequence, occurred_at, organisation_id, actor, "
            "trajectory_id, action, categories, basis_id, decision, method, gateway, session_hash, "
            "reason, subject, previous_hash, hash) "
            "SELECT r.sequence, to_timestamp(r.occurred_at), r.organisation_id, r.actor, "
            "NULLIF(r.trajectory_id, '')::uuid, r.action, "
            "coalesce(string_to_array(NULLIF(r.categories, ''), ',')::smallint[], '{}'), "
            "r.basis_id, r.decision, r.method, r.gateway, r.session_hash, r.reason, r.subject, "
            "decode(r.previous_hash, 'hex'), decode(r.hash, 'hex') "
            "FROM jsonb_to_recordset($1::jsonb) AS r(sequence bigint, occurred_at bigint, "
            "organisation_id text, actor text, trajectory_id text, action smallint, "
            "categories text, basis_id text, decision smallint, method text, gateway text, "
            "session_hash text, reason text, subject text, previous_hash text, hash text)");
  c.prepare("audit_head_set", "UPDATE audit.head SET sequence = $1, hash = $2 WHERE id = 1");
}

void AppendAudit(pqxx::work& tx, AuditRecord& r) {
  std::vector<AuditRecord*> one = {&r};
  AppendAudits(tx, one);
}

void AppendAudits(pqxx::work& tx, const std::vector<AuditRecord*>& records) {
  try {
    AppendAuditsOrThrow(tx, records);
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (const pqxx::sql_error&) {
    // Whatever keeps the record from the trail, the action must not happen:
    // UNAVAILABLE for the caller, nothing committed.
    throw StorageError(StorageError::Kind::kUnavailable, "audit trail unavailable");
  }
}

void AppendAuditOrThrow(pqxx::work& tx, AuditRecord& r) {
  std::vector<AuditRecord*> one = {&r};
  AppendAuditsOrThrow(tx, one);
}

void AppendAuditsOrThrow(pqxx::work& tx, const std::vector<AuditRecord*>& records) {
  if (records.empty()) {
    return;
  }
  // The chain's head is locked once for them all (until the commit), each
  // record chained to the one before, and the head moved once.
  const pqxx::row head = tx.exec_prepared1("audit_head_lock");
  long long sequence = head[0].as<long long>();
  std::string previous = pqxx::binarystring(head[1]).str();
  nlohmann::json rows = nlohmann::json::array();
  for (AuditRecord* r : records) {
    r->sequence = ++sequence;
    r->previous_hash = previous;
    r->hash = AuditHash(*r, r->previous_hash);
    rows.push_back({{"sequence", r->sequence},
                    {"occurred_at", r->occurred_at.time_since_epoch().count()},
                    {"organisation_id", r->organisation_id},
                    {"actor", r->actor},
                    {"trajectory_id", r->trajectory_id},
                    {"action", static_cast<int>(r->action)},
                    {"categories", CategoryList(r->categories)},
                    {"basis_id", r->basis_id},
                    {"decision", static_cast<int>(r->decision)},
                    {"method", r->method},
                    {"gateway", r->gateway},
                    {"session_hash", r->session_hash},
                    {"reason", r->reason},
                    {"subject", r->subject},
                    {"previous_hash", Hex(r->previous_hash)},
                    {"hash", Hex(r->hash)}});
    previous = r->hash;
  }
  tx.exec_prepared("audit_insert", rows.dump());
  tx.exec_prepared("audit_head_set", sequence, pqxx::binarystring(previous));
}

AuditRecord AuditRecordBy(const CallIdentity& identity) {
  AuditRecord record;
  record.organisation_id = identity.organisation_id;
  record.actor = identity.actor;
  record.gateway = identity.gateway;
  record.session_hash = identity.session_hash;
  return record;
}

void AuditRead(pqxx::work& tx, const Caller& caller, const std::string& trajectory_id,
               std::set<workflow::DataCategory> categories, std::string_view method,
               workflow::Instant now, const std::string& basis_id) {
  AuditRecord record = AuditRecordBy(caller.identity);
  record.occurred_at = now;
  record.trajectory_id = trajectory_id;
  record.action = AuditAction::kRead;
  record.categories = std::move(categories);
  record.decision = AuditDecision::kPermitted;
  record.method = std::string(method);
  record.basis_id = basis_id;
  AppendAudit(tx, record);
}

void AuditReads(pqxx::work& tx, const Caller& caller, const std::vector<AuditedRead>& reads,
                std::string_view method, workflow::Instant now) {
  std::vector<AuditRecord> records;
  records.reserve(reads.size());
  for (const AuditedRead& read : reads) {
    AuditRecord& record = records.emplace_back(AuditRecordBy(caller.identity));
    record.occurred_at = now;
    record.trajectory_id = read.trajectory_id;
    record.action = AuditAction::kRead;
    record.categories = read.categories;
    record.decision = AuditDecision::kPermitted;
    record.method = std::string(method);
  }
  std::vector<AuditRecord*> appended;
  for (AuditRecord& record : records) {
    appended.push_back(&record);
  }
  AppendAudits(tx, appended);
}

std::string TrajectoryNamedBy(const google::protobuf::Message& request) {
  using google::protobuf::FieldDescriptor;
  const auto* descriptor = request.GetDescriptor();
  const auto* reflection = request.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->type() == FieldDescriptor::TYPE_STRING && !field->is_repeated() &&
        (field->name() == "trajectory_id" ||
         field->options().GetExtension(ketenregie::common::v1::trajectory_ref))) {
      const std::string id = reflection->GetString(request, field);
      return IsUuid(id) ? id : "";
    }
  }
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->type() == FieldDescriptor::TYPE_MESSAGE && !field->is_repeated() &&
        reflection->HasField(request, field)) {
      if (std::string id = TrajectoryNamedBy(reflection->GetMessage(request, field)); !id.empty()) {
        return id;
      }
    }
  }
  return "";
}

MethodAccess MethodAccessOf(const google::protobuf::ServiceDescriptor& service) {
  MethodAccess access;
  for (int i = 0; i < service.method_count(); ++i) {
    const auto* method = service.method(i);
    const auto& options = method->options();
    const int declared = options.ExtensionSize(ketenregie::common::v1::access);
    if (declared == 0) {
      throw std::invalid_argument(method->full_name() +
                                  " declares no (ketenregie.common.v1.access)");
    }
    auto& operations = access[method->name()];
    for (int k = 0; k < declared; ++k) {
      const std::string& name = options.GetExtension(ketenregie::common::v1::access, k);
      const auto operation = workflow::OperationNamed(name);
      if (!operation) {
        throw std::invalid_argument(method->full_name() + " declares an unknown operation " + name);
      }
      operations.push_back(*operation);
    }
  }
  return access;
}

MethodAccess MethodAccessOf(std::string_view service_full_name) {
  const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      std::string(service_full_name));
  if (service == nullptr) {
    throw std::invalid_argument("no service " + std::string(service_full_name));
  }
  return MethodAccessOf(*service);
}

AccessGate::AccessGate(const Directory& directory, DbPool& db, std::chrono::milliseconds db_timeout,
                       const Clock& clock, std::string_view service_full_name)
    : directory_(directory),
      db_(db),
      db_timeout_(db_timeout),
      clock_(clock),
      access_(MethodAccessOf(service_full_name)) {}

grpc::Status AccessGate::AdmitNaming(const grpc::ServerContext& context,
                                     const google::protobuf::Message& request, Caller& caller,
                                     std::string_view method, std::string_view id_field,
                                     const std::string& id) const {
  if (auto denied = Admit(context, request, caller, method); !denied.ok()) {
    return denied;
  }
  return CheckIdRequest(request, id_field, id);
}

grpc::Status AccessGate::Admit(const grpc::ServerContext& context,
                               const google::protobuf::Message& request, Caller& caller,
                               std::string_view method) const {
  const auto declared = access_.find(method);
  const bool gateways_own =
      declared != access_.end() &&
      std::any_of(declared->second.begin(), declared->second.end(), &workflow::IsGatewaysOwn);
  grpc::Status identified = IdentifyPrincipal(context, directory_, caller, gateways_own);
  if (identified.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    // Not a user of the organisation the call is for, or on-behalf-of
    // metadata from a peer that is not the gateway.
    Record(caller, TrajectoryNamedBy(request), method, AuditAction::kIdentityRefused, identified);
  }
  if (!identified.ok()) {
    return identified;
  }
  if (declared == access_.end()) {
    // A handler that names a method its service does not have: fail closed.
    return Refuse(caller, TrajectoryNamedBy(request), method,
                  Forbidden({workflow::rules::kAccessRole, "no such method"}));
  }
  std::optional<workflow::RuleViolation> refusal;
  for (const workflow::Operation operation : declared->second) {
    refusal = workflow::CheckAccess(caller.principal, operation);
    if (!refusal) {
      return grpc::Status::OK;
    }
  }
  return Refuse(caller, TrajectoryNamedBy(request), method, Forbidden(*refusal));
}

grpc::Status AccessGate::Checked(const Caller& caller, const google::protobuf::Message& request,
                                 std::string_view method, grpc::Status status,
                                 const std::string& trajectory_id) const {
  if (status.error_code() != grpc::StatusCode::PERMISSION_DENIED) {
    return status;
  }
  return Refuse(caller, trajectory_id.empty() ? TrajectoryNamedBy(request) : trajectory_id, method,
                std::move(status));
}

grpc::Status AccessGate::Refuse(const Caller& caller, const std::string& trajectory_id,
                                std::string_view method, grpc::Status refusal) const {
  Record(caller, trajectory_id, method, AuditAction::kDenied, refusal);
  return refusal;
}

void AccessGate::Record(const Caller& caller, const std::string& trajectory_id,
                        std::string_view method, AuditAction action,
                        const grpc::Status& refusal) const {
  try {
    RunTransaction(db_, db_timeout_, [&](pqxx::work& tx) {
      AuditRecord record = AuditRecordBy(caller.identity);
      record.occurred_at = clock_.Now();
      record.reason = ReasonOf(refusal);
      record.trajectory_id = trajectory_id;
      record.action = action;
      record.decision = AuditDecision::kDenied;
      record.method = std::string(method);
      AppendAudit(tx, record);
    });
  } catch (const std::exception&) {
    // The refusal stands either way.
  }
}

}  // namespace ketenregie::common
