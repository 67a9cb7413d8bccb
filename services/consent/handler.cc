#include "services/consent/handler.h"

#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/audit.h"
#include "services/common/identity.h"
#include "services/common/ids.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/paging.h"
#include "services/common/status.h"
#include "services/common/validation.h"
#include "services/consent/storage.h"
#include "workflow/disclosure.h"
#include "workflow/rules.h"

namespace ketenregie::consent {
namespace {

using common::Caller;
using common::CheckEtag;
using common::CheckId;
using common::CheckRequestId;
using common::Etag;
using common::FirstError;
using common::InvalidArgument;
using common::ToInstant;
using common::ToTimestamp;
using workflow::Instant;
using workflow::Operation;

// Protobuf numbers: categories, purposes and organisation types are the
// same in both; the state enums are offset (protobuf 0 = unspecified).
v1::ConsentState ProtoState(workflow::ConsentState s) {
  return static_cast<v1::ConsentState>(static_cast<int>(s) + 1);
}

v1::OverrideState ProtoState(workflow::OverrideState s) {
  switch (s) {
    case workflow::OverrideState::kRequested:
      return v1::OVERRIDE_STATE_REQUESTED;
    case workflow::OverrideState::kActivePendingApproval:
      return v1::OVERRIDE_STATE_ACTIVE_PENDING_APPROVAL;
    case workflow::OverrideState::kActive:
      return v1::OVERRIDE_STATE_ACTIVE;
    case workflow::OverrideState::kRejected:
      return v1::OVERRIDE_STATE_REJECTED;
    case workflow::OverrideState::kExpired:
      return v1::OVERRIDE_STATE_EXPIRED;
    case workflow::OverrideState::kRevoked:
      return v1::OVERRIDE_STATE_REVOKED;
  }
  return v1::OVERRIDE_STATE_UNSPECIFIED;
}

grpc::Status ReadCategories(const google::protobuf::RepeatedField<int>& in,
                            std::set<workflow::DataCategory>& out) {
  for (const int c : in) {
    if (c < 1 || !common::v1::DataCategory_IsValid(c)) {
      return InvalidArgument("categories", "known data categories");
    }
    out.insert(static_cast<workflow::DataCategory>(c));
  }
  if (out.empty()) {
    return InvalidArgument("categories", "at least one");
  }
  return grpc::Status::OK;
}

void Render(const ConsentRow& row, v1::Consent* out) {
  const auto& c = row.record;
  out->set_id(c.id);
  out->set_trajectory_id(row.trajectory_id);
  out->set_state(ProtoState(c.state));
  out->set_grantor(static_cast<v1::Grantor>(static_cast<int>(c.grantor) + 1));
  out->set_guardian_organisation_id(row.guardian_organisation_id);
  out->set_recipient_organisation_id(c.recipient_organisation);
  out->set_recipient_type(static_cast<common::v1::OrganisationType>(c.recipient_type));
  for (const auto category : c.categories) {
    out->add_categories(static_cast<common::v1::DataCategory>(category));
  }
  out->set_purpose(static_cast<common::v1::Purpose>(c.purpose));
  out->set_method(static_cast<v1::ConsentMethod>(c.method));
  out->set_interpreter_used(c.interpreter_used);
  out->mutable_recorded_by()->set_organisation_id(row.organisation_id);
  out->mutable_recorded_by()->set_user_id(row.recorded_by);
  *out->mutable_valid_from() = ToTimestamp(c.valid_from);
  *out->mutable_valid_until() = ToTimestamp(c.valid_until);
  out->set_supersedes_consent_id(row.supersedes);
  out->set_etag(Etag(row.version));
}

void Render(const OverrideRow& row, const common::Keyring& keyring, v1::Override* out) {
  const auto& o = row.record;
  out->set_id(o.id);
  out->set_trajectory_id(row.trajectory_id);
  out->set_state(ProtoState(o.state));
  out->set_basis(static_cast<v1::LegalBasis>(o.basis));
  out->set_justification(keyring.Open(row.justification_sealed, JustificationContext(o.id)));
  out->set_recipient_organisation_id(o.recipient_organisation);
  for (const auto category : o.categories) {
    out->add_categories(static_cast<common::v1::DataCategory>(category));
  }
  out->set_purpose(static_cast<common::v1::Purpose>(o.purpose));
  *out->mutable_expires_at() = ToTimestamp(o.expires_at);
  out->set_acute_danger(o.acute_danger);
  out->mutable_requested_by()->set_organisation_id(o.requested_by.organisation);
  out->mutable_requested_by()->set_user_id(o.requested_by.user);
  if (!o.approved_by.user.empty()) {
    out->mutable_approved_by()->set_organisation_id(o.approved_by.organisation);
    out->mutable_approved_by()->set_user_id(o.approved_by.user);
  }
  if (o.approval_due_at != Instant{}) {
    *out->mutable_approval_due_at() = ToTimestamp(o.approval_due_at);
  }
  out->set_etag(Etag(row.version));
}

std::map<std::string, std::string> EventAttributes(const std::string& recipient,
                                                   std::string_view state) {
  return {{"recipient", recipient}, {"state", std::string(state)}};
}

// One change of a consent, or of an override, in progress.
template <typename Row>
struct RecordChange {
  pqxx::work& tx;
  const Caller& caller;
  Row row;
  Instant now;
};
using ConsentChange = RecordChange<ConsentRow>;
using OverrideChange = RecordChange<OverrideRow>;

// Loads a consent or override of the caller's organisation for update, then
// takes its trajectory's lock: one change of a trajectory's consents at a
// time. A disclosure check that starts after this commits sees the new state
// (R-WITHDRAWAL-IMMEDIATE): read committed, no lock needed there.
template <typename Row, typename Load>
void OpenRecord(pqxx::work& tx, const Caller& caller, const std::string& id, Instant now,
                Load&& load, std::optional<RecordChange<Row>>& work) {
  auto row = load(tx, id, /*for_update=*/true);
  if (row && !workflow::CheckOwnTrajectory(caller.identity.organisation_id, row->organisation_id)) {
    LockTrajectory(tx, row->trajectory_id);
    work.emplace(RecordChange<Row>{tx, caller, std::move(*row), now});
  }
}

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
    common::AppendOutbox(c.tx, "override." + std::string(workflow::ToString(c.row.record.state)),
                         c.row.trajectory_id, "overrides/" + c.row.record.id,
                         EventAttributes(c.row.record.recipient_organisation,
                                         workflow::ToString(c.row.record.state)),
                         c.now);
  }
  void Render(const Work& c, Response* out) const { consent::Render(c.row, *keys.Get(), out); }
};

}  // namespace

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

