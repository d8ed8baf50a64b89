#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What an idle topology costs: starts a dev cluster (ZooKeeper, Nimbus, one supervisor with four
# slots, or WORKERS slots from SLOT_BASE when WORKERS > 4), submits word count on WORKERS workers
# (default 4) with `jar --wait` (the time to all running is printed), deactivates it, lets it
# settle, then samples for SECS seconds (default 10):
#   - CPU (utime + stime from /proc/<pid>/stat) and RSS of every worker (and their sum, min,
#     median, max), the supervisor, Nimbus and ZooKeeper; the threads of one worker that used CPU;
#   - ZooKeeper's writes per second (its zxid, from the `srvr` four-letter word) and the bytes per
#     second its client connections carried each way (`ss -ti`: bytes_received / bytes_acked of
#     every connection open at both ends of the window);
#   - the size of the workers' cluster heartbeats (`zkCli.sh stat` of their workerbeat nodes);
#   - the load average.
# Then, unless STOP_TEST=0, SIGTERMs one worker of the ACTIVE topology and reports how long it
# took to exit. Prints figures; asserts nothing (the machine's load decides them;
# docs/PERFORMANCE.md records runs).
#
#   bench/idle_workers.sh [WORKERS] [SECS]
#   TEMPEST=/path/to/tempest PACKAGE=/path/to/word_count.so bench/idle_workers.sh   (another build)
#
# The topology: by default examples/word_count with PARALLELISM split and count executors (about
# 20 executors per worker), which runs at full speed until `jar --wait` returns. With
# EXECUTORS=N it is tempest-bench's word-count (build/bench/bench_workloads.so, or BENCH_PACKAGE)
# with N/3 executors per component (N in all, rounded up to a multiple of 3) and its spouts paced
# at RATE sentences/s in all (default 100): a start that does not saturate the machine, for 40+
# workers or a 200-executor worker.
#
# Other knobs: SLOT_BASE (first slot port when WORKERS > 4; default 7300; outside
# net.ipv4.ip_local_port_range, or other workers' connections take the slots), STRACE=1 (the system
# calls of one idle worker), SMAPS=1 (where the largest worker's memory goes, by mapping kind,
# from /proc/<pid>/smaps), HEARTBEAT_FREQ (task.heartbeat.frequency.secs, the period of the
# workers' ZooKeeper heartbeats; default the cluster's, 3 s), WORKER_ENV (VAR=value pairs given
# to the supervisor and so to the workers, e.g. MALLOC_ARENA_MAX=2).
# CHANGE_TEST=1 (what one assignment change costs ZooKeeper: see the block near the end).
set -euo pipefail
cd "$(dirname "$0")/.."

workers=${1:-4}
secs=${2:-10}
# Executors of word count's split and count bolts: about 20 executors per worker by default.
parallelism=${PARALLELISM:-$((workers * 10 - 1))}
tempest=${TEMPEST:-build/bin/tempest}
package=${PACKAGE:-build/examples/word_count.so}
name=idle-bench
executors=${EXECUTORS:-}
if [[ -n $executors ]]; then
    package=${BENCH_PACKAGE:-build/bench/bench_workloads.so}
    per_component=$(((executors + 2) / 3))
    name=bench-word-count
    submit_args=(word-count --workers "$workers" --executors "$per_component" --rate "${RATE:-100}")
else
    submit_args=(--name "$name" --workers "$workers" --parallelism "$parallelism")
