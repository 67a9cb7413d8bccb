#include "services/common/storage.h"

namespace ketenregie::common {

Nullable NullableEpoch(std::optional<workflow::Instant> instant) {
  if (!instant || *instant == workflow::Instant{}) {
    return {};
  }
  return {std::to_string(EpochOf(*instant))};
}

Nullable NullableText(const std::string& value) {
  if (value.empty()) {
    return {};
  }
  return {value};
}

}  // namespace ketenregie::common
