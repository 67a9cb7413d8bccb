#pragma once

#include <map>
#include <optional>
#include <string>

#include "workflow/access.h"
#include "workflow/domain.h"

namespace ketenregie::common {

/// The deployment's organisations and users with their roles. Like the
/// certificates, it is configuration the deployment owns: two tab-separated
/// files, organisations.tsv (id, type, display name) and users.tsv
/// (organisation id, user id, comma-separated roles).
class Directory final {
 public:
  /// Reads both files; throws std::runtime_error naming file and line.
  static Directory Load(const std::string& organisations_path, const std::string& users_path);

  struct Organisation {
    std::string id;
    workflow::OrganisationType type = workflow::OrganisationType::kUnknown;
    std::string display_name;
  };

  const Organisation* FindOrganisation(const std::string& id) const;
  /// The user's principal (organisation type and roles), or nullopt when
  /// `user` is not a registered user of `organisation`.
  std::optional<workflow::Principal> FindPrincipal(const std::string& organisation,
                                                   const std::string& user) const;

 private:
  std::map<std::string, Organisation> organisations_;
  std::map<std::pair<std::string, std::string>, std::set<workflow::Role>> users_;
};

}  // namespace ketenregie::common
