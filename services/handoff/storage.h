#pragma once

/// All SQL of the handoff service; statements prepared once per connection.

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "services/common/sealed.h"
#include "services/common/storage.h"
#include "workflow/handoff.h"

namespace ketenregie::handoff {

/// The codes stored for a handoff's state (common::StoredCodes): the
/// positions they were first stored as, written out; pinned by
/// tests/unit/stored_codes_test.cc.
inline constexpr common::StoredCodes kHandoffStates{
    "handoff.handoffs.state", std::array<common::StoredCode<workflow::HandoffState>, 7>{{
                                  {workflow::HandoffState::kDraft, 0},
                                  {workflow::HandoffState::kSent, 1},
                                  {workflow::HandoffState::kAccepted, 2},
                                  {workflow::HandoffState::kDeclined, 3},
                                  {workflow::HandoffState::kRevoked, 4},
                                  {workflow::HandoffState::kExpired, 5},
                                  {workflow::HandoffState::kCompleted, 6},
                              }}};

void Prepare(pqxx::connection& connection);

struct HandoffRow {
  workflow::HandoffSnapshot flow;  // id, state, recipient, answer due, reason
  std::string trajectory_id;
  std::string organisation_id;
  int purpose = 0;  // protobuf HandoffPurpose
  std::string message_sealed;
  std::string assigned_office;
  workflow::Instant sent_at{};
  std::string created_by;
  workflow::Instant created_at{};
  long long version = 1;
};

void InsertHandoff(pqxx::work& tx, const HandoffRow& row);
std::optional<HandoffRow> LoadHandoff(pqxx::work& tx, const std::string& id, bool for_update);
void UpdateHandoff(pqxx::work& tx, HandoffRow& row);
/// Every handoff of a trajectory, oldest first; locked when `for_update`.
std::vector<HandoffRow> HandoffsOfTrajectory(pqxx::work& tx, const std::string& trajectory_id,
                                             bool for_update = false);
/// A trajectory's handoffs, newest first: `limit` after the key `after`
/// (created_at, id) of the page before.
std::vector<HandoffRow> HandoffsPage(pqxx::work& tx, const std::string& trajectory_id,
                                     const std::optional<std::pair<long long, std::string>>& after,
                                     int limit);
std::vector<HandoffRow> Inbox(pqxx::work& tx, const std::string& recipient,
                              std::optional<workflow::HandoffState> state,
                              const std::optional<std::pair<long long, std::string>>& after,
                              int limit);

/// The contexts sealed values are bound to (common::Keyring::Seal): a value
/// copied to another row or column does not open there.
std::string MessageContext(const std::string& id);

/// Every column this service keeps sealed, for key rotation
/// (common::ReencryptColumns) and its all-services test.
const std::vector<common::SealedColumn>& SealedColumns();

}  // namespace ketenregie::handoff
