#include "services/handoff/handler.h"

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
#include "services/handoff/storage.h"
#include "workflow/rules.h"

namespace ketenregie::handoff {
namespace {

using common::Caller;
using common::CheckEtag;
using common::CheckId;
using common::CheckRequestId;
using common::Etag;
using common::FirstError;
using common::InvalidArgument;
using common::ToTimestamp;
using workflow::HandoffEvent;
using workflow::HandoffState;
using workflow::Instant;
using workflow::Operation;

v1::HandoffState ProtoState(HandoffState s) {
  return static_cast<v1::HandoffState>(static_cast<int>(s) + 1);
}

common::v1::Purpose DisclosurePurpose(int proto_purpose) {
  return static_cast<common::v1::Purpose>(static_cast<int>(
      workflow::PurposeOf(static_cast<workflow::HandoffPurpose>(proto_purpose - 1))));
}

void Render(const HandoffRow& row, const common::Keyring& keyring, v1::Handoff* out) {
  out->set_id(row.flow.id);
  out->set_trajectory_id(row.trajectory_id);
  out->set_recipient_organisation_id(row.flow.recipient_organisation);
  out->set_purpose(static_cast<v1::HandoffPurpose>(row.purpose));
  out->set_consent_purpose(DisclosurePurpose(row.purpose));
  out->set_state(ProtoState(row.flow.state));
  out->set_message(keyring.Open(row.message_sealed, MessageContext(row.flow.id)));
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
constexpr std::string_view kActor = "handoff-service";

// The context of every call this service makes (common::PreparePeerCall).
std::unique_ptr<grpc::ClientContext> ServiceContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  common::PreparePeerCall(*context, kActor);
  return context;
}

// The coordinator's organisation made it; the partner's organisation is
// its recipient and it reached them (workflow::ReachedRecipient).
bool OfSender(const HandoffRow& row, const Caller& caller) {
  return row.organisation_id == caller.identity.organisation_id;
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

}  // namespace

HandoffHandler::HandoffHandler(common::DbPool& db, const common::Directory& directory,
                               common::KeyringHolder& keys, const common::Clock& clock, Peers peers,
                               std::chrono::milliseconds db_timeout)
    : db_(db),
      directory_(directory),
      keys_(keys),
      clock_(clock),
      peers_(peers),
      db_timeout_(db_timeout),
      gate_(directory_, db_, db_timeout_, clock_, v1::HandoffService::service_full_name()),
      mutations_{db_, db_timeout_, keys_, clock_, gate_} {}

grpc::Status HandoffHandler::CreateHandoff(grpc::ServerContext* context,
                                           const v1::CreateHandoffRequest* request,
                                           v1::Handoff* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = FirstError({CheckRequestId(request->request_id()),
                                 CheckId("trajectory_id", request->trajectory_id())});
      !invalid.ok()) {
    return invalid;
  }
  if (directory_.FindOrganisation(request->recipient_organisation_id()) == nullptr) {
    return InvalidArgument("recipient_organisation_id", "an organisation of the chain");
  }
  if (request->purpose() == v1::HANDOFF_PURPOSE_UNSPECIFIED ||
      !v1::HandoffPurpose_IsValid(request->purpose())) {
    return InvalidArgument("purpose",
                           "care referral, legal aid, shelter request, police, "
                           "municipality or child protection");
  }
  if (request->message().size() > 10'000) {
    return InvalidArgument("message", "at most 10000 bytes");
  }
  return common::Mutate(
      db_, db_timeout_, caller, "CreateHandoff", *request, request->request_id(), response, keys_,
      [&](pqxx::work& tx, v1::Handoff* out) -> grpc::Status {
        // Inside: a retry gets its first answer whatever the
        // trajectory is now. No row is locked yet.
        if (auto refused = CheckTrajectoryOpen(request->trajectory_id(), caller); !refused.ok()) {
          return refused;
        }
        const auto keyring = keys_.Get();
        HandoffRow row;
        row.flow.id = common::NewUuid();
        row.flow.recipient_organisation = request->recipient_organisation_id();
        row.trajectory_id = request->trajectory_id();
        row.organisation_id = caller.identity.organisation_id;
        row.purpose = request->purpose();
        row.message_sealed = keyring->Seal(request->message(), MessageContext(row.flow.id));
        row.created_by = caller.identity.actor;
        row.created_at = clock_.Now();
        InsertHandoff(tx, row);
        Render(row, *keyring, out);
        return grpc::Status::OK;
      });
}

grpc::Status HandoffHandler::CheckTrajectoryOpen(const std::string& trajectory_id,
                                                 const Caller& caller) {
  workflow::PersonFacts facts;
  if (auto unknown = common::GetOwnTrajectoryFacts(peers_.trajectory_facts, trajectory_id,
                                                   caller.identity.organisation_id, facts);
      !unknown.ok()) {
    return unknown;
  }
  if (auto closed = workflow::CheckTrajectoryOpenForHandoff(facts.trajectory_open)) {
    return common::RuleRefusal(*closed);
  }
  return grpc::Status::OK;
}

// One change of a handoff in progress.
struct HandoffChange {
  pqxx::work& tx;
  const Caller& caller;
  HandoffRow row;
  Instant now;
  std::vector<workflow::HandoffAction> actions;
};

// The handoffs' side of the one mutation path (common::Change). A handoff
// is changed by its sender's organisation or, once it reached them, by its
// recipient's (`by_partner`).
struct HandoffAdapter {
  using Response = v1::Handoff;
  using Work = HandoffChange;
  static constexpr std::string_view kResource = "handoff";
  const common::KeyringHolder& keys;
  bool by_partner;
  // Asked before the row is locked, never while holding it (sending): a
  // closing in between is caught by the trajectory feed.
  std::function<grpc::Status(const HandoffRow& draft)> before_lock;

