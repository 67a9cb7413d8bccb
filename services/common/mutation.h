#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

#include "services/common/crypto.h"
#include "services/common/db_pool.h"
#include "services/common/identity.h"
#include "services/common/status.h"
#include "services/common/validation.h"

namespace ketenregie::common {

/// Registers the request-log statements of a service's schema on a new
/// connection (schema is a constant of the service, never input).
void PrepareRequestLog(pqxx::connection& connection, std::string_view schema);

/// SHA-256 over the method name and the request's deterministic encoding.
/// Stored only inside the sealed request-log entry, never in clear.
std::string RequestDigest(std::string_view method, const google::protobuf::Message& request);

/// The context a request-log entry is sealed with: bound to its key.
std::string RequestLogContext(const std::string& organisation, const std::string& request_id);

namespace internal {
// Carries a refusal out of the transaction so that it rolls back.
struct Refused {
  grpc::Status status;
};
}  // namespace internal

/// Runs one mutation exactly once per (organisation, request_id) — DESIGN.md §7:
///  * `errors`, what the handler found wrong with the request (a FieldErrors
///    made from the request, so control characters in any text field
///    included), is INVALID_ARGUMENT naming every such field, before
///    anything is read or written;
///  * a retry with the same request_id returns the first answer and writes
///    nothing new, even after a restart (the answer is in the request log);
///  * the same request_id with a different request is INVALID_ARGUMENT;
///  * `body(tx, response)` returns a non-OK status to refuse: the whole
///    transaction rolls back and nothing is written or recorded;
///  * two concurrent calls with one request_id: the first claims the id with
///    its request-log row at once (empty until it answers), the second waits
///    on that row and then finds the first's answer, never a stale etag for
///    work that succeeded;
///  * the stored answer holds what the caller was shown, so it is sealed
///    with the service's keys (with the request digest inside), like any
///    other personal data at rest.
template <typename Response, typename Body>
grpc::Status Mutate(DbPool& pool, std::chrono::milliseconds acquire_timeout, const Caller& caller,
                    std::string_view method, const google::protobuf::Message& request,
                    const FieldErrors& errors, const std::string& request_id, Response* response,
                    const KeyringHolder& keys, Body&& body) {
  if (auto invalid = errors.Status(); !invalid.ok()) {
    return invalid;
  }
  const std::string digest = RequestDigest(method, request);
  const std::string context = RequestLogContext(caller.identity.organisation_id, request_id);
  for (int attempt = 1;; ++attempt) {
    try {
      RunTransaction(pool, acquire_timeout, [&](pqxx::work& tx) {
        response->Clear();
        const pqxx::result claimed = tx.exec_prepared(
            "request_claim", caller.identity.organisation_id, request_id, std::string(method));
        if (claimed.empty()) {
          // Answered already (or just now, by the call this one waited for).
          const pqxx::result found =
              tx.exec_prepared("request_log_find", caller.identity.organisation_id, request_id);
          const std::string entry =
              keys.Get()->Open(pqxx::binarystring(found[0]["response"]).str(), context);
          if (found[0]["method"].as<std::string>() != method ||
              entry.compare(0, digest.size(), digest) != 0) {
            throw internal::Refused{InvalidArgument("request_id", FieldReason::kReused,
                                                    "already used for a different request")};
          }
          response->ParseFromString(entry.substr(digest.size()));
          return;
        }
        grpc::Status status = body(tx, response);
        if (!status.ok()) {
          throw internal::Refused{std::move(status)};
        }
        tx.exec_prepared(
            "request_log_answer", caller.identity.organisation_id, request_id,
            pqxx::binarystring(keys.Get()->Seal(digest + response->SerializeAsString(), context)));
      });
      return grpc::Status::OK;
    } catch (const internal::Refused& refused) {
      return refused.status;
    } catch (const pqxx::unique_violation&) {
      if (attempt >= 3) {
        return FromStorageError(StorageError(StorageError::Kind::kConflict, "unique violation"));
      }
    } catch (const StorageError& error) {
      return FromStorageError(error);
    }
  }
}

/// Runs a read in one transaction, mapping storage errors to a status.
template <typename Body>
grpc::Status Read(DbPool& pool, std::chrono::milliseconds acquire_timeout, Body&& body) {
  try {
    grpc::Status status;
    RunTransaction(pool, acquire_timeout, [&](pqxx::work& tx) { status = body(tx); });
    return status;
  } catch (const StorageError& error) {
    return FromStorageError(error);
  }
}

/// A read whose body adds to `response` as it goes (a row, then its audit
/// record, then the next row): `response` is emptied before each attempt,
/// so a transaction run again (RunTransaction) never answers a row twice.
template <typename Body>
grpc::Status ReadInto(DbPool& pool, std::chrono::milliseconds acquire_timeout,
                      google::protobuf::Message& response, Body&& body) {
  return Read(pool, acquire_timeout, [&](pqxx::work& tx) {
    response.Clear();
    return body(tx);
  });
}

/// Runs a read that is exactly one SQL statement, in autocommit: one round
/// trip instead of three. The statement sees every transaction committed
/// before it started (its own snapshot), which is all a point-in-time
/// decision needs. Never for two statements that must agree with each other.
template <typename Body>
grpc::Status ReadOneStatement(DbPool& pool, std::chrono::milliseconds acquire_timeout,
                              Body&& body) {
  try {
    grpc::Status status;
    RunTransaction<pqxx::nontransaction>(pool, acquire_timeout,
                                         [&](pqxx::nontransaction& tx) { status = body(tx); });
    return status;
  } catch (const StorageError& error) {
    return FromStorageError(error);
  }
}

}  // namespace ketenregie::common
