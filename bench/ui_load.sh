#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The status UI under load, as docs/PERFORMANCE.md ("The status UI under load") reports it:
# starts `tempest dev-cluster` (ZooKeeper, Nimbus, a supervisor, its logviewer and the UI),
# submits word count as two worker processes, waits until the UI shows its figures, then runs
# tempest-ui-load: CLIENTS keep-alive clients (default 200) for SECONDS (default 30) cycling
# through the cluster, Nimbus, supervisor and topology summaries, the topology's page and
# /metrics, with the UI process's memory sampled. Stops everything and exits 0 if every request
# was answered 200.
#
#   bench/ui_load.sh [BUILD_DIR]        (default: build; Release, with tempest-ui-load built)
#   CLIENTS=200 SECONDS_=30 OUT=/tmp/ui-load.json bench/ui_load.sh build
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
tempest=$build/bin/tempest
load=$build/bin/tempest-ui-load
package=$build/examples/word_count.so
clients=${CLIENTS:-200}
seconds=${SECONDS_:-30}
out=${OUT:-}
for f in "$tempest" "$load" "$package"; do
    [[ -x $f || -f $f ]] || {
        echo "ui_load: $f is missing; build the tempest, tempest-ui-load and example_word_count targets" >&2
        exit 2
    }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/tempest-ui-load-XXXXXX")
cluster_pid=
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n $cluster_pid ]]; then
        kill -TERM "$cluster_pid" 2>/dev/null || true
        local deadline=$((SECONDS + 60))
        while kill -0 "$cluster_pid" 2>/dev/null && ((SECONDS < deadline)); do
            sleep 0.1
        done
        kill -KILL "$cluster_pid" 2>/dev/null || true
        wait "$cluster_pid" 2>/dev/null || true
    fi
    if [[ $status -ne 0 ]]; then
        tail -n 20 "$dir"/dev-cluster.out "$dir"/logs/ui.log 2>/dev/null >&2 || true
    fi
    rm -rf "$dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() {
    echo "ui_load: $*" >&2
    exit 1
}

# Free ports for everything (0), so that the run never collides with another cluster.
"$tempest" dev-cluster --dir "$dir" -c nimbus.thrift.port=0 -c ui.port=0 -c logviewer.port=0 \
    >"$dir/dev-cluster.out" 2>&1 &
cluster_pid=$!
deadline=$((SECONDS + 90))
until grep -q '^dev cluster ready' "$dir/dev-cluster.out" 2>/dev/null; do
    kill -0 "$cluster_pid" 2>/dev/null || fail "the dev cluster exited before it was up"
    ((SECONDS < deadline)) || fail "the dev cluster was not up within 90 s"
    sleep 0.1
done
ui_port=$(sed -n 's|^UI *http://[^:]*:\([0-9]*\).*|\1|p' "$dir/dev-cluster.out")
[[ -n $ui_port ]] || fail "no UI address in the dev cluster's output"
# The UI is the dev cluster's child running `tempest ui`.
ui_pid=
for p in $(pgrep -P "$cluster_pid"); do
    if tr '\0' ' ' <"/proc/$p/cmdline" | grep -q ' ui '; then
        ui_pid=$p
    fi
done
[[ -n $ui_pid ]] || fail "cannot find the UI process among the dev cluster's children"

"$tempest" jar --config "$dir/cluster.yaml" --wait 60 "$package" --name ui-load --workers 2 \
    >/dev/null || fail "could not submit word count"
# The topology's id, and its figures in the UI (the workers' first heartbeat with stats).
topology_id=
deadline=$((SECONDS + 60))
until [[ -n $topology_id ]] &&
    curl -sf "http://127.0.0.1:$ui_port/api/v1/topology/$topology_id?window=600" |
    grep -q '"emitted":[1-9]'; do
    ((SECONDS < deadline)) || fail "the UI showed no figures for word count within 60 s"
    topology_id=$(curl -sf "http://127.0.0.1:$ui_port/api/v1/topology/summary" |
        sed -n 's|.*"id":"\(ui-load-[^"]*\)".*|\1|p')
    sleep 0.5
done

paths=(
    /api/v1/cluster/summary /api/v1/topology/summary /api/v1/supervisor/summary
    /api/v1/nimbus/summary "/api/v1/topology/$topology_id?window=600"
    "/api/v1/topology/$topology_id/component/count" /metrics
)
args=(--port "$ui_port" --clients "$clients" --seconds "$seconds" --pid "$ui_pid")
for p in "${paths[@]}"; do
    args+=(--path "$p")
done
[[ -z $out ]] || args+=(--json "$out")
echo "== $clients clients for $seconds s against the UI (pid $ui_pid) with word count running"
"$load" "${args[@]}"