  grpc::Status Open(pqxx::work& tx, const Caller& caller, const std::string& id, Instant now,
                    std::optional<Work>& work) const {
    if (before_lock) {
      const auto draft = LoadHandoff(tx, id, /*for_update=*/false);
      if (draft && OfSender(*draft, caller)) {
        if (auto refused = before_lock(*draft); !refused.ok()) {
          return refused;
        }
      }
    }
    auto row = LoadHandoff(tx, id, /*for_update=*/true);
    if (row && (by_partner ? ForRecipient(*row, caller) : OfSender(*row, caller))) {
      work.emplace(Work{tx, caller, std::move(*row), now, {}});
    }
    return grpc::Status::OK;
  }
  static std::string TrajectoryOf(const Work& c) { return c.row.trajectory_id; }
  static long long Version(const Work& c) { return c.row.version; }
  static void Save(Work& c) {
    UpdateHandoff(c.tx, c.row);
    ApplyActions(c.tx, c.row, c.actions, c.now);
    // The coordinator's timeline and tasks follow this feed.
    common::AppendOutbox(
        c.tx, "handoff." + std::string(workflow::ToString(c.row.flow.state)), c.row.trajectory_id,
        "handoffs/" + c.row.flow.id,
        {{"recipient", c.row.flow.recipient_organisation},
         {"purpose", v1::HandoffPurpose_Name(static_cast<v1::HandoffPurpose>(c.row.purpose))}},
        c.now);
  }
  void Render(const Work& c, Response* out) const { handoff::Render(c.row, *keys.Get(), out); }
};

grpc::Status HandoffHandler::Change(const grpc::ServerContext& context, std::string_view method,
                                    const google::protobuf::Message& request,
                                    const std::string& request_id, const std::string& handoff_id,
                                    const std::string& etag, bool by_partner, HandoffEvent event,
                                    const std::string& reason, const std::string& assigned_office,
                                    v1::Handoff* response) {
  Caller caller;
  if (auto denied = gate_.Admit(context, request, caller, method); !denied.ok()) {
    return denied;
  }
  if (reason.size() > 1000) {
    return InvalidArgument("reason", "at most 1000 bytes");
  }
  if (assigned_office.size() > 200) {
    return InvalidArgument("assigned_office", "at most 200 bytes");
  }
  HandoffAdapter adapter{keys_, by_partner, nullptr};
  if (event == HandoffEvent::kSend) {
    adapter.before_lock = [&](const HandoffRow& draft) {
      return CheckTrajectoryOpen(draft.trajectory_id, caller);
    };
  }
  return common::Change(
      mutations_, caller, method, request, {"handoff_id", handoff_id, etag, request_id}, response,
      adapter, [&](HandoffChange& c) -> grpc::Status {
        const auto changed = workflow::ApplyHandoff(c.row.flow, {event, reason}, c.now);
        if (!changed.ok()) {
          return common::RuleRefusal(changed.violation());
        }
        c.row.flow = changed.value().next;
        c.actions = changed.value().actions;
        if (event == HandoffEvent::kSend) {
          c.row.sent_at = c.now;
        }
        if (event == HandoffEvent::kAccept) {
          c.row.assigned_office = assigned_office;
        }
        return grpc::Status::OK;
      });
}

grpc::Status HandoffHandler::SendHandoff(grpc::ServerContext* c, const v1::SendHandoffRequest* r,
                                         v1::Handoff* out) {
  return Change(*c, "SendHandoff", *r, r->request_id(), r->handoff_id(), r->etag(), false,
                HandoffEvent::kSend, "", "", out);
}

grpc::Status HandoffHandler::RevokeHandoff(grpc::ServerContext* c,
                                           const v1::RevokeHandoffRequest* r, v1::Handoff* out) {
  return Change(*c, "RevokeHandoff", *r, r->request_id(), r->handoff_id(), r->etag(), false,
                HandoffEvent::kRevoke, r->reason(), "", out);
}

grpc::Status HandoffHandler::AcceptHandoff(grpc::ServerContext* c,
                                           const v1::AcceptHandoffRequest* r, v1::Handoff* out) {
  return Change(*c, "AcceptHandoff", *r, r->request_id(), r->handoff_id(), r->etag(), true,
                HandoffEvent::kAccept, "", r->assigned_office(), out);
}

grpc::Status HandoffHandler::DeclineHandoff(grpc::ServerContext* c,
                                            const v1::DeclineHandoffRequest* r, v1::Handoff* out) {
  return Change(*c, "DeclineHandoff", *r, r->request_id(), r->handoff_id(), r->etag(), true,
                HandoffEvent::kDecline, r->reason(), "", out);
}

grpc::Status HandoffHandler::CompleteHandoff(grpc::ServerContext* c,
                                             const v1::CompleteHandoffRequest* r,
                                             v1::Handoff* out) {
  return Change(*c, "CompleteHandoff", *r, r->request_id(), r->handoff_id(), r->etag(), true,
                HandoffEvent::kComplete, "", "", out);
}

grpc::Status HandoffHandler::GetHandoff(grpc::ServerContext* context,
                                        const v1::GetHandoffRequest* request,
                                        v1::Handoff* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckId("id", request->id()); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto row = LoadHandoff(tx, request->id(), false);
    const bool sender = row && OfSender(*row, caller) &&
                        !workflow::CheckAccess(caller.principal, Operation::kSendHandoff);
    const bool recipient = row && ForRecipient(*row, caller) &&
                           !workflow::CheckAccess(caller.principal, Operation::kAnswerHandoff);
    if (!sender && !recipient) {
      return common::NotFound("handoff");
    }
    Render(*row, *keys_.Get(), response);
    return grpc::Status::OK;
  });
}

