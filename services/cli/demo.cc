#include "services/cli/demo.h"

#include <grpcpp/client_context.h>

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

#include "ketenregie/audit/v1/audit.grpc.pb.h"
#include "ketenregie/consent/v1/consent.grpc.pb.h"
#include "ketenregie/handoff/v1/handoff.grpc.pb.h"
#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "ketenregie/testing/v1/test_clock.grpc.pb.h"
#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/client.h"
#include "workflow/calendar.h"

namespace ketenregie::cli {
namespace {

namespace pb = ketenregie::trajectory::v1;

// "2026-11-22 12:04" in Amsterdam time, as a coordinator reads it.
std::string Local(std::int64_t seconds) {
  const auto local = workflow::ToAmsterdam(workflow::Instant{std::chrono::seconds{seconds}});
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(local.time_of_day).count();
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u %02lld:%02lld",
                static_cast<int>(local.date.year()), static_cast<unsigned>(local.date.month()),
                static_cast<unsigned>(local.date.day()), static_cast<long long>(minutes / 60),
                static_cast<long long>(minutes % 60));
  return out;
}

class Demo {
 public:
  explicit Demo(const common::StackEnv& env)
      : stub_(pb::TrajectoryService::NewStub(common::OrganisationChannel(
            env.At("KETENREGIE_TRAJECTORY_ADDR"), env.At("KETENREGIE_CERTS_DIR"), "essm-rotterdam",
            env.At("KETENREGIE_CA")))) {
    std::random_device random;
    run_ = std::to_string(random()) + "-";
  }

