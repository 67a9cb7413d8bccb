#pragma once

/// Checks every service applies to its requests, each failing with
/// INVALID_ARGUMENT naming the field (DESIGN.md §7), and the conversions of
/// the fields they check.

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/support/status.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "ketenregie/common/v1/common.pb.h"
#include "workflow/core.h"

namespace ketenregie::common {

/// Every string field of `message`, nested and repeated ones and map keys
/// and values included, holds no control character: no NUL, nothing below
/// U+0020, no DEL, no C1 control — except line breaks and tabs in a field
/// marked `(ketenregie.common.v1.multiline)`. PostgreSQL cuts text at a NUL
/// and no client expects one, so a field that holds one would be answered
/// otherwise than stored. Names the first offending field ("identity.contact").
grpc::Status CheckText(const google::protobuf::Message& message);

grpc::Status CheckRequestId(const std::string& request_id);
grpc::Status CheckId(std::string_view field, const std::string& id);
grpc::Status CheckEtag(const std::string& etag);
/// The first failing check, or OK.
grpc::Status FirstError(std::initializer_list<grpc::Status> checks);

/// A service's request for packet sections: a trajectory id and only known
/// data categories.
grpc::Status CheckSectionsRequest(const v1::GetDisclosureSectionsRequest& request);

/// A resource version as its etag, and back.
std::string Etag(long long version);

/// A timestamp PostgreSQL and the calendar can hold: 1970 to 2100.
bool ReasonableTimestamp(const google::protobuf::Timestamp& timestamp);

google::protobuf::Timestamp ToTimestamp(workflow::Instant instant);
workflow::Instant ToInstant(const google::protobuf::Timestamp& timestamp);

}  // namespace ketenregie::common