grpc::Status HandoffHandler::ListHandoffs(grpc::ServerContext* context,
                                          const v1::ListHandoffsRequest* request,
                                          v1::ListHandoffsResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckId("trajectory_id", request->trajectory_id()); !invalid.ok()) {
    return invalid;
  }
  common::PageQuery page;
  if (auto invalid = common::ParsePage(request->page(), page); !invalid.ok()) {
    return invalid;
  }
  // Let in as a service (every handoff) or as a coordinator (her own
  // organisation's).
  const bool service = !workflow::CheckAccess(caller.principal, Operation::kReadEvents);
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto keyring = keys_.Get();
    for (const auto& row : HandoffsOfTrajectory(tx, request->trajectory_id())) {
      if (service || row.organisation_id == caller.identity.organisation_id) {
        Render(row, *keyring, response->add_handoffs());
      }
    }
    return grpc::Status::OK;
  });
}

grpc::Status HandoffHandler::ListInbox(grpc::ServerContext* context,
                                       const v1::ListInboxRequest* request,
                                       v1::ListInboxResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, "ListInbox"); !denied.ok()) {
    return denied;
  }
  common::PageQuery page;
  if (auto invalid = common::ParsePage(request->page(), page); !invalid.ok()) {
    return invalid;
  }
  if (!v1::HandoffState_IsValid(request->state())) {
    return InvalidArgument("state", "unknown value");
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto keyring = keys_.Get();
    common::FillPage(
        Inbox(tx, caller.identity.organisation_id,
              request->state() == v1::HANDOFF_STATE_UNSPECIFIED
                  ? std::nullopt
                  : std::optional(static_cast<workflow::HandoffState>(request->state() - 1)),
              page.after, page.size + 1),
        page.size, [&](const HandoffRow& row) { Render(row, *keyring, response->add_handoffs()); },
        [](const HandoffRow& row) {
          return std::pair{row.created_at.time_since_epoch().count(), row.flow.id};
        },
        response->mutable_next_page_token());
    return grpc::Status::OK;
  });
}

