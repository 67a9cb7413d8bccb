// The trajectory page (issue #14): what the trajectory service says of a
// trajectory, its time bar, its open tasks and its timeline, and the forms
// of its steps — age status, route, non-punishment, reflection period,
// B8, closure, reopening. Every form posts without script, carries its own
// request id and the trajectory's etag (a change made elsewhere since is
// refused, not overwritten), and a refusal is shown at the form it refused.
// Which step the rules allow is the trajectory service's to say: every
// form is offered, folded, and a step the rules forbid comes back with the
// rule and its source.
#include <httplib.h>

#include <string>
#include <utility>

#include "ketenregie/handoff/v1/handoff.grpc.pb.h"
#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/ids.h"
#include "services/common/validation.h"
#include "services/web/json_api.h"
#include "services/web/live_session.h"
#include "services/web/on_behalf.h"
#include "services/web/page_support.h"
#include "services/web/texts.h"
#include "services/web/time_bar.h"
#include "services/web/web_server.h"
#include "workflow/calendar.h"

namespace ketenregie::web {
namespace {

namespace tv1 = trajectory::v1;
namespace sv1 = shelter::v1;
namespace hv1 = handoff::v1;
using kainjow::mustache::data;
using kainjow::mustache::list;

constexpr int kTimelinePageSize = 20;
constexpr int kTasksPageSize = 50;

data TimeBarData(const TimeBar& bar, const TimeBarInput& input) {
  data out;
  out.set("width", std::to_string(TimeBar::kWidth));
  out.set("height", std::to_string(bar.height));
  out.set("axis_y", std::to_string(TimeBar::kAxis - 8));
  out.set("today_x", std::to_string(bar.today_x));
  out.set("today_label_x", std::to_string(std::min(bar.today_x + 4, TimeBar::kWidth - 60)));
  out.set("first", DutchDate(bar.first));
  out.set("last", DutchDate(bar.last));
  out.set("today", DutchDate(input.today));
  list ticks;
  for (const auto& tick : bar.ticks) {
    data t;
    t.set("x", std::to_string(tick.x));
    t.set("label_x", std::to_string(tick.x + 3));
    t.set("label", tick.label);
    ticks.push_back(t);
  }
  out.set("ticks", ticks);
  list bars;
  for (std::size_t i = 0; i < bar.bars.size(); ++i) {
    const auto& b = bar.bars[i];
    const TimeBarPeriod& period = input.periods[i];
    data d;
    d.set("label", b.label);
    d.set("kind", b.kind);
    d.set("x", std::to_string(b.x));
    d.set("y", std::to_string(b.y));
    d.set("text_y", std::to_string(b.y + 13));
    d.set("text_x", std::to_string(std::min(b.x + 4, TimeBar::kWidth - 150)));
    d.set("width", std::to_string(b.width));
    d.set("from", DutchDate(period.from));
    d.set("to", DutchDate(period.to));
    d.set("running", period.running);
    if (b.limit_x) {
      d.set("limit", true);
      d.set("limit_x", std::to_string(*b.limit_x));
      d.set("limit_y1", std::to_string(b.y - 3));
      d.set("limit_y2", std::to_string(b.y + 21));
      d.set("limit_date", DutchDate(*period.limit));
    }
    bars.push_back(d);
  }
  out.set("bars", bars);
  list marks;
  for (std::size_t i = 0; i < bar.marks.size(); ++i) {
    const auto& m = bar.marks[i];
    data d;
    d.set("label", m.label);
    d.set("kind", m.kind);
    d.set("x", std::to_string(m.x));
    d.set("y1", std::to_string(bar.moments_y + 2));
    d.set("y2", std::to_string(bar.moments_y + 20));
    d.set("date", DutchDate(input.moments[i].at));
    marks.push_back(d);
  }
  if (!marks.empty()) {
    out.set("marks", marks);
    out.set("moments_label_y", std::to_string(bar.moments_y + 14));
  }
  out.set("line_bottom", std::to_string(bar.height - 2));
  return out;
}

// The person, as her coordinator reads her identity (each read on the
// audit trail, by GetPersonIdentity).
data IdentityData(const tv1::PersonIdentity& person) {
  data out;
  SetIfAny(out, "given_name", person.given_name());
  SetIfAny(out, "family_name", person.family_name());
  if (person.has_date_of_birth()) {
    const auto& d = person.date_of_birth();
    SetIfAny(out, "date_of_birth",
             DutchDate(std::chrono::year_month_day{
                 std::chrono::year(d.year()), std::chrono::month(static_cast<unsigned>(d.month())),
                 std::chrono::day(static_cast<unsigned>(d.day()))}));
  }
  SetIfAny(out, "nationality", person.nationality());
  SetIfAny(out, "gender", DutchOf(person.gender_identity()));
  SetIfAny(out, "contact", person.contact());
  list documents;
  for (const std::string& document : person.documents()) {
    documents.push_back(data("document", document));
  }
  out.set("documents", documents);
  out.set("any_documents", person.documents_size() > 0);
  return out;
}

// One step of the trajectory as a form posts it: the request it makes
// from the form's fields, and the form's inputs by the request's fields.
using Step = grpc::Status (*)(const OnBehalfCalls& calls, const OnBehalfOf& who,
                              const std::string& id, const FormFields& form, Refusal& local);

template <typename Request>
grpc::Status Send(const OnBehalfCalls& calls, const OnBehalfOf& who,
                  grpc::Status (tv1::TrajectoryService::Stub::*method)(grpc::ClientContext*,
                                                                       const Request&,
                                                                       tv1::Trajectory*),
                  Request request, const std::string& id, const FormFields& form) {
  request.set_request_id(Field(form, "verzoek"));
  request.set_trajectory_id(id);
  request.set_etag(Field(form, "etag"));
  tv1::Trajectory out;
  return calls.Call<tv1::TrajectoryService>(who, method, request, out);
}

struct StepEntry {
  /// In the address (/trajecten/{id}/<slug>) and, with '_' for '-', the
  /// key of its form on the page.
  std::string_view slug;
  Step step;
};

const StepEntry kSteps[] = {
    {"leeftijd",
     [](const OnBehalfCalls& calls, const OnBehalfOf& who, const std::string& id,
        const FormFields& form, Refusal&) {
       tv1::SetAgeStatusRequest r;
       r.set_age_status(EnumField<tv1::AgeStatus>(form, "leeftijd"));
       return Send(calls, who, &tv1::TrajectoryService::Stub::SetAgeStatus, r, id, form);
     }},
    {"route",
     [](const OnBehalfCalls& calls, const OnBehalfOf& who, const std::string& id,
        const FormFields& form, Refusal&) {
       tv1::DecideRouteRequest r;
       r.set_route(EnumField<tv1::Route>(form, "route"));
       r.set_consents_to_referral(Field(form, "doorverwijzing") == "ja");
       return Send(calls, who, &tv1::TrajectoryService::Stub::DecideRoute, r, id, form);
     }},
    {"heractiveren",
     [](const OnBehalfCalls& calls, const OnBehalfOf& who, const std::string& id,
        const FormFields& form, Refusal&) {
       tv1::ReactivateTrajectoryRequest r;
       r.set_consents_to_referral(Field(form, "doorverwijzing") == "ja");
       return Send(calls, who, &tv1::TrajectoryService::Stub::ReactivateTrajectory, r, id, form);
     }},
    {"non-punishment",
     [](const OnBehalfCalls& calls, const OnBehalfOf& who, const std::string& id,
        const FormFields& form, Refusal&) {
       tv1::SetNonPunishmentFlagRequest r;
       r.set_flag(Field(form, "vlag") == "ja");
       return Send(calls, who, &tv1::TrajectoryService::Stub::SetNonPunishmentFlag, r, id, form);
     }},
    {"bedenktijd-starten",
     [](const OnBehalfCalls& calls, const OnBehalfOf& who, const std::string& id,
        const FormFields& form, Refusal& local) {
       tv1::StartReflectionPeriodRequest r;
       r.set_dublin_case(Field(form, "dublin") == "ja");
       if (const DateParts start = ReadDate(form, "start"); start.readable) {
         *r.mutable_starts_at() = StartOfDay(start);
       } else if (start.given) {
         local.inputs["start"] = std::string(kUnreadableDate);
         return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "starts_at");
       }
       return Send(calls, who, &tv1::TrajectoryService::Stub::StartReflectionPeriod, r, id, form);
     }},
    {"bedenktijd-besluit",
     [](const OnBehalfCalls& calls, const OnBehalfOf& who, const std::string& id,
        const FormFields& form, Refusal&) {
       tv1::DecideReflectionPeriodRequest r;
       r.set_decision(EnumField<tv1::ReflectionDecision>(form, "besluit"));
       return Send(calls, who, &tv1::TrajectoryService::Stub::DecideReflectionPeriod, r, id, form);
     }},
    {"verblijfsvergunning",
     [](const OnBehalfCalls& calls, const OnBehalfOf& who, const std::string& id,
        const FormFields& form, Refusal& local) {
       tv1::RecordResidencePermitRequest r;
       r.set_permit_state(EnumField<tv1::PermitState>(form, "vergunning"));
       if (const DateParts until = ReadDate(form, "geldig"); until.readable) {
         *r.mutable_valid_until() = StartOfDay(until);
       } else if (until.given) {
         local.inputs["geldig"] = std::string(kUnreadableDate);
         return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "valid_until");
       }
       return Send(calls, who, &tv1::TrajectoryService::Stub::RecordResidencePermit, r, id, form);
     }},
    {"afsluiten",
     [](const OnBehalfCalls& calls, const OnBehalfOf& who, const std::string& id,
        const FormFields& form, Refusal&) {
       tv1::CloseTrajectoryRequest r;
       r.set_reason(EnumField<tv1::ClosureReason>(form, "reden"));
       return Send(calls, who, &tv1::TrajectoryService::Stub::CloseTrajectory, r, id, form);
     }},
    {"heropenen",
     [](const OnBehalfCalls& calls, const OnBehalfOf& who, const std::string& id,
        const FormFields& form, Refusal&) {
       return Send(calls, who, &tv1::TrajectoryService::Stub::ReopenTrajectory,
                   tv1::ReopenTrajectoryRequest(), id, form);
     }},
};

