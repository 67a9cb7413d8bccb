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
  int applied = 0;
  return common::FollowFeedWith(
      db_, db_timeout_, source_name_, max_events,
      [&](const std::string& cursor, int max, common::v1::ListEventsResponse& events) {
        // Nothing applied, the cursor stays: the next pull tries again.
        return source_.List(cursor, max, events);
      },
      [&](pqxx::work& tx, const common::v1::OutboxEvent& event) {
        if (applied++ == fail_after) {
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
            InsertTask(tx, {common::NewUuid(), row->id, row->organisation_id,
                            event.attributes().at("task"), at, workflow::TaskState::kOpen,
                            row->flow.coordinator, std::nullopt, 1});
          }
        }
        return true;
      });
}

}  // namespace ketenregie::trajectory
