#!/usr/bin/env bash
# make bench: one `BENCH <name> <value> <unit>` line per figure.
set -uo pipefail
cd "$(dirname "$0")/.."
B=.build/release/topsim-bench
$B hold
$B tui
$B mm1 | tee /tmp/topsim-bench-mm1.$$
ours=$(awk '/^BENCH mm1_customers_per_s/ {print $3}' /tmp/topsim-bench-mm1.$$)
rm -f /tmp/topsim-bench-mm1.$$

# SimPy, Ciw and salabim on the same M/M/1, same machine, same run (installed with
# pip into a virtual environment under .build/, never committed).
VENV=.build/bench-venv
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import simpy, ciw, salabim, greenlet" 2>/dev/null; then
  { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q simpy ciw salabim greenlet; } >/tmp/topsim-venv.log 2>&1
fi
SIMPY_RATE=""
peer() { # name script customers
  if "$VENV/bin/python" -c "import $1" 2>/dev/null; then
    local v
    v=$("$VENV/bin/python" "bench/$2" "$3" 2>/dev/null | awk '/^BENCH/ {print $3}')
    echo "BENCH ${1}_mm1_customers_per_s $v customers/s"
    echo "BENCH mm1_vs_${1}_ratio $(python3 -c "print(f'{$ours/$v:.0f}')") x"
    [ "$1" = simpy ] && SIMPY_RATE=$v
  else
    echo "BENCH mm1_vs_${1}_ratio skipped (pip could not install $1: $(tail -1 /tmp/topsim-venv.log 2>/dev/null))"
  fi
}
peer simpy mm1_simpy.py 200000
peer ciw mm1_ciw.py 50000
peer salabim mm1_salabim.py 20000
# Whole-process figures (bench/extra.sh): the M/M/1 through `topsim run` against the SimPy
# rate just measured, per-event cost as the call tree grows, the flagship, replications.
export SIMPY_RATE
if [ -x .build/release/topsim ] && [ -f bench/extra.sh ]; then ./bench/extra.sh; fi
