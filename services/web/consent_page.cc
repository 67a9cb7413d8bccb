// A trajectory's consents (issue #14, screen 6): the matrix of partner
// organisations × data categories, recording a consent the person gave or
// refused, and withdrawing one after a confirmation that says what it
// revokes. The consent service decides everything; this page shows its
// records and sends what the coordinator fills in.
#include <httplib.h>

#include <algorithm>
#include <kainjow/mustache.hpp>
#include <map>
#include <string>
#include <vector>

#include "ketenregie/consent/v1/consent.grpc.pb.h"
#include "ketenregie/directory/v1/directory.grpc.pb.h"
#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/ids.h"
#include "services/common/validation.h"
#include "services/web/json_api.h"
#include "services/web/live_session.h"
#include "services/web/on_behalf.h"
#include "services/web/page_support.h"
#include "services/web/texts.h"
#include "services/web/web_server.h"
#include "workflow/calendar.h"
#include "workflow/consent.h"
#include "workflow/disclosure.h"

namespace ketenregie::web {
namespace {

namespace cv1 = consent::v1;
namespace dv1 = directory::v1;
namespace tv1 = trajectory::v1;
namespace pb = ketenregie::common::v1;

using kainjow::mustache::data;
using kainjow::mustache::list;

constexpr int kConsentsPageSize = 100;
constexpr int kMaxConsentPages = 20;

// The inputs of the override form by the request's fields they fill.
const std::map<std::string, std::string> kOverrideInputs = {
    {"override.basis", "grondslag"},
    {"override.justification", "motivering"},
    {"override.recipient_organisation_id", "override-partner"},
    {"override.categories", "override-categorieen"},
    {"override.purpose", "override-doel"},
    {"override.expires_at", "vervalt"}};

// The inputs of the form by the request's fields they fill.
const std::map<std::string, std::string> kConsentInputs = {
    {"consent.recipient_organisation_id", "partner"},
    {"consent.categories", "categorieen"},
    {"consent.purpose", "doel"},
    {"consent.method", "wijze"},
    {"consent.valid_until", "geldig"},
    {"consent.grantor", "gever"},
    {"consent.guardian_organisation_id", "voogd"}};

// The data categories a consent can name, in the order of the API.
std::vector<pb::DataCategory> Categories() {
  std::vector<pb::DataCategory> out;
  const auto* type = google::protobuf::GetEnumDescriptor<pb::DataCategory>();
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() != 0) {
      out.push_back(static_cast<pb::DataCategory>(type->value(i)->number()));
    }
  }
  return out;
}

// A consent as the rules of workflow/ read it, for the matrix: its state,
// to whom, which categories.
workflow::ConsentRecord RecordOf(const cv1::Consent& consent) {
  workflow::ConsentRecord record;
  record.id = consent.id();
  record.state = MachineStateOf(workflow::ConsentMachine(), consent.state(), "CONSENT_STATE_")
                     .value_or(workflow::ConsentState::kSuperseded);
  record.recipient_organisation = consent.recipient_organisation_id();
  record.recipient_type =
      workflow::OrganisationTypeFromString(
          EnumSuffix(pb::OrganisationType_Name(consent.recipient_type()), "ORGANISATION_TYPE_"))
          .value_or(workflow::OrganisationType::kUnknown);
  for (const int category : consent.categories()) {
    record.categories.insert(static_cast<workflow::DataCategory>(category));
  }
  return record;
}

template <typename Record>
std::string CategoryListOf(const Record& record) {
  std::string out;
  for (const int category : record.categories()) {
    out +=
        (out.empty() ? "" : ", ") + std::string(DutchOf(static_cast<pb::DataCategory>(category)));
  }
  return out;
}

std::string NameOf(const std::string& organisation_id,
                   const std::map<std::string, std::string>& names) {
  if (const auto found = names.find(organisation_id); found != names.end()) {
    return found->second;
  }
  return organisation_id;
}

