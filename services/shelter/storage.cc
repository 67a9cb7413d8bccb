#include "services/shelter/storage.h"

#include "services/common/audit.h"
#include "services/common/mutation.h"
#include "services/common/outbox.h"
#include "services/common/storage.h"
#include "services/common/timers.h"

namespace ketenregie::shelter {
namespace {

using common::EpochOf;
using common::InstantOf;
using common::Nullable;
using common::OptionalInstantOf;
using common::Sql;

// The codes of the states that hold beds (workflow::HoldsBeds), made once.
const std::string& BedHolding() {
  static const std::string codes = kPlacementStates.CodesWhere(workflow::HoldsBeds);
  return codes;
}

using workflow::PlacementState;

// Every column a reader takes is named (AS), and read by that name.
constexpr const char* kShelterColumns =
    "id::text AS id, display_name, kind, operator_organisation_id, capacity_beds, address, "
    "key_id, extract(epoch from created_at)::bigint AS created_at, version";
constexpr const char* kPlacementColumns =
    "p.id::text AS id, p.shelter_id::text AS shelter_id, p.trajectory_id::text AS "
    "trajectory_id, p.state, p.accompanying_children, p.beds, "
    "extract(epoch from p.starts_at)::bigint AS starts_at, "
    "extract(epoch from p.planned_end_at)::bigint AS planned_end_at, "
    "extract(epoch from p.limit_at)::bigint AS limit_at, "
    "extract(epoch from p.ended_at)::bigint AS ended_at, p.move_on, p.continuation_reason, "
    "p.requested_by_organisation, p.requested_by_user, "
    "extract(epoch from p.created_at)::bigint AS created_at, p.version, s.kind AS shelter_kind, "
    "p.overdue";

ShelterRow ShelterOf(const pqxx::row& r) {
  ShelterRow row;
  row.id = r["id"].as<std::string>();
  row.display_name = r["display_name"].as<std::string>();
  row.kind = r["kind"].as<int>();
  row.operator_organisation = r["operator_organisation_id"].as<std::string>();
  row.capacity_beds = r["capacity_beds"].as<int>();
  row.address_sealed = pqxx::binarystring(r["address"]).str();
  row.key_id = r["key_id"].as<std::string>();
  row.created_at = InstantOf(r["created_at"]);
  row.version = r["version"].as<long long>();
  return row;
}

PlacementRow PlacementOf(const pqxx::row& r) {
  PlacementRow row;
  row.flow.id = r["id"].as<std::string>();
  row.shelter_id = r["shelter_id"].as<std::string>();
  row.trajectory_id = r["trajectory_id"].as<std::string>();
  row.flow.state = kPlacementStates.From(r["state"].as<int>());
  if (row.flow.state == PlacementState::kPlaced && r["overdue"].as<bool>()) {
    row.flow.state = PlacementState::kOverdue;
  }
  row.accompanying_children = r["accompanying_children"].as<int>();
  row.flow.beds_needed = r["beds"].as<int>();
  row.flow.starts_at = InstantOf(r["starts_at"]);
  row.flow.planned_end = common::InstantOrZeroOf(r["planned_end_at"]);
  row.flow.limit = common::InstantOrZeroOf(r["limit_at"]);
  row.ended_at = OptionalInstantOf(r["ended_at"]);
  row.flow.move_on = static_cast<workflow::MoveOn>(r["move_on"].as<int>());
  if (!r["continuation_reason"].is_null()) {
    row.continuation_sealed = pqxx::binarystring(r["continuation_reason"]).str();
  }
  row.requested_by_organisation = r["requested_by_organisation"].as<std::string>();
  row.requested_by_user = r["requested_by_user"].as<std::string>();
  row.created_at = InstantOf(r["created_at"]);
  row.version = r["version"].as<long long>();
  // protobuf ShelterKind 1..3 → workflow kCrisis.. in the same order.
  row.flow.kind = static_cast<workflow::ShelterKind>(r["shelter_kind"].as<int>() - 1);
  return row;
}

}  // namespace

void Prepare(pqxx::connection& c) {
  common::PrepareRequestLog(c, "shelter");
  common::PrepareOutbox(c, "shelter");
  common::PrepareFeedCursors(c, "shelter");
  common::PrepareReencryption(c, SealedColumns());
  common::PrepareAudit(c);
  c.prepare("shelter_insert",
            "INSERT INTO shelter.shelters (id, display_name, kind, operator_organisation_id, "
            "capacity_beds, address, key_id, created_at) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, "
            "to_timestamp($8))");
  c.prepare("shelter_load",
            Sql("SELECT ", kShelterColumns, " FROM shelter.shelters WHERE id = $1::uuid"));
  c.prepare(
      "shelter_load_for_update",
      Sql("SELECT ", kShelterColumns, " FROM shelter.shelters WHERE id = $1::uuid FOR UPDATE"));
  c.prepare("shelter_capacity",
            "UPDATE shelter.shelters SET capacity_beds = $2, version = version + 1 WHERE id = "
            "$1::uuid");
  c.prepare(
      "shelters_list",
      Sql("SELECT ", kShelterColumns,
          " FROM shelter.shelters WHERE ($1 = 0 OR kind = $1) AND ($2::bigint IS NULL OR "
          "(created_at, id) < (to_timestamp($2), $3::uuid)) ORDER BY shelters.created_at DESC, "
          "shelters.id DESC LIMIT $4"));
  c.prepare("occupied_beds",
            "SELECT coalesce(sum(beds), 0) FROM shelter.placements WHERE shelter_id = $1::uuid "
            "AND state = ANY($2::smallint[])");
  c.prepare("placement_insert",
            "INSERT INTO shelter.placements (id, shelter_id, trajectory_id, state, "
            "accompanying_children, beds, starts_at, planned_end_at, limit_at, "
            "requested_by_organisation, requested_by_user, created_at) VALUES ($1::uuid, "
            "$2::uuid, $3::uuid, $4, $5, $6, to_timestamp($7), to_timestamp($8), to_timestamp($9), "
            "$10, $11, to_timestamp($12))");
  c.prepare("placement_load",
            Sql("SELECT ", kPlacementColumns,
                " FROM shelter.placements p JOIN shelter.shelters s ON s.id = p.shelter_id WHERE "
                "p.id = $1::uuid"));
  c.prepare("placement_load_for_update",
            Sql("SELECT ", kPlacementColumns,
                " FROM shelter.placements p JOIN shelter.shelters s ON s.id = p.shelter_id WHERE "
                "p.id = $1::uuid FOR UPDATE OF p"));
  c.prepare("placement_update",
            "UPDATE shelter.placements SET state = $2, overdue = $3, ended_at = to_timestamp($4), "
            "move_on = $5, continuation_reason = NULLIF($6, ''::bytea), version = version + 1 "
            "WHERE id = $1::uuid");
  c.prepare(
      "placements_list",
      Sql("SELECT ", kPlacementColumns,
          " FROM shelter.placements p JOIN shelter.shelters s ON s.id = p.shelter_id WHERE "
          "($1 = '' OR p.shelter_id = $1::uuid) AND ($2 = '' OR p.trajectory_id = $2::uuid) "
          "AND ($3::smallint IS NULL OR p.state = $3) AND (NOT $4 OR p.overdue) AND ($5 = '' OR "
          "s.operator_organisation_id = $5) AND ($6 = '' OR p.requested_by_organisation = "
          "$6) AND ($7::bigint IS NULL OR (p.created_at, p.id) < (to_timestamp($7), "
          "$8::uuid)) ORDER BY p.created_at DESC, p.id DESC LIMIT $9"));
  // One trajectory's placements, for the packet sections and the closing:
  // its own statement, so its generic plan stays on the index whatever the
  // list above is used for.
  c.prepare("placements_of_trajectory",
            Sql("SELECT ", kPlacementColumns,
                " FROM shelter.placements p JOIN shelter.shelters s ON s.id = p.shelter_id "
                "WHERE p.trajectory_id = $1::uuid ORDER BY p.created_at DESC, p.id DESC LIMIT $2"));
  c.prepare("occupancy",
            "SELECT s.id::text AS id, s.display_name, s.kind, s.capacity_beds, "
            "coalesce(sum(p.beds) FILTER (WHERE p.state = ANY($3::smallint[])), 0) AS occupied, "
            "count(*) FILTER (WHERE p.state = $4 AND NOT p.overdue AND p.limit_at < "
            "to_timestamp($2)) AS nearing_limit, count(*) FILTER (WHERE p.state = $4 AND "
            "p.overdue) AS overdue "
            "FROM shelter.shelters s LEFT JOIN shelter.placements p ON p.shelter_id = s.id "
            "WHERE ($1 = 0 OR s.kind = $1) GROUP BY s.id ORDER BY s.display_name, s.id");
  common::PrepareTimers(c, "shelter", "placement_id");
}

void InsertShelter(pqxx::work& tx, const ShelterRow& r) {
  tx.exec_prepared("shelter_insert", r.id, r.display_name, r.kind, r.operator_organisation,
                   r.capacity_beds, pqxx::binarystring(r.address_sealed), r.key_id,
                   EpochOf(r.created_at));
}

std::optional<ShelterRow> LoadShelter(pqxx::work& tx, const std::string& id, bool for_update) {
  const auto r = tx.exec_prepared(for_update ? "shelter_load_for_update" : "shelter_load", id);
  if (r.empty()) {
    return std::nullopt;
  }
  return ShelterOf(r[0]);
}

void UpdateCapacity(pqxx::work& tx, ShelterRow& row) {
  tx.exec_prepared("shelter_capacity", row.id, row.capacity_beds);
  row.version += 1;
}

std::vector<ShelterRow> ListShelters(pqxx::work& tx, int kind,
                                     const std::optional<std::pair<long long, std::string>>& after,
                                     int limit) {
  const Nullable key = after ? Nullable{std::to_string(after->first)} : Nullable{};
  const Nullable id = after ? Nullable{after->second} : Nullable{};
  std::vector<ShelterRow> out;
  for (const auto& r : tx.exec_prepared("shelters_list", kind, key.get(), id.get(), limit)) {
    out.push_back(ShelterOf(r));
  }
  return out;
}

int OccupiedBeds(pqxx::work& tx, const std::string& shelter_id) {
  return tx.exec_prepared1("occupied_beds", shelter_id, BedHolding())[0].as<int>();
}

void InsertPlacement(pqxx::work& tx, const PlacementRow& r) {
  tx.exec_prepared("placement_insert", r.flow.id, r.shelter_id, r.trajectory_id,
                   kPlacementStates.Of(r.flow.state), r.accompanying_children, r.flow.beds_needed,
                   EpochOf(r.flow.starts_at), common::NullableEpoch(r.flow.planned_end).get(),
                   common::NullableEpoch(r.flow.limit).get(), r.requested_by_organisation,
                   r.requested_by_user, EpochOf(r.created_at));
}

std::optional<PlacementRow> LoadPlacement(pqxx::work& tx, const std::string& id, bool for_update) {
  const auto r = tx.exec_prepared(for_update ? "placement_load_for_update" : "placement_load", id);
  if (r.empty()) {
    return std::nullopt;
  }
  return PlacementOf(r[0]);
}

void UpdatePlacement(pqxx::work& tx, PlacementRow& r) {
  tx.exec_prepared("placement_update", r.flow.id, kPlacementStates.Of(r.flow.state),
                   r.flow.state == PlacementState::kOverdue,
                   common::NullableEpoch(r.ended_at.value_or(Instant{})).get(),
                   static_cast<int>(r.flow.move_on),
                   pqxx::binarystring(r.continuation_sealed.value_or("")));
  r.version += 1;
}

std::vector<PlacementRow> ListPlacements(
    pqxx::work& tx, const PlacementFilter& f,
    const std::optional<std::pair<long long, std::string>>& after, int limit) {
  const Nullable key = after ? Nullable{std::to_string(after->first)} : Nullable{};
  const Nullable id = after ? Nullable{after->second} : Nullable{};
  std::vector<PlacementRow> out;
  const Nullable state =
      f.state ? Nullable{std::to_string(kPlacementStates.Of(*f.state))} : Nullable{};
  for (const auto& r : tx.exec_prepared("placements_list", f.shelter_id, f.trajectory_id,
                                        state.get(), f.overdue_only, f.operator_organisation,
                                        f.requested_by_organisation, key.get(), id.get(), limit)) {
    out.push_back(PlacementOf(r));
  }
  return out;
}

std::vector<PlacementRow> PlacementsOfTrajectory(pqxx::work& tx, const std::string& trajectory_id,
                                                 int limit) {
  std::vector<PlacementRow> out;
  for (const auto& r : tx.exec_prepared("placements_of_trajectory", trajectory_id, limit)) {
    out.push_back(PlacementOf(r));
  }
  return out;
}

std::vector<OccupancyRow> Occupancy(pqxx::work& tx, int kind, Instant nearing_before) {
  std::vector<OccupancyRow> out;
  for (const auto& r : tx.exec_prepared("occupancy", kind, EpochOf(nearing_before), BedHolding(),
                                        kPlacementStates.Of(PlacementState::kPlaced))) {
    out.push_back({r["id"].as<std::string>(), r["display_name"].as<std::string>(),
                   r["kind"].as<int>(), r["capacity_beds"].as<int>(), r["occupied"].as<int>(),
                   r["nearing_limit"].as<int>(), r["overdue"].as<int>()});
  }
  return out;
}

std::string AddressContext(const std::string& id) { return "shelters.address/" + id; }

std::string ContinuationContext(const std::string& id) { return "placements.continuation/" + id; }

const std::vector<common::SealedColumn>& SealedColumns() {
  static const std::vector<common::SealedColumn> columns = {
      {"shelter.shelters",
       "address",
       {"id"},
       [](const std::vector<std::string>& k) { return AddressContext(k[0]); },
       "key_id"},
      {"shelter.placements",
       "continuation_reason",
       {"id"},
       [](const std::vector<std::string>& k) { return ContinuationContext(k[0]); }},
      common::RequestLogColumn("shelter"),
  };
  return columns;
}

}  // namespace ketenregie::shelter
