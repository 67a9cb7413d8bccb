#include "services/common/crypto.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ketenregie::common {

void EnsureSodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) {
    throw std::runtime_error("libsodium failed to initialise");
  }
}

std::string Sha256Hex(std::string_view bytes) {
  EnsureSodium();
  unsigned char hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return Hex(std::string_view(reinterpret_cast<const char*>(hash), sizeof hash));
}

std::string Hex(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                 bytes.size());
  out.pop_back();
  return out;
}

namespace {

constexpr unsigned char kEnvelopeVersion = 1;

std::string FromHex(const std::string& hex, const std::string& where) {
  std::string bytes(hex.size() / 2, '\0');
  std::size_t length = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), hex.data(),
                     hex.size(), nullptr, &length, nullptr) != 0 ||
      length != 32 || hex.size() != 64) {
    throw std::runtime_error(where + ": a key is 64 hex digits (32 bytes)");
  }
  return bytes;
}

bool ValidKeyId(const std::string& id) {
  return !id.empty() && id.size() < 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// Maps the UTF-8 letters with diacritics that occur in names in the region
// (Latin-1 Supplement and Latin Extended-A) to their base letter; ' ' for a
// separator (× ÷); 0 for any other two-byte letter (Cyrillic, Greek, Arabic,
// Hebrew, Latin Extended-B such as Romanian ș ț), which is kept as it is.
char FoldTwoByte(unsigned char lead, unsigned char trail) {
  const unsigned code = ((lead & 0x1Fu) << 6) | (trail & 0x3Fu);
  static constexpr const char* kLatin1 =  // U+00C0 .. U+00FF
      "aaaaaaaceeeeiiiidnooooo ouuuuyts"
      "aaaaaaaceeeeiiiidnooooo ouuuuyty";
  if (code >= 0xC0 && code <= 0xFF) {
    return kLatin1[code - 0xC0];
  }
  static constexpr const char* kExtendedA =  // U+0100 .. U+017F
      "aaaaaaccccccccddddeeeeeeeeeegggg"
      "gggghhhhiiiiiiiiiijjjjkkklllllll"
      "lllnnnnnnnnnoooooooorrrrrrssssss"
      "ssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
  if (code >= 0x100 && code <= 0x17F) {
    return kExtendedA[code - 0x100];
  }
  return 0;
}

void AppendWords(std::string_view text, std::vector<std::string>& words) {
  std::string word;
  auto flush = [&] {
    if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (std::isalnum(c)) {
        word.push_back(static_cast<char>(std::tolower(c)));
      } else if (c == '\'' || c == '`') {
        // O'Brien and OBrien are the same person.
      } else {
        flush();
      }
    } else if ((c & 0xE0) == 0xC0 && i + 1 < text.size()) {
      const auto trail = static_cast<unsigned char>(text[++i]);
      const char folded = FoldTwoByte(c, trail);
      if (folded == ' ') {
        flush();
      } else if (folded == 0) {
        word.push_back(static_cast<char>(c));
        word.push_back(static_cast<char>(trail));
      } else {
        word.push_back(folded);
      }
    } else {
      // Other scripts are kept byte for byte: they still match themselves.
      word.push_back(static_cast<char>(c));
    }
  }
  flush();
}

std::string KeyedHash(std::string_view input, const std::string& key) {
  std::string out(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                     reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return out;
}

}  // namespace

Keyring Keyring::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot read key file " + path);
  }
  std::map<std::string, std::string> aead;
  std::map<std::string, std::string> blind;
  std::string active;
  std::string active_blind;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = path + ":" + std::to_string(number);
    std::istringstream fields(line);
    std::string kind;
    std::string id;
    std::string hex;
    if (!(fields >> kind) || kind.front() == '#') {
      continue;
    }
    fields >> id >> hex;
    if (!ValidKeyId(id)) {
      throw std::runtime_error(where + ": bad key id");
    }
    if (kind == "aead" || kind == "blind") {
      auto& keys = kind == "aead" ? aead : blind;
      if (!keys.emplace(id, FromHex(hex, where)).second) {
        throw std::runtime_error(where + ": key id used twice");
      }
    } else if (kind == "active") {
      active = id;
    } else if (kind == "active-blind") {
      active_blind = id;
    } else {
      throw std::runtime_error(where + ": unknown line kind " + kind);
    }
  }
  return FromKeys(std::move(aead), active, std::move(blind), active_blind);
}

