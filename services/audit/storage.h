#pragma once

/// The audit service's reads of the trail; statements prepared once per
/// connection. (Appending is common: every service appends in its own
/// transaction, services/common/audit.h.)

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "ketenregie/audit/v1/audit.pb.h"
#include "services/common/audit.h"

namespace ketenregie::audit {

void Prepare(pqxx::connection& connection);

/// The columns of a stored record, each named as StoredRecord reads it.
extern const char* const kRecordColumns;

/// A row of kRecordColumns as the record that was appended.
common::AuditRecord StoredRecord(const pqxx::row& row);

/// What ListRecords searches by; an empty (or zero) filter matches all.
struct RecordFilter {
  std::string trajectory_id;
  std::string organisation_id;
  std::string actor;
  int action = 0;
  int decision = 0;
  std::optional<long long> from_epoch;   // occurred_at >= from
  std::optional<long long> until_epoch;  // occurred_at < until
};

/// Records matching `filter` after `after_sequence`, in chain order, at most
/// `limit`.
std::vector<v1::AuditRecord> RecordsAfter(pqxx::work& tx, const RecordFilter& filter,
                                          long long after_sequence, int limit);

/// Every record about one trajectory, in chain order (the subject-access
/// report).
std::vector<v1::AuditRecord> RecordsOf(pqxx::work& tx, const std::string& trajectory_id);

}  // namespace ketenregie::audit
