#pragma once

/// What every service's storage code shares: times and nullable values as
/// statement parameters, and the codes an enum is stored as.

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <pqxx/pqxx>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/db_pool.h"
#include "workflow/core.h"

namespace ketenregie::common {

/// Seconds since the epoch, as statements take them (to_timestamp($n)).
inline long long EpochOf(workflow::Instant instant) { return instant.time_since_epoch().count(); }

/// An `extract(epoch from ...)::bigint` column.
inline workflow::Instant InstantOf(const pqxx::field& field) {
  return workflow::Instant{std::chrono::seconds{field.as<long long>()}};
}
/// The same, NULL as nullopt.
inline std::optional<workflow::Instant> OptionalInstantOf(const pqxx::field& field) {
  if (field.is_null()) {
    return std::nullopt;
  }
  return InstantOf(field);
}
/// The same, NULL as the zero Instant (fields where "not set" is zero).
inline workflow::Instant InstantOrZeroOf(const pqxx::field& field) {
  return field.is_null() ? workflow::Instant{} : InstantOf(field);
}

/// A parameter that is text or SQL NULL (a null const char*): keep the
/// Nullable alive for the statement and pass get().
struct Nullable {
  std::optional<std::string> text;
  const char* get() const { return text ? text->c_str() : nullptr; }
};
/// NULL for no time (nullopt, or the zero Instant), else its epoch.
Nullable NullableEpoch(std::optional<workflow::Instant> instant);
/// NULL for empty text.
Nullable NullableText(const std::string& value);

/// Statement text from constant parts (column lists, clauses): never values.
template <typename... Parts>
std::string Sql(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

/// The code one value of an enum is stored as.
template <typename Enum>
struct StoredCode {
  Enum value;
  int code;
};

/// The codes a column stores for an enum, written out one by one — never
/// the enum's position, so that reordering or extending an enum in
/// workflow/ cannot change what stored rows mean. Each table is pinned by
/// tests/unit/stored_codes_test.cc; changing a code takes a migration that
/// converts the rows. SQL takes codes only as parameters (Of, CodesWhere).
template <typename Enum, std::size_t N>
class StoredCodes {
 public:
  constexpr StoredCodes(std::string_view column, std::array<StoredCode<Enum>, N> codes)
      : column_(column), codes_(codes) {}

  int Of(Enum value) const {
    for (const auto& c : codes_) {
      if (c.value == value) {
        return c.code;
      }
    }
    throw std::logic_error("no stored code for a value of " + std::string(column_));
  }

  /// The value a stored code means; a code no table knows is damaged data:
  /// StorageError, never a guess.
  Enum From(int code) const {
    for (const auto& c : codes_) {
      if (c.code == code) {
        return c.value;
      }
    }
    throw StorageError(StorageError::Kind::kUnavailable,
                       "unknown stored code in " + std::string(column_));
  }

  /// The codes of the values `holds` is true for, as an array parameter
  /// ("{1,2}", for `= ANY($n::smallint[])`): a rule of workflow/ decides
  /// which rows a statement means, the statement only compares codes.
  template <typename Predicate>
  std::string CodesWhere(Predicate&& holds) const {
    std::string out = "{";
    for (const auto& c : codes_) {
      if (holds(c.value)) {
        out += (out.size() > 1 ? "," : "") + std::to_string(c.code);
      }
    }
    return out + "}";
  }

  std::string_view column() const { return column_; }
  std::span<const StoredCode<Enum>> All() const { return codes_; }

 private:
  std::string_view column_;
  std::array<StoredCode<Enum>, N> codes_;
};

template <typename Enum, std::size_t N>
StoredCodes(std::string_view, std::array<StoredCode<Enum>, N>) -> StoredCodes<Enum, N>;

}  // namespace ketenregie::common