fi
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
        tail -n 20 "$dir"/dev-cluster.out "$dir"/logs/*.log >&2 || true
        echo "idle_workers: kept $dir for its logs" >&2
    else
        rm -rf "$dir"
    fi
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
    # Slots inside the ephemeral range get taken as the local ends of workers' connections to
    # each other (`cannot listen ... Address already in use`, workers restarted in a loop).
    read -r eph_lo eph_hi </proc/sys/net/ipv4/ip_local_port_range
    if ((base + workers - 1 >= eph_lo && base <= eph_hi)); then
        fail "slots $base-$((base + workers - 1)) overlap the ephemeral ports $eph_lo-$eph_hi; pick SLOT_BASE outside"
    fi
    slot_args=(-c "supervisor.slots.ports=[$(seq -s, "$base" $((base + workers - 1)))]")
fi
if [[ -n ${HEARTBEAT_FREQ:-} ]]; then
    slot_args+=(-c "task.heartbeat.frequency.secs=$HEARTBEAT_FREQ")
fi
# shellcheck disable=SC2086 # WORKER_ENV is a list of VAR=value words
env ${WORKER_ENV:-} "$tempest" dev-cluster --dir "$dir" -c nimbus.thrift.port=0 -c ui.port=0 \
    -c logviewer.port=0 "${slot_args[@]}" >"$dir/dev-cluster.out" 2>&1 &
cluster_pid=$!
deadline=$((SECONDS + 120))
until grep -q '^dev cluster ready' "$dir/dev-cluster.out" 2>/dev/null; do
    kill -0 "$cluster_pid" 2>/dev/null || fail "the dev cluster exited before it was up"
    ((SECONDS < deadline)) || fail "the dev cluster was not up within 120 s"
    sleep 0.2
done

t0=$(date +%s.%N)
"$tempest" jar --config "$conf" --wait 180 "$package" "${submit_args[@]}" \
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

zk_port=$(sed -n 's/^storm\.zookeeper\.port: *//p' "$conf" | tr -d '"' | head -n 1)
zk_root=$(sed -n 's/^storm\.zookeeper\.root: *//p' "$conf" | tr -d '"' | head -n 1)
zk_root=${zk_root:-/tempest}
# ZooKeeper's last zxid (its low 32 bits count the writes of this epoch), or empty.
zk_zxid() {
    local out
    out=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$zk_port && echo srvr >&3 && cat <&3" \
        2>/dev/null || true)
    sed -n 's/^Zxid: 0x//p' <<<"$out" | head -n 1
}
# "peer bytes_received bytes_acked" per connection to ZooKeeper's port.
zk_conn_bytes() {
    ss -tinH state established "( sport = :$zk_port )" 2>/dev/null | awk '
        # A connection line starts in column one; its details follow on indented lines
        # (whose fields hold colons too: they must not be taken for the peer).
        /^[^ \t]/ { peer = $NF }
        { for (i = 1; i <= NF; ++i) {
              if ($i ~ /^bytes_received:/) { split($i, a, ":"); rx = a[2] }
              if ($i ~ /^bytes_acked:/) { split($i, b, ":"); tx = b[2] }
          }
          if (rx != "" && tx != "") { print peer, rx, tx; rx = ""; tx = "" } }'
}

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
zxid0=$(zk_zxid)
zk_conn_bytes >"$dir/zk-bytes-0"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
sleep "$secs"
zxid1=$(zk_zxid)
zk_conn_bytes >"$dir/zk-bytes-1"