Keyring Keyring::FromKeys(std::map<std::string, std::string> aead_keys, std::string active,
                          std::map<std::string, std::string> blind_keys, std::string active_blind) {
  EnsureSodium();
  if (!aead_keys.contains(active)) {
    throw std::runtime_error("the active key is not in the key file");
  }
  if (!blind_keys.contains(active_blind)) {
    throw std::runtime_error("the active blind-index key is not in the key file");
  }
  for (const auto& [id, key] : aead_keys) {
    if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
      throw std::runtime_error("key " + id + " is not 32 bytes");
    }
  }
  Keyring keyring;
  keyring.aead_keys_ = std::move(aead_keys);
  keyring.blind_keys_ = std::move(blind_keys);
  keyring.active_ = std::move(active);
  keyring.active_blind_ = std::move(active_blind);
  return keyring;
}

// Envelope: version (1) | key id length (1) | key id | nonce (24) | ciphertext+tag.
std::string Keyring::Seal(std::string_view plaintext, std::string_view context) const {
  const std::string& key = aead_keys_.at(active_);
  std::string out;
  out.push_back(static_cast<char>(kEnvelopeVersion));
  out.push_back(static_cast<char>(active_.size()));
  out += active_;
  unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
  randombytes_buf(nonce, sizeof nonce);
  out.append(reinterpret_cast<const char*>(nonce), sizeof nonce);
  const std::size_t header = out.size();
  out.resize(header + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(out.data() + header), &written,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(context.data()), context.size(), nullptr, nonce,
      reinterpret_cast<const unsigned char*>(key.data()));
  out.resize(header + written);
  return out;
}

std::string Keyring::KeyIdOf(std::string_view envelope) {
  if (envelope.size() < 2 || static_cast<unsigned char>(envelope[0]) != kEnvelopeVersion ||
      envelope.size() < 2u + static_cast<unsigned char>(envelope[1])) {
    throw std::runtime_error("not a Ketenregie ciphertext");
  }
  return std::string(envelope.substr(2, static_cast<unsigned char>(envelope[1])));
}

std::string Keyring::Open(std::string_view envelope, std::string_view context) const {
  const std::string key_id = KeyIdOf(envelope);
  const auto key = aead_keys_.find(key_id);
  if (key == aead_keys_.end()) {
    throw std::runtime_error("ciphertext key " + key_id + " is not in the key file");
  }
  const std::size_t nonce_at = 2 + key_id.size();
  const std::size_t header = nonce_at + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  if (envelope.size() < header + crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    throw std::runtime_error("ciphertext too short");
  }
  std::string plaintext(envelope.size() - header - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long length = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plaintext.data()), &length, nullptr,
          reinterpret_cast<const unsigned char*>(envelope.data() + header),
          envelope.size() - header, reinterpret_cast<const unsigned char*>(context.data()),
          context.size(), reinterpret_cast<const unsigned char*>(envelope.data() + nonce_at),
          reinterpret_cast<const unsigned char*>(key->second.data())) != 0) {
    throw std::runtime_error("ciphertext does not authenticate (tampered, or another row)");
  }
  plaintext.resize(length);
  return plaintext;
}

std::string Keyring::BlindIndex(std::string_view normalised) const {
  return KeyedHash(normalised, blind_keys_.at(active_blind_));
}

std::vector<std::string> Keyring::BlindIndexCandidates(std::string_view normalised) const {
  std::vector<std::string> out;
  for (const auto& [id, key] : blind_keys_) {
    out.push_back(KeyedHash(normalised, key));
  }
  return out;
}

KeyringHolder::KeyringHolder(std::string path) : path_(std::move(path)) {
  loaded_mtime_ = std::filesystem::last_write_time(path_);
  current_.store(std::make_shared<const Keyring>(Keyring::Load(path_)));
}

KeyringHolder::KeyringHolder(Keyring keyring) {
  current_.store(std::make_shared<const Keyring>(std::move(keyring)));
}

void KeyringHolder::Set(Keyring keyring) {
  current_.store(std::make_shared<const Keyring>(std::move(keyring)));
}

