// ConsentHandler: overrides on a legal basis, the disclosure decision, the
// feed and the trajectory feed it follows.

#include "services/consent/handler.h"

#include <google/protobuf/util/field_mask_util.h>

#include <algorithm>

#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/audit.h"
#include "services/common/identity.h"
#include "services/common/ids.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/paging.h"
#include "services/common/status.h"
#include "services/common/timers.h"
#include "services/common/validation.h"
#include "services/consent/storage.h"
#include "services/consent/support.h"
#include "workflow/access.h"
#include "workflow/disclosure.h"
#include "workflow/rules.h"

namespace ketenregie::consent {

ConsentHandler::ConsentHandler(common::DbPool& db, const common::Directory& directory,
                               common::KeyringHolder& keys, const common::Clock& clock,
                               common::TrajectoryFacts& facts, std::chrono::milliseconds db_timeout)
    : db_(db),
      directory_(directory),
      keys_(keys),
      clock_(clock),
      facts_(facts),
      db_timeout_(db_timeout),
      gate_(directory_, db_, db_timeout_, clock_, v1::ConsentService::service_full_name()),
      mutations_{db_, db_timeout_, keys_, clock_, gate_} {}

namespace {

// The overrides' side of the one mutation path.
struct OverrideAdapter {
  using Response = v1::Override;
  using Work = OverrideChange;
  static constexpr std::string_view kResource = "override";
  const common::KeyringHolder& keys;

