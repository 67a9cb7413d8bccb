#include "services/common/catalogue.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "services/common/status.h"
#include "workflow/rules.h"

namespace ketenregie::common {
namespace {

std::string ApiConventions() {
  std::ifstream in(std::string(KETENREGIE_SOURCE_DIR) + "/docs/api.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void ExpectDutchSentence(const CatalogueEntry& entry) {
  EXPECT_FALSE(entry.dutch.empty()) << entry.code;
  EXPECT_EQ(entry.dutch.back(), '.') << entry.code << ": a whole sentence";
  EXPECT_EQ(entry.dutch.find_first_of("{}<>"), std::string_view::npos)
      << entry.code << ": no placeholder or markup";
}

TEST(Catalogue, EveryRuleHasItsDutchTextAndTheRulesSource) {
  for (const workflow::Rule& rule : workflow::AllRules()) {
    const CatalogueEntry* entry = FindInCatalogue(rule.id);
    ASSERT_NE(entry, nullptr) << rule.id << " has no Dutch text";
    ExpectDutchSentence(*entry);
    EXPECT_EQ(entry->source, rule.source) << rule.id;
  }
}

TEST(Catalogue, EveryErrorKindAndFieldReasonHasItsDutchTextAndIsDocumented) {
  const std::string api = ApiConventions();
  ASSERT_FALSE(api.empty()) << "docs/api.md";
  auto expect = [&](std::string_view code) {
    const CatalogueEntry* entry = FindInCatalogue(code);
    ASSERT_NE(entry, nullptr) << code << " has no Dutch text";
    ExpectDutchSentence(*entry);
    EXPECT_EQ(entry->source, "docs/api.md") << code;
    EXPECT_NE(api.find("`" + std::string(code) + "`"), std::string::npos)
        << code << " is not in docs/api.md";
  };
  for (const ErrorKind kind : AllErrorKinds()) {
    expect(CodeOf(kind));
  }
  for (const FieldReason reason : AllFieldReasons()) {
    expect(CodeOf(reason));
  }
}

// ErrorInfo.reason is UPPER_SNAKE_CASE (AIP-193) for error kinds and field
// reasons; a rule keeps its id, R- and upper-case words joined by hyphens.
TEST(Catalogue, CodesAreWellFormedAndUnique) {
  const std::regex snake("[A-Z][A-Z0-9_]*[A-Z0-9]");
  const std::regex rule_id("R(-[A-Z0-9]+)+");
  std::set<std::string_view> codes;
  std::size_t rules = 0;
  for (const CatalogueEntry& entry : Catalogue()) {
    EXPECT_TRUE(codes.insert(entry.code).second) << entry.code << " twice";
    const std::string code(entry.code);
    if (code.starts_with("R-")) {
      ++rules;
      EXPECT_TRUE(std::regex_match(code, rule_id)) << code;
      EXPECT_NE(workflow::FindRule(code), nullptr) << code << " is no rule of workflow/";
    } else {
      EXPECT_TRUE(std::regex_match(code, snake)) << code;
    }
  }
  EXPECT_EQ(rules, workflow::AllRules().size()) << "a rule without an entry, or one too many";
  EXPECT_EQ(codes.size(),
            workflow::AllRules().size() + AllErrorKinds().size() + AllFieldReasons().size());
}

TEST(Catalogue, AMissingCodeGetsAGeneralSentenceNotAnEmptyOne) {
  EXPECT_EQ(FindInCatalogue("R-NO-SUCH-RULE"), nullptr);
  EXPECT_FALSE(DutchFor("R-NO-SUCH-RULE").empty());
  EXPECT_EQ(DutchFor(workflow::rules::kCrisisMax3m),
            FindInCatalogue(workflow::rules::kCrisisMax3m)->dutch);
}

// What a client reads: a refusal carries the catalogue's sentence in nl-NL.
TEST(Catalogue, ARuleRefusalCarriesTheRulesDutchSentence) {
  const workflow::RuleViolation violation{workflow::rules::kNoOverbooking, "full"};
  const grpc::Status status = RuleRefusal(violation);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(status), workflow::rules::kNoOverbooking);
  EXPECT_NE(status.error_details().find(std::string(DutchFor(workflow::rules::kNoOverbooking))),
            std::string::npos);
}

}  // namespace
}  // namespace ketenregie::common
