// Seeded, reproducible property tests: at least 10,000 random event
// sequences per machine, checking the invariants of issue #3 after every
// step. Set KETENREGIE_PROPERTY_SEED to replay another seed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <set>

#include "tests/unit/workflow_test_util.h"
#include "workflow/consent.h"
#include "workflow/disclosure.h"
#include "workflow/handoff.h"
#include "workflow/placement.h"
#include "workflow/reflection.h"
#include "workflow/trajectory.h"

namespace ketenregie::workflow {
namespace {

using namespace testing;

constexpr int kSequences = 10'000;
constexpr int kSteps = 24;

std::uint64_t Seed() {
  const char* env = std::getenv("KETENREGIE_PROPERTY_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 20261122;
}

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(engine_); }
  bool Chance(int percent) { return Int(1, 100) <= percent; }
  template <typename T>
  T Pick(std::span<const T> values) {
    return values[static_cast<std::size_t>(Int(0, static_cast<int>(values.size()) - 1))];
  }
  template <typename T, std::size_t N>
  T Pick(const std::array<T, N>& values) {
    return Pick(std::span<const T>(values));
  }
  // Somewhere in 2022–2029, to the minute: crosses the Dublin date, leap
  // years and every DST change.
  Instant Time() {
    const Instant base = Instant{sys_days{2022y / January / 1}.time_since_epoch()};
    return base + minutes{Int(0, 8 * 365 * 24 * 60)};
  }

