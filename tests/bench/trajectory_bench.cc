// Benchmark of the trajectory service (issue #4). Not a test: it prints
// figures. Run through tests/bench/run-trajectory-bench, which starts a
// throwaway stack and runs pgbench beside it on the same cluster.
//
//   trajectory_bench --env STACK_ENV --clients 8 --trajectories 40
//       whole trajectories (signal → registration → screening → route B →
//       reflection period → decision → closure) by N concurrent clients over
//       gRPC with mTLS; prints transitions/s and p50/p99 latency.
//   trajectory_bench --env STACK_ENV --bulk 100000 --events-per 20 --samples 1000
//       bulk-loads trajectories and timeline events, then measures the
//       deadline-window list and a timeline page (p50/p99) and prints the
//       query plans.
#include <grpcpp/client_context.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <iomanip>
#include <iostream>
#include <pqxx/pqxx>
#include <random>
#include <thread>
#include <vector>

#include "ketenregie/audit/v1/audit.grpc.pb.h"
#include "ketenregie/consent/v1/consent.grpc.pb.h"
#include "ketenregie/handoff/v1/handoff.grpc.pb.h"
#include "ketenregie/shelter/v1/shelter.grpc.pb.h"
#include "ketenregie/trajectory/v1/trajectory.grpc.pb.h"
#include "services/common/audit.h"
#include "services/common/client.h"

namespace {

namespace pb = ketenregie::trajectory::v1;
using Clock = std::chrono::steady_clock;

ketenregie::workflow::Instant workflow_now() {
  return ketenregie::workflow::Instant{std::chrono::seconds{1795341600}};  // 2026-11-22 10:00Z
}
using Stub = pb::TrajectoryService::Stub;

struct Latencies {
  std::vector<double> ms;
  void Add(Clock::duration d) {
    ms.push_back(std::chrono::duration<double, std::milli>(d).count());
  }
  double Percentile(double p) {
    if (ms.empty()) {
      return 0;
    }
    std::sort(ms.begin(), ms.end());
    return ms[std::min(ms.size() - 1,
                       static_cast<std::size_t>(p * static_cast<double>(ms.size())))];
  }
};

// `clients` threads at once, each running `body(client, its latencies)`;
// all latencies merged, and the wall time they took together.
struct Measured {
  Latencies all;
  double seconds = 0;
  double PerSecond() const { return static_cast<double>(all.ms.size()) / seconds; }
};
Measured RunClients(int clients, const std::function<void(int, Latencies&)>& body) {
  std::vector<Latencies> latencies(static_cast<std::size_t>(clients));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] { body(c, latencies[static_cast<std::size_t>(c)]); });
  }
  for (auto& t : threads) {
    t.join();
  }
  Measured out;
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& l : latencies) {
    out.all.ms.insert(out.all.ms.end(), l.ms.begin(), l.ms.end());
  }
  return out;
}

template <typename Request, typename Response>
bool Call(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
          const Request& request, Response* response, Latencies& latencies) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  context.AddMetadata("x-actor", "coordinator-1");
  const auto start = Clock::now();
  const grpc::Status status = (stub.*method)(&context, request, response);
  latencies.Add(Clock::now() - start);
  if (!status.ok()) {
    std::cerr << "call failed: " << status.error_code() << " " << status.error_message() << "\n";
  }
  return status.ok();
}

