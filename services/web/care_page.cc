// A trajectory's handoffs and shelter places (issue #14, screen 7): handing
// her over to a partner (recipient, purpose, message), following each
// handoff until it is answered, revoking one; asking a shelter for a place,
// with the beds free on the occupancy board (never an address), and a
// refusal that says what to do instead. The handoff and shelter services
// decide everything; this page shows their records and sends what the
// coordinator fills in, and a refused form comes back as it was typed.
#include <httplib.h>

#include <charconv>
#include <kainjow/mustache.hpp>
#include <map>
#include <string>
#include <vector>

#include "ketenregie/directory/v1/directory.grpc.pb.h"
#include "ketenregie/handoff/v1/handoff.grpc.pb.h"
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
#include "services/web/web_server.h"
#include "workflow/handoff.h"
#include "workflow/placement.h"

namespace ketenregie::web {
namespace {

namespace dv1 = directory::v1;
namespace hv1 = handoff::v1;
namespace sv1 = shelter::v1;
namespace tv1 = trajectory::v1;

using kainjow::mustache::data;
using kainjow::mustache::list;

constexpr int kRecordsPageSize = 100;

// The inputs of the handoff form by the request's fields they fill.
const std::map<std::string, std::string> kHandoffInputs = {
    {"recipient_organisation_id", "ontvanger"},
    {"purpose", "overdracht-doel"},
    {"message", "bericht"}};

// The inputs of the placement form by the request's fields they fill.
const std::map<std::string, std::string> kPlacementInputs = {{"shelter_id", "opvang"},
                                                             {"accompanying_children", "kinderen"},
                                                             {"starts_at", "begin"},
                                                             {"planned_end_at", "einde"}};

// The page's own links: the trajectory's handoffs and places, a notice.
std::string CarePath(const std::string& id, std::string_view notice = {},
                     std::string_view anchor = {}) {
  std::string path = "/trajecten/" + id + "/overdrachten";
  if (!notice.empty()) {
    path += "?" + QueryString({{"gedaan", std::string(notice)}});
  }
  if (!anchor.empty()) {
    path += "#" + std::string(anchor);
  }
  return path;
}

// The partner's answer to `h` and what it means for her: its due date
// while unanswered, where she is expected when accepted, why when declined
// or revoked.
data HandoffData(const hv1::Handoff& h, const std::map<std::string, std::string>& names,
                 workflow::Instant now) {
  data row;
  row.set("handoff_id", h.id());
  row.set("etag", h.etag());
  const auto name = names.find(h.recipient_organisation_id());
  row.set("recipient", name == names.end() ? h.recipient_organisation_id() : name->second);
  row.set("purpose", std::string(DutchOf(h.purpose())));
  row.set("state", std::string(DutchOf(h.state())));
  row.set("state_kind", EnumSuffix(hv1::HandoffState_Name(h.state()), "HANDOFF_STATE_"));
  SetIfAny(row, "message", h.message());
  SetIfAny(row, "reason", h.reason());
  SetIfAny(row, "office", h.assigned_office());
  if (h.has_sent_at()) {
    row.set("sent", DutchDateTime(common::ToInstant(h.sent_at())));
  }
  if (h.state() == hv1::HANDOFF_STATE_SENT && h.has_answer_due_at()) {
    data due;
    AddDeadline(due, now, h.answer_due_at());
    row.set("answer_due", due);
  }
  // The steps the handoff machine allows in its state: sending a draft,
  // taking back one not over yet (its packet closes at once).
  row.set("draft", MachineAllows(workflow::HandoffMachine(), h.state(), "HANDOFF_STATE_",
                                 workflow::HandoffEvent::kSend));
  row.set("revocable", MachineAllows(workflow::HandoffMachine(), h.state(), "HANDOFF_STATE_",
                                     workflow::HandoffEvent::kRevoke));
  row.set("send_request_id", common::NewUuid());
  row.set("revoke_request_id", common::NewUuid());
  return row;
}

data PlacementData(const sv1::Placement& p,
                   const std::map<std::string, sv1::OccupancyRow>& shelters,
                   workflow::Instant now) {
  data row;
  row.set("placement_id", p.id());
  row.set("etag", p.etag());
  const auto shelter = shelters.find(p.shelter_id());
  row.set("shelter", shelter == shelters.end() ? std::string("Opvang ") + ShortId(p.shelter_id())
                                               : shelter->second.display_name());
  row.set("kind", std::string(DutchOf(p.shelter_kind())));
  row.set("state", std::string(DutchOf(p.state())));
  if (p.accompanying_children() > 0) {
    row.set("children", std::to_string(p.accompanying_children()));
  }
  if (p.has_starts_at()) {
    row.set("from", DutchDate(common::ToInstant(p.starts_at())));
  }
  if (p.has_planned_end_at()) {
    row.set("planned_end", DutchDate(common::ToInstant(p.planned_end_at())));
  }
  if (p.has_ended_at()) {
    row.set("ended", DutchDate(common::ToInstant(p.ended_at())));
  }
  SetIfAny(row, "move_on", DutchOf(p.move_on()));
  // The crisis shelter's three months (R-CRISIS-MAX-3M), while she is there
  // or waits for the place.
  if (p.has_limit_at() &&
      (p.state() == sv1::PLACEMENT_STATE_PLACED || p.state() == sv1::PLACEMENT_STATE_REQUESTED)) {
    data limit;
    AddDeadline(limit, now, p.limit_at());
    row.set("limit", limit);
  }
  row.set("overdue", p.overdue());
  SetIfAny(row, "continuation", p.continuation_reason());
  row.set("cancellable", MachineAllows(workflow::PlacementMachine(), p.state(), "PLACEMENT_STATE_",
                                       workflow::PlacementEvent::kCancel));
  row.set("cancel_request_id", common::NewUuid());
  return row;
}

// A refused placement's advice: what her coordinator can do instead, as
// the rule's refusal says it (workflow::CheckCrisisEligibility).
void AddInstead(data& refusal, const grpc::Status& status) {
  const std::string instead = common::ErrorFactOf(status, workflow::kInsteadFact);
  if (instead == workflow::kInsteadChildProtection) {
    refusal.set("instead_child_protection", true);
  } else if (instead == workflow::kInsteadOtherShelterKind) {
    refusal.set("instead_other_shelter", true);
  }
}

}  // namespace

void WebServer::CarePage(const httplib::Request& request, httplib::Response& response,
                         const LiveSession& live, const std::string& id, const Form* typed,
                         std::string_view refused_form, const Refusal* refusal,
                         const std::string& failed, int status) {
  data page;
  page.set("id", id);
  page.set("short_id", ShortId(id));
  const FormFields none;
  const FormFields& form = typed == nullptr ? none : *typed;

  // Her trajectory first: another organisation's, or one that is not
  // there, shows nothing (the handoff list alone would be empty, not
  // refused).
  tv1::GetTrajectoryRequest get;
  get.set_id(id);
  tv1::Trajectory trajectory;
  if (const grpc::Status got = calls_->Call<tv1::TrajectoryService>(
          live.who, &tv1::TrajectoryService::Stub::GetTrajectory, get, trajectory);
      !got.ok()) {
    page.set("read_refusal", RefusalOf(got).view);
    Show(response, live, "care", "Overdrachten en opvang", page,
         HttpStatusOfCode(got.error_code()));
    return;
  }
  page.set("state", std::string(DutchOf(trajectory.state())));
  SetIfAny(page, "age", DutchOf(trajectory.age_status()));

  hv1::ListHandoffsRequest handoffs_request;
  handoffs_request.set_trajectory_id(id);
  handoffs_request.mutable_page()->set_page_size(kRecordsPageSize);
  handoffs_request.mutable_page()->set_page_token(Query(request, "overdrachten"));
  hv1::ListHandoffsResponse handoffs;
  // Her handoffs, the shelters' beds and her places, asked at once.
  auto handoffs_call = calls_->Start<hv1::HandoffService>(
      live.who, &hv1::HandoffService::Stub::ListHandoffs, handoffs_request, handoffs);
  const sv1::GetOccupancyBoardRequest board_request;
  sv1::OccupancyBoard board;
  auto board_call = calls_->Start<sv1::ShelterService>(
      live.who, &sv1::ShelterService::Stub::GetOccupancyBoard, board_request, board);
  sv1::ListPlacementsRequest placements_request;
  placements_request.set_trajectory_id(id);
  placements_request.mutable_page()->set_page_size(kRecordsPageSize);
  sv1::ListPlacementsResponse placements;
  auto placements_call = calls_->Start<sv1::ShelterService>(
      live.who, &sv1::ShelterService::Stub::ListPlacements, placements_request, placements);
  page.set("found", true);
  // Never "no handoffs" when they could not be read.
  if (const grpc::Status read = handoffs_call.get(); !read.ok()) {
    page.set("handoffs_refusal", RefusalOf(read).view);
  }

  std::vector<dv1::DirectoryOrganisation> organisations;
  if (const grpc::Status listed = ReadOrganisations(*calls_, live.who, organisations);
      !listed.ok()) {
    page.set("partners_refusal", RefusalOf(listed).view);
  }
  std::map<std::string, std::string> names;
  for (const auto& o : organisations) {
    names[o.id()] = o.display_name();
  }

  // Her handoffs, the newest first, as the handoff service answers them.
  list handoff_rows;
  bool failed_listed = false;
  for (const hv1::Handoff& h : handoffs.handoffs()) {
    data row = HandoffData(h, names, live.now);
    if (refusal != nullptr && refused_form == "overdracht-rij" && h.id() == failed) {
      row.set("row_refusal", refusal->view);
      failed_listed = true;
    }
    handoff_rows.push_back(row);
  }
  page.set("handoffs", handoff_rows);
  page.set("any_handoffs", handoffs.handoffs_size() > 0);
  if (!handoffs.next_page_token().empty()) {
    page.set("handoffs_next", QueryString({{"overdrachten", handoffs.next_page_token()}}));
  }

  // The handoff form: to whom, what for, what the partner should know.
  const std::string recipient = Field(form, "ontvanger");
  list partners;
  for (const auto& o : organisations) {
    if (o.id() == live.who.organisation_id) {
      continue;
    }
    data choice;
    choice.set("value", o.id());
    choice.set("label", o.display_name());
    choice.set("selected", o.id() == recipient);
    partners.push_back(choice);
  }
  page.set("partners", partners);
  // After a place refused for a minor: the handoff to child protection,
  // its purpose chosen (never in the address: it would say she is a minor).
  const bool to_child_protection = refusal != nullptr && refused_form == "opvang" &&
                                   refusal->view.get("instead_child_protection") != nullptr;
  page.set("purposes",
           OptionsOf<hv1::HandoffPurpose>(
               to_child_protection ? hv1::HANDOFF_PURPOSE_CHILD_PROTECTION
                                   : EnumField<hv1::HandoffPurpose>(form, "overdracht-doel")));
  page.set("message_typed", Field(form, "bericht"));
  page.set("handoff_request_id", common::NewUuid());

  // Shelters and their free beds (GetOccupancyBoard: never an address).
  const grpc::Status board_read = board_call.get();
  if (!board_read.ok()) {
    page.set("board_refusal", RefusalOf(board_read).view);
  }
  std::map<std::string, sv1::OccupancyRow> shelters;
  const std::string chosen_shelter = Field(form, "opvang");
  list board_rows;
  list shelter_choices;
  for (const sv1::OccupancyRow& r : board.rows()) {
    shelters[r.shelter_id()] = r;
    const int free = std::max(0, r.capacity_beds() - r.occupied_beds());
    data row;
    row.set("name", r.display_name());
    row.set("kind", std::string(DutchOf(r.kind())));
    row.set("capacity", std::to_string(r.capacity_beds()));
    row.set("occupied", std::to_string(r.occupied_beds()));
    row.set("free", std::to_string(free));
    row.set("full", free == 0);
    board_rows.push_back(row);
    data choice;
    choice.set("value", r.shelter_id());
    choice.set("label", r.display_name() + " (" + std::string(DutchOf(r.kind())) + "), " +
                            std::to_string(free) + (free == 1 ? " bed" : " bedden") + " vrij");
    choice.set("selected", r.shelter_id() == chosen_shelter);
    shelter_choices.push_back(choice);
  }
  page.set("board", board_rows);
  page.set("any_shelters", board.rows_size() > 0);
  page.set("shelters", shelter_choices);

  const grpc::Status placements_read = placements_call.get();
  if (!placements_read.ok()) {
    // Never "no places" when they could not be read.
    page.set("placements_refusal", RefusalOf(placements_read).view);
  }
  list placement_rows;
  // Newest first, as the shelter service answers them.
  for (const sv1::Placement& p : placements.placements()) {
    data row = PlacementData(p, shelters, live.now);
    if (refusal != nullptr && refused_form == "opvang-rij" && p.id() == failed) {
      row.set("row_refusal", refusal->view);
      failed_listed = true;
    }
    placement_rows.push_back(row);
  }
  page.set("placements", placement_rows);
  page.set("any_placements", placements.placements_size() > 0);
  page.set("children_typed", Field(form, "kinderen"));
  page.set("begin", DateTyped(form, "begin"));
  page.set("einde", DateTyped(form, "einde"));
  page.set("placement_request_id", common::NewUuid());

  const std::string done = Query(request, "gedaan");
  for (const char* notice : {"verstuurd", "concept", "ingetrokken", "aangevraagd", "geannuleerd"}) {
    page.set(std::string("done_") + notice, done == notice);
  }

  if (refusal != nullptr) {
    if (refused_form == "overdracht") {
      page.set("handoff_refusal", refusal->view);
      page.set("handoff_errors", ErrorsOf(*refusal));
    } else if (refused_form == "opvang") {
      page.set("placement_refusal", refusal->view);
      page.set("placement_errors", ErrorsOf(*refusal));
    } else if (!failed_listed) {
      page.set("refusal", refusal->view);
    }
  }
  Show(response, live, "care", "Overdrachten en opvang", page, status);
}

void WebServer::CareRoutes() {
  if (accounts_ == nullptr || calls_ == nullptr) {
    return;
  }
  Get(R"(/trajecten/([0-9a-f-]{36})/overdrachten)", "/trajecten/{id}/overdrachten",
      [this](const httplib::Request& request, httplib::Response& response) {
        if (const auto live = RequireSession(*accounts_, request, response)) {
          CarePage(request, response, *live, request.matches[1].str(), nullptr, "", nullptr, "",
                   200);
        }
      });
  // A new handoff: made as a draft, and sent at once unless the coordinator
  // keeps it as a draft; each step with a request id of its own made from
  // the form's, so sending the form again does neither twice.
  Post(R"(/trajecten/([0-9a-f-]{36})/overdrachten)", "/trajecten/{id}/overdrachten",
       [this](const httplib::Request& request, const Form& form, httplib::Response& response) {
         const auto live = PostedSession(request, form, response);
         if (!live) {
           return;
         }
         const std::string id = request.matches[1].str();
         hv1::CreateHandoffRequest create;
         create.set_request_id(Field(form, "verzoek"));
         create.set_trajectory_id(id);
         create.set_recipient_organisation_id(Field(form, "ontvanger"));
         create.set_purpose(EnumField<hv1::HandoffPurpose>(form, "overdracht-doel"));
         create.set_message(Field(form, "bericht"));
         hv1::Handoff draft;
         grpc::Status status = calls_->Call<hv1::HandoffService>(
             live->who, &hv1::HandoffService::Stub::CreateHandoff, create, draft);
         if (!status.ok()) {
           const Refusal refusal = RefusalOf(status, kHandoffInputs);
           CarePage(request, response, *live, id, &form, "overdracht", &refusal, "",
                    HttpStatusOfCode(status.error_code()));
           return;
         }
         if (Field(form, "actie") == "concept") {
           response.set_redirect(CarePath(id, "concept", "overdrachten"), 303);
           return;
         }
         hv1::SendHandoffRequest send;
         send.set_request_id(create.request_id() + ":versturen");
         send.set_handoff_id(draft.id());
         send.set_etag(draft.etag());
         hv1::Handoff sent;
         status = calls_->Call<hv1::HandoffService>(
             live->who, &hv1::HandoffService::Stub::SendHandoff, send, sent);
         if (status.ok()) {
           response.set_redirect(CarePath(id, "verstuurd", "overdrachten"), 303);
           return;
         }
         // Made, not sent: the draft stands, with its own button to send it.
         Refusal refusal = RefusalOf(status);
         refusal.view.set("message", "De overdracht is als concept bewaard, maar niet verstuurd: " +
                                         common::DutchMessageOf(common::WithDetails(status)));
         CarePage(request, response, *live, id, nullptr, "overdracht-rij", &refusal, draft.id(),
                  HttpStatusOfCode(status.error_code()));
       });
  Post(R"(/trajecten/([0-9a-f-]{36})/overdrachten/([0-9a-f-]{36})/(versturen|intrekken))",
       "/trajecten/{id}/overdrachten/{handoff}/{step}",
       [this](const httplib::Request& request, const Form& form, httplib::Response& response) {
         const auto live = PostedSession(request, form, response);
         if (!live) {
           return;
         }
         const std::string id = request.matches[1].str();
         const std::string handoff_id = request.matches[2].str();
         const bool send = request.matches[3].str() == "versturen";
         hv1::Handoff changed;
         grpc::Status status;
         if (send) {
           hv1::SendHandoffRequest step;
           step.set_request_id(Field(form, "verzoek"));
           step.set_handoff_id(handoff_id);
           step.set_etag(Field(form, "etag"));
           status = calls_->Call<hv1::HandoffService>(
               live->who, &hv1::HandoffService::Stub::SendHandoff, step, changed);
         } else {
           hv1::RevokeHandoffRequest step;
           step.set_request_id(Field(form, "verzoek"));
           step.set_handoff_id(handoff_id);
           step.set_etag(Field(form, "etag"));
           step.set_reason(Field(form, "reden"));
           status = calls_->Call<hv1::HandoffService>(
               live->who, &hv1::HandoffService::Stub::RevokeHandoff, step, changed);
         }
         if (status.ok()) {
           response.set_redirect(CarePath(id, send ? "verstuurd" : "ingetrokken", "overdrachten"),
                                 303);
           return;
         }
         const Refusal refusal = RefusalOf(status);
         CarePage(request, response, *live, id, nullptr, "overdracht-rij", &refusal, handoff_id,
                  HttpStatusOfCode(status.error_code()));
       });
  // A place in a shelter: the shelter service checks who may go where
  // (R-CRISIS-ELIGIBILITY, R-NO-OVERBOOKING, R-CRISIS-MAX-3M) with her
  // facts as the trajectory service holds them.
  Post(R"(/trajecten/([0-9a-f-]{36})/opvang)", "/trajecten/{id}/opvang",
       [this](const httplib::Request& request, const Form& form, httplib::Response& response) {
         const auto live = PostedSession(request, form, response);
         if (!live) {
           return;
         }
         const std::string id = request.matches[1].str();
         sv1::RequestPlacementRequest ask;
         ask.set_request_id(Field(form, "verzoek"));
         ask.set_trajectory_id(id);
         ask.set_shelter_id(Field(form, "opvang"));
         std::map<std::string, std::string> unreadable;
         if (const std::string children = Field(form, "kinderen"); !children.empty()) {
           int count = 0;
           const auto [end, error] =
               std::from_chars(children.data(), children.data() + children.size(), count);
           if (error != std::errc() || end != children.data() + children.size()) {
             unreadable["kinderen"] = "Vul het aantal kinderen in met cijfers, of laat het leeg.";
           } else {
             ask.set_accompanying_children(count);
           }
         }
         // Both dates may stay empty: from today, until the shelter's limit.
         if (const DateParts begin = ReadDate(form, "begin"); begin.readable) {
           *ask.mutable_starts_at() = StartOfDay(begin);
         } else if (begin.given) {
           unreadable["begin"] = std::string(kUnreadableDate);
         }
         if (const DateParts end = ReadDate(form, "einde"); end.readable) {
           *ask.mutable_planned_end_at() = StartOfDay(end);
         } else if (end.given) {
           unreadable["einde"] = std::string(kUnreadableDate);
         }
         if (!unreadable.empty()) {
           const Refusal local = UnreadableForm(std::move(unreadable));
           CarePage(request, response, *live, id, &form, "opvang", &local, "", 400);
           return;
         }
         sv1::Placement asked;
         const grpc::Status status = calls_->Call<sv1::ShelterService>(
             live->who, &sv1::ShelterService::Stub::RequestPlacement, ask, asked);
         if (status.ok()) {
           response.set_redirect(CarePath(id, "aangevraagd", "plaatsingen"), 303);
           return;
         }
         Refusal refusal = RefusalOf(status, kPlacementInputs);
         AddInstead(refusal.view, status);
         CarePage(request, response, *live, id, &form, "opvang", &refusal, "",
                  HttpStatusOfCode(status.error_code()));
       });
  Post(R"(/trajecten/([0-9a-f-]{36})/opvang/([0-9a-f-]{36})/annuleren)",
       "/trajecten/{id}/opvang/{placement}/annuleren",
       [this](const httplib::Request& request, const Form& form, httplib::Response& response) {
         const auto live = PostedSession(request, form, response);
         if (!live) {
           return;
         }
         const std::string id = request.matches[1].str();
         sv1::CancelPlacementRequest cancel;
         cancel.set_request_id(Field(form, "verzoek"));
         cancel.set_placement_id(request.matches[2].str());
         cancel.set_etag(Field(form, "etag"));
         cancel.set_reason(Field(form, "reden"));
         sv1::Placement cancelled;
         const grpc::Status status = calls_->Call<sv1::ShelterService>(
             live->who, &sv1::ShelterService::Stub::CancelPlacement, cancel, cancelled);
         if (status.ok()) {
           response.set_redirect(CarePath(id, "geannuleerd", "plaatsingen"), 303);
           return;
         }
         const Refusal refusal = RefusalOf(status);
         CarePage(request, response, *live, id, nullptr, "opvang-rij", &refusal,
                  request.matches[2].str(), HttpStatusOfCode(status.error_code()));
       });
}

}  // namespace ketenregie::web
