// HandoffHandler: the packet a partner reads, assembled at read time from what
// consent permits, and the coordinator's care plan.

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
#include "services/handoff/support.h"
#include "workflow/access.h"
#include "workflow/rules.h"

namespace ketenregie::handoff {

grpc::Status HandoffHandler::ReadPacket(grpc::ServerContext* context,
                                        const v1::ReadPacketRequest* request,
                                        v1::Packet* response) {
  Caller caller;
  if (auto refused = gate_.AdmitNaming(*context, *request, caller, "ReadPacket", "handoff_id",
                                       request->handoff_id());
      !refused.ok()) {
    return refused;
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
    common::AuditRecord record = common::AuditRecordBy(caller.identity);
    record.occurred_at = clock_.Now();
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
  if (auto refused = gate_.AdmitNaming(*context, *request, caller, __func__, "trajectory_id",
                                       request->trajectory_id());
      !refused.ok()) {
    return refused;
  }
  return common::ReadInto(db_, db_timeout_, *response, [&](pqxx::work& tx) {
    const auto keyring = keys_.Get();
    response->set_trajectory_id(request->trajectory_id());
    for (const auto& row : HandoffsOfTrajectory(tx, request->trajectory_id())) {
      if (!workflow::CheckOwnTrajectory(caller.identity.organisation_id, row.organisation_id) &&
          workflow::IsInCarePlan(row.flow.state)) {
        Render(row, *keyring, response->add_items());
      }
    }
    // Her care plan, with its messages: a read on her trail.
    if (response->items_size() > 0) {
      common::AuditRead(tx, caller, request->trajectory_id(), {workflow::DataCategory::kCarePlan},
                        "GetCarePlan", clock_.Now());
    }
    return grpc::Status::OK;
  });
}

}  // namespace ketenregie::handoff
