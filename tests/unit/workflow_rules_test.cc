// One test suite per rule, named after it (R-AGE-DOUBT → RuleAgeDoubt), and
// a check that no rule in the catalogue lacks its suite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "tests/unit/workflow_test_util.h"
#include "workflow/access.h"
#include "workflow/consent.h"
#include "workflow/directory.h"
#include "workflow/disclosure.h"
#include "workflow/handoff.h"
#include "workflow/login.h"
#include "workflow/placement.h"
#include "workflow/reflection.h"
#include "workflow/screening.h"
#include "workflow/session.h"
#include "workflow/trajectory.h"

namespace ketenregie::workflow {
namespace {

using namespace testing;
using E = TrajectoryEvent;
using S = TrajectoryState;

const Instant kNow = Local(2026, 11, 22, 10, 0);

TrajectorySnapshot Trajectory(S state, AgeStatus age,
                              std::optional<ScreeningOutcome> screening = std::nullopt) {
  TrajectorySnapshot t;
  t.id = "t-1";
  t.state = state;
  t.age = age;
  t.screening = screening;
  return t;
}

Screening TraffickingSignals(bool with_means) {
  Screening s;
  s[Indicator::kRecruitment] = Score::kSignals;
  if (with_means) {
    s[Indicator::kThreat] = Score::kEvidence;
  }
  s.forms = {ExploitationForm::kSexual};
  return s;
}

// --- R-STATE-ORDER --------------------------------------------------------

TEST(RuleStateOrder, AClosedTrajectoryTakesNoRouteDecision) {
  ExpectRefused(
      ApplyTrajectory(Trajectory(S::kClosed, AgeStatus::kConfirmedAdult), {E::kDecideRouteB}, kNow),
      rules::kStateOrder);
}

TEST(RuleStateOrder, TracksRunOnlyBesideAnOpenRegisteredTrajectory) {
  EXPECT_TRUE(CheckTracksOpen(Trajectory(S::kSignalled, AgeStatus::kUnknown)).has_value());
  EXPECT_TRUE(CheckTracksOpen(Trajectory(S::kClosed, AgeStatus::kConfirmedAdult)).has_value());
  EXPECT_FALSE(CheckTracksOpen(Trajectory(S::kActive, AgeStatus::kConfirmedAdult)).has_value());
  EXPECT_FALSE(CheckTracksOpen(Trajectory(S::kRegistered, AgeStatus::kMinor)).has_value());
}

TEST(RuleStateOrder, EveryRuleIdInTheCatalogueIsUnique) {
  std::set<std::string_view> ids;
  for (const Rule& rule : AllRules()) {
    EXPECT_TRUE(ids.insert(rule.id).second) << rule.id;
    EXPECT_FALSE(rule.source.empty()) << rule.id;
    EXPECT_FALSE(rule.summary.empty()) << rule.id;
  }
}

// --- R-AGE-DOUBT ------------------------------------------------------------

TEST(RuleAgeDoubt, DoubtedAndUnknownAgeAreTreatedAsMinor) {
  EXPECT_TRUE(TreatedAsMinor(AgeStatus::kDoubted));
  EXPECT_TRUE(TreatedAsMinor(AgeStatus::kUnknown));
  EXPECT_TRUE(TreatedAsMinor(AgeStatus::kMinor));
  EXPECT_FALSE(TreatedAsMinor(AgeStatus::kConfirmedAdult));
}

TEST(RuleAgeDoubt, DoubtedAgeTakesRouteANotB) {
  ExpectRefused(ApplyTrajectory(Trajectory(S::kScreened, AgeStatus::kDoubted,
                                           ScreeningOutcome::kPossibleVictim),
                                {.event = E::kDecideRouteB, .consents_to_referral = true}, kNow),
                rules::kRouteAChild);
  EXPECT_TRUE(
      ApplyTrajectory(Trajectory(S::kScreened, AgeStatus::kDoubted), {E::kDecideRouteA}, kNow)
          .ok());
}

TEST(RuleAgeDoubt, AgeCannotBeSetBackToUnknown) {
  ExpectRefused(ApplyTrajectory(Trajectory(S::kRegistered, AgeStatus::kDoubted),
                                {.event = E::kSetAgeStatus, .age = AgeStatus::kUnknown}, kNow),
                rules::kAgeDoubt);
}

TEST(RuleAgeDoubt, DoubtArisingOnAnAdultRouteCreatesATaskForRouteA) {
  const auto result =
      ApplyTrajectory(Trajectory(S::kActive, AgeStatus::kConfirmedAdult),
                      {.event = E::kSetAgeStatus, .age = AgeStatus::kDoubted}, kNow);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value().next.age, AgeStatus::kDoubted);
  EXPECT_EQ(Kinds(result.value().actions), std::vector{TrajectoryActionKind::kCreateTask});
  EXPECT_EQ(result.value().actions[0].what, "route.a_required");
}

// --- R-AGE-DATE-OF-BIRTH ------------------------------------------------------

// Born 17 years and 11 months before kNow.
const year_month_day kBornNearly18 = year{2008} / December / day{22};

TEST(RuleAgeDateOfBirth, ConfirmedAdultAgainstADateOfBirthUnder18_IsRefusedAtRegistration) {
  TrajectorySnapshot signal;
  signal.id = "t-1";
  const auto refused = ApplyTrajectory(
      signal,
      {.event = E::kRegister, .age = AgeStatus::kConfirmedAdult, .date_of_birth = kBornNearly18},
      kNow);
  ExpectRefused(refused, rules::kAgeDateOfBirth);
  EXPECT_NE(refused.violation().message.find("2026-12-22 00:00 Europe/Amsterdam"),
            std::string::npos)
      << refused.violation().message;
}

TEST(RuleAgeDateOfBirth, AChildByHerDateOfBirthIsAMinor_AndHer18thBirthdayIsATimer) {
  TrajectorySnapshot signal;
  signal.id = "t-1";
  const auto registered =
      ApplyTrajectory(signal, {.event = E::kRegister, .date_of_birth = kBornNearly18}, kNow);
  ASSERT_TRUE(registered.ok());
  EXPECT_EQ(registered.value().next.age, AgeStatus::kMinor);
  const Instant birthday = Local(2026, 12, 22, 0, 0);
  EXPECT_EQ(registered.value().next.minor_until, birthday);
  EXPECT_EQ(registered.value().actions,
            (std::vector<TrajectoryAction>{
                {TrajectoryActionKind::kScheduleDeadline, "age.turns_18", birthday, "t-1"}}));
}

TEST(RuleAgeDateOfBirth, SettingConfirmedAdultIsRefusedUntilTheDateIsCorrected) {
  TrajectorySnapshot t = Trajectory(S::kChildProtection, AgeStatus::kMinor);
  t.minor_until = Local(2026, 12, 22, 0, 0);
  ExpectRefused(
      ApplyTrajectory(t, {.event = E::kSetAgeStatus, .age = AgeStatus::kConfirmedAdult}, kNow),
      rules::kAgeDateOfBirth);
  const auto corrected = ApplyTrajectory(
      t, {.event = E::kCorrectDateOfBirth, .date_of_birth = year{2005} / March / day{3}}, kNow);
  ASSERT_TRUE(corrected.ok());
  EXPECT_FALSE(corrected.value().next.minor_until.has_value());
  EXPECT_EQ(
      corrected.value().actions,
      (std::vector<TrajectoryAction>{
          {TrajectoryActionKind::kCreateTask, "age.review", kNow, "t-1"},
          {TrajectoryActionKind::kCancelTimers, "age.date_of_birth_corrected", kNow, "t-1"}}));
  EXPECT_TRUE(ApplyTrajectory(corrected.value().next,
                              {.event = E::kSetAgeStatus, .age = AgeStatus::kConfirmedAdult}, kNow)
                  .ok());
}

TEST(RuleAgeDateOfBirth, ACorrectionThatMakesHerAChildTreatsHerAsOne) {
  const TrajectorySnapshot t = Trajectory(S::kActive, AgeStatus::kConfirmedAdult);
  const auto corrected =
      ApplyTrajectory(t, {.event = E::kCorrectDateOfBirth, .date_of_birth = kBornNearly18}, kNow);
  ASSERT_TRUE(corrected.ok());
  EXPECT_EQ(corrected.value().next.age, AgeStatus::kMinor);
  EXPECT_EQ(Kinds(corrected.value().actions),
            (std::vector{TrajectoryActionKind::kCreateTask, TrajectoryActionKind::kCancelTimers,
                         TrajectoryActionKind::kScheduleDeadline}));
  EXPECT_EQ(corrected.value().actions[0].what, "route.a_required");
}

TEST(RuleAgeDateOfBirth, On18thBirthdayAMinorIsAnAdult_AndTheCoordinatorIsAsked) {
  TrajectorySnapshot t = Trajectory(S::kChildProtection, AgeStatus::kMinor);
  t.minor_until = Local(2026, 12, 22, 0, 0);
  // The day before: still a minor; the timer cannot fire early.
  EXPECT_EQ(AgeStatusOn(t, Local(2026, 12, 21, 23, 59)), AgeStatus::kMinor);
  ExpectRefused(ApplyTrajectory(t, {E::kComeOfAge}, Local(2026, 12, 21, 23, 59)),
                rules::kAgeDateOfBirth);
  // That day the facts say adult, whether or not the timer has been handled.
  EXPECT_EQ(AgeStatusOn(t, Local(2026, 12, 22, 0, 0)), AgeStatus::kConfirmedAdult);
  const auto of_age = ApplyTrajectory(t, {E::kComeOfAge}, Local(2026, 12, 22, 0, 0));
  ASSERT_TRUE(of_age.ok());
  EXPECT_EQ(of_age.value().next.age, AgeStatus::kConfirmedAdult);
  EXPECT_FALSE(of_age.value().next.minor_until.has_value());
  EXPECT_EQ(Kinds(of_age.value().actions), std::vector{TrajectoryActionKind::kCreateTask});
  EXPECT_EQ(of_age.value().actions[0].what, "age.turned_18");
  EXPECT_EQ(AgeEvent(t.age, of_age.value().next.age), "trajectory.adult");
}

TEST(RuleAgeDateOfBirth, ADoubtStaysADoubtOnThe18thBirthday) {
  TrajectorySnapshot t = Trajectory(S::kChildProtection, AgeStatus::kDoubted);
  t.minor_until = Local(2026, 12, 22, 0, 0);
  EXPECT_EQ(AgeStatusOn(t, Local(2026, 12, 23, 9, 0)), AgeStatus::kDoubted);
}

// Closing cancelled her birthday's timer; she turned 18 while closed: the
// reopening does what the timer would have done.
TEST(RuleAgeDateOfBirth, ReopenedAfterHer18thBirthday_SheIsAnAdultAndTheCoordinatorIsAsked) {
  TrajectorySnapshot t = Trajectory(S::kClosed, AgeStatus::kMinor);
  t.closure_reason = ClosureReason::kContactLost;
  t.minor_until = Local(2026, 10, 1, 0, 0);
  const auto reopened = ApplyTrajectory(t, {E::kReopen}, kNow);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened.value().next.age, AgeStatus::kConfirmedAdult);
  EXPECT_FALSE(reopened.value().next.minor_until.has_value());
  EXPECT_EQ(reopened.value().actions,
            (std::vector<TrajectoryAction>{
                {TrajectoryActionKind::kCreateTask, "age.turned_18", kNow, "t-1"}}));
  // Still to come: the timer is back.
  t.minor_until = Local(2027, 1, 1, 0, 0);
  const auto still_minor = ApplyTrajectory(t, {E::kReopen}, kNow);
  ASSERT_TRUE(still_minor.ok());
  EXPECT_EQ(still_minor.value().next.age, AgeStatus::kMinor);
  EXPECT_EQ(Kinds(still_minor.value().actions),
            std::vector{TrajectoryActionKind::kScheduleDeadline});
}

