#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs tempest-bench's workloads by the method of ../shared/bench-reference/README.md: each run
# is bracketed by `baseline pingpong` and kept only when both probes are fast (the two vCPUs
# are placed close) and no other process used more than a little CPU during it (FOREIGN_MAX
# cores on average: other builds on the same machine spoil a run as surely as a far placement);
# the reference program runs right after it, in the same minutes.
#
#   bench/run_suite.sh [BUILD_DIR]        (default: build; tempest-bench in BUILD_DIR/bin)
#
# Environment: RUNS (fast runs wanted per case, 3), MAX_TRIES (per case, 10), DURATION (10),
# WARMUP (3), FAST_NS (pingpong limit, 200: see README.md), FOREIGN_MAX (0.1), CASES (default: all six, e.g.
# "const-null:off word-count:on"; zipf-agg and storm-perf's names work too, with srcsink as
# their reference), EXTRA_ARGS (more tempest-bench options, e.g.
# "--max-pending 2048"), QUIET_WAIT (seconds to wait for an idle machine before each run,
# 900), OUT (results directory, default /tmp/tempest-bench-suite), INTERLEAVE (1: run the
# cases in rounds, one run of each per round, instead of all runs of one case before the next).
# A case is WORKLOAD:ACKING[:ARGS], ARGS more tempest-bench options for that case alone with
# commas for spaces (e.g. "word-count:off word-count:on word-count:off:--workers,2").
# Writes OUT/runs.tsv (every run) and prints the medians of the kept runs; with INTERLEAVE=1
# also each case's rate over the first case's rate of the same round (both runs kept): the
# figure to quote for the ratio of two configurations, since on this VM one configuration's
# rate swings by 1.5x between quiet windows minutes apart. Local modes only:
# with --cluster the work runs in the cluster's workers, which the foreign-CPU check would count
# as foreign (measure those by hand, as docs/PERFORMANCE.md does).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
bench="$build/bin/tempest-bench"
ref_dir="$here/../../shared/bench-reference"
runs=${RUNS:-3}
max_tries=${MAX_TRIES:-10}
duration=${DURATION:-10}
warmup=${WARMUP:-3}
fast_ns=${FAST_NS:-200}
foreign_max=${FOREIGN_MAX:-0.1}
out=${OUT:-/tmp/tempest-bench-suite}
read -r -a extra <<<"${EXTRA_ARGS:-}"
cases=${CASES:-"const-null:off const-null:on const-id-null:off const-id-null:on word-count:off word-count:on"}

[[ -x "$bench" ]] || { echo "run_suite: no tempest-bench at $bench (build it first)" >&2; exit 2; }
[[ -f "$ref_dir/baseline.cpp" ]] || { echo "run_suite: no $ref_dir/baseline.cpp" >&2; exit 2; }
mkdir -p "$out"
baseline="$out/baseline"
if [[ ! -x "$baseline" ]]; then
    g++ -std=c++17 -O3 -pthread "$ref_dir/baseline.cpp" -o "$baseline"
fi

pingpong() { "$baseline" pingpong 200000 | sed -n 's/.*rtt_ns=\([0-9.]*\).*/\1/p'; }
is_fast() { awk -v a="$1" -v b="$2" -v f="$fast_ns" 'BEGIN { exit !(a < f && b < f) }'; }
# Busy jiffies of all CPUs (user nice system irq softirq) and steal jiffies.
busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $9 }' /proc/stat; }
# Waits (up to QUIET_WAIT seconds, default 900) until the machine has been idle for a second,
# so that runs are not started in the middle of someone else's build.
wait_quiet() {
    local waited=0 b0 b1 s
    while ((waited < ${QUIET_WAIT:-900})); do
        read -r b0 s < <(busy_jiffies)
        sleep 1
        read -r b1 s < <(busy_jiffies)
        if awk -v a="$b0" -v b="$b1" -v m="$foreign_max" 'BEGIN { exit !((b - a) / 100 <= m) }'; then
            return 0
        fi
        sleep 4
        waited=$((waited + 5))
    done
    echo "   (machine still busy after ${waited} s; running anyway)"
}
json_get() { sed -n "s/.*\"$2\": \([^,}]*\).*/\1/p" "$1"; }

tsv="$out/runs.tsv"
printf 'workload\tacking\ttry\tpp_before\tpp_after\tforeign_cpu\tsteal_cpu\tkept\trate\tp50_us\tp99_us\tpeak_rss_mib\tref\tref_rate\tref_pp_after\tref_kept\targs\n' >"$tsv"
declare -A kept_of=()

