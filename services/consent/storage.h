#pragma once

/// All SQL of the consent service; statements prepared once per connection.

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "services/common/sealed.h"
#include "services/common/storage.h"
#include "workflow/consent.h"

namespace ketenregie::consent {

/// The codes stored for consent and override states (common::StoredCodes):
/// the positions they were first stored as, written out; pinned by
/// tests/unit/stored_codes_test.cc.
inline constexpr common::StoredCodes kConsentStates{
    "consent.consents.state", std::array<common::StoredCode<workflow::ConsentState>, 6>{{
                                  {workflow::ConsentState::kProposed, 0},
                                  {workflow::ConsentState::kGranted, 1},
                                  {workflow::ConsentState::kRefused, 2},
                                  {workflow::ConsentState::kWithdrawn, 3},
                                  {workflow::ConsentState::kExpired, 4},
                                  {workflow::ConsentState::kSuperseded, 5},
                              }}};
inline constexpr common::StoredCodes kOverrideStates{
    "consent.overrides.state", std::array<common::StoredCode<workflow::OverrideState>, 6>{{
                                   {workflow::OverrideState::kRequested, 0},
                                   {workflow::OverrideState::kActivePendingApproval, 1},
                                   {workflow::OverrideState::kActive, 2},
                                   {workflow::OverrideState::kRejected, 3},
                                   {workflow::OverrideState::kExpired, 4},
                                   {workflow::OverrideState::kRevoked, 5},
                               }}};

void Prepare(pqxx::connection& connection);

struct ConsentRow {
  workflow::ConsentRecord record;
  std::string trajectory_id;
  std::string organisation_id;
  std::string guardian_organisation_id;
  std::string recorded_by;
  std::string supersedes;
  workflow::Instant created_at{};
  long long version = 1;
};

struct OverrideRow {
  workflow::OverrideRecord record;  // justification in clear only in memory
  std::string trajectory_id;
  std::string organisation_id;
  std::string justification_sealed;
  long long version = 1;
};

void InsertConsent(pqxx::work& tx, const ConsentRow& row);
std::optional<ConsentRow> LoadConsent(pqxx::work& tx, const std::string& id, bool for_update);
void UpdateConsentState(pqxx::work& tx, ConsentRow& row);
/// A page position: (epoch seconds, id) of the last row of the page before.
using PageAfter = std::optional<std::pair<long long, std::string>>;

/// `organisation_id`'s consents of a trajectory, oldest first, at most
/// `limit` after `after`.
std::vector<ConsentRow> ConsentsOf(pqxx::work& tx, const std::string& trajectory_id,
                                   const std::string& organisation_id, const PageAfter& after,
                                   int limit);

/// Every consent of a trajectory, of any organisation, locked in id order.
std::vector<ConsentRow> ConsentsOfTrajectoryForUpdate(pqxx::work& tx,
                                                      const std::string& trajectory_id);

void InsertOverride(pqxx::work& tx, const OverrideRow& row);
std::optional<OverrideRow> LoadOverride(pqxx::work& tx, const std::string& id, bool for_update);
void UpdateOverride(pqxx::work& tx, OverrideRow& row);
/// `trajectory_id` empty: of every trajectory of the organisation.
/// `awaiting_approval`: only those workflow::AwaitsApproval.
std::vector<OverrideRow> OverridesOf(pqxx::work& tx, const std::string& trajectory_id,
                                     const std::string& organisation_id, const PageAfter& after,
                                     int limit, bool awaiting_approval = false);

/// What a disclosure decision rests on: every consent and override of one
/// trajectory, read in one statement (one snapshot, one round trip), in the
/// order the decision walks them. The records hold only what
/// workflow::DecideDisclosure reads (no justification, no actors).
struct DisclosureBasis {
  std::vector<workflow::ConsentRecord> consents;
  std::vector<workflow::OverrideRecord> overrides;
};
DisclosureBasis DisclosureBasisOf(pqxx::transaction_base& tx, const std::string& trajectory_id);

/// Serialises changes to one trajectory's consents and overrides (e.g. a
/// grant that supersedes an older consent).
void LockTrajectory(pqxx::work& tx, const std::string& trajectory_id);

/// The contexts sealed values are bound to (common::Keyring::Seal): a value
/// copied to another row or column does not open there.
std::string JustificationContext(const std::string& id);

/// Every column this service keeps sealed, for key rotation
/// (common::ReencryptColumns) and its all-services test.
const std::vector<common::SealedColumn>& SealedColumns();

}  // namespace ketenregie::consent
