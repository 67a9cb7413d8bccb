#pragma once

/// All SQL of the shelter service; statements prepared once per connection.

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "services/common/sealed.h"
#include "services/common/storage.h"
#include "workflow/placement.h"

namespace ketenregie::shelter {

/// The codes stored for a placement's state (common::StoredCodes), the
/// protobuf numbers they were first stored as. Overdue is stored as placed
/// with the `overdue` flag set, so both have code 2. Pinned by
/// tests/unit/stored_codes_test.cc.
inline constexpr common::StoredCodes kPlacementStates{
    "shelter.placements.state", std::array<common::StoredCode<workflow::PlacementState>, 5>{{
                                    {workflow::PlacementState::kRequested, 1},
                                    {workflow::PlacementState::kPlaced, 2},
                                    {workflow::PlacementState::kOverdue, 2},
                                    {workflow::PlacementState::kEnded, 3},
                                    {workflow::PlacementState::kCancelled, 4},
                                }}};

using workflow::Instant;

void Prepare(pqxx::connection& connection);

struct ShelterRow {
  std::string id;
  std::string display_name;
  int kind = 0;  // protobuf ShelterKind
  std::string operator_organisation;
  int capacity_beds = 0;
  std::string address_sealed;
  std::string key_id;
  Instant created_at{};
  long long version = 1;
};

void InsertShelter(pqxx::work& tx, const ShelterRow& row);
std::optional<ShelterRow> LoadShelter(pqxx::work& tx, const std::string& id, bool for_update);
void UpdateCapacity(pqxx::work& tx, ShelterRow& row);
std::vector<ShelterRow> ListShelters(pqxx::work& tx, int kind,
                                     const std::optional<std::pair<long long, std::string>>& after,
                                     int limit);
/// Beds held by placed and overdue placements of a shelter.
int OccupiedBeds(pqxx::work& tx, const std::string& shelter_id);

struct PlacementRow {
  workflow::PlacementSnapshot flow;  // id, state, kind, starts, planned end, limit, beds, move-on
  std::string shelter_id;
  std::string trajectory_id;
  int accompanying_children = 0;
  std::optional<Instant> ended_at;
  std::optional<std::string> continuation_sealed;
  std::string requested_by_organisation;
  std::string requested_by_user;
  Instant created_at{};
  long long version = 1;
};

void InsertPlacement(pqxx::work& tx, const PlacementRow& row);
std::optional<PlacementRow> LoadPlacement(pqxx::work& tx, const std::string& id, bool for_update);
void UpdatePlacement(pqxx::work& tx, PlacementRow& row);

struct PlacementFilter {
  std::string shelter_id;
  std::string trajectory_id;
  std::optional<workflow::PlacementState> state;  // nullopt: any
  bool overdue_only = false;
  /// Limits what the caller may see: placements of shelters run by this
  /// organisation, or requested by it (empty: no limit, for services).
  std::string operator_organisation;
  std::string requested_by_organisation;
};
std::vector<PlacementRow> ListPlacements(
    pqxx::work& tx, const PlacementFilter& filter,
    const std::optional<std::pair<long long, std::string>>& after, int limit);

/// The placements of one trajectory, newest first.
std::vector<PlacementRow> PlacementsOfTrajectory(pqxx::work& tx, const std::string& trajectory_id,
                                                 int limit);

struct OccupancyRow {
  std::string shelter_id;
  std::string display_name;
  int kind = 0;
  int capacity_beds = 0;
  int occupied_beds = 0;
  int nearing_limit = 0;
  int overdue = 0;
};
std::vector<OccupancyRow> Occupancy(pqxx::work& tx, int kind, Instant nearing_before);

/// The contexts sealed values are bound to (common::Keyring::Seal): a value
/// copied to another row or column does not open there.
std::string AddressContext(const std::string& id);
std::string ContinuationContext(const std::string& id);

/// Every column this service keeps sealed, for key rotation
/// (common::ReencryptColumns) and its all-services test.
const std::vector<common::SealedColumn>& SealedColumns();

}  // namespace ketenregie::shelter
