// Benchmark of the front door (issues #13 and #14): the same read
// (GetTrajectory) and change (CreateSignal) made by N concurrent sessions
// through /v1 and by N concurrent clients directly over gRPC with mTLS, and
// the coordinator's pages — the caseload (/trajecten) and a trajectory's
// page (/trajecten/{id}) over --trajectories trajectories — beside the same
// data fetched directly over gRPC, on the same stack: requests/s, p50 and
// p99, and the door's overhead (for the pages: the rendering's cost) as a
// ratio. Not a test: it prints figures. Run through tests/bench/run-door-bench.
#include <grpcpp/client_context.h>
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <thread>
#include <vector>

#include "ketenregie/directory/v1/directory.grpc.pb.h"
#include "ketenregie/handoff/v1/handoff.grpc.pb.h"
#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/client.h"
#include "services/common/credentials.h"
#include "services/common/stack_env.h"

namespace {

namespace pb = ketenregie::trajectory::v1;
namespace dpb = ketenregie::directory::v1;
using Clock = std::chrono::steady_clock;
using ketenregie::common::StackEnv;

struct Figures {
  double per_second = 0;
  double p50 = 0;
  double p99 = 0;
};

// `clients` threads at once, each making `each` calls of `call(client)`.
Figures Run(int clients, int each, const std::function<bool(int)>& call) {
  std::vector<std::vector<double>> ms(static_cast<std::size_t>(clients));
  std::atomic<int> failed = 0;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < each; ++i) {
        const auto t0 = Clock::now();
        if (!call(c)) {
          ++failed;
        }
        ms[static_cast<std::size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& m : ms) {
    all.insert(all.end(), m.begin(), m.end());
  }
  std::sort(all.begin(), all.end());
  if (failed > 0) {
    throw std::runtime_error(std::to_string(failed.load()) + " calls failed");
  }
  const auto at = [&](double p) {
    return all[std::min(all.size() - 1,
                        static_cast<std::size_t>(p * static_cast<double>(all.size())))];
  };
  return {static_cast<double>(all.size()) / seconds, at(0.50), at(0.99)};
}

std::unique_ptr<httplib::SSLClient> Door(const StackEnv& env, int port) {
  auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
  client->set_ca_cert_path(env.At("KETENREGIE_CA").c_str());
  client->enable_server_certificate_verification(true);
  client->set_keep_alive(true);
  // As a browser does: a POST's headers and body go out at once, not
  // after the server's delayed ACK.
  client->set_tcp_nodelay(true);
  client->set_read_timeout(20, 0);
  return client;
}

httplib::Headers Browser(int port, const std::string& cookie = "", const std::string& csrf = "") {
  httplib::Headers headers{{"Origin", "https://127.0.0.1:" + std::to_string(port)},
                           {"Sec-Fetch-Site", "same-origin"}};
  if (!cookie.empty()) {
    headers.emplace("Cookie", cookie);
  }
  if (!csrf.empty()) {
    headers.emplace("X-CSRF-Token", csrf);
  }
  return headers;
}

struct Session {
  std::string cookie;
  std::string csrf;
};

// coordinator-1's login set up anew (as its administrator would have it),
// then `count` sessions, each logged in with one of its recovery codes.
std::vector<Session> LogIn(const StackEnv& env, int port, int count) {
  auto directory = dpb::DirectoryService::NewStub(ketenregie::common::OrganisationChannel(
      env.At("KETENREGIE_DIRECTORY_ADDR"), env.At("KETENREGIE_CERTS_DIR"), "essm-rotterdam",
      env.At("KETENREGIE_CA")));
  const auto as_admin = [] {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("x-actor", "beheer-1");
    return context;
  };
  dpb::GetUserRequest get;
  get.set_organisation_id("essm-rotterdam");
  get.set_user_id("coordinator-1");
  dpb::User user;
  if (!directory->GetUser(as_admin().get(), get, &user).ok()) {
    throw std::runtime_error("GetUser failed");
  }
  dpb::IssueEnrolmentCodeRequest issue;
  issue.set_request_id("door-bench-" + std::to_string(std::random_device()()));
  issue.set_organisation_id("essm-rotterdam");
  issue.set_user_id("coordinator-1");
  issue.set_etag(user.etag());
  issue.set_reset_password(true);
  dpb::IssueEnrolmentCodeResponse issued;
  if (!directory->IssueEnrolmentCode(as_admin().get(), issue, &issued).ok()) {
    throw std::runtime_error("IssueEnrolmentCode failed");
  }
  const std::string password = "een lange zin voor de meting";
  auto door = Door(env, port);
  // The form cookie and token the enrolment page hands out, which its
  // forms and the login form post back.
  const auto form = door->Get("/activeren");
  std::smatch token;
  if (!form || !std::regex_search(form->body, token,
                                  std::regex(R"re(name="csrf" value="([A-Za-z0-9_-]+)")re"))) {
    throw std::runtime_error("no enrolment form");
  }
  const std::string form_csrf = token[1];
  const std::string set_form = form->get_header_value("Set-Cookie");
  const std::string form_cookie = set_form.substr(0, set_form.find(';'));
  const auto page = door->Post("/activeren", Browser(port, form_cookie),
                               httplib::Params{{"csrf", form_csrf},
                                               {"organisatie", "essm-rotterdam"},
                                               {"gebruikersnaam", "coordinator-1"},
                                               {"activeringscode", issued.enrolment_code()},
                                               {"wachtwoord", password}});
  std::smatch found;
  if (!page || !std::regex_search(page->body, found,
                                  std::regex(R"(<code class="secret">([A-Z2-7 ]+)</code>)"))) {
    throw std::runtime_error("no enrolment page");
  }
  std::string base32 = found[1];
  base32.erase(std::remove(base32.begin(), base32.end(), ' '), base32.end());
  const auto secret = ketenregie::common::TotpSecretFromBase32(base32).value();
  const auto now = ketenregie::workflow::Instant{std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch())};
  const auto done = door->Post(
      "/activeren/bevestigen", Browser(port, form_cookie),
      httplib::Params{
          {"csrf", form_csrf},
          {"organisatie", "essm-rotterdam"},
          {"gebruikersnaam", "coordinator-1"},
          {"activeringscode", issued.enrolment_code()},
          {"code", ketenregie::common::TotpCode(secret, ketenregie::common::TotpStepAt(now))}});
  std::vector<std::string> codes;
  const std::regex li(R"(<li><code>([a-z0-9-]+)</code></li>)");
  for (auto it = std::sregex_iterator(done->body.begin(), done->body.end(), li);
       it != std::sregex_iterator(); ++it) {
    codes.push_back((*it)[1].str());
  }
  if (static_cast<int>(codes.size()) < count) {
    throw std::runtime_error("fewer recovery codes than sessions");
  }
  std::vector<Session> sessions;
  for (int i = 0; i < count; ++i) {
    const auto in = door->Post("/inloggen", Browser(port, form_cookie),
                               httplib::Params{{"csrf", form_csrf},
                                               {"organisatie", "essm-rotterdam"},
                                               {"gebruikersnaam", "coordinator-1"},
                                               {"wachtwoord", password},
                                               {"code", codes[static_cast<std::size_t>(i)]}});
    if (!in || in->status != 303) {
      throw std::runtime_error("login failed");
    }
    Session session;
    const std::string set = in->get_header_value("Set-Cookie");
    session.cookie = set.substr(0, set.find(';'));
    session.csrf =
        door->Get("/v1/session", Browser(port, session.cookie))->get_header_value("X-CSRF-Token");
    sessions.push_back(session);
  }
  return sessions;
}

