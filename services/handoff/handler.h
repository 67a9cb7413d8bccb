#pragma once

#include <chrono>

#include "ketenregie/handoff/v1/handoff.grpc.pb.h"
#include "services/common/audit.h"
#include "services/common/change.h"
#include "services/common/clock.h"
#include "services/common/crypto.h"
#include "services/common/db_pool.h"
#include "services/common/directory.h"
#include "services/common/identity.h"
#include "services/common/peer.h"
#include "services/common/trajectory_facts.h"
#include "workflow/handoff.h"

namespace ketenregie::handoff {

/// The handoff service: referrals to partners, the partner inbox, and
/// packets assembled at read time from what the consent service's decision
/// permits at that moment, every read on the audit trail in the same
/// transaction (or the read fails).
class HandoffHandler final : public v1::HandoffService::Service {
 public:
  /// The services a packet is assembled from: the decision from the consent
  /// service, the sections from the services that hold them.
  struct Peers {
    common::PeerChannel& consent;
    common::PeerChannel& trajectory;
    /// LOCATION and the placements of CARE_PLAN.
    common::PeerChannel& shelter;
    /// Whose trajectory it is and whether it is open, asked before a
    /// handoff is created or sent.
    common::TrajectoryFacts& trajectory_facts;
  };

  HandoffHandler(common::DbPool& db, const common::Directory& directory,
                 common::KeyringHolder& keys, const common::Clock& clock, Peers peers,
                 std::chrono::milliseconds db_timeout);

  grpc::Status CreateHandoff(grpc::ServerContext*, const v1::CreateHandoffRequest*,
                             v1::Handoff*) override;
  grpc::Status SendHandoff(grpc::ServerContext*, const v1::SendHandoffRequest*,
                           v1::Handoff*) override;
  grpc::Status RevokeHandoff(grpc::ServerContext*, const v1::RevokeHandoffRequest*,
                             v1::Handoff*) override;
  grpc::Status GetHandoff(grpc::ServerContext*, const v1::GetHandoffRequest*,
                          v1::Handoff*) override;
  grpc::Status ListHandoffs(grpc::ServerContext*, const v1::ListHandoffsRequest*,
                            v1::ListHandoffsResponse*) override;
  grpc::Status ListInbox(grpc::ServerContext*, const v1::ListInboxRequest*,
                         v1::ListInboxResponse*) override;
  grpc::Status ReadPacket(grpc::ServerContext*, const v1::ReadPacketRequest*, v1::Packet*) override;
  grpc::Status AcceptHandoff(grpc::ServerContext*, const v1::AcceptHandoffRequest*,
                             v1::Handoff*) override;
  grpc::Status DeclineHandoff(grpc::ServerContext*, const v1::DeclineHandoffRequest*,
                              v1::Handoff*) override;
  grpc::Status CompleteHandoff(grpc::ServerContext*, const v1::CompleteHandoffRequest*,
                               v1::Handoff*) override;
  grpc::Status GetCarePlan(grpc::ServerContext*, const v1::GetCarePlanRequest*,
                           v1::CarePlan*) override;
  grpc::Status ListEvents(grpc::ServerContext*, const common::v1::ListEventsRequest*,
                          common::v1::ListEventsResponse*) override;

  /// Fires due answer deadlines: an unanswered handoff expires and the
  /// coordinator is asked (through the event feed) to follow it up.
  int FireDueTimers(int limit);

  /// Applies the consent service's events: a withdrawal revokes the open
  /// handoffs of that trajectory to that recipient (R-WITHDRAWAL-IMMEDIATE).
  /// The cursor moves with the effects. Returns how many events it applied.
  int FollowConsentFeed(int max_events = 100);

  /// Applies the trajectory service's events: when a trajectory closes, its
  /// drafts and unanswered handoffs are revoked (R-CLOSE-REQUIRES) — the
  /// closing service checked for them, and this catches one sent in the
  /// moment between that check and the closing. Returns how many events it
  /// applied.
  int FollowTrajectoryFeed(int max_events = 100);

 private:
  /// The caller's organisation keeps the trajectory and it is open.
  grpc::Status CheckTrajectoryOpen(const std::string& trajectory_id, const common::Caller& caller);
  grpc::Status Change(const grpc::ServerContext& context, std::string_view method,
                      const google::protobuf::Message& request, const std::string& request_id,
                      const std::string& handoff_id, const std::string& etag, bool by_partner,
                      workflow::HandoffEvent event, const std::string& reason,
                      const std::string& assigned_office, v1::Handoff* response);

  common::DbPool& db_;
  const common::Directory& directory_;
  common::KeyringHolder& keys_;
  const common::Clock& clock_;
  Peers peers_;
  std::chrono::milliseconds db_timeout_;
  common::AccessGate gate_;
  common::Mutations mutations_;
};

}  // namespace ketenregie::handoff
