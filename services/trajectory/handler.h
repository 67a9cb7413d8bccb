#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/audit.h"
#include "services/common/change.h"
#include "services/common/clock.h"
#include "services/common/crypto.h"
#include "services/common/db_pool.h"
#include "services/common/directory.h"
#include "workflow/reflection.h"
#include "workflow/trajectory.h"

namespace ketenregie::trajectory {

/// What closing a trajectory must know from the other services: open
/// placements (shelter) and unanswered handoffs (handoff). R-CLOSE-REQUIRES.
class OpenWork {
 public:
  virtual ~OpenWork() = default;
  /// Fills the counts, or returns UNAVAILABLE when a service cannot answer
  /// (closing then fails closed).
  virtual grpc::Status Count(const std::string& trajectory_id, int& open_placements,
                             int& unanswered_handoffs) = 0;
};

struct Settings {
  std::chrono::milliseconds db_timeout{2000};
  workflow::TrajectoryPolicy trajectory_policy;
  workflow::ReflectionPolicy reflection_policy;
};

/// The trajectory service: decodes and validates, authorises, loads, asks
/// the workflow library, stores (with timeline, timers and tasks in the same
/// transaction) and replies. No rule is decided here.
class TrajectoryHandler final : public v1::TrajectoryService::Service {
 public:
  TrajectoryHandler(common::DbPool& db, const common::Directory& directory,
                    common::KeyringHolder& keys, const common::Clock& clock, OpenWork& open_work,
                    Settings settings);

  grpc::Status CreateSignal(grpc::ServerContext*, const v1::CreateSignalRequest*,
                            v1::Signal*) override;
  grpc::Status GetSignal(grpc::ServerContext*, const v1::GetSignalRequest*, v1::Signal*) override;
  grpc::Status ListSignals(grpc::ServerContext*, const v1::ListSignalsRequest*,
                           v1::ListSignalsResponse*) override;
  grpc::Status RegisterPerson(grpc::ServerContext*, const v1::RegisterPersonRequest*,
                              v1::RegisterPersonResponse*) override;
  grpc::Status GetTrajectory(grpc::ServerContext*, const v1::GetTrajectoryRequest*,
                             v1::Trajectory*) override;
  grpc::Status GetPersonIdentity(grpc::ServerContext*, const v1::GetPersonIdentityRequest*,
                                 v1::PersonIdentity*) override;
  grpc::Status ListTrajectories(grpc::ServerContext*, const v1::ListTrajectoriesRequest*,
                                v1::ListTrajectoriesResponse*) override;
  grpc::Status SetAgeStatus(grpc::ServerContext*, const v1::SetAgeStatusRequest*,
                            v1::Trajectory*) override;
  grpc::Status CorrectDateOfBirth(grpc::ServerContext*, const v1::CorrectDateOfBirthRequest*,
                                  v1::Trajectory*) override;
  grpc::Status RecordScreening(grpc::ServerContext*, const v1::RecordScreeningRequest*,
                               v1::Trajectory*) override;
  grpc::Status DecideRoute(grpc::ServerContext*, const v1::DecideRouteRequest*,
                           v1::Trajectory*) override;
  grpc::Status AssignCoordinator(grpc::ServerContext*, const v1::AssignCoordinatorRequest*,
                                 v1::Trajectory*) override;
  grpc::Status SetNonPunishmentFlag(grpc::ServerContext*, const v1::SetNonPunishmentFlagRequest*,
                                    v1::Trajectory*) override;
  grpc::Status ReactivateTrajectory(grpc::ServerContext*, const v1::ReactivateTrajectoryRequest*,
                                    v1::Trajectory*) override;
  grpc::Status StartReflectionPeriod(grpc::ServerContext*, const v1::StartReflectionPeriodRequest*,
                                     v1::Trajectory*) override;
  grpc::Status DecideReflectionPeriod(grpc::ServerContext*,
                                      const v1::DecideReflectionPeriodRequest*,
                                      v1::Trajectory*) override;
  grpc::Status RecordResidencePermit(grpc::ServerContext*, const v1::RecordResidencePermitRequest*,
                                     v1::Trajectory*) override;
  grpc::Status CloseTrajectory(grpc::ServerContext*, const v1::CloseTrajectoryRequest*,
                               v1::Trajectory*) override;
  grpc::Status ReopenTrajectory(grpc::ServerContext*, const v1::ReopenTrajectoryRequest*,
                                v1::Trajectory*) override;
  grpc::Status LinkTrajectory(grpc::ServerContext*, const v1::LinkTrajectoryRequest*,
                              v1::Trajectory*) override;
  grpc::Status ListTimeline(grpc::ServerContext*, const v1::ListTimelineRequest*,
                            v1::ListTimelineResponse*) override;
  grpc::Status ListTasks(grpc::ServerContext*, const v1::ListTasksRequest*,
                         v1::ListTasksResponse*) override;
  grpc::Status CompleteTask(grpc::ServerContext*, const v1::CompleteTaskRequest*,
                            v1::Task*) override;
  grpc::Status GetEligibilityFacts(grpc::ServerContext*, const v1::GetEligibilityFactsRequest*,
                                   v1::EligibilityFacts*) override;
  grpc::Status GetDisclosureSections(grpc::ServerContext*,
                                     const common::v1::GetDisclosureSectionsRequest*,
                                     common::v1::DisclosureSections*) override;
  /// The trajectory feed: registrations, routes, reflection periods,
  /// closures, with the state after each (codes only), for the services.
  grpc::Status ListEvents(grpc::ServerContext*, const common::v1::ListEventsRequest*,
                          common::v1::ListEventsResponse*) override;

  /// Fires due timers (reminders become tasks; a reflection period expires),
  /// each with its effect in one transaction. Safe with any number of
  /// replicas. Returns how many fired.
  int FireDueTimers(int limit);

  /// Moves up to `limit` encrypted values of each kind (identities with
  /// their blind index, observations, screenings) to the active keys, while
  /// the service runs. Returns how many values it re-encrypted.
  int ReencryptBatch(int limit);
  /// The persons' identities with their blind index (which the common job
  /// cannot recompute), in `tx`.
  static int ReencryptIdentities(pqxx::work& tx, const common::Keyring& keyring, int limit);

  /// One change of a trajectory in progress (what a method's step sees).
  struct Change;

 private:
  grpc::Status ChangeTrajectory(const common::Caller& caller, std::string_view method,
                                const google::protobuf::Message& request,
                                const std::string& request_id, const std::string& trajectory_id,
                                const std::string& etag, common::FieldErrors errors,
                                v1::Trajectory* response,
                                const std::function<grpc::Status(Change&)>& change);

  common::DbPool& db_;
  const common::Directory& directory_;
  common::KeyringHolder& keys_;
  const common::Clock& clock_;
  OpenWork& open_work_;
  Settings settings_;
  common::AccessGate gate_;
  common::Mutations mutations_;
};

}  // namespace ketenregie::trajectory