TEST(RuleAgeDateOfBirth, ACorrectionAppliesTheRegistrationRule_AndAMinorMadeAdultIsReviewed) {
  // Age not established, a child's date of birth added: a minor.
  const auto unknown =
      ApplyTrajectory(Trajectory(S::kRegistered, AgeStatus::kUnknown),
                      {.event = E::kCorrectDateOfBirth, .date_of_birth = kBornNearly18}, kNow);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown.value().next.age, AgeStatus::kMinor);
  // A minor by her old date, corrected to an adult's: the status is not
  // changed silently; her coordinator reviews it.
  TrajectorySnapshot minor = Trajectory(S::kChildProtection, AgeStatus::kMinor);
  minor.minor_until = Local(2026, 12, 22, 0, 0);
  const auto adult_date = ApplyTrajectory(
      minor, {.event = E::kCorrectDateOfBirth, .date_of_birth = year{2001} / May / day{2}}, kNow);
  ASSERT_TRUE(adult_date.ok());
  EXPECT_EQ(adult_date.value().next.age, AgeStatus::kMinor);
  EXPECT_EQ(adult_date.value().actions[0].what, "age.review");
}

TEST(RuleAgeDateOfBirth, BornOnALeapDay_IsAnAdultOnTheFirstOfMarch) {
  EXPECT_EQ(EighteenthBirthday(year{2008} / February / day{29}), Local(2026, 3, 1, 0, 0));
  EXPECT_EQ(EighteenthBirthday(year{2008} / February / day{28}), Local(2026, 2, 28, 0, 0));
}

// --- R-CHILD-NO-MEANS ---------------------------------------------------------

TEST(RuleChildNoMeans, ActAndPurposeSufficeForAChild) {
  EXPECT_EQ(Assess(TraffickingSignals(false), AgeStatus::kMinor).outcome,
            ScreeningOutcome::kPossibleVictim);
  EXPECT_EQ(Assess(TraffickingSignals(false), AgeStatus::kDoubted).outcome,
            ScreeningOutcome::kPossibleVictim);
}

TEST(RuleChildNoMeans, AnAdultNeedsTheMeansToo) {
  EXPECT_NE(Assess(TraffickingSignals(false), AgeStatus::kConfirmedAdult).outcome,
            ScreeningOutcome::kPossibleVictim);
  const Assessment full = Assess(TraffickingSignals(true), AgeStatus::kConfirmedAdult);
  EXPECT_EQ(full.outcome, ScreeningOutcome::kPossibleVictim);
  EXPECT_TRUE(full.act && full.means && full.purpose);
}

TEST(RuleChildNoMeans, NoPurposeNoTrafficking) {
  Screening s = TraffickingSignals(true);
  s.forms.clear();
  EXPECT_EQ(Assess(s, AgeStatus::kMinor).outcome, ScreeningOutcome::kNotAVictim);
}

TEST(RuleChildNoMeans, EveryIndicatorSpeaksToActOrMeans) {
  int act = 0;
  for (std::size_t i = 0; i < kIndicatorCount; ++i) {
    act += ElementOf(static_cast<Indicator>(i)) == Element::kAct ? 1 : 0;
  }
  EXPECT_EQ(act, 3) << "werving, vervoer/overbrenging, huisvesting/opnemen";
}

TEST(RuleChildNoMeans, MoreInformationNeededWhenInconclusive) {
  Screening s;
  s[Indicator::kWithheldDocuments] = Score::kMoreInformationNeeded;
  EXPECT_EQ(Assess(s, AgeStatus::kConfirmedAdult).outcome,
            ScreeningOutcome::kMoreInformationNeeded);
}

// --- R-SMUGGLING-NOT-TRAFFICKING -----------------------------------------------

TEST(RuleSmugglingNotTrafficking, SmugglingIsAnOutcomeNotAVictim) {
  Screening s;
  s[Indicator::kTransport] = Score::kEvidence;
  s[Indicator::kPayments] = Score::kEvidence;
  s.smuggling_indicated = true;
  EXPECT_EQ(Assess(s, AgeStatus::kConfirmedAdult).outcome, ScreeningOutcome::kSmuggling);
  // A smuggled person who is exploited is a possible victim after all.
  s.forms = {ExploitationForm::kLabour};
  EXPECT_EQ(Assess(s, AgeStatus::kConfirmedAdult).outcome, ScreeningOutcome::kPossibleVictim);
}

TEST(RuleSmugglingNotTrafficking, SmugglingTakesRouteDNotB) {
  const auto t = Trajectory(S::kScreened, AgeStatus::kConfirmedAdult, ScreeningOutcome::kSmuggling);
  ExpectRefused(ApplyTrajectory(t, {.event = E::kDecideRouteB, .consents_to_referral = true}, kNow),
                rules::kRouteMatchesScreening);
  const auto d = ApplyTrajectory(t, {E::kDecideRouteD}, kNow);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.value().next.state, S::kClosed);
  EXPECT_EQ(d.value().next.closure_reason, ClosureReason::kReferredGeneralHelp);
}

// --- routes ---------------------------------------------------------------------

TEST(RuleRouteAChild, AnAdultIsNotRoutedToChildProtection) {
  ExpectRefused(ApplyTrajectory(Trajectory(S::kScreened, AgeStatus::kConfirmedAdult),
                                {E::kDecideRouteA}, kNow),
                rules::kRouteAChild);
}

TEST(RuleRouteAChild, RouteANotifiesChildProtectionWithoutWaitingForConsent) {
  const auto a =
      ApplyTrajectory(Trajectory(S::kScreened, AgeStatus::kMinor), {E::kDecideRouteA}, kNow);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value().next.state, S::kChildProtection);
  EXPECT_EQ(Kinds(a.value().actions), std::vector{TrajectoryActionKind::kNotifyChildProtection});
}

TEST(RuleRouteAChild, AChildTakesNoAdultRoute) {
  for (const E route : {E::kDecideRouteB, E::kDecideRouteC, E::kDecideRouteD}) {
    ExpectRefused(ApplyTrajectory(Trajectory(S::kScreened, AgeStatus::kMinor,
                                             ScreeningOutcome::kPossibleVictim),
                                  {.event = route, .consents_to_referral = true}, kNow),
                  rules::kRouteAChild);
  }
}

TEST(RuleRouteMatchesScreening, NoRouteWhileMoreInformationIsNeeded) {
  const auto t = Trajectory(S::kScreened, AgeStatus::kConfirmedAdult,
                            ScreeningOutcome::kMoreInformationNeeded);
  for (const E route : {E::kDecideRouteB, E::kDecideRouteC, E::kDecideRouteD}) {
    ExpectRefused(ApplyTrajectory(t, {.event = route, .consents_to_referral = true}, kNow),
                  rules::kRouteMatchesScreening);
  }
}

TEST(RuleRouteMatchesScreening, RouteDIsNotForAPossibleVictim) {
  ExpectRefused(ApplyTrajectory(Trajectory(S::kScreened, AgeStatus::kConfirmedAdult,
                                           ScreeningOutcome::kPossibleVictim),
                                {E::kDecideRouteD}, kNow),
                rules::kRouteMatchesScreening);
}

TEST(RuleRouteBConsent, RouteBNeedsConsentToReferral) {
  const auto t =
      Trajectory(S::kScreened, AgeStatus::kConfirmedAdult, ScreeningOutcome::kPossibleVictim);
  ExpectRefused(ApplyTrajectory(t, {E::kDecideRouteB}, kNow), rules::kRouteBConsent);
  EXPECT_TRUE(
      ApplyTrajectory(t, {.event = E::kDecideRouteB, .consents_to_referral = true}, kNow).ok());
}

TEST(RuleRouteBConsent, RouteCSchedulesTheFollowUpAndCanBeReactivated) {
  const auto c = ApplyTrajectory(
      Trajectory(S::kScreened, AgeStatus::kConfirmedAdult, ScreeningOutcome::kPossibleVictim),
      {E::kDecideRouteC}, kNow, {.route_c_follow_up_days = 21});
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c.value().actions.size(), 1u);
  EXPECT_EQ(c.value().actions[0].at, AddDays(kNow, 21));
  ExpectRefused(ApplyTrajectory(c.value().next, {E::kReactivate}, kNow), rules::kRouteBConsent);
  const auto b = ApplyTrajectory(c.value().next,
                                 {.event = E::kReactivate, .consents_to_referral = true}, kNow);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.value().next.state, S::kActive);
}

// --- shelter ----------------------------------------------------------------------

PlacementRequest CrisisRequest(PersonFacts person) {
  return {"p-1", ShelterKind::kCrisis, person, Local(2026, 11, 30, 15), Instant{}};
}

TEST(RuleCrisisEligibility, AdultWomanWithChildrenIsEligible) {
  const auto p =
      RequestPlacement(CrisisRequest({AgeStatus::kConfirmedAdult, GenderIdentity::kWoman, 2}));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value().beds_needed, 3);
}

TEST(RuleCrisisEligibility, MinorDoubtedAgeAndNotAWomanAreRefused) {
  ExpectRefused(RequestPlacement(CrisisRequest({AgeStatus::kMinor, GenderIdentity::kWoman, 0})),
                rules::kCrisisEligibility);
  ExpectRefused(RequestPlacement(CrisisRequest({AgeStatus::kDoubted, GenderIdentity::kWoman, 0})),
                rules::kCrisisEligibility);
  ExpectRefused(
      RequestPlacement(CrisisRequest({AgeStatus::kConfirmedAdult, GenderIdentity::kMan, 0})),
      rules::kCrisisEligibility);
  ExpectRefused(
      RequestPlacement(CrisisRequest({AgeStatus::kConfirmedAdult, GenderIdentity::kNotStated, 0})),
      rules::kCrisisEligibility);
}

TEST(RuleCrisisEligibility, TheRefusalSaysWhatToDoInstead) {
  const auto instead = [](AgeStatus age, GenderIdentity gender) {
    const auto refused = CheckCrisisEligibility({age, gender, 0});
    EXPECT_TRUE(refused.has_value());
    const auto& facts = refused.value_or(RuleViolation{}).facts;
    const auto found = std::find_if(facts.begin(), facts.end(),
                                    [](const auto& fact) { return fact.first == kInsteadFact; });
    return found == facts.end() ? std::string() : found->second;
  };
  EXPECT_EQ(instead(AgeStatus::kMinor, GenderIdentity::kWoman), kInsteadChildProtection);
  EXPECT_EQ(instead(AgeStatus::kDoubted, GenderIdentity::kMan), kInsteadChildProtection);
  EXPECT_EQ(instead(AgeStatus::kConfirmedAdult, GenderIdentity::kMan), kInsteadOtherShelterKind);
  EXPECT_EQ(instead(AgeStatus::kConfirmedAdult, GenderIdentity::kNotStated),
            kInsteadOtherShelterKind);
}

TEST(RuleCrisisEligibility, OtherSheltersDoNotApplyTheCrisisCriteria) {
  PlacementRequest r = CrisisRequest({AgeStatus::kConfirmedAdult, GenderIdentity::kMan, 0});
  r.kind = ShelterKind::kCategorical;
  EXPECT_TRUE(RequestPlacement(r).ok());
}

TEST(RuleCrisisEligibility, CheckedAgainWhenPlacing) {
  auto p = RequestPlacement(CrisisRequest({AgeStatus::kConfirmedAdult, GenderIdentity::kWoman, 0}));
  ASSERT_TRUE(p.ok());
  PlacementCommand place{PlacementEvent::kPlace};
  place.person = {AgeStatus::kDoubted, GenderIdentity::kWoman, 0};
  place.free_beds = 4;
  ExpectRefused(ApplyPlacement(p.value(), place, kNow), rules::kCrisisEligibility);
}

TEST(RuleStateOrder, NoOneIsPlacedOnAClosedTrajectory) {
  auto p = RequestPlacement(CrisisRequest({AgeStatus::kConfirmedAdult, GenderIdentity::kWoman, 0}));
  ASSERT_TRUE(p.ok());
  PlacementCommand place{PlacementEvent::kPlace};
  place.person = {AgeStatus::kConfirmedAdult, GenderIdentity::kWoman, 0, /*trajectory_open=*/false};
  place.free_beds = 4;
  ExpectRefused(ApplyPlacement(p.value(), place, kNow), rules::kStateOrder);
  place.person.trajectory_open = true;
  EXPECT_TRUE(ApplyPlacement(p.value(), place, kNow).ok());
}

