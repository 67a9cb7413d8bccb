// The coordinator's intake (issue #14): a new signal (or an anonymous
// consultation), the registration of a person (aanmelding) with a warning
// when she was registered before, and the screening of Bijlage 1. Every
// form works without script, carries its own request id (a second post is
// the same request) and comes back with what refused it marked at its
// fields. The trajectory service decides every step.
#include <httplib.h>

#include <string>
#include <utility>

#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/ids.h"
#include "services/common/validation.h"
#include "services/web/json_api.h"
#include "services/web/live_session.h"
#include "services/web/on_behalf.h"
#include "services/web/page_support.h"
#include "services/web/texts.h"
#include "services/web/web_server.h"

namespace ketenregie::web {
namespace {

namespace tv1 = trajectory::v1;
using kainjow::mustache::data;
using kainjow::mustache::list;

// The form's inputs by the request's fields they fill, for the errors.
const std::map<std::string, std::string> kSignalInputs = {
    {"reporter_kind", "melder"}, {"observation", "waarneming"}, {"anonymous", "anoniem"}};
const std::map<std::string, std::string> kRegistrationInputs = {
    {"identity.given_name", "voornaam"},
    {"identity.family_name", "achternaam"},
    {"identity.date_of_birth", "geboortedatum"},
    {"identity.nationality", "nationaliteit"},
    {"identity.gender_identity", "gender"},
    {"identity.contact", "contact"},
    {"age_status", "leeftijd"},
    {"accompanying_children", "kinderen"},
    {"signal_id", "signaal"},
};
const std::map<std::string, std::string> kScreeningInputs = {
    {"screening.indicators", "indicatoren"},
    {"screening.indicators.score", "indicatoren"},
    {"screening.forms", "vormen"},
};

}  // namespace

void WebServer::IntakeRoutes() {
  if (accounts_ == nullptr || calls_ == nullptr) {
    return;
  }

  // A new signal, or an anonymous consultation.
  const auto signal_form = [this](httplib::Response& response, const LiveSession& live,
                                  const FormFields& values, const Refusal* refusal, int status) {
    data page;
    page.set("request_id", values.empty() ? common::NewUuid() : Field(values, "verzoek"));
    page.set("reporters",
             OptionsOf<tv1::ReporterKind>(EnumField<tv1::ReporterKind>(values, "melder")));
    page.set("anonymous", Field(values, "anoniem") == "ja");
    SetIfAny(page, "observation", Field(values, "waarneming"));
    if (refusal != nullptr) {
      page.set("refusal", refusal->view);
      page.set("errors", ErrorsOf(*refusal));
    }
    Show(response, live, "signal_new", "Nieuw signaal", page, status);
  };
  Get("/signalen/nieuw", "/signalen/nieuw",
      [this, signal_form](const httplib::Request& request, httplib::Response& response) {
        if (const auto live = RequireSession(*accounts_, request, response)) {
          signal_form(response, *live, {}, nullptr, 200);
        }
      });
  Post("/signalen", "/signalen",
       [this, signal_form](const httplib::Request& request, const Form& form,
                           httplib::Response& response) {
         const auto live = PostedSession(request, form, response);
         if (!live) {
           return;
         }
         tv1::CreateSignalRequest create;
         create.set_request_id(Field(form, "verzoek"));
         create.set_reporter_kind(EnumField<tv1::ReporterKind>(form, "melder"));
         create.set_anonymous(Field(form, "anoniem") == "ja");
         create.set_observation(Field(form, "waarneming"));
         tv1::Signal signal;
         const grpc::Status status = calls_->Call<tv1::TrajectoryService>(
             live->who, &tv1::TrajectoryService::Stub::CreateSignal, create, signal);
         if (status.ok()) {
           response.set_redirect("/signalen/" + signal.id(), 303);
           return;
         }
         const Refusal refusal = RefusalOf(status, kSignalInputs);
         signal_form(response, *live, form, &refusal, HttpStatusOfCode(status.error_code()));
       });
  Get(R"(/signalen/([0-9a-f-]{36}))", "/signalen/{id}",
      [this](const httplib::Request& request, httplib::Response& response) {
        const auto live = RequireSession(*accounts_, request, response);
        if (!live) {
          return;
        }
        tv1::GetSignalRequest get;
        get.set_id(request.matches[1].str());
        tv1::Signal signal;
        const grpc::Status status = calls_->Call<tv1::TrajectoryService>(
            live->who, &tv1::TrajectoryService::Stub::GetSignal, get, signal);
        data page;
        if (!status.ok()) {
          page.set("refusal", RefusalOf(status).view);
          Show(response, *live, "signal", "Signaal", page, HttpStatusOfCode(status.error_code()));
          return;
        }
        page.set("found", true);
        page.set("id", signal.id());
        page.set("received", DutchDateTime(common::ToInstant(signal.received_at())));
        page.set("reporter", std::string(DutchOf(signal.reporter_kind())));
        page.set("anonymous", signal.anonymous());
        SetIfAny(page, "observation", signal.observation());
        page.set("trajectory_id", signal.trajectory_id());
        page.set("trajectory", ShortId(signal.trajectory_id()));
        Show(response, *live, "signal", "Signaal", page);
      });

  // The registration (aanmelding), for a signal or on its own.
  const auto registration_form = [this](httplib::Response& response, const LiveSession& live,
                                        const FormFields& values, const std::string& signal,
                                        const Refusal* refusal, int status) {
    data page;
    page.set("request_id", values.empty() ? common::NewUuid() : Field(values, "verzoek"));
    SetIfAny(page, "signal", signal);
    SetIfAny(page, "signal_short", signal.empty() ? "" : ShortId(signal));
    data v;
    for (const std::string name : {"voornaam", "achternaam", "geboortedag", "geboortemaand",
                                   "geboortejaar", "nationaliteit", "contact", "kinderen"}) {
      SetIfAny(v, name, Field(values, name));
    }
    page.set("values", v);
    page.set("genders",
             OptionsOf<tv1::GenderIdentity>(EnumField<tv1::GenderIdentity>(values, "gender")));
    page.set("ages", OptionsOf<tv1::AgeStatus>(EnumField<tv1::AgeStatus>(values, "leeftijd")));
    page.set("notes", Field(values, "notities") == "ja");
    page.set("interpreter", Field(values, "tolk") == "ja");
    if (refusal != nullptr) {
      page.set("refusal", refusal->view);
      page.set("errors", ErrorsOf(*refusal));
    }
    Show(response, live, "register", "Aanmelden", page, status);
  };
  Get("/aanmelden", "/aanmelden",
      [this, registration_form](const httplib::Request& request, httplib::Response& response) {
        const auto live = RequireSession(*accounts_, request, response);
        if (!live) {
          return;
        }
        const std::string signal = Query(request, "signaal");
        if (!signal.empty() && !common::IsUuid(signal)) {
          response.status = 400;
          return;
        }
        registration_form(response, *live, {}, signal, nullptr, 200);
      });
  Post("/aanmelden", "/aanmelden",
       [this, registration_form](const httplib::Request& request, const Form& form,
                                 httplib::Response& response) {
         const auto live = PostedSession(request, form, response);
         if (!live) {
           return;
         }
         tv1::RegisterPersonRequest reg;
         reg.set_request_id(Field(form, "verzoek"));
         reg.set_signal_id(Field(form, "signaal"));
         auto& identity = *reg.mutable_identity();
         identity.set_given_name(Field(form, "voornaam"));
         identity.set_family_name(Field(form, "achternaam"));
         identity.set_nationality(Field(form, "nationaliteit"));
         identity.set_contact(Field(form, "contact"));
         identity.set_gender_identity(EnumField<tv1::GenderIdentity>(form, "gender"));
         reg.set_age_status(EnumField<tv1::AgeStatus>(form, "leeftijd"));
         reg.set_consent_to_notes(Field(form, "notities") == "ja");
         reg.set_interpreter_used(Field(form, "tolk") == "ja");
         // What the browser cannot say in the service's terms is refused
         // here, at its field, before anything is asked.
         Refusal local;
         // The date of birth in three parts (day, month, year), all or
         // none, a date that exists.
         if (const DateParts born = ReadDate(form, "geboorte"); born.readable) {
           identity.mutable_date_of_birth()->set_day(born.day);
           identity.mutable_date_of_birth()->set_month(born.month);
           identity.mutable_date_of_birth()->set_year(born.year);
         } else if (born.given) {
           local.inputs["geboortedatum"] = std::string(kUnreadableDate);
         }
         const std::string children = Field(form, "kinderen");
         if (!children.empty()) {
           if (children.size() > 2 ||
               children.find_first_not_of("0123456789") != std::string::npos) {
             local.inputs["kinderen"] = "Vul een aantal in, 0 of meer.";
           } else {
             reg.set_accompanying_children(std::stoi(children));
           }
         }
         if (!local.inputs.empty()) {
           local = UnreadableForm(std::move(local.inputs));
           registration_form(response, *live, form, Field(form, "signaal"), &local, 400);
           return;
         }
         tv1::RegisterPersonResponse registered;
         const grpc::Status status = calls_->Call<tv1::TrajectoryService>(
             live->who, &tv1::TrajectoryService::Stub::RegisterPerson, reg, registered);
         if (!status.ok()) {
           const Refusal refusal = RefusalOf(status, kRegistrationInputs);
           registration_form(response, *live, form, Field(form, "signaal"), &refusal,
                             HttpStatusOfCode(status.error_code()));
           return;
         }
         const tv1::Trajectory& t = registered.trajectory();
         if (registered.earlier_trajectories().empty()) {
           response.set_redirect("/trajecten/" + t.id(), 303);
           return;
         }
         // She was registered before (the blind index found her): say so
         // before anything else, with her earlier trajectories.
         data page;
         page.set("id", t.id());
         page.set("short_id", ShortId(t.id()));
         list earlier;
         for (const tv1::TrajectorySummary& e : registered.earlier_trajectories()) {
           data row;
           row.set("id", e.id());
           row.set("short_id", ShortId(e.id()));
           row.set("opened", DutchDate(common::ToInstant(e.created_at())));
           row.set("state", std::string(DutchOf(e.state())));
           SetIfAny(row, "closure", DutchOf(e.closure_reason()));
           earlier.push_back(row);
         }
         page.set("earlier", earlier);
         page.set("count", std::to_string(registered.earlier_trajectories_size()));
         Show(response, *live, "registered", "Aanmelding vastgelegd", page);
       });

  // The screening of Bijlage 1: every indicator scored 0–3, the forms of
  // exploitation; the outcome (act, means, purpose) is the workflow's.
  const auto screening_form = [this](httplib::Response& response, const LiveSession& live,
                                     const tv1::Trajectory& t, const FormFields* values,
                                     const Refusal* refusal, int status) {
    data page;
    page.set("id", t.id());
    page.set("short_id", ShortId(t.id()));
    page.set("etag", values != nullptr ? Field(*values, "etag") : t.etag());
    page.set("request_id", values != nullptr ? Field(*values, "verzoek") : common::NewUuid());
    std::map<int, int> scores;
    for (const auto& a : t.screening().indicators()) {
      scores[a.indicator()] = a.score();
    }
    list indicators;
    const auto* type = tv1::Indicator_descriptor();
    for (int i = 0; i < type->value_count(); ++i) {
      const auto* value = type->value(i);
      if (value->number() == 0) {
        continue;
      }
      const std::string input = "indicator-" + std::to_string(value->number());
      int score =
          scores.contains(value->number()) ? scores[value->number()] : tv1::INDICATOR_SCORE_NONE;
      if (values != nullptr) {
        score = EnumField<tv1::IndicatorScore>(*values, input);
      }
      data row;
      row.set("input", input);
      row.set("title", std::string(DutchOfValue(value->name())));
      row.set("signals", std::string(IndicatorSignals(value->name())));
      row.set("act", value->number() <= tv1::INDICATOR_HOUSING);
      list options;
      for (const auto s :
           {tv1::INDICATOR_SCORE_NONE, tv1::INDICATOR_SCORE_SIGNALS, tv1::INDICATOR_SCORE_EVIDENCE,
            tv1::INDICATOR_SCORE_MORE_INFORMATION_NEEDED}) {
        data option;
        option.set("value", tv1::IndicatorScore_Name(s));
        option.set("label", std::string(DutchOf(s)));
        option.set("id", input + "-" + std::to_string(static_cast<int>(s)));
        option.set("checked", s == score);
        options.push_back(option);
      }
      row.set("options", options);
      indicators.push_back(row);
    }
    page.set("indicators", indicators);
    list forms;
    const auto* form_type = tv1::ExploitationForm_descriptor();
    for (int i = 0; i < form_type->value_count(); ++i) {
      const auto* value = form_type->value(i);
      if (value->number() == 0) {
        continue;
      }
      bool checked = false;
      if (values != nullptr) {
        const auto [from, to] = values->equal_range("vorm");
        checked = std::any_of(from, to, [&](const auto& f) { return f.second == value->name(); });
      } else {
        checked = std::find(t.screening().forms().begin(), t.screening().forms().end(),
                            value->number()) != t.screening().forms().end();
      }
      data option;
      option.set("value", value->name());
      option.set("label", std::string(DutchOfValue(value->name())));
      option.set("id", "vorm-" + std::to_string(value->number()));
      option.set("checked", checked);
      forms.push_back(option);
    }
    page.set("forms", forms);
    page.set("smuggling", values != nullptr ? Field(*values, "smokkel") == "ja"
                                            : t.screening().smuggling_indicated());
    if (refusal != nullptr) {
      page.set("refusal", refusal->view);
      page.set("errors", ErrorsOf(*refusal));
    }
    Show(response, live, "screening", "Screening", page, status);
  };
  Get(R"(/trajecten/([0-9a-f-]{36})/screening)", "/trajecten/{id}/screening",
      [this, screening_form](const httplib::Request& request, httplib::Response& response) {
        const auto live = RequireSession(*accounts_, request, response);
        if (!live) {
          return;
        }
        tv1::GetTrajectoryRequest get;
        get.set_id(request.matches[1].str());
        tv1::Trajectory t;
        const grpc::Status status = calls_->Call<tv1::TrajectoryService>(
            live->who, &tv1::TrajectoryService::Stub::GetTrajectory, get, t);
        if (!status.ok()) {
          data page;
          page.set("refusal", RefusalOf(status).view);
          Show(response, *live, "trajectory", "Traject", page,
               HttpStatusOfCode(status.error_code()));
          return;
        }
        screening_form(response, *live, t, nullptr, nullptr, 200);
      });
  Post(R"(/trajecten/([0-9a-f-]{36})/screening)", "/trajecten/{id}/screening",
       [this, screening_form](const httplib::Request& request, const Form& form,
                              httplib::Response& response) {
         const auto live = PostedSession(request, form, response);
         if (!live) {
           return;
         }
         const std::string id = request.matches[1].str();
         tv1::RecordScreeningRequest record;
         record.set_request_id(Field(form, "verzoek"));
         record.set_trajectory_id(id);
         record.set_etag(Field(form, "etag"));
         auto& screening = *record.mutable_screening();
         const auto* type = tv1::Indicator_descriptor();
         for (int i = 0; i < type->value_count(); ++i) {
           const int number = type->value(i)->number();
           if (number == 0) {
             continue;
           }
           auto& assessment = *screening.add_indicators();
           assessment.set_indicator(static_cast<tv1::Indicator>(number));
           assessment.set_score(
               EnumField<tv1::IndicatorScore>(form, "indicator-" + std::to_string(number)));
         }
         const auto [from, to] = form.equal_range("vorm");
         for (auto f = from; f != to; ++f) {
           tv1::ExploitationForm value = tv1::EXPLOITATION_FORM_UNSPECIFIED;
           tv1::ExploitationForm_Parse(f->second, &value);
           screening.add_forms(value);
         }
         screening.set_smuggling_indicated(Field(form, "smokkel") == "ja");
         tv1::Trajectory t;
         const grpc::Status status = calls_->Call<tv1::TrajectoryService>(
             live->who, &tv1::TrajectoryService::Stub::RecordScreening, record, t);
         if (status.ok()) {
           response.set_redirect("/trajecten/" + id + "#screening", 303);
           return;
         }
         // The form again, as it was sent, on the trajectory as it is now.
         tv1::GetTrajectoryRequest get;
         get.set_id(id);
         tv1::Trajectory now;
         const grpc::Status read = calls_->Call<tv1::TrajectoryService>(
             live->who, &tv1::TrajectoryService::Stub::GetTrajectory, get, now);
         if (!read.ok()) {
           response.status = HttpStatusOfCode(read.error_code());
           return;
         }
         const Refusal refusal = RefusalOf(status, kScreeningInputs);
         screening_form(response, *live, now, &form, &refusal,
                        HttpStatusOfCode(status.error_code()));
       });
}

}  // namespace ketenregie::web
