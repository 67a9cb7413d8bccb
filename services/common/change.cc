#include "services/common/change.h"

namespace ketenregie::common {

grpc::Status CheckChangeTarget(const ChangeTarget& target) {
  return FirstError({CheckRequestId(target.request_id), CheckId(target.id_field, target.id),
                     CheckEtag(target.etag)});
}

}  // namespace ketenregie::common
