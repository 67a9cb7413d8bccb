#pragma once

/// What the handoff service's handler files share (private to the
/// service): rendering, the executor of the handoff machine's actions,
/// sender and recipient, and the calls for a packet's sections.

#include <grpcpp/client_context.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "ketenregie/handoff/v1/handoff.pb.h"
#include "services/common/crypto.h"
#include "services/common/identity.h"
#include "services/common/peer.h"
#include "services/common/status.h"
#include "services/common/validation.h"
#include "services/handoff/storage.h"
#include "workflow/access.h"
#include "workflow/handoff.h"

namespace ketenregie::handoff {

using common::Caller;
using common::CheckEnum;
using common::CheckEtag;
using common::CheckId;
using common::CheckLength;
using common::CheckOptionalId;
using common::CheckRequestId;
using common::CheckTime;
using common::Etag;
using common::FieldErrors;
using common::FieldReason;
using common::InvalidArgument;
using common::ToTimestamp;
using workflow::HandoffEvent;
using workflow::HandoffState;
using workflow::Instant;
using workflow::Operation;

inline constexpr std::string_view kActor = "handoff-service";

v1::HandoffState ProtoState(HandoffState s);

common::v1::Purpose DisclosurePurpose(int proto_purpose);

/// The handoff as the API answers it; its message (sealed) only
/// `with_message`.
void Render(const HandoffRow& row, const common::Keyring& keyring, v1::Handoff* out,
            bool with_message = true);

// Carries out the handoff machine's actions in the caller's transaction.
void ApplyActions(pqxx::work& tx, const HandoffRow& row,
                  const std::vector<workflow::HandoffAction>& actions, Instant now);

// The context of every call this service makes (common::PreparePeerCall).
std::unique_ptr<grpc::ClientContext> ServiceContext();

// The coordinator's organisation made it; the partner's organisation is
// its recipient and it reached them (workflow::ReachedRecipient).
bool OfSender(const HandoffRow& row, const Caller& caller);

bool ForRecipient(const HandoffRow& row, const Caller& caller);

// Takes back a handoff the person's withdrawal or the trajectory's closing
// ended; the coordinator's timeline follows through the feed.
void Revoke(pqxx::work& tx, HandoffRow& row, const std::string& reason, Instant now);

// Adds the sections `service` holds of the asked categories to `into`.
// Nothing asked: no call. The service unknown or failing: UNAVAILABLE, and
// the packet is not sent at all (never one with silently missing sections).
template <typename Service>
grpc::Status FetchSections(common::PeerChannel& peer,
                           const common::v1::GetDisclosureSectionsRequest& request,
                           common::v1::DisclosureSections& into) {
  if (request.categories().empty()) {
    return grpc::Status::OK;
  }
  const auto channel = peer.Get();
  const std::string name(Service::service_full_name());
  if (channel == nullptr) {
    return common::PeerUnavailable(name, "nothing is shared");
  }
  common::v1::DisclosureSections sections;
  if (auto failed = common::FromPeer(Service::NewStub(channel)->GetDisclosureSections(
                                         ServiceContext().get(), request, &sections),
                                     name, "nothing is shared");
      !failed.ok()) {
    return failed;
  }
  for (auto& section : *sections.mutable_sections()) {
    *into.add_sections() = std::move(section);
  }
  return grpc::Status::OK;
}

}  // namespace ketenregie::handoff