// One whole trajectory: 7 transitions.
bool WholeTrajectory(Stub& stub, const std::string& prefix, int n, Latencies& latencies) {
  const std::string id = prefix + std::to_string(n) + "-";
  pb::CreateSignalRequest signal;
  signal.set_request_id(id + "s");
  signal.set_reporter_kind(pb::REPORTER_KIND_FIELDWORK);
  signal.set_observation("bench observation");
  pb::Signal s;
  if (!Call(stub, &Stub::CreateSignal, signal, &s, latencies)) return false;

  pb::RegisterPersonRequest reg;
  reg.set_request_id(id + "r");
  reg.set_signal_id(s.id());
  reg.mutable_identity()->set_given_name("Bench" + id);
  reg.mutable_identity()->set_family_name("Person");
  reg.mutable_identity()->mutable_date_of_birth()->set_year(1990);
  reg.mutable_identity()->mutable_date_of_birth()->set_month(1 + n % 12);
  reg.mutable_identity()->mutable_date_of_birth()->set_day(1 + n % 28);
  reg.mutable_identity()->set_gender_identity(pb::GENDER_IDENTITY_WOMAN);
  reg.set_age_status(pb::AGE_STATUS_CONFIRMED_ADULT);
  pb::RegisterPersonResponse registered;
  if (!Call(stub, &Stub::RegisterPerson, reg, &registered, latencies)) return false;
  pb::Trajectory t = registered.trajectory();

  pb::RecordScreeningRequest screen;
  screen.set_request_id(id + "sc");
  screen.set_trajectory_id(t.id());
  screen.set_etag(t.etag());
  for (auto [indicator, score] :
       {std::pair{pb::INDICATOR_RECRUITMENT, pb::INDICATOR_SCORE_EVIDENCE},
        std::pair{pb::INDICATOR_THREAT, pb::INDICATOR_SCORE_SIGNALS}}) {
    auto* a = screen.mutable_screening()->add_indicators();
    a->set_indicator(indicator);
    a->set_score(score);
  }
  screen.mutable_screening()->add_forms(pb::EXPLOITATION_FORM_LABOUR);
  if (!Call(stub, &Stub::RecordScreening, screen, &t, latencies)) return false;

  pb::DecideRouteRequest route;
  route.set_request_id(id + "rt");
  route.set_trajectory_id(t.id());
  route.set_etag(t.etag());
  route.set_route(pb::ROUTE_B_ACTIVE);
  route.set_consents_to_referral(true);
  if (!Call(stub, &Stub::DecideRoute, route, &t, latencies)) return false;

  pb::StartReflectionPeriodRequest start;
  start.set_request_id(id + "st");
  start.set_trajectory_id(t.id());
  start.set_etag(t.etag());
  if (!Call(stub, &Stub::StartReflectionPeriod, start, &t, latencies)) return false;

  pb::DecideReflectionPeriodRequest decide;
  decide.set_request_id(id + "d");
  decide.set_trajectory_id(t.id());
  decide.set_etag(t.etag());
  decide.set_decision(pb::REFLECTION_DECISION_POLICE_REPORT);
  if (!Call(stub, &Stub::DecideReflectionPeriod, decide, &t, latencies)) return false;

  pb::CloseTrajectoryRequest close;
  close.set_request_id(id + "c");
  close.set_trajectory_id(t.id());
  close.set_etag(t.etag());
  close.set_reason(pb::CLOSURE_REASON_STABLE_SELF_RELIANT);
  return Call(stub, &Stub::CloseTrajectory, close, &t, latencies);
}

int RunLoad(const ketenregie::common::StackEnv& env, int clients, int per_client) {
  std::random_device random;
  const std::string run = std::to_string(random()) + "-";
  std::atomic<int> failures = 0;
  // Each client its own channel (own HTTP/2 connection), as separate users.
  std::vector<std::unique_ptr<Stub>> stubs;
  for (int c = 0; c < clients; ++c) {
    stubs.push_back(pb::TrajectoryService::NewStub(ketenregie::common::OrganisationChannel(
        env.At("KETENREGIE_TRAJECTORY_ADDR"), env.At("KETENREGIE_CERTS_DIR"), "essm-rotterdam",
        env.At("KETENREGIE_CA"))));
    Latencies warm_up;
    WholeTrajectory(*stubs.back(), run + "warm" + std::to_string(c) + "-", 0, warm_up);
  }
  auto m = RunClients(clients, [&](int c, Latencies& latencies) {
    for (int i = 0; i < per_client; ++i) {
      if (!WholeTrajectory(*stubs[static_cast<std::size_t>(c)], run + "c" + std::to_string(c) + "-",
                           i, latencies)) {
        ++failures;
      }
    }
  });
  std::cout << std::fixed << std::setprecision(1) << "clients=" << clients
            << " trajectories=" << clients * per_client << " transitions=" << m.all.ms.size()
            << " seconds=" << m.seconds << " transitions_per_s=" << m.PerSecond()
            << std::setprecision(2) << " p50_ms=" << m.all.Percentile(0.50)
            << " p99_ms=" << m.all.Percentile(0.99) << " failures=" << failures << "\n";
  return failures == 0 ? 0 : 1;
}

