#include "workflow/handoff.h"

#include <array>

#include "workflow/calendar.h"
#include "workflow/rules.h"

namespace ketenregie::workflow {
namespace {

using S = HandoffState;
using E = HandoffEvent;

constexpr std::array kStates = {S::kDraft,   S::kSent,    S::kAccepted, S::kDeclined,
                                S::kRevoked, S::kExpired, S::kCompleted};
constexpr std::array kEvents = {E::kSend,   E::kAccept, E::kDecline,
                                E::kRevoke, E::kExpire, E::kComplete};
constexpr std::array kTransitions = {
    Transition<S, E>{S::kDraft, E::kSend, S::kSent},
    Transition<S, E>{S::kDraft, E::kRevoke, S::kRevoked},
    Transition<S, E>{S::kSent, E::kAccept, S::kAccepted},
    Transition<S, E>{S::kSent, E::kDecline, S::kDeclined},
    Transition<S, E>{S::kSent, E::kRevoke, S::kRevoked},
    Transition<S, E>{S::kSent, E::kExpire, S::kExpired},
    Transition<S, E>{S::kAccepted, E::kRevoke, S::kRevoked},
    Transition<S, E>{S::kAccepted, E::kComplete, S::kCompleted},
};

std::string_view StateName(S s) { return ToString(s); }
std::string_view EventName(E e) { return ToString(e); }

constexpr MachineSpec<S, E> kMachine{"handoff",    kStates,    kEvents,
                                     kTransitions, &StateName, &EventName};

}  // namespace

std::string_view ToString(HandoffState state) {
  switch (state) {
    case S::kDraft:
      return "draft";
    case S::kSent:
      return "sent";
    case S::kAccepted:
      return "accepted";
    case S::kDeclined:
      return "declined";
    case S::kRevoked:
      return "revoked";
    case S::kExpired:
      return "expired";
    case S::kCompleted:
      return "completed";
  }
  return "?";
}

std::string_view ToString(HandoffEvent event) {
  switch (event) {
    case E::kSend:
      return "send";
    case E::kAccept:
      return "accept";
    case E::kDecline:
      return "decline";
    case E::kRevoke:
      return "revoke";
    case E::kExpire:
      return "expire";
    case E::kComplete:
      return "complete";
  }
  return "?";
}

bool IsPersonalHandoffField(std::string_view field) {
  return field != "id" && field != "trajectory_id" && field != "state" && field != "sent_at" &&
         field != "answer_due_at" && field != "etag";
}

bool IsUnanswered(HandoffState state) { return state == S::kSent; }

std::optional<RuleViolation> CheckTrajectoryOpenForHandoff(bool trajectory_open) {
  if (trajectory_open) {
    return std::nullopt;
  }
  return RuleViolation{rules::kCloseRequires,
                       "the trajectory is not open: no handoff is sent for it until it reopens"};
}

bool IsRevokedOnWithdrawal(HandoffState state) {
  return state == S::kDraft || state == S::kSent || state == S::kAccepted;
}

bool IsRevokedOnClosure(HandoffState state) { return state == S::kDraft || IsUnanswered(state); }

bool ReachedRecipient(HandoffState state) { return state != S::kDraft; }

bool IsPacketReadable(HandoffState state) { return state == S::kSent || state == S::kAccepted; }

bool IsInCarePlan(HandoffState state) {
  return IsPacketReadable(state) || state == S::kDeclined || state == S::kCompleted;
}

Purpose PurposeOf(HandoffPurpose purpose) {
  switch (purpose) {
    case HandoffPurpose::kCareReferral:
      return Purpose::kCareReferral;
    case HandoffPurpose::kLegalAid:
      return Purpose::kLegalAid;
    case HandoffPurpose::kShelterRequest:
      return Purpose::kShelterPlacement;
    case HandoffPurpose::kPolice:
      return Purpose::kCriminalInvestigation;
    case HandoffPurpose::kMunicipality:
      return Purpose::kMunicipalSupport;
    case HandoffPurpose::kChildProtection:
      return Purpose::kChildProtection;
  }
  return Purpose::kUnknown;
}

const MachineSpec<HandoffState, HandoffEvent>& HandoffMachine() { return kMachine; }

Result<HandoffOutcome> ApplyHandoff(const HandoffSnapshot& current, const HandoffCommand& command,
                                    Instant now, const HandoffPolicy& policy) {
  const std::optional<S> to = kMachine.Next(current.state, command.event);
  if (!to) {
    return kMachine.Refuse(current.state, command.event);
  }
  HandoffOutcome out{current, {}};
  out.next.state = *to;
  switch (command.event) {
    case E::kSend:
      out.next.answer_due_at = AddDays(now, policy.answer_days);
      out.actions = {
          {HandoffActionKind::kNotifyRecipient, "handoff.sent", now,
           current.recipient_organisation},
          {HandoffActionKind::kScheduleDeadline, "handoff.answer_due", out.next.answer_due_at,
           current.id},
      };
      break;
    case E::kAccept:
      out.actions = {{HandoffActionKind::kCancelTimers, "handoff.accepted", now, current.id}};
      break;
    case E::kDecline:
      if (command.reason.empty()) {
        return RuleViolation{rules::kHandoffAnswer, "a partner declines with a reason"};
      }
      out.next.reason = command.reason;
      out.actions = {{HandoffActionKind::kCancelTimers, "handoff.declined", now, current.id},
                     {HandoffActionKind::kCreateTask, "handoff.declined", now, current.id}};
      break;
    case E::kRevoke:
      out.next.reason = command.reason;
      out.actions = {{HandoffActionKind::kCancelTimers, "handoff.revoked", now, current.id}};
      if (current.state != S::kDraft) {
        out.actions.push_back({HandoffActionKind::kNotifyRecipient, "handoff.revoked", now,
                               current.recipient_organisation});
      }
      break;
    case E::kExpire:
      if (now < current.answer_due_at) {
        return RuleViolation{rules::kHandoffAnswer, "the answer is not due yet"};
      }
      out.actions = {{HandoffActionKind::kCreateTask, "handoff.unanswered", now, current.id}};
      break;
    case E::kComplete:
      break;
  }
  return out;
}

}  // namespace ketenregie::workflow
