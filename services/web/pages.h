#pragma once

#include <functional>
#include <kainjow/mustache.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ketenregie::web {

inline constexpr std::string_view kHtmlContentType = "text/html; charset=utf-8";

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
  std::string Render(std::string_view name, std::string_view title,
                     const kainjow::mustache::data& data) const;

  /// The Dutch error page for an HTTP status of 400 or more.
  std::string Error(int status) const;

 private:
  const kainjow::mustache::mustache& Template(std::string_view name) const;
  std::map<std::string, kainjow::mustache::mustache, std::less<>> templates_;
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
/// The static file `name` ("ketenregie.css"), if there is one.
std::optional<StaticFile> FindStatic(std::string_view name);

}  // namespace ketenregie::web
