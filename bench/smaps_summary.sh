#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Where a process's resident memory goes, from /proc/PID/smaps: Rss, Pss (shared pages divided
# among the processes sharing them: a library's code counts once over all workers) and Size per
# kind of mapping, then the largest anonymous mappings. Kinds:
#   heap          [heap]: the main arena of glibc malloc (brk)
#   malloc arenas anonymous read-write mappings that, with the inaccessible rest after them,
#                 make up a 64 MiB reservation: glibc's per-thread arenas (up to 8 x cores)
#   thread stacks anonymous read-write mappings just above a 4 KiB guard page
#   other anon    the rest: blocks malloc mmapped (above its threshold), rings, buffers
#   libraries     files named *.so*; other files; [stack] and the rest of the kernel's
#
#   bench/smaps_summary.sh PID
set -euo pipefail
pid=${1:?usage: smaps_summary.sh PID}
[[ -r /proc/$pid/smaps ]] || {
    echo "smaps_summary: cannot read /proc/$pid/smaps" >&2
    exit 1
}
awk '
    /^[0-9a-f]+-[0-9a-f]+ / {
        n++
        split($1, r, "-")
        perms[n] = $2
        path[n] = (NF >= 6) ? $6 : ""
        next
    }
    /^Size:/ { size[n] = $2 }
    /^Rss:/ { rss[n] = $2 }
    /^Pss:/ { pss[n] = $2 }
    END {
        for (i = 1; i <= n; i++) {
            k = ""
            p = path[i]
            if (p == "[heap]") k = "heap (main arena)"
            else if (p == "[stack]") k = "main thread stack"
            else if (p ~ /^\[/) k = "kernel ([vdso], ...)"
            else if (p ~ /\.so/) k = "libraries (*.so)"
            else if (p != "") k = "other files"
            else if (perms[i] ~ /^rw/ && i < n && path[i + 1] == "" && perms[i + 1] ~ /^---/ &&
                     size[i] + size[i + 1] == 65536) k = "malloc arenas (64 MiB each)"
            else if (perms[i] ~ /^---/ && i > 1 && path[i - 1] == "" && perms[i - 1] ~ /^rw/ &&
                     size[i] + size[i - 1] == 65536) k = "malloc arenas (64 MiB each)"
            else if (perms[i] ~ /^rw/ && i > 1 && path[i - 1] == "" && perms[i - 1] ~ /^---/ &&
                     size[i - 1] == 4) k = "thread stacks"
            else if (perms[i] ~ /^---/ && size[i] == 4) k = "thread stacks"
            else k = "other anonymous"
            kr[k] += rss[i]; ks[k] += size[i]; kp[k] += pss[i]; kn[k]++
            total += rss[i]; total_pss += pss[i]
            if (p == "" && perms[i] ~ /^rw/) big[i] = rss[i]
        }
        sorter = "sort -g -r | cut -f 2-"
        for (k in kr) printf "%012d\t%-30s %8.1f MiB Rss (%6.1f Pss) of %9.1f MiB mapped in %5d mappings\n", kr[k], k, kr[k] / 1024, kp[k] / 1024, ks[k] / 1024, kn[k] | sorter
        close(sorter)
        printf "%-30s %8.1f MiB Rss (%6.1f Pss)\n", "total", total / 1024, total_pss / 1024
        m = 0
        for (i in big) if (big[i] > 0) { order[++m] = i }
        # the eight largest anonymous read-write mappings
        for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (big[order[b]] > big[order[a]]) { t = order[a]; order[a] = order[b]; order[b] = t }
        printf "largest anonymous mappings (Rss / Size, KiB):"
        for (a = 1; a <= m && a <= 8; a++) printf " %d/%d", big[order[a]], size[order[a]]
        printf "\n"
    }
' "/proc/$pid/smaps"
