#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ketenregie::common {

/// Initialises libsodium once (thread-safe); throws std::runtime_error if it
/// cannot. Call before any libsodium function.
void EnsureSodium();

/// SHA-256 of `bytes`, in lower-case hex (64 characters).
std::string Sha256Hex(std::string_view bytes);

/// `bytes` in lower-case hex, two digits a byte.
std::string Hex(std::string_view bytes);

/// Field-level encryption of personal data (DESIGN.md §6) with libsodium's
/// XChaCha20-Poly1305 AEAD, and a keyed blind index to find a person again
/// without decrypting anyone.
///
/// Keys live in a key file outside the database, one per line:
///     aead <key-id> <64 hex digits>     an encryption key
///     blind <key-id> <64 hex digits>    a blind-index key
///     active <key-id>                   the encryption key new values use
///     active-blind <key-id>             the blind-index key new rows use
/// Every ciphertext carries the id of its key, so old keys keep decrypting
/// after rotation and a re-encryption job can move rows to the active key
/// while the service runs.
class Keyring final {
 public:
  /// Reads and checks a key file; throws std::runtime_error naming the line
  /// (never a key).
  static Keyring Load(const std::string& path);
  /// For tests: keys given directly.
  static Keyring FromKeys(std::map<std::string, std::string> aead_keys, std::string active,
                          std::map<std::string, std::string> blind_keys, std::string active_blind);

  /// Encrypts `plaintext`, binding it to `context` (e.g. "persons/identity/<id>"):
  /// a ciphertext copied to another row or column does not decrypt there.
  std::string Seal(std::string_view plaintext, std::string_view context) const;
  /// Decrypts; throws std::runtime_error when the key is unknown or the
  /// ciphertext or context does not match.
  std::string Open(std::string_view envelope, std::string_view context) const;
  /// The key id a ciphertext was sealed with.
  static std::string KeyIdOf(std::string_view envelope);

  const std::string& active_key_id() const { return active_; }
  const std::string& active_blind_key_id() const { return active_blind_; }

  /// Keyed hash of an already normalised value with the active blind key.
  std::string BlindIndex(std::string_view normalised) const;
  /// The same value under every blind key, for lookups across a rotation.
  std::vector<std::string> BlindIndexCandidates(std::string_view normalised) const;

 private:
  std::map<std::string, std::string> aead_keys_;
  std::map<std::string, std::string> blind_keys_;
  std::string active_;
  std::string active_blind_;
};

/// The keyring a service uses now. Key rotation without downtime: the
/// operator adds a key to the key file and makes it active; every replica
/// picks the file up on its next ReloadIfChanged (old keys stay, so old
/// values keep decrypting) and a background job re-encrypts rows under the
/// new key. A key file that fails to load is reported and the keyring in
/// use is kept: no key is ever dropped by accident.
class KeyringHolder final {
 public:
  /// Watches `path` (loaded now; throws if it cannot be).
  explicit KeyringHolder(std::string path);
  /// A fixed keyring (tests); Set() replaces it.
  explicit KeyringHolder(Keyring keyring);

  std::shared_ptr<const Keyring> Get() const { return current_.load(); }
  void Set(Keyring keyring);
  /// Reloads the file when its modification time changed; returns whether
  /// a new keyring is in use. Throws nothing.
  bool ReloadIfChanged();

 private:
  std::string path_;
  std::atomic<std::shared_ptr<const Keyring>> current_;
  std::filesystem::file_time_type loaded_mtime_{};
};

/// Adds a fresh random key to a key file (with `blind`, also a fresh
/// blind-index key "<id>-blind") and, with `activate`, makes it the active
/// one. With several replicas, add the key to every replica's file first
/// (activate = false), then activate it everywhere (ActivateKey): no replica
/// ever meets a value under a key it does not have. Old keys stay until the
/// re-encryption job has moved every value. Writes atomically, mode 0600.
std::string RotateKeyFile(const std::string& path, bool blind, const std::string& new_id,
                          bool activate = true);

/// Retires key `id` (and "<id>" as a blind-index key) from a key file once
/// no value is sealed under it any more: every service re-encrypts on its
/// own (ServiceParts::RotateKeys). Refuses the active keys and an id the
/// file does not have.
void RetireKey(const std::string& path, const std::string& id);

/// Makes keys already in the file active (an empty id leaves that one).
void ActivateKey(const std::string& path, const std::string& aead_id, const std::string& blind_id);

/// The blind-index input for a person: given and family names folded to
/// lower-case ASCII letters and digits (common diacritics removed, other
/// punctuation dropped), split into words and sorted — so "Anna-Maria de
/// Vries" and "de Vries, Anna Maria" match — then "|" and the date of birth
/// as YYYY-MM-DD. Letters of other scripts are kept as they are. Nullopt
/// when no letter of the name remains: no index then, rather than one that
/// matches everyone born that day.
std::optional<std::string> NormalisePersonKey(std::string_view given_name,
                                              std::string_view family_name, int year, int month,
                                              int day);

}  // namespace ketenregie::common
