#pragma once

/// The audit service's reads of the trail; statements prepared once per
/// connection. (Appending is common: every service appends in its own
/// transaction, services/common/audit.h.)

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "ketenregie/audit/v1/audit.pb.h"

namespace ketenregie::audit {

void Prepare(pqxx::connection& connection);

/// Records after `after_sequence`, in chain order, at most `limit`; of one
/// trajectory when `trajectory_id` is not empty.
std::vector<v1::AuditRecord> RecordsAfter(pqxx::work& tx, long long after_sequence,
                                          const std::string& trajectory_id, int limit);

/// Every record about one trajectory, in chain order (the subject-access
/// report).
std::vector<v1::AuditRecord> RecordsOf(pqxx::work& tx, const std::string& trajectory_id);

}  // namespace ketenregie::audit