 private:
  std::mt19937_64 engine_;
};

constexpr std::array kAges = {AgeStatus::kUnknown, AgeStatus::kConfirmedAdult, AgeStatus::kMinor,
                              AgeStatus::kDoubted};
constexpr std::array kGenders = {GenderIdentity::kNotStated, GenderIdentity::kWoman,
                                 GenderIdentity::kMan, GenderIdentity::kNonBinary};

// The random walks must reach every state, or the invariants hold vacuously.
template <typename S, typename E>
void ExpectVisitedAll(const MachineSpec<S, E>& machine, const std::set<S>& visited) {
  for (const S state : machine.states) {
    EXPECT_TRUE(visited.contains(state))
        << machine.name << " never reached " << machine.state_name(state);
  }
}

// Every refusal names a rule of the catalogue.
template <typename T>
void ExpectKnownRule(const Result<T>& result) {
  if (!result.ok()) {
    ASSERT_NE(FindRule(result.violation().rule), nullptr) << result.violation().rule;
  }
}

TEST(TrajectoryProperties, NoClosureWithOpenWorkNoChildOnAnAdultRoute) {
  Random random(Seed());
  const auto& machine = TrajectoryMachine();
  constexpr std::array kReasons = {ClosureReason::kUnspecified,
                                   ClosureReason::kStableSelfReliant,
                                   ClosureReason::kMovedOn,
                                   ClosureReason::kContactLost,
                                   ClosureReason::kDeceased,
                                   ClosureReason::kConsultationOnly,
                                   ClosureReason::kReferredGeneralHelp};
  std::set<TrajectoryState> visited;
  for (int sequence = 0; sequence < kSequences; ++sequence) {
    TrajectorySnapshot t;
    t.id = "t";
    visited.insert(t.state);
    Instant now = random.Time();
    for (int step = 0; step < kSteps; ++step) {
      // The other services change what the rules see.
      t.open_placements = random.Chance(30) ? random.Int(0, 2) : t.open_placements;
      t.unanswered_handoffs = random.Chance(30) ? random.Int(0, 2) : t.unanswered_handoffs;
      TrajectoryCommand c{random.Pick(machine.events)};
      c.age = random.Pick(kAges);
      c.screening[Indicator::kRecruitment] = random.Chance(70) ? Score::kSignals : Score::kNone;
      c.screening[Indicator::kThreat] = static_cast<Score>(random.Int(0, 3));
      if (random.Chance(60)) {
        c.screening.forms = {ExploitationForm::kCriminal};
      }
      c.screening.smuggling_indicated = random.Chance(15);
      c.consents_to_referral = random.Chance(60);
      c.reason = random.Pick(kReasons);
      c.linked_id = random.Chance(50) ? "t" : "u";
      // A child, a girl near 18 (born on a leap day) and an adult, or none.
      constexpr std::array kBirthDates = {year{2015} / March / day{15},
                                          year{2008} / February / day{29},
                                          year{1995} / July / day{1}};
      if (random.Chance(50)) {
        c.date_of_birth = random.Pick(kBirthDates);
      }
      now += hours{random.Int(0, 24 * 20)};

      const auto result = ApplyTrajectory(t, c, now);
      ExpectKnownRule(result);
      if (!result.ok()) {
        continue;
      }
      const TrajectorySnapshot& next = result.value().next;
      ASSERT_EQ(next.state, *machine.Next(t.state, c.event)) << "seed " << Seed();
      if (next.state == TrajectoryState::kClosed && t.state != TrajectoryState::kClosed) {
        ASSERT_EQ(t.open_placements, 0) << "closed with an open placement, seed " << Seed();
        ASSERT_EQ(t.unanswered_handoffs, 0) << "closed with an unanswered handoff";
        ASSERT_NE(next.closure_reason, ClosureReason::kUnspecified);
      }
      if (next.state == TrajectoryState::kChildProtection && t.state != next.state) {
        ASSERT_TRUE(TreatedAsMinor(next.age)) << "route A for an adult";
      }
      if ((next.state == TrajectoryState::kActive ||
           next.state == TrajectoryState::kDeclinedForNow) &&
          t.state != next.state) {
        ASSERT_FALSE(TreatedAsMinor(next.age)) << "a (possible) child on an adult route";
        ASSERT_EQ(next.screening, ScreeningOutcome::kPossibleVictim);
      }
      if (next.minor_until && now < *next.minor_until) {
        ASSERT_NE(next.age, AgeStatus::kConfirmedAdult)
            << "confirmed adult against the date of birth on record, seed " << Seed();
      }
      ASSERT_EQ(
          TreatedAsMinor(AgeStatusOn(next, now)) || !next.minor_until || now >= *next.minor_until,
          true)
          << "a child by her date of birth treated as an adult, seed " << Seed();
      t = next;
      visited.insert(t.state);
    }
  }
  ExpectVisitedAll(machine, visited);
}

TEST(ReflectionProperties, NeverUnderThirtyDaysUnderAnyPolicy) {
  Random random(Seed() + 1);
  const auto& machine = ReflectionMachine();
  constexpr std::array kDecisions = {ReflectionDecision::kNone, ReflectionDecision::kPoliceReport,
                                     ReflectionDecision::kOtherCooperation,
                                     ReflectionDecision::kNoReportSeriousReasons,
                                     ReflectionDecision::kDeclined};
  std::set<ReflectionState> visited;
  for (int sequence = 0; sequence < kSequences; ++sequence) {
    ReflectionPolicy policy;
    policy.standard_months = random.Int(0, 6);
    policy.dublin_days = random.Int(0, 120);
    policy.minimum_days = random.Int(0, 60);
    ReflectionSnapshot r;
    visited.insert(r.state);
    Instant now = random.Time();
    for (int step = 0; step < kSteps; ++step) {
      ReflectionCommand c{random.Pick(machine.events)};
      c.starts_at = random.Chance(50) ? Instant{} : now - hours{random.Int(0, 24 * 40)};
      c.dublin_case = random.Chance(50);
      c.decision = random.Pick(kDecisions);
      c.permit_valid_until = now + days{random.Int(-30, 400)};
      now += hours{random.Int(0, 24 * 30)};
      const auto result = ApplyReflection(r, c, now, policy);
      ExpectKnownRule(result);
      if (!result.ok()) {
        continue;
      }
      const ReflectionSnapshot& next = result.value().next;
      if (next.state == ReflectionState::kRunning) {
        ASSERT_GE(CalendarDaysBetween(next.starts_at, next.ends_at), 30) << "seed " << Seed();
        ASSERT_GE(CalendarDaysBetween(next.starts_at, next.ends_at),
                  std::min(policy.minimum_days, 30));
      }
      if (next.state == ReflectionState::kExpired && r.state == ReflectionState::kRunning) {
        ASSERT_GE(now, r.ends_at) << "expired early";
      }
      if (next.state == ReflectionState::kPermitApplied) {
        ASSERT_NE(next.decision, ReflectionDecision::kDeclined);
        ASSERT_NE(next.decision, ReflectionDecision::kNone);
      }
      r = next;
      visited.insert(r.state);
    }
  }
  ExpectVisitedAll(machine, visited);
}

TEST(PlacementProperties, NoIneligibleCrisisPlacementNoPlanPastThreeMonthsNoOverbooking) {
  Random random(Seed() + 2);
  const auto& machine = PlacementMachine();
  constexpr std::array kKinds = {ShelterKind::kCrisis, ShelterKind::kCategorical,
                                 ShelterKind::kFollowUp};
  constexpr std::array kMoveOns = {MoveOn::kUnspecified, MoveOn::kFollowUpPlace,
                                   MoveOn::kLeftUnknown};
  std::set<PlacementState> visited;
  for (int sequence = 0; sequence < kSequences; ++sequence) {
    PlacementRequest request;
    request.kind = random.Pick(kKinds);
    request.person = {random.Pick(kAges), random.Pick(kGenders), random.Int(0, 3)};
    request.starts_at = random.Time();
    request.planned_end =
        random.Chance(30) ? Instant{} : request.starts_at + hours{random.Int(-24, 24 * 120)};
    const auto requested = RequestPlacement(request);
    ExpectKnownRule(requested);
    if (!requested.ok()) {
      continue;
    }
    PlacementSnapshot p = requested.value();
    visited.insert(p.state);
    if (p.kind == ShelterKind::kCrisis) {
      ASSERT_FALSE(TreatedAsMinor(request.person.age)) << "seed " << Seed();
      ASSERT_EQ(request.person.gender, GenderIdentity::kWoman);
      ASSERT_LE(p.planned_end, AddMonths(p.starts_at, 3)) << "planned past three months";
    }
    Instant now = p.starts_at;
    for (int step = 0; step < kSteps; ++step) {
      PlacementCommand c{random.Pick(machine.events)};
      c.person = {random.Pick(kAges), random.Pick(kGenders), request.person.accompanying_children};
      c.free_beds = random.Int(0, 4);
      c.reason = random.Chance(50) ? "" : "reden";
      c.move_on = random.Pick(kMoveOns);
      now += hours{random.Int(0, 24 * 30)};
      const auto result = ApplyPlacement(p, c, now);
      ExpectKnownRule(result);
      if (!result.ok()) {
        continue;
      }
      const PlacementSnapshot& next = result.value().next;
      if (next.state == PlacementState::kPlaced && p.state == PlacementState::kRequested) {
        ASSERT_GE(c.free_beds, p.beds_needed) << "overbooked";
        if (p.kind == ShelterKind::kCrisis) {
          ASSERT_FALSE(TreatedAsMinor(c.person.age)) << "crisis placement of a (possible) child";
          ASSERT_EQ(c.person.gender, GenderIdentity::kWoman);
        }
      }
      if (next.state == PlacementState::kOverdue && p.state == PlacementState::kPlaced) {
        ASSERT_EQ(p.kind, ShelterKind::kCrisis);
        ASSERT_GE(now, p.limit);
      }
      if (next.state == PlacementState::kEnded) {
        ASSERT_NE(next.move_on, MoveOn::kUnspecified);
      }
      p = next;
      visited.insert(p.state);
    }
  }
  ExpectVisitedAll(machine, visited);
}

TEST(HandoffProperties, ExpiresOnlyWhenDueDeclinesWithAReason) {
  Random random(Seed() + 3);
  const auto& machine = HandoffMachine();
  std::set<HandoffState> visited;
  for (int sequence = 0; sequence < kSequences; ++sequence) {
    HandoffSnapshot h;
    h.recipient_organisation = "partner";
    visited.insert(h.state);
    Instant now = random.Time();
    for (int step = 0; step < kSteps; ++step) {
      HandoffCommand c{random.Pick(machine.events), random.Chance(50) ? "" : "reden"};
      now += hours{random.Int(0, 24 * 4)};
      const auto result = ApplyHandoff(h, c, now, {.answer_days = random.Int(1, 10)});
      ExpectKnownRule(result);
      if (!result.ok()) {
        continue;
      }
      const HandoffSnapshot& next = result.value().next;
      if (next.state == HandoffState::kExpired) {
        ASSERT_GE(now, h.answer_due_at) << "seed " << Seed();
      }
      if (next.state == HandoffState::kDeclined) {
        ASSERT_FALSE(next.reason.empty());
      }
      h = next;
      visited.insert(h.state);
    }
  }
  ExpectVisitedAll(machine, visited);
}

// Consents and overrides of one person driven through random lifecycles,
// with a random disclosure asked after every step: a permit always has a
// basis that covers recipient, category, purpose and time; a withdrawn or
// expired consent never permits; an override approved by its requester
// never exists.
TEST(DisclosureProperties, NoDisclosureWithoutACoveringBasis) {
  Random random(Seed() + 4);
  constexpr std::array kOrgs = {"advocatenkantoor-demo", "politie-avim-rotterdam", "nidos"};
  constexpr std::array kTypes = {OrganisationType::kLegalAid, OrganisationType::kPolice,
                                 OrganisationType::kChildProtection};
  constexpr std::array kPurposes = {Purpose::kLegalAid, Purpose::kCriminalInvestigation,
                                    Purpose::kChildProtection};
  constexpr std::array kCategories = {DataCategory::kUnknown, DataCategory::kIdentity,
                                      DataCategory::kLocation, DataCategory::kHealth};
  constexpr std::array kBases = {LegalBasis::kChildProtection, LegalBasis::kVitalInterest,
                                 LegalBasis::kLegalObligation};
  constexpr std::array kUsers = {"coordinator-1", "coordinator-2"};
  const auto& consent_machine = ConsentMachine();
  const auto& override_machine = OverrideMachine();

  std::set<ConsentState> consent_states;
  std::set<OverrideState> override_states;
  int permitted_by_consent = 0;
  int permitted_by_override = 0;
  for (int sequence = 0; sequence < kSequences; ++sequence) {
    std::vector<ConsentRecord> consents;
    std::vector<OverrideRecord> overrides;
    Instant now = random.Time();
    const AgeStatus age = random.Pick(kAges);
    for (int step = 0; step < kSteps; ++step) {
      now += hours{random.Int(0, 24 * 10)};
      const int who = random.Int(0, 2);
      const int choice = random.Int(0, 3);
      if (choice == 0) {
        ConsentRecord c;
        c.id = "c" + std::to_string(step);
        c.grantor = random.Chance(50) ? Grantor::kPerson : Grantor::kGuardian;
        if (random.Chance(70)) {
          c.recipient_organisation = kOrgs[static_cast<std::size_t>(who)];
        }
        c.recipient_type = kTypes[static_cast<std::size_t>(who)];
        c.categories = {random.Pick(kCategories), random.Pick(kCategories)};
        c.purpose = random.Pick(kPurposes);
        c.method = ConsentMethod::kVerbal;
        c.valid_until = now + days{random.Int(-5, 60)};
        const auto proposed = ProposeConsent(c, age, now);
        ExpectKnownRule(proposed);
        if (proposed.ok()) {
          consents.push_back(proposed.value());
        }
      } else if (choice == 1 && !consents.empty()) {
        auto& c = consents[static_cast<std::size_t>(
            random.Int(0, static_cast<int>(consents.size()) - 1))];
        const auto result = ApplyConsent(c, random.Pick(consent_machine.events), now);
        ExpectKnownRule(result);
        if (result.ok()) {
          c = result.value().next;
          consent_states.insert(c.state);
        }
      } else if (choice == 2) {
        OverrideRecord o;
        o.id = "o" + std::to_string(step);
        o.basis = random.Pick(kBases);
        o.acute_danger = random.Chance(40);
        o.justification = random.Chance(90) ? "reden" : "";
        o.recipient_organisation = kOrgs[static_cast<std::size_t>(who)];
        o.recipient_type = kTypes[static_cast<std::size_t>(who)];
        o.categories = {random.Pick(kCategories)};
        o.purpose = random.Chance(50) ? Purpose::kUnknown : random.Pick(kPurposes);
        o.requested_by = {"essm-rotterdam", random.Pick(kUsers)};
        o.expires_at = now + days{random.Int(-1, 30)};
        const auto requested = RequestOverride(o, age, now);
        ExpectKnownRule(requested);
        if (requested.ok()) {
          overrides.push_back(requested.value().next);
          override_states.insert(overrides.back().state);
        }
      } else if (!overrides.empty()) {
        auto& o = overrides[static_cast<std::size_t>(
            random.Int(0, static_cast<int>(overrides.size()) - 1))];
        const Person actor{random.Chance(90) ? "essm-rotterdam" : "gemeente-rotterdam",
                           random.Pick(kUsers)};
        const auto result = ApplyOverride(o, random.Pick(override_machine.events), actor, now);
        ExpectKnownRule(result);
        if (result.ok()) {
          o = result.value().next;
          override_states.insert(o.state);
          if (o.state == OverrideState::kActive) {
            ASSERT_NE(o.approved_by, o.requested_by) << "approved by its requester";
            ASSERT_EQ(o.approved_by.organisation, o.requested_by.organisation);
          }
        }
      }

      const int asker = random.Int(0, 2);
      const DisclosureQuery query{kOrgs[static_cast<std::size_t>(asker)],
                                  kTypes[static_cast<std::size_t>(asker)], random.Pick(kCategories),
                                  random.Pick(kPurposes), now + hours{random.Int(0, 24 * 5)}};
      const DisclosureDecision decision = DecideDisclosure(consents, overrides, query);
      if (!decision.permitted) {
        ASSERT_NE(FindRule(decision.rule), nullptr);
        continue;
      }
      ASSERT_NE(query.category, DataCategory::kUnknown) << "seed " << Seed();
      if (decision.basis == BasisKind::kConsent) {
        ++permitted_by_consent;
        const auto c = std::find_if(consents.begin(), consents.end(),
                                    [&](const auto& x) { return x.id == decision.basis_id; });
        ASSERT_NE(c, consents.end());
        ASSERT_EQ(c->state, ConsentState::kGranted) << "withdrawn/expired/refused consent permits";
        ASSERT_TRUE(c->categories.contains(query.category));
        ASSERT_EQ(c->purpose, query.purpose);
        ASSERT_LE(c->valid_from, query.at);
        ASSERT_LT(query.at, c->valid_until);
        if (c->recipient_organisation.empty()) {
          ASSERT_EQ(c->recipient_type, query.recipient_type);
          ASSERT_NE(query.category, DataCategory::kLocation) << "location to a type";
        } else {
          ASSERT_EQ(c->recipient_organisation, query.recipient_organisation);
        }
      } else {
        ASSERT_EQ(decision.basis, BasisKind::kOverride);
        ++permitted_by_override;
        const auto o = std::find_if(overrides.begin(), overrides.end(),
                                    [&](const auto& x) { return x.id == decision.basis_id; });
        ASSERT_NE(o, overrides.end());
        ASSERT_TRUE(o->state == OverrideState::kActive ||
                    (o->state == OverrideState::kActivePendingApproval && o->acute_danger &&
                     decision.flagged && query.at < o->approval_due_at))
            << "pending or ended override permits: " << ToString(o->state);
        ASSERT_EQ(o->recipient_organisation, query.recipient_organisation);
        ASSERT_TRUE(o->categories.contains(query.category));
        ASSERT_LT(query.at, o->expires_at);
        if (o->basis == LegalBasis::kChildProtection) {
          ASSERT_TRUE(TreatedAsMinor(age));
        }
      }
    }
  }
  ConsentState granted_etc[] = {ConsentState::kGranted, ConsentState::kWithdrawn,
                                ConsentState::kExpired, ConsentState::kRefused};
  for (const auto state : granted_etc) {
    EXPECT_TRUE(consent_states.contains(state)) << ToString(state);
  }
  ExpectVisitedAll(OverrideMachine(), override_states);
  EXPECT_GT(permitted_by_consent, 100);
  EXPECT_GT(permitted_by_override, 100);
}

}  // namespace
}  // namespace ketenregie::workflow