grpc::Status HandoffHandler::ReadPacket(grpc::ServerContext* context,
                                        const v1::ReadPacketRequest* request,
                                        v1::Packet* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, "ReadPacket"); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckId("handoff_id", request->handoff_id()); !invalid.ok()) {
    return invalid;
  }
  // Which handoff, to whom, for what.
  std::optional<HandoffRow> handoff;
  if (auto status = common::Read(db_, db_timeout_,
                                 [&](pqxx::work& tx) {
                                   handoff = LoadHandoff(tx, request->handoff_id(), false);
                                   return grpc::Status::OK;
                                 });
      !status.ok()) {
    return status;
  }
  if (!handoff || !ForRecipient(*handoff, caller)) {
    return common::NotFound("handoff");
  }
  auto readable = [&](const HandoffRow& row) -> grpc::Status {
    if (workflow::IsPacketReadable(row.flow.state)) {
      return grpc::Status::OK;
    }
    return common::Forbidden({workflow::rules::kWithdrawalImmediate,
                              "handoff " + std::string(workflow::ToString(row.flow.state)) +
                                  (row.flow.reason.empty() ? "" : ": " + row.flow.reason)});
  };
  if (auto closed = readable(*handoff); !closed.ok()) {
    return gate_.Refuse(caller, handoff->trajectory_id, "ReadPacket", closed);
  }

  // The decision now, then only the permitted sections, each from the
  // service that holds it.
  const auto consent_channel = peers_.consent.Get();
  if (consent_channel == nullptr) {
    return common::PeerUnavailable("consent service", "nothing is shared");
  }
  consent::v1::CheckDisclosureRequest check;
  check.set_trajectory_id(handoff->trajectory_id);
  check.set_recipient_organisation_id(caller.identity.organisation_id);
  check.set_purpose(DisclosurePurpose(handoff->purpose));
  for (int c = 1; c <= 9; ++c) {
    check.add_categories(static_cast<common::v1::DataCategory>(c));
  }
  consent::v1::DisclosureDecision decision;
  if (auto failed =
          common::FromPeer(consent::v1::ConsentService::NewStub(consent_channel)
                               ->CheckDisclosure(ServiceContext().get(), check, &decision),
                           "consent service", "no disclosure decision, nothing is shared");
      !failed.ok()) {
    return failed;
  }
  common::v1::GetDisclosureSectionsRequest from_trajectory;
  common::v1::GetDisclosureSectionsRequest from_shelter;
  from_trajectory.set_trajectory_id(handoff->trajectory_id);
  from_shelter.set_trajectory_id(handoff->trajectory_id);
  std::set<workflow::DataCategory> shared;
  std::string bases;
  for (const auto& d : decision.decisions()) {
    if (d.permitted()) {
      from_trajectory.add_categories(d.category());
      if (d.category() == common::v1::DATA_CATEGORY_LOCATION ||
          d.category() == common::v1::DATA_CATEGORY_CARE_PLAN) {
        from_shelter.add_categories(d.category());
      }
      shared.insert(static_cast<workflow::DataCategory>(d.category()));
      bases += (bases.empty() ? "" : ",") + d.basis_id();
    }
  }
  from_trajectory.set_basis_id(bases);
  from_shelter.set_basis_id(bases);
  common::v1::DisclosureSections sections;
  if (auto fetched = FetchSections<trajectory::v1::TrajectoryService>(peers_.trajectory,
                                                                      from_trajectory, sections);
      !fetched.ok()) {
    return fetched;
  }
  if (auto fetched =
          FetchSections<shelter::v1::ShelterService>(peers_.shelter, from_shelter, sections);
      !fetched.ok()) {
    return fetched;
  }

  // The disclosure goes on the audit trail in the same transaction as the
  // last look at the handoff; if either fails, no data leaves.
  const grpc::Status recorded = common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto now_row = LoadHandoff(tx, request->handoff_id(), false);
    if (auto closed = readable(*now_row); !closed.ok()) {
      return closed;
    }
    common::AuditRecord record;
    record.occurred_at = clock_.Now();
    record.organisation_id = caller.identity.organisation_id;
    record.actor = caller.identity.actor;
    record.trajectory_id = handoff->trajectory_id;
    record.action = common::AuditAction::kDisclosure;
    record.categories = shared;
    record.basis_id = bases;
    record.decision =
        shared.empty() ? common::AuditDecision::kDenied : common::AuditDecision::kPermitted;
    record.method = "ReadPacket";
    common::AppendAudit(tx, record);
    return grpc::Status::OK;
  });
  if (!recorded.ok()) {
    // Withdrawn while the packet was assembled: refused, and on the trail.
    return gate_.Checked(caller, *request, "ReadPacket", recorded, handoff->trajectory_id);
  }
  response->set_handoff_id(handoff->flow.id);
  response->set_message(
      keys_.Get()->Open(handoff->message_sealed, MessageContext(handoff->flow.id)));
  for (const auto& d : decision.decisions()) {
    auto* section = response->add_sections();
    section->set_category(d.category());
    section->set_shared(d.permitted());
    if (!d.permitted()) {
      section->set_withheld_reason("not shared: " + d.denial_reason());
      continue;
    }
    section->set_basis_id(d.basis_id());
    bool held = false;
    for (const auto& s : sections.sections()) {
      if (s.category() == d.category()) {
        section->mutable_fields()->insert(s.fields().begin(), s.fields().end());
        held = true;
      }
    }
    if (!held) {
      section->set_withheld_reason("permitted, but nothing of it is on record");
    }
  }
  *response->mutable_assembled_at() = ToTimestamp(clock_.Now());
  return grpc::Status::OK;
}

