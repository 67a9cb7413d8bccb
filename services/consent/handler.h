#pragma once

#include <chrono>

#include "ketenregie/consent/v1/consent.grpc.pb.h"
#include "services/common/audit.h"
#include "services/common/change.h"
#include "services/common/clock.h"
#include "services/common/crypto.h"
#include "services/common/db_pool.h"
#include "services/common/directory.h"
#include "services/common/peer.h"
#include "services/common/trajectory_facts.h"
#include "workflow/consent.h"

namespace ketenregie::consent {

/// The consent service: consent records, legal-basis overrides and the
/// disclosure decision. Every rule is the workflow library's
/// (workflow/consent.h, workflow/disclosure.h); the server, never the
/// client, decides who may approve an override.
class ConsentHandler final : public v1::ConsentService::Service {
 public:
  ConsentHandler(common::DbPool& db, const common::Directory& directory,
                 common::KeyringHolder& keys, const common::Clock& clock,
                 common::TrajectoryFacts& facts, std::chrono::milliseconds db_timeout);

  grpc::Status ProposeConsent(grpc::ServerContext*, const v1::ProposeConsentRequest*,
                              v1::Consent*) override;
  grpc::Status GrantConsent(grpc::ServerContext*, const v1::GrantConsentRequest*,
                            v1::Consent*) override;
  grpc::Status RefuseConsent(grpc::ServerContext*, const v1::RefuseConsentRequest*,
                             v1::Consent*) override;
  grpc::Status WithdrawConsent(grpc::ServerContext*, const v1::WithdrawConsentRequest*,
                               v1::Consent*) override;
  grpc::Status GetConsent(grpc::ServerContext*, const v1::GetConsentRequest*,
                          v1::Consent*) override;
  grpc::Status ListConsents(grpc::ServerContext*, const v1::ListConsentsRequest*,
                            v1::ListConsentsResponse*) override;
  grpc::Status RequestOverride(grpc::ServerContext*, const v1::RequestOverrideRequest*,
                               v1::Override*) override;
  grpc::Status ApproveOverride(grpc::ServerContext*, const v1::ApproveOverrideRequest*,
                               v1::Override*) override;
  grpc::Status RejectOverride(grpc::ServerContext*, const v1::RejectOverrideRequest*,
                              v1::Override*) override;
  grpc::Status RevokeOverride(grpc::ServerContext*, const v1::RevokeOverrideRequest*,
                              v1::Override*) override;
  grpc::Status GetOverride(grpc::ServerContext*, const v1::GetOverrideRequest*,
                           v1::Override*) override;
  grpc::Status ListOverrides(grpc::ServerContext*, const v1::ListOverridesRequest*,
                             v1::ListOverridesResponse*) override;
  /// Follows the trajectory feed: a person no longer treated as a minor
  /// ("trajectory.adult") has every consent a guardian granted or proposed
  /// for her expired (R-CONSENT-GUARDIAN). Returns the events passed.
  int FollowTrajectoryFeed(common::PeerChannel& trajectory, int max_events = 100);

  /// Fires due timers, each with its effect in one transaction (any number
  /// of replicas): a granted consent expires at its end; an acute override
  /// not approved within 72 hours lapses (its handoffs revoked); an override
  /// expires. Returns how many fired.
  int FireDueTimers(int limit);

  grpc::Status CheckDisclosure(grpc::ServerContext*, const v1::CheckDisclosureRequest*,
                               v1::DisclosureDecision*) override;
  grpc::Status ListEvents(grpc::ServerContext*, const common::v1::ListEventsRequest*,
                          common::v1::ListEventsResponse*) override;

 private:
  grpc::Status ChangeConsent(const grpc::ServerContext& context, std::string_view method,
                             const google::protobuf::Message& request,
                             const std::string& request_id, const std::string& consent_id,
                             const std::string& etag, workflow::ConsentEvent event,
                             v1::Consent* response);
  grpc::Status ChangeOverride(const grpc::ServerContext& context, std::string_view method,
                              const google::protobuf::Message& request,
                              const std::string& request_id, const std::string& override_id,
                              const std::string& etag, workflow::OverrideEvent event,
                              v1::Override* response, const std::string& reason = "");

  common::DbPool& db_;
  const common::Directory& directory_;
  common::KeyringHolder& keys_;
  const common::Clock& clock_;
  common::TrajectoryFacts& facts_;
  std::chrono::milliseconds db_timeout_;
  common::AccessGate gate_;
  common::Mutations mutations_;
};

}  // namespace ketenregie::consent
