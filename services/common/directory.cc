#include "services/common/directory.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace ketenregie::common {
namespace {

// Calls `row(fields, where)` for each non-comment line of a TSV file.
template <typename Row>
void ReadTsv(const std::string& path, std::size_t columns, Row row) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot read " + path);
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    std::vector<std::string> fields;
    std::stringstream split(line);
    std::string field;
    while (std::getline(split, field, '\t')) {
      fields.push_back(field);
    }
    const std::string where = path + ":" + std::to_string(number);
    if (fields.size() != columns) {
      throw std::runtime_error(where + ": expected " + std::to_string(columns) +
                               " tab-separated fields");
    }
    row(fields, where);
  }
}

}  // namespace

Directory Directory::Load(const std::string& organisations_path, const std::string& users_path) {
  Directory directory;
  ReadTsv(organisations_path, 3, [&](const std::vector<std::string>& f, const std::string& where) {
    const auto type = workflow::OrganisationTypeFromString(f[1]);
    if (!type) {
      throw std::runtime_error(where + ": unknown organisation type " + f[1]);
    }
    if (!directory.organisations_.emplace(f[0], Organisation{f[0], *type, f[2]}).second) {
      throw std::runtime_error(where + ": organisation listed twice");
    }
  });
  ReadTsv(users_path, 3, [&](const std::vector<std::string>& f, const std::string& where) {
    if (!directory.organisations_.contains(f[0])) {
      throw std::runtime_error(where + ": user of an unknown organisation");
    }
    std::set<workflow::Role> roles;
    std::stringstream split(f[2]);
    std::string name;
    while (std::getline(split, name, ',')) {
      const auto role = workflow::RoleFromString(name);
      if (!role) {
        throw std::runtime_error(where + ": unknown role " + name);
      }
      roles.insert(*role);
    }
    directory.users_[{f[0], f[1]}] = std::move(roles);
  });
  return directory;
}

const Directory::Organisation* Directory::FindOrganisation(const std::string& id) const {
  const auto found = organisations_.find(id);
  return found == organisations_.end() ? nullptr : &found->second;
}

std::optional<workflow::Principal> Directory::FindPrincipal(const std::string& organisation,
                                                            const std::string& user) const {
  const Organisation* org = FindOrganisation(organisation);
  const auto found = users_.find({organisation, user});
  if (org == nullptr || found == users_.end()) {
    return std::nullopt;
  }
  return workflow::Principal{org->type, found->second};
}

}  // namespace ketenregie::common
