#pragma once

/// Reading the standard error details (google.rpc.Status in
/// grpc-status-details-bin) of a status, as a client does.

#include <grpcpp/support/status.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ketenregie::testing {

/// Whether `status` is `code` with ErrorInfo.reason `reason` (a rule id or an
/// error kind): EXPECT_TRUE(Refused(status, grpc::StatusCode::ABORTED, "STALE_ETAG")).
::testing::AssertionResult Refused(const grpc::Status& status, grpc::StatusCode code,
                                   const std::string& reason);

/// Whether `status` is INVALID_ARGUMENT naming exactly `fields` in its
/// BadRequest, in any order.
::testing::AssertionResult BadFields(const grpc::Status& status,
                                     const std::vector<std::string>& fields);

/// ErrorInfo.reason: the rule id or the error kind ("" without details).
std::string ReasonOf(const grpc::Status& status);

/// ErrorInfo.metadata[key], or "".
std::string MetadataOf(const grpc::Status& status, const std::string& key);

/// The fields BadRequest names, in order.
std::vector<std::string> FieldsOf(const grpc::Status& status);

/// The reason BadRequest gives for `field`, or "".
std::string FieldReasonOf(const grpc::Status& status, const std::string& field);

/// The LocalizedMessage in nl-NL, or "".
std::string DutchOf(const grpc::Status& status);

/// Whether RetryInfo is given.
bool HasRetryInfo(const grpc::Status& status);

/// What a non-OK status from a Ketenregie service lacks of the details
/// every one of them carries (ErrorInfo with a catalogued reason, a Dutch
/// sentence; on INVALID_ARGUMENT a BadRequest whose every violation has a
/// reason and a Dutch sentence; on UNAVAILABLE a RetryInfo), or "" when
/// nothing is missing.
std::string MissingDetails(const grpc::Status& status);

}  // namespace ketenregie::testing