pct() { echo "scale=2; ($(ticks "$1") - ${before[$1]}) * 100 / ($hz * $secs)" | bc; }
echo "idle for $secs s, load average $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after:"
total=0
rss_all=()
cpu_all=()
for p in "${wpids[@]}"; do
    c=$(pct "$p")
    r=$(rss_mib "$p")
    total=$(echo "$total + $c" | bc)
    cpu_all+=("$c")
    rss_all+=("$r")
    if ((${#wpids[@]} <= 8)); then
        echo "  worker $p: cpu ${c}% rss $r MiB threads $(threads "$p")"
    fi
done
# min / median / max of a list of numbers
stats3() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%s / %s / %s", v[1], v[int((NR + 1) / 2)], v[NR] }'; }
echo "  workers (${#wpids[@]}): cpu ${total}% together; per worker min/median/max cpu $(stats3 "${cpu_all[@]}") %, rss $(stats3 "${rss_all[@]}") MiB, threads $(threads "$w0") (worker $w0)"
echo "  nimbus $nimbus: cpu $(pct "$nimbus")% rss $(rss_mib "$nimbus") MiB"
echo "  supervisor $supervisor: cpu $(pct "$supervisor")% rss $(rss_mib "$supervisor") MiB"
if [[ -n $zk_java ]]; then
    echo "  zookeeper (java) $zk_java: cpu $(pct "$zk_java")% rss $(rss_mib "$zk_java") MiB"
fi
if [[ -n $zxid0 && -n $zxid1 ]]; then
    writes=$(((16#$zxid1 & 0xffffffff) - (16#$zxid0 & 0xffffffff)))
    echo "  zookeeper writes: $writes in $secs s ($(echo "scale=1; $writes / $secs" | bc)/s; zxid 0x$zxid0 -> 0x$zxid1)"
else
    echo "  zookeeper writes: unknown (its srvr four-letter word did not answer)"
fi
awk -v secs="$secs" '
    FNR == NR { rx[$1] = $2; tx[$1] = $3; next }
    ($1 in rx) { n++; drx += $2 - rx[$1]; dtx += $3 - tx[$1] }
    END { printf "  zookeeper traffic over %d client connections: %.1f KB/s received, %.1f KB/s sent\n", n, drx / secs / 1000, dtx / secs / 1000 }
' "$dir/zk-bytes-0" "$dir/zk-bytes-1"
# Who ZooKeeper sent the most to between two zk_conn_bytes files ($1, $2) over $3 seconds: the
# three connections with the most bytes, by process (a connection opened meanwhile counts whole).
top_receivers() {
    awk -v secs="$3" '
        FNR == NR { tx[$1] = $3; next }
        { print $3 - ($1 in tx ? tx[$1] : 0), $1 }
    ' "$1" "$2" | sort -rn | head -n 3 | while read -r sent peer; do
        local port=${peer##*:} who pid role=
        # By both ends: a worker's connection to another worker may share the local port.
        who=$(ss -tnpH state established "( sport = :$port and dport = :$zk_port )" 2>/dev/null |
            sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1 \2/p' | head -n 1)
        pid=${who##* }
        if [[ -n $pid ]]; then
            role=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | awk '{ print $2 }')
        fi
        echo "    to ${role:-?} (pid ${pid:-?}, port $port): $(echo "scale=1; $sent / $3 / 1000" | bc) KB/s"
    done
}
top_receivers "$dir/zk-bytes-0" "$dir/zk-bytes-1" "$secs"
echo "  threads of worker $w0 by name: $(cat /proc/"$w0"/task/*/comm 2>/dev/null | sed 's/:[0-9]*$//' |
    sort | uniq -c | sort -rn | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 }')"
echo "  threads of worker $w0 that used CPU (ticks of 1/$hz s):"
for t in /proc/"$w0"/task/*; do
    tid=${t##*/}
    d=$(($(ticks "$w0/task/$tid") - ${tbefore[$tid]:-0}))
    if ((d > 0)); then
        echo "    $(cat "$t/comm") $d"
    fi
done

# The cluster heartbeats' size: dataLength of up to three workerbeat nodes.
zkcli=${ZKCLI:-/usr/share/zookeeper/bin/zkCli.sh}
if [[ -x $zkcli ]]; then
    beats=$zk_root/workerbeats
    topo=$("$zkcli" -server "127.0.0.1:$zk_port" ls "$beats" 2>/dev/null | grep '^\[' | tail -n 1 |
        tr -d '[],' | awk '{ print $1 }')
    if [[ -n $topo ]]; then
        nodes=$("$zkcli" -server "127.0.0.1:$zk_port" ls "$beats/$topo" 2>/dev/null | grep '^\[' |
            tail -n 1 | tr -d '[],')
        sizes=()
        for n in $(tr ' ' '\n' <<<"$nodes" | head -n 3); do
            sizes+=("$("$zkcli" -server "127.0.0.1:$zk_port" stat "$beats/$topo/$n" 2>/dev/null |
                sed -n 's/^dataLength = //p')")
        done
        echo "  cluster heartbeat size (workerbeat nodes of $topo): ${sizes[*]} bytes"
    fi
fi

# With SMAPS=1: where the largest worker's memory goes, by mapping kind (Rss, MiB).
if [[ ${SMAPS:-0} == 1 ]]; then
    big=$w0
    for p in "${wpids[@]}"; do
        if (($(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0) > \
            $(awk '/^VmRSS/ { print $2 }' "/proc/$big/status" 2>/dev/null || echo 0))); then
            big=$p
        fi
    done
    echo "  memory of worker $big (rss $(rss_mib "$big") MiB, $(threads "$big") threads), Rss by mapping kind:"
    bench/smaps_summary.sh "$big" | sed 's/^/    /'
fi

# With STRACE=1: the system calls of one idle worker over SECS (wake-ups show as futex and
# epoll_wait calls that return on timeouts).
if [[ ${STRACE:-0} == 1 ]] && command -v strace >/dev/null; then
    echo "  system calls of worker $w0 in $secs s:"
    timeout -s INT "$secs" strace -f -c -p "$w0" 2>&1 | grep -v '^strace: Process' | sed -n '1,14p' | sed 's/^/    /' || true
fi

# With CHANGE_TEST=1: what one assignment change costs ZooKeeper. Prints the sizes of the
# topology's assignment and routes nodes, rebalances its count bolt by one executor less (`-w 0
# -e count=N-1`: a few workers take the change in place, every worker sees the new layout), and
# reports the bytes ZooKeeper sent its clients over the CHANGE_SECS (default 10) seconds from the
# rebalance, and the same less the idle rate measured above.
if [[ ${CHANGE_TEST:-0} == 1 ]]; then
    tid=$(ls "$dir"/local/supervisor/stormdist 2>/dev/null | head -n 1)
    if [[ -x $zkcli && -n $tid ]]; then
        for node in assignments routes; do
            echo "  $node/$tid: $("$zkcli" -server "127.0.0.1:$zk_port" stat "$zk_root/$node/$tid" 2>/dev/null |
                sed -n 's/^dataLength = //p') bytes"
        done
    fi
    count_executors=${per_component:-$parallelism}
    change_secs=${CHANGE_SECS:-10}
    zk_conn_bytes >"$dir/zk-bytes-2"
    "$tempest" rebalance --config "$conf" -w 0 -e "count=$((count_executors - 1))" "$name" >/dev/null
    sleep "$change_secs"
    zk_conn_bytes >"$dir/zk-bytes-3"
    awk -v secs="$change_secs" -v idle_secs="$secs" '
        FILENAME == ARGV[1] { rx0[$1] = $2; tx0[$1] = $3; next }
        FILENAME == ARGV[2] { if ($1 in rx0) { idle += $3 - tx0[$1] }; next }
        FILENAME == ARGV[3] { tx2[$1] = $3; next }
        ($1 in tx2) { n++; sent += $3 - tx2[$1]; next }
        { fresh++; sent += $3 }  # opened during the window: all its bytes are of the window
        END { printf "  after a rebalance of count to one executor less: zookeeper sent %.1f KB over %d s to %d connections, %d of them opened meanwhile (%.1f KB above its idle rate; connections closed meanwhile not counted)\n", sent / 1000, secs, n + fresh, fresh, (sent - idle / idle_secs * secs) / 1000 }
    ' "$dir/zk-bytes-0" "$dir/zk-bytes-1" "$dir/zk-bytes-2" "$dir/zk-bytes-3"
    top_receivers "$dir/zk-bytes-2" "$dir/zk-bytes-3" "$change_secs"
    workers_after=$(worker_pids | wc -l)
    expired=$( (grep -rl "ZooKeeper session expired" "$dir" 2>/dev/null || true) | wc -l)
    echo "  workers running $change_secs s after the rebalance: $workers_after; log files that name an expired ZooKeeper session: $expired"
fi

if [[ ${STOP_TEST:-1} == 0 ]]; then
    exit 0
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
