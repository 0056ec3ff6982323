#!/usr/bin/env bash
# The Slurm path for real (docs/scale-out.md): munged, slurmctld and slurmd on this machine
# with a generated configuration in a temporary folder (nothing of the system's touched),
# deploy/slurm/sweep.sbatch submitted as a 4-task array with --wait, the shards merged, and
# the result compared byte for byte with the same sweep in one process. The daemons are
# stopped by their own pid files whatever happens. Usage: Tests/Slurm/run.sh TOPSIM
set -euo pipefail
topsim=$(realpath "${1:?usage: Tests/Slurm/run.sh TOPSIM}")
repo=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$PATH:/usr/sbin:/sbin"   # the daemons live in sbin, which a CI's PATH may lack
for cmd in munged slurmctld slurmd sbatch sinfo; do
    command -v "$cmd" >/dev/null || { echo "slurm: $cmd not found (make slurm-deps installs slurm-wlm and munge)" >&2; exit 1; }
done
start=$(date +%s)
result=""
S=$(mktemp -d /tmp/topsim-slurm.XXXXXX)
stop() {
    status=$?
    for f in "$S/run/slurmd.pid" "$S/run/slurmctld.pid" "$S/munge/munged.pid"; do
        [ -s "$f" ] || continue
        pid=$(cat "$f")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    if [ "$status" -ne 0 ]; then
        echo "slurm: FAILED; daemon logs:" >&2
        tail -n 20 "$S"/log/*.log "$S"/munge/munged.log "$S"/log/*.out >&2 2>/dev/null || true
    fi
    rm -rf "$S"
    [ "$status" -ne 0 ] || echo "slurm: $result ($(( $(date +%s) - start )) s with the daemons' start and stop)"
}
trap stop EXIT
mkdir -p "$S"/{state,spool,log,run,munge,out}
chmod 700 "$S/munge"
head -c 1024 /dev/urandom > "$S/munge/munge.key"
chmod 400 "$S/munge/munge.key"
munged --key-file="$S/munge/munge.key" --socket="$S/munge/munge.sock" --pid-file="$S/munge/munged.pid" \
       --log-file="$S/munge/munged.log" --seed-file="$S/munge/seed" -f

host=$(hostname -s)
# Ports from this shell's pid, so two runs on one machine do not collide.
port=$((26000 + ($$ % 400) * 2))
cat > "$S/slurm.conf" <<CONF
ClusterName=topsim-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$S/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/run/slurmctld.pid
SlurmdPidFile=$S/run/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
SlurmctldPort=$port
SlurmdPort=$((port + 1))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
echo "ConstrainCores=no" > "$S/cgroup.conf"
export SLURM_CONF="$S/slurm.conf"
slurmctld
slurmd
for i in $(seq 60); do
    state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.5
done
[ "$state" = idle ] || { echo "slurm: the node is '$state', not idle, after 30 s" >&2; exit 1; }

# 12 points (6 rates x 2 worker counts), short runs: the test is about the plumbing.
sweep=("$repo/scenarios/mm1.yaml" --set "traffic.poisson.rate=40/s..90/s:6" --set "services.server.workers=1,2"
       --set "warmup=0s" --duration 20s --replications 2)
cd "$S/out"
TOPSIM="$topsim" sbatch --quiet --array=0-3 --wait -o "$S/log/j-%a.out" \
    "$repo/deploy/slurm/sweep.sbatch" "$S/out/shards" "${sweep[@]}"
"$topsim" merge "$S"/out/shards/shard-* --out "$S/out/merged" >/dev/null
"$topsim" sweep "${sweep[@]}" --out "$S/out/whole" >/dev/null
for f in sweep.csv sweep.json sweep.svg; do
    cmp "$S/out/whole/$f" "$S/out/merged/$f"
done
rows=$(($(wc -l < "$S/out/merged/sweep.csv") - 1))
result="4-task array job (sbatch --array=0-3 --wait), merged $rows rows = the one-process sweep, byte for byte"