TEST(RuleCrisisMax3m, PlannedEndAtMostThreeMonthsAfterStart) {
  PlacementRequest r = CrisisRequest({AgeStatus::kConfirmedAdult, GenderIdentity::kWoman, 0});
  // 30 November + 3 months = 28 February (2027 is no leap year).
  r.planned_end = Local(2027, 2, 28, 15);
  EXPECT_TRUE(RequestPlacement(r).ok());
  r.planned_end = Local(2027, 2, 28, 15) + seconds{1};
  ExpectRefused(RequestPlacement(r), rules::kCrisisMax3m);
}

TEST(RuleCrisisMax3m, OverdueOnlyPastTheLimitAndContinuingNeedsAReason) {
  auto p = RequestPlacement(CrisisRequest({AgeStatus::kConfirmedAdult, GenderIdentity::kWoman, 0}));
  ASSERT_TRUE(p.ok());
  PlacementSnapshot placed = p.value();
  placed.state = PlacementState::kPlaced;
  ExpectRefused(ApplyPlacement(placed, {PlacementEvent::kMarkOverdue}, placed.limit - seconds{1}),
                rules::kCrisisMax3m);
  const auto overdue = ApplyPlacement(placed, {PlacementEvent::kMarkOverdue}, placed.limit);
  ASSERT_TRUE(overdue.ok());
  EXPECT_EQ(overdue.value().next.state, PlacementState::kOverdue);
  ExpectRefused(
      ApplyPlacement(overdue.value().next, {PlacementEvent::kRecordContinuation}, placed.limit),
      rules::kCrisisMax3m);
}

TEST(RuleCrisisMax3m, PlacingSchedulesRemindersAt14And7DaysAndTheLimit) {
  auto p = RequestPlacement(CrisisRequest({AgeStatus::kConfirmedAdult, GenderIdentity::kWoman, 0}));
  ASSERT_TRUE(p.ok());
  PlacementCommand place{PlacementEvent::kPlace};
  place.person = {AgeStatus::kConfirmedAdult, GenderIdentity::kWoman, 0};
  place.free_beds = 1;
  const auto placed = ApplyPlacement(p.value(), place, kNow);
  ASSERT_TRUE(placed.ok());
  const auto& actions = placed.value().actions;
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_EQ(ToAmsterdam(actions[0].at).date, 2027y / February / 14);
  EXPECT_EQ(ToAmsterdam(actions[1].at).date, 2027y / February / 21);
  EXPECT_EQ(ToAmsterdam(actions[2].at).date, 2027y / February / 28);
}

TEST(RuleNoOverbooking, PlacingNeedsABedForTheMotherAndEachChild) {
  auto p = RequestPlacement(CrisisRequest({AgeStatus::kConfirmedAdult, GenderIdentity::kWoman, 2}));
  ASSERT_TRUE(p.ok());
  PlacementCommand place{PlacementEvent::kPlace};
  place.person = {AgeStatus::kConfirmedAdult, GenderIdentity::kWoman, 2};
  place.free_beds = 2;
  ExpectRefused(ApplyPlacement(p.value(), place, kNow), rules::kNoOverbooking);
  place.free_beds = 3;
  EXPECT_TRUE(ApplyPlacement(p.value(), place, kNow).ok());
}

TEST(RuleNoOverbooking, CapacityNeverBelowTheBedsInUse) {
  EXPECT_TRUE(CheckCapacity(3, 4).has_value());
  EXPECT_FALSE(CheckCapacity(4, 4).has_value());
  EXPECT_EQ(CheckCapacity(0, 1)->rule, rules::kNoOverbooking);
}

TEST(RulePlacementMoveOn, EndingRecordsWhereThePersonWent) {
  PlacementSnapshot placed;
  placed.state = PlacementState::kPlaced;
  ExpectRefused(ApplyPlacement(placed, {PlacementEvent::kEnd}, kNow), rules::kPlacementMoveOn);
  PlacementCommand end{PlacementEvent::kEnd};
  end.move_on = MoveOn::kLeftUnknown;
  const auto ended = ApplyPlacement(placed, end, kNow);
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended.value().next.move_on, MoveOn::kLeftUnknown);
  EXPECT_FALSE(HoldsBeds(ended.value().next.state));
}

// --- reflection period ------------------------------------------------------------

TEST(RuleReflectionLength, ThreeMonthsByDefault) {
  const Instant start = Local(2026, 11, 30, 11);
  EXPECT_EQ(ToAmsterdam(ReflectionEnd(start, false, {})).date, 2027y / February / 28);
}

TEST(RuleReflectionLength, ThirtyDaysForDublinCasesSince18May2023) {
  const Instant start = Local(2023, 5, 18, 0, 0);
  EXPECT_EQ(CalendarDaysBetween(start, ReflectionEnd(start, true, {})), 30);
  // Before 18 May 2023 a Dublin case still had three months.
  const Instant before = Local(2023, 5, 17, 23, 59);
  EXPECT_EQ(ToAmsterdam(ReflectionEnd(before, true, {})).date, 2023y / August / 17);
}

TEST(RuleReflectionLength, NeverUnderThirtyDaysWhateverThePolicy) {
  ReflectionPolicy policy;
  policy.standard_months = 0;
  policy.dublin_days = 7;
  policy.minimum_days = 10;
  const Instant start = Local(2027, 2, 1, 9);
  EXPECT_EQ(CalendarDaysBetween(start, ReflectionEnd(start, false, policy)), 30);
  EXPECT_EQ(CalendarDaysBetween(start, ReflectionEnd(start, true, policy)), 30);
}

TEST(RuleReflectionLength, StartingSchedulesRemindersAt14And3DaysAndExpiry) {
  ReflectionSnapshot offered;
  offered.trajectory_id = "t-1";
  const Instant start = Local(2026, 11, 30, 11);
  const auto running =
      ApplyReflection(offered, {.event = ReflectionEvent::kStart, .starts_at = start}, kNow);
  ASSERT_TRUE(running.ok());
  const auto& a = running.value().actions;
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(ToAmsterdam(a[0].at).date, 2027y / February / 14);
  EXPECT_EQ(ToAmsterdam(a[1].at).date, 2027y / February / 25);
  EXPECT_EQ(a[2].at, running.value().next.ends_at);
}

TEST(RuleReflectionExpiry, AReopenedTrajectoryGetsItsRunningPeriodsTimersBack) {
  ReflectionSnapshot r;
  r.trajectory_id = "t-1";
  r.state = ReflectionState::kRunning;
  r.ends_at = kNow + days{10};
  const auto actions = ReflectionTimers(r, kNow);
  // The 14-day reminder is past; the 3-day one and the expiry are not.
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].what, "reflection.ends_in_3_days");
  EXPECT_EQ(actions[1].what, "reflection.expiry");
  r.state = ReflectionState::kDecided;
  EXPECT_TRUE(ReflectionTimers(r, kNow).empty());
}

TEST(RuleReflectionExpiry, ExpiresOnlyAtItsEnd) {
  ReflectionSnapshot r;
  r.state = ReflectionState::kRunning;
  r.ends_at = kNow;
  ExpectRefused(ApplyReflection(r, {ReflectionEvent::kExpire}, kNow - seconds{1}),
                rules::kReflectionExpiry);
  EXPECT_TRUE(ApplyReflection(r, {ReflectionEvent::kExpire}, kNow).ok());
}

TEST(RuleReflectionExpiry, ADecisionNamesWhatWasDecided) {
  ReflectionSnapshot r;
  r.state = ReflectionState::kRunning;
  ExpectRefused(ApplyReflection(r, {ReflectionEvent::kDecide}, kNow), rules::kReflectionExpiry);
}

TEST(RuleB8RequiresCooperation, DeclinedGivesNoPermitApplication) {
  ReflectionSnapshot r;
  r.state = ReflectionState::kDecided;
  r.decision = ReflectionDecision::kDeclined;
  ExpectRefused(ApplyReflection(r, {ReflectionEvent::kApplyPermit}, kNow),
                rules::kB8RequiresCooperation);
  for (const auto decision :
       {ReflectionDecision::kPoliceReport, ReflectionDecision::kOtherCooperation,
        ReflectionDecision::kNoReportSeriousReasons}) {
    r.decision = decision;
    EXPECT_TRUE(ApplyReflection(r, {ReflectionEvent::kApplyPermit}, kNow).ok());
  }
}

TEST(RuleB8RequiresCooperation, AGrantOfAGrantedPermitIsItsRenewal) {
  EXPECT_EQ(PermitEvent(ReflectionState::kPermitApplied, PermitOutcome::kGranted),
            ReflectionEvent::kGrantPermit);
  EXPECT_EQ(PermitEvent(ReflectionState::kPermitGranted, PermitOutcome::kGranted),
            ReflectionEvent::kRenewPermit);
  EXPECT_EQ(PermitEvent(ReflectionState::kDecided, PermitOutcome::kApplied),
            ReflectionEvent::kApplyPermit);
  EXPECT_EQ(PermitEvent(ReflectionState::kPermitApplied, PermitOutcome::kRejected),
            ReflectionEvent::kRejectPermit);
}

TEST(RuleB8RequiresCooperation, RenewalRunsToALaterDate) {
  ReflectionSnapshot r;
  r.state = ReflectionState::kPermitGranted;
  r.permit_valid_until = kNow + days{300};
  ReflectionCommand renew{ReflectionEvent::kRenewPermit};
  renew.permit_valid_until = kNow + days{200};
  ExpectRefused(ApplyReflection(r, renew, kNow), rules::kB8RequiresCooperation);
}

// --- closure ------------------------------------------------------------------------

TEST(RuleCloseRequires, AReason) {
  ExpectRefused(
      ApplyTrajectory(Trajectory(S::kActive, AgeStatus::kConfirmedAdult), {E::kClose}, kNow),
      rules::kCloseRequires);
}

TEST(RuleCloseRequires, NoOpenPlacement) {
  auto t = Trajectory(S::kActive, AgeStatus::kConfirmedAdult);
  t.open_placements = 1;
  ExpectRefused(ApplyTrajectory(t, {.event = E::kClose, .reason = ClosureReason::kMovedOn}, kNow),
                rules::kCloseRequires);
}

TEST(RuleCloseRequires, NoUnansweredHandoff) {
  auto t = Trajectory(S::kActive, AgeStatus::kConfirmedAdult);
  t.unanswered_handoffs = 1;
  ExpectRefused(ApplyTrajectory(t, {.event = E::kClose, .reason = ClosureReason::kMovedOn}, kNow),
                rules::kCloseRequires);
  EXPECT_TRUE(IsUnanswered(HandoffState::kSent));
  EXPECT_FALSE(IsUnanswered(HandoffState::kAccepted));
}

TEST(RuleCloseRequires, EveryWayToClosedIsTheClosingOtherServicesHearOf) {
  EXPECT_EQ(LifecycleEvent(std::nullopt, S::kSignalled), "trajectory.opened");
  EXPECT_EQ(LifecycleEvent(S::kActive, S::kClosed), "trajectory.closed");
  EXPECT_EQ(LifecycleEvent(S::kScreened, S::kClosed), "trajectory.closed") << "route D";
  EXPECT_EQ(LifecycleEvent(S::kClosed, S::kActive), "trajectory.reopened");
  EXPECT_EQ(LifecycleEvent(S::kRegistered, S::kScreened), "trajectory.state_changed");
  EXPECT_FALSE(LifecycleEvent(S::kActive, S::kActive).has_value())
      << "a permit or a police report is no news for other services";
}

TEST(RuleCloseRequires, AClosedTrajectorysRequestsAreCancelledAndBedsAskTheCoordinator) {
  EXPECT_EQ(PlacementOnTrajectoryClosed(PlacementState::kRequested), OnTrajectoryClosed::kCancel);
  EXPECT_EQ(PlacementOnTrajectoryClosed(PlacementState::kPlaced),
            OnTrajectoryClosed::kAskCoordinator);
  EXPECT_EQ(PlacementOnTrajectoryClosed(PlacementState::kOverdue),
            OnTrajectoryClosed::kAskCoordinator);
  EXPECT_EQ(PlacementOnTrajectoryClosed(PlacementState::kEnded), OnTrajectoryClosed::kNothing);
  EXPECT_EQ(PlacementOnTrajectoryClosed(PlacementState::kCancelled), OnTrajectoryClosed::kNothing);
}

