#!/usr/bin/env bash
# Whole-process figures: `topsim run` wall time and peak RSS (from getrusage of the child).
set -uo pipefail
cd "$(dirname "$0")/.."
T=.build/release/topsim
measure() { # prints "<wall seconds> <peak rss MB>" for the command
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t0 = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t0
print(f"{wall:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f}")
PY
}
read wall rss < <(measure $T run bench/mm1-run.yaml --jobs 1)
customers=$(python3 -c "print(int(80 * 25000))")
echo "BENCH mm1_run_customers_per_s $(python3 -c "print(f'{$customers / $wall:.0f}')") customers/s"
echo "BENCH mm1_run_peak_rss_mb $rss MB"
for minutes in 10 60; do
  rm -rf /tmp/topsim-bench-flagship
  read wall rss < <(measure $T run scenarios/compare-all.yaml --duration ${minutes}m --jobs 2 --out /tmp/topsim-bench-flagship)
  reqs=$(awk -F, 'NR > 1 { s += $5 } END { print s }' /tmp/topsim-bench-flagship/summary.csv)
  echo "BENCH flagship_${minutes}m_requests_per_s $(python3 -c "print(f'{$reqs / $wall:.0f}')") requests/s"
  echo "BENCH flagship_${minutes}m_peak_rss_mb $rss MB"
done
