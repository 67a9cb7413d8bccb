#pragma once

#include <optional>
#include <string>
#include <utility>

#include "ketenregie/common/v1/common.pb.h"

namespace ketenregie::common {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

/// Page size after defaults and caps; nullopt when negative.
std::optional<int> PageSize(const ketenregie::common::v1::PageRequest& page);

/// A keyset position (sort key, id) as an opaque token, and back.
/// Decoding returns nullopt for a token this server did not make.
std::string EncodePageToken(long long key, const std::string& id);
std::optional<std::pair<long long, std::string>> DecodePageToken(const std::string& token);

}  // namespace ketenregie::common