TEST(RuleCloseRequires, AClosedTrajectoryGetsNoHandoffAndItsUnansweredOnesAreRevoked) {
  EXPECT_FALSE(CheckTrajectoryOpenForHandoff(true).has_value());
  const auto refused = CheckTrajectoryOpenForHandoff(false);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->rule, rules::kCloseRequires);
  for (auto state : {HandoffState::kDraft, HandoffState::kSent}) {
    EXPECT_TRUE(IsRevokedOnClosure(state)) << ToString(state);
  }
  for (auto state : {HandoffState::kAccepted, HandoffState::kDeclined, HandoffState::kRevoked,
                     HandoffState::kExpired, HandoffState::kCompleted}) {
    EXPECT_FALSE(IsRevokedOnClosure(state)) << ToString(state);
  }
}

TEST(RuleWithdrawalImmediate, EveryHandoffNotOverIsRevoked) {
  for (auto state : {HandoffState::kDraft, HandoffState::kSent, HandoffState::kAccepted}) {
    EXPECT_TRUE(IsRevokedOnWithdrawal(state)) << ToString(state);
  }
  for (auto state : {HandoffState::kDeclined, HandoffState::kRevoked, HandoffState::kExpired,
                     HandoffState::kCompleted}) {
    EXPECT_FALSE(IsRevokedOnWithdrawal(state)) << ToString(state);
  }
}

TEST(RuleWithdrawalImmediate, ADraftReachesNoOne) {
  EXPECT_FALSE(ReachedRecipient(HandoffState::kDraft));
  for (auto state : {HandoffState::kSent, HandoffState::kAccepted, HandoffState::kDeclined,
                     HandoffState::kRevoked, HandoffState::kExpired, HandoffState::kCompleted}) {
    EXPECT_TRUE(ReachedRecipient(state)) << ToString(state);
  }
}

TEST(RuleWithdrawalImmediate, OnlyALiveHandoffSharesItsPacket) {
  for (auto state : {HandoffState::kSent, HandoffState::kAccepted}) {
    EXPECT_TRUE(IsPacketReadable(state)) << ToString(state);
    EXPECT_TRUE(IsInCarePlan(state)) << ToString(state);
  }
  for (auto state : {HandoffState::kDraft, HandoffState::kRevoked, HandoffState::kExpired}) {
    EXPECT_FALSE(IsPacketReadable(state)) << ToString(state);
    EXPECT_FALSE(IsInCarePlan(state)) << ToString(state);
  }
  for (auto state : {HandoffState::kDeclined, HandoffState::kCompleted}) {
    EXPECT_FALSE(IsPacketReadable(state)) << ToString(state);
    EXPECT_TRUE(IsInCarePlan(state)) << ToString(state);
  }
}

TEST(RuleCloseRequires, ConsultationOnlyIsForSignalsAlone) {
  ExpectRefused(
      ApplyTrajectory(Trajectory(S::kActive, AgeStatus::kConfirmedAdult),
                      {.event = E::kClose, .reason = ClosureReason::kConsultationOnly}, kNow),
      rules::kCloseRequires);
  ExpectRefused(ApplyTrajectory(Trajectory(S::kSignalled, AgeStatus::kUnknown),
                                {.event = E::kClose, .reason = ClosureReason::kMovedOn}, kNow),
                rules::kCloseRequires);
}

TEST(RuleCloseRequires, ClosesTrajectory_ClosingAndRouteDAndNothingElse) {
  for (const E event : TrajectoryMachine().events) {
    const bool closes = event == E::kClose || event == E::kDecideRouteD;
    EXPECT_EQ(ClosesTrajectory(event), closes) << ToString(event);
  }
}

TEST(Deadlines, NextDeadline_IsTheEarliestOpenTaskOrDateOfTheRoute_NotAReminder) {
  const Instant end = AddMonths(kNow, 3);
  // A running reflection period: its reminders come first, but the date
  // the coordinator keeps is the period's end.
  std::vector<UpcomingDate> dates = {
      {"reflection.ends_in_14_days", AddDays(end, -14), false},
      {"reflection.ends_in_3_days", AddDays(end, -3), false},
      {"reflection.expiry", end, false},
  };
  auto next = NextDeadline(dates);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->kind, "reflection.expiry");
  EXPECT_EQ(next->due, end);
  // Her 18th birthday before it is the next date of her route.
  dates.push_back({"age.turns_18", AddDays(kNow, 30), false});
  EXPECT_EQ(NextDeadline(dates)->kind, "age.turns_18");
  // An open task is work due now, whatever its kind: it comes first.
  dates.push_back({"reflection.expires_in_14_days", AddDays(kNow, -1), true});
  next = NextDeadline(dates);
  EXPECT_EQ(next->kind, "reflection.expires_in_14_days");
  EXPECT_TRUE(next->open_task);
  EXPECT_FALSE(NextDeadline({{"reflection.ends_in_3_days", kNow, false}}).has_value())
      << "a reminder alone is no deadline";
  EXPECT_FALSE(NextDeadline({}).has_value());
  for (const std::string_view kind : {"route_c.follow_up", "permit.renewal_due"}) {
    EXPECT_TRUE(NextDeadline({{std::string(kind), kNow, false}}).has_value()) << kind;
  }
}

TEST(RuleCloseRequires, KeepsTrajectoryOpen_APlacementAskedForOrHoldingBeds) {
  EXPECT_TRUE(KeepsTrajectoryOpen(PlacementState::kRequested));
  EXPECT_TRUE(KeepsTrajectoryOpen(PlacementState::kPlaced));
  EXPECT_TRUE(KeepsTrajectoryOpen(PlacementState::kOverdue));
  EXPECT_FALSE(KeepsTrajectoryOpen(PlacementState::kEnded));
  EXPECT_FALSE(KeepsTrajectoryOpen(PlacementState::kCancelled));
  EXPECT_TRUE(IsUnanswered(HandoffState::kSent));
  EXPECT_FALSE(IsUnanswered(HandoffState::kAccepted));
}

TEST(RuleStateOrder, CheckTaskOpen_ATaskIsDoneOnce) {
  EXPECT_FALSE(CheckTaskOpen(TaskState::kOpen));
  const auto again = CheckTaskOpen(TaskState::kDone);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->rule, rules::kStateOrder);
}

TEST(RuleStateOrder, TimerTrack_ACancelEndsItsTrackOrEveryTimerOfTheTrajectory) {
  EXPECT_EQ(TimerTrack("reflection.decided"), "reflection");
  EXPECT_EQ(TimerTrack("age.date_of_birth_corrected"), "age");
  EXPECT_EQ(TimerTrack("route_c.follow_up"), "route_c");
  EXPECT_EQ(TimerTrack("trajectory.closed"), "");
  EXPECT_EQ(TimerTrack("placement.ended"), "placement");
}

TEST(RuleReopen, AClosedTrajectoryReopensForRepeatVictimisation) {
  auto t = Trajectory(S::kClosed, AgeStatus::kConfirmedAdult, ScreeningOutcome::kPossibleVictim);
  t.closure_reason = ClosureReason::kContactLost;
  const auto reopened = ApplyTrajectory(t, {E::kReopen}, kNow);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened.value().next.state, S::kRegistered);
  EXPECT_FALSE(reopened.value().next.screening.has_value()) << "screened afresh";
}

TEST(RuleReopen, ReopenTrajectory_BringsBackTheTimersOfARunningReflectionPeriod) {
  auto t = Trajectory(S::kClosed, AgeStatus::kConfirmedAdult, ScreeningOutcome::kPossibleVictim);
  t.closure_reason = ClosureReason::kContactLost;
  ReflectionSnapshot period;
  period.trajectory_id = "t-1";
  period.state = ReflectionState::kRunning;
  period.ends_at = kNow + days{10};
  const auto reopened = ReopenTrajectory(t, period, kNow);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened.value().next.state, S::kRegistered);
  EXPECT_EQ(reopened.value().actions, ReflectionTimers(period, kNow));
  // No period, or one decided: nothing to bring back.
  EXPECT_TRUE(ReopenTrajectory(t, std::nullopt, kNow).value().actions.empty());
  period.state = ReflectionState::kDecided;
  EXPECT_TRUE(ReopenTrajectory(t, period, kNow).value().actions.empty());
  // Refused as the machine refuses it.
  t.closure_reason = ClosureReason::kDeceased;
  ExpectRefused(ReopenTrajectory(t, period, kNow), rules::kReopen);
}

TEST(RuleReopen, NotAfterDeath) {
  auto t = Trajectory(S::kClosed, AgeStatus::kConfirmedAdult);
  t.closure_reason = ClosureReason::kDeceased;
  ExpectRefused(ApplyTrajectory(t, {E::kReopen}, kNow), rules::kReopen);
}

TEST(RuleReopen, LinksAnotherTrajectoryOnceAndNeverItself) {
  const auto t = Trajectory(S::kClosed, AgeStatus::kConfirmedAdult);
  TrajectoryCommand link_self{E::kLink};
  link_self.linked_id = "t-1";
  ExpectRefused(ApplyTrajectory(t, link_self, kNow), rules::kReopen);
  TrajectoryCommand link_other{E::kLink};
  link_other.linked_id = "t-2";
  const auto linked = ApplyTrajectory(t, link_other, kNow);
  ASSERT_TRUE(linked.ok());
  const auto again = ApplyTrajectory(linked.value().next, link_other, kNow);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value().next.linked, std::vector<std::string>{"t-2"});
}

// --- consent and disclosure ---------------------------------------------------------

ConsentRecord LegalAidConsent(ConsentState state) {
  ConsentRecord c;
  c.id = "c-1";
  c.state = state;
  c.recipient_organisation = "advocatenkantoor-demo";
  c.categories = {DataCategory::kIdentity, DataCategory::kResidenceStatus};
  c.purpose = Purpose::kLegalAid;
  c.method = ConsentMethod::kWritten;
  c.valid_from = kNow - days{10};
  c.valid_until = kNow + days{80};
  return c;
}

DisclosureQuery LawyerAsks(DataCategory category, Instant at = kNow) {
  return {"advocatenkantoor-demo", OrganisationType::kLegalAid, category, Purpose::kLegalAid, at};
}

TEST(RuleConsentDefaultDeny, NothingRecordedMeansDenied) {
  const auto d = DecideDisclosure({}, {}, LawyerAsks(DataCategory::kIdentity));
  EXPECT_FALSE(d.permitted);
  EXPECT_EQ(d.rule, rules::kConsentDefaultDeny);
  EXPECT_EQ(d.reason, "no consent");
}

TEST(RuleConsentDefaultDeny, AGrantedConsentPermitsExactlyItsScope) {
  const std::vector consents = {LegalAidConsent(ConsentState::kGranted)};
  const auto yes = DecideDisclosure(consents, {}, LawyerAsks(DataCategory::kIdentity));
  EXPECT_TRUE(yes.permitted);
  EXPECT_EQ(yes.basis, BasisKind::kConsent);
  EXPECT_EQ(yes.basis_id, "c-1");
  EXPECT_FALSE(DecideDisclosure(consents, {}, LawyerAsks(DataCategory::kHealth)).permitted);
  auto other_purpose = LawyerAsks(DataCategory::kIdentity);
  other_purpose.purpose = Purpose::kCriminalInvestigation;
  EXPECT_FALSE(DecideDisclosure(consents, {}, other_purpose).permitted);
  auto other_org = LawyerAsks(DataCategory::kIdentity);
  other_org.recipient_organisation = "ander-kantoor";
  EXPECT_FALSE(DecideDisclosure(consents, {}, other_org).permitted);
  EXPECT_FALSE(DecideDisclosure(consents, {}, LawyerAsks(DataCategory::kIdentity, kNow + days{80}))
                   .permitted);
  EXPECT_FALSE(DecideDisclosure(consents, {}, LawyerAsks(DataCategory::kIdentity, kNow - days{11}))
                   .permitted);
}

TEST(RuleConsentDefaultDeny, UnknownCategoryIsDenied) {
  auto consent = LegalAidConsent(ConsentState::kGranted);
  consent.categories.insert(DataCategory::kUnknown);
  const std::vector consents = {consent};
  const auto d = DecideDisclosure(consents, {}, LawyerAsks(DataCategory::kUnknown));
  EXPECT_FALSE(d.permitted);
  EXPECT_EQ(d.reason, "unknown data category");
}