// The categories ticked on a form, by the checkboxes named `name`.
template <typename Record>
void ReadCategories(const FormFields& form, const std::string& name, Record& record) {
  for (auto [at, end] = form.equal_range(name); at != end; ++at) {
    pb::DataCategory category = pb::DATA_CATEGORY_UNSPECIFIED;
    pb::DataCategory_Parse(at->second, &category);
    record.add_categories(category);
  }
}

// An override as a page shows it; `decider`: the user looking at it, who
// may decide it only when someone else asked for it (R-OVERRIDE-FOUR-EYES).
data OverrideData(const cv1::Override& o, const std::map<std::string, std::string>& names,
                  workflow::Instant now) {
  data out;
  out.set("override_id", o.id());
  out.set("etag", o.etag());
  out.set("trajectory_id", o.trajectory_id());
  out.set("trajectory_short", ShortId(o.trajectory_id()));
  out.set("recipient", NameOf(o.recipient_organisation_id(), names));
  out.set("categories", CategoryListOf(o));
  out.set("state", std::string(DutchOf(o.state())));
  out.set("basis", std::string(DutchOf(o.basis())));
  SetIfAny(out, "purpose", DutchOf(o.purpose()));
  out.set("justification", o.justification());
  out.set("requested_by", o.requested_by().user_id());
  SetIfAny(out, "approved_by", o.approved_by().user_id());
  out.set("acute", o.acute_danger());
  if (o.has_expires_at()) {
    out.set("expires", DutchDate(common::ToInstant(o.expires_at())));
  }
  if (o.has_approval_due_at() && o.state() == cv1::OVERRIDE_STATE_ACTIVE_PENDING_APPROVAL) {
    data due;
    AddDeadline(due, now, o.approval_due_at());
    // 72 hours: the hour counts, not only the day.
    due.set("deadline", DutchDateTime(common::ToInstant(o.approval_due_at())));
    out.set("approval_due", due);
  }
  return out;
}

// Her answer to consent `asked` (its id and etag): given or refused, with a
// request id made from `request_id` (the form's), one per answer.
grpc::Status Answer(const OnBehalfCalls& calls, const OnBehalfOf& who, const cv1::Consent& asked,
                    bool granted, const std::string& request_id) {
  cv1::Consent answered;
  if (granted) {
    cv1::GrantConsentRequest grant;
    grant.set_request_id(request_id + ":gegeven");
    grant.set_consent_id(asked.id());
    grant.set_etag(asked.etag());
    return calls.Call<cv1::ConsentService>(who, &cv1::ConsentService::Stub::GrantConsent, grant,
                                           answered);
  }
  cv1::RefuseConsentRequest refuse;
  refuse.set_request_id(request_id + ":geweigerd");
  refuse.set_consent_id(asked.id());
  refuse.set_etag(asked.etag());
  return calls.Call<cv1::ConsentService>(who, &cv1::ConsentService::Stub::RefuseConsent, refuse,
                                         answered);
}

}  // namespace

