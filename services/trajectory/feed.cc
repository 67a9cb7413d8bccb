#include "services/trajectory/feed.h"

#include <grpcpp/client_context.h>

#include <stdexcept>

#include "services/common/ids.h"
#include "services/common/outbox.h"
#include "services/trajectory/storage.h"

namespace ketenregie::trajectory {

EventConsumer::EventConsumer(common::DbPool& db, EventSource& source, std::string source_name,
                             std::chrono::milliseconds db_timeout)
    : db_(db), source_(source), source_name_(std::move(source_name)), db_timeout_(db_timeout) {}

int EventConsumer::PullOnce(int max_events, int fail_after) {
  return common::RunTransaction(db_, db_timeout_, [&](pqxx::work& tx) {
    const std::string cursor = common::LockFeedCursor(tx, source_name_);
    common::v1::ListEventsResponse events;
    if (const grpc::Status status = source_.List(cursor, max_events, events); !status.ok()) {
      // Nothing applied, the cursor stays: the next pull tries again.
      return 0;
    }
    int applied = 0;
    for (const auto& event : events.events()) {
      if (applied == fail_after) {
        throw std::runtime_error("consumer stopped mid-page (test)");
      }
      const auto row = LoadTrajectory(tx, event.trajectory_id(), /*for_update=*/true);
      if (row) {
        std::map<std::string, std::string> attributes(event.attributes().begin(),
                                                      event.attributes().end());
        attributes["subject"] = event.subject();
        const workflow::Instant at{std::chrono::seconds{event.occurred_at().seconds()}};
        AppendTimeline(tx, {0, row->id, row->organisation_id, source_name_ + "-service", at,
                            event.type(), attributes});
        if (event.type() == "task.requested" && event.attributes().contains("task")) {
          InsertTask(
              tx, {common::NewUuid(), row->id, row->organisation_id, event.attributes().at("task"),
                   at, 1, row->flow.coordinator, std::nullopt, 1});
        }
      }
      ++applied;
    }
    if (!events.events().empty()) {
      common::SetFeedCursor(tx, source_name_, events.events(events.events_size() - 1).cursor());
    }
    return applied;
  });
}

}  // namespace ketenregie::trajectory
