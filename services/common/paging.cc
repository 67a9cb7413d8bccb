#include "services/common/paging.h"

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

std::optional<std::pair<long long, std::string>> DecodePageToken(const std::string& token) {
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
      !IsUuid(id)) {
    return std::nullopt;
  }
  try {
    return std::pair{std::stoll(key), id};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

grpc::Status ParsePage(const ketenregie::common::v1::PageRequest& page, PageQuery& query) {
  const auto size = PageSize(page);
  if (!size) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "page.page_size: cannot be negative"};
  }
  query.size = *size;
  query.after.reset();
  if (!page.page_token().empty()) {
    query.after = DecodePageToken(page.page_token());
    if (!query.after) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "page.page_token: not a token from this list"};
    }
  }
  return grpc::Status::OK;
}

}  // namespace ketenregie::common