TEST(RuleConsentDefaultDeny, RefusedProposedAndExpiredNeverPermit) {
  for (const auto state : {ConsentState::kRefused, ConsentState::kProposed, ConsentState::kExpired,
                           ConsentState::kSuperseded}) {
    const std::vector consents = {LegalAidConsent(state)};
    EXPECT_FALSE(DecideDisclosure(consents, {}, LawyerAsks(DataCategory::kIdentity)).permitted)
        << ToString(state);
  }
}

TEST(RuleConsentComplete, AProposalNamesRecipientCategoriesPurposeMethodAndPeriod) {
  auto c = LegalAidConsent(ConsentState::kProposed);
  EXPECT_TRUE(ProposeConsent(c, AgeStatus::kConfirmedAdult, kNow).ok());
  auto no_recipient = c;
  no_recipient.recipient_organisation.clear();
  ExpectRefused(ProposeConsent(no_recipient, AgeStatus::kConfirmedAdult, kNow),
                rules::kConsentComplete);
  auto no_categories = c;
  no_categories.categories.clear();
  ExpectRefused(ProposeConsent(no_categories, AgeStatus::kConfirmedAdult, kNow),
                rules::kConsentComplete);
  auto no_method = c;
  no_method.method = ConsentMethod::kUnspecified;
  ExpectRefused(ProposeConsent(no_method, AgeStatus::kConfirmedAdult, kNow),
                rules::kConsentComplete);
  auto backwards = c;
  backwards.valid_until = backwards.valid_from;
  ExpectRefused(ProposeConsent(backwards, AgeStatus::kConfirmedAdult, kNow),
                rules::kConsentComplete);
}

TEST(RuleConsentComplete, AGrantedConsentIsNeverEditedOnlyEnded) {
  // Granting again, or refusing a granted consent, is not in the table.
  ExpectRefused(ApplyConsent(LegalAidConsent(ConsentState::kGranted), ConsentEvent::kGrant, kNow),
                rules::kStateOrder);
  ExpectRefused(ApplyConsent(LegalAidConsent(ConsentState::kGranted), ConsentEvent::kRefuse, kNow),
                rules::kStateOrder);
}

TEST(RuleConsentGuardian, AGuardiansConsentHoldsOnlyWhileSheIsAMinor) {
  auto c = LegalAidConsent(ConsentState::kProposed);
  c.grantor = Grantor::kGuardian;
  // For an adult a guardian grants nothing.
  ExpectRefused(ProposeConsent(c, AgeStatus::kConfirmedAdult, kNow), rules::kConsentGuardian);
  // Valid until her 18th birthday at the latest.
  const Instant birthday = kNow + days{10};
  const auto proposed = ProposeConsent(c, AgeStatus::kMinor, kNow, birthday);
  ASSERT_TRUE(proposed.ok());
  EXPECT_EQ(proposed.value().valid_until, birthday);
  // Her minority ends: granted or proposed, it ends; her own consent stays.
  EXPECT_TRUE(EndsWithMinority(proposed.value()));
  auto granted = proposed.value();
  granted.state = ConsentState::kGranted;
  const auto ended = ApplyConsent(granted, ConsentEvent::kMinorityEnded, kNow);
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended.value().next.state, ConsentState::kExpired);
  auto own = LegalAidConsent(ConsentState::kGranted);
  EXPECT_FALSE(EndsWithMinority(own));
  ExpectRefused(ApplyConsent(own, ConsentEvent::kMinorityEnded, kNow), rules::kConsentGuardian);
  // The guardian is a child-protection organisation.
  EXPECT_FALSE(CheckGuardianOrganisation(OrganisationType::kChildProtection).has_value());
  ASSERT_TRUE(CheckGuardianOrganisation(OrganisationType::kMunicipality).has_value());
  EXPECT_EQ(CheckGuardianOrganisation(OrganisationType::kMunicipality)->rule,
            rules::kConsentGuardian);
}

TEST(RuleConsentGuardian, ForAMinorTheGuardianGrants) {
  auto c = LegalAidConsent(ConsentState::kProposed);
  ExpectRefused(ProposeConsent(c, AgeStatus::kMinor, kNow), rules::kConsentGuardian);
  ExpectRefused(ProposeConsent(c, AgeStatus::kDoubted, kNow), rules::kConsentGuardian);
  c.grantor = Grantor::kGuardian;
  EXPECT_TRUE(ProposeConsent(c, AgeStatus::kMinor, kNow).ok());
}

TEST(RuleWithdrawalImmediate, TheNextDisclosureIsDeniedAndHandoffsRevoked) {
  const auto withdrawn =
      ApplyConsent(LegalAidConsent(ConsentState::kGranted), ConsentEvent::kWithdraw, kNow);
  ASSERT_TRUE(withdrawn.ok());
  EXPECT_EQ(Kinds(withdrawn.value().actions),
            (std::vector{ConsentActionKind::kCancelTimers, ConsentActionKind::kRevokeHandoffs,
                         ConsentActionKind::kNotifyRecipient}));
  const std::vector consents = {withdrawn.value().next};
  // Denied even for a moment inside the original validity.
  const auto d = DecideDisclosure(consents, {}, LawyerAsks(DataCategory::kIdentity, kNow));
  EXPECT_FALSE(d.permitted);
  EXPECT_EQ(d.rule, rules::kWithdrawalImmediate);
  EXPECT_EQ(d.reason, "consent withdrawn");
}

OverrideRecord PoliceOverride(OverrideState state, bool acute) {
  OverrideRecord o;
  o.id = "o-1";
  o.state = state;
  o.basis = LegalBasis::kVitalInterest;
  o.acute_danger = acute;
  o.justification = "pooier gesignaleerd bij de opvang";
  o.recipient_organisation = "politie-avim-rotterdam";
  o.recipient_type = OrganisationType::kPolice;
  o.categories = {DataCategory::kLocation, DataCategory::kIdentity};
  o.requested_by = {"essm-rotterdam", "coordinator-1"};
  o.requested_at = kNow - hours{1};
  o.expires_at = kNow + days{7};
  o.approval_due_at = kNow + hours{71};
  return o;
}

DisclosureQuery PoliceAsks(DataCategory category, Instant at = kNow) {
  return {"politie-avim-rotterdam", OrganisationType::kPolice, category,
          Purpose::kCriminalInvestigation, at};
}

TEST(RuleWithdrawalImmediate, AnOverrideNeverActedOnTakesNoHandoffsBack) {
  auto revokes = [](const Result<OverrideOutcome>& result) {
    EXPECT_TRUE(result.ok());
    for (const auto& action : result.value().actions) {
      if (action.kind == ConsentActionKind::kRevokeHandoffs) {
        return true;
      }
    }
    return false;
  };
  const Person second{"essm-rotterdam", "coordinator-2"};
  // Requested, never approved: revoking or letting it expire leaves the
  // handoffs sent on a consent alone.
  EXPECT_FALSE(revokes(ApplyOverride(PoliceOverride(OverrideState::kRequested, false),
                                     OverrideEvent::kRevoke, second, kNow)));
  auto requested = PoliceOverride(OverrideState::kRequested, false);
  requested.expires_at = kNow;
  EXPECT_FALSE(revokes(ApplyOverride(requested, OverrideEvent::kExpire, second, kNow)));
  // Acting or approved: what it let out is taken back.
  EXPECT_TRUE(revokes(ApplyOverride(PoliceOverride(OverrideState::kActivePendingApproval, true),
                                    OverrideEvent::kRevoke, second, kNow)));
  EXPECT_TRUE(revokes(ApplyOverride(PoliceOverride(OverrideState::kActive, false),
                                    OverrideEvent::kRevoke, second, kNow)));
  auto active = PoliceOverride(OverrideState::kActive, false);
  active.expires_at = kNow;
  EXPECT_TRUE(revokes(ApplyOverride(active, OverrideEvent::kExpire, second, kNow)));
}

TEST(RuleOverrideComplete, BasisJustificationRecipientCategoriesAndExpiry) {
  auto o = PoliceOverride(OverrideState::kRequested, false);
  EXPECT_TRUE(RequestOverride(o, AgeStatus::kConfirmedAdult, kNow).ok());
  auto no_reason = o;
  no_reason.justification.clear();
  ExpectRefused(RequestOverride(no_reason, AgeStatus::kConfirmedAdult, kNow),
                rules::kOverrideComplete);
  auto expired = o;
  expired.expires_at = kNow;
  ExpectRefused(RequestOverride(expired, AgeStatus::kConfirmedAdult, kNow),
                rules::kOverrideComplete);
}

TEST(RuleOverrideFourEyes, TheRequesterCannotApprove) {
  const auto o = PoliceOverride(OverrideState::kRequested, false);
  ExpectRefused(ApplyOverride(o, OverrideEvent::kApprove, o.requested_by, kNow),
                rules::kOverrideFourEyes);
  ExpectRefused(
      ApplyOverride(o, OverrideEvent::kApprove, {"gemeente-rotterdam", "coordinator-2"}, kNow),
      rules::kOverrideFourEyes);
  const auto approved =
      ApplyOverride(o, OverrideEvent::kApprove, {"essm-rotterdam", "coordinator-2"}, kNow);
  ASSERT_TRUE(approved.ok());
  EXPECT_EQ(approved.value().next.state, OverrideState::kActive);
}

TEST(RuleOverrideFourEyes, AwaitingApproval_IsWhatASecondCoordinatorMayStillApprove) {
  EXPECT_TRUE(AwaitsApproval(OverrideState::kRequested));
  EXPECT_TRUE(AwaitsApproval(OverrideState::kActivePendingApproval));
  for (const auto state : {OverrideState::kActive, OverrideState::kRejected,
                           OverrideState::kExpired, OverrideState::kRevoked}) {
    EXPECT_FALSE(AwaitsApproval(state)) << ToString(state);
  }
}

TEST(RuleOverrideFourEyes, APendingOverridePermitsNothing) {
  const std::vector overrides = {PoliceOverride(OverrideState::kRequested, false)};
  const auto d = DecideDisclosure({}, overrides, PoliceAsks(DataCategory::kIdentity));
  EXPECT_FALSE(d.permitted);
  EXPECT_EQ(d.rule, rules::kOverrideFourEyes);
  const std::vector active = {PoliceOverride(OverrideState::kActive, false)};
  const auto yes = DecideDisclosure({}, active, PoliceAsks(DataCategory::kIdentity));
  EXPECT_TRUE(yes.permitted);
  EXPECT_EQ(yes.basis, BasisKind::kOverride);
  EXPECT_FALSE(yes.flagged);
}

TEST(RuleOverrideAcute72h, AcuteDangerActsAtOnceFlaggedUntilApproved) {
  const auto requested = RequestOverride(PoliceOverride(OverrideState::kRequested, true),
                                         AgeStatus::kConfirmedAdult, kNow);
  ASSERT_TRUE(requested.ok());
  const OverrideRecord& o = requested.value().next;
  EXPECT_EQ(o.state, OverrideState::kActivePendingApproval);
  EXPECT_EQ(o.approval_due_at, kNow + hours{72});
  const std::vector overrides = {o};
  const auto d = DecideDisclosure({}, overrides, PoliceAsks(DataCategory::kLocation));
  EXPECT_TRUE(d.permitted);
  EXPECT_TRUE(d.flagged);
  // After 72 hours without approval it permits nothing and lapses.
  EXPECT_FALSE(
      DecideDisclosure({}, overrides, PoliceAsks(DataCategory::kLocation, kNow + hours{72}))
          .permitted);
  ExpectRefused(ApplyOverride(o, OverrideEvent::kApprovalLapse, {}, kNow + hours{71}),
                rules::kOverrideAcute72h);
  EXPECT_TRUE(ApplyOverride(o, OverrideEvent::kApprovalLapse, {}, kNow + hours{72}).ok());
}

TEST(RuleOverrideAcute72h, OnlyVitalInterestMayActBeforeApproval) {
  auto o = PoliceOverride(OverrideState::kRequested, true);
  o.basis = LegalBasis::kLegalObligation;
  ExpectRefused(RequestOverride(o, AgeStatus::kConfirmedAdult, kNow), rules::kOverrideAcute72h);
}

