#include "services/audit/storage.h"

#include <sstream>

#include "services/common/audit.h"

namespace ketenregie::audit {
namespace {

constexpr const char* kColumns =
    "sequence, extract(epoch from occurred_at)::bigint, organisation_id, actor, "
    "coalesce(trajectory_id::text, ''), action, array_to_string(categories, ','), basis_id, "
    "decision, method, previous_hash, hash";

v1::AuditRecord RecordOf(const pqxx::row& row) {
  v1::AuditRecord out;
  out.set_sequence(row[0].as<long long>());
  out.mutable_occurred_at()->set_seconds(row[1].as<long long>());
  out.mutable_actor()->set_organisation_id(row[2].as<std::string>());
  out.mutable_actor()->set_user_id(row[3].as<std::string>());
  out.set_trajectory_id(row[4].as<std::string>());
  out.set_action(static_cast<v1::AuditAction>(row[5].as<int>()));
  std::stringstream categories(row[6].as<std::string>());
  for (std::string c; std::getline(categories, c, ',');) {
    out.add_categories(static_cast<common::v1::DataCategory>(std::stoi(c)));
  }
  out.set_basis_id(row[7].as<std::string>());
  out.set_decision(static_cast<v1::Decision>(row[8].as<int>()));
  out.set_method(row[9].as<std::string>());
  out.set_previous_hash(pqxx::binarystring(row[10]).str());
  out.set_hash(pqxx::binarystring(row[11]).str());
  return out;
}

std::vector<v1::AuditRecord> RecordsOf(const pqxx::result& rows) {
  std::vector<v1::AuditRecord> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    out.push_back(RecordOf(row));
  }
  return out;
}

std::string Select(const char* where) {
  return std::string("SELECT ") + kColumns + " FROM audit.records WHERE " + where;
}

}  // namespace

// One statement per filter, so that each plan stays on its index.
void Prepare(pqxx::connection& c) {
  common::PrepareAudit(c);
  c.prepare("records_after", Select("sequence > $1 ORDER BY sequence LIMIT $2"));
  c.prepare("records_of_trajectory_after",
            Select("trajectory_id = $1::uuid AND sequence > $2 ORDER BY sequence LIMIT $3"));
  c.prepare("records_of_trajectory", Select("trajectory_id = $1::uuid ORDER BY sequence"));
}

std::vector<v1::AuditRecord> RecordsAfter(pqxx::work& tx, long long after_sequence,
                                          const std::string& trajectory_id, int limit) {
  return RecordsOf(trajectory_id.empty() ? tx.exec_prepared("records_after", after_sequence, limit)
                                         : tx.exec_prepared("records_of_trajectory_after",
                                                            trajectory_id, after_sequence, limit));
}

std::vector<v1::AuditRecord> RecordsOf(pqxx::work& tx, const std::string& trajectory_id) {
  return RecordsOf(tx.exec_prepared("records_of_trajectory", trajectory_id));
}

}  // namespace ketenregie::audit
