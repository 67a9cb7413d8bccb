#include "services/trajectory/mapping.h"

namespace ketenregie::trajectory {

using workflow::AgeStatus;
using workflow::ClosureReason;
using workflow::ReflectionDecision;
using workflow::ScreeningOutcome;
using workflow::TrajectoryState;

workflow::AgeStatus ToWorkflow(pb::AgeStatus age) {
  switch (age) {
    case pb::AGE_STATUS_CONFIRMED_ADULT:
      return AgeStatus::kConfirmedAdult;
    case pb::AGE_STATUS_MINOR:
      return AgeStatus::kMinor;
    case pb::AGE_STATUS_DOUBTED:
      return AgeStatus::kDoubted;
    default:
      return AgeStatus::kUnknown;
  }
}

pb::AgeStatus ToProto(workflow::AgeStatus age) {
  switch (age) {
    case AgeStatus::kUnknown:
      return pb::AGE_STATUS_UNSPECIFIED;
    case AgeStatus::kConfirmedAdult:
      return pb::AGE_STATUS_CONFIRMED_ADULT;
    case AgeStatus::kMinor:
      return pb::AGE_STATUS_MINOR;
    case AgeStatus::kDoubted:
      return pb::AGE_STATUS_DOUBTED;
  }
  return pb::AGE_STATUS_UNSPECIFIED;
}

workflow::TrajectoryState ToWorkflow(pb::TrajectoryState state) {
  switch (state) {
    case pb::TRAJECTORY_STATE_REGISTERED:
      return TrajectoryState::kRegistered;
    case pb::TRAJECTORY_STATE_SCREENED:
      return TrajectoryState::kScreened;
    case pb::TRAJECTORY_STATE_CHILD_PROTECTION:
      return TrajectoryState::kChildProtection;
    case pb::TRAJECTORY_STATE_ACTIVE:
      return TrajectoryState::kActive;
    case pb::TRAJECTORY_STATE_DECLINED_FOR_NOW:
      return TrajectoryState::kDeclinedForNow;
    case pb::TRAJECTORY_STATE_CLOSED:
      return TrajectoryState::kClosed;
    default:
      return TrajectoryState::kSignalled;
  }
}

pb::TrajectoryState ToProto(workflow::TrajectoryState state) {
  switch (state) {
    case TrajectoryState::kSignalled:
      return pb::TRAJECTORY_STATE_SIGNALLED;
    case TrajectoryState::kRegistered:
      return pb::TRAJECTORY_STATE_REGISTERED;
    case TrajectoryState::kScreened:
      return pb::TRAJECTORY_STATE_SCREENED;
    case TrajectoryState::kChildProtection:
      return pb::TRAJECTORY_STATE_CHILD_PROTECTION;
    case TrajectoryState::kActive:
      return pb::TRAJECTORY_STATE_ACTIVE;
    case TrajectoryState::kDeclinedForNow:
      return pb::TRAJECTORY_STATE_DECLINED_FOR_NOW;
    case TrajectoryState::kClosed:
      return pb::TRAJECTORY_STATE_CLOSED;
  }
  return pb::TRAJECTORY_STATE_UNSPECIFIED;
}

// Protobuf and workflow list the reasons in the same order (0 = none).
workflow::ClosureReason ToWorkflow(pb::ClosureReason reason) {
  return static_cast<ClosureReason>(static_cast<int>(reason));
}
pb::ClosureReason ToProto(workflow::ClosureReason reason) {
  return static_cast<pb::ClosureReason>(static_cast<int>(reason));
}

workflow::ScreeningOutcome ToWorkflow(pb::ScreeningOutcome outcome) {
  switch (outcome) {
    case pb::SCREENING_OUTCOME_POSSIBLE_VICTIM:
      return ScreeningOutcome::kPossibleVictim;
    case pb::SCREENING_OUTCOME_NOT_A_VICTIM:
      return ScreeningOutcome::kNotAVictim;
    case pb::SCREENING_OUTCOME_SMUGGLING:
      return ScreeningOutcome::kSmuggling;
    default:
      return ScreeningOutcome::kMoreInformationNeeded;
  }
}

pb::ScreeningOutcome ToProto(workflow::ScreeningOutcome outcome) {
  switch (outcome) {
    case ScreeningOutcome::kPossibleVictim:
      return pb::SCREENING_OUTCOME_POSSIBLE_VICTIM;
    case ScreeningOutcome::kNotAVictim:
      return pb::SCREENING_OUTCOME_NOT_A_VICTIM;
    case ScreeningOutcome::kSmuggling:
      return pb::SCREENING_OUTCOME_SMUGGLING;
    case ScreeningOutcome::kMoreInformationNeeded:
      return pb::SCREENING_OUTCOME_MORE_INFORMATION_NEEDED;
  }
  return pb::SCREENING_OUTCOME_UNSPECIFIED;
}

// Same order in both (0 = none).
workflow::ReflectionDecision ToWorkflow(pb::ReflectionDecision decision) {
  return static_cast<ReflectionDecision>(static_cast<int>(decision));
}
pb::ReflectionDecision ToProto(workflow::ReflectionDecision decision) {
  return static_cast<pb::ReflectionDecision>(static_cast<int>(decision));
}

workflow::Score ToWorkflow(pb::IndicatorScore score) {
  switch (score) {
    case pb::INDICATOR_SCORE_SIGNALS:
      return workflow::Score::kSignals;
    case pb::INDICATOR_SCORE_EVIDENCE:
      return workflow::Score::kEvidence;
    case pb::INDICATOR_SCORE_MORE_INFORMATION_NEEDED:
      return workflow::Score::kMoreInformationNeeded;
    case pb::INDICATOR_SCORE_NONE:
    // Refused as input; 0 in a screening stored before NONE had its own value.
    case pb::INDICATOR_SCORE_UNSPECIFIED:
    default:
      return workflow::Score::kNone;
  }
}

workflow::Screening ToWorkflow(const pb::Screening& screening) {
  workflow::Screening out;
  for (const auto& assessment : screening.indicators()) {
    const int index = static_cast<int>(assessment.indicator()) - 1;  // validated: 1..12
    out.scores[static_cast<std::size_t>(index)] = ToWorkflow(assessment.score());
  }
  for (const int form : screening.forms()) {
    out.forms.insert(static_cast<workflow::ExploitationForm>(form - 1));  // validated: 1..4
  }
  out.smuggling_indicated = screening.smuggling_indicated();
  return out;
}

workflow::ReflectionState ReflectionStateFromStored(int stored) {
  return static_cast<workflow::ReflectionState>(stored - 1);
}

}  // namespace ketenregie::trajectory
