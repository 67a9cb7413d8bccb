#include "services/common/timers.h"

namespace ketenregie::common {
namespace {

long long EpochOf(workflow::Instant instant) { return instant.time_since_epoch().count(); }

}  // namespace

void PrepareTimers(pqxx::connection& connection, std::string_view schema,
                   std::string_view owner_column) {
  const std::string table = std::string(schema) + ".timers";
  const std::string owner(owner_column);
  connection.prepare("timer_insert", "INSERT INTO " + table + " (" + owner +
                                         ", kind, due_at) VALUES ($1::uuid, $2, to_timestamp($3))");
  connection.prepare("timers_cancel",
                     "UPDATE " + table + " SET cancelled_at = to_timestamp($3) WHERE " + owner +
                         " = $1::uuid AND fired_at IS NULL AND cancelled_at IS NULL AND ($2 = '' "
                         "OR starts_with(kind, $2 || '.'))");
  connection.prepare("timers_due",
                     "SELECT id, " + owner +
                         "::text AS owner, kind, extract(epoch from due_at)::bigint AS due_at "
                         "FROM " +
                         table +
                         " WHERE fired_at IS NULL AND cancelled_at IS NULL AND "
                         "due_at <= to_timestamp($1) ORDER BY timers.due_at, timers.id LIMIT $2");
  connection.prepare("timer_claim", "SELECT id FROM " + table +
                                        " WHERE id = $1 AND fired_at IS NULL AND cancelled_at IS "
                                        "NULL FOR UPDATE SKIP LOCKED");
  connection.prepare("timer_fired",
                     "UPDATE " + table + " SET fired_at = to_timestamp($2) WHERE id = $1");
}

void InsertTimer(pqxx::work& tx, const std::string& owner_id, const std::string& kind,
                 workflow::Instant due_at) {
  tx.exec_prepared("timer_insert", owner_id, kind, EpochOf(due_at));
}

void CancelTimers(pqxx::work& tx, const std::string& owner_id, workflow::Instant now,
                  const std::string& kind_prefix) {
  tx.exec_prepared("timers_cancel", owner_id, kind_prefix, EpochOf(now));
}

std::vector<DueTimer> DueTimers(pqxx::work& tx, workflow::Instant now, int limit) {
  std::vector<DueTimer> out;
  for (const auto& r : tx.exec_prepared("timers_due", EpochOf(now), limit)) {
    out.push_back({r["id"].as<long long>(), r["owner"].as<std::string>(),
                   r["kind"].as<std::string>(),
                   workflow::Instant{std::chrono::seconds{r["due_at"].as<long long>()}}});
  }
  return out;
}

bool ClaimTimer(pqxx::work& tx, long long timer_id) {
  return !tx.exec_prepared("timer_claim", timer_id).empty();
}

}  // namespace ketenregie::common
