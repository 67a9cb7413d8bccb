// Access declared once per method (R-ACCESS-ROLE): every method of every
// Ketenregie service names who may call it in the API itself, the
// `(ketenregie.common.v1.access)` option, and the gate of each service is
// built from those declarations (common::AccessGate, MethodAccessOf).

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "ketenregie/audit/v1/audit.pb.h"
#include "ketenregie/consent/v1/consent.pb.h"
#include "ketenregie/handoff/v1/handoff.pb.h"
#include "ketenregie/shelter/v1/shelter.pb.h"
#include "ketenregie/trajectory/v1/trajectory.pb.h"
#include "services/common/audit.h"
#include "services/common/service_list.h"
#include "tests/support/api_descriptors.h"

namespace ketenregie::common {
namespace {

TEST(AccessTable, EveryMethodOfEveryServiceDeclaresWhoMayCallIt) {
  const auto services = testing::EveryServiceDescriptor();
  ASSERT_EQ(services.size(), kServices.size());
  int methods = 0;
  for (const auto* service : services) {
    SCOPED_TRACE(service->full_name());
    MethodAccess access;
    ASSERT_NO_THROW(access = MethodAccessOf(*service));
    ASSERT_EQ(access.size(), static_cast<std::size_t>(service->method_count()));
    for (int i = 0; i < service->method_count(); ++i) {
      const auto entry = access.find(service->method(i)->name());
      ASSERT_NE(entry, access.end()) << service->method(i)->name();
      EXPECT_FALSE(entry->second.empty()) << service->method(i)->name();
      ++methods;
    }
  }
  EXPECT_GE(methods, 68);
}

TEST(AccessTable, AMethodWithoutADeclarationStopsTheService) {
  google::protobuf::FileDescriptorProto file;
  file.set_name("undeclared.proto");
  file.set_package("undeclared");
  file.set_syntax("proto3");
  auto* message = file.add_message_type();
  message->set_name("Empty");
  auto* service = file.add_service();
  service->set_name("Open");
  auto* method = service->add_method();
  method->set_name("Anything");
  method->set_input_type(".undeclared.Empty");
  method->set_output_type(".undeclared.Empty");
  google::protobuf::DescriptorPool pool;
  const auto* built = pool.BuildFile(file);
  ASSERT_NE(built, nullptr);
  try {
    MethodAccessOf(*built->service(0));
    FAIL() << "a method without an access declaration was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("undeclared.Open.Anything"), std::string::npos)
        << error.what();
  }
}

TEST(AccessTable, ExamplesOfWhatTheApiDeclares) {
  using workflow::Operation;
  const auto trajectory = MethodAccessOf(trajectory::v1::Trajectory::descriptor()
                                             ->file()
                                             ->FindServiceByName("TrajectoryService")
                                             ->full_name());
  EXPECT_EQ(trajectory.at("CreateSignal"), std::vector{Operation::kRecordSignal});
  EXPECT_EQ(trajectory.at("ListEvents"), std::vector{Operation::kReadEvents});
  const auto shelter = MethodAccessOf(
      *shelter::v1::Shelter::descriptor()->file()->FindServiceByName("ShelterService"));
  EXPECT_EQ(shelter.at("CancelPlacement"),
            (std::vector{Operation::kRequestPlacement, Operation::kRunPlacement}));
  EXPECT_EQ(shelter.at("ListPlacements"), std::vector{Operation::kReadPlacements});
}

}  // namespace
}  // namespace ketenregie::common
