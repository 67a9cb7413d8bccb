#pragma once

/// What the consent service's handler files share (private to the
/// service): rendering, the mapping to the API's states, and the one
/// change of a consent or an override.

#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>

#include "ketenregie/consent/v1/consent.pb.h"
#include "services/common/crypto.h"
#include "services/common/identity.h"
#include "services/common/status.h"
#include "services/common/validation.h"
#include "services/consent/storage.h"
#include "workflow/access.h"

namespace ketenregie::consent {

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
using common::ToInstant;
using common::ToTimestamp;
using workflow::Instant;
using workflow::Operation;

// Protobuf numbers: categories, purposes and organisation types are the
// same in both; the state enums are offset (protobuf 0 = unspecified).
v1::ConsentState ProtoState(workflow::ConsentState s);

v1::OverrideState ProtoState(workflow::OverrideState s);

/// The data categories `in` names, into `out`; adds `field` to `errors`
/// when one is unknown or none is given.
bool ReadCategories(FieldErrors& errors, std::string_view field,
                    const google::protobuf::RepeatedField<int>& in,
                    std::set<workflow::DataCategory>& out);

void Render(const ConsentRow& row, v1::Consent* out);

/// The override as the API answers it; its justification (written about
/// her, sealed) only `with_justification`.
void Render(const OverrideRow& row, const common::Keyring& keyring, v1::Override* out,
            bool with_justification = true);

std::map<std::string, std::string> EventAttributes(const std::string& recipient,
                                                   std::string_view state);

// One change of a consent, or of an override, in progress.
template <typename Row>
struct RecordChange {
  pqxx::work& tx;
  const Caller& caller;
  Row row;
  Instant now;
  /// What the consent or override machine asks for (CarryOutConsentActions).
  std::vector<workflow::ConsentAction> actions;
};
using ConsentChange = RecordChange<ConsentRow>;

/// Carries out the consent and override machines' actions for the record
/// `resource` ("consents/<id>", "overrides/<id>") of `trajectory_id`, in the
/// caller's transaction: its timers (expiry, the approval deadline) in
/// consent.timers; a task for the coordinator and the revocation of
/// handoffs as events of this service's feed, which the trajectory and
/// handoff services follow.
void CarryOutConsentActions(pqxx::work& tx, const std::string& trajectory_id,
                            const std::string& record_id, std::string_view resource,
                            const std::vector<workflow::ConsentAction>& actions, Instant now);
using OverrideChange = RecordChange<OverrideRow>;

// Takes the lock of the trajectory of a consent or override of the caller's
// organisation, then the record for update: one change of a trajectory's
// consents at a time, and always in that order (the trajectory, then its
// records), as the feed, a proposal that supersedes and the timers take them.
// A disclosure check that starts after this commits sees the new state
// (R-WITHDRAWAL-IMMEDIATE): read committed, no lock needed there.
template <typename Row, typename Load>
std::optional<Row> LockRecord(pqxx::work& tx, const std::string& id, Load&& load) {
  const auto seen = load(tx, id, /*for_update=*/false);
  if (!seen) {
    return std::nullopt;
  }
  LockTrajectory(tx, seen->trajectory_id);  // a record never changes trajectory
  return load(tx, id, /*for_update=*/true);
}

template <typename Row, typename Load>
void OpenRecord(pqxx::work& tx, const Caller& caller, const std::string& id, Instant now,
                Load&& load, std::optional<RecordChange<Row>>& work) {
  auto row = LockRecord<Row>(tx, id, load);
  if (row && !workflow::CheckOwnTrajectory(caller.identity.organisation_id, row->organisation_id)) {
    work.emplace(RecordChange<Row>{tx, caller, std::move(*row), now, {}});
  }
}

}  // namespace ketenregie::consent
