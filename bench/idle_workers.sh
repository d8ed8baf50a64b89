#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What an idle topology costs: starts a dev cluster (ZooKeeper, Nimbus, one supervisor with four
# slots, or WORKERS slots from SLOT_BASE when WORKERS > 4), submits word count on WORKERS workers (default 4; about 20 executors each, as
# PARALLELISM sets) with `jar --wait`, deactivates it,
# lets it settle, then samples for SECS seconds (default 10) the CPU (utime + stime from
# /proc/<pid>/stat) and RSS of every worker, the supervisor, Nimbus and ZooKeeper, the threads of
# one worker that used any CPU, and the load average. Then SIGTERMs one worker of an ACTIVE
# topology and reports how long it took to exit. Prints figures; asserts nothing (the machine's
# load decides them; docs/PERFORMANCE.md records runs).
#
#   bench/idle_workers.sh [WORKERS] [SECS]
#   TEMPEST=/path/to/tempest PACKAGE=/path/to/word_count.so bench/idle_workers.sh   (another build)
set -euo pipefail
cd "$(dirname "$0")/.."

workers=${1:-4}
secs=${2:-10}
# Executors of word count's split and count bolts: about 20 executors per worker by default.
parallelism=${PARALLELISM:-$((workers * 10 - 1))}
tempest=${TEMPEST:-build/bin/tempest}
package=${PACKAGE:-build/examples/word_count.so}
name=idle-bench
dir=$(mktemp -d "${TMPDIR:-/tmp}/tempest-idle-XXXXXX")
conf=$dir/cluster.yaml
cluster_pid=
hz=$(getconf CLK_TCK)

stop_cluster() {
    local deadline=$((SECONDS + 60))
    [[ -n $cluster_pid ]] || return 0
    kill -TERM "$cluster_pid" 2>/dev/null || true
    while kill -0 "$cluster_pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.1
    done
    kill -KILL "$cluster_pid" 2>/dev/null || true
    wait "$cluster_pid" 2>/dev/null || true
    cluster_pid=
}
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    # Workers first: a dev cluster SIGKILLed on a saturated machine would leave them running.
    local w
    w=$(worker_pids || true)
    if [[ -n $w ]]; then
        kill -TERM $w 2>/dev/null || true
        sleep 3
        kill -KILL $w 2>/dev/null || true
    fi
    stop_cluster
    if [[ $status -ne 0 ]]; then
        tail -n 20 "$dir"/dev-cluster.out "$dir"/logs/*.log >&2 2>/dev/null || true
    fi
    rm -rf "$dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    echo "idle_workers: $*" >&2
    exit 1
}

# CPU ticks (utime + stime) of a pid or pid/task/tid; 0 when gone.
ticks() {
    awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
rss_mib() {
    awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "-"
}
threads() {
    ls "/proc/$1/task" 2>/dev/null | wc -l
}
# The pid of the dev cluster's child running subcommand $1.
child_pid() {
    local p
    for p in $(pgrep -P "$cluster_pid"); do
        if [[ $(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | sed -n 2p) == "$1" ]]; then
            echo "$p"
            return
        fi
    done
}
worker_pids() {
    cat "$dir"/local/workers/*/pid 2>/dev/null | while read -r p; do
        kill -0 "$p" 2>/dev/null && echo "$p"
    done
}

# More than the default four slots: WORKERS ports from SLOT_BASE (default 7300) on.
slot_args=()
if ((workers > 4)); then
    base=${SLOT_BASE:-7300}
    slot_args=(-c "supervisor.slots.ports=[$(seq -s, "$base" $((base + workers - 1)))]")
fi
"$tempest" dev-cluster --dir "$dir" -c nimbus.thrift.port=0 "${slot_args[@]}" \
    >"$dir/dev-cluster.out" 2>&1 &
cluster_pid=$!
deadline=$((SECONDS + 120))
until grep -q '^dev cluster ready' "$dir/dev-cluster.out" 2>/dev/null; do
    kill -0 "$cluster_pid" 2>/dev/null || fail "the dev cluster exited before it was up"
    ((SECONDS < deadline)) || fail "the dev cluster was not up within 120 s"
    sleep 0.2
