#pragma once

/// The transactional outbox every service keeps (DESIGN.md §4): events are
/// written in the same transaction as the change and served by ListEvents.
/// The feed is read in (transaction id, sequence) order and only below the
/// oldest transaction still running, so a cursor never skips an event whose
/// transaction commits late.

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <chrono>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

#include "ketenregie/common/v1/common.pb.h"
#include "services/common/audit.h"
#include "services/common/db_pool.h"
#include "services/common/directory.h"
#include "services/common/peer.h"
#include "workflow/core.h"

namespace ketenregie::common {

/// Registers "outbox_append" and "outbox_list" for `schema` on a connection.
void PrepareOutbox(pqxx::connection& connection, std::string_view schema);

void AppendOutbox(pqxx::work& tx, std::string_view type, const std::string& trajectory_id,
                  const std::string& subject, const std::map<std::string, std::string>& attributes,
                  workflow::Instant at);

/// Where a feed's reader stands: after the event with this transaction id
/// and sequence ("0", "0": before the first).
struct FeedCursor {
  std::string xid = "0";
  std::string sequence = "0";
};

/// The cursor an event of this feed handed out (empty: from the start), or
/// nullopt for anything else.
std::optional<FeedCursor> ParseFeedCursor(const std::string& cursor);

/// Events after `after`, at most `limit`.
ketenregie::common::v1::ListEventsResponse ListOutbox(pqxx::work& tx, const FeedCursor& after,
                                                      int limit);

/// The whole ListEvents method every service serves: Ketenregie services
/// only (R-ACCESS-ROLE), max_events 0..1000 (0: 100), a cursor this feed made.
grpc::Status ServeEvents(const grpc::ServerContext& context, const AccessGate& gate, DbPool& db,
                         std::chrono::milliseconds db_timeout,
                         const ketenregie::common::v1::ListEventsRequest& request,
                         ketenregie::common::v1::ListEventsResponse& response);

/// Registers "feed_cursor_lock" and "feed_cursor_set" on `schema`.feed_cursors:
/// where this service is in each feed it follows (one row per source).
void PrepareFeedCursors(pqxx::connection& connection, std::string_view schema);

/// The stored cursor of `source`'s feed, locked until the transaction ends,
/// so a second replica waits instead of applying the same page.
std::string LockFeedCursor(pqxx::work& tx, const std::string& source);
void SetFeedCursor(pqxx::work& tx, const std::string& source, const std::string& cursor);

/// Whether event `sequence` of `source`'s feed took effect already (a feed
/// re-delivering an event, a cursor that moved back), and recording that it
/// takes effect in this transaction; on `schema`.feed_applied, registered by
/// PrepareFeedCursors. Asked under the cursor's lock.
bool FeedEventApplied(pqxx::work& tx, const std::string& source, long long sequence);
void MarkFeedEventApplied(pqxx::work& tx, const std::string& source, long long sequence);

/// One page of `Service`'s feed (its ListEvents) after `after_cursor`, asked
/// over `peer` as `actor`, with a deadline.
template <typename Service>
grpc::Status ListEventsOf(PeerChannel& peer, std::string_view actor,
                          const std::string& after_cursor, int max_events,
                          ketenregie::common::v1::ListEventsResponse& events) {
  const auto channel = peer.Get();
  if (channel == nullptr) {
    return {grpc::StatusCode::UNAVAILABLE, "service address unknown"};
  }
  grpc::ClientContext context;
  PreparePeerCall(context, actor);
  ketenregie::common::v1::ListEventsRequest request;
  request.set_after_cursor(after_cursor);
  request.set_max_events(max_events);
  return Service::NewStub(channel)->ListEvents(&context, request, &events);
}

/// Applies one page of another service's feed in one transaction with the
/// stored cursor of `source`, so each event takes effect exactly once
/// however often it is delivered: the cursor moves with the effects, and
/// every applied event is remembered by (source, sequence) in the same
/// transaction, so an event delivered again — whatever the cursor says — is
/// passed over (DESIGN.md §4). A second replica waits on the cursor row.
/// `list(after_cursor, max_events, events)` fetches the page; nothing is
/// applied when it fails. `apply(tx, event)` for each event in order; it
/// returns false to stop before that event (something it needs cannot be
/// asked now): the cursor then stays just before it, and the next pull
/// starts there. Returns how many events it passed (applied now or before).
template <typename List, typename Apply>
int FollowFeedWith(DbPool& db, std::chrono::milliseconds db_timeout, const std::string& source,
                   int max_events, List&& list, Apply&& apply) {
  return RunTransaction(db, db_timeout, [&](pqxx::work& tx) {
    ketenregie::common::v1::ListEventsResponse events;
    if (!list(LockFeedCursor(tx, source), max_events, events).ok()) {
      return 0;
    }
    int applied = 0;
    for (const auto& event : events.events()) {
      // One applied before is passed over, and the cursor moves past it.
      if (!FeedEventApplied(tx, source, event.sequence())) {
        if (!apply(tx, event)) {
          break;
        }
        MarkFeedEventApplied(tx, source, event.sequence());
      }
      ++applied;
    }
    if (applied > 0) {
      SetFeedCursor(tx, source, events.events(applied - 1).cursor());
    }
    return applied;
  });
}

/// FollowFeedWith over `Service`'s ListEvents through `peer`.
template <typename Service, typename Apply>
int FollowFeed(DbPool& db, std::chrono::milliseconds db_timeout, PeerChannel& peer,
               std::string_view actor, const std::string& source, int max_events, Apply&& apply) {
  return FollowFeedWith(
      db, db_timeout, source, max_events,
      [&](const std::string& cursor, int max, ketenregie::common::v1::ListEventsResponse& out) {
        return ListEventsOf<Service>(peer, actor, cursor, max, out);
      },
      std::forward<Apply>(apply));
}

}  // namespace ketenregie::common
