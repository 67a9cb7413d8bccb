#include "services/audit/verifier.h"

#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "services/audit/storage.h"
#include "services/common/audit.h"

namespace ketenregie::audit {
namespace {

std::string Unhex(const std::string& hex) {
  std::string out(hex.size() / 2, '\0');
  std::size_t length = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                     hex.size(), nullptr, &length, nullptr) != 0) {
    throw std::runtime_error("checkpoint is not hex");
  }
  out.resize(length);
  return out;
}

std::string MacInput(long long sequence, const std::string& hash) {
  return "ketenregie-audit-checkpoint:" + std::to_string(sequence) + ":" + common::Hex(hash);
}

}  // namespace

Checkpoint WriteCheckpoint(pqxx::work& tx, const common::Keyring& keys, const std::string& path) {
  const pqxx::row head = tx.exec1("SELECT sequence, hash FROM audit.head WHERE id = 1");
  Checkpoint checkpoint{head["sequence"].as<long long>(), pqxx::binarystring(head["hash"]).str()};
  const std::string temporary = path + ".new";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << checkpoint.sequence << ' ' << common::Hex(checkpoint.hash) << ' '
        << common::Hex(keys.BlindIndex(MacInput(checkpoint.sequence, checkpoint.hash))) << '\n';
    if (!out) {
      throw std::runtime_error("cannot write " + temporary);
    }
  }
  std::filesystem::rename(temporary, path);
  return checkpoint;
}

std::optional<Checkpoint> ReadCheckpoint(const common::Keyring& keys, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return std::nullopt;
  }
  long long sequence = 0;
  std::string hash_hex;
  std::string mac_hex;
  if (!(in >> sequence >> hash_hex >> mac_hex)) {
    throw std::runtime_error("checkpoint file unreadable");
  }
  Checkpoint checkpoint{sequence, Unhex(hash_hex)};
  const std::string mac = Unhex(mac_hex);
  bool authentic = false;
  for (const auto& candidate : keys.BlindIndexCandidates(MacInput(sequence, checkpoint.hash))) {
    authentic = authentic || candidate == mac;
  }
  if (!authentic) {
    throw std::runtime_error("checkpoint MAC does not verify: the checkpoint was altered");
  }
  return checkpoint;
}

Verification VerifyChain(pqxx::work& tx, const std::optional<Checkpoint>& checkpoint) {
  Verification result;
  auto broken = [&](long long sequence, std::string problem) {
    if (result.intact) {
      result.intact = false;
      result.first_broken_sequence = sequence;
      result.problem = std::move(problem);
    }
  };
  tx.exec(std::string("DECLARE audit_chain NO SCROLL CURSOR FOR SELECT ") + kRecordColumns +
          " FROM audit.records ORDER BY sequence");
  std::string previous(32, '\0');
  long long expected = 1;
  bool checkpoint_seen = !checkpoint || checkpoint->sequence == 0;
  for (;;) {
    const pqxx::result batch = tx.exec("FETCH 10000 FROM audit_chain");
    if (batch.empty()) {
      break;
    }
    for (const auto& row : batch) {
      const common::AuditRecord r = StoredRecord(row);
      const std::string& stored_previous = r.previous_hash;
      const std::string& stored = r.hash;
      ++result.records_checked;
      if (r.sequence != expected) {
        broken(expected, "record missing");
      }
      if (stored_previous != previous) {
        broken(r.sequence, "does not follow the previous record");
      }
      if (common::AuditHash(r, stored_previous) != stored) {
        broken(r.sequence, "record changed after it was written");
      }
      if (checkpoint && r.sequence == checkpoint->sequence) {
        checkpoint_seen = true;
        if (stored != checkpoint->hash) {
          broken(r.sequence, "differs from the checkpoint kept outside the database (rewritten)");
        }
      }
      previous = stored;
      expected = r.sequence + 1;
    }
  }
  tx.exec("CLOSE audit_chain");
  if (!checkpoint_seen) {
    broken(expected, "records up to the checkpoint are missing (truncated)");
  }
  return result;
}

}  // namespace ketenregie::audit
