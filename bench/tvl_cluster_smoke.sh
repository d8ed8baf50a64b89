#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ctest bench_tvl_cluster_smoke (label system): keeps `tempest-bench throughput-vs-latency
# --cluster` working against `tempest dev-cluster` (not a performance test: no figure is
# asserted beyond being there).
#
#   bench/tvl_cluster_smoke.sh TEMPEST TEMPEST_BENCH
#
# Starts a dev cluster (its own ZooKeeper, Nimbus, a supervisor with one free slot, 1 s cluster
# heartbeats) in a temporary directory, runs two short steps (1k and 2k sentences/s on one
# worker: each a fresh topology, killed before the next takes the slot), checks the table, the
# JSON (both steps with an achieved rate, latency samples and a p99) and the plot, then that no
# step's topology is left.
set -euo pipefail
tempest=$1
bench=$2
dir=$(mktemp -d /tmp/bench-tvl-smoke.XXXXXX)
dc_pid=
cleanup() {
    if [[ -n "$dc_pid" ]] && kill -0 "$dc_pid" 2>/dev/null; then
        kill -TERM "$dc_pid"
        wait "$dc_pid" || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "bench_tvl_cluster_smoke: $*" >&2
    echo "--- dev-cluster output:" >&2
    cat "$dir/dc.out" >&2 || true
    exit 1
}

port=$(/usr/bin/python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$tempest" dev-cluster --dir "$dir/dc" -c nimbus.thrift.port=0 -c "supervisor.slots.ports=[$port]" \
    -c ui.port=0 -c logviewer.port=0 -c task.heartbeat.frequency.secs=1 >"$dir/dc.out" 2>&1 &
dc_pid=$!
deadline=$((SECONDS + 120))
until grep -q "dev cluster ready" "$dir/dc.out"; do
    kill -0 "$dc_pid" 2>/dev/null || fail "the dev cluster exited"
    ((SECONDS < deadline)) || fail "the dev cluster was not ready within 120 s"
    sleep 0.5
done
conf="$dir/dc/cluster.yaml"

out=$("$bench" throughput-vs-latency --cluster --config "$conf" --workers 1 --rates 1k,2k \
    --duration 3 --warmup 1 --json "$dir/tvl.json" --plot "$dir/tvl.svg" 2>&1) ||
    fail "tempest-bench throughput-vs-latency --cluster failed: $out"
echo "$out"
grep -q "throughput-vs-latency word-count acking=on cluster workers=1" <<<"$out" ||
    fail "no header line: $out"
grep -q "^knee: " <<<"$out" || fail "no knee line: $out"
/usr/bin/python3 - "$dir/tvl.json" <<'PY' || fail "unexpected JSON: $(cat "$dir/tvl.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["mode"] == "throughput-vs-latency" and r["cluster"] is True and r["workers"] == 1, r
assert [s["offered_per_s"] for s in r["steps"]] == [1000, 2000], r
for s in r["steps"]:
    assert s["achieved_per_s"] > 0 and s["last_bolt_per_s"] > 0, r
    assert s["latency_samples"] > 0 and s["p99_us"] is not None and s["p99_us"] > 0, r
PY
grep -q "Complete latency against offered rate" "$dir/tvl.svg" || fail "--plot drew no latency panel"
if "$tempest" list --config "$conf" 2>/dev/null | grep -q "tvl-word-count-"; then
    fail "a step's topology is still listed after the run"
fi
echo "bench_tvl_cluster_smoke: ok"