done

t0=$(date +%s.%N)
"$tempest" jar --config "$conf" --wait 180 "$package" --name "$name" --workers "$workers" \
    --parallelism "$parallelism" \
    >"$dir/jar.out" 2>&1 || {
    cat "$dir/jar.out" >&2
    fail "jar --wait failed"
}
t1=$(date +%s.%N)
cat "$dir/jar.out"
echo "submit -> running ($workers workers): $(echo "$t1 - $t0" | bc) s"

"$tempest" deactivate --config "$conf" "$name" >/dev/null
sleep 5 # the workers see the deactivation within a heartbeat period; let queues empty

mapfile -t wpids < <(worker_pids)
((${#wpids[@]} > 0)) || fail "no worker is running"
nimbus=$(child_pid nimbus)
supervisor=$(child_pid supervisor)
zookeeper=$(child_pid dev-zookeeper)
zk_java=$(pgrep -P "${zookeeper:-1}" | head -n 1 || true)
zk_java=${zk_java:-$zookeeper}

declare -A before
all=("${wpids[@]}" "$nimbus" "$supervisor" "$zookeeper" ${zk_java:+"$zk_java"})
for p in "${all[@]}"; do
    before[$p]=$(ticks "$p")
done
w0=${wpids[0]}
declare -A tbefore
for t in /proc/"$w0"/task/*; do
    tbefore[${t##*/}]=$(ticks "$w0/task/${t##*/}")
done
sleep "$secs"

pct() { echo "scale=2; ($(ticks "$1") - ${before[$1]}) * 100 / ($hz * $secs)" | bc; }
echo "idle for $secs s, load average $(cut -d' ' -f1-3 /proc/loadavg):"
total=0
for p in "${wpids[@]}"; do
    c=$(pct "$p")
    total=$(echo "$total + $c" | bc)
    echo "  worker $p: cpu ${c}% rss $(rss_mib "$p") MiB threads $(threads "$p")"
done
echo "  workers together: cpu ${total}%"
echo "  nimbus $nimbus: cpu $(pct "$nimbus")% rss $(rss_mib "$nimbus") MiB"
echo "  supervisor $supervisor: cpu $(pct "$supervisor")% rss $(rss_mib "$supervisor") MiB"
if [[ -n $zk_java ]]; then
    echo "  zookeeper (java) $zk_java: cpu $(pct "$zk_java")% rss $(rss_mib "$zk_java") MiB"
fi
echo "  threads of worker $w0 that used CPU (ticks of 1/$hz s):"
for t in /proc/"$w0"/task/*; do
    tid=${t##*/}
    d=$(($(ticks "$w0/task/$tid") - ${tbefore[$tid]:-0}))
    if ((d > 0)); then
        echo "    $(cat "$t/comm") $d"
    fi
done

# With STRACE=1: the system calls of one idle worker over SECS (wake-ups show as futex and
# epoll_wait calls that return on timeouts).
if [[ ${STRACE:-0} == 1 ]] && command -v strace >/dev/null; then
    echo "  system calls of worker $w0 in $secs s:"
    timeout -s INT "$secs" strace -f -c -p "$w0" 2>&1 | grep -v '^strace: Process' | sed -n '1,14p' | sed 's/^/    /' || true
fi

# Stop under load: activate again, let it run, SIGTERM one worker, time its exit.
"$tempest" activate --config "$conf" "$name" >/dev/null
sleep 5
victim=${wpids[0]}
s0=$(date +%s.%N)
kill -TERM "$victim"
# Until it is gone or a zombie (its supervisor reaps it on its own schedule).
while [[ -e /proc/$victim && $(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$victim/stat" 2>/dev/null) != Z ]]; do
    sleep 0.02
done
s1=$(date +%s.%N)
echo "a loaded worker exited $(echo "$s1 - $s0" | bc) s after SIGTERM"
