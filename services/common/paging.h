#pragma once

#include <grpcpp/support/status.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ketenregie/common/v1/common.pb.h"
#include "services/common/status.h"

namespace ketenregie::common {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

/// Page size after defaults and caps; nullopt when negative.
std::optional<int> PageSize(const ketenregie::common::v1::PageRequest& page);

/// What a list's ids are: UUIDs (most resources) or user ids (IsValidPrincipalId).
enum class PageIds { kUuids, kPrincipalIds };

/// A keyset position (sort key, id) as an opaque token, and back.
/// Decoding returns nullopt for a token this server did not make, or whose
/// id is not of the list's kind.
std::string EncodePageToken(long long key, const std::string& id);
std::optional<std::pair<long long, std::string>> DecodePageToken(const std::string& token,
                                                                 PageIds ids = PageIds::kUuids);

/// A list request's page, checked.
struct PageQuery {
  int size = kDefaultPageSize;
  std::optional<std::pair<long long, std::string>> after;
};
/// Adds page.page_size or page.page_token to `errors` when wrong; returns
/// whether both are right.
bool ParsePage(FieldErrors& errors, const ketenregie::common::v1::PageRequest& page,
               PageQuery& query, PageIds ids = PageIds::kUuids);

/// Renders the first `size` of `rows` (fetched as size + 1) and sets the
/// token of the next page when there is one; `key(row)` gives the sort key
/// and id the token carries.
template <typename Row, typename RenderRow, typename Key>
void FillPage(const std::vector<Row>& rows, int size, RenderRow render, Key key,
              std::string* next_page_token) {
  for (std::size_t i = 0; i < rows.size() && static_cast<int>(i) < size; ++i) {
    render(rows[i]);
  }
  if (static_cast<int>(rows.size()) > size) {
    const auto [sort_key, id] = key(rows[static_cast<std::size_t>(size - 1)]);
    *next_page_token = EncodePageToken(sort_key, id);
  }
}

}  // namespace ketenregie::common
