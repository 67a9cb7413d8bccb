#pragma once

/// The one mutation path for a change of a stored resource (DESIGN.md §4,
/// §7): every state change of every service goes through Change, and each
/// service supplies only an adapter that knows its tables and its answer.

#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

#include "services/common/audit.h"
#include "services/common/clock.h"
#include "services/common/crypto.h"
#include "services/common/db_pool.h"
#include "services/common/identity.h"
#include "services/common/mutation.h"
#include "services/common/status.h"
#include "services/common/validation.h"

namespace ketenregie::common {

/// What a service's changes run on.
struct Mutations {
  DbPool& db;
  std::chrono::milliseconds db_timeout;
  const KeyringHolder& keys;
  const Clock& clock;
  const AccessGate& gate;
};

/// The resource a change request is for, as the request names it.
struct ChangeTarget {
  /// The request's field that holds the id ("placement_id"), for the error
  /// that names it.
  std::string_view id_field;
  const std::string& id;
  const std::string& etag;
  const std::string& request_id;
  /// How the id is checked: a UUID, or (a user's) a principal id.
  bool (*check_id)(FieldErrors&, std::string_view, const std::string&) = &CheckId;
};

/// Adds the bad fields of `target` to `errors`. Change checks them with the
/// method's own fields; a method that must ask another service before its
/// change (DecideRoute) checks them before that call.
void CheckChangeTarget(FieldErrors& errors, const ChangeTarget& target);

/// Runs one change, exactly once per request_id (Mutate), in one
/// transaction:
///
///   check the target with the method's own field checks (`errors`, every
///   bad field at once) → adapter.Open (the resource locked for update, and
///   whatever else its change must hold) → the etag the caller saw →
///   step(work), the workflow's decision → adapter.Save (store it, carry
///   out the workflow's actions, publish, timeline) → adapter.Render.
///
/// Any refusal rolls back everything; a refusal for who the caller is
/// (PERMISSION_DENIED) is put on the audit trail naming the resource's
/// trajectory. The adapter:
///
///   using Response = ...;   // what the method answers
///   using Work = ...;       // the change in progress, what step() sees
///   static constexpr std::string_view kResource;  // "placement"
///   grpc::Status Open(pqxx::work&, const Caller&, const std::string& id,
///                     workflow::Instant now, std::optional<Work>&);
///       // leaves Work empty when there is no such resource the caller may
///       // change (NOT_FOUND; never "exists but not yours")
///   std::string TrajectoryOf(const Work&);
///   long long Version(const Work&);
///   void Save(Work&);
///   void Render(const Work&, Response*);
template <typename Adapter, typename Step>
grpc::Status Change(const Mutations& m, const Caller& caller, std::string_view method,
                    const google::protobuf::Message& request, const ChangeTarget& target,
                    FieldErrors errors, typename Adapter::Response* response, Adapter& adapter,
                    Step&& step) {
  CheckChangeTarget(errors, target);
  std::string about;  // the resource's trajectory, for the record of a refusal
  grpc::Status status =
      Mutate(m.db, m.db_timeout, caller, method, request, errors, target.request_id, response,
             m.keys, [&](pqxx::work& tx, typename Adapter::Response* out) -> grpc::Status {
               std::optional<typename Adapter::Work> work;
               if (auto refused = adapter.Open(tx, caller, target.id, m.clock.Now(), work);
                   !refused.ok()) {
                 return refused;
               }
               if (!work) {
                 return NotFound(Adapter::kResource);
               }
               about = adapter.TrajectoryOf(*work);
               if (Etag(adapter.Version(*work)) != target.etag) {
                 return StaleEtag(Adapter::kResource);
               }
               if (auto refused = step(*work); !refused.ok()) {
                 return refused;
               }
               adapter.Save(*work);
               adapter.Render(*work, out);
               return grpc::Status::OK;
             });
  return m.gate.Checked(caller, request, method, std::move(status), about);
}

}  // namespace ketenregie::common
