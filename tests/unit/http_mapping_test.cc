// The HTTP mapping of the API (google.api.http, AIP-127): every method a
// person or a partner system calls has one, resource-oriented; methods
// only Ketenregie services call (eligibility facts, packet sections, the
// disclosure decision, event feeds) have none.

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>

#include "google/api/annotations.pb.h"
#include "google/api/field_behavior.pb.h"
#include "google/api/http.pb.h"
#include "services/common/audit.h"
#include "tests/support/api_descriptors.h"
#include "workflow/access.h"

namespace ketenregie::common {
namespace {

using google::protobuf::MethodDescriptor;
using workflow::Operation;
using workflow::OrganisationType;
using workflow::Role;

// Whether any person (not a service) may be allowed `operation`, at any
// kind of organisation.
bool ForPeople(Operation operation) {
  for (int type = static_cast<int>(OrganisationType::kUnknown);
       type < static_cast<int>(OrganisationType::kService); ++type) {
    const workflow::Principal person{
        static_cast<OrganisationType>(type),
        {Role::kCoordinator, Role::kMeldpunt, Role::kShelterStaff, Role::kPartner,
         Role::kPrivacyOfficer, Role::kOrganisationAdministrator}};
    if (!workflow::CheckAccess(person, operation).has_value()) {
      return true;
    }
  }
  return false;
}

std::string PathOf(const google::api::HttpRule& rule) {
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      return rule.get();
    case google::api::HttpRule::kPost:
      return rule.post();
    case google::api::HttpRule::kPut:
      return rule.put();
    case google::api::HttpRule::kPatch:
      return rule.patch();
    case google::api::HttpRule::kDelete:
      return rule.delete_();
    default:
      return {};
  }
}

using testing::EveryServiceDescriptor;

// A path variable: {trajectory_id}.
const std::regex kVariable("\\{([a-z_]+)\\}");

TEST(HttpMapping, EveryMethodForPeopleIsMappedAndNoServiceOnlyMethodIs) {
  int mapped = 0;
  int unmapped = 0;
  for (const auto* service : EveryServiceDescriptor()) {
    const MethodAccess access = MethodAccessOf(*service);
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      bool for_people = false;
      for (const Operation operation : access.at(method->name())) {
        for_people = for_people || ForPeople(operation);
      }
      const bool has_rule = method->options().HasExtension(google::api::http);
      EXPECT_EQ(has_rule, for_people)
          << method->full_name()
          << (for_people ? " is for people but has no HTTP mapping"
                         : " is for services only but has an HTTP mapping");
      (has_rule ? mapped : unmapped)++;
    }
  }
  EXPECT_GE(mapped, 60);
  EXPECT_GE(unmapped, 8);
}

// AIP-127/136: /v1/<collection>[/{id}][/<child>][:<verb>]; a path variable
// is a field of the request; reads are GET without a body, changes POST with
// the whole request as body; no two methods share a verb and path.
TEST(HttpMapping, PathsAreResourceOrientedAndNameFieldsOfTheRequest) {
  const std::regex shape(
      "/v1(/[a-z][A-Za-z]*(/\\{[a-z_]+\\})?)+(/[a-z][A-Za-z]*)?(:[a-z][A-Za-z]*)?");
  std::map<std::string, std::string> seen;
  for (const auto* service : EveryServiceDescriptor()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      if (!method->options().HasExtension(google::api::http)) {
        continue;
      }
      SCOPED_TRACE(method->full_name());
      const google::api::HttpRule& rule = method->options().GetExtension(google::api::http);
      const std::string path = PathOf(rule);
      EXPECT_TRUE(std::regex_match(path, shape)) << path;
      for (auto it = std::sregex_iterator(path.begin(), path.end(), kVariable);
           it != std::sregex_iterator(); ++it) {
        const std::string field = (*it)[1];
        const auto* found = method->input_type()->FindFieldByName(field);
        ASSERT_NE(found, nullptr) << path << ": " << field << " is no field of the request";
        EXPECT_EQ(found->type(), google::protobuf::FieldDescriptor::TYPE_STRING) << field;
      }
      const bool changes = method->input_type()->FindFieldByName("request_id") != nullptr;
      if (changes) {
        EXPECT_EQ(rule.pattern_case(), google::api::HttpRule::kPost) << path;
        EXPECT_EQ(rule.body(), "*") << path;
      } else {
        EXPECT_EQ(rule.pattern_case(), google::api::HttpRule::kGet) << path;
        EXPECT_TRUE(rule.body().empty()) << path;
      }
      const std::string key = (changes ? "POST " : "GET ") + path;
      EXPECT_TRUE(seen.emplace(key, method->full_name()).second)
          << key << " also maps " << seen[key];
    }
  }
}

bool Behaves(const google::protobuf::FieldDescriptor& field, google::api::FieldBehavior behavior) {
  for (const int given : field.options().GetRepeatedExtension(google::api::field_behavior)) {
    if (given == behavior) {
      return true;
    }
  }
  return false;
}

// google.api.field_behavior (AIP-203): what a request must hold is REQUIRED
// (its request_id, etag and path variables), what the service sets on a
// resource is OUTPUT_ONLY (its id and etag).
TEST(FieldBehavior, RequiredInRequestsAndOutputOnlyInResources) {
  int resources = 0;
  for (const auto* service : EveryServiceDescriptor()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      SCOPED_TRACE(method->full_name());
      const auto* request = method->input_type();
      for (const char* name : {"request_id", "etag"}) {
        if (const auto* field = request->FindFieldByName(name); field != nullptr) {
          EXPECT_TRUE(Behaves(*field, google::api::REQUIRED)) << name;
        }
      }
      if (method->options().HasExtension(google::api::http)) {
        const std::string path = PathOf(method->options().GetExtension(google::api::http));
        for (auto it = std::sregex_iterator(path.begin(), path.end(), kVariable);
             it != std::sregex_iterator(); ++it) {
          const auto* field = request->FindFieldByName((*it)[1]);
          ASSERT_NE(field, nullptr);
          EXPECT_TRUE(Behaves(*field, google::api::REQUIRED)) << field->name();
        }
      }
      if (method->name().starts_with("Get") && request->FindFieldByName("id") != nullptr) {
        ++resources;
        const auto* resource = method->output_type();
        for (const char* name : {"id", "etag"}) {
          if (const auto* field = resource->FindFieldByName(name); field != nullptr) {
            EXPECT_TRUE(Behaves(*field, google::api::OUTPUT_ONLY))
                << resource->full_name() << "." << name;
          }
        }
      }
    }
  }
  EXPECT_GE(resources, 7);
}

TEST(HttpMapping, ExamplesFromTheIssue) {
  const auto* trajectory = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      "ketenregie.trajectory.v1.TrajectoryService.StartReflectionPeriod");
  ASSERT_NE(trajectory, nullptr);
  EXPECT_EQ(trajectory->options().GetExtension(google::api::http).post(),
            "/v1/trajectories/{trajectory_id}:startReflectionPeriod");
  const auto* timeline = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      "ketenregie.trajectory.v1.TrajectoryService.ListTimeline");
  ASSERT_NE(timeline, nullptr);
  EXPECT_EQ(timeline->options().GetExtension(google::api::http).get(),
            "/v1/trajectories/{trajectory_id}/timeline");
}

}  // namespace
}  // namespace ketenregie::common