grpc::Status ConsentHandler::ProposeConsent(grpc::ServerContext* context,
                                            const v1::ProposeConsentRequest* request,
                                            v1::Consent* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  const auto& in = request->consent();
  if (auto invalid = FirstError({CheckRequestId(request->request_id()),
                                 CheckId("consent.trajectory_id", in.trajectory_id())});
      !invalid.ok()) {
    return invalid;
  }
  workflow::ConsentRecord proposal;
  if (auto invalid = ReadCategories(in.categories(), proposal.categories); !invalid.ok()) {
    return InvalidArgument("consent.categories", invalid.error_message());
  }
  if (in.recipient_organisation_id().empty() &&
      (in.recipient_type() == common::v1::ORGANISATION_TYPE_UNSPECIFIED ||
       !common::v1::OrganisationType_IsValid(in.recipient_type()))) {
    return InvalidArgument("consent.recipient_organisation_id",
                           "a recipient organisation, or an organisation type");
  }
  if (!in.recipient_organisation_id().empty() &&
      directory_.FindOrganisation(in.recipient_organisation_id()) == nullptr) {
    return InvalidArgument("consent.recipient_organisation_id", "not an organisation of the chain");
  }
  if (in.purpose() == common::v1::PURPOSE_UNSPECIFIED ||
      !common::v1::Purpose_IsValid(in.purpose())) {
    return InvalidArgument("consent.purpose", "a purpose");
  }
  if (in.method() == v1::CONSENT_METHOD_UNSPECIFIED || !v1::ConsentMethod_IsValid(in.method())) {
    return InvalidArgument("consent.method", "verbal or written");
  }
  if (in.grantor() == v1::GRANTOR_UNSPECIFIED || !v1::Grantor_IsValid(in.grantor())) {
    return InvalidArgument("consent.grantor", "the person or a guardian");
  }
  if (!in.has_valid_until() || !common::ReasonableTimestamp(in.valid_until())) {
    return InvalidArgument("consent.valid_until", "a time between 1970 and 2100");
  }
  if (in.has_valid_from() && !common::ReasonableTimestamp(in.valid_from())) {
    return InvalidArgument("consent.valid_from", "a time between 1970 and 2100");
  }
  const bool by_guardian = in.grantor() == v1::GRANTOR_GUARDIAN;
  const auto* guardian = directory_.FindOrganisation(in.guardian_organisation_id());
  if (by_guardian && guardian == nullptr) {
    return InvalidArgument("consent.guardian_organisation_id",
                           "the guardian, an organisation of the chain");
  }
  if (!by_guardian && !in.guardian_organisation_id().empty()) {
    return InvalidArgument("consent.guardian_organisation_id",
                           "only for a consent granted by a guardian");
  }
  if (by_guardian) {
    if (auto refusal = workflow::CheckGuardianOrganisation(guardian->type)) {
      return common::RuleRefusal(*refusal);
    }
  }
  return common::Mutate(
      db_, db_timeout_, caller, "ProposeConsent", *request, request->request_id(), response, keys_,
      [&](pqxx::work& tx, v1::Consent* out) -> grpc::Status {
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
        const auto* named = directory_.FindOrganisation(in.recipient_organisation_id());
        proposal.recipient_type =
            named != nullptr ? named->type
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
            return InvalidArgument("consent.supersedes_consent_id", "a consent of this trajectory");
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
      mutations_, caller, method, request, {"consent_id", consent_id, etag, request_id}, response,
      adapter, [&](ConsentChange& c) -> grpc::Status {
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
        if (event == workflow::ConsentEvent::kGrant && !c.row.supersedes.empty()) {
          auto old = LoadConsent(c.tx, c.row.supersedes, /*for_update=*/true);
          const auto superseded =
              workflow::ApplyConsent(old->record, workflow::ConsentEvent::kSupersede, c.now);
          if (superseded.ok()) {
            old->record = superseded.value().next;
            UpdateConsentState(c.tx, *old);
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
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckId("id", request->id()); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto row = LoadConsent(tx, request->id(), false);
    if (!row || row->organisation_id != caller.identity.organisation_id) {
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
  if (auto invalid = CheckId("trajectory_id", request->trajectory_id()); !invalid.ok()) {
    return invalid;
  }
  common::PageQuery page;
  if (auto invalid = common::ParsePage(request->page(), page); !invalid.ok()) {
    return invalid;
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

grpc::Status ConsentHandler::RequestOverride(grpc::ServerContext* context,
                                             const v1::RequestOverrideRequest* request,
                                             v1::Override* response) {
  Caller caller;
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  const auto& in = request->override();
  if (auto invalid = FirstError({CheckRequestId(request->request_id()),
                                 CheckId("override.trajectory_id", in.trajectory_id())});
      !invalid.ok()) {
    return invalid;
  }
  workflow::OverrideRecord o;
  if (auto invalid = ReadCategories(in.categories(), o.categories); !invalid.ok()) {
    return InvalidArgument("override.categories", invalid.error_message());
  }
  if (in.basis() == v1::LEGAL_BASIS_UNSPECIFIED || !v1::LegalBasis_IsValid(in.basis())) {
    return InvalidArgument("override.basis",
                           "child protection, vital interest or legal obligation");
  }
  if (in.justification().empty() || in.justification().size() > 4000) {
    return InvalidArgument("override.justification", "required, at most 4000 bytes");
  }
  const auto* recipient = directory_.FindOrganisation(in.recipient_organisation_id());
  if (recipient == nullptr) {
    return InvalidArgument("override.recipient_organisation_id", "an organisation of the chain");
  }
  if (!common::v1::Purpose_IsValid(in.purpose())) {
    return InvalidArgument("override.purpose", "unknown value");
  }
  if (!in.has_expires_at() || !common::ReasonableTimestamp(in.expires_at())) {
    return InvalidArgument("override.expires_at", "a time between 1970 and 2100");
  }
  return common::Mutate(
      db_, db_timeout_, caller, "RequestOverride", *request, request->request_id(), response, keys_,
      [&](pqxx::work& tx, v1::Override* out) -> grpc::Status {
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
  if (reason.size() > 1000) {
    return InvalidArgument("reason", "at most 1000 bytes");
  }
  OverrideAdapter adapter{keys_};
  return common::Change(mutations_, caller, method, request,
                        {"override_id", override_id, etag, request_id}, response, adapter,
                        [&](OverrideChange& c) -> grpc::Status {
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
  if (auto denied = gate_.Admit(*context, *request, caller, __func__); !denied.ok()) {
    return denied;
  }
  if (auto invalid = CheckId("id", request->id()); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto row = LoadOverride(tx, request->id(), false);
    if (!row || row->organisation_id != caller.identity.organisation_id) {
      return common::NotFound("override");
    }
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
  if (auto invalid = CheckId("trajectory_id", request->trajectory_id()); !invalid.ok()) {
    return invalid;
  }
  common::PageQuery page;
  if (auto invalid = common::ParsePage(request->page(), page); !invalid.ok()) {
    return invalid;
  }
  return common::Read(db_, db_timeout_, [&](pqxx::work& tx) {
    const auto keyring = keys_.Get();
    common::FillPage(
        OverridesOf(tx, request->trajectory_id(), caller.identity.organisation_id, page.after,
                    page.size + 1),
        page.size,
        [&](const OverrideRow& row) { Render(row, *keyring, response->add_overrides()); },
        [](const OverrideRow& row) {
          return std::pair{row.record.requested_at.time_since_epoch().count(), row.record.id};
        },
        response->mutable_next_page_token());
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
  if (auto invalid = CheckId("trajectory_id", request->trajectory_id()); !invalid.ok()) {
    return invalid;
  }
  const auto* recipient = directory_.FindOrganisation(request->recipient_organisation_id());
  if (recipient == nullptr) {
    return InvalidArgument("recipient_organisation_id", "an organisation of the chain");
  }
  if (request->categories().empty() || request->categories_size() > 20) {
    return InvalidArgument("categories", "1 to 20 categories");
  }
  if (!common::v1::Purpose_IsValid(request->purpose())) {
    return InvalidArgument("purpose", "unknown value");
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
          common::AppendOutbox(
              tx, "consent.expired", row.trajectory_id, "consents/" + row.record.id,
              {{"reason", "no_longer_a_minor"}, {"recipient", row.record.recipient_organisation}},
              now);
        }
        return true;
      });
}

}  // namespace ketenregie::consent
