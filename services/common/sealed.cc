#include "services/common/sealed.h"

#include "services/common/mutation.h"
#include "services/common/storage.h"

namespace ketenregie::common {
namespace {

std::string StatementName(std::string_view verb, const SealedColumn& c) {
  std::string name = "reencrypt_" + std::string(verb) + "_" + c.table + "_" + c.column;
  for (char& ch : name) {
    if (ch == '.') {
      ch = '_';
    }
  }
  return name;
}

std::string KeyList(const SealedColumn& c) {
  std::string out;
  for (const auto& key : c.key_columns) {
    out += key + "::text AS " + key + ", ";
  }
  return out;
}

// The key id inside a sealed value: its envelope carries it (Keyring::Seal).
std::string StaleCondition(const SealedColumn& c) {
  const std::string& col = c.column;
  return col + " IS NOT NULL AND substring(" + col + " from 3 for get_byte(" + col +
         ", 1)) <> convert_to($1, 'UTF8')";
}

std::vector<std::string> KeysOf(const pqxx::row& r, const SealedColumn& c) {
  std::vector<std::string> keys;
  for (const auto& key : c.key_columns) {
    keys.push_back(r[key].as<std::string>());
  }
  return keys;
}

std::string RequestLogContextOf(const std::vector<std::string>& keys) {
  return RequestLogContext(keys.at(0), keys.at(1));
}

}  // namespace

SealedColumn RequestLogColumn(std::string_view schema) {
  return {std::string(schema) + ".request_log",
          "response",
          {"organisation_id", "request_id"},
          &RequestLogContextOf};
}

void PrepareReencryption(pqxx::connection& connection, std::span<const SealedColumn> columns) {
  for (const auto& c : columns) {
    if (c.moved_by_service) {
      continue;
    }
    connection.prepare(StatementName("stale", c),
                       Sql("SELECT ctid::text AS tid, ", KeyList(c), c.column, " FROM ", c.table,
                           " WHERE ", StaleCondition(c), " LIMIT $2 FOR UPDATE SKIP LOCKED"));
    const std::string key_id = c.key_id_column.empty() ? "" : ", " + c.key_id_column + " = $3";
    connection.prepare(StatementName("move", c), Sql("UPDATE ", c.table, " SET ", c.column, " = $2",
                                                     key_id, " WHERE ctid = $1::tid"));
  }
}

int ReencryptColumns(pqxx::work& tx, const Keyring& keys, std::span<const SealedColumn> columns,
                     int limit) {
  int moved = 0;
  for (const auto& c : columns) {
    if (c.moved_by_service) {
      continue;
    }
    for (const auto& r : tx.exec_prepared(StatementName("stale", c), keys.active_key_id(), limit)) {
      const std::string context = c.context(KeysOf(r, c));
      const std::string sealed =
          keys.Seal(keys.Open(pqxx::binarystring(r[c.column]).str(), context), context);
      const std::string tid = r["tid"].as<std::string>();
      if (c.key_id_column.empty()) {
        tx.exec_prepared(StatementName("move", c), tid, pqxx::binarystring(sealed));
      } else {
        tx.exec_prepared(StatementName("move", c), tid, pqxx::binarystring(sealed),
                         keys.active_key_id());
      }
      ++moved;
    }
  }
  return moved;
}

long long CountStale(pqxx::transaction_base& tx, const SealedColumn& c,
                     const std::string& active_key) {
  return tx
      .exec_params1(Sql("SELECT count(*) FROM ", c.table, " WHERE ", StaleCondition(c)),
                    active_key)[0]
      .as<long long>();
}

std::vector<SealedValueOf> AllValues(pqxx::transaction_base& tx, const SealedColumn& c) {
  std::vector<SealedValueOf> out;
  for (const auto& r : tx.exec(Sql("SELECT ", KeyList(c), c.column, " FROM ", c.table, " WHERE ",
                                   c.column, " IS NOT NULL"))) {
    out.push_back({c.context(KeysOf(r, c)), pqxx::binarystring(r[c.column]).str()});
  }
  return out;
}

}  // namespace ketenregie::common