TEST(RuleOverrideAcute72h, AnExpiredOverridePermitsNothing) {
  const std::vector overrides = {PoliceOverride(OverrideState::kActive, false)};
  EXPECT_FALSE(DecideDisclosure({}, overrides, PoliceAsks(DataCategory::kIdentity, kNow + days{7}))
                   .permitted);
}

TEST(RuleOverrideChildProtection, OnlyForAChildTowardsChildProtection) {
  OverrideRecord o;
  o.id = "o-2";
  o.basis = LegalBasis::kChildProtection;
  o.justification = "Meldcode: melding Veilig Thuis";
  o.recipient_organisation = "nidos";
  o.recipient_type = OrganisationType::kChildProtection;
  o.categories = {DataCategory::kIdentity};
  o.requested_by = {"essm-rotterdam", "coordinator-1"};
  o.expires_at = kNow + days{30};
  EXPECT_TRUE(RequestOverride(o, AgeStatus::kDoubted, kNow).ok());
  ExpectRefused(RequestOverride(o, AgeStatus::kConfirmedAdult, kNow),
                rules::kOverrideChildProtection);
  o.recipient_type = OrganisationType::kPolice;
  ExpectRefused(RequestOverride(o, AgeStatus::kMinor, kNow), rules::kOverrideChildProtection);
}

TEST(RuleLocationSecret, ATypeWideConsentNeverRevealsTheLocation) {
  ConsentRecord c = LegalAidConsent(ConsentState::kGranted);
  c.recipient_organisation.clear();
  c.recipient_type = OrganisationType::kLegalAid;
  c.categories = {DataCategory::kLocation, DataCategory::kIdentity};
  const std::vector consents = {c};
  EXPECT_TRUE(DecideDisclosure(consents, {}, LawyerAsks(DataCategory::kIdentity)).permitted);
  const auto d = DecideDisclosure(consents, {}, LawyerAsks(DataCategory::kLocation));
  EXPECT_FALSE(d.permitted);
  EXPECT_EQ(d.rule, rules::kLocationSecret);
  auto proposal = c;
  proposal.state = ConsentState::kProposed;
  ExpectRefused(ProposeConsent(proposal, AgeStatus::kConfirmedAdult, kNow), rules::kLocationSecret);
}

TEST(RuleLocationSecret, ANamedRecipientMayReceiveTheLocation) {
  ConsentRecord c = LegalAidConsent(ConsentState::kGranted);
  c.categories = {DataCategory::kLocation};
  const std::vector consents = {c};
  EXPECT_TRUE(DecideDisclosure(consents, {}, LawyerAsks(DataCategory::kLocation)).permitted);
}

// The consent matrix shows in each cell what the disclosure rules would go
// by: the newest consent she gave that names the cell, else her newest
// word on it; a type-wide consent never names the location.
TEST(RuleLocationSecret, TheConsentMatrixShowsWhatTheRulesGoBy) {
  ConsentRecord given = LegalAidConsent(ConsentState::kGranted);
  ConsentRecord refused_later = LegalAidConsent(ConsentState::kRefused);
  refused_later.purpose = Purpose::kCriminalInvestigation;
  ConsentRecord superseded = LegalAidConsent(ConsentState::kSuperseded);
  superseded.categories = {DataCategory::kHealth};
  ConsentRecord type_wide = LegalAidConsent(ConsentState::kGranted);
  type_wide.recipient_organisation.clear();
  type_wide.recipient_type = OrganisationType::kLegalAid;
  type_wide.categories = {DataCategory::kLocation, DataCategory::kChildren};
  const std::vector newest_first = {refused_later, superseded, type_wide, given};
  const auto cell = [&](const std::string& org, OrganisationType type, DataCategory category) {
    return MatrixCell(newest_first, org, type, category);
  };
  // The consent she gave stands beside a later refusal for another purpose.
  EXPECT_EQ(cell("advocatenkantoor-demo", OrganisationType::kLegalAid, DataCategory::kIdentity),
            3u);
  // A superseded record is no word on the cell.
  EXPECT_EQ(cell("advocatenkantoor-demo", OrganisationType::kLegalAid, DataCategory::kHealth),
            std::nullopt);
  // Type-wide: every lawyer's office, for the children, never the location.
  EXPECT_EQ(cell("ander-kantoor", OrganisationType::kLegalAid, DataCategory::kChildren), 2u);
  EXPECT_EQ(cell("ander-kantoor", OrganisationType::kLegalAid, DataCategory::kLocation),
            std::nullopt);
  EXPECT_EQ(cell("nidos", OrganisationType::kChildProtection, DataCategory::kChildren),
            std::nullopt);
  // Only refused: the refusal is the word on it.
  const std::vector only_refused = {refused_later};
  EXPECT_EQ(MatrixCell(only_refused, "advocatenkantoor-demo", OrganisationType::kLegalAid,
                       DataCategory::kIdentity),
            0u);
}

TEST(RuleHandoffAnswer, ADeclineHasAReason) {
  HandoffSnapshot h;
  h.state = HandoffState::kSent;
  ExpectRefused(ApplyHandoff(h, {HandoffEvent::kDecline}, kNow), rules::kHandoffAnswer);
  EXPECT_TRUE(ApplyHandoff(h, {HandoffEvent::kDecline, "geen plek"}, kNow).ok());
}

TEST(RuleHandoffAnswer, ExpiresOnlyWhenTheAnswerIsDue) {
  HandoffSnapshot draft;
  draft.id = "h-1";
  const auto sent = ApplyHandoff(draft, {HandoffEvent::kSend}, kNow, {.answer_days = 3});
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent.value().next.answer_due_at, AddDays(kNow, 3));
  ExpectRefused(ApplyHandoff(sent.value().next, {HandoffEvent::kExpire}, AddDays(kNow, 2)),
                rules::kHandoffAnswer);
  const auto expired = ApplyHandoff(sent.value().next, {HandoffEvent::kExpire}, AddDays(kNow, 3));
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(expired.value().actions[0].what, "handoff.unanswered");
}

// --- every rule has its suite ---------------------------------------------------------

std::string SuiteName(std::string_view id) {
  std::string name = "Rule";
  bool start = true;
  for (const char c : id.substr(2)) {  // drop "R-"
    if (c == '-') {
      start = true;
      continue;
    }
    name.push_back(start ? static_cast<char>(std::toupper(c)) : static_cast<char>(std::tolower(c)));
    start = false;
  }
  return name;
}

TEST(RuleCatalogue, EveryRuleHasATestSuiteNamedAfterIt) {
  std::set<std::string> suites;
  const auto* unit_test = ::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit_test->total_test_suite_count(); ++i) {
    suites.insert(unit_test->GetTestSuite(i)->name());
  }
  for (const Rule& rule : AllRules()) {
    EXPECT_TRUE(suites.contains(SuiteName(rule.id)))
        << rule.id << " has no test suite " << SuiteName(rule.id);
  }
}

}  // namespace
}  // namespace ketenregie::workflow

namespace ketenregie::workflow {
namespace {

TEST(RuleAccessRole, OnlyCareCoordinatorsManageTrajectories) {
  const Principal coordinator{OrganisationType::kCareCoordination, {Role::kCoordinator}};
  EXPECT_FALSE(CheckAccess(coordinator, Operation::kManageTrajectory).has_value());
  EXPECT_FALSE(CheckAccess(coordinator, Operation::kReadTrajectory).has_value());
  // A coordinator role at another kind of organisation is not enough.
  const Principal municipal{OrganisationType::kMunicipality, {Role::kCoordinator}};
  const auto refused = CheckAccess(municipal, Operation::kManageTrajectory);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->rule, rules::kAccessRole);
  const Principal meldpunt{OrganisationType::kCareCoordination, {Role::kMeldpunt}};
  EXPECT_TRUE(CheckAccess(meldpunt, Operation::kManageTrajectory).has_value());
  EXPECT_FALSE(CheckAccess(meldpunt, Operation::kRecordSignal).has_value());
}

TEST(RuleAccessRole, ServiceMethodsOnlyForServices) {
  const Principal shelter_service{OrganisationType::kService, {Role::kService}};
  EXPECT_FALSE(CheckAccess(shelter_service, Operation::kReadEligibilityFacts).has_value());
  EXPECT_TRUE(CheckAccess(shelter_service, Operation::kManageTrajectory).has_value());
  const Principal coordinator{OrganisationType::kCareCoordination, {Role::kCoordinator}};
  EXPECT_TRUE(CheckAccess(coordinator, Operation::kReadDisclosureSections).has_value());
  // Packet sections (a shelter's address among them) only for the one
  // service that assembles packets, not for every service.
  EXPECT_TRUE(CheckAccess(shelter_service, Operation::kReadDisclosureSections).has_value());
  const Principal handoff_service{OrganisationType::kService,
                                  {Role::kService, Role::kPacketAssembler}};
  EXPECT_FALSE(CheckAccess(handoff_service, Operation::kReadDisclosureSections).has_value());
  const Principal nobody{OrganisationType::kCareCoordination, {}};
  EXPECT_TRUE(CheckAccess(nobody, Operation::kReadSignals).has_value());
}

TEST(RuleDirectoryOwnOrganisation, AnAdministratorManagesTheirOwnOrganisationsUsersOnly) {
  EXPECT_FALSE(CheckManagesOrganisation("essm-rotterdam", "essm-rotterdam"));
  const auto other = CheckManagesOrganisation("essm-rotterdam", "gemeente-rotterdam");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->rule, rules::kDirectoryOwnOrganisation);
  EXPECT_TRUE(CheckManagesOrganisation("", ""));
  // Managing users is the administrator's, of an organisation of people.
  const Principal admin{OrganisationType::kMunicipality, {Role::kOrganisationAdministrator}};
  EXPECT_FALSE(CheckAccess(admin, Operation::kManageUsers));
  EXPECT_TRUE(CheckAccess({OrganisationType::kCareCoordination, {Role::kCoordinator}},
                          Operation::kManageUsers));
  EXPECT_TRUE(CheckAccess({OrganisationType::kService, {Role::kOrganisationAdministrator}},
                          Operation::kManageUsers));
  EXPECT_TRUE(CheckAccess(admin, Operation::kReadDirectory));
  EXPECT_FALSE(
      CheckAccess({OrganisationType::kService, {Role::kService}}, Operation::kReadDirectory));
  // The chain's organisations (no users): anyone of an organisation of
  // people, to choose a recipient; not a service, not the gateway itself.
  EXPECT_FALSE(
      CheckAccess({OrganisationType::kLegalAid, {Role::kPartner}}, Operation::kReadOrganisations));
  EXPECT_FALSE(CheckAccess({OrganisationType::kCareCoordination, {Role::kCoordinator}},
                           Operation::kReadOrganisations));
  EXPECT_TRUE(
      CheckAccess({OrganisationType::kService, {Role::kService}}, Operation::kReadOrganisations));
  EXPECT_TRUE(CheckAccess({OrganisationType::kGateway, {Role::kLoginGateway}},
                          Operation::kReadOrganisations));
  // An administrator is nothing more: no trajectory, no audit trail.
  EXPECT_TRUE(CheckAccess({OrganisationType::kCareCoordination, {Role::kOrganisationAdministrator}},
                          Operation::kReadTrajectory));
}

