#include "services/common/validation.h"

#include "services/common/ids.h"
#include "services/common/status.h"

namespace ketenregie::common {

grpc::Status CheckRequestId(const std::string& request_id) {
  return IsRequestId(request_id)
             ? grpc::Status::OK
             : InvalidArgument("request_id", "required, 1-128 printable ASCII characters");
}

grpc::Status CheckId(std::string_view field, const std::string& id) {
  return IsUuid(id) ? grpc::Status::OK : InvalidArgument(field, "must be a UUID");
}

grpc::Status CheckEtag(const std::string& etag) {
  return !etag.empty() && etag.size() <= 20 &&
                 etag.find_first_not_of("0123456789") == std::string::npos
             ? grpc::Status::OK
             : InvalidArgument("etag", "required: the etag of the resource as last read");
}

grpc::Status FirstError(std::initializer_list<grpc::Status> checks) {
  for (const auto& check : checks) {
    if (!check.ok()) {
      return check;
    }
  }
  return grpc::Status::OK;
}

std::string Etag(long long version) { return std::to_string(version); }

bool ReasonableTimestamp(const google::protobuf::Timestamp& t) {
  return t.seconds() >= 0 && t.seconds() < 4'102'444'800 && t.nanos() >= 0 &&
         t.nanos() < 1'000'000'000;
}

google::protobuf::Timestamp ToTimestamp(workflow::Instant instant) {
  google::protobuf::Timestamp out;
  out.set_seconds(instant.time_since_epoch().count());
  return out;
}

workflow::Instant ToInstant(const google::protobuf::Timestamp& timestamp) {
  return workflow::Instant{std::chrono::seconds{timestamp.seconds()}};
}

grpc::Status CheckSectionsRequest(const v1::GetDisclosureSectionsRequest& request) {
  if (auto invalid = CheckId("trajectory_id", request.trajectory_id()); !invalid.ok()) {
    return invalid;
  }
  for (const int category : request.categories()) {
    if (category < 1 || !v1::DataCategory_IsValid(category)) {
      return InvalidArgument("categories", "known data categories");
    }
  }
  if (request.basis_id().size() > 2000) {
    return InvalidArgument("basis_id", "at most 2000 bytes");
  }
  return grpc::Status::OK;
}

}  // namespace ketenregie::common