// The inputs of the steps' forms by the request's fields they fill.
const std::map<std::string, std::string> kStepInputs = {
    {"age_status", "leeftijd"}, {"route", "route"},
    {"decision", "besluit"},    {"permit_state", "vergunning"},
    {"valid_until", "geldig"},  {"reason", "reden"},
    {"starts_at", "start"},     {"consents_to_referral", "doorverwijzing"}};

std::string KeyOf(std::string_view slug) {
  std::string key(slug);
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

// The value of select `field` to show: as typed in a refused form, else as
// the trajectory holds it.
template <typename E>
int Chosen(const FormFields* typed, const std::string& field, int current) {
  return typed != nullptr && typed->contains(field) ? EnumField<E>(*typed, field) : current;
}

// The forms of the steps: each with the trajectory's etag, a request id of
// its own, its options, and, for the step that was refused, the refusal,
// unfolded, with the form as it was `typed`.
void AddActions(data& page, const tv1::Trajectory& t, const std::string& refused_step,
                const Refusal* refusal, const FormFields* typed) {
  page.set("etag", t.etag());
  data steps;
  for (const StepEntry& entry : kSteps) {
    data step;
    step.set("request_id", common::NewUuid());
    if (refusal != nullptr && entry.slug == refused_step) {
      step.set("open", true);
      step.set("refusal", refusal->view);
      step.set("errors", ErrorsOf(*refusal));
      if (typed != nullptr) {
        data values;
        for (const char* box : {"doorverwijzing", "vlag", "dublin"}) {
          values.set(box, Field(*typed, box) == "ja");
        }
        values.set("start", DateTyped(*typed, "start"));
        values.set("geldig", DateTyped(*typed, "geldig"));
        step.set("typed", values);
      }
    }
    steps.set(KeyOf(entry.slug), step);
  }
  page.set("steps", steps);
  page.set("ages",
           OptionsOf<tv1::AgeStatus>(Chosen<tv1::AgeStatus>(typed, "leeftijd", t.age_status())));
  page.set("routes", OptionsOf<tv1::Route>(Chosen<tv1::Route>(typed, "route", t.route())));
  page.set("decisions", OptionsOf<tv1::ReflectionDecision>(Chosen<tv1::ReflectionDecision>(
                            typed, "besluit", t.reflection_period().decision())));
  page.set("permits", OptionsOf<tv1::PermitState>(Chosen<tv1::PermitState>(
                          typed, "vergunning", t.reflection_period().permit_state())));
  page.set("reasons", OptionsOf<tv1::ClosureReason>(
                          Chosen<tv1::ClosureReason>(typed, "reden", t.closure_reason())));
}

}  // namespace

