#include "services/trajectory/feed.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <stdexcept>

#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "services/common/ids.h"
#include "services/trajectory/storage.h"

namespace ketenregie::trajectory {

ShelterEventSource::ShelterEventSource(std::function<std::string()> resolve_address,
                                       std::shared_ptr<grpc::ChannelCredentials> credentials,
                                       std::string actor)
    : channel_(std::move(resolve_address), std::move(credentials)), actor_(std::move(actor)) {}

grpc::Status ShelterEventSource::List(const std::string& after_cursor, int max_events,
                                      common::v1::ListEventsResponse& events) {
  const std::shared_ptr<grpc::Channel> channel = channel_.Get();
  if (channel == nullptr) {
    return {grpc::StatusCode::UNAVAILABLE, "shelter service unknown"};
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  context.AddMetadata("x-actor", actor_);
  common::v1::ListEventsRequest request;
  request.set_after_cursor(after_cursor);
  request.set_max_events(max_events);
  return shelter::v1::ShelterService::NewStub(channel)->ListEvents(&context, request, &events);
}

ShelterEventConsumer::ShelterEventConsumer(common::DbPool& db, EventSource& source,
                                           std::chrono::milliseconds db_timeout)
    : db_(db), source_(source), db_timeout_(db_timeout) {}

int ShelterEventConsumer::PullOnce(int max_events, int fail_after) {
  return common::RunTransaction(db_, db_timeout_, [&](pqxx::work& tx) {
    const std::string cursor = LockFeedCursor(tx, "shelter");
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
        AppendTimeline(tx, {0, row->id, row->organisation_id, "shelter-service", at, event.type(),
                            attributes});
        if (event.type() == "task.requested" && event.attributes().contains("task")) {
          InsertTask(tx, {common::NewUuid(), row->id, row->organisation_id,
                          event.attributes().at("task"), at, 1, row->flow.coordinator,
                          std::nullopt, 1});
        }
      }
      ++applied;
    }
    if (!events.events().empty()) {
      SetFeedCursor(tx, "shelter", events.events(events.events_size() - 1).cursor());
    }
    return applied;
  });
}

}  // namespace ketenregie::trajectory