  // Each call: a deadline, the acting user, a fresh request id; a failure
  // stops the demo with the status.
  template <typename Request, typename Response>
  Response Call(grpc::Status (pb::TrajectoryService::Stub::*method)(grpc::ClientContext*,
                                                                    const Request&, Response*),
                Request request, const std::string& actor = "coordinator-1") {
    if constexpr (requires { request.set_request_id(""); }) {
      request.set_request_id(run_ + std::to_string(++sequence_));
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context.AddMetadata("x-actor", actor);
    Response response;
    const grpc::Status status = (stub_.get()->*method)(&context, request, &response);
    if (!status.ok()) {
      throw std::runtime_error("call failed: " + std::to_string(status.error_code()) + " " +
                               status.error_message());
    }
    return response;
  }

  pb::Trajectory Screen(const pb::Trajectory& t,
                        std::initializer_list<std::pair<pb::Indicator, pb::IndicatorScore>> scores,
                        pb::ExploitationForm form) {
    pb::RecordScreeningRequest request;
    request.set_trajectory_id(t.id());
    request.set_etag(t.etag());
    for (const auto& [indicator, score] : scores) {
      auto* assessment = request.mutable_screening()->add_indicators();
      assessment->set_indicator(indicator);
      assessment->set_score(score);
    }
    request.mutable_screening()->add_forms(form);
    const pb::Trajectory out = Call(&pb::TrajectoryService::Stub::RecordScreening, request);
    std::cout << "  screening: " << pb::ScreeningOutcome_Name(out.screening().outcome()) << " (act "
              << out.screening().act_present() << ", means " << out.screening().means_present()
              << ", purpose " << out.screening().purpose_present() << ")\n";
    return out;
  }

  pb::Trajectory Route(const pb::Trajectory& t, pb::Route route) {
    pb::DecideRouteRequest request;
    request.set_trajectory_id(t.id());
    request.set_etag(t.etag());
    request.set_route(route);
    request.set_consents_to_referral(route == pb::ROUTE_B_ACTIVE);
    const pb::Trajectory out = Call(&pb::TrajectoryService::Stub::DecideRoute, request);
    std::cout << "  route " << pb::Route_Name(route) << " -> "
              << pb::TrajectoryState_Name(out.state()) << "\n";
    return out;
  }

  pb::RegisterPersonResponse Register(const std::string& signal_id, const std::string& given,
                                      const std::string& family, int y, int m, int d,
                                      const std::string& nationality, pb::AgeStatus age) {
    pb::RegisterPersonRequest request;
    request.set_signal_id(signal_id);
    auto* identity = request.mutable_identity();
    identity->set_given_name(given);
    identity->set_family_name(family);
    identity->mutable_date_of_birth()->set_year(y);
    identity->mutable_date_of_birth()->set_month(m);
    identity->mutable_date_of_birth()->set_day(d);
    identity->set_nationality(nationality);
    identity->set_gender_identity(pb::GENDER_IDENTITY_WOMAN);
    request.set_age_status(age);
    request.set_consent_to_notes(true);
    request.set_interpreter_used(nationality != "NL");
    const auto out = Call(&pb::TrajectoryService::Stub::RegisterPerson, request);
    std::cout << "  registered trajectory " << out.trajectory().id() << " ("
              << pb::AgeStatus_Name(age) << ")";
    if (out.earlier_trajectories_size() > 0) {
      std::cout << "; seen before: " << out.earlier_trajectories_size()
                << " earlier trajectory(ies) of the same person";
    }
    std::cout << "\n";
    return out;
  }

  void PrintTimeline(const std::string& trajectory_id) {
    std::cout << "  timeline:\n";
    pb::ListTimelineRequest request;
    request.set_trajectory_id(trajectory_id);
    request.mutable_page()->set_page_size(50);
    do {
      const auto page = Call(&pb::TrajectoryService::Stub::ListTimeline, request);
      for (const auto& e : page.entries()) {
        std::cout << "    " << Local(e.occurred_at().seconds()) << "  " << std::left
                  << std::setw(22) << e.kind() << " by " << e.actor().user_id();
        const std::map<std::string, std::string> sorted(e.attributes().begin(),
                                                        e.attributes().end());
        for (const auto& [key, value] : sorted) {
          std::cout << "  " << key << "=" << value;
        }
        std::cout << "\n";
      }
      request.mutable_page()->set_page_token(page.next_page_token());
    } while (!request.page().page_token().empty());
  }

  bool TimelineHas(const std::string& trajectory_id, const std::string& kind) {
    pb::ListTimelineRequest request;
    request.set_trajectory_id(trajectory_id);
    request.mutable_page()->set_page_size(500);
    const auto page = Call(&pb::TrajectoryService::Stub::ListTimeline, request);
    for (const auto& e : page.entries()) {
      if (e.kind() == kind) {
        return true;
      }
    }
    return false;
  }

  void PrintOpenTasks() {
    pb::ListTasksRequest request;
    request.set_state(pb::TASK_STATE_OPEN);
    const auto tasks = Call(&pb::TrajectoryService::Stub::ListTasks, request);
    std::cout << "Open tasks of the coordinators (" << tasks.tasks_size() << " shown):\n";
    for (const auto& task : tasks.tasks()) {
      std::cout << "  " << task.kind() << " for trajectory " << task.trajectory_id() << ", "
                << task.assignee_user_id() << "\n";
    }
  }

 private:
  std::unique_ptr<pb::TrajectoryService::Stub> stub_;
  std::string run_;
  int sequence_ = 0;
};

using S = pb::TrajectoryService::Stub;

}  // namespace

int RunTrajectoryDemo(const common::StackEnv& env) {
  Demo demo(env);

  std::cout << "\n== Case 1: a girl of 17, reported by her school (route A) ==\n";
  pb::CreateSignalRequest school;
  school.set_reporter_kind(pb::REPORTER_KIND_SCHOOL);
  school.set_observation(
      "Contact via Instagram, ontmoetingen, gefilmd en gechanteerd; afspraken in hotel.");
  const pb::Signal s1 = demo.Call(&S::CreateSignal, school, "meldpunt-1");
  std::cout << "  signal from school recorded by the meldpunt\n";
  auto girl = demo.Register(s1.id(), "Demi", "Jansen", 2009, 3, 14, "NL", pb::AGE_STATUS_MINOR);
  auto t1 = demo.Screen(girl.trajectory(),
                        {{pb::INDICATOR_RECRUITMENT, pb::INDICATOR_SCORE_EVIDENCE},
                         {pb::INDICATOR_THREAT, pb::INDICATOR_SCORE_EVIDENCE},
                         {pb::INDICATOR_PAYMENTS, pb::INDICATOR_SCORE_SIGNALS}},
                        pb::EXPLOITATION_FORM_SEXUAL);
  t1 = demo.Route(t1, pb::ROUTE_A_CHILD_PROTECTION);
  demo.PrintTimeline(t1.id());

  std::cout << "\n== Case 2: a resident after a municipal prostitution check (criminal "
               "exploitation) ==\n";
  pb::CreateSignalRequest municipality;
  municipality.set_reporter_kind(pb::REPORTER_KIND_MUNICIPALITY);
  municipality.set_anonymous(true);
  municipality.set_observation(
      "Aandachtsfunctionaris: prostitutiecontrole op huisadres, woning gesloten; contact met "
      "bewoner gevraagd.");
  const pb::Signal s2 = demo.Call(&S::CreateSignal, municipality, "meldpunt-1");
  std::cout << "  anonymous consultation with the gemeente recorded\n";
  auto resident =
      demo.Register(s2.id(), "Sam", "Visser", 1996, 8, 2, "NL", pb::AGE_STATUS_CONFIRMED_ADULT);
  auto t2 = demo.Screen(resident.trajectory(),
                        {{pb::INDICATOR_HOUSING, pb::INDICATOR_SCORE_EVIDENCE},
                         {pb::INDICATOR_VIOLENCE, pb::INDICATOR_SCORE_SIGNALS},
                         {pb::INDICATOR_ABUSE_OF_VULNERABILITY, pb::INDICATOR_SCORE_EVIDENCE}},
                        pb::EXPLOITATION_FORM_CRIMINAL);
  pb::SetNonPunishmentFlagRequest flag;
  flag.set_trajectory_id(t2.id());
  flag.set_etag(t2.etag());
  flag.set_flag(true);
  t2 = demo.Call(&S::SetNonPunishmentFlag, flag);
  std::cout << "  non-punishment principle flagged for partners\n";
  t2 = demo.Route(t2, pb::ROUTE_B_ACTIVE);
  demo.PrintTimeline(t2.id());

  std::cout << "\n== Case 3: an adult woman without residence status (route B, reflection "
               "period) ==\n";
  auto woman =
      demo.Register("", "Grace", "Okafor", 1999, 11, 5, "NG", pb::AGE_STATUS_CONFIRMED_ADULT);
  auto t3 = demo.Screen(woman.trajectory(),
                        {{pb::INDICATOR_RECRUITMENT, pb::INDICATOR_SCORE_EVIDENCE},
                         {pb::INDICATOR_TRANSPORT, pb::INDICATOR_SCORE_EVIDENCE},
                         {pb::INDICATOR_WITHHELD_DOCUMENTS, pb::INDICATOR_SCORE_EVIDENCE},
                         {pb::INDICATOR_FRAUD_DECEPTION, pb::INDICATOR_SCORE_SIGNALS}},
                        pb::EXPLOITATION_FORM_SEXUAL);
  t3 = demo.Route(t3, pb::ROUTE_B_ACTIVE);
  pb::StartReflectionPeriodRequest start;
  start.set_trajectory_id(t3.id());
  start.set_etag(t3.etag());
  t3 = demo.Call(&S::StartReflectionPeriod, start);
  std::cout << "  reflection period running until "
            << Local(t3.reflection_period().ends_at().seconds()) << " (Amsterdam)\n";
  pb::DecideReflectionPeriodRequest decide;
  decide.set_trajectory_id(t3.id());
  decide.set_etag(t3.etag());
  decide.set_decision(pb::REFLECTION_DECISION_POLICE_REPORT);
  t3 = demo.Call(&S::DecideReflectionPeriod, decide);
  std::cout << "  decision: police report (aangifte)\n";
  pb::RecordResidencePermitRequest permit;
  permit.set_trajectory_id(t3.id());
  permit.set_etag(t3.etag());
  permit.set_permit_state(pb::PERMIT_STATE_APPLIED);
  t3 = demo.Call(&S::RecordResidencePermit, permit);
  std::cout << "  B8 residence permit applied for\n";
  demo.PrintTimeline(t3.id());

  std::cout << "\n== Case 3, continued: a bed in the crisis shelter ==\n";
  namespace sh = ketenregie::shelter::v1;
  auto shelter_channel = [&](const std::string& org) {
    return sh::ShelterService::NewStub(
        common::OrganisationChannel(env.At("KETENREGIE_SHELTER_ADDR"),
                                    env.At("KETENREGIE_CERTS_DIR"), org, env.At("KETENREGIE_CA")));
  };
  auto staff = shelter_channel("crisisopvang-rotterdam");
  auto coordination = shelter_channel("essm-rotterdam");
  std::random_device random;
  const std::string run = std::to_string(random());
  auto call = [&](auto& stub, auto method, auto request, auto* response, const std::string& actor) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context.AddMetadata("x-actor", actor);
    const grpc::Status status = ((*stub).*method)(&context, request, response);
    if (!status.ok()) {
      throw std::runtime_error("shelter call failed: " + status.error_message());
    }
  };
  sh::CreateShelterRequest create;
  create.set_request_id(run + "-shelter");
  create.mutable_shelter()->set_display_name("Crisisopvang Mensenhandel (demo " + run + ")");
  create.mutable_shelter()->set_kind(sh::SHELTER_KIND_CRISIS);
  create.mutable_shelter()->set_capacity_beds(6);
  create.mutable_shelter()->set_secret_address("(geheim adres, alleen voor de opvang zelf)");
  sh::Shelter shelter;
  call(staff, &sh::ShelterService::Stub::CreateShelter, create, &shelter, "opvang-1");
  std::cout << "  crisis shelter registered by its staff: 6 beds, address sealed\n";
  sh::RequestPlacementRequest place;
  place.set_request_id(run + "-place");
  place.set_shelter_id(shelter.id());
  place.set_trajectory_id(t3.id());
  sh::Placement placement;
  call(coordination, &sh::ShelterService::Stub::RequestPlacement, place, &placement,
       "coordinator-1");
  std::cout << "  placement requested by the coordinator; eligibility checked with the "
               "trajectory service\n";
  sh::ConfirmPlacementRequest confirm;
  confirm.set_request_id(run + "-confirm");
  confirm.set_placement_id(placement.id());
  confirm.set_etag(placement.etag());
  call(staff, &sh::ShelterService::Stub::ConfirmPlacement, confirm, &placement, "opvang-1");
  std::cout << "  placed; three months at most: planned to end "
            << Local(placement.planned_end_at().seconds()) << " (Amsterdam)\n";
  sh::OccupancyBoard board;
  call(coordination, &sh::ShelterService::Stub::GetOccupancyBoard, sh::GetOccupancyBoardRequest{},
       &board, "coordinator-1");
  for (const auto& row : board.rows()) {
    if (row.shelter_id() == shelter.id()) {
      std::cout << "  occupancy board (no addresses): " << row.occupied_beds() << " of "
                << row.capacity_beds() << " beds occupied\n";
    }
  }

