#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ctest bench_cluster_smoke (label system): keeps `tempest-bench --cluster` working against
# `tempest dev-cluster` (not a performance test: no figure is asserted beyond being there).
#
#   bench/cluster_smoke.sh TEMPEST TEMPEST_BENCH
#
# Starts a dev cluster (its own ZooKeeper, Nimbus, supervisor with two free slots, 1 s cluster
# heartbeats) in a temporary directory, runs word-count with acking on 2 workers for a few
# seconds, checks the result line and the JSON (a rate per node and per worker, CPU per million
# tuples, peak RSS, latency percentiles), then that the topology is gone, and stops the cluster.
set -euo pipefail
tempest=$1
bench=$2
dir=$(mktemp -d /tmp/bench-cluster-smoke.XXXXXX)
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
    echo "bench_cluster_smoke: $*" >&2
    echo "--- dev-cluster output:" >&2
    cat "$dir/dc.out" >&2 || true
    exit 1
}

read -r p1 p2 < <(/usr/bin/python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
"$tempest" dev-cluster --dir "$dir/dc" -c nimbus.thrift.port=0 -c "supervisor.slots.ports=[$p1,$p2]" \
    -c ui.port=0 -c logviewer.port=0 -c task.heartbeat.frequency.secs=1 >"$dir/dc.out" 2>&1 &
dc_pid=$!
deadline=$((SECONDS + 120))
until grep -q "dev cluster ready" "$dir/dc.out"; do
    kill -0 "$dc_pid" 2>/dev/null || fail "the dev cluster exited"
    ((SECONDS < deadline)) || fail "the dev cluster was not ready within 120 s"
    sleep 0.5
done
conf="$dir/dc/cluster.yaml"

out=$("$bench" word-count --acking --cluster --config "$conf" --workers 2 --duration 5 --warmup 2 \
    --json "$dir/result.json" --plot "$dir/plot.svg" 2>&1) || fail "tempest-bench --cluster failed: $out"
echo "$out"
grep -q "word-count acking=on cluster workers=2 executors=2: .* words/s overall" <<<"$out" ||
    fail "no result line: $out"
grep -q "killed topology 'bench-word-count-" <<<"$out" || fail "the topology was not killed: $out"
/usr/bin/python3 - "$dir/result.json" <<'PY' || fail "unexpected JSON: $(cat "$dir/result.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["mode"] == "cluster" and r["workers"] == 2, r
assert r["tuples_per_s"] > 0 and r["per_node"]["127.0.0.1"] > 0, r
assert len(r["per_worker"]) == 2, r
for w in r["per_worker"].values():
    assert w["tuples_per_s"] > 0 and w["cpu_s_per_million"] > 0 and w["peak_rss_mib"] > 0, r
assert r["per_component"]["count"] > 0 and r["per_component"]["sentences"] > 0, r
assert r["latency_samples"] > 0 and 0 < r["complete_latency_p50_us"] <= r["complete_latency_p99_us"], r
PY
grep -q "<polyline " "$dir/plot.svg" || fail "--plot drew no series"

# The topology is gone from the cluster (Nimbus removes a killed topology at once with -w 0).
deadline=$((SECONDS + 60))
while "$tempest" list --config "$conf" 2>/dev/null | grep -q "bench-word-count-"; do
    ((SECONDS < deadline)) || fail "the topology is still listed 60 s after the kill"
    sleep 0.5
done
echo "bench_cluster_smoke: ok"
