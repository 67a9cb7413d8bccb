#include "services/common/crypto.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ketenregie::common {
namespace {

const std::string kKey1(32, '\x11');
const std::string kKey2(32, '\x22');
const std::string kBlind1(32, '\x33');
const std::string kBlind2(32, '\x44');

Keyring Ring(const std::string& active, const std::string& active_blind = "b1") {
  return Keyring::FromKeys({{"k1", kKey1}, {"k2", kKey2}}, active,
                           {{"b1", kBlind1}, {"b2", kBlind2}}, active_blind);
}

TEST(Keyring, SealsAndOpensWithTheSameContext) {
  const Keyring ring = Ring("k1");
  const std::string sealed = ring.Seal("Anna de Vries", "persons/identity/42");
  EXPECT_EQ(sealed.find("Anna"), std::string::npos) << "plaintext visible";
  EXPECT_EQ(Keyring::KeyIdOf(sealed), "k1");
  EXPECT_EQ(ring.Open(sealed, "persons/identity/42"), "Anna de Vries");
}

TEST(Keyring, SameValueSealsDifferentlyEachTime) {
  const Keyring ring = Ring("k1");
  EXPECT_NE(ring.Seal("x", "c"), ring.Seal("x", "c"));
}

TEST(Keyring, ACiphertextMovedToAnotherRowDoesNotOpen) {
  const Keyring ring = Ring("k1");
  const std::string sealed = ring.Seal("secret address", "shelters/address/1");
  EXPECT_THROW(ring.Open(sealed, "shelters/address/2"), std::runtime_error);
}

TEST(Keyring, TamperedCiphertextDoesNotOpen) {
  const Keyring ring = Ring("k1");
  std::string sealed = ring.Seal("secret", "c");
  sealed.back() = static_cast<char>(sealed.back() ^ 1);
  EXPECT_THROW(ring.Open(sealed, "c"), std::runtime_error);
}

TEST(Keyring, AfterRotationOldCiphertextsStillOpen) {
  const std::string old_value = Ring("k1").Seal("before rotation", "c");
  const Keyring rotated = Ring("k2");
  EXPECT_EQ(rotated.Open(old_value, "c"), "before rotation");
  EXPECT_EQ(Keyring::KeyIdOf(rotated.Seal("after", "c")), "k2");
  const Keyring without_old = Keyring::FromKeys({{"k2", kKey2}}, "k2", {{"b1", kBlind1}}, "b1");
  EXPECT_THROW(without_old.Open(old_value, "c"), std::runtime_error);
}

TEST(Keyring, BlindIndexIsKeyedAndFindsAcrossRotation) {
  const std::string person = *NormalisePersonKey("Anna", "de Vries", 1999, 3, 4);
  const Keyring ring = Ring("k1", "b1");
  const std::string index = ring.BlindIndex(person);
  EXPECT_EQ(index.size(), 32u);
  EXPECT_EQ(index, ring.BlindIndex(person));
  EXPECT_NE(index, Ring("k1", "b2").BlindIndex(person)) << "another key, another index";
  const auto candidates = Ring("k1", "b2").BlindIndexCandidates(person);
  EXPECT_NE(std::find(candidates.begin(), candidates.end(), index), candidates.end());
}

TEST(Keyring, LoadsAKeyFileAndNamesTheBadLineNotTheKey) {
  const auto path = std::filesystem::temp_directory_path() / "ketenregie-test.keys";
  {
    std::ofstream out(path);
    out << "# test keys\n"
        << "aead k1 " << std::string(64, 'a') << "\n"
        << "blind b1 " << std::string(64, 'b') << "\n"
        << "active k1\nactive-blind b1\n";
  }
  const Keyring ring = Keyring::Load(path.string());
  EXPECT_EQ(ring.active_key_id(), "k1");
  {
    std::ofstream out(path);
    out << "aead k1 " << std::string(62, 'a') << "\nactive k1\n";
  }
  try {
    Keyring::Load(path.string());
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(":1:"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find(std::string(62, 'a')), std::string::npos);
  }
  std::filesystem::remove(path);
}

TEST(Keyring, RotatingAKeyFileKeepsOldKeysAndActivatesTheNewOne) {
  const auto path = std::filesystem::temp_directory_path() / "ketenregie-rotate.keys";
  {
    std::ofstream out(path);
    out << "aead k1 " << std::string(64, 'a') << "\nblind b1 " << std::string(64, 'b')
        << "\nactive k1\nactive-blind b1\n";
  }
  const std::string sealed = Keyring::Load(path.string()).Seal("waarde", "ctx");
  EXPECT_EQ(RotateKeyFile(path.string(), /*blind=*/true, "k2"), "k2");
  const Keyring rotated = Keyring::Load(path.string());
  EXPECT_EQ(rotated.active_key_id(), "k2");
  EXPECT_EQ(rotated.active_blind_key_id(), "k2-blind");
  EXPECT_EQ(rotated.Open(sealed, "ctx"), "waarde") << "old key kept";
  EXPECT_THROW(RotateKeyFile(path.string(), false, "k2"), std::runtime_error) << "id reused";
  EXPECT_EQ((std::filesystem::status(path).permissions() & std::filesystem::perms::others_read),
            std::filesystem::perms::none);
  std::filesystem::remove(path);
}

TEST(Keyring, RetiringAKeyRemovesItButNeverAnActiveOne) {
  const auto path = std::filesystem::temp_directory_path() / "ketenregie-retire.keys";
  {
    std::ofstream out(path);
    out << "aead k1 " << std::string(64, 'a') << "\nblind b1 " << std::string(64, 'b')
        << "\nactive k1\nactive-blind b1\n";
  }
  const std::string old = Keyring::Load(path.string()).Seal("waarde", "ctx");
  RotateKeyFile(path.string(), /*blind=*/true, "k2");
  EXPECT_THROW(RetireKey(path.string(), "k2"), std::runtime_error) << "the active key";
  EXPECT_THROW(RetireKey(path.string(), "k2-blind"), std::runtime_error) << "the active blind key";
  EXPECT_THROW(RetireKey(path.string(), "k9"), std::runtime_error) << "not in the file";
  RetireKey(path.string(), "k1");
  RetireKey(path.string(), "b1");
  const Keyring left = Keyring::Load(path.string());
  EXPECT_EQ(left.active_key_id(), "k2");
  EXPECT_THROW(left.Open(old, "ctx"), std::runtime_error) << "k1 is gone";
  EXPECT_EQ(left.Open(left.Seal("nieuw", "ctx"), "ctx"), "nieuw");
  EXPECT_EQ(left.BlindIndexCandidates("x").size(), 1u);
  std::filesystem::remove(path);
}

TEST(NormalisePersonKey, KeepsOtherScriptsAndRefusesAnEmptyName) {
  // Cyrillic and Romanian letters are part of the name, not separators.
  const auto ivan = NormalisePersonKey("\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD", "Petrov", 1990, 1, 1);
  const auto olga =
      NormalisePersonKey("\xD0\x9E\xD0\xBB\xD1\x8C\xD0\xB3\xD0\xB0", "Petrov", 1990, 1, 1);
  ASSERT_TRUE(ivan && olga);
  EXPECT_NE(*ivan, *olga);
  EXPECT_NE(NormalisePersonKey("Ioan", "\xC8\x98tefan", 1990, 1, 1),
            NormalisePersonKey("Ioan", "tefan", 1990, 1, 1));
  EXPECT_FALSE(NormalisePersonKey("", "--", 1990, 1, 1).has_value());
}

TEST(NormalisePersonKey, FoldsCaseDiacriticsPunctuationAndWordOrder) {
  const std::optional<std::string> a = NormalisePersonKey("Anna-Maria", "de Vries", 1999, 3, 4);
  EXPECT_EQ(a, std::optional<std::string>("anna de maria vries|1999-03-04"));
  EXPECT_EQ(NormalisePersonKey("ANNA MARIA", "De  Vries", 1999, 3, 4), a);
  EXPECT_EQ(NormalisePersonKey("de Vries", "Anna Maria", 1999, 3, 4), a);
  EXPECT_EQ(NormalisePersonKey("Zoë",
                               "Ça\xC4\x9F"
                               "layan",
                               2001, 12, 1),
            NormalisePersonKey("Zoe", "Caglayan", 2001, 12, 1));
  EXPECT_EQ(NormalisePersonKey("Siobhán", "O'Brien", 1990, 1, 2),
            NormalisePersonKey("Siobhan", "OBrien", 1990, 1, 2));
  EXPECT_NE(NormalisePersonKey("Anna", "de Vries", 1999, 3, 5),
            NormalisePersonKey("Anna", "de Vries", 1999, 3, 4));
}

}  // namespace
}  // namespace ketenregie::common
