// The coordinator's workspace (issue #14): the caseload, the deadlines and
// tasks, and the trajectory page with its time bar and timeline. Each page
// asks the services on behalf of the person logged in (on_behalf.h), who
// decide what she may see; the pages only put the answers into Dutch.
// Nothing of a page's content is logged: the access log names the route.
#include <httplib.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "ketenregie/consent/v1/consent.grpc.pb.h"
#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/ids.h"
#include "services/common/status.h"
#include "services/common/validation.h"
#include "services/web/json_api.h"
#include "services/web/live_session.h"
#include "services/web/on_behalf.h"
#include "services/web/page_support.h"
#include "services/web/texts.h"
#include "services/web/web_server.h"
#include "workflow/calendar.h"

namespace ketenregie::web {
namespace {

namespace tv1 = trajectory::v1;
namespace cv1 = consent::v1;

// The trajectories of her organisation on which data is shared for acute
// danger while a second coordinator's approval is still due (the consent
// service's approval queue, page by page); nullopt when it cannot be read.
std::optional<std::set<std::string>> AcuteOverridesPending(const OnBehalfCalls& calls,
                                                           const OnBehalfOf& who) {
  cv1::ListOverridesRequest request;
  request.set_trajectory_id("-");
  request.set_awaiting_approval(true);
  // Which trajectories, and in what state: not why (no justification
  // decrypted, nothing on her trail for a flag).
  request.mutable_read_mask()->add_paths("trajectory_id");
  request.mutable_read_mask()->add_paths("state");
  request.mutable_page()->set_page_size(100);
  std::set<std::string> pending;
  for (int pages = 0; pages < 20; ++pages) {
    cv1::ListOverridesResponse answer;
    if (!calls
             .Call<cv1::ConsentService>(who, &cv1::ConsentService::Stub::ListOverrides, request,
                                        answer)
             .ok()) {
      return std::nullopt;
    }
    for (const cv1::Override& o : answer.overrides()) {
      if (o.state() == cv1::OVERRIDE_STATE_ACTIVE_PENDING_APPROVAL) {
        pending.insert(o.trajectory_id());
      }
    }
    if (answer.next_page_token().empty()) {
      return pending;
    }
    request.mutable_page()->set_page_token(answer.next_page_token());
  }
  return std::nullopt;  // more than the page can say: not "none"
}
using kainjow::mustache::data;
using kainjow::mustache::list;

constexpr int kCaseloadPageSize = 25;
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
        const auto acute = AcuteOverridesPending(*calls_, live->who);
        page.set("acute_unknown", !acute.has_value());
        list rows;
        for (const tv1::TrajectorySummary& t : answer.trajectories()) {
          data row;
          row.set("acute_pending", acute.has_value() && acute->contains(t.id()));
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
    // The page the redirect after "Afronden" lands on says so.
    page.set("done_notice", refusal == nullptr && Query(request, "afgerond") == "1");
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
         const auto live = PostedSession(request, form, response);
         if (!live) {
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
           response.set_redirect("/taken?wie=" + who + "&afgerond=1", 303);
           return;
         }
         const data refusal = RefusalOf(status).view;
         tasks_page(request, response, *live, who, complete.task_id(), &refusal,
                    HttpStatusOfCode(status.error_code()));
       });
}

}  // namespace ketenregie::web
