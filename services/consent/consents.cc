// ConsentHandler: consents, from the proposal to their end.

#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/audit.h"
#include "services/common/identity.h"
#include "services/common/ids.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/paging.h"
#include "services/common/status.h"
#include "services/common/validation.h"
#include "services/consent/handler.h"
#include "services/consent/storage.h"
#include "services/consent/support.h"
#include "workflow/access.h"
#include "workflow/disclosure.h"
#include "workflow/rules.h"

namespace ketenregie::consent {

namespace {

// The consents' side of the one mutation path (common::Change).
struct ConsentAdapter {
  using Response = v1::Consent;
  using Work = ConsentChange;
  static constexpr std::string_view kResource = "consent";

  static grpc::Status Open(pqxx::work& tx, const Caller& caller, const std::string& id, Instant now,
                           std::optional<Work>& work) {
    OpenRecord<ConsentRow>(tx, caller, id, now, LoadConsent, work);
    return grpc::Status::OK;
  }
  static std::string TrajectoryOf(const Work& c) { return c.row.trajectory_id; }
  static long long Version(const Work& c) { return c.row.version; }
  static void Save(Work& c) {
    UpdateConsentState(c.tx, c.row);
    CarryOutConsentActions(c.tx, c.row.trajectory_id, c.row.record.id, "consents", c.actions,
                           c.now);
    // The handoff service follows this feed to revoke open handoffs and
    // tell the recipient (the workflow's actions for a withdrawal).
    common::AppendOutbox(c.tx, "consent." + std::string(workflow::ToString(c.row.record.state)),
                         c.row.trajectory_id, "consents/" + c.row.record.id,
                         EventAttributes(c.row.record.recipient_organisation,
                                         workflow::ToString(c.row.record.state)),
                         c.now);
  }
  static void Render(const Work& c, Response* out) { consent::Render(c.row, out); }
};

}  // namespace

grpc::Status ConsentHandler::ProposeConsent(grpc::ServerContext* context,
                                            const v1::ProposeConsentRequest* request,
                                            v1::Consent* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  const auto& in = request->consent();
  FieldErrors errors(*request);
  CheckRequestId(errors, request->request_id());
  CheckId(errors, "consent.trajectory_id", in.trajectory_id());
  workflow::ConsentRecord proposal;
  ReadCategories(errors, "consent.categories", in.categories(), proposal.categories);
  if (in.recipient_organisation_id().empty()) {
    CheckEnum(errors, "consent.recipient_organisation_id", in.recipient_type(),
              common::v1::OrganisationType_IsValid, true,
              "a recipient organisation, or an organisation type");
  } else {
    errors.Require(directory_.FindOrganisation(in.recipient_organisation_id()).has_value(),
                   "consent.recipient_organisation_id", FieldReason::kUnknownOrganisation,
                   "not an organisation of the chain");
  }
  CheckEnum(errors, "consent.purpose", in.purpose(), common::v1::Purpose_IsValid, true,
            "a purpose");
  CheckEnum(errors, "consent.method", in.method(), v1::ConsentMethod_IsValid, true,
            "verbal or written");
  CheckEnum(errors, "consent.grantor", in.grantor(), v1::Grantor_IsValid, true,
            "the person or a guardian");
  if (errors.Require(in.has_valid_until(), "consent.valid_until", FieldReason::kRequired,
                     "a time between 1970 and 2100")) {
    CheckTime(errors, "consent.valid_until", in.valid_until());
  }
  if (in.has_valid_from()) {
    CheckTime(errors, "consent.valid_from", in.valid_from());
  }
  const bool by_guardian = in.grantor() == v1::GRANTOR_GUARDIAN;
  const auto guardian = directory_.FindOrganisation(in.guardian_organisation_id());
  if (by_guardian) {
    errors.Require(guardian.has_value(), "consent.guardian_organisation_id",
                   in.guardian_organisation_id().empty() ? FieldReason::kRequired
                                                         : FieldReason::kUnknownOrganisation,
                   "the guardian, an organisation of the chain");
  } else {
    errors.Require(in.guardian_organisation_id().empty(), "consent.guardian_organisation_id",
                   FieldReason::kNotApplicable, "only for a consent granted by a guardian");
  }
  CheckOptionalId(errors, "consent.supersedes_consent_id", in.supersedes_consent_id());
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  if (by_guardian) {
    if (auto refusal = workflow::CheckGuardianOrganisation(guardian->type)) {
      return common::RuleRefusal(*refusal);
    }
  }
  return common::Mutate(
      db_, db_timeout_, caller, "ProposeConsent", *request, errors, request->request_id(), response,
      keys_, [&](pqxx::work& tx, v1::Consent* out) -> grpc::Status {
        // Inside: a retry of an acknowledged request gets its first answer
        // whatever the trajectory is now. Under the trajectory's lock, which
        // the feed that ends a guardian's consents takes too: a consent
        // proposed on a minority that just ended is seen and ended.
        LockTrajectory(tx, in.trajectory_id());
        workflow::PersonFacts person;
        if (auto unknown = common::GetOwnTrajectoryFacts(facts_, in.trajectory_id(),
                                                         caller.identity.organisation_id, person);
            !unknown.ok()) {
          return unknown;
        }
        const Instant now = clock_.Now();
        proposal.id = common::NewUuid();
        proposal.grantor = static_cast<workflow::Grantor>(in.grantor() - 1);
        proposal.recipient_organisation = in.recipient_organisation_id();
        // A named recipient's type is the directory's, never the client's.
        const auto named = directory_.FindOrganisation(in.recipient_organisation_id());
        proposal.recipient_type =
            named.has_value() ? named->type
                              : static_cast<workflow::OrganisationType>(in.recipient_type());
        proposal.purpose = static_cast<workflow::Purpose>(in.purpose());
        proposal.method = static_cast<workflow::ConsentMethod>(in.method());
        proposal.interpreter_used = in.interpreter_used();
        proposal.valid_from = in.has_valid_from() ? ToInstant(in.valid_from()) : Instant{};
        proposal.valid_until = ToInstant(in.valid_until());
        const auto proposed =
            workflow::ProposeConsent(proposal, person.age, now, person.minor_until);
        if (!proposed.ok()) {
          return common::RuleRefusal(proposed.violation());
        }
        ConsentRow row{proposed.value(),
                       in.trajectory_id(),
                       caller.identity.organisation_id,
                       in.guardian_organisation_id(),
                       caller.identity.actor,
                       in.supersedes_consent_id(),
                       now,
                       1};
        if (!row.supersedes.empty()) {
          auto old = LoadConsent(tx, row.supersedes, /*for_update=*/true);
          if (!old || old->trajectory_id != row.trajectory_id) {
            return InvalidArgument("consent.supersedes_consent_id", FieldReason::kUnknownReference,
                                   "a consent of this trajectory");
          }
        }
        InsertConsent(tx, row);
        Render(row, out);
        return grpc::Status::OK;
      });
}

grpc::Status ConsentHandler::ChangeConsent(const grpc::ServerContext& context,
                                           std::string_view method,
                                           const google::protobuf::Message& request,
                                           const std::string& request_id,
                                           const std::string& consent_id, const std::string& etag,
                                           workflow::ConsentEvent event, v1::Consent* response) {
  Caller caller;
  if (auto denied = gate_.Admit(context, request, caller, method); !denied.ok()) {
    return denied;
  }
  ConsentAdapter adapter;
  return common::Change(
      mutations_, caller, method, request, {"consent_id", consent_id, etag, request_id},
      FieldErrors(request), response, adapter, [&](ConsentChange& c) -> grpc::Status {
        if (event == workflow::ConsentEvent::kGrant &&
            c.row.record.grantor == workflow::Grantor::kGuardian) {
          // Her age today, under the trajectory's lock: the feed that ends
          // a guardian's consents waits for it (R-CONSENT-GUARDIAN).
          workflow::PersonFacts person;
          if (auto unknown = facts_.Get(c.row.trajectory_id, person); !unknown.ok()) {
            return unknown;
          }
          if (auto refusal = workflow::CheckGuardianMayGrant(c.row.record, person.age)) {
            return common::RuleRefusal(*refusal);
          }
        }
        const auto changed = workflow::ApplyConsent(c.row.record, event, c.now);
        if (!changed.ok()) {
          return common::RuleRefusal(changed.violation());
        }
        c.row.record = changed.value().next;
        c.actions = changed.value().actions;
        if (event == workflow::ConsentEvent::kGrant && !c.row.supersedes.empty()) {
          auto old = LoadConsent(c.tx, c.row.supersedes, /*for_update=*/true);
          const auto superseded =
              workflow::ApplyConsent(old->record, workflow::ConsentEvent::kSupersede, c.now);
          if (superseded.ok()) {
            old->record = superseded.value().next;
            UpdateConsentState(c.tx, *old);
            CarryOutConsentActions(c.tx, old->trajectory_id, old->record.id, "consents",
                                   superseded.value().actions, c.now);
          }
        }
        return grpc::Status::OK;
      });
}

grpc::Status ConsentHandler::GrantConsent(grpc::ServerContext* context,
                                          const v1::GrantConsentRequest* request,
                                          v1::Consent* response) {
  return ChangeConsent(*context, "GrantConsent", *request, request->request_id(),
                       request->consent_id(), request->etag(), workflow::ConsentEvent::kGrant,
                       response);
}

grpc::Status ConsentHandler::RefuseConsent(grpc::ServerContext* context,
                                           const v1::RefuseConsentRequest* request,
                                           v1::Consent* response) {
  return ChangeConsent(*context, "RefuseConsent", *request, request->request_id(),
                       request->consent_id(), request->etag(), workflow::ConsentEvent::kRefuse,
                       response);
}

grpc::Status ConsentHandler::WithdrawConsent(grpc::ServerContext* context,
                                             const v1::WithdrawConsentRequest* request,
                                             v1::Consent* response) {
  return ChangeConsent(*context, "WithdrawConsent", *request, request->request_id(),
                       request->consent_id(), request->etag(), workflow::ConsentEvent::kWithdraw,
                       response);
}

grpc::Status ConsentHandler::GetConsent(grpc::ServerContext* context,
                                        const v1::GetConsentRequest* request,
                                        v1::Consent* response) {
  Caller caller;
  if (auto refused = gate_.AdmitNaming(*context, *request, caller, __func__, "id", request->id());
      !refused.ok()) {
    return refused;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto row = LoadConsent(tx, request->id(), false);
    if (!row ||
        workflow::CheckOwnTrajectory(caller.identity.organisation_id, row->organisation_id)) {
      return common::NotFound("consent");
    }
    Render(*row, response);
    return grpc::Status::OK;
  });
}

grpc::Status ConsentHandler::ListConsents(grpc::ServerContext* context,
                                          const v1::ListConsentsRequest* request,
                                          v1::ListConsentsResponse* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  FieldErrors errors(*request);
  CheckId(errors, "trajectory_id", request->trajectory_id());
  common::PageQuery page;
  common::ParsePage(errors, request->page(), page);
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  // Another organisation's trajectory, or none: NOT_FOUND, as if it did not
  // exist — never an empty list that a page would show as "no consents".
  workflow::PersonFacts kept;
  if (auto unknown = common::GetOwnTrajectoryFacts(facts_, request->trajectory_id(),
                                                   caller.identity.organisation_id, kept);
      !unknown.ok()) {
    return unknown;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    common::FillPage(
        ConsentsOf(tx, request->trajectory_id(), caller.identity.organisation_id, page.after,
                   page.size + 1),
        page.size, [&](const ConsentRow& row) { Render(row, response->add_consents()); },
        [](const ConsentRow& row) {
          return std::pair{row.created_at.time_since_epoch().count(), row.record.id};
        },
        response->mutable_next_page_token());
    return grpc::Status::OK;
  });
}

}  // namespace ketenregie::consent
