#include "services/audit/storage.h"

#include <array>
#include <optional>
#include <sstream>

#include "services/common/audit.h"

namespace ketenregie::audit {

// Every column a reader takes is named (AS), and read by that name.
const char* const kRecordColumns =
    "sequence, extract(epoch from occurred_at)::bigint AS occurred_at, organisation_id, actor, "
    "coalesce(trajectory_id::text, '') AS trajectory_id, action, "
    "array_to_string(categories, ',') AS categories, basis_id, decision, method, gateway, "
    "session_hash, reason, subject, previous_hash, hash";

common::AuditRecord StoredRecord(const pqxx::row& row) {
  common::AuditRecord r;
  r.sequence = row["sequence"].as<long long>();
  r.occurred_at = workflow::Instant{std::chrono::seconds{row["occurred_at"].as<long long>()}};
  r.organisation_id = row["organisation_id"].as<std::string>();
  r.actor = row["actor"].as<std::string>();
  r.trajectory_id = row["trajectory_id"].as<std::string>();
  r.action = static_cast<common::AuditAction>(row["action"].as<int>());
  std::stringstream categories(row["categories"].as<std::string>());
  for (std::string c; std::getline(categories, c, ',');) {
    r.categories.insert(static_cast<workflow::DataCategory>(std::stoi(c)));
  }
  r.basis_id = row["basis_id"].as<std::string>();
  r.decision = static_cast<common::AuditDecision>(row["decision"].as<int>());
  r.method = row["method"].as<std::string>();
  r.gateway = row["gateway"].as<std::string>();
  r.session_hash = row["session_hash"].as<std::string>();
  r.reason = row["reason"].as<std::string>();
  r.subject = row["subject"].as<std::string>();
  r.previous_hash = pqxx::binarystring(row["previous_hash"]).str();
  r.hash = pqxx::binarystring(row["hash"]).str();
  return r;
}

namespace {

v1::AuditRecord RecordOf(const pqxx::row& row) {
  const common::AuditRecord stored = StoredRecord(row);
  v1::AuditRecord out;
  out.set_sequence(stored.sequence);
  out.mutable_occurred_at()->set_seconds(stored.occurred_at.time_since_epoch().count());
  out.mutable_actor()->set_organisation_id(stored.organisation_id);
  out.mutable_actor()->set_user_id(stored.actor);
  out.set_trajectory_id(stored.trajectory_id);
  out.set_action(static_cast<v1::AuditAction>(stored.action));
  for (const auto category : stored.categories) {
    out.add_categories(static_cast<common::v1::DataCategory>(category));
  }
  out.set_basis_id(stored.basis_id);
  out.set_decision(static_cast<v1::Decision>(stored.decision));
  out.set_method(stored.method);
  out.set_gateway_organisation_id(stored.gateway);
  out.set_session_hash(stored.session_hash);
  out.set_reason(stored.reason);
  out.set_subject(stored.subject);
  out.set_previous_hash(stored.previous_hash);
  out.set_hash(stored.hash);
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
  return std::string("SELECT ") + kRecordColumns + " FROM audit.records WHERE " + where;
}

// The search's predicates, each with its parameter; a statement is composed
// of the constant fragments of the filters a search uses, never of values.
struct Predicate {
  const char* sql;  // with "$N" for the parameter's place
};
constexpr std::array<Predicate, 7> kPredicates = {{
    {"trajectory_id = $N::uuid"},
    {"organisation_id = $N"},
    {"actor = $N"},
    {"action = $N"},
    {"decision = $N"},
    {"occurred_at >= to_timestamp($N)"},
    {"occurred_at < to_timestamp($N)"},
}};

// The statement for the filters in `mask` (bit i: kPredicates[i] used):
// $1 the sequence after, $2 the limit, then one parameter per filter used.
std::string SearchSql(unsigned mask) {
  std::string where = "sequence > $1";
  int next = 3;
  for (std::size_t i = 0; i < kPredicates.size(); ++i) {
    if ((mask & (1u << i)) != 0) {
      std::string predicate = kPredicates[i].sql;
      predicate.replace(predicate.find("$N"), 2, "$" + std::to_string(next++));
      where += " AND " + predicate;
    }
  }
  return Select((where + " ORDER BY sequence LIMIT $2").c_str());
}

std::string SearchName(unsigned mask) { return "records_search_" + std::to_string(mask); }

}  // namespace

// One statement per combination of filters (prepared lazily by libpqxx on
// first use), so that each plan is made for the filters it has and stays on
// its index.
void Prepare(pqxx::connection& c) {
  common::PrepareAudit(c);
  for (unsigned mask = 0; mask < (1u << kPredicates.size()); ++mask) {
    c.prepare(SearchName(mask), SearchSql(mask));
  }
  c.prepare("records_of_trajectory", Select("trajectory_id = $1::uuid ORDER BY sequence"));
}

std::vector<v1::AuditRecord> RecordsAfter(pqxx::work& tx, const RecordFilter& filter,
                                          long long after_sequence, int limit) {
  const std::array<std::optional<std::string>, kPredicates.size()> values = {
      filter.trajectory_id.empty() ? std::nullopt : std::optional(filter.trajectory_id),
      filter.organisation_id.empty() ? std::nullopt : std::optional(filter.organisation_id),
      filter.actor.empty() ? std::nullopt : std::optional(filter.actor),
      filter.action == 0 ? std::nullopt : std::optional(std::to_string(filter.action)),
      filter.decision == 0 ? std::nullopt : std::optional(std::to_string(filter.decision)),
      filter.from_epoch ? std::optional(std::to_string(*filter.from_epoch)) : std::nullopt,
      filter.until_epoch ? std::optional(std::to_string(*filter.until_epoch)) : std::nullopt,
  };
  unsigned mask = 0;
  std::vector<std::string> parameters = {std::to_string(after_sequence), std::to_string(limit)};
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i]) {
      mask |= 1u << i;
      parameters.push_back(*values[i]);
    }
  }
  return RecordsOf(
      tx.exec_prepared(SearchName(mask), pqxx::prepare::make_dynamic_params(parameters)));
}

std::vector<v1::AuditRecord> RecordsOf(pqxx::work& tx, const std::string& trajectory_id) {
  return RecordsOf(tx.exec_prepared("records_of_trajectory", trajectory_id));
}

}  // namespace ketenregie::audit