void Print(const std::string& what, const Figures& door, const Figures& direct) {
  std::cout << std::fixed << std::setprecision(1) << what << ": door " << door.per_second
            << " req/s p50 " << door.p50 << " ms p99 " << door.p99 << " ms | gRPC "
            << direct.per_second << " req/s p50 " << direct.p50 << " ms p99 " << direct.p99
            << " ms | door/gRPC throughput " << std::setprecision(2)
            << door.per_second / direct.per_second << ", p99 " << door.p99 / direct.p99 << "\n";
}

// What a signal of the benchmark says: made up, like every name here.
constexpr const char* kObservation = "Leerling vertelt over werk na schooltijd.";

}  // namespace

int main(int argc, char** argv) {
  std::string env_path;
  int clients = 8;
  int reads = 200;
  int writes = 40;
  int trajectories = 1000;
  int pages = 100;
  CLI::App app("front door benchmark");
  app.add_option("--env", env_path, "stack.env of a running stack")->required();
  app.add_option("--sessions", clients, "concurrent sessions (and gRPC clients)");
  app.add_option("--reads", reads, "reads per session");
  app.add_option("--writes", writes, "changes per session");
  app.add_option("--trajectories", trajectories, "trajectories in the caseload for the pages");
  app.add_option("--pages", pages, "pages per session");
  CLI11_PARSE(app, argc, argv);
  // A connection the server closed is an error to report, not a reason to
  // die without a word (cpp-httplib's client writes with SIGPIPE raised).
  std::signal(SIGPIPE, SIG_IGN);
  try {
    const StackEnv env = ketenregie::common::LoadStackEnv(env_path);
    const std::string url = env.At("KETENREGIE_WEB_URL");
    const int port = std::stoi(url.substr(url.rfind(':') + 1));
    const auto sessions = LogIn(env, port, clients);
    auto channel = ketenregie::common::OrganisationChannel(
        env.At("KETENREGIE_TRAJECTORY_ADDR"), env.At("KETENREGIE_CERTS_DIR"), "essm-rotterdam",
        env.At("KETENREGIE_CA"));
    auto stub = pb::TrajectoryService::NewStub(channel);
    const auto context = [] {
      auto c = std::make_unique<grpc::ClientContext>();
      c->AddMetadata("x-actor", "coordinator-1");
      return c;
    };
    std::atomic<long> sequence = 0;
    const std::string run = std::to_string(std::random_device()());
    pb::CreateSignalRequest create;
    create.set_request_id("door-bench-seed-" + run);
    create.set_reporter_kind(pb::REPORTER_KIND_SCHOOL);
    create.set_observation(kObservation);
    pb::Signal seed;
    if (const grpc::Status created = stub->CreateSignal(context().get(), create, &seed);
        !created.ok()) {
      throw std::runtime_error("CreateSignal failed: " + created.error_message());
    }
    std::vector<std::unique_ptr<httplib::SSLClient>> doors;
    for (int c = 0; c < clients; ++c) {
      doors.push_back(Door(env, port));
    }
    const std::string read_path = "/v1/trajectories/" + seed.trajectory_id();
    const auto door_read = [&](int c) {
      const auto r = doors[static_cast<std::size_t>(c)]->Get(
          read_path.c_str(), Browser(port, sessions[static_cast<std::size_t>(c)].cookie));
      return r && r->status == 200;
    };
    const auto grpc_read = [&](int) {
      pb::GetTrajectoryRequest get;
      get.set_id(seed.trajectory_id());
      pb::Trajectory t;
      return stub->GetTrajectory(context().get(), get, &t).ok();
    };
    const auto door_write = [&](int c) {
      const nlohmann::json body{{"requestId", "door-" + run + "-" + std::to_string(++sequence)},
                                {"reporterKind", "REPORTER_KIND_SCHOOL"},
                                {"observation", kObservation}};
      const auto& s = sessions[static_cast<std::size_t>(c)];
      const auto r = doors[static_cast<std::size_t>(c)]->Post(
          "/v1/signals", Browser(port, s.cookie, s.csrf), body.dump(), "application/json");
      return r && r->status == 200;
    };
    const auto grpc_write = [&](int) {
      pb::CreateSignalRequest request;
      request.set_request_id("grpc-" + run + "-" + std::to_string(++sequence));
      request.set_reporter_kind(pb::REPORTER_KIND_SCHOOL);
      request.set_observation(kObservation);
      pb::Signal out;
      return stub->CreateSignal(context().get(), request, &out).ok();
    };
    // Warm both paths (TLS sessions, prepared statements) first.
    Run(clients, 5, door_read);
    Run(clients, 5, grpc_read);
    std::cout << "sessions=" << clients << "\n";
    Print("read  (GetTrajectory)", Run(clients, reads, door_read), Run(clients, reads, grpc_read));
    Print("change (CreateSignal)", Run(clients, writes, door_write),
          Run(clients, writes, grpc_write));

    // The pages, over a caseload of `trajectories` (the signals above
    // count: each opened one), the one on its page with a reflection
    // period running and a timeline.
    const int more = std::max(0, trajectories - static_cast<int>(sequence.load()) - 1);
    Run(clients, (more + clients - 1) / clients, grpc_write);
    pb::RegisterPersonRequest reg;
    reg.set_request_id("door-bench-person-" + run);
    reg.mutable_identity()->set_given_name("Grace");
    reg.mutable_identity()->set_family_name("Okafor");
    reg.set_age_status(pb::AGE_STATUS_CONFIRMED_ADULT);
    pb::RegisterPersonResponse registered;
    if (!stub->RegisterPerson(context().get(), reg, &registered).ok()) {
      throw std::runtime_error("RegisterPerson failed");
    }
    pb::Trajectory t = registered.trajectory();
    pb::RecordScreeningRequest screen;
    screen.set_request_id("door-bench-screen-" + run);
    screen.set_trajectory_id(t.id());
    screen.set_etag(t.etag());
    for (const auto indicator :
         {pb::INDICATOR_RECRUITMENT, pb::INDICATOR_TRANSPORT, pb::INDICATOR_WITHHELD_DOCUMENTS}) {
      auto* a = screen.mutable_screening()->add_indicators();
      a->set_indicator(indicator);
      a->set_score(pb::INDICATOR_SCORE_EVIDENCE);
    }
    screen.mutable_screening()->add_forms(pb::EXPLOITATION_FORM_SEXUAL);
    pb::DecideRouteRequest route;
    pb::StartReflectionPeriodRequest reflect;
    if (!stub->RecordScreening(context().get(), screen, &t).ok()) {
      throw std::runtime_error("RecordScreening failed");
    }
    route.set_request_id("door-bench-route-" + run);
    route.set_trajectory_id(t.id());
    route.set_etag(t.etag());
    route.set_route(pb::ROUTE_B_ACTIVE);
    route.set_consents_to_referral(true);
    if (!stub->DecideRoute(context().get(), route, &t).ok()) {
      throw std::runtime_error("DecideRoute failed");
    }
    reflect.set_request_id("door-bench-reflect-" + run);
    reflect.set_trajectory_id(t.id());
    reflect.set_etag(t.etag());
    if (!stub->StartReflectionPeriod(context().get(), reflect, &t).ok()) {
      throw std::runtime_error("StartReflectionPeriod failed");
    }
    auto shelter =
        ketenregie::shelter::v1::ShelterService::NewStub(ketenregie::common::OrganisationChannel(
            env.At("KETENREGIE_SHELTER_ADDR"), env.At("KETENREGIE_CERTS_DIR"), "essm-rotterdam",
            env.At("KETENREGIE_CA")));
    auto handoffs =
        ketenregie::handoff::v1::HandoffService::NewStub(ketenregie::common::OrganisationChannel(
            env.At("KETENREGIE_HANDOFF_ADDR"), env.At("KETENREGIE_CERTS_DIR"), "essm-rotterdam",
            env.At("KETENREGIE_CA")));
    const auto page_of = [&](const std::string& path) {
      return [&, path](int c) {
        const auto r = doors[static_cast<std::size_t>(c)]->Get(
            path.c_str(), Browser(port, sessions[static_cast<std::size_t>(c)].cookie));
        const bool ok = r && r->status == 200 && r->body.find("</html>") != std::string::npos;
        if (!ok) {
          std::cerr << "page " << path.substr(0, 10) << ": "
                    << (r ? std::to_string(r->status) : httplib::to_string(r.error())) << "\n";
        }
        return ok;
      };
    };
    // What the pages ask the services, asked directly.
    const auto grpc_caseload = [&](int) {
      pb::ListTrajectoriesRequest list;
      list.mutable_page()->set_page_size(25);
      pb::ListTrajectoriesResponse out;
      return stub->ListTrajectories(context().get(), list, &out).ok() &&
             out.trajectories_size() == 25;
    };
    const auto grpc_trajectory = [&](int) {
      pb::GetTrajectoryRequest get;
      get.set_id(t.id());
      pb::Trajectory got;
      ketenregie::shelter::v1::ListPlacementsRequest placements;
      placements.set_trajectory_id(t.id());
      placements.mutable_page()->set_page_size(20);
      ketenregie::shelter::v1::ListPlacementsResponse placed;
      pb::ListTasksRequest tasks;
      tasks.set_trajectory_id(t.id());
      tasks.set_state(pb::TASK_STATE_OPEN);
      tasks.mutable_page()->set_page_size(50);
      pb::ListTasksResponse open;
      pb::ListTimelineRequest timeline;
      timeline.set_trajectory_id(t.id());
      timeline.mutable_page()->set_page_size(20);
      pb::ListTimelineResponse entries;
      ketenregie::handoff::v1::ListHandoffsRequest sent;
      sent.set_trajectory_id(t.id());
      sent.mutable_page()->set_page_size(50);
      ketenregie::handoff::v1::ListHandoffsResponse answered;
      return stub->GetTrajectory(context().get(), get, &got).ok() &&
             shelter->ListPlacements(context().get(), placements, &placed).ok() &&
             handoffs->ListHandoffs(context().get(), sent, &answered).ok() &&
             stub->ListTasks(context().get(), tasks, &open).ok() &&
             stub->ListTimeline(context().get(), timeline, &entries).ok();
    };
    // The seeding may have outlasted the door's keep-alive (5 s): fresh
    // connections, as a browser opens after a pause.
    for (auto& door : doors) {
      door = Door(env, port);
    }
    Run(clients, 5, page_of("/trajecten"));
    Run(clients, 5, grpc_caseload);
    std::cout << "trajectories=" << sequence.load() + 1 << "\n";
    Print("page  /trajecten (caseload, 25 rows)", Run(clients, pages, page_of("/trajecten")),
          Run(clients, pages, grpc_caseload));
    Print("page  /trajecten/{id} (trajectory)",
          Run(clients, pages, page_of("/trajecten/" + t.id())),
          Run(clients, pages, grpc_trajectory));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "door_bench: " << e.what() << "\n";
    return 1;
  }
}
