#pragma once

/// Protobuf ↔ workflow vocabulary for the trajectory service. The database
/// stores the public protobuf numbers (a stable contract), except the
/// reflection machine's state, which has no single protobuf enum.

#include <google/protobuf/timestamp.pb.h>

#include "ketenregie/trajectory/v1/trajectory.pb.h"
#include "services/common/validation.h"
#include "workflow/reflection.h"
#include "workflow/screening.h"
#include "workflow/trajectory.h"

namespace ketenregie::trajectory {

namespace pb = ketenregie::trajectory::v1;

workflow::AgeStatus ToWorkflow(pb::AgeStatus age);
pb::AgeStatus ToProto(workflow::AgeStatus age);

workflow::TrajectoryState ToWorkflow(pb::TrajectoryState state);
pb::TrajectoryState ToProto(workflow::TrajectoryState state);

workflow::ClosureReason ToWorkflow(pb::ClosureReason reason);
pb::ClosureReason ToProto(workflow::ClosureReason reason);

workflow::ScreeningOutcome ToWorkflow(pb::ScreeningOutcome outcome);
pb::ScreeningOutcome ToProto(workflow::ScreeningOutcome outcome);

workflow::ReflectionDecision ToWorkflow(pb::ReflectionDecision decision);
pb::ReflectionDecision ToProto(workflow::ReflectionDecision decision);

workflow::Score ToWorkflow(pb::IndicatorScore score);
workflow::Screening ToWorkflow(const pb::Screening& screening);

using common::ToInstant;
using common::ToTimestamp;

}  // namespace ketenregie::trajectory
