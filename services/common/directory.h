#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "workflow/access.h"
#include "workflow/domain.h"

namespace ketenregie::common {

/// A copy of the directory of organisations, users and roles (DESIGN.md
/// §6). The directory service keeps the directory; every other service
/// holds a copy that follows it (DirectoryFollower, within seconds) and
/// that is current only while it does: a copy not confirmed for
/// kDirectoryMaxAge answers nothing (Current() is false) — a service that
/// cannot learn of a deactivation refuses every caller rather than admit
/// one (fail closed). A directory of fixed entries (Load, the seed files)
/// is always current: for tests and tools. Safe to use from any thread.
class Directory final {
 public:
  struct Organisation {
    std::string id;
    workflow::OrganisationType type = workflow::OrganisationType::kUnknown;
    std::string display_name;
  };
  /// What a copy holds at one revision of the directory.
  struct Entries {
    long long revision = 0;
    std::map<std::string, Organisation, std::less<>> organisations;
    /// Active users only: (organisation id, user id) → roles.
    std::map<std::pair<std::string, std::string>, std::set<workflow::Role>> users;
  };

  /// Reads the two seed files, organisations.tsv (id, type, display name)
  /// and users.tsv (organisation id, user id, comma-separated roles); throws
  /// std::runtime_error naming file and line for a malformed line, an
  /// unknown type or role, a user of an unknown organisation, or roles that
  /// do not fit their organisation (R-DIRECTORY-ROLES).
  static Entries ReadSeed(const std::string& organisations_path, const std::string& users_path);
  /// A directory of the seed files' entries, always current.
  static Directory Load(const std::string& organisations_path, const std::string& users_path);

  /// A directory of fixed entries, always current.
  explicit Directory(Entries entries);
  /// A copy that follows the directory service: empty and not current until
  /// the first Replace; then current while the last Replace or Confirm is
  /// at most `max_age` old.
  explicit Directory(std::chrono::steady_clock::duration max_age);

  /// The entries of a newer revision.
  void Replace(Entries entries);
  /// The directory service says the copy's revision is still its own.
  void Confirm();
  /// The revision the copy holds (0: none yet).
  long long Revision() const;
  /// Whether the copy may be decided on.
  bool Current() const;

  std::optional<Organisation> FindOrganisation(std::string_view id) const;
  /// Every organisation the copy holds, by id.
  std::vector<Organisation> Organisations() const;
  /// The user's principal (organisation type and roles), or nullopt when
  /// `user` is not an active registered user of `organisation`.
  std::optional<workflow::Principal> FindPrincipal(const std::string& organisation,
                                                   const std::string& user) const;

 private:
  std::shared_ptr<const Entries> Snapshot() const;

  mutable std::mutex mutex_;
  std::shared_ptr<const Entries> entries_;
  std::optional<std::chrono::steady_clock::duration> max_age_;
  std::chrono::steady_clock::time_point confirmed_at_{};
};

/// How long a copy of the directory stays current without word from the
/// directory service (it asks every second).
inline constexpr std::chrono::seconds kDirectoryMaxAge{15};

}  // namespace ketenregie::common
