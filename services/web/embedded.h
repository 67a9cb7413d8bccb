#pragma once

#include <string_view>
#include <vector>

namespace ketenregie::web {

/// A file built into the web service: "templates/layout.mustache",
/// "static/ketenregie.css".
struct EmbeddedFile {
  std::string_view path;
  std::string_view content;
  /// A static file's name with its content hash ("ketenregie-3f2a….css"),
  /// under which /static/ serves it; empty for a template.
  std::string_view served_name;
};

/// Every embedded file (services/web/embed.cmake generates the list).
const std::vector<EmbeddedFile>& EmbeddedFiles();

}  // namespace ketenregie::web
