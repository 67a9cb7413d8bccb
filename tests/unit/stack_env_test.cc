#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "services/common/client.h"

namespace ketenregie::common {
namespace {

std::string WriteTemp(const std::string& text) {
  const auto path =
      std::filesystem::temp_directory_path() /
      ("stack-env-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  std::ofstream(path) << text;
  return path.string();
}

TEST(StackEnv, ReadsKeyValueLinesKeepingEqualsInValues) {
  const auto path =
      WriteTemp("# comment\nKETENREGIE_CA=/x/ca.pem\n\nKETENREGIE_PG_DSN=host=127.0.0.1 port=5\n");
  const StackEnv env = LoadStackEnv(path);
  EXPECT_EQ(env.At("KETENREGIE_CA"), "/x/ca.pem");
  EXPECT_EQ(env.At("KETENREGIE_PG_DSN"), "host=127.0.0.1 port=5");
  EXPECT_THROW(env.At("KETENREGIE_AUDIT_ADDR"), std::runtime_error);
  std::filesystem::remove(path);
}

TEST(StackEnv, RefusesALineWithoutKeyNamingTheLine) {
  const auto path = WriteTemp("A=1\n=2\n");
  try {
    LoadStackEnv(path);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(":2:"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(StackEnv, MissingFileSaysTheStackMayNotRun) {
  try {
    LoadStackEnv("/nonexistent/stack.env");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("stack started"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ketenregie::common
