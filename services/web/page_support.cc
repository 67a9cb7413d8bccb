#include "services/web/page_support.h"

#include <httplib.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "ketenregie/directory/v1/directory.grpc.pb.h"
#include "services/common/catalogue.h"
#include "services/common/status.h"
#include "services/common/validation.h"
#include "services/web/on_behalf.h"
#include "services/web/texts.h"
#include "workflow/calendar.h"

namespace ketenregie::web {

using kainjow::mustache::data;
using kainjow::mustache::list;

std::string Field(const FormFields& form, const std::string& name) {
  const auto found = form.find(name);
  return found == form.end() ? std::string() : found->second;
}

std::string Query(const httplib::Request& request, const std::string& name) {
  return request.has_param(name) ? request.get_param_value(name) : std::string();
}

std::string ShortId(const std::string& id) { return id.substr(0, 8); }

std::string QueryString(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (value.empty()) {
      continue;
    }
    out += (out.empty() ? "" : "&") + name + "=" + httplib::detail::encode_query_param(value);
  }
  return out;
}

void SetIfAny(data& into, const std::string& key, std::string_view value) {
  if (!value.empty()) {
    into.set(key, std::string(value));
  }
}

void AddDeadline(data& into, workflow::Instant now, const google::protobuf::Timestamp& at) {
  const workflow::Instant when = common::ToInstant(at);
  into.set("deadline", DutchDate(when));
  into.set("days_left", DutchDaysFrom(now, when));
  into.set("overdue", when < now);
}

namespace {

// A number of at most `digits` digits, or -1.
int NumberOf(const std::string& text, std::size_t digits) {
  if (text.empty() || text.size() > digits ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return -1;
  }
  return std::stoi(text);
}

}  // namespace

DateParts ReadDate(const FormFields& form, const std::string& prefix) {
  const std::string day = Field(form, prefix + "dag");
  const std::string month = Field(form, prefix + "maand");
  const std::string year = Field(form, prefix + "jaar");
  DateParts parts;
  parts.given = !day.empty() || !month.empty() || !year.empty();
  parts.day = NumberOf(day, 2);
  parts.month = NumberOf(month, 2);
  parts.year = NumberOf(year, 4);
  parts.readable =
      parts.given && parts.day >= 0 && parts.month >= 0 && parts.year > 0 &&
      std::chrono::year_month_day{std::chrono::year(parts.year),
                                  std::chrono::month(static_cast<unsigned>(parts.month)),
                                  std::chrono::day(static_cast<unsigned>(parts.day))}
          .ok();
  return parts;
}

std::string EnumSuffix(const std::string& name, std::string_view prefix) {
  return name.starts_with(prefix) ? name.substr(prefix.size()) : std::string();
}

data DateTyped(const FormFields& form, const std::string& prefix) {
  data typed;
  typed.set("dag", Field(form, prefix + "dag"));
  typed.set("maand", Field(form, prefix + "maand"));
  typed.set("jaar", Field(form, prefix + "jaar"));
  return typed;
}

bool HasValue(const FormFields& form, const std::string& name, const std::string& value) {
  for (auto [at, end] = form.equal_range(name); at != end; ++at) {
    if (at->second == value) {
      return true;
    }
  }
  return false;
}

google::protobuf::Timestamp StartOfDay(const DateParts& date) {
  const std::chrono::year_month_day day{std::chrono::year(date.year),
                                        std::chrono::month(static_cast<unsigned>(date.month)),
                                        std::chrono::day(static_cast<unsigned>(date.day))};
  return common::ToTimestamp(workflow::FromAmsterdam({day, std::chrono::seconds(0)}));
}

Refusal UnreadableForm(std::map<std::string, std::string> inputs) {
  Refusal refusal;
  refusal.view.set("message", std::string("Niet alles is goed ingevuld. Er is niets opgeslagen."));
  list fields;
  for (const auto& [input, message] : inputs) {
    data field;
    field.set("anchor", input);
    field.set("message", message);
    fields.push_back(field);
  }
  refusal.view.set("fields", fields);
  refusal.view.set("any_fields", !inputs.empty());
  refusal.inputs = std::move(inputs);
  return refusal;
}

Refusal RefusalOf(const grpc::Status& status, const std::map<std::string, std::string>& inputs) {
  const grpc::Status detailed = common::WithDetails(status);
  Refusal refusal;
  const std::string message = common::DutchMessageOf(detailed);
  refusal.view.set("message", message.empty() ? "Er ging iets mis. Probeer het opnieuw." : message);
  const std::string reason = common::ReasonOf(detailed);
  if (reason.starts_with("R-")) {
    refusal.view.set("rule", reason);
    if (const common::CatalogueEntry* entry = common::FindInCatalogue(reason)) {
      refusal.view.set("source", std::string(entry->source));
    }
  }
  google::rpc::Status body;
  list fields;
  if (body.ParseFromString(detailed.error_details())) {
    for (const auto& detail : body.details()) {
      google::rpc::BadRequest bad;
      if (!detail.UnpackTo(&bad)) {
        continue;
      }
      for (const auto& violation : bad.field_violations()) {
        const std::string dutch = violation.localized_message().message().empty()
                                      ? violation.description()
                                      : violation.localized_message().message();
        data field;
        field.set("field", violation.field());
        field.set("message", dutch);
        // A repeated field's path names an element ("screening.indicators[2].score"):
        // its input is the field's, without the index.
        std::string path = violation.field();
        for (std::size_t open = path.find('['); open != std::string::npos; open = path.find('[')) {
          path.erase(open, path.find(']', open) - open + 1);
        }
        if (const auto input = inputs.find(path); input != inputs.end()) {
          field.set("anchor", input->second);
          refusal.inputs.emplace(input->second, dutch);
        }
        fields.push_back(field);
      }
    }
  }
  if (!fields.empty()) {
    refusal.view.set("fields", fields);
    refusal.view.set("any_fields", true);
  }
  return refusal;
}

data ErrorsOf(const Refusal& refusal) {
  data errors;
  for (const auto& [input, message] : refusal.inputs) {
    errors.set(input, message);
  }
  return errors;
}

grpc::Status ReadOrganisations(const OnBehalfCalls& calls, const OnBehalfOf& who,
                               std::vector<directory::v1::DirectoryOrganisation>& out) {
  namespace dv1 = directory::v1;
  dv1::ListOrganisationsRequest request;
  request.mutable_page()->set_page_size(500);
  while (true) {
    dv1::ListOrganisationsResponse page;
    const grpc::Status status = calls.Call<dv1::DirectoryService>(
        who, &dv1::DirectoryService::Stub::ListOrganisations, request, page);
    if (!status.ok()) {
      return status;
    }
    out.insert(out.end(), page.organisations().begin(), page.organisations().end());
    if (page.next_page_token().empty()) {
      return grpc::Status::OK;
    }
    request.mutable_page()->set_page_token(page.next_page_token());
  }
}

std::map<std::string, std::string> OrganisationNames(const OnBehalfCalls& calls,
                                                     const OnBehalfOf& who) {
  std::vector<directory::v1::DirectoryOrganisation> organisations;
  std::map<std::string, std::string> names;
  if (ReadOrganisations(calls, who, organisations).ok()) {
    for (const auto& o : organisations) {
      names[o.id()] = o.display_name();
    }
  }
  return names;
}

}  // namespace ketenregie::web
