#include "services/common/directory.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "workflow/directory.h"

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

Directory::Entries Directory::ReadSeed(const std::string& organisations_path,
                                       const std::string& users_path) {
  Entries entries;
  ReadTsv(organisations_path, 3, [&](const std::vector<std::string>& f, const std::string& where) {
    const auto type = workflow::OrganisationTypeFromString(f[1]);
    if (!type) {
      throw std::runtime_error(where + ": unknown organisation type " + f[1]);
    }
    if (!entries.organisations.emplace(f[0], Organisation{f[0], *type, f[2]}).second) {
      throw std::runtime_error(where + ": organisation listed twice");
    }
  });
  ReadTsv(users_path, 3, [&](const std::vector<std::string>& f, const std::string& where) {
    const auto organisation = entries.organisations.find(f[0]);
    if (organisation == entries.organisations.end()) {
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
    if (const auto misfit = workflow::CheckRolesFor(organisation->second.type, roles)) {
      throw std::runtime_error(where + ": " + std::string(misfit->rule) + ": " + misfit->message);
    }
    entries.users[{f[0], f[1]}] = std::move(roles);
  });
  return entries;
}

Directory Directory::Load(const std::string& organisations_path, const std::string& users_path) {
  return Directory(ReadSeed(organisations_path, users_path));
}

Directory::Directory(Entries entries)
    : entries_(std::make_shared<const Entries>(std::move(entries))) {}

Directory::Directory(std::chrono::steady_clock::duration max_age)
    : entries_(std::make_shared<const Entries>()), max_age_(max_age) {}

void Directory::Replace(Entries entries) {
  auto fresh = std::make_shared<const Entries>(std::move(entries));
  std::lock_guard lock(mutex_);
  entries_ = std::move(fresh);
  confirmed_at_ = std::chrono::steady_clock::now();
}

void Directory::Confirm() {
  std::lock_guard lock(mutex_);
  confirmed_at_ = std::chrono::steady_clock::now();
}

long long Directory::Revision() const { return Snapshot()->revision; }

bool Directory::Current() const {
  std::lock_guard lock(mutex_);
  if (!max_age_) {
    return true;
  }
  return confirmed_at_ != std::chrono::steady_clock::time_point{} &&
         std::chrono::steady_clock::now() - confirmed_at_ <= *max_age_;
}

std::shared_ptr<const Directory::Entries> Directory::Snapshot() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

std::optional<Directory::Organisation> Directory::FindOrganisation(std::string_view id) const {
  const auto entries = Snapshot();
  const auto found = entries->organisations.find(id);
  if (found == entries->organisations.end()) {
    return std::nullopt;
  }
  return found->second;
}

std::vector<Directory::Organisation> Directory::Organisations() const {
  std::vector<Organisation> out;
  for (const auto& [id, organisation] : Snapshot()->organisations) {
    out.push_back(organisation);
  }
  return out;
}

std::optional<workflow::Principal> Directory::FindPrincipal(const std::string& organisation,
                                                            const std::string& user) const {
  const auto entries = Snapshot();
  const auto org = entries->organisations.find(organisation);
  const auto found = entries->users.find({organisation, user});
  if (org == entries->organisations.end() || found == entries->users.end()) {
    return std::nullopt;
  }
  return workflow::Principal{org->second.type, found->second};
}

}  // namespace ketenregie::common