void WebServer::TrajectoryPage(const httplib::Request& request, httplib::Response& response,
                               const LiveSession& live, const std::string& id,
                               const std::string& action, const Refusal* refusal, const Form* typed,
                               int status) {
  tv1::GetTrajectoryRequest get;
  get.set_id(id);
  tv1::Trajectory t;
  const grpc::Status got = calls_->Call<tv1::TrajectoryService>(
      live.who, &tv1::TrajectoryService::Stub::GetTrajectory, get, t);
  data page;
  if (!got.ok()) {
    page.set("refusal", RefusalOf(got).view);
    Show(response, live, "trajectory", "Traject", page, HttpStatusOfCode(got.error_code()));
    return;
  }
  // The rest of the page, asked at once: her placements, handoffs, open
  // tasks and timeline wait on each other for nothing.
  sv1::ListPlacementsRequest placements_request;
  placements_request.set_trajectory_id(id);
  placements_request.mutable_page()->set_page_size(20);
  sv1::ListPlacementsResponse placements;
  auto placements_call = calls_->Start<sv1::ShelterService>(
      live.who, &sv1::ShelterService::Stub::ListPlacements, placements_request, placements);
  hv1::ListHandoffsRequest handoffs_request;
  handoffs_request.set_trajectory_id(id);
  handoffs_request.mutable_page()->set_page_size(50);
  // Only when something waits, and until when: for the time bar, nothing
  // written about her (no message read, nothing on her trail).
  for (const char* field : {"state", "sent_at", "answer_due_at"}) {
    handoffs_request.mutable_read_mask()->add_paths(field);
  }
  hv1::ListHandoffsResponse handoffs;
  auto handoffs_call = calls_->Start<hv1::HandoffService>(
      live.who, &hv1::HandoffService::Stub::ListHandoffs, handoffs_request, handoffs);
  tv1::ListTasksRequest tasks_request;
  tasks_request.set_trajectory_id(id);
  tasks_request.set_state(tv1::TASK_STATE_OPEN);
  tasks_request.mutable_page()->set_page_size(kTasksPageSize);
  tv1::ListTasksResponse tasks;
  auto tasks_call = calls_->Start<tv1::TrajectoryService>(
      live.who, &tv1::TrajectoryService::Stub::ListTasks, tasks_request, tasks);
  tv1::ListTimelineRequest timeline_request;
  timeline_request.set_trajectory_id(id);
  timeline_request.mutable_page()->set_page_size(kTimelinePageSize);
  timeline_request.mutable_page()->set_page_token(Query(request, "tijdlijn"));
  tv1::ListTimelineResponse timeline;
  auto timeline_call = calls_->Start<tv1::TrajectoryService>(
      live.who, &tv1::TrajectoryService::Stub::ListTimeline, timeline_request, timeline);

  page.set("found", true);
  page.set("id", t.id());
  page.set("short_id", ShortId(t.id()));
  page.set("state", std::string(DutchOf(t.state())));
  page.set("route", t.route() == tv1::ROUTE_UNSPECIFIED ? std::string("Nog niet besloten")
                                                        : std::string(DutchOf(t.route())));
  SetIfAny(page, "age", DutchOf(t.age_status()));
  SetIfAny(page, "coordinator", t.coordinator().user_id());
  page.set("non_punishment", t.non_punishment_flag());
  page.set("opened", DutchDate(common::ToInstant(t.created_at())));
  if (t.has_screening() && t.screening().outcome() != tv1::SCREENING_OUTCOME_UNSPECIFIED) {
    const tv1::Screening& s = t.screening();
    data screening;
    screening.set("outcome", std::string(DutchOf(s.outcome())));
    screening.set("act", s.act_present());
    screening.set("means", s.means_present());
    screening.set("purpose", s.purpose_present());
    std::string forms;
    for (const int form : s.forms()) {
      forms += (forms.empty() ? "" : ", ") +
               std::string(DutchOf(static_cast<tv1::ExploitationForm>(form)));
    }
    SetIfAny(screening, "forms", forms);
    page.set("screening", screening);
  }
  if (t.closure_reason() != tv1::CLOSURE_REASON_UNSPECIFIED) {
    page.set("closure", std::string(DutchOf(t.closure_reason())));
  }
  // Her identity only when the coordinator asks for it: decrypted for this
  // page alone and on the audit trail, not on every visit of the page.
  page.set("registered", !t.person_id().empty());
  if (!t.person_id().empty() && Query(request, "persoonsgegevens") == "tonen") {
    tv1::GetPersonIdentityRequest identity_request;
    identity_request.set_trajectory_id(id);
    tv1::PersonIdentity person;
    const grpc::Status identity_read = calls_->Call<tv1::TrajectoryService>(
        live.who, &tv1::TrajectoryService::Stub::GetPersonIdentity, identity_request, person);
    if (identity_read.ok()) {
      page.set("person", IdentityData(person));
    } else {
      page.set("person_refusal", RefusalOf(identity_read).view);
    }
  }

  TimeBarInput bar{.today = live.now, .periods = {}, .moments = {}};
  const tv1::ReflectionPeriod& reflection = t.reflection_period();
  if (reflection.state() != tv1::REFLECTION_STATE_UNSPECIFIED) {
    data r;
    r.set("state", std::string(DutchOf(reflection.state())));
    if (reflection.has_starts_at()) {
      r.set("from", DutchDate(common::ToInstant(reflection.starts_at())));
    }
    if (reflection.has_ends_at()) {
      AddDeadline(r, live.now, reflection.ends_at());
    }
    r.set("dublin", reflection.dublin_case());
    if (reflection.decision() != tv1::REFLECTION_DECISION_UNSPECIFIED) {
      r.set("decision", std::string(DutchOf(reflection.decision())));
    }
    if (reflection.permit_state() != tv1::PERMIT_STATE_UNSPECIFIED) {
      r.set("permit", std::string(DutchOf(reflection.permit_state())));
    }
    page.set("reflection", r);
    if (reflection.has_starts_at() && reflection.has_ends_at()) {
      bar.periods.push_back({.label = "Bedenktijd",
                             .from = common::ToInstant(reflection.starts_at()),
                             .to = common::ToInstant(reflection.ends_at()),
                             .running = reflection.state() == tv1::REFLECTION_STATE_RUNNING,
                             .limit = std::nullopt,
                             .kind = "reflection"});
    }
  }

  // Placements: her shelter stays, the crisis shelter's three months
  // marked (R-CRISIS-MAX-3M, workflow::CrisisLimit).
  const grpc::Status listed = placements_call.get();
  if (!listed.ok()) {
    page.set("placements_refusal", RefusalOf(listed).view);
  }
  for (const sv1::Placement& p : placements.placements()) {
    if (p.state() != sv1::PLACEMENT_STATE_PLACED && p.state() != sv1::PLACEMENT_STATE_ENDED) {
      continue;
    }
    // The shelter service says which kind of place it is, and a crisis
    // place's three-month limit (R-CRISIS-MAX-3M); never where it is.
    const bool crisis = p.shelter_kind() == sv1::SHELTER_KIND_CRISIS;
    const workflow::Instant from = common::ToInstant(p.starts_at());
    const bool running = p.state() == sv1::PLACEMENT_STATE_PLACED;
    const workflow::Instant to =
        running ? (p.has_planned_end_at() ? common::ToInstant(p.planned_end_at()) : live.now)
                : common::ToInstant(p.ended_at());
    bar.periods.push_back(
        {.label = crisis ? "Plaatsing crisisopvang" : "Plaatsing opvang",
         .from = from,
         .to = to,
         .running = running,
         .limit = p.has_limit_at() ? std::optional(common::ToInstant(p.limit_at())) : std::nullopt,
         .kind = "placement"});
  }

  // Handoffs waiting for the partner's answer, up to its deadline.
  if (handoffs_call.get().ok()) {
    for (const hv1::Handoff& h : handoffs.handoffs()) {
      if (h.state() == hv1::HANDOFF_STATE_SENT && h.has_sent_at() && h.has_answer_due_at()) {
        bar.periods.push_back({.label = "Overdracht, wacht op antwoord",
                               .from = common::ToInstant(h.sent_at()),
                               .to = common::ToInstant(h.answer_due_at()),
                               .running = true,
                               .limit = std::nullopt,
                               .kind = "handoff"});
      }
    }
  }

  const grpc::Status tasks_read = tasks_call.get();
  if (!tasks_read.ok()) {
    // Never "no open tasks" when they could not be read.
    page.set("tasks_refusal", RefusalOf(tasks_read).view);
  } else {
    list rows;
    for (const tv1::Task& task : tasks.tasks()) {
      data row;
      row.set("kind", DutchOfKind(task.kind()));
      AddDeadline(row, live.now, task.due_at());
      rows.push_back(row);
      bar.moments.push_back({DutchOfKind(task.kind()), common::ToInstant(task.due_at()), "task"});
    }
    page.set("tasks", rows);
    page.set("any_tasks", tasks.tasks_size() > 0);
  }
  page.set("time_bar", TimeBarData(LayOut(bar), bar));

  const grpc::Status read = timeline_call.get();
  if (!read.ok()) {
    page.set("timeline_refusal", RefusalOf(read).view);
  }
  list entries;
  for (const tv1::TimelineEntry& entry : timeline.entries()) {
    data e;
    e.set("when", DutchDateTime(common::ToInstant(entry.occurred_at())));
    e.set("what", DutchOfKind(entry.kind()));
    e.set("who", entry.actor().user_id().empty()
                     ? std::string("Ketenregie")
                     : entry.actor().user_id() + " (" + entry.actor().organisation_id() + ")");
    entries.push_back(e);
  }
  page.set("entries", entries);
  if (!timeline.next_page_token().empty()) {
    page.set("timeline_next", QueryString({{"tijdlijn", timeline.next_page_token()}}));
  }
  page.set("timeline_later", request.has_param("tijdlijn"));
  AddActions(page, t, action, refusal, typed);
  Show(response, live, "trajectory", "Traject", page, status);
}