void WebServer::ConsentPage(const httplib::Request& request, httplib::Response& response,
                            const LiveSession& live, const std::string& id, const Form* typed,
                            std::string_view refused_form, const Refusal* refusal, int status) {
  data page;
  page.set("id", id);
  page.set("short_id", ShortId(id));
  page.set("request_id", common::NewUuid());

  std::vector<dv1::DirectoryOrganisation> organisations;
  const grpc::Status listed = ReadOrganisations(*calls_, live.who, organisations);
  // Every record (a cell shows the newest word on it), page by page.
  cv1::ListConsentsRequest consents_request;
  consents_request.set_trajectory_id(id);
  consents_request.mutable_page()->set_page_size(kConsentsPageSize);
  std::vector<cv1::Consent> all;
  grpc::Status read;
  bool complete = false;
  for (int pages = 0; pages < kMaxConsentPages; ++pages) {
    cv1::ListConsentsResponse consents;
    read = calls_->Call<cv1::ConsentService>(live.who, &cv1::ConsentService::Stub::ListConsents,
                                             consents_request, consents);
    all.insert(all.end(), consents.consents().begin(), consents.consents().end());
    if (!read.ok() || consents.next_page_token().empty()) {
      complete = read.ok();
      break;
    }
    consents_request.mutable_page()->set_page_token(consents.next_page_token());
  }
  if (read.ok() && !complete) {
    // Never a matrix of only some of her records.
    page.set("read_refusal",
             data("message", std::string("Er zijn meer vastgelegde toestemmingen dan deze pagina "
                                         "kan tonen. Vraag de beheerder om hulp.")));
    Show(response, live, "consent", "Toestemming", page, 500);
    return;
  }
  if (!read.ok() || !listed.ok()) {
    // Never an empty matrix when the records could not be read.
    page.set("read_refusal", RefusalOf(read.ok() ? listed : read).view);
    Show(response, live, "consent", "Toestemming", page,
         HttpStatusOfCode(read.ok() ? listed.error_code() : read.error_code()));
    return;
  }
  page.set("found", true);

  std::map<std::string, std::string> names;
  std::vector<dv1::DirectoryOrganisation> partners;
  for (const auto& o : organisations) {
    names[o.id()] = o.display_name();
    if (o.id() != live.who.organisation_id) {
      partners.push_back(o);
    }
  }
  const std::vector<pb::DataCategory> categories = Categories();
  list headers;
  for (const pb::DataCategory category : categories) {
    headers.push_back(data("label", std::string(DutchOf(category))));
  }
  page.set("categories", headers);

  // The newest record first: a cell shows the latest word on it, as the
  // rules read it (workflow::MatrixCell).
  std::vector<cv1::Consent> newest(all.rbegin(), all.rend());
  std::vector<workflow::ConsentRecord> records_newest_first;
  for (const cv1::Consent& c : newest) {
    records_newest_first.push_back(RecordOf(c));
  }
  list rows;
  for (const auto& partner : partners) {
    data row;
    row.set("name", partner.display_name());
    const auto type = workflow::OrganisationTypeFromString(partner.type())
                          .value_or(workflow::OrganisationType::kUnknown);
    list cells;
    for (const pb::DataCategory category : categories) {
      data cell;
      const auto shown = workflow::MatrixCell(records_newest_first, partner.id(), type,
                                              static_cast<workflow::DataCategory>(category));
      if (!shown) {
        cell.set("state", std::string("Geen"));
        cell.set("kind", std::string("none"));
      } else {
        const cv1::Consent* found = &newest[*shown];
        cell.set("state", std::string(DutchOf(found->state())));
        cell.set("kind", EnumSuffix(cv1::ConsentState_Name(found->state()), "CONSENT_STATE_"));
        SetIfAny(cell, "purpose", DutchOf(found->purpose()));
        if (found->has_valid_until()) {
          cell.set("until", DutchDate(common::ToInstant(found->valid_until())));
        }
      }
      cells.push_back(cell);
    }
    row.set("cells", cells);
    rows.push_back(row);
  }
  page.set("rows", rows);

  list records;
  for (const cv1::Consent& c : newest) {
    data record;
    record.set("consent_id", c.id());
    record.set("recipient", NameOf(c.recipient_organisation_id(), names));
    record.set("categories", CategoryListOf(c));
    record.set("state", std::string(DutchOf(c.state())));
    SetIfAny(record, "purpose", DutchOf(c.purpose()));
    SetIfAny(record, "method", DutchOf(c.method()));
    SetIfAny(record, "grantor", DutchOf(c.grantor()));
    record.set("interpreter", c.interpreter_used());
    if (c.has_valid_until()) {
      record.set("until", DutchDate(common::ToInstant(c.valid_until())));
    }
    // The steps the consent machine allows: withdrawing one she gave,
    // answering one asked.
    record.set("withdrawable", MachineAllows(workflow::ConsentMachine(), c.state(),
                                             "CONSENT_STATE_", workflow::ConsentEvent::kWithdraw));
    if (MachineAllows(workflow::ConsentMachine(), c.state(), "CONSENT_STATE_",
                      workflow::ConsentEvent::kGrant)) {
      record.set("awaiting_answer", true);
      record.set("etag", c.etag());
      record.set("answer_request_id", common::NewUuid());
    }
    records.push_back(record);
  }
  page.set("records", records);
  page.set("any_records", !newest.empty());

  // The forms: the partners and categories to choose from, and a refused
  // form as it was filled in.
  // Only the refused form comes back as typed; the other shows its
  // defaults.
  const FormFields none;
  const FormFields& form = typed != nullptr && refused_form == "toestemming" ? *typed : none;
  const FormFields& override_form = typed != nullptr && refused_form == "override" ? *typed : none;
  const auto partner_choices = [&](const std::string& chosen) {
    list choices;
    for (const auto& partner : partners) {
      data choice;
      choice.set("value", partner.id());
      choice.set("label", partner.display_name());
      choice.set("selected", partner.id() == chosen);
      choices.push_back(choice);
    }
    return choices;
  };
  const auto category_boxes = [&](const FormFields& form, const std::string& name) {
    list boxes;
    for (const pb::DataCategory category : categories) {
      data box;
      box.set("value", pb::DataCategory_Name(category));
      box.set("label", std::string(DutchOf(category)));
      box.set("checked", HasValue(form, name, pb::DataCategory_Name(category)));
      boxes.push_back(box);
    }
    return boxes;
  };
  const bool consent_typed = &form != &none;
  page.set("partners",
           partner_choices(consent_typed ? Field(form, "partner") : Query(request, "partner")));
  page.set("guardians", partner_choices(Field(form, "voogd")));
  page.set("category_boxes", category_boxes(form, "categorie"));
  page.set("purposes", OptionsOf<pb::Purpose>(EnumField<pb::Purpose>(form, "doel")));
  page.set("methods", OptionsOf<cv1::ConsentMethod>(
                          consent_typed ? EnumField<cv1::ConsentMethod>(form, "wijze")
                                        : cv1::CONSENT_METHOD_VERBAL));
  page.set("grantors",
           OptionsOf<cv1::Grantor>(consent_typed ? EnumField<cv1::Grantor>(form, "gever")
                                                 : cv1::GRANTOR_PERSON));
  page.set("interpreter_typed", Field(form, "tolk") == "ja");
  page.set("valid_typed", DateTyped(form, "geldig"));
  page.set("answer_granted", Field(form, "antwoord") == "gegeven");
  page.set("answer_refused", Field(form, "antwoord") == "geweigerd");
  page.set("withdrawn", Query(request, "ingetrokken") == "1");
  page.set("recorded", Query(request, "vastgelegd") == "1");
  page.set("override_requested", Query(request, "aangevraagd") == "1");

  // Overrides: sharing on a legal basis without her consent, each decided
  // by a second coordinator (R-OVERRIDE-FOUR-EYES).
  cv1::ListOverridesRequest overrides_request;
  overrides_request.set_trajectory_id(id);
  overrides_request.mutable_page()->set_page_size(kConsentsPageSize);
  cv1::ListOverridesResponse overrides;
  const grpc::Status overrides_read = calls_->Call<cv1::ConsentService>(
      live.who, &cv1::ConsentService::Stub::ListOverrides, overrides_request, overrides);
  if (!overrides_read.ok()) {
    page.set("overrides_refusal", RefusalOf(overrides_read).view);
  }
  list override_rows;
  for (auto o = overrides.overrides().rbegin(); o != overrides.overrides().rend(); ++o) {
    override_rows.push_back(OverrideData(*o, names, live.now));
  }
  page.set("overrides", override_rows);
  page.set("any_overrides", overrides.overrides_size() > 0);
  page.set("bases",
           OptionsOf<cv1::LegalBasis>(EnumField<cv1::LegalBasis>(override_form, "grondslag")));
  page.set("justification_typed", Field(override_form, "motivering"));
  page.set("override_partners", partner_choices(Field(override_form, "override-partner")));
  page.set("override_category_boxes", category_boxes(override_form, "override-categorie"));
  page.set("override_purposes",
           OptionsOf<pb::Purpose>(EnumField<pb::Purpose>(override_form, "override-doel")));
  page.set("expiry_typed", DateTyped(override_form, "vervalt"));
  page.set("acute_typed", Field(override_form, "acuut") == "ja");
  page.set("override_request_id", common::NewUuid());

  if (refusal != nullptr) {
    const std::string prefix = refused_form == "override" ? "override_" : "";
    page.set(prefix + "refusal", refusal->view);
    page.set(prefix + "errors", ErrorsOf(*refusal));
  }
  Show(response, live, "consent", "Toestemming", page, status);
}