  // The trajectory service follows the shelter's event feed: the placement
  // shows up in the trajectory's timeline within a few seconds.
  auto wait_for = [&](const std::string& kind) {
    for (int i = 0; i < 75 && !demo.TimelineHas(t3.id(), kind); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  };
  wait_for("placement.started");

  // The local stack runs with a settable clock (loopback only), one for all
  // its services: moved once, through the three months, to show the
  // reminders and the rule.
  namespace tc = ketenregie::testing::v1;
  auto set_clocks = [&](std::optional<std::int64_t> seconds) {
    for (const char* key : {"KETENREGIE_SHELTER_ADDR"}) {
      auto clock = tc::TestClockService::NewStub(common::OrganisationChannel(
          env.At(key), env.At("KETENREGIE_CERTS_DIR"), "essm-rotterdam", env.At("KETENREGIE_CA")));
      tc::SetTimeRequest request;
      if (seconds) {
        request.mutable_now()->set_seconds(*seconds);
      } else {
        request.set_reset(true);
      }
      tc::SetTimeResponse response;
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      context.AddMetadata("x-actor", "coordinator-1");
      if (const auto status = clock->SetTime(&context, request, &response); !status.ok()) {
        throw std::runtime_error("test clock: " + status.error_message());
      }
    }
  };
  const std::int64_t limit = placement.planned_end_at().seconds();
  std::cout << "  test clock: 14 days before the three months are up\n";
  set_clocks(limit - 14 * 86400 + 3600);
  wait_for("task.requested");
  std::cout << "  test clock: the three months are up\n";
  set_clocks(limit + 3600);
  wait_for("placement.overdue");
  sh::GetPlacementRequest get_placement;
  get_placement.set_id(placement.id());
  call(staff, &sh::ShelterService::Stub::GetPlacement, get_placement, &placement, "opvang-1");
  std::cout << "  placement overdue: " << (placement.overdue() ? "yes" : "no")
            << " (shown until it ends; never pretended to have ended)\n";
  sh::RecordContinuationReasonRequest reason;
  reason.set_request_id(run + "-continue");
  reason.set_placement_id(placement.id());
  reason.set_etag(placement.etag());
  reason.set_reason("Wacht op vrijkomende plek begeleid wonen");
  call(staff, &sh::ShelterService::Stub::RecordContinuationReason, reason, &placement, "opvang-1");
  sh::EndPlacementRequest end;
  end.set_request_id(run + "-end");
  end.set_placement_id(placement.id());
  end.set_etag(placement.etag());
  end.set_move_on(sh::MOVE_ON_DESTINATION_FOLLOW_UP_PLACE);
  call(staff, &sh::ShelterService::Stub::EndPlacement, end, &placement, "opvang-1");
  std::cout << "  continuation reason recorded, then moved on to a follow-up place\n";
  wait_for("placement.ended");
  set_clocks(std::nullopt);
  std::cout << "  test clocks back to real time\n";
  std::cout << "  timeline of case 3 now, with the shelter's events:\n";
  demo.PrintTimeline(t3.id());

  std::cout << "\n== Case 3, continued: consent for legal aid, and the audit trail ==\n";
  namespace cs = ketenregie::consent::v1;
  namespace cv = ketenregie::common::v1;
  auto consents = cs::ConsentService::NewStub(
      common::OrganisationChannel(env.At("KETENREGIE_CONSENT_ADDR"), env.At("KETENREGIE_CERTS_DIR"),
                                  "essm-rotterdam", env.At("KETENREGIE_CA")));
  cs::ProposeConsentRequest propose;
  propose.set_request_id(run + "-consent");
  auto* consent = propose.mutable_consent();
  consent->set_trajectory_id(t3.id());
  consent->set_grantor(cs::GRANTOR_PERSON);
  consent->set_recipient_organisation_id("advocatenkantoor-demo");
  consent->add_categories(cv::DATA_CATEGORY_IDENTITY);
  consent->add_categories(cv::DATA_CATEGORY_RESIDENCE_STATUS);
  consent->add_categories(cv::DATA_CATEGORY_CRIMINAL_PROCEEDINGS);
  consent->set_purpose(cv::PURPOSE_LEGAL_AID);
  consent->set_method(cs::CONSENT_METHOD_WRITTEN);
  consent->set_interpreter_used(true);
  consent->mutable_valid_until()->set_seconds(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count() +
      180 * 86400);
  cs::Consent recorded;
  call(consents, &cs::ConsentService::Stub::ProposeConsent, propose, &recorded, "coordinator-1");
  cs::GrantConsentRequest grant;
  grant.set_request_id(run + "-grant");
  grant.set_consent_id(recorded.id());
  grant.set_etag(recorded.etag());
  call(consents, &cs::ConsentService::Stub::GrantConsent, grant, &recorded, "coordinator-1");
  std::cout << "  consent " << cs::ConsentState_Name(recorded.state())
            << ": the lawyer may receive identity, residence status and criminal proceedings "
               "for legal aid — not her location\n";

  namespace ho = ketenregie::handoff::v1;
  auto handoff_stub = [&](const std::string& org) {
    return ho::HandoffService::NewStub(
        common::OrganisationChannel(env.At("KETENREGIE_HANDOFF_ADDR"),
                                    env.At("KETENREGIE_CERTS_DIR"), org, env.At("KETENREGIE_CA")));
  };
  auto coordinator_handoffs = handoff_stub("essm-rotterdam");
  auto lawyer = handoff_stub("advocatenkantoor-demo");
  ho::CreateHandoffRequest create_handoff;
  create_handoff.set_request_id(run + "-handoff");
  create_handoff.set_trajectory_id(t3.id());
  create_handoff.set_recipient_organisation_id("advocatenkantoor-demo");
  create_handoff.set_purpose(ho::HANDOFF_PURPOSE_LEGAL_AID);
  create_handoff.set_message("Verzoek om rechtsbijstand bij aangifte en B8-aanvraag.");
  ho::Handoff handoff;
  call(coordinator_handoffs, &ho::HandoffService::Stub::CreateHandoff, create_handoff, &handoff,
       "coordinator-1");
  ho::SendHandoffRequest send;
  send.set_request_id(run + "-send");
  send.set_handoff_id(handoff.id());
  send.set_etag(handoff.etag());
  call(coordinator_handoffs, &ho::HandoffService::Stub::SendHandoff, send, &handoff,
       "coordinator-1");
  std::cout << "  handoff for legal aid sent to the lawyer's office\n";
  ho::ReadPacketRequest read_packet;
  read_packet.set_handoff_id(handoff.id());
  ho::Packet packet;
  call(lawyer, &ho::HandoffService::Stub::ReadPacket, read_packet, &packet, "advocaat-1");
  std::cout << "  the lawyer reads the packet, assembled now from the consent:\n";
  for (const auto& section : packet.sections()) {
    std::cout << "    " << std::left << std::setw(32)
              << cv::DataCategory_Name(section.category()).substr(14)
              << (section.shared() ? "shared (" + std::to_string(section.fields_size()) + " fields)"
                                   : section.withheld_reason())
              << "\n";
  }
  ho::AcceptHandoffRequest accept;
  accept.set_request_id(run + "-accept");
  accept.set_handoff_id(handoff.id());
  accept.set_etag(handoff.etag());
  accept.set_assigned_office("Advocatenkantoor Demo, mr. J. de Boer");
  call(lawyer, &ho::HandoffService::Stub::AcceptHandoff, accept, &handoff, "advocaat-1");
  std::cout << "  accepted; care plan: legal aid by " << handoff.assigned_office() << "\n";

  pb::GetTrajectoryRequest read;
  read.set_id(t3.id());
  demo.Call(&S::GetTrajectory, read);
  namespace au = ketenregie::audit::v1;
  auto audit = au::AuditService::NewStub(
      common::OrganisationChannel(env.At("KETENREGIE_AUDIT_ADDR"), env.At("KETENREGIE_CERTS_DIR"),
                                  "essm-rotterdam", env.At("KETENREGIE_CA")));
  au::GetSubjectAccessReportRequest sar;
  sar.set_trajectory_id(t3.id());
  au::SubjectAccessReport report;
  call(audit, &au::AuditService::Stub::GetSubjectAccessReport, sar, &report, "privacy-1");
  std::cout << "  subject-access report (AVG art. 15) for case 3, by the privacy officer:\n";
  for (const auto& r : report.disclosures()) {
    std::cout << "    #" << r.sequence() << " " << Local(r.occurred_at().seconds()) << "  "
              << au::AuditAction_Name(r.action()) << " by " << r.actor().organisation_id() << "/"
              << r.actor().user_id() << " via " << r.method() << "\n";
  }
  au::VerifyChainResponse verified;
  call(audit, &au::AuditService::Stub::VerifyChain, au::VerifyChainRequest{}, &verified,
       "privacy-1");
  std::cout << "  audit chain: " << verified.records_checked() << " records, "
            << (verified.intact() ? "intact" : "BROKEN: " + verified.problem()) << "\n";

  std::cout << "\n";
  demo.PrintOpenTasks();
  return verified.intact() ? 0 : 1;
}

}  // namespace ketenregie::cli