grpc::Status HandoffHandler::GetCarePlan(grpc::ServerContext* context,
                                         const v1::GetCarePlanRequest* request,
                                         v1::CarePlan* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckId("trajectory_id", request->trajectory_id()); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto keyring = keys_.Get();
    response->set_trajectory_id(request->trajectory_id());
    for (const auto& row : HandoffsOfTrajectory(tx, request->trajectory_id())) {
      if (row.organisation_id == caller.identity.organisation_id &&
          workflow::IsInCarePlan(row.flow.state)) {
        Render(row, *keyring, response->add_items());
      }
    }
    return grpc::Status::OK;
  });
}

grpc::Status HandoffHandler::ListEvents(grpc::ServerContext* context,
                                        const common::v1::ListEventsRequest* request,
                                        common::v1::ListEventsResponse* response) {
  return common::ServeEvents(*context, gate_, db_, db_timeout_, *request, *response);
}

int HandoffHandler::FireDueTimers(int limit) {
  const Instant now = clock_.Now();
  return common::FireTimers(
      db_, db_timeout_, now, limit, [&](pqxx::work& tx, const common::DueTimer& timer) {
        auto row = LoadHandoff(tx, timer.owner_id, /*for_update=*/true);
        if (!row || !common::ClaimTimer(tx, timer.id)) {
          return false;
        }
        const auto expired = workflow::ApplyHandoff(row->flow, {HandoffEvent::kExpire, ""}, now);
        if (expired.ok()) {
          row->flow = expired.value().next;
          UpdateHandoff(tx, *row);
          common::AppendOutbox(tx, "handoff.expired", row->trajectory_id,
                               "handoffs/" + row->flow.id,
                               {{"recipient", row->flow.recipient_organisation}}, now);
          ApplyActions(tx, *row, expired.value().actions, now);
        }
        return true;
      });
}

int HandoffHandler::FollowConsentFeed(int max_events) {
  return common::FollowFeed<consent::v1::ConsentService>(
      db_, db_timeout_, peers_.consent, kActor, "consent", max_events,
      [&](pqxx::work& tx, const common::v1::OutboxEvent& event) {
        if (event.type() != "consent.withdrawn" || !event.attributes().contains("recipient")) {
          return true;
        }
        for (auto& row :
             HandoffsTo(tx, event.trajectory_id(), event.attributes().at("recipient"))) {
          if (workflow::IsRevokedOnWithdrawal(row.flow.state)) {
            Revoke(tx, row, "consent withdrawn", clock_.Now());
          }
        }
        return true;
      });
}

int HandoffHandler::FollowTrajectoryFeed(int max_events) {
  return common::FollowFeed<trajectory::v1::TrajectoryService>(
      db_, db_timeout_, peers_.trajectory, kActor, "trajectory", max_events,
      [&](pqxx::work& tx, const common::v1::OutboxEvent& event) {
        if (event.type() != "trajectory.closed") {
          return true;
        }
        // Applied late, after a reopening: what the trajectory holds now
        // belongs to it open, and stays.
        workflow::PersonFacts now;
        const grpc::Status asked = peers_.trajectory_facts.Get(event.trajectory_id(), now);
        if (!asked.ok() && asked.error_code() != grpc::StatusCode::NOT_FOUND) {
          return false;  // ask again on the next pull
        }
        if (asked.ok() && now.trajectory_open) {
          return true;
        }
        for (auto& row : HandoffsOfTrajectory(tx, event.trajectory_id(), /*for_update=*/true)) {
          if (workflow::IsRevokedOnClosure(row.flow.state)) {
            Revoke(tx, row, "trajectory closed", clock_.Now());
          }
        }
        return true;
      });
}

}  // namespace ketenregie::handoff