// The transport alone: the standard health check over the same mTLS
// channels, no database. The ceiling any method of the service can reach.
int RunNoop(const ketenregie::common::StackEnv& env, int clients, int calls_per_client) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int c = 0; c < clients; ++c) {
    channels.push_back(ketenregie::common::OrganisationChannel(
        env.At("KETENREGIE_TRAJECTORY_ADDR"), env.At("KETENREGIE_CERTS_DIR"), "essm-rotterdam",
        env.At("KETENREGIE_CA")));
    ketenregie::common::CheckHealth(*channels.back(), "", std::chrono::seconds(5));
  }
  auto m = RunClients(clients, [&](int c, Latencies& latencies) {
    for (int i = 0; i < calls_per_client; ++i) {
      const auto t0 = Clock::now();
      ketenregie::common::CheckHealth(*channels[static_cast<std::size_t>(c)], "",
                                      std::chrono::seconds(5));
      latencies.Add(Clock::now() - t0);
    }
  });
  std::cout << std::fixed << std::setprecision(1) << "noop_health clients=" << clients
            << " calls_per_s=" << m.PerSecond() << std::setprecision(2)
            << " p50_ms=" << m.all.Percentile(0.5) << " p99_ms=" << m.all.Percentile(0.99) << "\n";
  return 0;
}

