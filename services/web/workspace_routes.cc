// The coordinator's workspace (issue #14): the caseload, the deadlines and
// tasks, and the trajectory page with its time bar and timeline. Each page
// asks the services on behalf of the person logged in (on_behalf.h), who
// decide what she may see; the pages only put the answers into Dutch.
// Nothing of a page's content is logged: the access log names the route.
#include <httplib.h>

#include <algorithm>
#include <string>
#include <utility>

#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/ids.h"
#include "services/common/status.h"
#include "services/common/validation.h"
#include "services/web/json_api.h"
#include "services/web/live_session.h"
#include "services/web/on_behalf.h"
#include "services/web/page_support.h"
#include "services/web/texts.h"
#include "services/web/time_bar.h"
#include "services/web/web_server.h"
#include "workflow/calendar.h"
#include "workflow/placement.h"

namespace ketenregie::web {
namespace {

namespace tv1 = trajectory::v1;
namespace sv1 = shelter::v1;
using kainjow::mustache::data;
using kainjow::mustache::list;

constexpr int kCaseloadPageSize = 25;
constexpr int kTimelinePageSize = 20;
constexpr int kTasksPageSize = 50;
// The deadline windows the caseload filters on, in days.
constexpr int kWindows[] = {7, 14, 30};

// The caseload's filters as the form shows them, and as the request to the
// trajectory service.
struct CaseloadFilter {
  std::string state;        // a TrajectoryState name, or ""
  std::string coordinator;  // "mij", or "" for everyone
  std::string window;       // days, or ""
  std::string page;         // page token
};

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

}  // namespace

void WebServer::WorkspaceRoutes() {
  if (accounts_ == nullptr || calls_ == nullptr) {
    return;
  }

  // The caseload: the organisation's trajectories, newest first, or those
  // whose reflection period ends within the window, soonest first.
  Get("/trajecten", "/trajecten",
      [this](const httplib::Request& request, httplib::Response& response) {
        const auto live = RequireSession(*accounts_, request, response);
        if (!live) {
          return;
        }
        const CaseloadFilter filter{Query(request, "fase"), Query(request, "coordinator"),
                                    Query(request, "termijn"), Query(request, "pagina")};
        tv1::ListTrajectoriesRequest list_request;
        list_request.mutable_page()->set_page_size(kCaseloadPageSize);
        list_request.mutable_page()->set_page_token(filter.page);
        data page;
        tv1::TrajectoryState state = tv1::TRAJECTORY_STATE_UNSPECIFIED;
        if (!filter.state.empty() && !tv1::TrajectoryState_Parse(filter.state, &state)) {
          response.status = 400;
          return;
        }
        list_request.set_state(state);
        if (filter.coordinator == "mij") {
          list_request.set_coordinator_user_id(live->who.user_id);
        }
        int window = 0;
        for (const int days : kWindows) {
          if (filter.window == std::to_string(days)) {
            window = days;
          }
        }
        if (!filter.window.empty() && window == 0) {
          response.status = 400;
          return;
        }
        if (window > 0) {
          *list_request.mutable_reflection_ends_before() =
              common::ToTimestamp(workflow::AddDays(live->now, window));
        }
        list states;
        for (int i = 0; i < tv1::TrajectoryState_descriptor()->value_count(); ++i) {
          const auto* value = tv1::TrajectoryState_descriptor()->value(i);
          if (value->number() == 0) {
            continue;
          }
          data option;
          option.set("value", value->name());
          option.set("label", std::string(DutchOfValue(value->name())));
          option.set("selected", value->number() == state);
          states.push_back(option);
        }
        page.set("states", states);
        page.set("mine", filter.coordinator == "mij");
        list windows;
        for (const int days : kWindows) {
          data option;
          option.set("value", std::to_string(days));
          option.set("days", std::to_string(days));
          option.set("selected", days == window);
          windows.push_back(option);
        }
        page.set("windows", windows);

        tv1::ListTrajectoriesResponse answer;
        const grpc::Status status = calls_->Call<tv1::TrajectoryService>(
            live->who, &tv1::TrajectoryService::Stub::ListTrajectories, list_request, answer);
        if (!status.ok()) {
          page.set("refusal", RefusalOf(status).view);
          Show(response, *live, "caseload", "Werkvoorraad", page,
               HttpStatusOfCode(status.error_code()));
          return;
        }
        list rows;
        for (const tv1::TrajectorySummary& t : answer.trajectories()) {
          data row;
          row.set("id", t.id());
          row.set("short_id", ShortId(t.id()));
          row.set("opened", DutchDate(common::ToInstant(t.created_at())));
          row.set("state", std::string(DutchOf(t.state())));
          SetIfAny(row, "route", DutchOf(t.route()));
          SetIfAny(row, "age", DutchOf(t.age_status()));
          SetIfAny(row, "coordinator", t.coordinator_user_id());
          row.set("non_punishment", t.non_punishment_flag());
          if (t.has_next_deadline()) {
            AddDeadline(row, live->now, t.next_deadline());
            row.set("deadline_kind", DutchOfKind(t.next_deadline_kind()));
          }
          rows.push_back(row);
        }
        page.set("rows", rows);
        page.set("count", std::to_string(answer.trajectories_size()));
        page.set("any", answer.trajectories_size() > 0);
        if (!answer.next_page_token().empty()) {
          page.set("next", QueryString({{"fase", filter.state},
                                        {"coordinator", filter.coordinator},
                                        {"termijn", filter.window},
                                        {"pagina", answer.next_page_token()}}));
        }
        page.set("later_page", !filter.page.empty());
        page.set("first_page", QueryString({{"fase", filter.state},
                                            {"coordinator", filter.coordinator},
                                            {"termijn", filter.window}}));
        Show(response, *live, "caseload", "Werkvoorraad", page);
      });

  // The deadlines and tasks: open tasks of the organisation (or her own),
  // soonest first, each with its "done" form.
  const auto tasks_page = [this](const httplib::Request& request, httplib::Response& response,
                                 const LiveSession& live, const std::string& who,
                                 const std::string& failed_task, const data* refusal, int status) {
    tv1::ListTasksRequest list_request;
    list_request.mutable_page()->set_page_size(kTasksPageSize);
    list_request.mutable_page()->set_page_token(Query(request, "pagina"));
    list_request.set_state(tv1::TASK_STATE_OPEN);
    if (who == "mij") {
      list_request.set_assignee_user_id(live.who.user_id);
    }
    data page;
    page.set("mine", who == "mij");
    tv1::ListTasksResponse answer;
    const grpc::Status listed = calls_->Call<tv1::TrajectoryService>(
        live.who, &tv1::TrajectoryService::Stub::ListTasks, list_request, answer);
    if (!listed.ok()) {
      page.set("refusal", RefusalOf(listed).view);
      Show(response, live, "tasks", "Termijnen en taken", page,
           HttpStatusOfCode(listed.error_code()));
      return;
    }
    list rows;
    for (const tv1::Task& task : answer.tasks()) {
      data row;
      row.set("id", task.id());
      row.set("etag", task.etag());
      row.set("kind", DutchOfKind(task.kind()));
      row.set("trajectory_id", task.trajectory_id());
      row.set("trajectory", ShortId(task.trajectory_id()));
      SetIfAny(row, "assignee", task.assignee_user_id());
      // A new request id with every form: a second click, or a post sent
      // again, is the same request and marks the task done once.
      row.set("request_id", common::NewUuid());
      AddDeadline(row, live.now, task.due_at());
      if (refusal != nullptr && task.id() == failed_task) {
        row.set("task_refusal", *refusal);
      }
      rows.push_back(row);
    }
    page.set("rows", rows);
    page.set("any", answer.tasks_size() > 0);
    page.set("who", who);
    if (!answer.next_page_token().empty()) {
      page.set("next", QueryString({{"wie", who}, {"pagina", answer.next_page_token()}}));
    }
    if (refusal != nullptr) {
      const bool listed = std::any_of(answer.tasks().begin(), answer.tasks().end(),
                                      [&](const tv1::Task& t) { return t.id() == failed_task; });
      // Next to the task when it is on the list; at the top when it is no
      // longer open (done elsewhere in the meantime).
      page.set(listed ? "refused" : "refusal", listed ? data(true) : *refusal);
    }
    Show(response, live, "tasks", "Termijnen en taken", page, status);
  };
  Get("/taken", "/taken",
      [this, tasks_page](const httplib::Request& request, httplib::Response& response) {
        const auto live = RequireSession(*accounts_, request, response);
        if (!live) {
          return;
        }
        const std::string who = Query(request, "wie");
        if (!who.empty() && who != "mij" && who != "alle") {
          response.status = 400;
          return;
        }
        tasks_page(request, response, *live, who.empty() ? "mij" : who, "", nullptr, 200);
      });
  Post("/taken/afronden", "/taken/afronden",
       [this, tasks_page](const httplib::Request& request, const Form& form,
                          httplib::Response& response) {
         const auto live = RequireSession(*accounts_, request, response);
         if (!live) {
           return;
         }
         if (!IsCsrfTokenOf(live->csrf, Field(form, "csrf"))) {
           response.status = 403;
           return;
         }
         tv1::CompleteTaskRequest complete;
         complete.set_request_id(Field(form, "verzoek"));
         complete.set_task_id(Field(form, "taak"));
         complete.set_etag(Field(form, "etag"));
         const std::string who = Field(form, "wie") == "alle" ? "alle" : "mij";
         tv1::Task done;
         const grpc::Status status = calls_->Call<tv1::TrajectoryService>(
             live->who, &tv1::TrajectoryService::Stub::CompleteTask, complete, done);
         if (status.ok()) {
           response.set_redirect("/taken?wie=" + who, 303);
           return;
         }
         const data refusal = RefusalOf(status).view;
         tasks_page(request, response, *live, who, complete.task_id(), &refusal,
                    HttpStatusOfCode(status.error_code()));
       });

  // The trajectory page: what the trajectory service says of it, its time
  // bar, its open tasks and its timeline, newest first.
  Get(R"(/trajecten/([0-9a-f-]{36}))", "/trajecten/{id}",
      [this](const httplib::Request& request, httplib::Response& response) {
        const auto live = RequireSession(*accounts_, request, response);
        if (!live) {
          return;
        }
        const std::string id = request.matches[1].str();
        tv1::GetTrajectoryRequest get;
        get.set_id(id);
        tv1::Trajectory t;
        const grpc::Status status = calls_->Call<tv1::TrajectoryService>(
            live->who, &tv1::TrajectoryService::Stub::GetTrajectory, get, t);
        data page;
        if (!status.ok()) {
          page.set("refusal", RefusalOf(status).view);
          Show(response, *live, "trajectory", "Traject", page,
               HttpStatusOfCode(status.error_code()));
          return;
        }
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

        TimeBarInput bar{.today = live->now, .periods = {}, .moments = {}};
        const tv1::ReflectionPeriod& reflection = t.reflection_period();
        if (reflection.state() != tv1::REFLECTION_STATE_UNSPECIFIED) {
          data r;
          r.set("state", std::string(DutchOf(reflection.state())));
          if (reflection.has_starts_at()) {
            r.set("from", DutchDate(common::ToInstant(reflection.starts_at())));
          }
          if (reflection.has_ends_at()) {
            AddDeadline(r, live->now, reflection.ends_at());
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
        sv1::ListPlacementsRequest placements_request;
        placements_request.set_trajectory_id(id);
        placements_request.mutable_page()->set_page_size(20);
        sv1::ListPlacementsResponse placements;
        const grpc::Status listed = calls_->Call<sv1::ShelterService>(
            live->who, &sv1::ShelterService::Stub::ListPlacements, placements_request, placements);
        if (!listed.ok()) {
          page.set("placements_refusal", RefusalOf(listed).view);
        }
        for (const sv1::Placement& p : placements.placements()) {
          if (p.state() != sv1::PLACEMENT_STATE_PLACED && p.state() != sv1::PLACEMENT_STATE_ENDED) {
            continue;
          }
          sv1::GetShelterRequest shelter_request;
          shelter_request.set_id(p.shelter_id());
          sv1::Shelter shelter;
          const bool crisis =
              calls_
                  ->Call<sv1::ShelterService>(live->who, &sv1::ShelterService::Stub::GetShelter,
                                              shelter_request, shelter)
                  .ok() &&
              shelter.kind() == sv1::SHELTER_KIND_CRISIS;
          const workflow::Instant from = common::ToInstant(p.starts_at());
          const bool running = p.state() == sv1::PLACEMENT_STATE_PLACED;
          const workflow::Instant to =
              running ? (p.has_planned_end_at() ? common::ToInstant(p.planned_end_at()) : live->now)
                      : common::ToInstant(p.ended_at());
          bar.periods.push_back(
              {.label = crisis ? "Plaatsing crisisopvang" : "Plaatsing opvang",
               .from = from,
               .to = to,
               .running = running,
               .limit = crisis ? std::optional(workflow::CrisisLimit(from)) : std::nullopt,
               .kind = "placement"});
        }

        tv1::ListTasksRequest tasks_request;
        tasks_request.set_trajectory_id(id);
        tasks_request.set_state(tv1::TASK_STATE_OPEN);
        tasks_request.mutable_page()->set_page_size(kTasksPageSize);
        tv1::ListTasksResponse tasks;
        if (calls_
                ->Call<tv1::TrajectoryService>(live->who, &tv1::TrajectoryService::Stub::ListTasks,
                                               tasks_request, tasks)
                .ok()) {
          list rows;
          for (const tv1::Task& task : tasks.tasks()) {
            data row;
            row.set("kind", DutchOfKind(task.kind()));
            AddDeadline(row, live->now, task.due_at());
            rows.push_back(row);
            bar.moments.push_back(
                {DutchOfKind(task.kind()), common::ToInstant(task.due_at()), "task"});
          }
          page.set("tasks", rows);
          page.set("any_tasks", tasks.tasks_size() > 0);
        }
        page.set("time_bar", TimeBarData(LayOut(bar), bar));

        tv1::ListTimelineRequest timeline_request;
        timeline_request.set_trajectory_id(id);
        timeline_request.mutable_page()->set_page_size(kTimelinePageSize);
        timeline_request.mutable_page()->set_page_token(Query(request, "tijdlijn"));
        tv1::ListTimelineResponse timeline;
        const grpc::Status read = calls_->Call<tv1::TrajectoryService>(
            live->who, &tv1::TrajectoryService::Stub::ListTimeline, timeline_request, timeline);
        if (!read.ok()) {
          page.set("timeline_refusal", RefusalOf(read).view);
        }
        list entries;
        for (const tv1::TimelineEntry& entry : timeline.entries()) {
          data e;
          e.set("when", DutchDateTime(common::ToInstant(entry.occurred_at())));
          e.set("what", DutchOfKind(entry.kind()));
          e.set("who", entry.actor().user_id().empty() ? std::string("Ketenregie")
                                                       : entry.actor().user_id() + " (" +
                                                             entry.actor().organisation_id() + ")");
          entries.push_back(e);
        }
        page.set("entries", entries);
        if (!timeline.next_page_token().empty()) {
          page.set("timeline_next", QueryString({{"tijdlijn", timeline.next_page_token()}}));
        }
        page.set("timeline_later", request.has_param("tijdlijn"));
        Show(response, *live, "trajectory", "Traject", page);
      });
}

}  // namespace ketenregie::web
