#include "services/common/paging.h"

#include "services/common/identity.h"
#include "services/common/ids.h"

namespace ketenregie::common {

std::optional<int> PageSize(const ketenregie::common::v1::PageRequest& page) {
  if (page.page_size() < 0) {
    return std::nullopt;
  }
  if (page.page_size() == 0) {
    return kDefaultPageSize;
  }
  return std::min(page.page_size(), kMaxPageSize);
}

std::string EncodePageToken(long long key, const std::string& id) {
  return "p1." + std::to_string(key) + "." + id;
}

std::optional<std::pair<long long, std::string>> DecodePageToken(const std::string& token,
                                                                 PageIds ids) {
  if (token.rfind("p1.", 0) != 0) {
    return std::nullopt;
  }
  const auto dot = token.find('.', 3);
  if (dot == std::string::npos) {
    return std::nullopt;
  }
  const std::string key = token.substr(3, dot - 3);
  const std::string id = token.substr(dot + 1);
  if (key.empty() || key.size() > 19 || key.find_first_not_of("-0123456789") != std::string::npos ||
      !(ids == PageIds::kUuids ? IsUuid(id) : IsValidPrincipalId(id))) {
    return std::nullopt;
  }
  try {
    return std::pair{std::stoll(key), id};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool ParsePage(FieldErrors& errors, const ketenregie::common::v1::PageRequest& page,
               PageQuery& query, PageIds ids) {
  const auto size = PageSize(page);
  errors.Require(size.has_value(), "page.page_size", FieldReason::kOutOfRange,
                 "cannot be negative");
  query.size = size.value_or(0);
  query.after.reset();
  if (!page.page_token().empty()) {
    query.after = DecodePageToken(page.page_token(), ids);
    errors.Require(query.after.has_value(), "page.page_token", FieldReason::kInvalidToken,
                   "not a token from this list");
  }
  return size && (page.page_token().empty() || query.after);
}

}  // namespace ketenregie::common
