#!/usr/bin/env bash
# Coverage-guided fuzzing of the scenario parser with libFuzzer.
#   Tests/Fuzz/run.sh [SECONDS]     (make fuzz FUZZ_SECONDS=600)
# Seeds: every shipped and fixture scenario. Crashes land in .build-fuzz/artifacts/;
# copy each into Tests/ScenarioTests/Fixtures/fuzz-regressions/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_TO_RUN="${1:-600}"
SCRATCH=.build-fuzz
swift build -c debug --scratch-path "$SCRATCH" --product scenario-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING \
  -Xcc -fsanitize=fuzzer-no-link,address
BIN="$SCRATCH/debug/scenario-fuzz"
CORPUS="$SCRATCH/corpus"
ARTIFACTS="$SCRATCH/artifacts"
mkdir -p "$CORPUS" "$ARTIFACTS"
SEEDS=$(mktemp -d)
trap 'rm -rf "$SEEDS"' EXIT
i=0
for f in scenarios/*.yaml scenarios/*/*.yaml Tests/ScenarioTests/Fixtures/valid/*.yaml \
         Tests/ScenarioTests/Fixtures/broken/*.yaml Tests/ScenarioTests/Fixtures/fuzz-regressions/*; do
  [ -f "$f" ] || continue
  cp "$f" "$SEEDS/seed-$i"; i=$((i + 1))
done
echo "fuzzing the scenario parser for ${SECONDS_TO_RUN}s with $i seeds"
"$BIN" "$CORPUS" "$SEEDS" -max_total_time="$SECONDS_TO_RUN" -max_len=16384 -timeout=10 \
  -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$ARTIFACTS/" \
  -dict=Tests/Fuzz/scenario.dict
