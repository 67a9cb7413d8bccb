#include "services/common/validation.h"

#include <optional>
#include <vector>

#include "services/common/identity.h"
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

// Adds every string field of `message` (nested and repeated ones, map keys
// and values) that holds a control character, named by its path.
void AddControls(FieldErrors& errors, const google::protobuf::Message& message,
                 const std::string& prefix) {
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string path = prefix + field->name();
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      const bool multiline = field->options().GetExtension(v1::multiline);
      bool found = false;
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field) && !found; ++i) {
          found = HasControl(reflection->GetRepeatedString(message, field, i), multiline);
        }
      } else {
        found = HasControl(reflection->GetString(message, field), multiline);
      }
      if (found) {
        errors.Add(path, FieldReason::kControlCharacter,
                   "holds a control character (NUL, or a line break where one line is meant)");
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (field->is_map()) {
        // A map's entries are messages too: named by the map.
        FieldErrors entries;
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          AddControls(entries, reflection->GetRepeatedMessage(message, field, i), "");
        }
        if (!entries.empty()) {
          errors.Add(path, FieldReason::kControlCharacter,
                     "holds a control character (NUL, or a line break where one line is meant)");
        }
      } else if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          AddControls(errors, reflection->GetRepeatedMessage(message, field, i), path + ".");
        }
      } else {
        AddControls(errors, reflection->GetMessage(message, field), path + ".");
      }
    }
  }
}

}  // namespace

void CheckText(FieldErrors& errors, const google::protobuf::Message& message) {
  AddControls(errors, message, "");
}

bool CheckRequestId(FieldErrors& errors, const std::string& request_id) {
  return errors.Require(IsRequestId(request_id), "request_id",
                        request_id.empty() ? FieldReason::kRequired : FieldReason::kOutOfRange,
                        "required, 1-128 printable ASCII characters");
}

bool CheckId(FieldErrors& errors, std::string_view field, const std::string& id) {
  return errors.Require(IsUuid(id), field,
                        id.empty() ? FieldReason::kRequired : FieldReason::kNotAnId,
                        "must be a UUID");
}

bool CheckPrincipalId(FieldErrors& errors, std::string_view field, const std::string& id) {
  return errors.Require(IsValidPrincipalId(id), field,
                        id.empty() ? FieldReason::kRequired : FieldReason::kNotAnId,
                        "must be 1-128 characters of a-z 0-9 . _ @ -");
}

bool CheckOptionalId(FieldErrors& errors, std::string_view field, const std::string& id) {
  return errors.Require(id.empty() || IsUuid(id), field, FieldReason::kNotAnId,
                        "must be a UUID, or empty");
}

bool CheckEtag(FieldErrors& errors, const std::string& etag) {
  return errors.Require(!etag.empty() && etag.size() <= 20 &&
                            etag.find_first_not_of("0123456789") == std::string::npos,
                        "etag", etag.empty() ? FieldReason::kRequired : FieldReason::kUnknownValue,
                        "required: the etag of the resource as last read");
}

bool CheckTime(FieldErrors& errors, std::string_view field,
               const google::protobuf::Timestamp& time) {
  return errors.Require(ReasonableTimestamp(time), field, FieldReason::kOutOfRange,
                        "a time between 1970 and 2100");
}

grpc::Status CheckIdRequest(const google::protobuf::Message& request, std::string_view field,
                            const std::string& id) {
  FieldErrors errors(request);
  CheckId(errors, field, id);
  return errors.Status();
}

bool CheckEnum(FieldErrors& errors, std::string_view field, int value, bool (*is_valid)(int),
               bool required, std::string_view description) {
  if (required && value == 0) {
    errors.Add(field, FieldReason::kRequired, description);
    return false;
  }
  return errors.Require(is_valid(value), field, FieldReason::kUnknownValue, description);
}

bool CheckLength(FieldErrors& errors, std::string_view field, const std::string& text,
                 std::size_t max, bool required) {
  if (required && text.empty()) {
    errors.Add(field, FieldReason::kRequired,
               "required, at most " + std::to_string(max) + " bytes");
    return false;
  }
  return errors.Require(text.size() <= max, field, FieldReason::kTooLong,
                        "at most " + std::to_string(max) + " bytes");
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
  FieldErrors errors(request);
  CheckId(errors, "trajectory_id", request.trajectory_id());
  for (const int category : request.categories()) {
    errors.Require(category >= 1 && v1::DataCategory_IsValid(category), "categories",
                   FieldReason::kUnknownValue, "known data categories");
  }
  CheckLength(errors, "basis_id", request.basis_id(), 2000);
  return errors.Status();
}

}  // namespace ketenregie::common
