#include "services/consent/storage.h"

#include <sstream>

#include "services/common/audit.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/storage.h"
#include "services/common/timers.h"

namespace ketenregie::consent {
namespace {

using common::EpochOf;
using common::InstantOf;
using common::Sql;

using workflow::Instant;

std::string Categories(const std::set<workflow::DataCategory>& categories) {
  std::string out;
  for (const auto c : categories) {
    out += (out.empty() ? "" : ",") + std::to_string(static_cast<int>(c));
  }
  return out;
}

std::set<workflow::DataCategory> CategoriesOf(const pqxx::field& f) {
  std::set<workflow::DataCategory> out;
  std::stringstream list(f.as<std::string>());
  for (std::string n; std::getline(list, n, ',');) {
    out.insert(static_cast<workflow::DataCategory>(std::stoi(n)));
  }
  return out;
}

// Every column a reader takes is named (AS), and read by that name.
constexpr const char* kConsentColumns =
    "id::text AS id, trajectory_id::text AS trajectory_id, organisation_id, state, grantor, "
    "coalesce(guardian_organisation_id, '') AS guardian_organisation_id, "
    "coalesce(recipient_organisation_id, '') AS recipient_organisation_id, recipient_type, "
    "array_to_string(categories, ',') AS categories, purpose, method, interpreter_used, "
    "recorded_by, extract(epoch from valid_from)::bigint AS valid_from, "
    "extract(epoch from valid_until)::bigint AS valid_until, "
    "coalesce(supersedes::text, '') AS supersedes, "
    "extract(epoch from created_at)::bigint AS created_at, version";

constexpr const char* kOverrideColumns =
    "id::text AS id, trajectory_id::text AS trajectory_id, organisation_id, state, basis, "
    "acute_danger, justification, recipient_organisation_id, recipient_type, "
    "array_to_string(categories, ',') AS categories, purpose, requested_by, "
    "coalesce(approved_by, '') AS approved_by, "
    "extract(epoch from requested_at)::bigint AS requested_at, "
    "extract(epoch from expires_at)::bigint AS expires_at, "
    "extract(epoch from approval_due_at)::bigint AS approval_due_at, version";

ConsentRow ConsentOf(const pqxx::row& r) {
  ConsentRow row;
  auto& c = row.record;
  c.id = r["id"].as<std::string>();
  row.trajectory_id = r["trajectory_id"].as<std::string>();
  row.organisation_id = r["organisation_id"].as<std::string>();
  c.state = kConsentStates.From(r["state"].as<int>());
  c.grantor = static_cast<workflow::Grantor>(r["grantor"].as<int>());
  row.guardian_organisation_id = r["guardian_organisation_id"].as<std::string>();
  c.recipient_organisation = r["recipient_organisation_id"].as<std::string>();
  c.recipient_type = static_cast<workflow::OrganisationType>(r["recipient_type"].as<int>());
  c.categories = CategoriesOf(r["categories"]);
  c.purpose = static_cast<workflow::Purpose>(r["purpose"].as<int>());
  c.method = static_cast<workflow::ConsentMethod>(r["method"].as<int>());
  c.interpreter_used = r["interpreter_used"].as<bool>();
  row.recorded_by = r["recorded_by"].as<std::string>();
  c.valid_from = InstantOf(r["valid_from"]);
  c.valid_until = InstantOf(r["valid_until"]);
  row.supersedes = r["supersedes"].as<std::string>();
  row.created_at = InstantOf(r["created_at"]);
  row.version = r["version"].as<long long>();
  return row;
}

OverrideRow OverrideOf(const pqxx::row& r) {
  OverrideRow row;
  auto& o = row.record;
  o.id = r["id"].as<std::string>();
  row.trajectory_id = r["trajectory_id"].as<std::string>();
  row.organisation_id = r["organisation_id"].as<std::string>();
  o.state = kOverrideStates.From(r["state"].as<int>());
  o.basis = static_cast<workflow::LegalBasis>(r["basis"].as<int>());
  o.acute_danger = r["acute_danger"].as<bool>();
  row.justification_sealed = pqxx::binarystring(r["justification"]).str();
  o.recipient_organisation = r["recipient_organisation_id"].as<std::string>();
  o.recipient_type = static_cast<workflow::OrganisationType>(r["recipient_type"].as<int>());
  o.categories = CategoriesOf(r["categories"]);
  o.purpose = static_cast<workflow::Purpose>(r["purpose"].as<int>());
  o.requested_by = {row.organisation_id, r["requested_by"].as<std::string>()};
  if (!r["approved_by"].as<std::string>().empty()) {
    o.approved_by = {row.organisation_id, r["approved_by"].as<std::string>()};
  }
  o.requested_at = InstantOf(r["requested_at"]);
  o.expires_at = InstantOf(r["expires_at"]);
  o.approval_due_at = common::InstantOrZeroOf(r["approval_due_at"]);
  row.version = r["version"].as<long long>();
  return row;
}

// The disclosure basis of one trajectory in one statement, only the columns
// the decision reads, in one layout for both kinds (a UNION takes its names
// from the first part): kind, sort time, id, state, recipient organisation,
// recipient type, categories, purpose, from, until, acute danger, approval
// due.
constexpr const char* kDisclosureBasisSql =
    "SELECT 1 AS kind, created_at AS sort_at, id::text AS id, state, "
    "coalesce(recipient_organisation_id, '') AS recipient_organisation_id, recipient_type, "
    "array_to_string(categories, ',') AS categories, purpose, "
    "extract(epoch from valid_from)::bigint AS valid_from, "
    "extract(epoch from valid_until)::bigint AS valid_until, false AS acute_danger, "
    "NULL::bigint AS approval_due_at FROM consent.consents WHERE trajectory_id = $1::uuid "
    "UNION ALL "
    "SELECT 2, requested_at, id::text, state, recipient_organisation_id, recipient_type, "
    "array_to_string(categories, ','), purpose, extract(epoch from requested_at)::bigint, "
    "extract(epoch from expires_at)::bigint, acute_danger, "
    "extract(epoch from approval_due_at)::bigint FROM consent.overrides "
    "WHERE trajectory_id = $1::uuid ORDER BY kind, sort_at, id";

}  // namespace

// States are stored as the workflow enums' numbers.
void Prepare(pqxx::connection& c) {
  common::PrepareRequestLog(c, "consent");
  common::PrepareOutbox(c, "consent");
  common::PrepareAudit(c);
  c.prepare("consent_insert",
            "INSERT INTO consent.consents (id, trajectory_id, organisation_id, state, grantor, "
            "guardian_organisation_id, recipient_organisation_id, recipient_type, categories, "
            "purpose, method, interpreter_used, recorded_by, valid_from, valid_until, supersedes, "
            "created_at) VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, "
            "string_to_array($9, ',')::smallint[], $10, $11, $12, $13, to_timestamp($14), "
            "to_timestamp($15), $16::uuid, to_timestamp($17))");
  c.prepare("consent_load",
            Sql("SELECT ", kConsentColumns, " FROM consent.consents WHERE id = $1::uuid"));
  c.prepare(
      "consent_load_for_update",
      Sql("SELECT ", kConsentColumns, " FROM consent.consents WHERE id = $1::uuid FOR UPDATE"));
  c.prepare("consent_state",
            "UPDATE consent.consents SET state = $2, version = version + 1 WHERE id = $1::uuid");
  // One organisation's records of a trajectory, oldest first, a page after
  // the keyset ($3 epoch, $4 id; NULL from the start).
  c.prepare("consents_of",
            Sql("SELECT ", kConsentColumns,
                " FROM consent.consents WHERE trajectory_id = $1::uuid AND organisation_id = $2 "
                "AND ($3::bigint IS NULL OR (created_at, id) > (to_timestamp($3), $4::uuid)) "
                "ORDER BY consents.created_at, consents.id LIMIT $5"));
  c.prepare(
      "override_insert",
      "INSERT INTO consent.overrides (id, trajectory_id, organisation_id, state, basis, "
      "acute_danger, justification, recipient_organisation_id, recipient_type, categories, "
      "purpose, requested_by, requested_at, expires_at, approval_due_at) VALUES ($1::uuid, "
      "$2::uuid, $3, $4, $5, $6, $7, $8, $9, string_to_array($10, ',')::smallint[], $11, $12, "
      "to_timestamp($13), to_timestamp($14), to_timestamp($15))");
  c.prepare("override_load",
            Sql("SELECT ", kOverrideColumns, " FROM consent.overrides WHERE id = $1::uuid"));
  c.prepare(
      "override_load_for_update",
      Sql("SELECT ", kOverrideColumns, " FROM consent.overrides WHERE id = $1::uuid FOR UPDATE"));
  c.prepare("override_update",
            "UPDATE consent.overrides SET state = $2, approved_by = $3, version = version + 1 "
            "WHERE id = $1::uuid");
  c.prepare("overrides_of",
            Sql("SELECT ", kOverrideColumns,
                " FROM consent.overrides WHERE ($1::uuid IS NULL OR trajectory_id = $1::uuid) "
                "AND organisation_id = $2 "
                "AND ($3::bigint IS NULL OR (requested_at, id) > (to_timestamp($3), $4::uuid)) "
                "AND ($6::smallint[] IS NULL OR state = ANY($6::smallint[])) "
                "ORDER BY overrides.requested_at, overrides.id LIMIT $5"));
  c.prepare("disclosure_basis", kDisclosureBasisSql);
  c.prepare("consents_of_trajectory_for_update",
            Sql("SELECT ", kConsentColumns,
                " FROM consent.consents WHERE trajectory_id = $1::uuid ORDER BY consents.id "
                "FOR UPDATE"));
  common::PrepareFeedCursors(c, "consent");
  common::PrepareTimers(c, "consent", "record_id");
  common::PrepareReencryption(c, SealedColumns());
  c.prepare("trajectory_lock", "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))");
}

void InsertConsent(pqxx::work& tx, const ConsentRow& row) {
  const auto& c = row.record;
  tx.exec_prepared(
      "consent_insert", c.id, row.trajectory_id, row.organisation_id, kConsentStates.Of(c.state),
      static_cast<int>(c.grantor), common::NullableText(row.guardian_organisation_id).get(),
      common::NullableText(c.recipient_organisation).get(), static_cast<int>(c.recipient_type),
      Categories(c.categories), static_cast<int>(c.purpose), static_cast<int>(c.method),
      c.interpreter_used, row.recorded_by, EpochOf(c.valid_from), EpochOf(c.valid_until),
      common::NullableText(row.supersedes).get(), EpochOf(row.created_at));
}

std::optional<ConsentRow> LoadConsent(pqxx::work& tx, const std::string& id, bool for_update) {
  const auto r = tx.exec_prepared(for_update ? "consent_load_for_update" : "consent_load", id);
  if (r.empty()) {
    return std::nullopt;
  }
  return ConsentOf(r[0]);
}

void UpdateConsentState(pqxx::work& tx, ConsentRow& row) {
  tx.exec_prepared("consent_state", row.record.id, kConsentStates.Of(row.record.state));
  row.version += 1;
}

std::vector<ConsentRow> ConsentsOf(pqxx::work& tx, const std::string& trajectory_id,
                                   const std::string& organisation_id, const PageAfter& after,
                                   int limit) {
  const std::string after_key = after ? std::to_string(after->first) : "";
  const std::string after_id = after ? after->second : "";
  std::vector<ConsentRow> out;
  for (const auto& r : tx.exec_prepared("consents_of", trajectory_id, organisation_id,
                                        common::NullableText(after_key).get(),
                                        common::NullableText(after_id).get(), limit)) {
    out.push_back(ConsentOf(r));
  }
  return out;
}

std::vector<ConsentRow> ConsentsOfTrajectoryForUpdate(pqxx::work& tx,
                                                      const std::string& trajectory_id) {
  std::vector<ConsentRow> out;
  for (const auto& r : tx.exec_prepared("consents_of_trajectory_for_update", trajectory_id)) {
    out.push_back(ConsentOf(r));
  }
  return out;
}

void InsertOverride(pqxx::work& tx, const OverrideRow& row) {
  const auto& o = row.record;
  const std::string due =
      o.approval_due_at == Instant{} ? "" : std::to_string(EpochOf(o.approval_due_at));
  tx.exec_prepared("override_insert", o.id, row.trajectory_id, row.organisation_id,
                   kOverrideStates.Of(o.state), static_cast<int>(o.basis), o.acute_danger,
                   pqxx::binarystring(row.justification_sealed), o.recipient_organisation,
                   static_cast<int>(o.recipient_type), Categories(o.categories),
                   static_cast<int>(o.purpose), o.requested_by.user, EpochOf(o.requested_at),
                   EpochOf(o.expires_at), common::NullableText(due).get());
}

std::optional<OverrideRow> LoadOverride(pqxx::work& tx, const std::string& id, bool for_update) {
  const auto r = tx.exec_prepared(for_update ? "override_load_for_update" : "override_load", id);
  if (r.empty()) {
    return std::nullopt;
  }
  return OverrideOf(r[0]);
}

void UpdateOverride(pqxx::work& tx, OverrideRow& row) {
  tx.exec_prepared("override_update", row.record.id, kOverrideStates.Of(row.record.state),
                   common::NullableText(row.record.approved_by.user).get());
  row.version += 1;
}

std::vector<OverrideRow> OverridesOf(pqxx::work& tx, const std::string& trajectory_id,
                                     const std::string& organisation_id, const PageAfter& after,
                                     int limit, bool awaiting_approval) {
  const std::string after_key = after ? std::to_string(after->first) : "";
  const std::string after_id = after ? after->second : "";
  const std::string states =
      awaiting_approval ? kOverrideStates.CodesWhere(workflow::AwaitsApproval) : "";
  std::vector<OverrideRow> out;
  for (const auto& r :
       tx.exec_prepared("overrides_of", common::NullableText(trajectory_id).get(), organisation_id,
                        common::NullableText(after_key).get(), common::NullableText(after_id).get(),
                        limit, common::NullableText(states).get())) {
    out.push_back(OverrideOf(r));
  }
  return out;
}

DisclosureBasis DisclosureBasisOf(pqxx::transaction_base& tx, const std::string& trajectory_id) {
  DisclosureBasis basis;
  for (const auto& r : tx.exec_prepared("disclosure_basis", trajectory_id)) {
    if (r["kind"].as<int>() == 1) {
      auto& c = basis.consents.emplace_back();
      c.id = r["id"].as<std::string>();
      c.state = kConsentStates.From(r["state"].as<int>());
      c.recipient_organisation = r["recipient_organisation_id"].as<std::string>();
      c.recipient_type = static_cast<workflow::OrganisationType>(r["recipient_type"].as<int>());
      c.categories = CategoriesOf(r["categories"]);
      c.purpose = static_cast<workflow::Purpose>(r["purpose"].as<int>());
      c.valid_from = InstantOf(r["valid_from"]);
      c.valid_until = InstantOf(r["valid_until"]);
    } else {
      auto& o = basis.overrides.emplace_back();
      o.id = r["id"].as<std::string>();
      o.state = kOverrideStates.From(r["state"].as<int>());
      o.recipient_organisation = r["recipient_organisation_id"].as<std::string>();
      o.recipient_type = static_cast<workflow::OrganisationType>(r["recipient_type"].as<int>());
      o.categories = CategoriesOf(r["categories"]);
      o.purpose = static_cast<workflow::Purpose>(r["purpose"].as<int>());
      o.requested_at = InstantOf(r["valid_from"]);
      o.expires_at = InstantOf(r["valid_until"]);
      o.acute_danger = r["acute_danger"].as<bool>();
      o.approval_due_at = common::InstantOrZeroOf(r["approval_due_at"]);
    }
  }
  return basis;
}

void LockTrajectory(pqxx::work& tx, const std::string& trajectory_id) {
  tx.exec_prepared("trajectory_lock", trajectory_id);
}

std::string JustificationContext(const std::string& id) { return "overrides.justification/" + id; }

const std::vector<common::SealedColumn>& SealedColumns() {
  static const std::vector<common::SealedColumn> columns = {
      {"consent.overrides",
       "justification",
       {"id"},
       [](const std::vector<std::string>& k) { return JustificationContext(k[0]); }},
      common::RequestLogColumn("consent"),
  };
  return columns;
}

}  // namespace ketenregie::consent
