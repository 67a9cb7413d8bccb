#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "ketenregie/common/v1/common.pb.h"
#include "services/common/db_pool.h"
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

/// The shelter service's feed over gRPC, with this service's certificate.
class ShelterEventSource final : public EventSource {
 public:
  ShelterEventSource(std::function<std::string()> resolve_address,
                     std::shared_ptr<grpc::ChannelCredentials> credentials, std::string actor);
  grpc::Status List(const std::string& after_cursor, int max_events,
                    common::v1::ListEventsResponse& events) override;

 private:
  common::PeerChannel channel_;
  std::string actor_;
};

/// Applies the shelter's events to trajectories: each becomes a timeline
/// entry; a requested task (three-month reminders, overdue) becomes a task
/// for the trajectory's coordinator. One page per transaction: the stored
/// cursor is locked, the events applied and the cursor moved, together —
/// a consumer killed mid-page applies nothing of it, and a second replica
/// waits rather than applying the same events.
class ShelterEventConsumer final {
 public:
  ShelterEventConsumer(common::DbPool& db, EventSource& source,
                       std::chrono::milliseconds db_timeout);
  /// Pulls and applies one page; returns how many events it applied.
  /// `fail_after` (tests only) throws after that many events, mid-page.
  int PullOnce(int max_events = 100, int fail_after = -1);

 private:
  common::DbPool& db_;
  EventSource& source_;
  std::chrono::milliseconds db_timeout_;
};

}  // namespace ketenregie::trajectory
