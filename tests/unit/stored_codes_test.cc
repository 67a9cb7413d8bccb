// The codes stored for every state (common::StoredCodes), pinned: a row
// written today must mean the same after any change to the enums in
// workflow/. Changing a code here takes a migration that converts the rows.

#include <gtest/gtest.h>

#include <set>
#include <utility>
#include <vector>

#include "services/consent/storage.h"
#include "services/directory/storage.h"
#include "services/handoff/storage.h"
#include "services/shelter/storage.h"
#include "services/trajectory/storage.h"
#include "workflow/consent.h"
#include "workflow/directory.h"
#include "workflow/handoff.h"
#include "workflow/placement.h"
#include "workflow/reflection.h"
#include "workflow/trajectory.h"

namespace ketenregie {
namespace {

// Every value of a machine has exactly the code pinned, and reads back.
template <typename Codes, typename Enum>
void ExpectPinned(const Codes& codes, const std::vector<std::pair<Enum, int>>& pinned) {
  SCOPED_TRACE(std::string(codes.column()));
  EXPECT_EQ(codes.All().size(), pinned.size()) << "a value without a pinned code";
  for (const auto& [value, code] : pinned) {
    EXPECT_EQ(codes.Of(value), code);
  }
}

template <typename Codes, typename States>
void ExpectEveryStateStoredAndReadBack(const Codes& codes, const States& states) {
  SCOPED_TRACE(std::string(codes.column()));
  std::set<int> seen;
  for (const auto state : states) {
    const int code = codes.Of(state);
    EXPECT_TRUE(seen.insert(code).second) << "two states share code " << code;
    EXPECT_EQ(codes.From(code), state);
  }
  EXPECT_THROW(codes.From(99), common::StorageError) << "an unknown code is damaged data";
}

TEST(StoredCodes, TrajectoryStatesArePinned) {
  using S = workflow::TrajectoryState;
  ExpectPinned(trajectory::kTrajectoryStates,
               std::vector<std::pair<S, int>>{{S::kRegistered, 1},
                                              {S::kScreened, 2},
                                              {S::kChildProtection, 3},
                                              {S::kActive, 4},
                                              {S::kDeclinedForNow, 5},
                                              {S::kClosed, 6},
                                              {S::kSignalled, 7}});
  ExpectEveryStateStoredAndReadBack(trajectory::kTrajectoryStates,
                                    workflow::TrajectoryMachine().states);
}

TEST(StoredCodes, ReflectionAndTaskStatesArePinned) {
  using R = workflow::ReflectionState;
  ExpectPinned(trajectory::kReflectionStates,
               std::vector<std::pair<R, int>>{{R::kOffered, 1},
                                              {R::kRunning, 2},
                                              {R::kDecided, 3},
                                              {R::kExpired, 4},
                                              {R::kPermitApplied, 5},
                                              {R::kPermitGranted, 6},
                                              {R::kPermitRejected, 7}});
  EXPECT_EQ(trajectory::kNoReflectionPeriod, 0);
  ExpectEveryStateStoredAndReadBack(trajectory::kReflectionStates,
                                    workflow::ReflectionMachine().states);
  using T = workflow::TaskState;
  ExpectPinned(trajectory::kTaskStates,
               std::vector<std::pair<T, int>>{{T::kOpen, 1}, {T::kDone, 2}});
}

TEST(StoredCodes, PlacementStatesArePinned_OverdueIsPlacedWithItsFlag) {
  using P = workflow::PlacementState;
  ExpectPinned(shelter::kPlacementStates, std::vector<std::pair<P, int>>{{P::kRequested, 1},
                                                                         {P::kPlaced, 2},
                                                                         {P::kOverdue, 2},
                                                                         {P::kEnded, 3},
                                                                         {P::kCancelled, 4}});
  EXPECT_EQ(shelter::kPlacementStates.From(2), P::kPlaced);
  // The beds a statement counts are those the workflow says are held.
  EXPECT_EQ(shelter::kPlacementStates.CodesWhere(workflow::HoldsBeds), "{2,2}");
}

TEST(StoredCodes, HandoffStatesArePinned_TheInboxIsWhatReachedTheRecipient) {
  using H = workflow::HandoffState;
  ExpectPinned(handoff::kHandoffStates, std::vector<std::pair<H, int>>{{H::kDraft, 0},
                                                                       {H::kSent, 1},
                                                                       {H::kAccepted, 2},
                                                                       {H::kDeclined, 3},
                                                                       {H::kRevoked, 4},
                                                                       {H::kExpired, 5},
                                                                       {H::kCompleted, 6}});
  ExpectEveryStateStoredAndReadBack(handoff::kHandoffStates, workflow::HandoffMachine().states);
  EXPECT_EQ(handoff::kHandoffStates.CodesWhere(workflow::ReachedRecipient), "{1,2,3,4,5,6}");
}

TEST(StoredCodes, ConsentAndOverrideStatesArePinned) {
  using C = workflow::ConsentState;
  ExpectPinned(consent::kConsentStates, std::vector<std::pair<C, int>>{{C::kProposed, 0},
                                                                       {C::kGranted, 1},
                                                                       {C::kRefused, 2},
                                                                       {C::kWithdrawn, 3},
                                                                       {C::kExpired, 4},
                                                                       {C::kSuperseded, 5}});
  ExpectEveryStateStoredAndReadBack(consent::kConsentStates, workflow::ConsentMachine().states);
  using O = workflow::OverrideState;
  ExpectPinned(consent::kOverrideStates,
               std::vector<std::pair<O, int>>{{O::kRequested, 0},
                                              {O::kActivePendingApproval, 1},
                                              {O::kActive, 2},
                                              {O::kRejected, 3},
                                              {O::kExpired, 4},
                                              {O::kRevoked, 5}});
  ExpectEveryStateStoredAndReadBack(consent::kOverrideStates, workflow::OverrideMachine().states);
}

TEST(StoredCodes, AccountStatesArePinned) {
  using A = workflow::AccountState;
  ExpectPinned(directory::kAccountStates,
               std::vector<std::pair<A, int>>{{A::kActive, 1}, {A::kDeactivated, 2}});
  ExpectEveryStateStoredAndReadBack(directory::kAccountStates, workflow::AccountMachine().states);
}

}  // namespace
}  // namespace ketenregie
