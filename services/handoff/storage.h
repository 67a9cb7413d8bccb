#pragma once

/// All SQL of the handoff service; statements prepared once per connection.

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "workflow/handoff.h"

namespace ketenregie::handoff {

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
std::vector<HandoffRow> Inbox(pqxx::work& tx, const std::string& recipient, int state,
                              const std::optional<std::pair<long long, std::string>>& after,
                              int limit);
/// Every handoff of a trajectory to a recipient, oldest first, locked.
std::vector<HandoffRow> HandoffsTo(pqxx::work& tx, const std::string& trajectory_id,
                                   const std::string& recipient);

}  // namespace ketenregie::handoff
