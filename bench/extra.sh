#!/usr/bin/env bash
# Whole-process figures: `topsim run` wall time and peak RSS (from getrusage of the child).
# SIMPY_RATE (customers/s, set by bench/run.sh from the same run) gives the whole-process
# M/M/1 its ratio to SimPy's bare loop.
set -uo pipefail
cd "$(dirname "$0")/.."
T=.build/release/topsim
B=.build/release/topsim-bench
measure() { # prints "<wall seconds> <peak rss MB>" for the command
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t0 = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t0
print(f"{wall:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f}")
PY
}
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

# The M/M/1 (rho 0.8, 2 M customers) through the whole process with default settings:
# parsing, the topology model, 25,000 one-second windows, every report written.
# The best of three (a shared machine), as for the call trees below.
best=""
for i in 1 2 3; do
  rm -rf /tmp/topsim-bench-mm1
  read w rss < <(measure $T run bench/mm1-run.yaml --jobs 1 --out /tmp/topsim-bench-mm1)
  if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $w < $best else 1)"; then best=$w; fi
done
wall=$best
customers=$(python3 -c "print(int(80 * 25000))")
rate=$(python3 -c "print(f'{$customers / $wall:.0f}')")
echo "BENCH mm1_run_customers_per_s $rate customers/s"
echo "BENCH mm1_run_peak_rss_mb $rss MB"
if [ -n "${SIMPY_RATE:-}" ]; then
  echo "BENCH mm1_run_vs_simpy_ratio $(python3 -c "print(f'{$rate / $SIMPY_RATE:.0f}')") x (target >= 100)"
else
  echo "BENCH mm1_run_vs_simpy_ratio skipped (no SimPy rate: run bench/run.sh)"
fi

# No allocation or reference counting per event (issue 18): heap allocations and Swift
# retains of the whole process, counted by interposition (bench/alloc-count.c, LD_PRELOAD;
# ordo-one/benchmark counts the same but is not on this machine). Each scenario runs at two
# durations: the difference divided by the extra customers or requests is the per-request
# figure, start-up and one-off costs cancelled. A request is two events or more, so one
# allocation or retain per event would read 2 or more; what is left (a health check's
# policy lookup, the output's growth) is a few per simulated second, not per request.
CC_BIN=$(command -v clang || command -v cc || true)
if [ -n "$CC_BIN" ] && "$CC_BIN" -O2 -shared -fPIC -o .build/alloc-count.so bench/alloc-count.c -ldl 2>/dev/null; then
  counts() { # scenario duration -> "<allocations> <retains> <requests>"
    rm -rf /tmp/topsim-bench-alloc
    TOPSIM_ALLOC_COUNT_FILE=/tmp/topsim-bench-alloc.count LD_PRELOAD="$PWD/.build/alloc-count.so" \
      $T run "$1" --duration "$2" --jobs 2 --out /tmp/topsim-bench-alloc >/dev/null 2>&1
    echo "$(cat /tmp/topsim-bench-alloc.count) $(awk -F, 'NR > 1 { s += $5 } END { print s }' /tmp/topsim-bench-alloc/summary.csv)"
  }
  per_request() { # name scenario short long
    read a1 r1 n1 < <(counts "$2" "$3")
    read a2 r2 n2 < <(counts "$2" "$4")
    echo "BENCH ${1}_allocations_per_request $(python3 -c "print(f'{round(($a2 - $a1) / ($n2 - $n1), 4) + 0.0:.4f}')") allocations (target < 0.01)"
    echo "BENCH ${1}_retains_per_request $(python3 -c "print(f'{round(($r2 - $r1) / ($n2 - $n1), 4) + 0.0:.4f}')") retains (target < 0.01)"
  }
  per_request mm1_run bench/mm1-run.yaml 2500s 25000s
  per_request flagship scenarios/compare-all.yaml 10m 20m
  rm -rf /tmp/topsim-bench-alloc /tmp/topsim-bench-alloc.count
else
  echo "BENCH allocations_per_request skipped (no C compiler to build bench/alloc-count.c)"
fi

# Per-event cost as the scenario grows: a generated call tree of 13 and of 1,000 services
# (topsim-bench tree, written to .build/), events/s of the event loop, `none` and `sidecar`.
$B tree 13 | tee /tmp/topsim-bench-tree.$$
$B tree 1000 | tee -a /tmp/topsim-bench-tree.$$
for t in none sidecar; do
  small=$(awk -v n="tree13_${t}_events_per_s" '$2 == n {print $3}' /tmp/topsim-bench-tree.$$)
  large=$(awk -v n="tree1000_${t}_events_per_s" '$2 == n {print $3}' /tmp/topsim-bench-tree.$$)
  echo "BENCH tree_13_over_1000_${t}_ratio $(ratio $small $large) x (target <= 1.5)"
done
rm -f /tmp/topsim-bench-tree.$$

# The flagship: the built-in comparison (13 services, five topologies, faults).
for minutes in 10 60; do
  rm -rf /tmp/topsim-bench-flagship
  read wall rss < <(measure $T run scenarios/compare-all.yaml --duration ${minutes}m --jobs 2 --out /tmp/topsim-bench-flagship)
  reqs=$(awk -F, 'NR > 1 { s += $5 } END { print s }' /tmp/topsim-bench-flagship/summary.csv)
  echo "BENCH flagship_${minutes}m_wall_s $wall s"
  echo "BENCH flagship_${minutes}m_requests_per_s $(python3 -c "print(f'{$reqs / $wall:.0f}')") requests/s"
  echo "BENCH flagship_${minutes}m_peak_rss_mb $rss MB"
done

# Memory in replications: the M/M/1 scenario (6 simulated minutes after its 5-minute
# warm-up) with 20 and with 200 replications.
for reps in 20 200; do
  rm -rf /tmp/topsim-bench-reps
  read wall rss < <(measure $T run scenarios/mm1.yaml --duration 6m --replications $reps --jobs 2 --out /tmp/topsim-bench-reps)
  echo "BENCH replications_${reps}_peak_rss_mb $rss MB"
  eval "rss_$reps=$rss"
done
echo "BENCH replications_200_over_20_rss_ratio $(ratio $rss_200 $rss_20) x (target <= 1.5)"
rm -rf /tmp/topsim-bench-mm1 /tmp/topsim-bench-flagship /tmp/topsim-bench-reps