// Clients race for a few crisis beds: each requests a placement for its
// person (coordinator), confirms it (shelter staff; refused when no bed is
// free) and, when placed, ends it again (move-on) to free the bed.
int RunPlacements(const ketenregie::common::StackEnv& env, int clients, int rounds, int beds) {
  namespace sh = ketenregie::shelter::v1;
  using ShelterStub = sh::ShelterService::Stub;
  auto channel = [&](const std::string& key, const std::string& org) {
    return ketenregie::common::OrganisationChannel(env.At(key), env.At("KETENREGIE_CERTS_DIR"), org,
                                                   env.At("KETENREGIE_CA"));
  };
  std::random_device random;
  const std::string run = std::to_string(random()) + "-";
  auto call = [](auto& stub, auto method, const auto& request, auto* response,
                 const std::string& actor, Latencies* latencies) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context.AddMetadata("x-actor", actor);
    const auto start = Clock::now();
    const grpc::Status status = ((*stub).*method)(&context, request, response);
    if (latencies != nullptr) {
      latencies->Add(Clock::now() - start);
    }
    return status;
  };
  auto staff =
      sh::ShelterService::NewStub(channel("KETENREGIE_SHELTER_ADDR", "crisisopvang-rotterdam"));
  sh::CreateShelterRequest create;
  create.set_request_id(run + "shelter");
  create.mutable_shelter()->set_display_name("Bench crisisopvang " + run);
  create.mutable_shelter()->set_kind(sh::SHELTER_KIND_CRISIS);
  create.mutable_shelter()->set_capacity_beds(beds);
  create.mutable_shelter()->set_secret_address("bench");
  sh::Shelter shelter;
  if (!call(staff, &ShelterStub::CreateShelter, create, &shelter, "opvang-1", nullptr).ok()) {
    std::cerr << "cannot create the shelter\n";
    return 1;
  }
  // One registered person (adult woman) per client.
  auto trajectories =
      pb::TrajectoryService::NewStub(channel("KETENREGIE_TRAJECTORY_ADDR", "essm-rotterdam"));
  std::vector<std::string> persons;
  for (int c = 0; c < clients; ++c) {
    pb::RegisterPersonRequest reg;
    reg.set_request_id(run + "p" + std::to_string(c));
    reg.mutable_identity()->set_given_name("Bench" + run + std::to_string(c));
    reg.mutable_identity()->set_gender_identity(pb::GENDER_IDENTITY_WOMAN);
    reg.set_age_status(pb::AGE_STATUS_CONFIRMED_ADULT);
    pb::RegisterPersonResponse out;
    Latencies ignored;
    if (!Call(*trajectories, &Stub::RegisterPerson, reg, &out, ignored)) {
      return 1;
    }
    persons.push_back(out.trajectory().id());
  }
  std::atomic<int> placed = 0;
  std::atomic<int> refused = 0;
  std::atomic<int> errors = 0;
  auto m = RunClients(clients, [&](int c, Latencies& confirm_latency) {
    auto coordinator =
        sh::ShelterService::NewStub(channel("KETENREGIE_SHELTER_ADDR", "essm-rotterdam"));
    auto shelter_staff =
        sh::ShelterService::NewStub(channel("KETENREGIE_SHELTER_ADDR", "crisisopvang-rotterdam"));
    for (int i = 0; i < rounds; ++i) {
      const std::string id = run + std::to_string(c) + "-" + std::to_string(i);
      sh::RequestPlacementRequest request;
      request.set_request_id(id + "r");
      request.set_shelter_id(shelter.id());
      request.set_trajectory_id(persons[static_cast<std::size_t>(c)]);
      sh::Placement p;
      if (!call(coordinator, &ShelterStub::RequestPlacement, request, &p, "coordinator-1", nullptr)
               .ok()) {
        ++errors;
        continue;
      }
      sh::ConfirmPlacementRequest confirm;
      confirm.set_request_id(id + "c");
      confirm.set_placement_id(p.id());
      confirm.set_etag(p.etag());
      const grpc::Status status = call(shelter_staff, &ShelterStub::ConfirmPlacement, confirm, &p,
                                       "opvang-1", &confirm_latency);
      if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
        ++refused;
        sh::CancelPlacementRequest cancel;
        cancel.set_request_id(id + "x");
        cancel.set_placement_id(p.id());
        cancel.set_etag(p.etag());
        call(coordinator, &ShelterStub::CancelPlacement, cancel, &p, "coordinator-1", nullptr);
        continue;
      }
      if (!status.ok()) {
        ++errors;
        continue;
      }
      ++placed;
      sh::EndPlacementRequest end;
      end.set_request_id(id + "e");
      end.set_placement_id(p.id());
      end.set_etag(p.etag());
      end.set_move_on(sh::MOVE_ON_DESTINATION_FOLLOW_UP_PLACE);
      if (!call(shelter_staff, &ShelterStub::EndPlacement, end, &p, "opvang-1", nullptr).ok()) {
        ++errors;
      }
    }
  });
  std::cout << std::fixed << std::setprecision(1) << "placements clients=" << clients
            << " beds=" << beds << " confirmations=" << m.all.ms.size() << " placed=" << placed
            << " refused_no_bed=" << refused << " errors=" << errors
            << " placed_per_s=" << placed / m.seconds << " confirmations_per_s=" << m.PerSecond()
            << std::setprecision(2) << " confirm_p50_ms=" << m.all.Percentile(0.5)
            << " confirm_p99_ms=" << m.all.Percentile(0.99) << "\n";
  return errors == 0 ? 0 : 1;
}

