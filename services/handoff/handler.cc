// HandoffHandler: handoffs from draft to answer, the inbox, the feed, and the
// background work (answer timers, the consent and trajectory feeds).

#include "services/handoff/handler.h"

#include <google/protobuf/util/field_mask_util.h>
#include <grpcpp/client_context.h>

#include <algorithm>

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
#include "services/handoff/support.h"
#include "workflow/rules.h"

namespace ketenregie::handoff {

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
  FieldErrors errors(*request);
  CheckRequestId(errors, request->request_id());
  CheckId(errors, "trajectory_id", request->trajectory_id());
  errors.Require(directory_.FindOrganisation(request->recipient_organisation_id()).has_value(),
                 "recipient_organisation_id",
                 request->recipient_organisation_id().empty() ? FieldReason::kRequired
                                                              : FieldReason::kUnknownOrganisation,
                 "an organisation of the chain");
  CheckEnum(errors, "purpose", request->purpose(), v1::HandoffPurpose_IsValid, true,
            "care referral, legal aid, shelter request, police, municipality or child protection");
  CheckLength(errors, "message", request->message(), 10'000);
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::Mutate(
      db_, db_timeout_, caller, "CreateHandoff", *request, errors, request->request_id(), response,
      keys_, [&](pqxx::work& tx, v1::Handoff* out) -> grpc::Status {
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
  FieldErrors errors(request);
  CheckLength(errors, "reason", reason, 1000);
  CheckLength(errors, "assigned_office", assigned_office, 200);
  HandoffAdapter adapter{keys_, by_partner, nullptr};
  if (event == HandoffEvent::kSend) {
    adapter.before_lock = [&](const HandoffRow& draft) {
      return CheckTrajectoryOpen(draft.trajectory_id, caller);
    };
  }
  return common::Change(
      mutations_, caller, method, request, {"handoff_id", handoff_id, etag, request_id},
      std::move(errors), response, adapter, [&](HandoffChange& c) -> grpc::Status {
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
  if (auto refused = gate_.AdmitNaming(*context, *request, caller, __func__, "id", request->id());
      !refused.ok()) {
    return refused;
  }
  return common::ReadInto(db_, db_timeout_, *response, [&](pqxx::work& tx) {
    const auto row = LoadHandoff(tx, request->id(), false);
    const bool sender = row && OfSender(*row, caller) &&
                        !workflow::CheckAccess(caller.principal, Operation::kSendHandoff);
    const bool recipient = row && ForRecipient(*row, caller) &&
                           !workflow::CheckAccess(caller.principal, Operation::kAnswerHandoff);
    if (!sender && !recipient) {
      return common::NotFound("handoff");
    }
    Render(*row, *keys_.Get(), response);
    // Its message is of her care plan: the read is on her trail.
    common::AuditRead(tx, caller, row->trajectory_id, {workflow::DataCategory::kCarePlan},
                      "GetHandoff", clock_.Now());
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
  FieldErrors errors(*request);
  CheckId(errors, "trajectory_id", request->trajectory_id());
  common::PageQuery page;
  common::ParsePage(errors, request->page(), page);
  // AIP-157: only the fields asked for; those that say nothing about her
  // (workflow::IsPersonalHandoffField) are no read of her data.
  const google::protobuf::FieldMask& mask = request->read_mask();
  errors.Require(mask.paths().empty() ||
                     google::protobuf::util::FieldMaskUtil::IsValidFieldMask<v1::Handoff>(mask),
                 "read_mask", FieldReason::kUnknownValue, "fields of Handoff");
  const bool message = mask.paths().empty() || std::find(mask.paths().begin(), mask.paths().end(),
                                                         "message") != mask.paths().end();
  const bool personal =
      mask.paths().empty() ||
      std::any_of(mask.paths().begin(), mask.paths().end(),
                  [](const std::string& path) { return workflow::IsPersonalHandoffField(path); });
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  // Let in as a service (every handoff) or as a coordinator of the
  // organisation that keeps the trajectory; another's, or none: NOT_FOUND,
  // as if it did not exist (never an empty list, nor a page token).
  const bool service = !workflow::CheckAccess(caller.principal, Operation::kReadEvents);
  if (!service) {
    workflow::PersonFacts kept;
    if (auto unknown =
            common::GetOwnTrajectoryFacts(peers_.trajectory_facts, request->trajectory_id(),
                                          caller.identity.organisation_id, kept);
        !unknown.ok()) {
      return unknown;
    }
  }
  return common::ReadInto(db_, db_timeout_, *response, [&](pqxx::work& tx) {
    const auto keyring = keys_.Get();
    common::FillPage(
        HandoffsPage(tx, request->trajectory_id(), page.after, page.size + 1), page.size,
        [&](const HandoffRow& row) {
          if (service ||
              !workflow::CheckOwnTrajectory(caller.identity.organisation_id, row.organisation_id)) {
            v1::Handoff* out = response->add_handoffs();
            Render(row, *keyring, out, message);
            if (!mask.paths().empty()) {
              google::protobuf::util::FieldMaskUtil::TrimMessage(mask, out);
            }
          }
        },
        [](const HandoffRow& row) {
          return std::pair{row.created_at.time_since_epoch().count(), row.flow.id};
        },
        response->mutable_next_page_token());
    // Her handoffs and their messages are her care plan: the read is on
    // her trail, unless only fields that say nothing about her were asked.
    if (personal && response->handoffs_size() > 0) {
      common::AuditRead(tx, caller, request->trajectory_id(), {workflow::DataCategory::kCarePlan},
                        "ListHandoffs", clock_.Now());
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
  FieldErrors errors(*request);
  common::PageQuery page;
  common::ParsePage(errors, request->page(), page);
  CheckEnum(errors, "state", request->state(), v1::HandoffState_IsValid, false);
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::ReadInto(db_, db_timeout_, *response, [&](pqxx::work& tx) {
    const auto keyring = keys_.Get();
    // Each handoff's message is written about her: a read on the trail of
    // each trajectory the page shows.
    std::vector<common::AuditedRead> reads;
    common::FillPage(
        Inbox(tx, caller.identity.organisation_id,
              request->state() == v1::HANDOFF_STATE_UNSPECIFIED
                  ? std::nullopt
                  : std::optional(static_cast<workflow::HandoffState>(request->state() - 1)),
              page.after, page.size + 1),
        page.size,
        [&](const HandoffRow& row) {
          if (std::none_of(reads.begin(), reads.end(), [&](const common::AuditedRead& read) {
                return read.trajectory_id == row.trajectory_id;
              })) {
            reads.push_back({row.trajectory_id, {workflow::DataCategory::kCarePlan}});
          }
          Render(row, *keyring, response->add_handoffs());
        },
        [](const HandoffRow& row) {
          return std::pair{row.created_at.time_since_epoch().count(), row.flow.id};
        },
        response->mutable_next_page_token());
    if (!reads.empty()) {
      common::AuditReads(tx, caller, reads, "ListInbox", clock_.Now());
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

namespace {

// Whether `row` goes to `recipient`: an organisation, or "type:<TYPE>" (a
// type-wide consent: every organisation of that type in the directory).
bool RevokedWith(const common::Directory& directory, const HandoffRow& row,
                 const std::string& recipient) {
  constexpr std::string_view kTypePrefix = "type:";
  if (recipient.rfind(kTypePrefix, 0) != 0) {
    return row.flow.recipient_organisation == recipient;
  }
  const auto organisation = directory.FindOrganisation(row.flow.recipient_organisation);
  return organisation.has_value() &&
         workflow::ToString(organisation->type) == recipient.substr(kTypePrefix.size());
}

}  // namespace

int HandoffHandler::FollowConsentFeed(int max_events) {
  return common::FollowFeed<consent::v1::ConsentService>(
      db_, db_timeout_, peers_.consent, kActor, "consent", max_events,
      [&](pqxx::work& tx, const common::v1::OutboxEvent& event) {
        // The consent and override machines' "revoke handoffs" action
        // (a withdrawal; an override rejected, lapsed, expired or revoked);
        // "consent.withdrawn" also, as events written before that action
        // was carried out say it.
        const bool revoke = event.type() == "handoffs.revoke";
        if ((!revoke && event.type() != "consent.withdrawn") ||
            !event.attributes().contains("recipient")) {
          return true;
        }
        const std::string& recipient = event.attributes().at("recipient");
        if (!directory_.Current()) {
          // A type-wide recipient ("type:LEGAL_AID") is decided on the
          // directory: without a current copy, the event waits for the next
          // pull rather than pass revoking nothing.
          return false;
        }
        // The partner is told why, in words: "consent.withdrawn" → "consent withdrawn".
        std::string reason = revoke && event.attributes().contains("reason")
                                 ? event.attributes().at("reason")
                                 : "consent withdrawn";
        std::replace_if(
            reason.begin(), reason.end(), [](char ch) { return ch == '.' || ch == '_'; }, ' ');
        for (auto& row : HandoffsOfTrajectory(tx, event.trajectory_id(), /*for_update=*/true)) {
          if (RevokedWith(directory_, row, recipient) &&
              workflow::IsRevokedOnWithdrawal(row.flow.state)) {
            Revoke(tx, row, reason, clock_.Now());
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