  static grpc::Status Open(pqxx::work& tx, const Caller& caller, const std::string& id, Instant now,
                           std::optional<Work>& work) {
    OpenRecord<OverrideRow>(tx, caller, id, now, LoadOverride, work);
    return grpc::Status::OK;
  }
  static std::string TrajectoryOf(const Work& c) { return c.row.trajectory_id; }
  static long long Version(const Work& c) { return c.row.version; }
  static void Save(Work& c) {
    UpdateOverride(c.tx, c.row);
    CarryOutConsentActions(c.tx, c.row.trajectory_id, c.row.record.id, "overrides", c.actions,
                           c.now);
    common::AppendOutbox(c.tx, "override." + std::string(workflow::ToString(c.row.record.state)),
                         c.row.trajectory_id, "overrides/" + c.row.record.id,
                         EventAttributes(c.row.record.recipient_organisation,
                                         workflow::ToString(c.row.record.state)),
                         c.now);
  }
  void Render(const Work& c, Response* out) const { consent::Render(c.row, *keys.Get(), out); }
};

}  // namespace

grpc::Status ConsentHandler::RequestOverride(grpc::ServerContext* context,
                                             const v1::RequestOverrideRequest* request,
                                             v1::Override* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  const auto& in = request->override();
  FieldErrors errors(*request);
  CheckRequestId(errors, request->request_id());
  CheckId(errors, "override.trajectory_id", in.trajectory_id());
  workflow::OverrideRecord o;
  ReadCategories(errors, "override.categories", in.categories(), o.categories);
  CheckEnum(errors, "override.basis", in.basis(), v1::LegalBasis_IsValid, true,
            "child protection, vital interest or legal obligation");
  CheckLength(errors, "override.justification", in.justification(), 4000, /*required=*/true);
  const auto recipient = directory_.FindOrganisation(in.recipient_organisation_id());
  errors.Require(recipient.has_value(), "override.recipient_organisation_id",
                 in.recipient_organisation_id().empty() ? FieldReason::kRequired
                                                        : FieldReason::kUnknownOrganisation,
                 "an organisation of the chain");
  CheckEnum(errors, "override.purpose", in.purpose(), common::v1::Purpose_IsValid, false);
  if (errors.Require(in.has_expires_at(), "override.expires_at", FieldReason::kRequired,
                     "a time between 1970 and 2100")) {
    CheckTime(errors, "override.expires_at", in.expires_at());
  }
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::Mutate(
      db_, db_timeout_, caller, "RequestOverride", *request, errors, request->request_id(),
      response, keys_, [&](pqxx::work& tx, v1::Override* out) -> grpc::Status {
        workflow::PersonFacts person;
        if (auto unknown = common::GetOwnTrajectoryFacts(facts_, in.trajectory_id(),
                                                         caller.identity.organisation_id, person);
            !unknown.ok()) {
          return unknown;
        }
        const Instant now = clock_.Now();
        o.id = common::NewUuid();
        o.basis = static_cast<workflow::LegalBasis>(in.basis());
        o.acute_danger = in.acute_danger();
        o.justification = in.justification();
        o.recipient_organisation = recipient->id;
        o.recipient_type = recipient->type;
        o.purpose = static_cast<workflow::Purpose>(in.purpose());
        o.requested_by = {caller.identity.organisation_id, caller.identity.actor};
        o.expires_at = ToInstant(in.expires_at());
        const auto requested = workflow::RequestOverride(o, person.age, now);
        if (!requested.ok()) {
          return common::RuleRefusal(requested.violation());
        }
        OverrideRow row{requested.value().next, in.trajectory_id(), caller.identity.organisation_id,
                        "", 1};
        const auto keyring = keys_.Get();
        row.justification_sealed = keyring->Seal(o.justification, JustificationContext(o.id));
        LockTrajectory(tx, row.trajectory_id);
        InsertOverride(tx, row);
        common::AppendOutbox(
            tx, "override.requested", row.trajectory_id, "overrides/" + o.id,
            EventAttributes(o.recipient_organisation, workflow::ToString(row.record.state)), now);
        CarryOutConsentActions(tx, row.trajectory_id, o.id, "overrides", requested.value().actions,
                               now);
        Render(row, *keyring, out);
        return grpc::Status::OK;
      });
}

grpc::Status ConsentHandler::ChangeOverride(const grpc::ServerContext& context,
                                            std::string_view method,
                                            const google::protobuf::Message& request,
                                            const std::string& request_id,
                                            const std::string& override_id, const std::string& etag,
                                            workflow::OverrideEvent event, v1::Override* response,
                                            const std::string& reason) {
  Caller caller;
  if (auto denied = gate_.Admit(context, request, caller, method); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(request);
  CheckLength(errors, "reason", reason, 1000);
  OverrideAdapter adapter{keys_};
  return common::Change(mutations_, caller, method, request,
                        {"override_id", override_id, etag, request_id}, std::move(errors), response,
                        adapter, [&](OverrideChange& c) -> grpc::Status {
                          // The approver is the authenticated caller: R-OVERRIDE-FOUR-EYES is
                          // decided on the certificate and the directory, never on a field.
                          const auto changed = workflow::ApplyOverride(
                              c.row.record, event,
                              {c.caller.identity.organisation_id, c.caller.identity.actor}, c.now);
                          if (!changed.ok()) {
                            return changed.violation().rule == workflow::rules::kOverrideFourEyes
                                       ? common::Forbidden(changed.violation())
                                       : common::RuleRefusal(changed.violation());
                          }
                          c.row.record = changed.value().next;
                          c.actions = changed.value().actions;
                          return grpc::Status::OK;
                        });
}

grpc::Status ConsentHandler::ApproveOverride(grpc::ServerContext* context,
                                             const v1::ApproveOverrideRequest* request,
                                             v1::Override* response) {
  return ChangeOverride(*context, "ApproveOverride", *request, request->request_id(),
                        request->override_id(), request->etag(), workflow::OverrideEvent::kApprove,
                        response);
}

grpc::Status ConsentHandler::RejectOverride(grpc::ServerContext* context,
                                            const v1::RejectOverrideRequest* request,
                                            v1::Override* response) {
  return ChangeOverride(*context, "RejectOverride", *request, request->request_id(),
                        request->override_id(), request->etag(), workflow::OverrideEvent::kReject,
                        response);
}

grpc::Status ConsentHandler::RevokeOverride(grpc::ServerContext* context,
                                            const v1::RevokeOverrideRequest* request,
                                            v1::Override* response) {
  return ChangeOverride(*context, "RevokeOverride", *request, request->request_id(),
                        request->override_id(), request->etag(), workflow::OverrideEvent::kRevoke,
                        response, request->reason());
}

grpc::Status ConsentHandler::GetOverride(grpc::ServerContext* context,
                                         const v1::GetOverrideRequest* request,
                                         v1::Override* response) {
  Caller caller;
  if (auto refused = gate_.AdmitNaming(*context, *request, caller, __func__, "id", request->id());
      !refused.ok()) {
    return refused;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto row = LoadOverride(tx, request->id(), false);
    if (!row ||
        workflow::CheckOwnTrajectory(caller.identity.organisation_id, row->organisation_id)) {
      return common::NotFound("override");
    }
    // Its justification is written about her: the read is on her trail.
    common::AuditRead(tx, caller, row->trajectory_id, {}, "GetOverride", clock_.Now());
    Render(*row, *keys_.Get(), response);
    return grpc::Status::OK;
  });
}

grpc::Status ConsentHandler::ListOverrides(grpc::ServerContext* context,
                                           const v1::ListOverridesRequest* request,
                                           v1::ListOverridesResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  // "-": every trajectory of her organisation (AIP-159).
  const bool every_trajectory = request->trajectory_id() == "-";
  if (!every_trajectory) {
    CheckId(errors, "trajectory_id", request->trajectory_id());
  }
  common::PageQuery page;
  common::ParsePage(errors, request->page(), page);
  // AIP-157: only the fields asked for. Without the justification nothing
  // written about her is read (a caseload that only flags).
  const google::protobuf::FieldMask& mask = request->read_mask();
  errors.Require(mask.paths().empty() ||
                     google::protobuf::util::FieldMaskUtil::IsValidFieldMask<v1::Override>(mask),
                 "read_mask", FieldReason::kUnknownValue, "fields of Override");
  const bool justification =
      mask.paths().empty() ||
      std::find(mask.paths().begin(), mask.paths().end(), "justification") != mask.paths().end();
  // On her trail unless only fields that say nothing about her are asked.
  const bool personal =
      mask.paths().empty() ||
      std::any_of(mask.paths().begin(), mask.paths().end(),
                  [](const std::string& path) { return workflow::IsPersonalOverrideField(path); });
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::ReadInto(db_, db_timeout_, *response, [&](pqxx::work& tx) {
    const auto keyring = keys_.Get();
    // Each override's justification is written about her: one record on
    // the trail per trajectory the page shows (the approval queue shows
    // several).
    std::vector<common::AuditedRead> reads;
    common::FillPage(
        OverridesOf(tx, every_trajectory ? "" : request->trajectory_id(),
                    caller.identity.organisation_id, page.after, page.size + 1,
                    request->awaiting_approval()),
        page.size,
        [&](const OverrideRow& row) {
          if (personal &&
              std::none_of(reads.begin(), reads.end(), [&](const common::AuditedRead& read) {
                return read.trajectory_id == row.trajectory_id;
              })) {
            reads.push_back({row.trajectory_id, {}});
          }
          v1::Override* out = response->add_overrides();
          Render(row, *keyring, out, justification);
          if (!mask.paths().empty()) {
            google::protobuf::util::FieldMaskUtil::TrimMessage(mask, out);
          }
        },
        [](const OverrideRow& row) {
          return std::pair{row.record.requested_at.time_since_epoch().count(), row.record.id};
        },
        response->mutable_next_page_token());
    if (!reads.empty()) {
      common::AuditReads(tx, caller, reads, "ListOverrides", clock_.Now());
    }
    return grpc::Status::OK;
  });
}

grpc::Status ConsentHandler::CheckDisclosure(grpc::ServerContext* context,
                                             const v1::CheckDisclosureRequest* request,
                                             v1::DisclosureDecision* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  CheckId(errors, "trajectory_id", request->trajectory_id());
  const auto recipient = directory_.FindOrganisation(request->recipient_organisation_id());
  errors.Require(recipient.has_value(), "recipient_organisation_id",
                 request->recipient_organisation_id().empty() ? FieldReason::kRequired
                                                              : FieldReason::kUnknownOrganisation,
                 "an organisation of the chain");
  errors.Require(!request->categories().empty(), "categories", FieldReason::kRequired,
                 "1 to 20 categories");
  errors.Require(request->categories_size() <= 20, "categories", FieldReason::kTooMany,
                 "1 to 20 categories");
  CheckEnum(errors, "purpose", request->purpose(), common::v1::Purpose_IsValid, false);
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  return common::ReadOneStatement(db_, db_timeout_, [&](pqxx::nontransaction& tx) {
    // One statement on its own snapshot: a check that starts after a
    // withdrawal was acknowledged (committed) sees it; no lock is needed.
    const auto [consents, overrides] = DisclosureBasisOf(tx, request->trajectory_id());
    const Instant now = clock_.Now();
    for (const int category : request->categories()) {
      const auto decision =
          workflow::DecideDisclosure(consents, overrides,
                                     {recipient->id, recipient->type,
                                      common::v1::DataCategory_IsValid(category)
                                          ? static_cast<workflow::DataCategory>(category)
                                          : workflow::DataCategory::kUnknown,
                                      static_cast<workflow::Purpose>(request->purpose()), now});
      auto* out = response->add_decisions();
      out->set_category(static_cast<common::v1::DataCategory>(category));
      out->set_permitted(decision.permitted);
      out->set_basis_id(decision.basis_id);
      out->set_denial_reason(decision.permitted
                                 ? (decision.flagged ? "acute danger, approval pending" : "")
                                 : decision.reason);
      out->set_rule(std::string(decision.rule));
    }
    *response->mutable_decided_at() = ToTimestamp(now);
    return grpc::Status::OK;
  });
}

grpc::Status ConsentHandler::ListEvents(grpc::ServerContext* context,
                                        const common::v1::ListEventsRequest* request,
                                        common::v1::ListEventsResponse* response) {
  return common::ServeEvents(*context, gate_, db_, db_timeout_, *request, *response);
}

int ConsentHandler::FollowTrajectoryFeed(common::PeerChannel& trajectory, int max_events) {
  return common::FollowFeed<trajectory::v1::TrajectoryService>(
      db_, db_timeout_, trajectory, "consent-service", "trajectory", max_events,
      [&](pqxx::work& tx, const common::v1::OutboxEvent& event) {
        if (event.type() != "trajectory.adult") {
          return true;
        }
        const Instant now = clock_.Now();
        LockTrajectory(tx, event.trajectory_id());
        for (auto& row : ConsentsOfTrajectoryForUpdate(tx, event.trajectory_id())) {
          if (!workflow::EndsWithMinority(row.record)) {
            continue;
          }
          const auto expired =
              workflow::ApplyConsent(row.record, workflow::ConsentEvent::kMinorityEnded, now);
          if (!expired.ok()) {
            continue;
          }
          row.record = expired.value().next;
          UpdateConsentState(tx, row);
          CarryOutConsentActions(tx, row.trajectory_id, row.record.id, "consents",
                                 expired.value().actions, now);
          common::AppendOutbox(
              tx, "consent.expired", row.trajectory_id, "consents/" + row.record.id,
              {{"reason", "no_longer_a_minor"}, {"recipient", row.record.recipient_organisation}},
              now);
        }
        return true;
      });
}

int ConsentHandler::FireDueTimers(int limit) {
  const Instant now = clock_.Now();
  return common::FireTimers(
      db_, db_timeout_, now, limit, [&](pqxx::work& tx, const common::DueTimer& timer) {
        // The trajectory, then the record (LockRecord: the lock order of
        // every change), then the timer.
        if (timer.kind.rfind("consent.", 0) == 0) {
          auto row = LockRecord<ConsentRow>(tx, timer.owner_id, LoadConsent);
          if (!row) {
            return common::ClaimTimer(tx, timer.id);  // nothing to act on
          }
          if (!common::ClaimTimer(tx, timer.id)) {
            return false;
          }
          const auto expired =
              workflow::ApplyConsent(row->record, workflow::ConsentEvent::kExpire, now);
          if (expired.ok()) {
            row->record = expired.value().next;
            UpdateConsentState(tx, *row);
            common::AppendOutbox(tx, "consent.expired", row->trajectory_id,
                                 "consents/" + row->record.id,
                                 EventAttributes(row->record.recipient_organisation,
                                                 workflow::ToString(row->record.state)),
                                 now);
            CarryOutConsentActions(tx, row->trajectory_id, row->record.id, "consents",
                                   expired.value().actions, now);
          }
          return true;
        }
        auto row = LockRecord<OverrideRow>(tx, timer.owner_id, LoadOverride);
        if (!row) {
          return common::ClaimTimer(tx, timer.id);
        }
        if (!common::ClaimTimer(tx, timer.id)) {
          return false;
        }
        const auto event = timer.kind == "override.approval_due"
                               ? workflow::OverrideEvent::kApprovalLapse
                               : workflow::OverrideEvent::kExpire;
        const auto changed = workflow::ApplyOverride(row->record, event, {}, now);
        if (changed.ok()) {
          row->record = changed.value().next;
          UpdateOverride(tx, *row);
          common::AppendOutbox(tx, "override." + std::string(workflow::ToString(row->record.state)),
                               row->trajectory_id, "overrides/" + row->record.id,
                               EventAttributes(row->record.recipient_organisation,
                                               workflow::ToString(row->record.state)),
                               now);
          CarryOutConsentActions(tx, row->trajectory_id, row->record.id, "overrides",
                                 changed.value().actions, now);
        }
        return true;
      });
}

}  // namespace ketenregie::consent