// Appends `records` chained audit records (COPY, as the migrator), then
// times VerifyChain through the audit service.
int RunAuditVerify(const ketenregie::common::StackEnv& env, int records) {
  namespace ap = ketenregie::audit::v1;
  using ketenregie::common::AuditRecord;
  pqxx::connection db(env.At("KETENREGIE_PG_DSN"));
  const auto load_start = Clock::now();
  {
    pqxx::work tx(db);
    const pqxx::row head = tx.exec1("SELECT sequence, hash FROM audit.head FOR UPDATE");
    long long sequence = head[0].as<long long>();
    std::string previous = pqxx::binarystring(head[1]).str();
    pqxx::stream_to copy(tx, "audit.records",
                         std::vector<std::string>{"sequence", "occurred_at", "organisation_id",
                                                  "actor", "action", "categories", "basis_id",
                                                  "decision", "method", "previous_hash", "hash"});
    auto hex = [](const std::string& bytes) {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string out = "\\x";
      for (const unsigned char c : bytes) {
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
      return out;
    };
    for (int i = 0; i < records; ++i) {
      AuditRecord r;
      r.sequence = ++sequence;
      r.occurred_at = workflow_now();
      r.organisation_id = "essm-rotterdam";
      r.actor = "bench";
      r.action = ketenregie::common::AuditAction::kRead;
      r.decision = ketenregie::common::AuditDecision::kPermitted;
      r.method = "Bench";
      r.hash = ketenregie::common::AuditHash(r, previous);
      copy << std::make_tuple(r.sequence, "2026-11-22 10:00:00+00", r.organisation_id, r.actor, 2,
                              "{}", "", 1, r.method, hex(previous), hex(r.hash));
      previous = r.hash;
    }
    copy.complete();
    tx.exec_params("UPDATE audit.head SET sequence = $1, hash = $2", sequence,
                   pqxx::binarystring(previous));
    tx.commit();
  }
  const double load_seconds = std::chrono::duration<double>(Clock::now() - load_start).count();
  auto stub = ap::AuditService::NewStub(ketenregie::common::OrganisationChannel(
      env.At("KETENREGIE_AUDIT_ADDR"), env.At("KETENREGIE_CERTS_DIR"), "essm-rotterdam",
      env.At("KETENREGIE_CA")));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(300));
  context.AddMetadata("x-actor", "privacy-1");
  ap::VerifyChainResponse response;
  const auto start = Clock::now();
  const grpc::Status status = stub->VerifyChain(&context, {}, &response);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << std::fixed << std::setprecision(1) << "audit: appended=" << records
            << " load_seconds=" << load_seconds << " verify_status=" << status.error_code()
            << " intact=" << response.intact() << " records_checked=" << response.records_checked()
            << " verify_seconds=" << seconds << "\n";
  return status.ok() && response.intact() ? 0 : 1;
}

