#!/usr/bin/env bash
# Regenerates the figures of docs/capacity.md from the library scenarios: the charts are
# what `topsim sweep` and `topsim capacity` write, copied here, never drawn by hand.
# Usage: docs/images/generate-capacity.sh [TOPSIM]   (about 2 minutes on 2 cores)
set -euo pipefail
topsim=${1:-.build/release/topsim}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$topsim" sweep scenarios/capacity-gateway-replicas.yaml --set topologies.gateway.replicas=1..6 \
    --set traffic.clients.rate=4000/s,5000/s,6000/s --out "$tmp/gateway-replicas" > "$tmp/gateway-replicas.txt"
cp "$tmp/gateway-replicas/sweep.svg" docs/images/gateway-replicas-sweep.svg
cp "$tmp/gateway-replicas.txt" docs/images/gateway-replicas-sweep.txt
"$topsim" capacity scenarios/capacity-per-topology.yaml --slo "p99 < 50ms" --slo "success_rate >= 99.9%" \
    --replications 5 --out "$tmp/capacity" > "$tmp/capacity.txt"
cp "$tmp/capacity/capacity.svg" docs/images/capacity-per-topology.svg
cp "$tmp/capacity/capacity.csv" docs/images/capacity-per-topology.csv
cp "$tmp/capacity.txt" docs/images/capacity-per-topology.txt
