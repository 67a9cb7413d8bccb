#pragma once

#include "services/common/stack_env.h"

namespace ketenregie::cli {

/// Drives the demo trajectories of essm-presentatie.txt and an adult victim
/// without residence status through the trajectory service's public API,
/// as the care-coordination organisation, and prints their timelines.
/// Returns the process exit code.
int RunTrajectoryDemo(const common::StackEnv& env);

/// Issues enrolment codes for the demo accounts, as their organisations'
/// administrators, and prints them with where to use them (with `tsv`:
/// organisation, user and code per line, for scripts). Returns the process
/// exit code.
int RunDemoAccounts(const common::StackEnv& env, bool tsv);

/// Registers the demo shelters (a crisis shelter, a categorical place), as
/// their organisations' staff; again on the same stack, nothing twice.
/// Returns the process exit code.
int RunDemoShelters(const common::StackEnv& env);

}  // namespace ketenregie::cli
