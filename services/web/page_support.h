#pragma once

/// What the pages of a session share: reading a form and a query, naming a
/// trajectory without personal data, links that keep their fields, and a
/// service's refusal as a person reads it.

#include <google/protobuf/generated_enum_reflection.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/support/status.h>

#include <cctype>
#include <kainjow/mustache.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ketenregie/directory/v1/directory.pb.h"
#include "services/web/texts.h"
#include "workflow/core.h"

namespace google::protobuf {
class Timestamp;
}  // namespace google::protobuf

namespace httplib {
struct Request;
}  // namespace httplib

namespace ketenregie::web {

class OnBehalfCalls;
struct OnBehalfOf;

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

// The options of enum E for a select or radio group: "value" (the enum
// value's name), "label" (Dutch), "selected" for `chosen`; UNSPECIFIED left
// out.
template <typename E>
kainjow::mustache::list OptionsOf(int chosen) {
  kainjow::mustache::list options;
  const auto* type = google::protobuf::GetEnumDescriptor<E>();
  for (int i = 0; i < type->value_count(); ++i) {
    const auto* value = type->value(i);
    if (value->number() == 0) {
      continue;
    }
    kainjow::mustache::data option;
    option.set("value", value->name());
    option.set("label", std::string(DutchOfValue(value->name())));
    option.set("selected", value->number() == chosen);
    options.push_back(option);
  }
  return options;
}

// The value of enum E named by form field `name`, or UNSPECIFIED (which the
// service refuses, naming the field) for none or an unknown name.
template <typename E>
E EnumField(const FormFields& form, const std::string& name) {
  const auto* value = google::protobuf::GetEnumDescriptor<E>()->FindValueByName(Field(form, name));
  return value == nullptr ? static_cast<E>(0) : static_cast<E>(value->number());
}

/// `name` without `prefix` ("HANDOFF_STATE_SENT" → "SENT"); "" when it does
/// not start with it (a value this build does not know).
std::string EnumSuffix(const std::string& name, std::string_view prefix);

/// The state of a machine of workflow/ that a service's enum value E names
/// (HANDOFF_STATE_SENT is the handoff machine's "sent": the value's name
/// without `prefix`, in lower case); nullopt for none (a unit test keeps
/// every value of the enums the pages use matched).
template <typename E, typename State, typename Event>
std::optional<State> MachineStateOf(const workflow::MachineSpec<State, Event>& machine, E value,
                                    std::string_view prefix) {
  const auto* found = google::protobuf::GetEnumDescriptor<E>()->FindValueByNumber(value);
  if (found == nullptr || !found->name().starts_with(prefix)) {
    return std::nullopt;
  }
  std::string name = found->name().substr(prefix.size());
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (const State state : machine.states) {
    if (machine.state_name(state) == name) {
      return state;
    }
  }
  return std::nullopt;
}

/// Whether that machine lets `event` happen in the state the service
/// answered: a page offers only the steps the rules allow (the service
/// decides them all the same).
template <typename E, typename State, typename Event>
bool MachineAllows(const workflow::MachineSpec<State, Event>& machine, E value,
                   std::string_view prefix, Event event) {
  const auto state = MachineStateOf(machine, value, prefix);
  return state.has_value() && machine.Next(*state, event).has_value();
}

/// A date given on a form in three fields, <prefix>dag, <prefix>maand and
/// <prefix>jaar (as GOV.UK and the NL Design System ask): none given, a
/// date that exists (readable), or not readable (not numbers, or 31 2).
struct DateParts {
  bool given = false;
  bool readable = false;
  int day = 0;
  int month = 0;
  int year = 0;
};
DateParts ReadDate(const FormFields& form, const std::string& prefix);

/// The three fields of date input `prefix` as they were typed ("dag",
/// "maand", "jaar"), for a form that comes back.
kainjow::mustache::data DateTyped(const FormFields& form, const std::string& prefix);

/// Whether form field `name` (a group of checkboxes) has `value` among its
/// values.
bool HasValue(const FormFields& form, const std::string& name, const std::string& value);

/// The start in Amsterdam of a readable `date`, for a date field.
google::protobuf::Timestamp StartOfDay(const DateParts& date);

/// The Dutch sentence for a date that is not readable.
inline constexpr std::string_view kUnreadableDate =
    "Vul een bestaande datum in met cijfers voor dag, maand en jaar, bijvoorbeeld 15 3 2001, of "
    "laat alle drie leeg.";

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
/// A form the page itself could not read (a date that is no date, a choice
/// not made), with the Dutch sentence for each input by its id: nothing was
/// sent; the error summary links each sentence to its input.
Refusal UnreadableForm(std::map<std::string, std::string> inputs);

Refusal RefusalOf(const grpc::Status& status,
                  const std::map<std::string, std::string>& inputs = {});

/// Every input's error, as a form's template reads it: errors.<input id>.
kainjow::mustache::data ErrorsOf(const Refusal& refusal);

/// The chain's organisations of people (DirectoryService.ListOrganisations),
/// every page of them: a national directory has more than one.
grpc::Status ReadOrganisations(const OnBehalfCalls& calls, const OnBehalfOf& who,
                               std::vector<directory::v1::DirectoryOrganisation>& out);

/// Their names by id (empty when the directory does not answer: ids are
/// shown then).
std::map<std::string, std::string> OrganisationNames(const OnBehalfCalls& calls,
                                                     const OnBehalfOf& who);

}  // namespace ketenregie::web