// Partners reading packets at once, and the disclosure check alone (as the
// handoff service makes it). Every packet read is one audit append.
int RunPackets(const ketenregie::common::StackEnv& env, int clients, int reads) {
  namespace cs = ketenregie::consent::v1;
  namespace ho = ketenregie::handoff::v1;
  namespace cv = ketenregie::common::v1;
  auto channel = [&](const std::string& key, const std::string& org) {
    return ketenregie::common::OrganisationChannel(env.At(key), env.At("KETENREGIE_CERTS_DIR"), org,
                                                   env.At("KETENREGIE_CA"));
  };
  std::random_device random;
  const std::string run = std::to_string(random()) + "-";
  auto context = [](const std::string& actor) {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    c->AddMetadata("x-actor", actor);
    return c;
  };
  // One person with a consent to the lawyer, and a sent legal-aid handoff.
  auto trajectories =
      pb::TrajectoryService::NewStub(channel("KETENREGIE_TRAJECTORY_ADDR", "essm-rotterdam"));
  pb::RegisterPersonRequest reg;
  reg.set_request_id(run + "p");
  reg.mutable_identity()->set_given_name("Bench" + run);
  reg.set_age_status(pb::AGE_STATUS_CONFIRMED_ADULT);
  pb::RegisterPersonResponse registered;
  if (!trajectories->RegisterPerson(context("coordinator-1").get(), reg, &registered).ok()) {
    return 1;
  }
  const std::string trajectory_id = registered.trajectory().id();
  auto consents = cs::ConsentService::NewStub(channel("KETENREGIE_CONSENT_ADDR", "essm-rotterdam"));
  cs::ProposeConsentRequest propose;
  propose.set_request_id(run + "c");
  propose.mutable_consent()->set_trajectory_id(trajectory_id);
  propose.mutable_consent()->set_grantor(cs::GRANTOR_PERSON);
  propose.mutable_consent()->set_recipient_organisation_id("advocatenkantoor-demo");
  propose.mutable_consent()->add_categories(cv::DATA_CATEGORY_IDENTITY);
  propose.mutable_consent()->add_categories(cv::DATA_CATEGORY_RESIDENCE_STATUS);
  propose.mutable_consent()->set_purpose(cv::PURPOSE_LEGAL_AID);
  propose.mutable_consent()->set_method(cs::CONSENT_METHOD_WRITTEN);
  propose.mutable_consent()->mutable_valid_until()->set_seconds(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count() +
      86400 * 30);
  cs::Consent consent;
  cs::GrantConsentRequest grant;
  if (!consents->ProposeConsent(context("coordinator-1").get(), propose, &consent).ok()) {
    return 1;
  }
  grant.set_request_id(run + "g");
  grant.set_consent_id(consent.id());
  grant.set_etag(consent.etag());
  if (!consents->GrantConsent(context("coordinator-1").get(), grant, &consent).ok()) {
    return 1;
  }
  auto coordinator =
      ho::HandoffService::NewStub(channel("KETENREGIE_HANDOFF_ADDR", "essm-rotterdam"));
  ho::CreateHandoffRequest create;
  create.set_request_id(run + "h");
  create.set_trajectory_id(trajectory_id);
  create.set_recipient_organisation_id("advocatenkantoor-demo");
  create.set_purpose(ho::HANDOFF_PURPOSE_LEGAL_AID);
  ho::Handoff handoff;
  if (!coordinator->CreateHandoff(context("coordinator-1").get(), create, &handoff).ok()) {
    return 1;
  }
  ho::SendHandoffRequest send;
  send.set_request_id(run + "s");
  send.set_handoff_id(handoff.id());
  send.set_etag(handoff.etag());
  if (!coordinator->SendHandoff(context("coordinator-1").get(), send, &handoff).ok()) {
    return 1;
  }

  auto measure = [&](const std::function<void(int, Latencies&, std::atomic<int>&)>& body) {
    std::atomic<int> failures = 0;
    auto m =
        RunClients(clients, [&](int c, Latencies& latencies) { body(c, latencies, failures); });
    return std::tuple{m.PerSecond(), m.all.Percentile(0.5), m.all.Percentile(0.99),
                      failures.load()};
  };
  const auto [check_rate, check_p50, check_p99, check_failures] =
      measure([&](int, Latencies& latencies, std::atomic<int>& failures) {
        auto stub = cs::ConsentService::NewStub(channel("KETENREGIE_CONSENT_ADDR", "svc-handoff"));
        cs::CheckDisclosureRequest check;
        check.set_trajectory_id(trajectory_id);
        check.set_recipient_organisation_id("advocatenkantoor-demo");
        check.set_purpose(cv::PURPOSE_LEGAL_AID);
        for (int c = 1; c <= 9; ++c) {
          check.add_categories(static_cast<cv::DataCategory>(c));
        }
        for (int i = 0; i < reads; ++i) {
          cs::DisclosureDecision decision;
          const auto t0 = Clock::now();
          if (!stub->CheckDisclosure(context("handoff-service").get(), check, &decision).ok()) {
            ++failures;
          }
          latencies.Add(Clock::now() - t0);
        }
      });
  const auto [read_rate, read_p50, read_p99,
              read_failures] = measure([&](int, Latencies& latencies, std::atomic<int>& failures) {
    auto stub =
        ho::HandoffService::NewStub(channel("KETENREGIE_HANDOFF_ADDR", "advocatenkantoor-demo"));
    ho::ReadPacketRequest read;
    read.set_handoff_id(handoff.id());
    for (int i = 0; i < reads; ++i) {
      ho::Packet packet;
      const auto t0 = Clock::now();
      if (!stub->ReadPacket(context("advocaat-1").get(), read, &packet).ok()) {
        ++failures;
      }
      latencies.Add(Clock::now() - t0);
    }
  });
  std::cout << std::fixed << std::setprecision(1) << "disclosure_check clients=" << clients
            << " per_s=" << check_rate << std::setprecision(2) << " p50_ms=" << check_p50
            << " p99_ms=" << check_p99 << " failures=" << check_failures << "\n"
            << std::setprecision(1) << "packet_read clients=" << clients << " per_s=" << read_rate
            << " (= audit appends/s)" << std::setprecision(2) << " p50_ms=" << read_p50
            << " p99_ms=" << read_p99 << " failures=" << read_failures << "\n";
  return check_failures + read_failures == 0 ? 0 : 1;
}