void WebServer::ConsentRoutes() {
  if (accounts_ == nullptr || calls_ == nullptr) {
    return;
  }
  Get(R"(/trajecten/([0-9a-f-]{36})/toestemming)", "/trajecten/{id}/toestemming",
      [this](const httplib::Request& request, httplib::Response& response) {
        if (const auto live = RequireSession(*accounts_, request, response)) {
          ConsentPage(request, response, *live, request.matches[1].str(), nullptr, "", nullptr,
                      200);
        }
      });
  // Recording what she answered: the consent as asked (Propose), then her
  // answer (Grant or Refuse), each with a request id of its own made from
  // the form's, so sending the form again applies neither twice.
  Post(R"(/trajecten/([0-9a-f-]{36})/toestemming)", "/trajecten/{id}/toestemming",
       [this](const httplib::Request& request, const Form& form, httplib::Response& response) {
         const auto live = PostedSession(request, form, response);
         if (!live) {
           return;
         }
         const std::string id = request.matches[1].str();
         cv1::ProposeConsentRequest propose;
         propose.set_request_id(Field(form, "verzoek"));
         cv1::Consent& consent = *propose.mutable_consent();
         consent.set_trajectory_id(id);
         consent.set_recipient_organisation_id(Field(form, "partner"));
         ReadCategories(form, "categorie", consent);
         consent.set_purpose(EnumField<pb::Purpose>(form, "doel"));
         consent.set_method(EnumField<cv1::ConsentMethod>(form, "wijze"));
         consent.set_grantor(EnumField<cv1::Grantor>(form, "gever"));
         consent.set_guardian_organisation_id(Field(form, "voogd"));
         consent.set_interpreter_used(Field(form, "tolk") == "ja");
         std::map<std::string, std::string> unreadable;
         if (const DateParts until = ReadDate(form, "geldig"); until.readable) {
           *consent.mutable_valid_until() = StartOfDay(until);
         } else if (until.given) {
           unreadable["geldig"] = std::string(kUnreadableDate);
         }
         const bool granted = Field(form, "antwoord") == "gegeven";
         const bool refused = Field(form, "antwoord") == "geweigerd";
         if (!granted && !refused) {
           unreadable["antwoord"] = "Kies wat zij antwoordde.";
         }
         if (!unreadable.empty()) {
           const Refusal local = UnreadableForm(std::move(unreadable));
           ConsentPage(request, response, *live, id, &form, "toestemming", &local, 400);
           return;
         }
         cv1::Consent proposed;
         grpc::Status status = calls_->Call<cv1::ConsentService>(
             live->who, &cv1::ConsentService::Stub::ProposeConsent, propose, proposed);
         if (!status.ok()) {
           const Refusal refusal = RefusalOf(status, kConsentInputs);
           ConsentPage(request, response, *live, id, &form, "toestemming", &refusal,
                       HttpStatusOfCode(status.error_code()));
           return;
         }
         status = Answer(*calls_, live->who, proposed, granted, propose.request_id());
         if (status.ok()) {
           response.set_redirect("/trajecten/" + id + "/toestemming?vastgelegd=1", 303);
           return;
         }
         // Asked, but her answer not recorded: the consent stands as asked,
         // with its answer to give at its record (never asked twice).
         Refusal refusal = RefusalOf(status);
         refusal.view.set("message",
                          "De vraag is vastgelegd, haar antwoord nog niet: " +
                              common::DutchMessageOf(common::WithDetails(status)) +
                              " Leg haar antwoord vast bij de vastgelegde toestemmingen.");
         ConsentPage(request, response, *live, id, nullptr, "toestemming", &refusal,
                     HttpStatusOfCode(status.error_code()));
       });
  // Her answer to a consent asked before (its record's two buttons).
  Post(R"(/trajecten/([0-9a-f-]{36})/toestemming/([0-9a-f-]{36})/(gegeven|geweigerd))",
       "/trajecten/{id}/toestemming/{consent}/{answer}",
       [this](const httplib::Request& request, const Form& form, httplib::Response& response) {
         const auto live = PostedSession(request, form, response);
         if (!live) {
           return;
         }
         const std::string id = request.matches[1].str();
         cv1::Consent asked;
         asked.set_id(request.matches[2].str());
         asked.set_etag(Field(form, "etag"));
         const grpc::Status status =
             Answer(*calls_, live->who, asked, request.matches[3].str() == "gegeven",
                    Field(form, "verzoek"));
         if (status.ok()) {
           response.set_redirect("/trajecten/" + id + "/toestemming?vastgelegd=1", 303);
           return;
         }
         const Refusal refusal = RefusalOf(status);
         ConsentPage(request, response, *live, id, nullptr, "toestemming", &refusal,
                     HttpStatusOfCode(status.error_code()));
       });
  // Withdrawing: first a page that says what will be revoked, then the
  // withdrawal itself; a refused withdrawal comes back on that page, read
  // again (its etag as it is now).
  auto withdraw_page = [this](const httplib::Request& request, httplib::Response& response,
                              const LiveSession& live, const data* refusal, int status) {
    cv1::GetConsentRequest get;
    get.set_id(request.matches[2].str());
    cv1::Consent consent;
    const grpc::Status read = calls_->Call<cv1::ConsentService>(
        live.who, &cv1::ConsentService::Stub::GetConsent, get, consent);
    data page;
    page.set("id", request.matches[1].str());
    if (!read.ok() || consent.trajectory_id() != request.matches[1].str()) {
      page.set("refusal", RefusalOf(read.ok() ? common::NotFound("consent") : read).view);
      Show(response, live, "consent_withdraw", "Toestemming intrekken", page,
           read.ok() ? 404 : HttpStatusOfCode(read.error_code()));
      return;
    }
    if (refusal != nullptr) {
      page.set("refusal", *refusal);
    }
    page.set("found", true);
    page.set("consent_id", consent.id());
    page.set("etag", consent.etag());
    page.set("request_id", common::NewUuid());
    const auto names = OrganisationNames(*calls_, live.who);
    page.set("recipient", NameOf(consent.recipient_organisation_id(), names));
    page.set("categories", CategoryListOf(consent));
    SetIfAny(page, "purpose", DutchOf(consent.purpose()));
    page.set("granted", MachineAllows(workflow::ConsentMachine(), consent.state(), "CONSENT_STATE_",
                                      workflow::ConsentEvent::kWithdraw));
    page.set("state", std::string(DutchOf(consent.state())));
    Show(response, live, "consent_withdraw", "Toestemming intrekken", page, status);
  };
  Get(R"(/trajecten/([0-9a-f-]{36})/toestemming/([0-9a-f-]{36})/intrekken)",
      "/trajecten/{id}/toestemming/{consent}/intrekken",
      [this, withdraw_page](const httplib::Request& request, httplib::Response& response) {
        if (const auto live = RequireSession(*accounts_, request, response)) {
          withdraw_page(request, response, *live, nullptr, 200);
        }
      });
  Post(R"(/trajecten/([0-9a-f-]{36})/toestemming/([0-9a-f-]{36})/intrekken)",
       "/trajecten/{id}/toestemming/{consent}/intrekken",
       [this, withdraw_page](const httplib::Request& request, const Form& form,
                             httplib::Response& response) {
         const auto live = PostedSession(request, form, response);
         if (!live) {
           return;
         }
         const std::string id = request.matches[1].str();
         cv1::WithdrawConsentRequest withdraw;
         withdraw.set_request_id(Field(form, "verzoek"));
         withdraw.set_consent_id(request.matches[2].str());
         withdraw.set_etag(Field(form, "etag"));
         cv1::Consent withdrawn;
         const grpc::Status status = calls_->Call<cv1::ConsentService>(
             live->who, &cv1::ConsentService::Stub::WithdrawConsent, withdraw, withdrawn);
         if (status.ok()) {
           response.set_redirect("/trajecten/" + id + "/toestemming?ingetrokken=1", 303);
           return;
         }
         const data refusal = RefusalOf(status).view;
         withdraw_page(request, response, *live, &refusal, HttpStatusOfCode(status.error_code()));
       });
  // Asking to share on a legal basis without her consent.
  Post(R"(/trajecten/([0-9a-f-]{36})/override)", "/trajecten/{id}/override",
       [this](const httplib::Request& request, const Form& form, httplib::Response& response) {
         const auto live = PostedSession(request, form, response);
         if (!live) {
           return;
         }
         const std::string id = request.matches[1].str();
         cv1::RequestOverrideRequest ask;
         ask.set_request_id(Field(form, "verzoek"));
         cv1::Override& o = *ask.mutable_override();
         o.set_trajectory_id(id);
         o.set_basis(EnumField<cv1::LegalBasis>(form, "grondslag"));
         o.set_justification(Field(form, "motivering"));
         o.set_recipient_organisation_id(Field(form, "override-partner"));
         ReadCategories(form, "override-categorie", o);
         o.set_purpose(EnumField<pb::Purpose>(form, "override-doel"));
         o.set_acute_danger(Field(form, "acuut") == "ja");
         if (const DateParts until = ReadDate(form, "vervalt"); until.readable) {
           *o.mutable_expires_at() = StartOfDay(until);
         } else if (until.given) {
           const Refusal local = UnreadableForm({{"vervalt", std::string(kUnreadableDate)}});
           ConsentPage(request, response, *live, id, &form, "override", &local, 400);
           return;
         }
         cv1::Override asked;
         const grpc::Status status = calls_->Call<cv1::ConsentService>(
             live->who, &cv1::ConsentService::Stub::RequestOverride, ask, asked);
         if (status.ok()) {
           response.set_redirect("/trajecten/" + id + "/toestemming?aangevraagd=1#overrides", 303);
           return;
         }
         const Refusal refusal = RefusalOf(status, kOverrideInputs);
         ConsentPage(request, response, *live, id, &form, "override", &refusal,
                     HttpStatusOfCode(status.error_code()));
       });
  ApprovalRoutes();
}

