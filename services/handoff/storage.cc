#include "services/handoff/storage.h"

#include "services/common/audit.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/storage.h"
#include "services/common/timers.h"

namespace ketenregie::handoff {
namespace {

using common::EpochOf;
using common::Sql;

using workflow::Instant;

// Every column a reader takes is named (AS), and read by that name.
constexpr const char* kColumns =
    "id::text AS id, trajectory_id::text AS trajectory_id, organisation_id, "
    "recipient_organisation_id, purpose, state, message, reason, assigned_office, "
    "extract(epoch from sent_at)::bigint AS sent_at, "
    "extract(epoch from answer_due_at)::bigint AS answer_due_at, created_by, "
    "extract(epoch from created_at)::bigint AS created_at, version";

HandoffRow RowOf(const pqxx::row& r) {
  HandoffRow row;
  row.flow.id = r["id"].as<std::string>();
  row.trajectory_id = r["trajectory_id"].as<std::string>();
  row.organisation_id = r["organisation_id"].as<std::string>();
  row.flow.recipient_organisation = r["recipient_organisation_id"].as<std::string>();
  row.purpose = r["purpose"].as<int>();
  row.flow.state = kHandoffStates.From(r["state"].as<int>());
  row.message_sealed = pqxx::binarystring(r["message"]).str();
  row.flow.reason = r["reason"].as<std::string>();
  row.assigned_office = r["assigned_office"].as<std::string>();
  row.sent_at = common::InstantOrZeroOf(r["sent_at"]);
  row.flow.answer_due_at = common::InstantOrZeroOf(r["answer_due_at"]);
  row.created_by = r["created_by"].as<std::string>();
  row.created_at = common::InstantOf(r["created_at"]);
  row.version = r["version"].as<long long>();
  return row;
}

}  // namespace

void Prepare(pqxx::connection& c) {
  common::PrepareRequestLog(c, "handoff");
  common::PrepareOutbox(c, "handoff");
  common::PrepareAudit(c);
  c.prepare("handoff_insert",
            "INSERT INTO handoff.handoffs (id, trajectory_id, organisation_id, "
            "recipient_organisation_id, purpose, state, message, created_by, created_at) VALUES "
            "($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, to_timestamp($9))");
  c.prepare("handoff_load", Sql("SELECT ", kColumns, " FROM handoff.handoffs WHERE id = $1::uuid"));
  c.prepare("handoff_load_for_update",
            Sql("SELECT ", kColumns, " FROM handoff.handoffs WHERE id = $1::uuid FOR UPDATE"));
  c.prepare("handoff_update",
            "UPDATE handoff.handoffs SET state = $2, reason = $3, assigned_office = $4, "
            "sent_at = to_timestamp($5), answer_due_at = to_timestamp($6), version = version + 1 "
            "WHERE id = $1::uuid");
  c.prepare(
      "handoffs_of",
      Sql("SELECT ", kColumns,
          " FROM handoff.handoffs WHERE trajectory_id = $1::uuid ORDER BY handoffs.created_at, "
          "handoffs.id"));
  c.prepare(
      "handoffs_of_for_update",
      Sql("SELECT ", kColumns,
          " FROM handoff.handoffs WHERE trajectory_id = $1::uuid ORDER BY handoffs.created_at, "
          "handoffs.id FOR UPDATE"));
  // A trajectory's handoffs, newest first, a page at a time.
  c.prepare("handoffs_page",
            Sql("SELECT ", kColumns,
                " FROM handoff.handoffs WHERE trajectory_id = $1::uuid AND "
                "($2::bigint IS NULL OR (created_at, id) < (to_timestamp($2), $3::uuid)) "
                "ORDER BY handoffs.created_at DESC, handoffs.id DESC LIMIT $4"));
  // A partner's inbox: what reached it (drafts never do,
  // workflow::ReachedRecipient), newest first.
  c.prepare("inbox",
            Sql("SELECT ", kColumns,
                " FROM handoff.handoffs WHERE recipient_organisation_id = $1 AND "
                "state = ANY($6::smallint[]) AND ($2::smallint IS NULL OR state = $2) AND "
                "($3::bigint IS NULL OR (created_at, id) < "
                "(to_timestamp($3), $4::uuid)) ORDER BY handoffs.created_at DESC, handoffs.id DESC "
                "LIMIT $5"));
  common::PrepareTimers(c, "handoff", "handoff_id");
  common::PrepareFeedCursors(c, "handoff");
  common::PrepareReencryption(c, SealedColumns());
}

void InsertHandoff(pqxx::work& tx, const HandoffRow& r) {
  tx.exec_prepared("handoff_insert", r.flow.id, r.trajectory_id, r.organisation_id,
                   r.flow.recipient_organisation, r.purpose, kHandoffStates.Of(r.flow.state),
                   pqxx::binarystring(r.message_sealed), r.created_by, EpochOf(r.created_at));
}

std::optional<HandoffRow> LoadHandoff(pqxx::work& tx, const std::string& id, bool for_update) {
  const auto r = tx.exec_prepared(for_update ? "handoff_load_for_update" : "handoff_load", id);
  if (r.empty()) {
    return std::nullopt;
  }
  return RowOf(r[0]);
}

void UpdateHandoff(pqxx::work& tx, HandoffRow& r) {
  tx.exec_prepared("handoff_update", r.flow.id, kHandoffStates.Of(r.flow.state), r.flow.reason,
                   r.assigned_office, common::NullableEpoch(r.sent_at).get(),
                   common::NullableEpoch(r.flow.answer_due_at).get());
  r.version += 1;
}

std::vector<HandoffRow> HandoffsOfTrajectory(pqxx::work& tx, const std::string& trajectory_id,
                                             bool for_update) {
  std::vector<HandoffRow> out;
  for (const auto& r :
       tx.exec_prepared(for_update ? "handoffs_of_for_update" : "handoffs_of", trajectory_id)) {
    out.push_back(RowOf(r));
  }
  return out;
}

std::vector<HandoffRow> HandoffsPage(pqxx::work& tx, const std::string& trajectory_id,
                                     const std::optional<std::pair<long long, std::string>>& after,
                                     int limit) {
  const common::Nullable key =
      after ? common::Nullable{std::to_string(after->first)} : common::Nullable{};
  const common::Nullable id = after ? common::Nullable{after->second} : common::Nullable{};
  std::vector<HandoffRow> out;
  for (const auto& r :
       tx.exec_prepared("handoffs_page", trajectory_id, key.get(), id.get(), limit)) {
    out.push_back(RowOf(r));
  }
  return out;
}

std::vector<HandoffRow> Inbox(pqxx::work& tx, const std::string& recipient,
                              std::optional<workflow::HandoffState> state,
                              const std::optional<std::pair<long long, std::string>>& after,
                              int limit) {
  const common::Nullable key =
      after ? common::Nullable{std::to_string(after->first)} : common::Nullable{};
  const common::Nullable id = after ? common::Nullable{after->second} : common::Nullable{};
  std::vector<HandoffRow> out;
  const common::Nullable code =
      state ? common::Nullable{std::to_string(kHandoffStates.Of(*state))} : common::Nullable{};
  // What reached the recipient (drafts never do): workflow's rule.
  static const std::string reached = kHandoffStates.CodesWhere(workflow::ReachedRecipient);
  for (const auto& r :
       tx.exec_prepared("inbox", recipient, code.get(), key.get(), id.get(), limit, reached)) {
    out.push_back(RowOf(r));
  }
  return out;
}

std::string MessageContext(const std::string& id) { return "handoffs.message/" + id; }

const std::vector<common::SealedColumn>& SealedColumns() {
  static const std::vector<common::SealedColumn> columns = {
      {"handoff.handoffs",
       "message",
       {"id"},
       [](const std::vector<std::string>& k) { return MessageContext(k[0]); }},
      common::RequestLogColumn("handoff"),
  };
  return columns;
}

}  // namespace ketenregie::handoff
