#include "services/common/credentials.h"

#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "services/common/crypto.h"
#include "services/common/identity.h"
#include "workflow/login.h"

namespace ketenregie::common {
namespace {

constexpr std::string_view kArgon2idPrefix = "$argon2id$";

// A recovery code holds about 59 random bits: guessing one offline is out of
// reach with far less work per hash than a password needs.
constexpr PasswordCost kRecoveryCodeCost{2, 16u << 20};

constexpr std::string_view kRecoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";
constexpr std::size_t kRecoveryCodeLength = 12;

constexpr int kTotpDigits = 6;

void EnsureOath() {
  static const bool ready = oath_init() == OATH_OK;
  if (!ready) {
    throw std::runtime_error("liboath failed to initialise");
  }
}

bool IsArgon2id(std::string_view stored) {
  return stored.starts_with(kArgon2idPrefix) && stored.size() < crypto_pwhash_STRBYTES &&
         stored.find('\0') == std::string_view::npos;
}

}  // namespace

std::string HashPassword(std::string_view password, PasswordCost cost) {
  EnsureSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.passes, cost.memory_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("argon2id: not enough memory for a password hash");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view stored, std::string_view password) {
  EnsureSodium();
  if (!IsArgon2id(stored)) {
    return false;
  }
  const std::string terminated(stored);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool PasswordNeedsRehash(std::string_view stored, PasswordCost cost) {
  EnsureSodium();
  if (!IsArgon2id(stored)) {
    return true;
  }
  const std::string terminated(stored);
  return crypto_pwhash_str_needs_rehash(terminated.c_str(), cost.passes, cost.memory_bytes) != 0;
}

bool VerifyPasswordOfNobody(std::string_view password) {
  // Made once, from a random password nobody knows, at today's cost.
  static const std::string nobody = [] {
    std::array<unsigned char, 32> random{};
    EnsureSodium();
    randombytes_buf(random.data(), random.size());
    return HashPassword(std::string_view(reinterpret_cast<const char*>(random.data()), 32));
  }();
  VerifyPassword(nobody, password);
  return false;
}

TotpSecret NewTotpSecret() {
  EnsureSodium();
  TotpSecret secret{};
  randombytes_buf(secret.data(), secret.size());
  return secret;
}

std::string TotpSecretBase32(const TotpSecret& secret) {
  EnsureOath();
  char* encoded = nullptr;
  size_t length = 0;
  if (oath_base32_encode(reinterpret_cast<const char*>(secret.data()), secret.size(), &encoded,
                         &length) != OATH_OK) {
    throw std::runtime_error("base32 encoding failed");
  }
  const std::unique_ptr<char, decltype(&free)> owned(encoded, &free);
  std::string text(encoded, length);
  text.erase(std::remove(text.begin(), text.end(), '='), text.end());
  return text;
}

std::optional<TotpSecret> TotpSecretFromBase32(std::string_view text) {
  EnsureOath();
  std::string padded;
  for (const char c : text) {
    padded += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  while (padded.size() % 8 != 0) {
    padded += '=';
  }
  char* decoded = nullptr;
  size_t length = 0;
  if (oath_base32_decode(padded.data(), padded.size(), &decoded, &length) != OATH_OK) {
    return std::nullopt;
  }
  const std::unique_ptr<char, decltype(&free)> owned(decoded, &free);
  TotpSecret secret{};
  if (length != secret.size()) {
    return std::nullopt;
  }
  std::copy(decoded, decoded + length, secret.begin());
  return secret;
}

std::string TotpEnrolmentUri(const TotpSecret& secret, std::string_view account) {
  // A handle's characters ([a-z0-9._@-]) need no escaping in a URI path.
  if (!IsValidPrincipalId(account)) {
    throw std::invalid_argument("account: a user handle (IsValidPrincipalId)");
  }
  return "otpauth://totp/Ketenregie:" + std::string(account) +
         "?secret=" + TotpSecretBase32(secret) +
         "&issuer=Ketenregie&algorithm=SHA1&digits=6&period=" +
         std::to_string(workflow::kTotpStep.count());
}

std::int64_t TotpStepAt(workflow::Instant now) {
  return now.time_since_epoch().count() / workflow::kTotpStep.count();
}

std::string TotpCode(const TotpSecret& secret, std::int64_t step) {
  EnsureOath();
  char code[kTotpDigits + 1] = {};
  if (oath_hotp_generate(reinterpret_cast<const char*>(secret.data()), secret.size(),
                         static_cast<uint64_t>(step), kTotpDigits, false,
                         OATH_HOTP_DYNAMIC_TRUNCATION, code) != OATH_OK) {
    throw std::runtime_error("TOTP code generation failed");
  }
  return std::string(code, kTotpDigits);
}

std::optional<std::int64_t> MatchTotp(const TotpSecret& secret, std::string_view code,
                                      workflow::Instant now) {
  if (code.size() != kTotpDigits ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  EnsureOath();
  const std::string terminated(code);
  int position = 0;
  uint64_t counter = 0;
  const int found = oath_totp_validate4(reinterpret_cast<const char*>(secret.data()), secret.size(),
                                        static_cast<time_t>(now.time_since_epoch().count()),
                                        static_cast<unsigned>(workflow::kTotpStep.count()),
                                        OATH_TOTP_DEFAULT_START_TIME, workflow::kTotpDriftSteps,
                                        &position, &counter, 0, terminated.c_str());
  if (found < 0) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(counter);
}

std::string NewEnrolmentCode() {
  EnsureSodium();
  std::string code;
  for (std::size_t k = 0; k < kRecoveryCodeLength; ++k) {
    if (k > 0 && k % 4 == 0) {
      code += '-';
    }
    code += kRecoveryAlphabet[randombytes_uniform(kRecoveryAlphabet.size())];
  }
  return code;
}

std::vector<std::string> NewRecoveryCodes() {
  std::vector<std::string> codes;
  for (int i = 0; i < kRecoveryCodeCount; ++i) {
    codes.push_back(NewEnrolmentCode());
  }
  return codes;
}

std::optional<std::string> NormaliseRecoveryCode(std::string_view typed) {
  std::string code;
  for (const char c : typed) {
    if (c == '-' || c == ' ') {
      continue;
    }
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (kRecoveryAlphabet.find(lower) == std::string_view::npos) {
      return std::nullopt;
    }
    code += lower;
  }
  if (code.size() != kRecoveryCodeLength) {
    return std::nullopt;
  }
  return code;
}

std::string HashRecoveryCode(std::string_view code) {
  const auto normal = NormaliseRecoveryCode(code);
  if (!normal) {
    throw std::invalid_argument("not a recovery code");
  }
  return HashPassword(*normal, kRecoveryCodeCost);
}

bool VerifyRecoveryCodeOfNobody(std::string_view typed) {
  static const std::string nobody = HashRecoveryCode(NewEnrolmentCode());
  VerifyPassword(nobody, NormaliseRecoveryCode(typed).value_or("nobody's code"));
  return false;
}

std::optional<std::size_t> MatchRecoveryCode(const std::vector<std::string>& stored,
                                             std::string_view typed) {
  const auto normal = NormaliseRecoveryCode(typed);
  if (!normal) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (VerifyPassword(stored[i], *normal)) {
      return i;
    }
  }
  return std::nullopt;
}

QrCode QrCodeOf(std::string_view text) {
  const std::string terminated(text);
  const std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(
      QRcode_encodeString8bit(terminated.c_str(), 0, QR_ECLEVEL_M), &QRcode_free);
  if (qr == nullptr) {
    throw std::runtime_error("the text does not fit in a QR code");
  }
  constexpr int kQuiet = 4;
  const int width = qr->width;
  QrCode out;
  out.size = width + 2 * kQuiet;
  // One 1×1 square per dark module, each row's run joined.
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width;) {
      if ((qr->data[y * width + x] & 1) == 0) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < width && (qr->data[y * width + x + run] & 1) != 0) {
        ++run;
      }
      out.path += "M" + std::to_string(x + kQuiet) + " " + std::to_string(y + kQuiet) + "h" +
                  std::to_string(run) + "v1h-" + std::to_string(run) + "z";
      x += run;
    }
  }
  return out;
}

std::string QrCodeSvg(std::string_view text) {
  const QrCode qr = QrCodeOf(text);
  const std::string dimension = std::to_string(qr.size);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + dimension + " " + dimension +
         "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR-code\">" +
         "<rect width=\"" + dimension + "\" height=\"" + dimension + "\" fill=\"#fff\"/>" +
         "<path fill=\"#000\" d=\"" + qr.path + "\"/></svg>";
}

}  // namespace ketenregie::common
