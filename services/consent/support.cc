// What the consent handler files share (support.h).

#include "services/consent/support.h"

#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/actions.h"
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
#include "workflow/disclosure.h"
#include "workflow/rules.h"

namespace ketenregie::consent {

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

bool ReadCategories(FieldErrors& errors, std::string_view field,
                    const google::protobuf::RepeatedField<int>& in,
                    std::set<workflow::DataCategory>& out) {
  bool known = true;
  for (const int c : in) {
    if (c < 1 || !common::v1::DataCategory_IsValid(c)) {
      known = false;
    } else {
      out.insert(static_cast<workflow::DataCategory>(c));
    }
  }
  if (!known) {
    errors.Add(field, FieldReason::kUnknownValue, "known data categories");
    return false;
  }
  return errors.Require(!out.empty(), field, FieldReason::kRequired, "at least one");
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

void Render(const OverrideRow& row, const common::Keyring& keyring, v1::Override* out,
            bool with_justification) {
  const auto& o = row.record;
  out->set_id(o.id);
  out->set_trajectory_id(row.trajectory_id);
  out->set_state(ProtoState(o.state));
  out->set_basis(static_cast<v1::LegalBasis>(o.basis));
  if (with_justification) {
    out->set_justification(keyring.Open(row.justification_sealed, JustificationContext(o.id)));
  }
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

void CarryOutConsentActions(pqxx::work& tx, const std::string& trajectory_id,
                            const std::string& record_id, std::string_view resource,
                            const std::vector<workflow::ConsentAction>& actions, Instant now) {
  using workflow::ConsentActionKind;
  const std::string subject = std::string(resource) + "/" + record_id;
  common::CarryOut(tx, record_id, actions, now, [&](const workflow::ConsentAction& action) {
    switch (action.kind) {
      case ConsentActionKind::kCreateTask:
        // Tasks live with the coordinator's trajectory: an event asks for it.
        common::AppendOutbox(tx, "task.requested", trajectory_id, subject, {{"task", action.what}},
                             now);
        return;
      case ConsentActionKind::kRevokeHandoffs:
        // The handoff service follows this feed and revokes what is open
        // to `recipient` (an organisation, or "type:<TYPE>" for all of one).
        common::AppendOutbox(tx, "handoffs.revoke", trajectory_id, subject,
                             {{"recipient", action.subject}, {"reason", action.what}}, now);
        return;
      case ConsentActionKind::kNotifyRecipient:
        // The recipient's inbox shows the revoked handoff: that is the
        // notification, and the event above records it.
        return;
      case ConsentActionKind::kScheduleDeadline:
      case ConsentActionKind::kCancelTimers:
        return;  // timers: kept by CarryOut
    }
  });
}

}  // namespace ketenregie::consent