bool KeyringHolder::ReloadIfChanged() {
  if (path_.empty()) {
    return false;
  }
  try {
    const auto mtime = std::filesystem::last_write_time(path_);
    if (mtime == loaded_mtime_) {
      return false;
    }
    current_.store(std::make_shared<const Keyring>(Keyring::Load(path_)));
    loaded_mtime_ = mtime;
    return true;
  } catch (const std::exception& e) {
    // Keep the keyring in use: a broken file never drops a key.
    spdlog::error("key file {} not reloaded, keeping the keys in use: {}", path_, e.what());
    return false;
  }
}

namespace {

// Rewrites a key file: `edit` gets each line and returns whether to keep
// it; `append` is added at the end. The result must load before it
// replaces the file.
template <typename Edit>
void RewriteKeyFile(const std::string& path, Edit edit, const std::string& append) {
  std::ifstream in(path);
  std::ostringstream kept;
  std::string line;
  while (std::getline(in, line)) {
    if (edit(line)) {
      kept << line << '\n';
    }
  }
  kept << append;
  const std::string temporary = path + ".new";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << kept.str();
    if (!out) {
      throw std::runtime_error("cannot write " + temporary);
    }
  }
  std::filesystem::permissions(
      temporary, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Keyring::Load(temporary);
  std::filesystem::rename(temporary, path);
}

std::pair<std::string, std::string> KindAndId(const std::string& line) {
  std::istringstream fields(line);
  std::string kind;
  std::string id;
  fields >> kind >> id;
  return {kind, id};
}

}  // namespace

void ActivateKey(const std::string& path, const std::string& aead_id, const std::string& blind_id) {
  std::string append;
  if (!aead_id.empty()) {
    append += "active " + aead_id + "\n";
  }
  if (!blind_id.empty()) {
    append += "active-blind " + blind_id + "\n";
  }
  RewriteKeyFile(
      path,
      [&](const std::string& line) {
        const auto [kind, id] = KindAndId(line);
        return !((kind == "active" && !aead_id.empty()) ||
                 (kind == "active-blind" && !blind_id.empty()));
      },
      append);
}

void RetireKey(const std::string& path, const std::string& id) {
  const Keyring current = Keyring::Load(path);  // refuse to change a broken file
  if (id == current.active_key_id() || id == current.active_blind_key_id()) {
    throw std::runtime_error("key " + id + " is active; activate another key first");
  }
  bool found = false;
  RewriteKeyFile(
      path,
      [&](const std::string& line) {
        const auto [kind, key_id] = KindAndId(line);
        const bool retired = (kind == "aead" || kind == "blind") && key_id == id;
        found = found || retired;
        return !retired;
      },
      "");
  if (!found) {
    throw std::runtime_error("no key " + id + " in " + path);
  }
}

std::string RotateKeyFile(const std::string& path, bool blind, const std::string& new_id,
                          bool activate) {
  EnsureSodium();
  const Keyring current = Keyring::Load(path);  // refuse to rotate a broken file
  (void)current;
  if (!ValidKeyId(new_id)) {
    throw std::runtime_error("bad key id " + new_id);
  }
  auto random_hex = [] {
    unsigned char key[32];
    randombytes_buf(key, sizeof key);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    sodium_memzero(key, sizeof key);
    return std::string(hex);
  };
  std::string append = "aead " + new_id + " " + random_hex() + "\n";
  if (blind) {
    append += "blind " + new_id + "-blind " + random_hex() + "\n";
  }
  RewriteKeyFile(
      path,
      [&](const std::string& line) {
        const auto [kind, id] = KindAndId(line);
        if ((kind == "aead" && id == new_id) || (kind == "blind" && id == new_id + "-blind")) {
          throw std::runtime_error("key id " + new_id + " is already in the key file");
        }
        return true;
      },
      append);
  if (activate) {
    ActivateKey(path, new_id, blind ? new_id + "-blind" : "");
  }
  return new_id;
}

std::optional<std::string> NormalisePersonKey(std::string_view given_name,
                                              std::string_view family_name, int year, int month,
                                              int day) {
  std::vector<std::string> words;
  AppendWords(given_name, words);
  AppendWords(family_name, words);
  if (words.empty()) {
    // Nothing of the name survived: an index of the date of birth alone
    // would match strangers.
    return std::nullopt;
  }
  std::sort(words.begin(), words.end());
  std::string key;
  for (const auto& word : words) {
    if (!key.empty()) {
      key.push_back(' ');
    }
    key += word;
  }
  char date[16];
  std::snprintf(date, sizeof date, "|%04d-%02d-%02d", year, month, day);
  return key + date;
}

}  // namespace ketenregie::common
