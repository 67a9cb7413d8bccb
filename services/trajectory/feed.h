#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "ketenregie/common/v1/common.pb.h"
#include "services/common/db_pool.h"
#include "services/common/outbox.h"
#include "services/common/peer.h"
#include "workflow/core.h"

namespace ketenregie::trajectory {

/// Another service's event feed (ListEvents).
class EventSource {
 public:
  virtual ~EventSource() = default;
  virtual grpc::Status List(const std::string& after_cursor, int max_events,
                            common::v1::ListEventsResponse& events) = 0;
};

/// Another service's feed over gRPC (its ListEvents), with this service's
/// certificate. `Service` is the generated service class (ShelterService,
/// HandoffService).
template <typename Service>
class ServiceEventSource final : public EventSource {
 public:
  ServiceEventSource(std::function<std::string()> resolve_address,
                     std::shared_ptr<grpc::ChannelCredentials> credentials, std::string actor)
      : channel_(std::move(resolve_address), std::move(credentials)), actor_(std::move(actor)) {}

  grpc::Status List(const std::string& after_cursor, int max_events,
                    common::v1::ListEventsResponse& events) override {
    return common::ListEventsOf<Service>(channel_, actor_, after_cursor, max_events, events);
  }

 private:
  common::PeerChannel channel_;
  std::string actor_;
};

/// Applies another service's events to trajectories: each becomes a
/// timeline entry; a requested task (three-month reminders, an unanswered
/// handoff) becomes a task for the trajectory's coordinator. One page per
/// transaction: the stored cursor of `source_name` is locked, the events
/// applied and the cursor moved, together — a consumer killed mid-page
/// applies nothing of it, and a second replica waits rather than applying
/// the same events.
class EventConsumer final {
 public:
  EventConsumer(common::DbPool& db, EventSource& source, std::string source_name,
                std::chrono::milliseconds db_timeout);
  /// Pulls and applies one page; returns how many events it applied.
  /// `fail_after` (tests only) throws after that many events, mid-page.
  int PullOnce(int max_events = 100, int fail_after = -1);

 private:
  common::DbPool& db_;
  EventSource& source_;
  std::string source_name_;
  std::chrono::milliseconds db_timeout_;
};

}  // namespace ketenregie::trajectory
