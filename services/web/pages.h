#pragma once

#include <functional>
#include <kainjow/mustache.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ketenregie::web {

inline constexpr std::string_view kHtmlContentType = "text/html; charset=utf-8";

/// What every page of a live session shows of it (R-SESSION-TIMEOUT).
/// The times are seconds from the directory's answer, so the browser's own
/// clock needs not agree with the servers'.
struct PageSession {
  std::string user;
  std::string organisation;
  /// The session's CSRF token, for the logout form.
  std::string csrf;
  /// "14:05", Amsterdam: when it ends without activity (shown without
  /// script too).
  std::string end_time;
  /// Seconds until the page warns, and until the session ends.
  long warn_in = 0;
  long end_in = 0;
  /// The end is the absolute one, which no activity moves on.
  bool final = false;
};

/// The Dutch pages of the front door, from the templates built into the
/// binary (services/web/templates). kainjow mustache HTML-escapes every
/// `{{value}}`; the layout's `{{{content}}}` is the one unescaped slot, and
/// it holds a page rendered the same way (a unit test keeps it so).
class Pages {
 public:
  /// Compiles every template; throws std::runtime_error naming one that
  /// does not compile.
  Pages();

  /// Page `name` ("home") rendered with `data`, inside the layout with
  /// `title` (Dutch, never personal data: it shows in the tab and history).
  /// With `session`, the layout says who is logged in, offers logout, and
  /// warns before the session ends for want of activity.
  std::string Render(std::string_view name, std::string_view title,
                     const kainjow::mustache::data& data,
                     const PageSession* session = nullptr) const;

  /// The Dutch error page for an HTTP status of 400 or more.
  std::string Error(int status) const;

 private:
  const kainjow::mustache::mustache& Template(std::string_view name) const;
  std::map<std::string, kainjow::mustache::mustache, std::less<>> templates_;
  /// Every static file's address by its name with '_' for '.' and '-'
  /// ("ketenregie_css"), given to every template as `static`.
  kainjow::mustache::data static_urls_;
};

/// What a person reads for an HTTP error status: a title and a sentence on
/// what to do. A status without its own text gets the one of its class
/// (4xx, 5xx).
struct ErrorText {
  int status;
  std::string_view title;
  std::string_view text;
};
const ErrorText& ErrorTextFor(int status);

/// A static file (stylesheet, image) built into the binary.
struct StaticFile {
  std::string_view content;
  std::string_view content_type;
};
/// The static file served as `served_name` ("ketenregie-3f2a….css", its
/// name with its content hash), if there is one.
std::optional<StaticFile> FindStatic(std::string_view served_name);

/// The address of static file `name` ("ketenregie.css"):
/// "/static/ketenregie-3f2a….css". Throws std::out_of_range for a file
/// that is not built in.
std::string StaticUrl(std::string_view name);

}  // namespace ketenregie::web
