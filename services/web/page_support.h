#pragma once

/// What the pages of a session share: reading a form and a query, naming a
/// trajectory without personal data, links that keep their fields, and a
/// service's refusal as a person reads it.

#include <grpcpp/support/status.h>

#include <kainjow/mustache.hpp>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "workflow/core.h"

namespace google::protobuf {
class Timestamp;
}  // namespace google::protobuf

namespace httplib {
struct Request;
}  // namespace httplib

namespace ketenregie::web {

using FormFields = std::multimap<std::string, std::string>;

/// The value of form field `name`, or "".
std::string Field(const FormFields& form, const std::string& name);

/// The value of query parameter `name`, or "".
std::string Query(const httplib::Request& request, const std::string& name);

/// A trajectory named without personal data: the first eight characters of
/// its id, which a coordinator can tell apart on her list.
std::string ShortId(const std::string& id);

/// "a=1&b=2", each value encoded, empty ones left out: a link that keeps
/// the filters.
std::string QueryString(const std::vector<std::pair<std::string, std::string>>& fields);

/// Sets `key` only for a value: mustache's inverted section ({{^key}})
/// takes an empty string for a value, so an unset field must stay unset.
void SetIfAny(kainjow::mustache::data& into, const std::string& key, std::string_view value);

/// Sets "deadline" (its date), "days_left" ("over 3 dagen") and "overdue".
void AddDeadline(kainjow::mustache::data& into, workflow::Instant now,
                 const google::protobuf::Timestamp& at);

/// A service's refusal as a page shows it.
struct Refusal {
  /// For the template: "message" (the service's Dutch sentence), "rule" and
  /// "source" (for a rule of workflow/: its id and the document it rests
  /// on), "fields" (each invalid field: "message" in Dutch, and "anchor",
  /// the id of its input on the form, for the error summary's link).
  kainjow::mustache::data view;
  /// The Dutch sentence for each invalid input, by its id on the form.
  std::map<std::string, std::string> inputs;
};

/// `status` as a person reads it. `inputs` maps a request's field path
/// ("identity.given_name") to the id of its input on the form ("voornaam").
Refusal RefusalOf(const grpc::Status& status,
                  const std::map<std::string, std::string>& inputs = {});

}  // namespace ketenregie::web