TEST(RuleDirectoryRoles, EveryRoleFitsOnlyItsKindsOfOrganisation) {
  using T = OrganisationType;
  EXPECT_TRUE(RoleFits(T::kCareCoordination, Role::kCoordinator));
  EXPECT_FALSE(RoleFits(T::kMunicipality, Role::kCoordinator));
  EXPECT_TRUE(RoleFits(T::kCareCoordination, Role::kMeldpunt));
  EXPECT_FALSE(RoleFits(T::kPolice, Role::kPrivacyOfficer));
  for (const T shelter : {T::kCrisisShelter, T::kCategoricalShelter, T::kFollowUpShelter}) {
    EXPECT_TRUE(RoleFits(shelter, Role::kShelterStaff));
  }
  EXPECT_FALSE(RoleFits(T::kLegalAid, Role::kShelterStaff));
  for (const T people :
       {T::kCareCoordination, T::kMunicipality, T::kPolice, T::kCrisisShelter, T::kLegalAid,
        T::kCareProvider, T::kChildProtection, T::kNationalRegistry}) {
    EXPECT_TRUE(RoleFits(people, Role::kPartner));
    EXPECT_TRUE(RoleFits(people, Role::kOrganisationAdministrator));
    EXPECT_FALSE(RoleFits(people, Role::kService)) << ToString(people);
    EXPECT_FALSE(RoleFits(people, Role::kPacketAssembler));
  }
  EXPECT_TRUE(RoleFits(T::kService, Role::kService));
  EXPECT_TRUE(RoleFits(T::kService, Role::kPacketAssembler));
  EXPECT_FALSE(RoleFits(T::kService, Role::kOrganisationAdministrator));
  EXPECT_FALSE(RoleFits(T::kGateway, Role::kPartner));
  EXPECT_TRUE(RoleFits(T::kGateway, Role::kLoginGateway));
  EXPECT_FALSE(RoleFits(T::kService, Role::kLoginGateway));
  EXPECT_FALSE(RoleFits(T::kCareCoordination, Role::kLoginGateway));
  EXPECT_FALSE(RoleFits(T::kUnknown, Role::kPartner));

  EXPECT_FALSE(CheckRolesFor(T::kMunicipality, {Role::kPartner, Role::kOrganisationAdministrator}));
  const auto none = CheckRolesFor(T::kMunicipality, {});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->rule, rules::kDirectoryRoles);
  const auto misfit = CheckRolesFor(T::kMunicipality, {Role::kPartner, Role::kCoordinator});
  ASSERT_TRUE(misfit);
  EXPECT_EQ(misfit->rule, rules::kDirectoryRoles);
  EXPECT_NE(misfit->message.find("coordinator"), std::string::npos);
}

TEST(RuleDirectoryLastAdministrator, TheLastActiveAdministratorStays) {
  EXPECT_FALSE(CheckKeepsAnAdministrator(2, 1));
  EXPECT_FALSE(CheckKeepsAnAdministrator(1, 1));
  EXPECT_FALSE(CheckKeepsAnAdministrator(0, 0));  // an organisation that never had one
  EXPECT_FALSE(CheckKeepsAnAdministrator(0, 1));
  const auto last = CheckKeepsAnAdministrator(1, 0);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->rule, rules::kDirectoryLastAdministrator);
}

TEST(RuleAccessGateway, OnlyTheGatewayActsOnBehalfAndOnlyForOrganisationsOfPeople) {
  using enum OrganisationType;
  // A direct call: nobody asks to act for another organisation.
  EXPECT_FALSE(CheckOnBehalfOf(kCareCoordination, std::nullopt).has_value());
  EXPECT_FALSE(CheckOnBehalfOf(kService, std::nullopt).has_value());
  // The gateway through which people call: for each organisation of people.
  for (const auto type :
       {kCareCoordination, kMunicipality, kPolice, kCrisisShelter, kCategoricalShelter,
        kFollowUpShelter, kLegalAid, kCareProvider, kChildProtection, kNationalRegistry}) {
    EXPECT_FALSE(CheckOnBehalfOf(kGateway, type).has_value()) << ToString(type);
  }
  // Anyone else who asks, even a Ketenregie service, is refused.
  for (const auto peer : {kCareCoordination, kPolice, kService, kUnknown}) {
    const auto refused = CheckOnBehalfOf(peer, kCareCoordination);
    ASSERT_TRUE(refused.has_value()) << ToString(peer);
    EXPECT_EQ(refused->rule, rules::kAccessGateway);
  }
  // The gateway is nobody itself, and never a service or another gateway.
  for (const auto target : std::initializer_list<std::optional<OrganisationType>>{
           std::nullopt, kService, kGateway, kUnknown}) {
    const auto refused = CheckOnBehalfOf(kGateway, target);
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->rule, rules::kAccessGateway);
  }
  // Nor does a gateway's principal pass for a service's.
  EXPECT_TRUE(CheckAccess({kGateway, {Role::kService}}, Operation::kReadEvents).has_value());
}

TEST(RuleAccessGateway, TheGatewayChecksLoginsAsItself_AndNothingElse) {
  using enum OrganisationType;
  // A login is checked before anyone is logged in: for nobody.
  EXPECT_FALSE(CheckOnBehalfOf(kGateway, std::nullopt, /*gateways_own=*/true).has_value());
  const auto for_someone = CheckOnBehalfOf(kGateway, kCareCoordination, /*gateways_own=*/true);
  ASSERT_TRUE(for_someone.has_value());
  EXPECT_EQ(for_someone->rule, rules::kAccessGateway);
  // Only the gateway's own principal checks logins.
  const Principal gateway{kGateway, {Role::kLoginGateway}};
  EXPECT_FALSE(CheckAccess(gateway, Operation::kAuthenticate).has_value());
  for (const Principal& other :
       {Principal{kCareCoordination, {Role::kCoordinator}}, Principal{kService, {Role::kService}},
        Principal{kGateway, {Role::kPartner}}}) {
    EXPECT_TRUE(CheckAccess(other, Operation::kAuthenticate).has_value());
  }
  // And it may do nothing else as itself.
  for (const Operation operation : AllOperations()) {
    EXPECT_EQ(CheckAccess(gateway, operation).has_value(), operation != Operation::kAuthenticate)
        << ToString(operation);
    EXPECT_EQ(IsGatewaysOwn(operation), operation == Operation::kAuthenticate);
  }
}

TEST(RuleAccessRole, ShelterStaffRunTheirOwnShelterPoliceAndCoordinatorsRequest) {
  const Principal staff{OrganisationType::kCrisisShelter, {Role::kShelterStaff}};
  const Principal police{OrganisationType::kPolice, {Role::kPartner}};
  const Principal coordinator{OrganisationType::kCareCoordination, {Role::kCoordinator}};
  const Principal municipality{OrganisationType::kMunicipality, {Role::kPartner}};
  EXPECT_FALSE(CheckAccess(staff, Operation::kRunPlacement).has_value());
  EXPECT_TRUE(CheckAccess(staff, Operation::kRequestPlacement).has_value());
  EXPECT_FALSE(CheckAccess(police, Operation::kRequestPlacement).has_value());
  EXPECT_FALSE(CheckAccess(coordinator, Operation::kRequestPlacement).has_value());
  EXPECT_TRUE(CheckAccess(municipality, Operation::kRequestPlacement).has_value());
  EXPECT_TRUE(CheckAccess(coordinator, Operation::kRunPlacement).has_value());
  EXPECT_FALSE(CheckAccess(coordinator, Operation::kReadOccupancy).has_value());
  // The police may ask for a bed, so they see the shelters (never an
  // address) they can ask with; other partners do not.
  EXPECT_FALSE(CheckAccess(police, Operation::kReadOccupancy).has_value());
  EXPECT_TRUE(CheckAccess(municipality, Operation::kReadOccupancy).has_value());
  EXPECT_FALSE(CheckOwnShelter("crisisopvang-rotterdam", "crisisopvang-rotterdam").has_value());
  EXPECT_TRUE(CheckOwnShelter("crisisopvang-utrecht", "crisisopvang-rotterdam").has_value());
}

TEST(RuleAccessRole, PlacementScopeOf_ServicesAllStaffTheirSheltersRequestersTheirRequests) {
  EXPECT_EQ(PlacementScopeOf({OrganisationType::kService, {Role::kService}}), PlacementScope::kAll);
  EXPECT_EQ(PlacementScopeOf({OrganisationType::kFollowUpShelter, {Role::kShelterStaff}}),
            PlacementScope::kOwnShelters);
  EXPECT_EQ(PlacementScopeOf({OrganisationType::kCareCoordination, {Role::kCoordinator}}),
            PlacementScope::kOwnRequests);
  EXPECT_EQ(PlacementScopeOf({OrganisationType::kPolice, {Role::kPartner}}),
            PlacementScope::kOwnRequests);
  // A lawyer, a municipality, a privacy officer, a service role at a
  // shelter: none.
  EXPECT_EQ(PlacementScopeOf({OrganisationType::kLegalAid, {Role::kPartner}}),
            PlacementScope::kNone);
  EXPECT_EQ(PlacementScopeOf({OrganisationType::kMunicipality, {Role::kPartner}}),
            PlacementScope::kNone);
  EXPECT_EQ(PlacementScopeOf({OrganisationType::kCareCoordination, {Role::kPrivacyOfficer}}),
            PlacementScope::kNone);
  EXPECT_EQ(PlacementScopeOf({OrganisationType::kCrisisShelter, {Role::kService}}),
            PlacementScope::kNone);
  // Who may read placements at all is who has a scope.
  EXPECT_FALSE(
      CheckAccess({OrganisationType::kPolice, {Role::kPartner}}, Operation::kReadPlacements));
  EXPECT_TRUE(
      CheckAccess({OrganisationType::kLegalAid, {Role::kPartner}}, Operation::kReadPlacements));
}

TEST(RuleAccessRole, CheckMayCancelPlacement_TheRequesterWithdrawsTheShelterDeclines) {
  const Principal coordinator{OrganisationType::kCareCoordination, {Role::kCoordinator}};
  const Principal police{OrganisationType::kPolice, {Role::kPartner}};
  const Principal staff{OrganisationType::kCrisisShelter, {Role::kShelterStaff}};
  EXPECT_FALSE(CheckMayCancelPlacement(coordinator, "essm", "essm", "co-rotterdam"));
  EXPECT_FALSE(CheckMayCancelPlacement(police, "avim", "avim", "co-rotterdam"));
  EXPECT_FALSE(CheckMayCancelPlacement(staff, "co-rotterdam", "essm", "co-rotterdam"));
  // Another coordinator's organisation, another shelter's staff: refused.
  const auto other = CheckMayCancelPlacement(coordinator, "essm-utrecht", "essm", "co-rotterdam");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->rule, rules::kAccessRole);
  EXPECT_TRUE(CheckMayCancelPlacement(staff, "co-utrecht", "essm", "co-rotterdam"));
  // A privacy officer of the requesting organisation may not ask for beds,
  // so she does not withdraw one either.
  EXPECT_TRUE(
      CheckMayCancelPlacement({OrganisationType::kCareCoordination, {Role::kPrivacyOfficer}},
                              "essm", "essm", "co-rotterdam"));
}

TEST(RuleAccessRole, EveryOperationHasOneNameThatReadsBack) {
  std::set<std::string_view> names;
  for (const Operation operation : AllOperations()) {
    const std::string_view name = NameOf(operation);
    EXPECT_TRUE(names.insert(name).second) << name << " names two operations";
    EXPECT_EQ(OperationNamed(name), operation) << name;
    EXPECT_NE(ToString(operation), "?");
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(Operation::kAuthenticate) + 1)
      << "an operation missing from the table";
  EXPECT_FALSE(OperationNamed("manage_trajectory"));
  EXPECT_FALSE(OperationNamed(""));
}

TEST(RuleAccessRole, AShelterIsRegisteredByAnOrganisationThatRunsThatKind) {
  EXPECT_FALSE(CheckShelterKindOfOperator(OrganisationType::kCrisisShelter, ShelterKind::kCrisis));
  EXPECT_FALSE(
      CheckShelterKindOfOperator(OrganisationType::kCategoricalShelter, ShelterKind::kCategorical));
  EXPECT_FALSE(
      CheckShelterKindOfOperator(OrganisationType::kFollowUpShelter, ShelterKind::kFollowUp));
  // A crisis shelter's staff registering a COSM place: refused.
  const auto refused =
      CheckShelterKindOfOperator(OrganisationType::kCrisisShelter, ShelterKind::kCategorical);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->rule, rules::kAccessRole);
  EXPECT_TRUE(CheckShelterKindOfOperator(OrganisationType::kFollowUpShelter, ShelterKind::kCrisis));
}

