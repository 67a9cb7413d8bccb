// What the handoff handler files share (support.h).

#include "services/handoff/support.h"

#include <grpcpp/client_context.h>

#include "ketenregie/consent/v1/consent.grpc.pb.h"
#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/actions.h"
#include "services/common/audit.h"
#include "services/common/identity.h"
#include "services/common/ids.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/paging.h"
#include "services/common/status.h"
#include "services/common/timers.h"
#include "services/common/validation.h"
#include "services/handoff/handler.h"
#include "services/handoff/storage.h"
#include "workflow/access.h"
#include "workflow/rules.h"

namespace ketenregie::handoff {

v1::HandoffState ProtoState(HandoffState s) {
  return static_cast<v1::HandoffState>(static_cast<int>(s) + 1);
}

common::v1::Purpose DisclosurePurpose(int proto_purpose) {
  return static_cast<common::v1::Purpose>(static_cast<int>(
      workflow::PurposeOf(static_cast<workflow::HandoffPurpose>(proto_purpose - 1))));
}

void Render(const HandoffRow& row, const common::Keyring& keyring, v1::Handoff* out,
            bool with_message) {
  out->set_id(row.flow.id);
  out->set_trajectory_id(row.trajectory_id);
  out->set_recipient_organisation_id(row.flow.recipient_organisation);
  out->set_purpose(static_cast<v1::HandoffPurpose>(row.purpose));
  out->set_consent_purpose(DisclosurePurpose(row.purpose));
  out->set_state(ProtoState(row.flow.state));
  if (with_message) {
    out->set_message(keyring.Open(row.message_sealed, MessageContext(row.flow.id)));
  }
  out->set_reason(row.flow.reason);
  out->set_assigned_office(row.assigned_office);
  if (row.sent_at != Instant{}) {
    *out->mutable_sent_at() = ToTimestamp(row.sent_at);
  }
  if (row.flow.answer_due_at != Instant{}) {
    *out->mutable_answer_due_at() = ToTimestamp(row.flow.answer_due_at);
  }
  out->mutable_created_by()->set_organisation_id(row.organisation_id);
  out->mutable_created_by()->set_user_id(row.created_by);
  out->set_etag(Etag(row.version));
}

// Carries out the handoff machine's actions in the caller's transaction.
void ApplyActions(pqxx::work& tx, const HandoffRow& row,
                  const std::vector<workflow::HandoffAction>& actions, Instant now) {
  using workflow::HandoffActionKind;
  common::CarryOut(tx, row.flow.id, actions, now, [&](const workflow::HandoffAction& action) {
    switch (action.kind) {
      case HandoffActionKind::kCreateTask:
        common::AppendOutbox(tx, "task.requested", row.trajectory_id, "handoffs/" + row.flow.id,
                             {{"task", action.what}}, now);
        return;
      case HandoffActionKind::kNotifyRecipient:
        // The partner's inbox is the notification; the event records it.
        return;
      case HandoffActionKind::kScheduleDeadline:
      case HandoffActionKind::kCancelTimers:
        return;  // timers: kept by CarryOut
    }
  });
}

// This service's user in the directory, on every call it makes.

// The context of every call this service makes (common::PreparePeerCall).
std::unique_ptr<grpc::ClientContext> ServiceContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  common::PreparePeerCall(*context, kActor);
  return context;
}

// The coordinator's organisation made it; the partner's organisation is
// its recipient and it reached them (workflow::ReachedRecipient).
bool OfSender(const HandoffRow& row, const Caller& caller) {
  return !workflow::CheckOwnTrajectory(caller.identity.organisation_id, row.organisation_id);
}
bool ForRecipient(const HandoffRow& row, const Caller& caller) {
  return row.flow.recipient_organisation == caller.identity.organisation_id &&
         workflow::ReachedRecipient(row.flow.state);
}

// Takes back a handoff the person's withdrawal or the trajectory's closing
// ended; the coordinator's timeline follows through the feed.
void Revoke(pqxx::work& tx, HandoffRow& row, const std::string& reason, Instant now) {
  const auto revoked = workflow::ApplyHandoff(row.flow, {HandoffEvent::kRevoke, reason}, now);
  if (!revoked.ok()) {
    return;  // already ended
  }
  row.flow = revoked.value().next;
  UpdateHandoff(tx, row);
  ApplyActions(tx, row, revoked.value().actions, now);
  common::AppendOutbox(tx, "handoff.revoked", row.trajectory_id, "handoffs/" + row.flow.id,
                       {{"recipient", row.flow.recipient_organisation}, {"reason", reason}}, now);
}

}  // namespace ketenregie::handoff
