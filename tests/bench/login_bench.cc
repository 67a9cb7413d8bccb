// What one login costs the directory (issue #13): hashing and checking a
// password with today's argon2id parameters (kPasswordCost), beside OWASP's
// minimum for argon2id (19 MiB, 2 passes) in the same run as the baseline,
// and a one-time code and a recovery code check.
//   build/tests/bench/login_bench
#include <benchmark/benchmark.h>

#include "services/common/credentials.h"

namespace ketenregie::common {
namespace {

constexpr PasswordCost kOwaspMinimum{2, 19u << 20};

void BM_VerifyPassword(benchmark::State& state, PasswordCost cost) {
  const std::string stored = HashPassword("paardenbloem in de wei", cost);
  for (auto _ : state) {
    benchmark::DoNotOptimize(VerifyPassword(stored, "paardenbloem in de wei"));
  }
}
BENCHMARK_CAPTURE(BM_VerifyPassword, today_64MiB_t2, kPasswordCost)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_VerifyPassword, owasp_minimum_19MiB_t2, kOwaspMinimum)
    ->Unit(benchmark::kMillisecond);
// Eight people logging in at once, on this machine's cores.
BENCHMARK_CAPTURE(BM_VerifyPassword, today_8_at_once, kPasswordCost)
    ->Threads(8)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_MatchTotp(benchmark::State& state) {
  const TotpSecret secret = NewTotpSecret();
  const auto now = workflow::Instant{} + std::chrono::seconds(1'800'000'000);
  const std::string code = TotpCode(secret, TotpStepAt(now));
  for (auto _ : state) {
    benchmark::DoNotOptimize(MatchTotp(secret, code, now));
  }
}
BENCHMARK(BM_MatchTotp)->Unit(benchmark::kMicrosecond);

// The worst case: the code typed is the last of ten unused ones.
void BM_MatchRecoveryCode(benchmark::State& state) {
  const auto codes = NewRecoveryCodes();
  std::vector<std::string> stored;
  for (const std::string& code : codes) {
    stored.push_back(HashRecoveryCode(code));
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(MatchRecoveryCode(stored, codes.back()));
  }
}
BENCHMARK(BM_MatchRecoveryCode)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ketenregie::common

BENCHMARK_MAIN();
