// TrajectoryHandler: the background work — durable timers and key rotation.

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <set>

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
#include "services/trajectory/mapping.h"
#include "services/trajectory/storage.h"
#include "services/trajectory/support.h"
#include "workflow/calendar.h"
#include "workflow/rules.h"

namespace ketenregie::trajectory {

// --- durable timers ---------------------------------------------------------------

int TrajectoryHandler::FireDueTimers(int limit) {
  const Instant now = clock_.Now();
  return common::FireTimers(
      db_, settings_.db_timeout, now, limit, [&](pqxx::work& tx, const common::DueTimer& timer) {
        auto row = LoadTrajectory(tx, timer.owner_id, /*for_update=*/true);
        if (!row || !common::ClaimTimer(tx, timer.id)) {
          return false;  // fired, cancelled, or being fired by another replica
        }
        std::vector<TrajectoryAction> actions;
        std::string kind = "reminder.due";
        if (timer.kind == "reflection.expiry") {
          // The deadline itself: the period expires unless decided first.
          const auto expired =
              workflow::ApplyReflection(row->reflection, {workflow::ReflectionEvent::kExpire}, now,
                                        settings_.reflection_policy);
          if (expired.ok()) {
            row->reflection = expired.value().next;
            actions = expired.value().actions;
            UpdateTrajectory(tx, *row, now);
            kind = "reflection.expired";
          } else {
            kind.clear();  // decided in time: nothing to do
          }
        } else if (timer.kind == workflow::kEighteenthBirthdayKind) {
          // Her 18th birthday by the date of birth on record: an adult from
          // today, the coordinator asked to review route and consent.
          const workflow::AgeStatus age_before = row->flow.age;
          const auto of_age = workflow::ApplyTrajectory(
              row->flow, {workflow::TrajectoryEvent::kComeOfAge}, now, settings_.trajectory_policy);
          if (of_age.ok()) {
            row->flow = of_age.value().next;
            actions = of_age.value().actions;
            UpdateTrajectory(tx, *row, now);
            Publish(tx, *row, row->flow.state, now, age_before);
            kind = "person.came_of_age";
          } else {
            kind.clear();  // the date was corrected, or the trajectory closed
          }
        } else {
          InsertTask(tx,
                     {common::NewUuid(), row->id, row->organisation_id, timer.kind, timer.due_at,
                      workflow::TaskState::kOpen, row->flow.coordinator, timer.id, 1});
        }
        ApplyActions(tx, *row, actions, now);
        if (!kind.empty()) {
          AppendTimeline(
              tx, {0, row->id, row->organisation_id, "system", now, kind, {{"kind", timer.kind}}});
        }
        return true;
      });
}

// --- key rotation ------------------------------------------------------------------

int TrajectoryHandler::ReencryptIdentities(pqxx::work& tx, const common::Keyring& keyring,
                                           int limit) {
  int moved = 0;
  for (const auto& stale :
       StaleIdentities(tx, keyring.active_key_id(), keyring.active_blind_key_id(), limit)) {
    const std::string plaintext = keyring.Open(stale.sealed, IdentityContext(stale.id));
    v1::PersonIdentity identity;
    identity.ParseFromString(plaintext);
    const std::optional<std::string> blind_index = BlindIndexOf(keyring, identity);
    UpdatePersonKeys(tx, stale.id, keyring.Seal(plaintext, IdentityContext(stale.id)),
                     keyring.active_key_id(), blind_index, keyring.active_blind_key_id());
    ++moved;
  }
  return moved;
}

int TrajectoryHandler::ReencryptBatch(int limit) {
  const auto keyring = keys_.Get();
  return common::RunTransaction(db_, settings_.db_timeout, [&](pqxx::work& tx) {
    return ReencryptIdentities(tx, *keyring, limit) +
           common::ReencryptColumns(tx, *keyring, SealedColumns(), limit);
  });
}

}  // namespace ketenregie::trajectory
