#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer, two targets:
#   scenario-fuzz      the parser: every input parses or fails with positioned diagnostics
#   scenario-run-fuzz  validates, then runs what validation accepts for 200us of simulated
#                      time: nothing accepted may trap, hang (-timeout) or exhaust memory
#   Tests/Fuzz/run.sh [SECONDS] [TARGET...]     (make fuzz FUZZ_SECONDS=600: both targets)
# Seeds: every shipped, fixture and extreme-corpus scenario. Findings land in
# .build-fuzz/artifacts/TARGET/; copy each into Tests/ScenarioTests/Fixtures/fuzz-regressions/
# (parser) or Tests/RobustnessTests/Extreme/ (run) once fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_TO_RUN="${1:-600}"
shift || true
TARGETS=("${@:-scenario-fuzz scenario-run-fuzz}")
TARGETS=(${TARGETS[*]})
SCRATCH=.build-fuzz
SEEDS=$(mktemp -d)
trap 'rm -rf "$SEEDS"' EXIT
i=0
for f in scenarios/*.yaml scenarios/*/*.yaml Tests/ScenarioTests/Fixtures/valid/*.yaml \
         Tests/ScenarioTests/Fixtures/broken/*.yaml Tests/ScenarioTests/Fixtures/fuzz-regressions/* \
         Tests/RobustnessTests/Extreme/*.yaml; do
  [ -f "$f" ] || continue
  cp "$f" "$SEEDS/seed-$i"; i=$((i + 1))
done
for TARGET in "${TARGETS[@]}"; do
  swift build -c debug --scratch-path "$SCRATCH" --product "$TARGET" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING \
    -Xcc -fsanitize=fuzzer-no-link,address
  BIN="$SCRATCH/debug/$TARGET"
  CORPUS="$SCRATCH/corpus/$TARGET"
  ARTIFACTS="$SCRATCH/artifacts/$TARGET"
  mkdir -p "$CORPUS" "$ARTIFACTS"
  echo "fuzzing $TARGET for ${SECONDS_TO_RUN}s with $i seeds"
  "$BIN" "$CORPUS" "$SEEDS" -max_total_time="$SECONDS_TO_RUN" -max_len=16384 -timeout=20 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$ARTIFACTS/" \
    -dict=Tests/Fuzz/scenario.dict
done
