#include "services/web/session_tokens.h"

#include <sodium.h>

#include <algorithm>
#include <vector>

#include "services/common/crypto.h"

namespace ketenregie::web {
namespace {

constexpr std::size_t kSessionIdBytes = 32;
constexpr int kBase64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

std::string Base64Url(const std::uint8_t* bytes, std::size_t size) {
  std::string text(sodium_base64_ENCODED_LEN(size, kBase64), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes, size, kBase64);
  text.resize(text.find('\0'));
  return text;
}

std::optional<std::vector<std::uint8_t>> FromBase64Url(std::string_view text, std::size_t size) {
  std::vector<std::uint8_t> bytes(size);
  std::size_t length = 0;
  if (sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &length,
                        nullptr, kBase64) != 0 ||
      length != size) {
    return std::nullopt;
  }
  return bytes;
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string NewSessionId() {
  common::EnsureSodium();
  std::array<std::uint8_t, kSessionIdBytes> id{};
  randombytes_buf(id.data(), id.size());
  return Base64Url(id.data(), id.size());
}

bool IsSessionIdForm(std::string_view text) {
  return text.size() == 43 && std::all_of(text.begin(), text.end(), IsBase64UrlChar);
}

std::string SessionIdHash(std::string_view session_id) { return common::Sha256Hex(session_id); }

namespace {

std::string CookieOf(std::string_view name, std::string_view id) {
  return std::string(name) + "=" + std::string(id) + "; Path=/; Secure; HttpOnly; SameSite=Strict";
}

// The id in cookie `name` of a Cookie header, "a=1; name=…; b=2": the
// first of that name counts, and only in the form of an id.
std::optional<std::string> IdFromCookies(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') {
      pair.remove_prefix(1);
    }
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos || pair.substr(0, equals) != name) {
      continue;
    }
    const std::string_view value = pair.substr(equals + 1);
    return IsSessionIdForm(value) ? std::optional(std::string(value)) : std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::string SessionCookie(std::string_view session_id) {
  return CookieOf(kSessionCookie, session_id);
}

std::string ExpiredSessionCookie() {
  return std::string(kSessionCookie) + "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0";
}

std::optional<std::string> SessionIdFromCookies(std::string_view header) {
  return IdFromCookies(header, kSessionCookie);
}

std::string FormCookie(std::string_view form_id) { return CookieOf(kFormCookie, form_id); }

std::optional<std::string> FormIdFromCookies(std::string_view header) {
  return IdFromCookies(header, kFormCookie);
}

CsrfSecret NewCsrfSecret() {
  common::EnsureSodium();
  CsrfSecret secret{};
  randombytes_buf(secret.data(), secret.size());
  return secret;
}

namespace {

// HMAC-SHA-256 of `purpose` keyed with `id`.
CsrfSecret SecretOf(std::string_view id, std::string_view purpose) {
  common::EnsureSodium();
  CsrfSecret secret{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(id.data()), id.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(purpose.data()),
                                purpose.size());
  crypto_auth_hmacsha256_final(&state, secret.data());
  return secret;
}

}  // namespace

CsrfSecret CsrfSecretOf(std::string_view session_id) {
  return SecretOf(session_id, "ketenregie csrf v1");
}

CsrfSecret FormCsrfSecretOf(std::string_view form_id) {
  return SecretOf(form_id, "ketenregie form csrf v1");
}

std::string CsrfToken(const CsrfSecret& secret) {
  common::EnsureSodium();
  std::array<std::uint8_t, 2 * sizeof(CsrfSecret)> token{};
  randombytes_buf(token.data(), secret.size());
  for (std::size_t i = 0; i < secret.size(); ++i) {
    token[secret.size() + i] = token[i] ^ secret[i];
  }
  return Base64Url(token.data(), token.size());
}

bool IsCsrfTokenOf(const CsrfSecret& secret, std::string_view token) {
  common::EnsureSodium();
  const auto bytes = FromBase64Url(token, 2 * secret.size());
  if (!bytes) {
    return false;
  }
  CsrfSecret unmasked{};
  for (std::size_t i = 0; i < secret.size(); ++i) {
    unmasked[i] = (*bytes)[i] ^ (*bytes)[secret.size() + i];
  }
  return sodium_memcmp(unmasked.data(), secret.data(), secret.size()) == 0;
}

}  // namespace ketenregie::web