TEST(RuleAccessRole, ABedIsAskedByTheKeepersCoordinatorsOrThePolice) {
  PersonFacts person{AgeStatus::kConfirmedAdult, GenderIdentity::kWoman, 0, true, "essm-rotterdam"};
  EXPECT_FALSE(
      CheckPlacementRequester(OrganisationType::kCareCoordination, "essm-rotterdam", person)
          .has_value());
  EXPECT_TRUE(CheckPlacementRequester(OrganisationType::kCareCoordination, "essm-amsterdam", person)
                  .has_value());
  EXPECT_FALSE(CheckPlacementRequester(OrganisationType::kPolice, "politie-avim-rotterdam", person)
                   .has_value());
}

TEST(RuleAccessRole, OnlyTheKeeperActsForATrajectorysPerson) {
  EXPECT_FALSE(CheckOwnTrajectory("essm-rotterdam", "essm-rotterdam").has_value());
  const auto refused = CheckOwnTrajectory("essm-amsterdam", "essm-rotterdam");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->rule, rules::kAccessRole);
  EXPECT_TRUE(CheckOwnTrajectory("essm-rotterdam", "").has_value()) << "no keeper known: no one";
}

TEST(RuleAccessRole, NamesRoundTrip) {
  EXPECT_EQ(RoleFromString("coordinator"), Role::kCoordinator);
  EXPECT_FALSE(RoleFromString("admin").has_value());
  EXPECT_EQ(OrganisationTypeFromString("CARE_COORDINATION"), OrganisationType::kCareCoordination);
  EXPECT_EQ(OrganisationTypeFromString("SERVICE"), OrganisationType::kService);
  EXPECT_FALSE(OrganisationTypeFromString("UNKNOWN").has_value());
}

}  // namespace
}  // namespace ketenregie::workflow

namespace ketenregie::workflow {
namespace {

// --- R-LOGIN-PASSWORD -------------------------------------------------------

TEST(RuleLoginPassword, TwelveCharactersAreEnough_ElevenAreNot_NoCompositionRules) {
  EXPECT_FALSE(CheckNewPassword("paardenbloem", "j.devries").has_value());  // 12, lower case
  const auto short_one = CheckNewPassword("paardenbloe", "j.devries");
  ASSERT_TRUE(short_one.has_value());
  EXPECT_EQ(short_one->rule, rules::kLoginPassword);
  EXPECT_FALSE(CheckNewPassword(std::string(128, 'a'), "u").has_value());
  EXPECT_TRUE(CheckNewPassword(std::string(129, 'a'), "u").has_value());
}

TEST(RuleLoginPassword, CountsCharactersNotBytes) {
  // Eleven characters, 22 bytes: too short. Twelve: enough.
  EXPECT_TRUE(CheckNewPassword("ëëëëëëëëëëë", "u").has_value());
  EXPECT_FALSE(CheckNewPassword("ëëëëëëëëëëëë", "u").has_value());
  // 128 characters of three bytes each: still within the limit.
  std::string long_one;
  for (int i = 0; i < 128; ++i) {
    long_one += "€";
  }
  EXPECT_FALSE(CheckNewPassword(long_one, "u").has_value());
}

TEST(RuleLoginPassword, RefusesControlCharactersBrokenUtf8AndTheUsersOwnName) {
  EXPECT_TRUE(CheckNewPassword(std::string("paarden\nbloemen"), "u").has_value());
  EXPECT_TRUE(CheckNewPassword(std::string("paarden\0bloemen", 15), "u").has_value());
  EXPECT_TRUE(CheckNewPassword("paardenbloem\xC3", "u").has_value());          // cut short
  EXPECT_TRUE(CheckNewPassword("paardenbloem\xC0\xAF", "u").has_value());      // overlong
  EXPECT_TRUE(CheckNewPassword("paardenbloem\xED\xA0\x80", "u").has_value());  // surrogate
  EXPECT_TRUE(CheckNewPassword("coordinator-rotterdam", "coordinator-rotterdam").has_value());
  EXPECT_FALSE(CheckNewPassword("coordinator-rotterdam!", "coordinator-rotterdam").has_value());
}

// --- R-LOGIN-THROTTLE -------------------------------------------------------

Instant At(int seconds) { return Instant{} + std::chrono::seconds(1'800'000'000 + seconds); }

TEST(RuleLoginThrottle, FirstThreeFailuresCostNothing_ThenEachWaitDoubles) {
  const FailedLogins none;
  for (int count = 0; count <= kFreeFailures; ++count) {
    EXPECT_EQ(DecideLoginAttempt({count, At(0)}, none, At(0)).kind, LoginAttempt::Kind::kAllowed)
        << count;
  }
  for (const auto& [count, wait] : {std::pair{4, 1}, {5, 2}, {6, 4}, {7, 8}, {8, 16}, {9, 32}}) {
    const auto decision = DecideLoginAttempt({count, At(0)}, none, At(0));
    EXPECT_EQ(decision.kind, LoginAttempt::Kind::kWait) << count;
    EXPECT_EQ(decision.until, At(wait)) << count;
    EXPECT_FALSE(decision.by_address);
    // Once the wait is over, the attempt is checked.
    EXPECT_EQ(DecideLoginAttempt({count, At(0)}, none, At(wait)).kind, LoginAttempt::Kind::kAllowed)
        << count;
  }
  const auto refusal = RefusalOf(DecideLoginAttempt({5, At(0)}, none, At(1)));
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->rule, rules::kLoginThrottle);
  EXPECT_EQ(refusal->facts.front(),
            (std::pair<std::string, std::string>{"retry_at", FormatUtc(At(2))}));
}

TEST(RuleLoginThrottle, TenFailuresLockTheAccountForAnHour) {
  const auto locked = DecideLoginAttempt({kLockAfterFailures, At(0)}, {}, At(59 * 60));
  EXPECT_EQ(locked.kind, LoginAttempt::Kind::kLocked);
  EXPECT_EQ(locked.until, At(60 * 60));
  const auto refusal = RefusalOf(locked);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->rule, rules::kLoginThrottle);
  EXPECT_EQ(refusal->facts.front().first, "locked_until");
  // After the hour, or once the administrator unlocks (the count starts
  // again), the attempt is checked.
  EXPECT_EQ(DecideLoginAttempt({kLockAfterFailures, At(0)}, {}, At(60 * 60)).kind,
            LoginAttempt::Kind::kAllowed);
  EXPECT_EQ(DecideLoginAttempt({0, std::nullopt}, {}, At(1)).kind, LoginAttempt::Kind::kAllowed);
}

TEST(RuleLoginThrottle, ManyFailuresFromOneAddressSlowItDown_NeverLockIt) {
  const FailedLogins fine;
  EXPECT_EQ(DecideLoginAttempt(fine, {kAddressSlowAfter - 1, At(0)}, At(0)).kind,
            LoginAttempt::Kind::kAllowed);
  for (const int count : {kAddressSlowAfter, 1000}) {
    const auto decision = DecideLoginAttempt(fine, {count, At(0)}, At(10));
    EXPECT_EQ(decision.kind, LoginAttempt::Kind::kWait) << count;
    EXPECT_EQ(decision.until, At(30)) << count;
    EXPECT_TRUE(decision.by_address);
  }
}

TEST(RuleLoginThrottle, TheStrongerRefusalWins) {
  // A locked account stays locked whatever its address does.
  const auto both =
      DecideLoginAttempt({kLockAfterFailures, At(0)}, {kAddressSlowAfter, At(0)}, At(1));
  EXPECT_EQ(both.kind, LoginAttempt::Kind::kLocked);
  EXPECT_FALSE(both.by_address);
  // Two waits: the longer one.
  const auto waits = DecideLoginAttempt({4, At(0)}, {kAddressSlowAfter, At(0)}, At(0));
  EXPECT_EQ(waits.kind, LoginAttempt::Kind::kWait);
  EXPECT_EQ(waits.until, At(30));
  EXPECT_TRUE(waits.by_address);
}

// --- R-LOGIN-TWO-FACTORS, R-LOGIN-ENROLMENT -----------------------------------

TEST(RuleLoginTwoFactors, ALoginNeedsAPasswordAndASecondFactorSetUp) {
  EXPECT_FALSE(CheckLoginSetUp({true, true}).has_value());
  for (const LoginSetUp missing :
       {LoginSetUp{true, false}, LoginSetUp{false, true}, LoginSetUp{false, false}}) {
    const auto refused = CheckLoginSetUp(missing);
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->rule, rules::kLoginTwoFactors);
  }
}

TEST(RuleLoginEnrolment, ACodeWorksFor72HoursAfterItWasIssued) {
  EXPECT_FALSE(CheckEnrolmentCode(At(0), At(72 * 3600 - 1)).has_value());
  const auto expired = CheckEnrolmentCode(At(0), At(72 * 3600));
  ASSERT_TRUE(expired.has_value());
  EXPECT_EQ(expired->rule, rules::kLoginEnrolment);
  EXPECT_EQ(EnrolmentExpiresAt(At(0)), At(72 * 3600));
  const auto none = CheckEnrolmentCode(std::nullopt, At(0));
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->rule, rules::kLoginEnrolment);
}

// --- R-LOGIN-CODE-ONCE ------------------------------------------------------

TEST(RuleLoginCodeOnce, ACodeCountsOnceAndNeverForAnEarlierStep) {
  EXPECT_FALSE(CheckTotpStep(1000, std::nullopt).has_value());
  EXPECT_FALSE(CheckTotpStep(1001, 1000).has_value());
  for (const std::int64_t again : {1000, 999}) {
    const auto refused = CheckTotpStep(again, 1000);
    ASSERT_TRUE(refused.has_value()) << again;
    EXPECT_EQ(refused->rule, rules::kLoginCodeOnce);
  }
}

}  // namespace
}  // namespace ketenregie::workflow

namespace ketenregie::workflow {
namespace {

// --- R-SESSION-TIMEOUT ------------------------------------------------------

Instant Minute(int minutes) {
  return Instant{} + std::chrono::seconds(1'800'000'000) + std::chrono::minutes(minutes);
}

TEST(RuleSessionTimeout, FifteenMinutesWithoutARequestEndIt) {
  const SessionTimes session{Minute(0), Minute(30), std::nullopt};
  EXPECT_EQ(SessionEndAt(session, Minute(44)), SessionEnd::kNotEnded);
  EXPECT_FALSE(CheckSessionLive(session, Minute(44)).has_value());
  EXPECT_EQ(SessionEndAt(session, Minute(45)), SessionEnd::kIdle);
  const auto refused = CheckSessionLive(session, Minute(45));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->rule, rules::kSessionTimeout);
  EXPECT_EQ(refused->facts.front().second, "idle");
  EXPECT_EQ(SessionEndsAt(session), Minute(45));
  EXPECT_EQ(SessionWarnAt(session), Minute(43));
}

TEST(RuleSessionTimeout, TenHoursAfterLoginEndItHoweverBusy) {
  const SessionTimes busy{Minute(0), Minute(599), std::nullopt};
  EXPECT_EQ(SessionEndAt(busy, Minute(599)), SessionEnd::kNotEnded);
  EXPECT_EQ(SessionEndAt(busy, Minute(600)), SessionEnd::kAbsolute);
  EXPECT_EQ(SessionEndsAt(busy), Minute(600));
  EXPECT_EQ(SessionWarnAt(busy), Minute(598));
  EXPECT_EQ(CheckSessionLive(busy, Minute(600))->facts.front().second, "absolute");
  // From 15 minutes before the absolute end, no request moves the end on.
  EXPECT_TRUE(SessionEndsAbsolutely(busy));
  EXPECT_TRUE(SessionEndsAbsolutely({Minute(0), Minute(585), std::nullopt}));
  EXPECT_FALSE(SessionEndsAbsolutely({Minute(0), Minute(584), std::nullopt}));
  EXPECT_FALSE(SessionEndsAbsolutely({Minute(0), Minute(30), std::nullopt}));
}

TEST(RuleSessionTimeout, LogoutEndsItAtOnce) {
  const SessionTimes out{Minute(0), Minute(5), Minute(6)};
  EXPECT_EQ(SessionEndAt(out, Minute(5)), SessionEnd::kNotEnded);
  EXPECT_EQ(SessionEndAt(out, Minute(6)), SessionEnd::kLoggedOut);
  EXPECT_EQ(CheckSessionLive(out, Minute(7))->facts.front().second, "logged_out");
}

}  // namespace
}  // namespace ketenregie::workflow