void WebServer::ApprovalRoutes() {
  // The approval queue: every override of her organisation's trajectories
  // that waits for a second coordinator; `failed`: the one whose decision
  // was refused, shown with `refusal` next to it (or above the list when it
  // no longer waits).
  auto queue = [this](const httplib::Request& request, httplib::Response& response,
                      const LiveSession& live, const std::string& failed, const data* refusal,
                      int status) {
    cv1::ListOverridesRequest list_request;
    list_request.set_trajectory_id("-");
    list_request.set_awaiting_approval(true);
    list_request.mutable_page()->set_page_size(kConsentsPageSize);
    list_request.mutable_page()->set_page_token(Query(request, "pagina"));
    cv1::ListOverridesResponse waiting;
    const grpc::Status read = calls_->Call<cv1::ConsentService>(
        live.who, &cv1::ConsentService::Stub::ListOverrides, list_request, waiting);
    data page;
    if (!read.ok()) {
      page.set("read_refusal", RefusalOf(read).view);
      Show(response, live, "approvals", "Goedkeuringen", page, HttpStatusOfCode(read.error_code()));
      return;
    }
    const auto names = OrganisationNames(*calls_, live.who);
    list rows;
    bool listed = false;
    for (const cv1::Override& o : waiting.overrides()) {
      data row = OverrideData(o, names, live.now);
      // The one who asked does not decide (R-OVERRIDE-FOUR-EYES): the page
      // says so instead of offering buttons the service would refuse.
      row.set("own", workflow::CheckSecondPairOfEyes(
                         {o.requested_by().organisation_id(), o.requested_by().user_id()},
                         {live.who.organisation_id, live.who.user_id})
                         .has_value());
      row.set("approve_request_id", common::NewUuid());
      row.set("reject_request_id", common::NewUuid());
      if (refusal != nullptr && o.id() == failed) {
        row.set("row_refusal", *refusal);
        listed = true;
      }
      rows.push_back(row);
    }
    page.set("found", true);
    page.set("overrides", rows);
    page.set("any", waiting.overrides_size() > 0);
    if (!waiting.next_page_token().empty()) {
      page.set("next", QueryString({{"pagina", waiting.next_page_token()}}));
    }
    if (refusal != nullptr && !listed) {
      page.set("refusal", *refusal);
    }
    const std::string decided = Query(request, "besluit");
    page.set("approved", decided == "goedgekeurd");
    page.set("rejected", decided == "afgewezen");
    Show(response, live, "approvals", "Goedkeuringen", page, status);
  };
  Get("/goedkeuringen", "/goedkeuringen",
      [this, queue](const httplib::Request& request, httplib::Response& response) {
        if (const auto live = RequireSession(*accounts_, request, response)) {
          queue(request, response, *live, "", nullptr, 200);
        }
      });
  Post(R"(/goedkeuringen/([0-9a-f-]{36})/(goedkeuren|afwijzen))",
       "/goedkeuringen/{override}/{decision}",
       [this, queue](const httplib::Request& request, const Form& form,
                     httplib::Response& response) {
         const auto live = PostedSession(request, form, response);
         if (!live) {
           return;
         }
         const std::string id = request.matches[1].str();
         const bool approve = request.matches[2].str() == "goedkeuren";
         cv1::Override decided;
         grpc::Status status;
         if (approve) {
           cv1::ApproveOverrideRequest decision;
           decision.set_request_id(Field(form, "verzoek"));
           decision.set_override_id(id);
           decision.set_etag(Field(form, "etag"));
           status = calls_->Call<cv1::ConsentService>(
               live->who, &cv1::ConsentService::Stub::ApproveOverride, decision, decided);
         } else {
           cv1::RejectOverrideRequest decision;
           decision.set_request_id(Field(form, "verzoek"));
           decision.set_override_id(id);
           decision.set_etag(Field(form, "etag"));
           status = calls_->Call<cv1::ConsentService>(
               live->who, &cv1::ConsentService::Stub::RejectOverride, decision, decided);
         }
         if (status.ok()) {
           response.set_redirect(
               std::string("/goedkeuringen?besluit=") + (approve ? "goedgekeurd" : "afgewezen"),
               303);
           return;
         }
         const data refusal = RefusalOf(status).view;
         queue(request, response, *live, id, &refusal, HttpStatusOfCode(status.error_code()));
       });
}

}  // namespace ketenregie::web
