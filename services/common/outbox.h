#pragma once

/// The transactional outbox every service keeps (DESIGN.md §4): events are
/// written in the same transaction as the change and served by ListEvents.
/// The feed is read in (transaction id, sequence) order and only below the
/// oldest transaction still running, so a cursor never skips an event whose
/// transaction commits late.

#include <grpcpp/server_context.h>

#include <chrono>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

#include "ketenregie/common/v1/common.pb.h"
#include "services/common/db_pool.h"
#include "services/common/directory.h"
#include "workflow/core.h"

namespace ketenregie::common {

/// Registers "outbox_append" and "outbox_list" for `schema` on a connection.
void PrepareOutbox(pqxx::connection& connection, std::string_view schema);

void AppendOutbox(pqxx::work& tx, std::string_view type, const std::string& trajectory_id,
                  const std::string& subject, const std::map<std::string, std::string>& attributes,
                  workflow::Instant at);

/// Events after `cursor` (empty: from the start), at most `limit`. Returns
/// nullopt for a cursor this feed did not hand out.
std::optional<ketenregie::common::v1::ListEventsResponse> ListOutbox(pqxx::work& tx,
                                                                     const std::string& cursor,
                                                                     int limit);

/// The whole ListEvents method every service serves: Ketenregie services
/// only (R-ACCESS-ROLE), max_events 0..1000 (0: 100), a cursor this feed made.
grpc::Status ServeEvents(const grpc::ServerContext& context, const Directory& directory, DbPool& db,
                         std::chrono::milliseconds db_timeout,
                         const ketenregie::common::v1::ListEventsRequest& request,
                         ketenregie::common::v1::ListEventsResponse& response);

}  // namespace ketenregie::common