int RunBulk(const ketenregie::common::StackEnv& env, int trajectories, int events_per,
            int samples) {
  pqxx::connection db(env.At("KETENREGIE_PG_DSN"));
  const auto load_start = Clock::now();
  {
    pqxx::work tx(db);
    // Bulk load as the migrator's superuser, straight into the tables (no
    // personal data: these rows have no person).
    tx.exec_params(
        "INSERT INTO trajectory.trajectories (id, organisation_id, state, age_status, route, "
        "reflection_state, reflection_starts_at, reflection_ends_at, created_at, updated_at) "
        "SELECT gen_random_uuid(), 'essm-rotterdam', 4, 1, 2, "
        "  CASE WHEN g % 3 = 0 THEN 2 ELSE 0 END, "
        "  now() - make_interval(days => g % 90), "
        "  now() - make_interval(days => g % 90) + interval '3 months', "
        "  now() - make_interval(secs => g), now() "
        "FROM generate_series(1, $1) AS g",
        trajectories);
    tx.exec_params(
        "INSERT INTO trajectory.timeline (trajectory_id, organisation_id, actor, occurred_at, "
        "kind, attributes) SELECT t.id, t.organisation_id, 'bench', t.created_at + "
        "make_interval(secs => e), 'bench.event', jsonb_build_object('n', e::text) FROM "
        "(SELECT id, organisation_id, created_at FROM trajectory.trajectories ORDER BY created_at "
        "DESC LIMIT $1) t, generate_series(1, $2) AS e",
        trajectories, events_per);
    tx.exec("ANALYZE trajectory.trajectories; ANALYZE trajectory.timeline");
    tx.commit();
  }
  const double load_seconds = std::chrono::duration<double>(Clock::now() - load_start).count();
  {
    pqxx::read_transaction tx(db);
    std::cout << "bulk: trajectories="
              << tx.exec1("SELECT count(*) FROM trajectory.trajectories")[0].as<long>()
              << " timeline_events="
              << tx.exec1("SELECT count(*) FROM trajectory.timeline")[0].as<long>()
              << " load_seconds=" << std::fixed << std::setprecision(1) << load_seconds << "\n";
  }

  auto stub = pb::TrajectoryService::NewStub(ketenregie::common::OrganisationChannel(
      env.At("KETENREGIE_TRAJECTORY_ADDR"), env.At("KETENREGIE_CERTS_DIR"), "essm-rotterdam",
      env.At("KETENREGIE_CA")));
  std::vector<std::string> sample_ids;
  {
    pqxx::read_transaction tx(db);
    for (const auto& r : tx.exec_params(
             "SELECT id::text FROM trajectory.trajectories TABLESAMPLE SYSTEM (5) LIMIT $1",
             samples)) {
      sample_ids.push_back(r[0].as<std::string>());
    }
  }
  Latencies window;
  Latencies timeline;
  for (int i = 0; i < samples; ++i) {
    pb::ListTrajectoriesRequest list;
    google::protobuf::Timestamp before;
    before.set_seconds(std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count() +
                       14 * 86400);
    *list.mutable_reflection_ends_before() = before;
    list.mutable_page()->set_page_size(50);
    pb::ListTrajectoriesResponse listed;
    Call(*stub, &Stub::ListTrajectories, list, &listed, window);

    pb::ListTimelineRequest page;
    page.set_trajectory_id(sample_ids[static_cast<std::size_t>(i) % sample_ids.size()]);
    page.mutable_page()->set_page_size(50);
    pb::ListTimelineResponse entries;
    Call(*stub, &Stub::ListTimeline, page, &entries, timeline);
  }
  std::cout << std::setprecision(2) << "deadline_window_list p50_ms=" << window.Percentile(0.5)
            << " p99_ms=" << window.Percentile(0.99) << "\n"
            << "timeline_page p50_ms=" << timeline.Percentile(0.5)
            << " p99_ms=" << timeline.Percentile(0.99) << "\n";

  pqxx::work tx(db);
  std::cout << "plan: deadline window\n";
  for (const auto& r : tx.exec(
           "EXPLAIN SELECT id FROM trajectory.trajectories WHERE organisation_id = "
           "'essm-rotterdam' AND reflection_state = 2 AND reflection_ends_at < now() + interval "
           "'14 days' ORDER BY reflection_ends_at, id LIMIT 51")) {
    std::cout << "  " << r[0].as<std::string>() << "\n";
  }
  std::cout << "plan: timeline page\n";
  for (const auto& r : tx.exec_params(
           "EXPLAIN SELECT sequence FROM trajectory.timeline WHERE trajectory_id = $1::uuid AND "
           "sequence > 0 ORDER BY sequence LIMIT 51",
           sample_ids.front())) {
    std::cout << "  " << r[0].as<std::string>() << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Ketenregie trajectory benchmark");
  std::string env_path = ".local/stack.env";
  int clients = 1;
  int per_client = 20;
  int bulk = 0;
  int events_per = 20;
  int samples = 1000;
  int noop = 0;
  int placements = 0;
  int audit_records = 0;
  int packets = 0;
  int beds = 3;
  app.add_option("--env", env_path, "stack.env of the running stack");
  app.add_option("--clients", clients)->check(CLI::Range(1, 256));
  app.add_option("--trajectories", per_client, "whole trajectories per client");
  app.add_option("--bulk", bulk, "bulk-load this many trajectories, then measure lists");
  app.add_option("--events-per", events_per, "timeline events per bulk trajectory");
  app.add_option("--samples", samples, "list calls to time after the bulk load");
  app.add_option("--noop", noop, "health-check calls per client instead (transport ceiling)");
  app.add_option("--placements", placements, "rounds per client racing for crisis beds instead");
  app.add_option("--beds", beds, "beds of the raced shelter");
  app.add_option("--audit-records", audit_records, "append this many chained records, verify");
  app.add_option("--packets", packets, "packet reads and disclosure checks per client instead");
  CLI11_PARSE(app, argc, argv);
  try {
    const auto env = ketenregie::common::LoadStackEnv(env_path);
    if (packets > 0) {
      return RunPackets(env, clients, packets);
    }
    if (audit_records > 0) {
      return RunAuditVerify(env, audit_records);
    }
    if (placements > 0) {
      return RunPlacements(env, clients, placements, beds);
    }
    if (noop > 0) {
      return RunNoop(env, clients, noop);
    }
    return bulk > 0 ? RunBulk(env, bulk, events_per, samples) : RunLoad(env, clients, per_client);
  } catch (const std::exception& e) {
    std::cerr << "trajectory_bench: " << e.what() << "\n";
    return 1;
  }
}
