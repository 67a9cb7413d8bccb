#pragma once

/// What the shelter service's handler files share (private to the service): rendering, the audit of
/// reads and the executor of the placement machine's actions.

#include <google/protobuf/util/time_util.h>

#include <map>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/crypto.h"
#include "services/common/identity.h"
#include "services/common/validation.h"
#include "services/shelter/handler.h"
#include "services/shelter/storage.h"

namespace ketenregie::shelter {

using common::Caller;
using common::CheckEnum;
using common::CheckEtag;
using common::CheckId;
using common::CheckLength;
using common::CheckOptionalId;
using common::CheckRequestId;
using common::CheckTime;
using common::Etag;
using common::FieldErrors;
using common::FieldReason;
using common::InvalidArgument;
using common::ToInstant;
using common::ToTimestamp;
using google::protobuf::util::TimeUtil;
using workflow::Operation;
using workflow::PlacementAction;
using workflow::PlacementActionKind;
using workflow::PlacementEvent;
using workflow::PlacementState;

inline constexpr int kMaxPlacementsInSection = 20;

workflow::ShelterKind KindOf(int proto_kind);

v1::PlacementState ProtoState(PlacementState state);
/// The API's value of a shelter kind.
v1::ShelterKind ProtoKind(workflow::ShelterKind kind);

// The address only for the shelter's own staff: it is LOCATION data.
void Render(const ShelterRow& row, const common::Keyring& keyring, bool own, v1::Shelter* out);

void Render(const PlacementRow& row, const common::Keyring& keyring, bool own_shelter,
            v1::Placement* out);

using common::AuditRead;

// Carries out the placement machine's actions in the caller's transaction.
void ApplyActions(pqxx::work& tx, const PlacementRow& row,
                  const std::vector<PlacementAction>& actions, Instant now);

// --- handler --------------------------------------------------------------------

// Staff of the shelter that runs the placement, or a refusal.
grpc::Status CheckRunsIt(const Caller& caller, const ShelterRow& shelter);

grpc::Status Step(workflow::PlacementSnapshot& flow, std::vector<PlacementAction>& actions,
                  const workflow::PlacementCommand& command, Instant now);

struct ShelterHandler::PlacementChange {
  pqxx::work& tx;
  const Caller& caller;
  PlacementRow row;
  // Locked with it: the lock every bed decision of the shelter takes.
  ShelterRow shelter;
  Instant now;
  std::vector<PlacementAction> actions;
  std::string event;
  std::map<std::string, std::string> attributes;
};

}  // namespace ketenregie::shelter
