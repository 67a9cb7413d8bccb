#include "tests/support/error_details.h"

#include <algorithm>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/common/catalogue.h"
#include "services/common/status.h"

namespace ketenregie::testing {
namespace {

google::rpc::Status DetailsOf(const grpc::Status& status) {
  google::rpc::Status details;
  details.ParseFromString(status.error_details());
  return details;
}

template <typename Detail>
bool Find(const grpc::Status& status, Detail& out) {
  const google::rpc::Status details = DetailsOf(status);
  for (const auto& any : details.details()) {
    if (any.UnpackTo(&out)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string ReasonOf(const grpc::Status& status) { return common::ReasonOf(status); }

::testing::AssertionResult Refused(const grpc::Status& status, grpc::StatusCode code,
                                   const std::string& reason) {
  if (status.error_code() == code && ReasonOf(status) == reason) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected code " << code << " reason " << reason << ", got code " << status.error_code()
         << " reason '" << ReasonOf(status) << "' (" << status.error_message() << ")";
}

::testing::AssertionResult BadFields(const grpc::Status& status,
                                     const std::vector<std::string>& fields) {
  std::vector<std::string> named = FieldsOf(status);
  std::vector<std::string> expected = fields;
  std::sort(named.begin(), named.end());
  std::sort(expected.begin(), expected.end());
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT && named == expected) {
    return ::testing::AssertionSuccess();
  }
  std::string got;
  for (const auto& field : named) {
    got += (got.empty() ? "" : ", ") + field;
  }
  std::string want;
  for (const auto& field : fields) {
    want += (want.empty() ? "" : ", ") + field;
  }
  return ::testing::AssertionFailure()
         << "expected INVALID_ARGUMENT naming [" << want << "], got code " << status.error_code()
         << " naming [" << got << "] (" << status.error_message() << ")";
}

std::string MetadataOf(const grpc::Status& status, const std::string& key) {
  google::rpc::ErrorInfo info;
  if (!Find(status, info)) {
    return {};
  }
  const auto found = info.metadata().find(key);
  return found == info.metadata().end() ? std::string() : found->second;
}

std::vector<std::string> FieldsOf(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::BadRequest bad_request;
  if (Find(status, bad_request)) {
    for (const auto& violation : bad_request.field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

std::string FieldReasonOf(const grpc::Status& status, const std::string& field) {
  google::rpc::BadRequest bad_request;
  if (Find(status, bad_request)) {
    for (const auto& violation : bad_request.field_violations()) {
      if (violation.field() == field) {
        return violation.reason();
      }
    }
  }
  return {};
}

std::string DutchOf(const grpc::Status& status) {
  google::rpc::LocalizedMessage message;
  return Find(status, message) && message.locale() == common::kDutch ? message.message()
                                                                     : std::string();
}

bool HasRetryInfo(const grpc::Status& status) {
  google::rpc::RetryInfo retry;
  return Find(status, retry);
}

std::string MissingDetails(const grpc::Status& status) {
  if (status.ok()) {
    return {};
  }
  if (status.error_details().empty()) {
    return "no details at all";
  }
  const google::rpc::Status details = DetailsOf(status);
  if (details.code() != static_cast<int>(status.error_code()) ||
      details.message() != status.error_message()) {
    return "details with another code or message than the status";
  }
  google::rpc::ErrorInfo info;
  if (!Find(status, info) || info.domain() != common::kErrorDomain || info.reason().empty()) {
    return "no ErrorInfo of domain ketenregie.nl";
  }
  if (common::FindInCatalogue(info.reason()) == nullptr) {
    return "reason " + info.reason() + " is not in the catalogue";
  }
  if (DutchOf(status).empty()) {
    return "no LocalizedMessage in nl-NL";
  }
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
    google::rpc::BadRequest bad_request;
    if (!Find(status, bad_request) || bad_request.field_violations().empty()) {
      return "INVALID_ARGUMENT without field violations";
    }
    for (const auto& violation : bad_request.field_violations()) {
      if (violation.field().empty() || common::FindInCatalogue(violation.reason()) == nullptr ||
          violation.localized_message().locale() != common::kDutch ||
          violation.localized_message().message().empty()) {
        return "field violation of '" + violation.field() +
               "' without a catalogued reason or a Dutch sentence";
      }
    }
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE && !HasRetryInfo(status)) {
    return "UNAVAILABLE without RetryInfo";
  }
  return {};
}

}  // namespace ketenregie::testing
