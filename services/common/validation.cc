#include "services/common/validation.h"

#include <optional>
#include <vector>

#include "services/common/ids.h"
#include "services/common/status.h"

namespace ketenregie::common {
namespace {

using google::protobuf::FieldDescriptor;

// A control character in UTF-8 text: C0 (below U+0020), DEL, or C1
// (U+0080..U+009F, encoded C2 80..C2 9F). Line breaks and tabs only where
// `multiline`.
bool HasControl(std::string_view text, bool multiline) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20) {
      if (!(multiline && (c == '\n' || c == '\r' || c == '\t'))) {
        return true;
      }
    } else if (c == 0x7F) {
      return true;
    } else if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) {
        return true;
      }
    }
  }
  return false;
}

std::optional<std::string> FirstControl(const google::protobuf::Message& message,
                                        const std::string& prefix) {
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string path = prefix + field->name();
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      const bool multiline = field->options().GetExtension(v1::multiline);
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          if (HasControl(reflection->GetRepeatedString(message, field, i), multiline)) {
            return path;
          }
        }
      } else if (HasControl(reflection->GetString(message, field), multiline)) {
        return path;
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          if (auto found =
                  FirstControl(reflection->GetRepeatedMessage(message, field, i), path + ".")) {
            // A map's entries are messages too: named by the map.
            return field->is_map() ? path : *found;
          }
        }
      } else if (auto found = FirstControl(reflection->GetMessage(message, field), path + ".")) {
        return found;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

grpc::Status CheckText(const google::protobuf::Message& message) {
  if (const auto field = FirstControl(message, "")) {
    return InvalidArgument(*field,
                           "holds a control character (NUL, or a line break where one line "
                           "is meant)");
  }
  return grpc::Status::OK;
}

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
