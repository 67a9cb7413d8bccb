#pragma once

/// Key rotation for every sealed value (DESIGN.md §6): each service lists
/// the columns it keeps encrypted, and one job moves every value of them to
/// the active key while the service runs, so an old key can be retired
/// (`ketenregie retire-key`) once nothing is sealed under it any more.

#include <pqxx/pqxx>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/crypto.h"

namespace ketenregie::common {

/// One column of sealed values. Everything here is a constant of the
/// service, never input: statements are made from it once per connection.
struct SealedColumn {
  /// "shelter.shelters"
  std::string table;
  /// "address"
  std::string column;
  /// The columns the value's context is made of, read as text ("id").
  std::vector<std::string> key_columns;
  /// The context the value is sealed with, from those columns' values: the
  /// same function the service seals with.
  std::string (*context)(const std::vector<std::string>& keys);
  /// A column naming the value's key id, kept in step ("key_id"), or empty.
  std::string key_id_column = {};
  /// The service moves this column itself (the persons' identities, whose
  /// blind index is recomputed with them): the common job passes it over.
  bool moved_by_service = false;
};

/// The request log's sealed answers, which every service with mutations keeps.
SealedColumn RequestLogColumn(std::string_view schema);

/// Prepares the statements that find and move stale values of `columns`.
void PrepareReencryption(pqxx::connection& connection, std::span<const SealedColumn> columns);

/// Moves up to `limit` values of each column that are not under the active
/// key to it, in `tx` (rows taken FOR UPDATE SKIP LOCKED, so replicas share
/// the work). Returns how many it moved.
int ReencryptColumns(pqxx::work& tx, const Keyring& keys, std::span<const SealedColumn> columns,
                     int limit);

/// How many values of `column` are sealed under another key than
/// `active_key` (for tests and operators: 0 before a key is retired).
long long CountStale(pqxx::transaction_base& tx, const SealedColumn& column,
                     const std::string& active_key);

/// Every value of `column` with the context it is sealed with, for checking
/// that they all open (tests).
struct SealedValueOf {
  std::string context;
  std::string sealed;
};
std::vector<SealedValueOf> AllValues(pqxx::transaction_base& tx, const SealedColumn& column);

}  // namespace ketenregie::common
