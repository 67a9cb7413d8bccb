#pragma once

/// The secrets of a browser session (issue #13 item 4): its id, the cookie
/// that carries it, and the CSRF token of its forms. Sessions themselves
/// are kept server-side; their rules are workflow/session.h.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ketenregie::web {

/// The cookie's name: `__Host-` makes the browser refuse it unless it is
/// Secure, for the whole site (Path=/) and set by this host alone.
inline constexpr std::string_view kSessionCookie = "__Host-ketenregie-sessie";

/// A new session id: 256 random bits, base64url (43 characters). It lives
/// only in the cookie; the server keeps its hash.
std::string NewSessionId();
/// Whether `text` can be a session id (43 base64url characters).
bool IsSessionIdForm(std::string_view text);
/// What the server stores and the audit trail names for a session id: its
/// SHA-256 in hex (64 characters, the `x-session-hash` the services take).
/// A copy of the session table opens no session.
std::string SessionIdHash(std::string_view session_id);

/// The Set-Cookie value that hands `session_id` to the browser: Secure,
/// HttpOnly (no script reads it), SameSite=Strict (no other site's page
/// sends it), no Max-Age (it dies with the browser; the server ends it
/// sooner, workflow::kSessionIdle).
std::string SessionCookie(std::string_view session_id);
/// The Set-Cookie value that removes it at logout.
std::string ExpiredSessionCookie();
/// The session id in a Cookie header, if one of the right form is there.
std::optional<std::string> SessionIdFromCookies(std::string_view cookie_header);

/// Before there is a session, the forms that open one (login, enrolment)
/// are guarded the same way by a cookie of their own: a random id like a
/// session's, opening nothing, whose CSRF secret the forms carry. A page on
/// another site can make the browser post a login form (to log her in as
/// someone else: login CSRF) but cannot read or set this cookie.
inline constexpr std::string_view kFormCookie = "__Host-ketenregie-formulier";
/// The Set-Cookie value that hands a form id to the browser (as
/// SessionCookie: Secure, HttpOnly, SameSite=Strict, for the browser's life).
std::string FormCookie(std::string_view form_id);
/// The form id in a Cookie header, if one of the right form is there.
std::optional<std::string> FormIdFromCookies(std::string_view cookie_header);

/// Each session's CSRF secret: 256 random bits, kept with the session.
using CsrfSecret = std::array<std::uint8_t, 32>;
CsrfSecret NewCsrfSecret();
/// The CSRF secret of the session `session_id`: HMAC-SHA-256 keyed with
/// the id itself, so it needs no storage and nobody without the cookie
/// (which no script reads) can make it.
CsrfSecret CsrfSecretOf(std::string_view session_id);
/// The CSRF secret of the forms of form cookie `form_id` (kFormCookie):
/// made the same way under another label, so a form token never passes
/// for a session's, whatever ids the two cookies hold.
CsrfSecret FormCsrfSecretOf(std::string_view form_id);
/// The token a form carries: the secret under a fresh random mask each
/// time (base64url of mask ‖ mask⊕secret), so a compressed page never shows
/// the same bytes twice and cannot leak the secret through its length
/// (BREACH).
std::string CsrfToken(const CsrfSecret& secret);
/// Whether `token` is a token of `secret` (constant time).
bool IsCsrfTokenOf(const CsrfSecret& secret, std::string_view token);

}  // namespace ketenregie::web
