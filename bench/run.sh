#!/usr/bin/env bash
# make bench: one `BENCH <name> <value> <unit>` line per figure.
set -uo pipefail
cd "$(dirname "$0")/.."
B=.build/release/topsim-bench
$B hold
$B mm1 | tee /tmp/topsim-bench-mm1.$$
ours=$(awk '/^BENCH mm1_customers_per_s/ {print $3}' /tmp/topsim-bench-mm1.$$)
rm -f /tmp/topsim-bench-mm1.$$

# SimPy on the same M/M/1, same machine, same run (never committed: lives under .build/).
VENV=.build/bench-venv
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import simpy" 2>/dev/null; then
  { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q simpy; } >/tmp/topsim-venv.log 2>&1
fi
if "$VENV/bin/python" -c "import simpy" 2>/dev/null; then
  simpy=$("$VENV/bin/python" bench/mm1_simpy.py 200000 | awk '/^BENCH/ {print $3}')
  echo "BENCH simpy_mm1_customers_per_s $simpy customers/s"
  echo "BENCH mm1_vs_simpy_ratio $(python3 -c "print(f'{$ours/$simpy:.0f}')") x"
else
  echo "BENCH mm1_vs_simpy_ratio skipped (pip could not install simpy: $(tail -1 /tmp/topsim-venv.log))"
fi
if [ -x .build/release/topsim ] && [ -f bench/extra.sh ]; then ./bench/extra.sh; fi
