#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "services/common/crypto.h"

namespace ketenregie::audit {

/// The chain head as last seen outside the database: whoever can write the
/// table could re-chain all of it, but not this file's keyed MAC.
struct Checkpoint {
  long long sequence = 0;
  std::string hash;  // 32 bytes
};

/// Writes the current chain head to `path` (atomically), MAC'd with the
/// keyring's active blind key. Returns the checkpoint written.
Checkpoint WriteCheckpoint(pqxx::work& tx, const common::Keyring& keys, const std::string& path);

/// Reads and authenticates a checkpoint; nullopt when there is none yet.
/// Throws std::runtime_error when the file is there but its MAC is wrong.
std::optional<Checkpoint> ReadCheckpoint(const common::Keyring& keys, const std::string& path);

struct Verification {
  bool intact = true;
  long long records_checked = 0;
  long long first_broken_sequence = 0;
  std::string problem;
};

/// Recomputes the whole chain, streamed through a cursor (memory stays
/// flat), and checks it against `checkpoint`: names the first broken link.
Verification VerifyChain(pqxx::work& tx, const std::optional<Checkpoint>& checkpoint);

}  // namespace ketenregie::audit
