// The pieces of the coordinator's workspace that need no service: the
// Dutch words of the screens and the time bar's drawing.
#include <gtest/gtest.h>

#include "ketenregie/consent/v1/consent.pb.h"
#include "ketenregie/handoff/v1/handoff.pb.h"
#include "ketenregie/shelter/v1/shelter.pb.h"
#include "ketenregie/trajectory/v1/trajectory.pb.h"
#include "services/common/validation.h"
#include "services/web/page_support.h"
#include "services/web/texts.h"
#include "services/web/time_bar.h"
#include "workflow/calendar.h"
#include "workflow/consent.h"
#include "workflow/handoff.h"
#include "workflow/placement.h"

namespace ketenregie::web {
namespace {

namespace tv1 = trajectory::v1;
namespace cv1 = consent::v1;
namespace hv1 = handoff::v1;
namespace sv1 = shelter::v1;

using workflow::FromAmsterdam;
using workflow::LocalDateTime;

workflow::Instant Day(int y, unsigned m, unsigned d, int hour = 12) {
  return FromAmsterdam(LocalDateTime{
      std::chrono::year_month_day{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)},
      std::chrono::hours(hour)});
}

// Every value the pages show of these enums has its Dutch word: a new value
// in a proto fails here, not on a coordinator's screen.
template <typename E>
void ExpectEveryValueInDutch() {
  const auto* type = google::protobuf::GetEnumDescriptor<E>();
  for (int i = 0; i < type->value_count(); ++i) {
    const auto* value = type->value(i);
    if (value->number() == 0) {
      EXPECT_EQ(DutchOf(static_cast<E>(0)), "") << value->name();
      continue;
    }
    EXPECT_FALSE(DutchOfValue(value->name()).empty()) << value->name() << " has no Dutch word";
  }
}

// A date of three fields is readable only when it exists: 31 February is
// not quietly 3 March.
TEST(ReadDateTest, OnlyADateThatExistsIsReadable) {
  const auto read = [](std::string day, std::string month, std::string year) {
    FormFields form{{"geldigdag", day}, {"geldigmaand", month}, {"geldigjaar", year}};
    return ReadDate(form, "geldig");
  };
  EXPECT_TRUE(read("29", "2", "2028").readable);
  EXPECT_FALSE(read("29", "2", "2027").readable);
  EXPECT_FALSE(read("31", "2", "2027").readable);
  EXPECT_TRUE(read("31", "2", "2027").given);
  EXPECT_FALSE(read("1", "13", "2027").readable);
  EXPECT_FALSE(read("0", "1", "2027").readable);
  EXPECT_FALSE(read("1", "1", "").readable);
  EXPECT_FALSE(read("", "", "").given);
  const DateParts june = read("1", "6", "2027");
  ASSERT_TRUE(june.readable);
  EXPECT_EQ(DutchDate(common::ToInstant(StartOfDay(june))), "1 juni 2027");
}

// A page offers the steps the machines of workflow/ allow in the state the
// service answered, matched by name.
TEST(MachineAllowsTest, OffersOnlyTheStepsTheMachineAllows) {
  const auto& handoffs = workflow::HandoffMachine();
  using workflow::HandoffEvent;
  EXPECT_TRUE(
      MachineAllows(handoffs, hv1::HANDOFF_STATE_DRAFT, "HANDOFF_STATE_", HandoffEvent::kSend));
  EXPECT_FALSE(
      MachineAllows(handoffs, hv1::HANDOFF_STATE_SENT, "HANDOFF_STATE_", HandoffEvent::kSend));
  EXPECT_TRUE(
      MachineAllows(handoffs, hv1::HANDOFF_STATE_SENT, "HANDOFF_STATE_", HandoffEvent::kRevoke));
  EXPECT_TRUE(MachineAllows(handoffs, hv1::HANDOFF_STATE_ACCEPTED, "HANDOFF_STATE_",
                            HandoffEvent::kRevoke));
  EXPECT_FALSE(MachineAllows(handoffs, hv1::HANDOFF_STATE_COMPLETED, "HANDOFF_STATE_",
                             HandoffEvent::kRevoke));
  EXPECT_FALSE(MachineAllows(handoffs, hv1::HANDOFF_STATE_UNSPECIFIED, "HANDOFF_STATE_",
                             HandoffEvent::kRevoke));
  const auto& placements = workflow::PlacementMachine();
  using workflow::PlacementEvent;
  EXPECT_TRUE(MachineAllows(placements, sv1::PLACEMENT_STATE_REQUESTED, "PLACEMENT_STATE_",
                            PlacementEvent::kCancel));
  EXPECT_FALSE(MachineAllows(placements, sv1::PLACEMENT_STATE_PLACED, "PLACEMENT_STATE_",
                             PlacementEvent::kCancel));
  // Every state a service answers is one of its machine's: a state renamed
  // on one side fails here, not as a button quietly gone.
  for (int i = 1; i < hv1::HandoffState_descriptor()->value_count(); ++i) {
    const auto value =
        static_cast<hv1::HandoffState>(hv1::HandoffState_descriptor()->value(i)->number());
    EXPECT_TRUE(MachineStateOf(handoffs, value, "HANDOFF_STATE_").has_value())
        << hv1::HandoffState_Name(value);
  }
  for (int i = 1; i < cv1::ConsentState_descriptor()->value_count(); ++i) {
    const auto value =
        static_cast<cv1::ConsentState>(cv1::ConsentState_descriptor()->value(i)->number());
    EXPECT_TRUE(MachineStateOf(workflow::ConsentMachine(), value, "CONSENT_STATE_").has_value())
        << cv1::ConsentState_Name(value);
  }
  for (int i = 1; i < sv1::PlacementState_descriptor()->value_count(); ++i) {
    const auto value =
        static_cast<sv1::PlacementState>(sv1::PlacementState_descriptor()->value(i)->number());
    EXPECT_TRUE(MachineStateOf(placements, value, "PLACEMENT_STATE_").has_value())
        << sv1::PlacementState_Name(value);
  }
}

TEST(TextsTest, EveryValueTheScreensShow_HasItsDutchWord) {
  ExpectEveryValueInDutch<tv1::TrajectoryState>();
  ExpectEveryValueInDutch<tv1::Route>();
  ExpectEveryValueInDutch<tv1::AgeStatus>();
  ExpectEveryValueInDutch<tv1::ReflectionState>();
  ExpectEveryValueInDutch<tv1::ReflectionDecision>();
  ExpectEveryValueInDutch<tv1::PermitState>();
  ExpectEveryValueInDutch<tv1::ClosureReason>();
  ExpectEveryValueInDutch<tv1::TaskState>();
  ExpectEveryValueInDutch<tv1::ReporterKind>();
  ExpectEveryValueInDutch<tv1::GenderIdentity>();
  ExpectEveryValueInDutch<tv1::ExploitationForm>();
  ExpectEveryValueInDutch<tv1::ScreeningOutcome>();
  ExpectEveryValueInDutch<tv1::IndicatorScore>();
  ExpectEveryValueInDutch<tv1::Indicator>();
  ExpectEveryValueInDutch<common::v1::DataCategory>();
  ExpectEveryValueInDutch<common::v1::Purpose>();
  ExpectEveryValueInDutch<cv1::ConsentState>();
  ExpectEveryValueInDutch<cv1::ConsentMethod>();
  ExpectEveryValueInDutch<cv1::Grantor>();
  ExpectEveryValueInDutch<cv1::LegalBasis>();
  ExpectEveryValueInDutch<cv1::OverrideState>();
  ExpectEveryValueInDutch<hv1::HandoffPurpose>();
  ExpectEveryValueInDutch<hv1::HandoffState>();
  ExpectEveryValueInDutch<sv1::ShelterKind>();
  ExpectEveryValueInDutch<sv1::PlacementState>();
  ExpectEveryValueInDutch<sv1::MoveOnDestination>();
  // Every indicator of Bijlage 1 has its signals from the source.
  const auto* indicators = tv1::Indicator_descriptor();
  for (int i = 1; i < indicators->value_count(); ++i) {
    EXPECT_FALSE(IndicatorSignals(indicators->value(i)->name()).empty())
        << indicators->value(i)->name();
  }
  EXPECT_EQ(DutchOf(tv1::AGE_STATUS_DOUBTED), "Leeftijd betwijfeld: behandeld als minderjarig");
}

TEST(TextsTest, AKindSaysWhatItIs_AndAnUnknownOneShowsItsCode) {
  EXPECT_EQ(DutchOfKind("reflection.expires_in_14_days"), "Bedenktijd eindigt over 14 dagen");
  EXPECT_EQ(DutchOfKind("route_c.follow_up"),
            "Opvolging route C: vragen of de cliënt opnieuw wil kijken");
  EXPECT_EQ(DutchOfKind("iets.nieuws"), "Gebeurtenis (iets.nieuws)");
}

TEST(TextsTest, DatesAndDaysAreSaidInDutch_ByAmsterdamCalendarDays) {
  EXPECT_EQ(DutchDate(Day(2026, 12, 7)), "7 december 2026");
  EXPECT_EQ(DutchDateTime(Day(2027, 3, 1, 9)), "1 mrt 2027 09:00");
  // Late in the evening in Amsterdam is the next day in UTC, not here.
  EXPECT_EQ(DutchDate(Day(2026, 12, 31, 23)), "31 december 2026");
  EXPECT_EQ(DutchDaysFrom(Day(2026, 12, 7, 23), Day(2026, 12, 8, 1)), "morgen");
  EXPECT_EQ(DutchDaysFrom(Day(2026, 12, 7), Day(2026, 12, 7, 20)), "vandaag");
  EXPECT_EQ(DutchDaysFrom(Day(2026, 12, 7), Day(2026, 12, 21)), "over 14 dagen");
  EXPECT_EQ(DutchDaysFrom(Day(2026, 12, 7), Day(2026, 12, 4)), "3 dagen geleden");
  EXPECT_EQ(DutchClockTime(Day(2026, 7, 1, 14)), "14:00");
}

TEST(TextsTest, ACalendarDateIsSaidInDutch_AndANonDateAsNothing) {
  using std::chrono::day;
  using std::chrono::month;
  using std::chrono::year;
  EXPECT_EQ(DutchDate(std::chrono::year_month_day{year(1998), month(4), day(12)}), "12 april 1998");
  EXPECT_EQ(DutchDate(std::chrono::year_month_day{year(2001), month(2), day(30)}), "");
}

TEST(PageSupportTest, AnUnreadableForm_LinksEachSentenceToItsInput) {
  const Refusal refusal =
      UnreadableForm({{"geldig", "Vul een bestaande datum in."}, {"antwoord", "Kies."}});
  kainjow::mustache::mustache summary(
      "{{message}}|{{#any_fields}}{{#fields}}#{{anchor}}={{message}};{{/fields}}{{/any_fields}}");
  EXPECT_EQ(summary.render(refusal.view),
            "Niet alles is goed ingevuld. Er is niets opgeslagen.|#antwoord=Kies.;"
            "#geldig=Vul een bestaande datum in.;");
  EXPECT_EQ(refusal.inputs.at("geldig"), "Vul een bestaande datum in.");
}

TEST(TimeBarTest, APeriodAndItsLimit_AreDrawnWhereTheirDaysAre) {
  const workflow::Instant today = Day(2027, 1, 15);
  const workflow::Instant placed = Day(2026, 12, 1);
  const TimeBarInput input{
      .today = today,
      .periods = {{.label = "Bedenktijd",
                   .from = Day(2026, 12, 1),
                   .to = workflow::AddMonths(Day(2026, 12, 1), 3),
                   .running = true,
                   .limit = std::nullopt,
                   .kind = "reflection"},
                  {.label = "Plaatsing crisisopvang",
                   .from = placed,
                   .to = today,
                   .running = true,
                   .limit = workflow::CrisisLimit(placed),
                   .kind = "placement"}},
      .moments = {{"Bedenktijd eindigt over 14 dagen", Day(2027, 2, 15), "task"}}};
  const TimeBar bar = LayOut(input);
  // A week either side of everything.
  EXPECT_EQ(bar.first, workflow::AddDays(Day(2026, 12, 1), -7));
  EXPECT_EQ(bar.last, workflow::AddDays(workflow::AddMonths(Day(2026, 12, 1), 3), 7));
  ASSERT_EQ(bar.bars.size(), 2u);
  // Both periods start on the same day, so at the same x; one lane each.
  EXPECT_EQ(bar.bars[0].x, bar.bars[1].x);
  EXPECT_EQ(bar.bars[1].y - bar.bars[0].y, TimeBar::kLane);
  // The three months' limit is where the reflection period's end is (both
  // three months from 1 December), and today lies between start and limit.
  ASSERT_TRUE(bar.bars[1].limit_x.has_value());
  EXPECT_EQ(*bar.bars[1].limit_x, bar.bars[0].x + bar.bars[0].width);
  EXPECT_GT(bar.today_x, bar.bars[1].x);
  EXPECT_LT(bar.today_x, *bar.bars[1].limit_x);
  // A running placement is drawn to today.
  EXPECT_EQ(bar.bars[1].x + bar.bars[1].width, bar.today_x);
  ASSERT_EQ(bar.marks.size(), 1u);
  EXPECT_GT(bar.marks[0].x, bar.today_x);
  EXPECT_EQ(bar.moments_y, TimeBar::kAxis + 2 * TimeBar::kLane);
  // Every x is on the drawing.
  for (const auto& b : bar.bars) {
    EXPECT_GE(b.x, 0);
    EXPECT_LE(b.x + b.width, TimeBar::kWidth);
  }
  // A tick on the first of each month inside the span, January with its
  // year.
  ASSERT_EQ(bar.ticks.size(), 4u);
  EXPECT_EQ(bar.ticks[0].label, "dec");
  EXPECT_EQ(bar.ticks[1].label, "jan 2027");
  EXPECT_EQ(bar.ticks[2].label, "feb");
  EXPECT_EQ(bar.ticks[3].label, "mrt");
  EXPECT_LT(bar.ticks[1].x, bar.today_x);
  EXPECT_GT(bar.ticks[2].x, bar.today_x);
}

TEST(TimeBarTest, NothingYet_StillShowsEightWeeksAroundToday) {
  const workflow::Instant today = Day(2026, 12, 7);
  const TimeBar bar = LayOut({.today = today, .periods = {}, .moments = {}});
  EXPECT_EQ(workflow::CalendarDaysBetween(bar.first, bar.last), 56);
  EXPECT_TRUE(bar.bars.empty());
  EXPECT_TRUE(bar.marks.empty());
  EXPECT_GT(bar.today_x, 0);
  EXPECT_LT(bar.today_x, TimeBar::kWidth);
}

}  // namespace
}  // namespace ketenregie::web
