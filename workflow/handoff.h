#pragma once

/// Handoffs (referrals) to partners: draft → sent → accepted / declined /
/// revoked / expired (no answer in time) → completed (DESIGN.md §5).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflow/core.h"
#include "workflow/domain.h"

namespace ketenregie::workflow {

/// What a handoff is for, and the disclosure purpose that follows from it.
enum class HandoffPurpose {
  kCareReferral,
  kLegalAid,
  kShelterRequest,
  kPolice,
  kMunicipality,
  kChildProtection,
};
Purpose PurposeOf(HandoffPurpose purpose);

enum class HandoffState { kDraft, kSent, kAccepted, kDeclined, kRevoked, kExpired, kCompleted };
enum class HandoffEvent { kSend, kAccept, kDecline, kRevoke, kExpire, kComplete };

std::string_view ToString(HandoffState state);
std::string_view ToString(HandoffEvent event);

/// A sent handoff awaits the partner's answer; closing the trajectory waits
/// for it (R-CLOSE-REQUIRES).
bool IsUnanswered(HandoffState state);

/// A handoff reaches its recipient when it is sent: a draft is the
/// coordinator's alone, in no partner's inbox and unknown to it.
bool ReachedRecipient(HandoffState state);

/// The recipient may read the packet only while the handoff is live: sent or
/// accepted. Revoked, expired, declined and completed handoffs share nothing
/// more (R-WITHDRAW-IMMEDIATE).
bool IsPacketReadable(HandoffState state);

/// The care plan a partner sees: every handoff that reached it and was not
/// taken back (revoked or expired ones drop out).
bool IsInCarePlan(HandoffState state);

/// Whether a field of a handoff (its name in the API) says something about
/// her: the message and the reasons written about her, where she is
/// expected, to whom and what for (a handoff to child protection says she
/// is a child). Its id, trajectory, state, times and etag say only that
/// something waits and until when. A read of only those is no read of her
/// data.
bool IsPersonalHandoffField(std::string_view field);

/// R-CLOSE-REQUIRES from the other side: no handoff is created or sent for a
/// trajectory that is not open (closed, or a signal never registered).
std::optional<RuleViolation> CheckTrajectoryOpenForHandoff(bool trajectory_open);

/// R-WITHDRAWAL-IMMEDIATE: a withdrawal revokes every handoff to that
/// recipient that is not over yet: drafts, sent and accepted ones.
bool IsRevokedOnWithdrawal(HandoffState state);

/// R-CLOSE-REQUIRES: when the trajectory closes, its handoffs not yet
/// answered (drafts and sent ones) are revoked; accepted, declined and
/// completed ones stay in the care plan as its history.
bool IsRevokedOnClosure(HandoffState state);

struct HandoffPolicy {
  /// Calendar days a partner has to answer before the coordinator gets a
  /// task. Configurable per region.
  int answer_days = 5;
};

struct HandoffSnapshot {
  std::string id;
  HandoffState state = HandoffState::kDraft;
  std::string recipient_organisation;
  Instant answer_due_at{};
  std::string reason;
};

struct HandoffCommand {
  HandoffEvent event;
  std::string reason{};  // kDecline, kRevoke
};

struct HandoffOutcome {
  HandoffSnapshot next;
  std::vector<HandoffAction> actions;
};

const MachineSpec<HandoffState, HandoffEvent>& HandoffMachine();

Result<HandoffOutcome> ApplyHandoff(const HandoffSnapshot& current, const HandoffCommand& command,
                                    Instant now, const HandoffPolicy& policy = {});

}  // namespace ketenregie::workflow