void WebServer::TrajectoryRoutes() {
  if (accounts_ == nullptr || calls_ == nullptr) {
    return;
  }
  Get(R"(/trajecten/([0-9a-f-]{36}))", "/trajecten/{id}",
      [this](const httplib::Request& request, httplib::Response& response) {
        if (const auto live = RequireSession(*accounts_, request, response)) {
          TrajectoryPage(request, response, *live, request.matches[1].str(), "", nullptr, nullptr,
                         200);
        }
      });
  Post(R"(/trajecten/([0-9a-f-]{36})/([a-z-]+))", "/trajecten/{id}/{step}",
       [this](const httplib::Request& request, const Form& form, httplib::Response& response) {
         const std::string slug = request.matches[2].str();
         const auto entry = std::find_if(std::begin(kSteps), std::end(kSteps),
                                         [&](const StepEntry& e) { return e.slug == slug; });
         if (entry == std::end(kSteps)) {
           response.status = 404;
           return;
         }
         const auto live = PostedSession(request, form, response);
         if (!live) {
           return;
         }
         const std::string id = request.matches[1].str();
         Refusal local;
         const grpc::Status status = entry->step(*calls_, live->who, id, form, local);
         if (status.ok()) {
           response.set_redirect("/trajecten/" + id + "#stap-" + slug, 303);
           return;
         }
         const Refusal refusal = local.inputs.empty() ? RefusalOf(status, kStepInputs)
                                                      : UnreadableForm(std::move(local.inputs));
         TrajectoryPage(request, response, *live, id, slug, &refusal, &form,
                        HttpStatusOfCode(status.error_code()));
       });
}

}  // namespace ketenregie::web
