#include "services/common/change.h"

namespace ketenregie::common {

void CheckChangeTarget(FieldErrors& errors, const ChangeTarget& target) {
  CheckRequestId(errors, target.request_id);
  target.check_id(errors, target.id_field, target.id);
  CheckEtag(errors, target.etag);
}

}  // namespace ketenregie::common