# One run of case $1 (WORKLOAD:ACKING[:ARGS]) as try (or round) $2: appends its row to the TSV
# and counts it in kept_of when it is kept.
run_case() {
    local c=$1 try=$2
    local workload=${c%%:*}
    local rest=${c#*:}
    local ack=${rest%%:*}
    local case_args=""
    [[ "$rest" == *:* ]] && case_args=${rest#*:}
    local flag=() more=() ref=() ref_field
    [[ "$ack" == on ]] && flag=(--acking)
    [[ -n "$case_args" ]] && IFS=, read -r -a more <<<"$case_args"
    local tag=${case_args//,/_}
    tag=${tag//-/}
    if [[ "$workload" == word-count ]]; then
        ref=(wc2 5000000 64)
        ref_field=words_per_s
    else
        ref=(srcsink 100000000 256)
        ref_field=tuples_per_s
    fi
    local json="$out/$workload-$ack${tag:+-$tag}-$try.json"
    wait_quiet
    local pp1 pp2 pp3 busy0 steal0 busy1 steal1 wall user sys foreign steal ref_rate k rk p50 p99
    pp1=$(pingpong)
    read -r busy0 steal0 < <(busy_jiffies)
    /usr/bin/time -f '%e %U %S' -o "$out/time.txt" \
        "$bench" "$workload" "${flag[@]}" --duration "$duration" --warmup "$warmup" \
        --json "$json" "${extra[@]}" "${more[@]}"
    read -r busy1 steal1 < <(busy_jiffies)
    read -r wall user sys <"$out/time.txt"
    # Cores used on average by everything but tempest-bench, and stolen by the hypervisor.
    foreign=$(awk -v b0="$busy0" -v b1="$busy1" -v w="$wall" -v u="$user" -v s="$sys" \
        'BEGIN { f = ((b1 - b0) / 100 - u - s) / w; printf "%.2f", f < 0 ? 0 : f }')
    steal=$(awk -v s0="$steal0" -v s1="$steal1" -v w="$wall" \
        'BEGIN { printf "%.2f", (s1 - s0) / 100 / w }')
    pp2=$(pingpong)
    ref_rate=$("$baseline" "${ref[@]}" | sed -n "s/.*$ref_field=\([0-9.]*\).*/\1/p")
    pp3=$(pingpong)
    k=no
    if is_fast "$pp1" "$pp2" &&
        awk -v f="$foreign" -v m="$foreign_max" 'BEGIN { exit !(f <= m) }'; then
        k=yes
        kept_of[$c]=$((${kept_of[$c]:-0} + 1))
    fi
    rk=no
    if is_fast "$pp2" "$pp3" &&
        awk -v f="$foreign" -v m="$foreign_max" 'BEGIN { exit !(f <= m) }'; then
        rk=yes
    fi
    p50=$(json_get "$json" complete_latency_p50_us)
    p99=$(json_get "$json" complete_latency_p99_us)
    printf '%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$workload" "$ack" "$try" "$pp1" "$pp2" "$foreign" "$steal" "$k" "$(json_get "$json" tuples_per_s)" "${p50:--}" "${p99:--}" \
        "$(json_get "$json" peak_rss_mib)" "${ref[0]}" "$ref_rate" "$pp3" "$rk" "$case_args" >>"$tsv"
    echo "   pingpong before ${pp1} ns, after ${pp2} ns, other CPU ${foreign} cores, steal ${steal} -> kept=$k; ${ref[0]} ${ref_rate}/s (pingpong after ${pp3} ns)"
}

if [[ "${INTERLEAVE:-0}" == 1 ]]; then
    for ((round = 1; round <= max_tries; round++)); do
        wanting=0
        for c in $cases; do
            if ((${kept_of[$c]:-0} < runs)); then
                wanting=1
            fi
        done
        ((wanting)) || break
        for c in $cases; do
            run_case "$c" "$round"
        done
    done
else
    for c in $cases; do
        for ((try = 1; try <= max_tries && ${kept_of[$c]:-0} < runs; try++)); do
            run_case "$c" "$try"
        done
    done
fi

echo "== medians of kept runs (pingpong < ${fast_ns} ns before and after, other CPU <= ${foreign_max})"
awk -F'\t' -v interleave="${INTERLEAVE:-0}" 'NR > 1 {
    args = $17; gsub(",", " ", args)
    key = $1 " acking=" $2 (args != "" ? " " args : "")
    if (!(key in seen)) { order[++n] = key; seen[key] = 1 }
    if ($8 == "yes") {
        rate[key] = rate[key] " " $9; rss[key] = rss[key] " " $12
        if ($10 != "-") { p50[key] = p50[key] " " $10; p99[key] = p99[key] " " $11 }
        by_round[key, $3] = $9
        if ($3 + 0 > rounds) rounds = $3 + 0
    }
    if ($16 == "yes") { ref[key] = ref[key] " " $14 }
}
function median(s,   a, k, i, j, t) {
    k = split(s, a, " ")
    if (k == 0) return "-"
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
END {
    for (i = 1; i <= n; i++) {
        key = order[i]
        m = median(rate[key]); r = median(ref[key])
        printf "%-28s rate %s (kept: %s)  p50 %s us  p99 %s us  rss %s MiB  reference %s (kept: %s)  ratio %s\n",
            key, m, rate[key], median(p50[key]), median(p99[key]), median(rss[key]), r, ref[key],
            (m != "-" && r != "-" && r > 0) ? sprintf("%.3f", m / r) : "-"
    }
    if (interleave == 1 && n > 1) {
        first = order[1]
        printf "== per round: each case over %s in the same round (both runs kept)\n", first
        for (i = 2; i <= n; i++) {
            key = order[i]; q = ""
            for (round = 1; round <= rounds; round++) {
                if (((key, round) in by_round) && ((first, round) in by_round) && by_round[first, round] > 0)
                    q = q " " sprintf("%.3f", by_round[key, round] / by_round[first, round])
            }
            printf "%-28s ratio %s (rounds: %s)\n", key, median(q), q
        }
    }
}' "$tsv"
