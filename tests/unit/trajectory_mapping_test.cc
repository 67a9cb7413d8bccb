#include <gtest/gtest.h>

#include "services/trajectory/mapping.h"

namespace ketenregie::trajectory {
namespace {

namespace pb = ketenregie::trajectory::v1;

// Bijlage 1's scores; NONE has its own value, so a forgotten score (0) is
// refused as input instead of read as "none" (support.cc). Only a screening
// stored before then holds 0, and it meant none.
TEST(IndicatorScoreMapping, EveryScoreMapsToBijlage1sScore) {
  EXPECT_EQ(ToWorkflow(pb::INDICATOR_SCORE_NONE), workflow::Score::kNone);
  EXPECT_EQ(ToWorkflow(pb::INDICATOR_SCORE_SIGNALS), workflow::Score::kSignals);
  EXPECT_EQ(ToWorkflow(pb::INDICATOR_SCORE_EVIDENCE), workflow::Score::kEvidence);
  EXPECT_EQ(ToWorkflow(pb::INDICATOR_SCORE_MORE_INFORMATION_NEEDED),
            workflow::Score::kMoreInformationNeeded);
  EXPECT_EQ(ToWorkflow(pb::INDICATOR_SCORE_UNSPECIFIED), workflow::Score::kNone)
      << "a screening stored before NONE had its own value";
}

TEST(IndicatorScoreMapping, AScreeningListingAnIndicatorAsNoneEqualsOneNotListingIt) {
  pb::Screening listed;
  auto* threat = listed.add_indicators();
  threat->set_indicator(pb::INDICATOR_THREAT);
  threat->set_score(pb::INDICATOR_SCORE_NONE);
  auto* recruitment = listed.add_indicators();
  recruitment->set_indicator(pb::INDICATOR_RECRUITMENT);
  recruitment->set_score(pb::INDICATOR_SCORE_EVIDENCE);
  pb::Screening unlisted;
  *unlisted.add_indicators() = *recruitment;
  EXPECT_EQ(ToWorkflow(listed).scores, ToWorkflow(unlisted).scores);
}

}  // namespace
}  // namespace ketenregie::trajectory
