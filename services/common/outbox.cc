#include "services/common/outbox.h"

#include <nlohmann/json.hpp>

#include "services/common/identity.h"
#include "services/common/mutation.h"
#include "services/common/status.h"

namespace ketenregie::common {

void PrepareOutbox(pqxx::connection& connection, std::string_view schema) {
  const std::string table = std::string(schema) + ".outbox";
  connection.prepare("outbox_append",
                     "INSERT INTO " + table +
                         " (event_type, trajectory_id, subject, attributes, occurred_at) VALUES "
                         "($1, NULLIF($2, '')::uuid, $3, $4::jsonb, to_timestamp($5))");
  // The columns are qualified with the table's name: a bare name in ORDER BY
  // resolves to an output column first, and `transaction_id::text` would
  // sort the feed as text ("1006" before "932").
  connection.prepare(
      "outbox_list",
      "SELECT o.sequence, o.event_type, coalesce(o.trajectory_id::text, '') AS trajectory_id, "
      "o.subject, o.attributes::text AS attributes, "
      "extract(epoch from o.occurred_at)::bigint AS occurred_at, o.transaction_id::text "
      "AS xid FROM " +
          table +
          " o WHERE o.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) AND "
          "(o.transaction_id, o.sequence) > ($1::xid8, $2::bigint) "
          "ORDER BY o.transaction_id, o.sequence LIMIT $3");
}

void AppendOutbox(pqxx::work& tx, std::string_view type, const std::string& trajectory_id,
                  const std::string& subject, const std::map<std::string, std::string>& attributes,
                  workflow::Instant at) {
  tx.exec_prepared("outbox_append", std::string(type), trajectory_id, subject,
                   nlohmann::json(attributes).dump(), at.time_since_epoch().count());
}

std::optional<FeedCursor> ParseFeedCursor(const std::string& cursor) {
  if (cursor.empty()) {
    return FeedCursor{};
  }
  const auto dot = cursor.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == cursor.size() ||
      cursor.find_first_not_of("0123456789.") != std::string::npos || dot > 20 ||
      cursor.size() - dot > 20) {
    return std::nullopt;
  }
  return FeedCursor{cursor.substr(0, dot), cursor.substr(dot + 1)};
}

ketenregie::common::v1::ListEventsResponse ListOutbox(pqxx::work& tx, const FeedCursor& after,
                                                      int limit) {
  ketenregie::common::v1::ListEventsResponse response;
  for (const auto& r : tx.exec_prepared("outbox_list", after.xid, after.sequence, limit)) {
    auto* event = response.add_events();
    event->set_sequence(r["sequence"].as<long long>());
    event->set_type(r["event_type"].as<std::string>());
    event->set_trajectory_id(r["trajectory_id"].as<std::string>());
    event->set_subject(r["subject"].as<std::string>());
    for (const auto& [key, value] : nlohmann::json::parse(r["attributes"].as<std::string>())
                                        .get<std::map<std::string, std::string>>()) {
      (*event->mutable_attributes())[key] = value;
    }
    event->mutable_occurred_at()->set_seconds(r["occurred_at"].as<long long>());
    event->set_cursor(r["xid"].as<std::string>() + "." + r["sequence"].as<std::string>());
  }
  return response;
}

void PrepareFeedCursors(pqxx::connection& connection, std::string_view schema) {
  const std::string table = std::string(schema) + ".feed_cursors";
  connection.prepare("feed_cursor_lock",
                     "SELECT cursor FROM " + table + " WHERE source = $1 FOR UPDATE");
  connection.prepare("feed_cursor_set", "UPDATE " + table + " SET cursor = $2 WHERE source = $1");
  const std::string applied = std::string(schema) + ".feed_applied";
  connection.prepare("feed_applied_find",
                     "SELECT 1 FROM " + applied + " WHERE source = $1 AND sequence = $2");
  connection.prepare("feed_applied_mark",
                     "INSERT INTO " + applied + " (source, sequence) VALUES ($1, $2)");
}

bool FeedEventApplied(pqxx::work& tx, const std::string& source, long long sequence) {
  return !tx.exec_prepared("feed_applied_find", source, sequence).empty();
}

void MarkFeedEventApplied(pqxx::work& tx, const std::string& source, long long sequence) {
  tx.exec_prepared("feed_applied_mark", source, sequence);
}

std::string LockFeedCursor(pqxx::work& tx, const std::string& source) {
  return tx.exec_prepared1("feed_cursor_lock", source)[0].as<std::string>();
}

void SetFeedCursor(pqxx::work& tx, const std::string& source, const std::string& cursor) {
  tx.exec_prepared("feed_cursor_set", source, cursor);
}

grpc::Status ServeEvents(const grpc::ServerContext& context, const AccessGate& gate, DbPool& db,
                         std::chrono::milliseconds db_timeout,
                         const ketenregie::common::v1::ListEventsRequest& request,
                         ketenregie::common::v1::ListEventsResponse& response) {
  Caller caller;
  if (auto denied = gate.Admit(context, request, caller, "ListEvents"); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(request);
  errors.Require(request.max_events() >= 0 && request.max_events() <= 1000, "max_events",
                 FieldReason::kOutOfRange, "0 to 1000");
  const std::optional<FeedCursor> after = ParseFeedCursor(request.after_cursor());
  errors.Require(after.has_value(), "after_cursor", FieldReason::kInvalidToken,
                 "not a cursor of this feed");
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return Read(db, db_timeout, [&](pqxx::work& tx) {
    response = ListOutbox(tx, *after, request.max_events() == 0 ? 100 : request.max_events());
    return grpc::Status::OK;
  });
}

}  // namespace ketenregie::common
