#pragma once

/// Checks every service applies to its requests, each failing with
/// INVALID_ARGUMENT naming the field (DESIGN.md §7), and the conversions of
/// the fields they check.

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/support/status.h>

#include <string>
#include <string_view>

#include "ketenregie/common/v1/common.pb.h"
#include "services/common/status.h"
#include "workflow/core.h"

namespace ketenregie::common {

/// Every string field of `message`, nested and repeated ones and map keys
/// and values included, holds no control character: no NUL, nothing below
/// U+0020, no DEL, no C1 control — except line breaks and tabs in a field
/// marked `(ketenregie.common.v1.multiline)`. PostgreSQL cuts text at a NUL
/// and no client expects one, so a field that holds one would be answered
/// otherwise than stored. Adds each offending field ("identity.contact").
void CheckText(FieldErrors& errors, const google::protobuf::Message& message);

/// The checks every service makes of its requests' common fields. Each adds
/// its field to `errors` when it is wrong and returns whether it is right.
bool CheckRequestId(FieldErrors& errors, const std::string& request_id);
bool CheckId(FieldErrors& errors, std::string_view field, const std::string& id);
/// An organisation or user id (IsValidPrincipalId).
bool CheckPrincipalId(FieldErrors& errors, std::string_view field, const std::string& id);
/// A UUID, or empty (a filter that is not set).
bool CheckOptionalId(FieldErrors& errors, std::string_view field, const std::string& id);
bool CheckEtag(FieldErrors& errors, const std::string& etag);
/// A time PostgreSQL and the calendar can hold (ReasonableTimestamp).
bool CheckTime(FieldErrors& errors, std::string_view field,
               const google::protobuf::Timestamp& time);
/// A value of an enum the field knows (`is_valid`, the generated
/// X_IsValid); when `required`, not its UNSPECIFIED zero either.
bool CheckEnum(FieldErrors& errors, std::string_view field, int value, bool (*is_valid)(int),
               bool required, std::string_view description = "unknown value");
/// At most `max` bytes; when `required`, at least one.
bool CheckLength(FieldErrors& errors, std::string_view field, const std::string& text,
                 std::size_t max, bool required = false);

/// A request whose one field to check is the id `field` (a Get): OK, or
/// INVALID_ARGUMENT naming it (and any field with a control character).
grpc::Status CheckIdRequest(const google::protobuf::Message& request, std::string_view field,
                            const std::string& id);

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
