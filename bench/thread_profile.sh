#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Where one executor thread of a local-mode benchmark spends its time, per word (or tuple): runs
# tempest-bench, samples the named thread with `perf record -t` for SECONDS in the middle of the
# run, and prints its top symbols as nanoseconds per unit of the run's rate (samples / frequency
# / (rate x seconds)). Thread names are the component and task (`count:1`, `sentences:2`; see
# `ps -L -o tid,comm -p PID`). perf on this VM samples the CPU clock only (no hardware counters).
#
#   bench/thread_profile.sh BUILD THREAD WORKLOAD [tempest-bench options...]
#   e.g. bench/thread_profile.sh build count:1 word-count --acking
set -euo pipefail
build=${1:?usage: thread_profile.sh BUILD THREAD WORKLOAD [options...]}
thread=${2:?thread name, e.g. count:1}
shift 2
bench="$build/bin/tempest-bench"
freq=${FREQ:-4999}
seconds=${SECONDS_SAMPLED:-3}
command -v perf > /dev/null || {
    echo "thread_profile: perf is not installed (apt-get install linux-perf)" >&2
    exit 1
}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bench" "$@" --duration $((seconds + 4)) --warmup 1 > "$out/run.txt" 2>&1 &
runner=$!
sleep 2
tid=$(ps -L -o tid=,comm= -p "$runner" | awk -v n="$thread" '$2 == n { print $1; exit }')
[[ -n $tid ]] || {
    echo "thread_profile: no thread '$thread' in tempest-bench $*" >&2
    ps -L -o tid=,comm= -p "$runner" >&2
    exit 1
}
perf record -F "$freq" -t "$tid" -o "$out/perf.data" -- sleep "$seconds" > /dev/null 2>&1
wait "$runner"
rate=$(grep -oE '[0-9.]+M [a-z]+/s' "$out/run.txt" | head -1 || true)
[[ -n $rate ]] || {
    echo "thread_profile: tempest-bench printed no rate:" >&2
    cat "$out/run.txt" >&2
    exit 1
}
echo "$thread: tempest-bench $* -> $rate"
perf report -i "$out/perf.data" --sort sym --stdio -n 2> /dev/null | grep -v '^#' | grep -v '^$' |
    head -"${TOP:-20}" | awk -v r="${rate%%M*}" -v f="$freq" -v s="$seconds" \
    '{ printf "%7.2f ns  %s\n", $2 / f / (r * 1e6 * s) * 1e9, substr($0, index($0, $3)) }'
