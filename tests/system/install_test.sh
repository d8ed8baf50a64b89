#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The installed layout stands on its own (cmake/install.cmake, docs/DEPLOY.md):
#   install_test.sh layout BUILD_DIR VERSION
#       `cmake --install BUILD_DIR --prefix` a temporary directory, move the tree elsewhere (so no
#       path may point at where it was installed), then, with the build tree hidden when this
#       user may (a private mount namespace with an empty tmpfs over it) and no LD_LIBRARY_PATH:
#       `tempest version`, the word-count example in local mode for 3 s, the installed node file
#       read by default; the binary's RUNPATH and ldd name no build path.
#   install_test.sh find-package BUILD_DIR SOURCE_DIR
#       a topology package (the word-count example's source) built by a separate CMake project
#       with find_package(Tempest) against the installed tree, run by the installed tempest.
#   install_test.sh units BUILD_DIR
#       the installed systemd units' ExecStart lines, run as the units run them (binary and node
#       file swapped for this tree's) against `tempest dev-zookeeper`: each daemon starts, and
#       SIGTERM ends it with status 0 within the unit's TimeoutStopSec.
# Exits non-zero with "install_test: FAIL: ..." on the first failed check.
set -euo pipefail

mode=${1:?usage: install_test.sh layout|find-package BUILD_DIR ...}
build=$(cd "${2:?missing BUILD_DIR}" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/tempest-install-test.XXXXXX")
# Processes this script started (units mode): killed, if still running, on any exit.
started=()
cleanup() {
    local pid deadline
    # SIGTERM first: `tempest dev-zookeeper` stops its Java server only then.
    for pid in "${started[@]}"; do
        kill -TERM "$pid" 2>/dev/null || continue
        deadline=$((SECONDS + 20))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
            sleep 0.2
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
unset LD_LIBRARY_PATH

fail() {
    echo "install_test: FAIL: $*" >&2
    exit 1
}

# Installs into a temporary prefix and moves the tree to $work/prefix.
cmake --install "$build" --prefix "$work/staged" >"$work/install.log" 2>&1 ||
    fail "cmake --install failed: $(tail -5 "$work/install.log")"
mv "$work/staged" "$work/prefix"
p=$work/prefix
bin=$p/bin/tempest
api=$(find "$p" -name libtempest_topology_api.so -print -quit)
[[ -x $bin ]] || fail "no bin/tempest in the installed tree"
[[ -n $api ]] || fail "no libtempest_topology_api.so in the installed tree"
examples=$(dirname "$api")/examples
[[ -f $examples/word_count.so ]] || fail "no word_count.so in $examples"

# Runs "$@" with the build tree covered by an empty tmpfs when a private mount namespace is
# allowed (root, or unprivileged user namespaces); else as is (the RUNPATH/ldd checks remain).
hidden_build=no
if unshare --mount --map-root-user true 2>/dev/null; then
    hidden_build=yes
fi
run() {
    if [[ $hidden_build == yes ]]; then
        unshare --mount --map-root-user sh -c 'mount -t tmpfs none "$0" && exec "$@"' "$build" "$@"
    else
        "$@"
    fi
}

# wait_for_line FILE REGEX SECS PID: until FILE has a line matching REGEX (extended), PID died, or
# SECS passed; fails in the last two cases.
wait_for_line() {
    local deadline=$((SECONDS + $3))
    while ((SECONDS < deadline)); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        kill -0 "$4" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

# stop_within PID SECS: SIGTERM to PID, then until it exits (status 0 required) or SECS pass.
stop_within() {
    local deadline=$((SECONDS + $2)) rc=0
    kill -TERM "$1"
    while ((SECONDS < deadline)); do
        if ! kill -0 "$1" 2>/dev/null; then
            wait "$1" || rc=$?
            [[ $rc == 0 ]] || echo "install_test: pid $1 exited $rc after SIGTERM" >&2
            return "$rc"
        fi
        sleep 0.2
    done
    kill -KILL "$1" 2>/dev/null
    return 1
}

case $mode in
layout)
    version=${3:?missing VERSION}
    for f in etc/tempest/tempest.yaml include/tempest/topology.h \
        lib/systemd/system/tempest-nimbus.service lib/systemd/system/tempest-supervisor.service \
        lib/systemd/system/tempest-ui.service lib/systemd/system/tempest-logviewer.service \
        share/doc/tempest/DEPLOY.md share/doc/tempest/defaults.yaml; do
        [[ -f $p/$f ]] || fail "missing $f in the installed tree"
    done
    [[ -n $(find "$p" -name TempestConfig.cmake) ]] || fail "no TempestConfig.cmake installed"
    [[ -f $examples/multilang.resources/splitsentence.py ]] ||
        fail "the multilang example's scripts are not beside it"

    runpath=$(readelf -d "$bin" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
    [[ $runpath == *'$ORIGIN'* ]] || fail "bin/tempest's RUNPATH '$runpath' is not relative"
    [[ $runpath != *"$build"* ]] || fail "bin/tempest's RUNPATH '$runpath' names the build tree"
    ldd "$bin" >"$work/ldd.txt"
    ! grep -q "not found" "$work/ldd.txt" || fail "unresolved libraries: $(grep 'not found' "$work/ldd.txt")"
    ! grep -qF "$build" "$work/ldd.txt" || fail "bin/tempest loads from the build tree: $(cat "$work/ldd.txt")"
    resolved=$(sed -n 's/^\s*libtempest_topology_api.so => \(.*\) (0x.*/\1/p' "$work/ldd.txt")
    [[ -n $resolved && $(realpath "$resolved") == "$(realpath "$api")" ]] ||
        fail "libtempest_topology_api.so does not resolve to $api: $(grep topology_api "$work/ldd.txt")"

    out=$(run "$bin" version) || fail "tempest version exited $?"
    [[ $out == "tempest $version" ]] || fail "tempest version printed '$out', expected 'tempest $version'"

    # The word-count example, in local mode, from the installed tree.
    rc=0
    run timeout 60 "$bin" local --duration 3 "$examples/word_count.so" --report-secs 1 \
        >"$work/local.out" 2>"$work/local.err" || rc=$?
    [[ $rc == 0 ]] || fail "tempest local exited $rc: $(tail -5 "$work/local.err")"
    counted=$(sed -n 's/^word_count final report at .* \([0-9][0-9]*\) words counted$/\1/p' "$work/local.out")
    [[ -n $counted && $counted -gt 0 ]] ||
        fail "no final report with words counted: $(tail -15 "$work/local.out")"
    grep -qE '^ +1\. the +[0-9]+$' "$work/local.out" ||
        fail "'the' is not the top word: $(tail -12 "$work/local.out")"

    # The installed node file is the default config: a bad key there is reported with its path.
    echo 'topology.workers: "many"' >>"$p/etc/tempest/tempest.yaml"
    rc=0
    run "$bin" local --duration 1 "$examples/word_count.so" >/dev/null 2>"$work/bad.err" || rc=$?
    [[ $rc != 0 ]] || fail "a bad key in the installed tempest.yaml was not reported"
    grep -qF "$p/etc/tempest/tempest.yaml" "$work/bad.err" ||
        fail "the error does not name the installed tempest.yaml: $(cat "$work/bad.err")"
    echo "install_test: layout ok (build tree hidden: $hidden_build; $counted words counted)"
    ;;
find-package)
    src=$(cd "${3:?missing SOURCE_DIR}" && pwd)
    mkdir -p consumer/word_count consumer/common
    cp "$src/examples/word_count/word_count.cc" consumer/word_count/
    cp "$src/examples/common/example_args.h" consumer/common/
    cat >consumer/CMakeLists.txt <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(my_topology LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(Tempest 0.1 REQUIRED)
add_library(my_word_count MODULE word_count/word_count.cc)
target_link_libraries(my_word_count PRIVATE tempest::topology_api)
set_target_properties(my_word_count PROPERTIES PREFIX "" CXX_VISIBILITY_PRESET hidden)
EOF
    # Plain compiler, no ccache: nothing of the build tree's configuration is reused.
    run cmake -S consumer -B consumer/build -G "Unix Makefiles" -DCMAKE_PREFIX_PATH="$p" \
        -DCMAKE_BUILD_TYPE=Release \
        >"$work/consumer.log" 2>&1 || fail "configuring against the install: $(tail -15 "$work/consumer.log")"
    run cmake --build consumer/build >>"$work/consumer.log" 2>&1 ||
        fail "building against the install: $(tail -15 "$work/consumer.log")"
    grep -qF -- "-isystem $p/include" consumer/build/CMakeFiles/my_word_count.dir/flags.make ||
        fail "the package was not compiled against the installed headers"
    rc=0
    run timeout 60 "$p/bin/tempest" local --duration 2 consumer/build/my_word_count.so \
        >"$work/local.out" 2>"$work/local.err" || rc=$?
    [[ $rc == 0 ]] || fail "tempest local of the package built against the install exited $rc: $(tail -5 "$work/local.err")"
    grep -q "^word_count final report at .* [1-9][0-9]* words counted$" "$work/local.out" ||
        fail "the package built against the install counted nothing: $(tail -12 "$work/local.out")"
    echo "install_test: find-package ok (build tree hidden: $hidden_build)"
    ;;
units)
    # Each installed unit's ExecStart, with this tree's binary and a node file of our own in
    # place of its paths, as the unit runs it (in its WorkingDirectory): it must start the daemon
    # against a real ZooKeeper, and SIGTERM (the unit's KillSignal) must end it with status 0
    # within the unit's TimeoutStopSec.
    "$bin" dev-zookeeper --port 0 --dir "$work/zk" >"$work/zk.out" 2>&1 &
    zk_pid=$!
    started+=("$zk_pid")
    wait_for_line "$work/zk.out" 'ZooKeeper serving on 127.0.0.1:[0-9]+' 60 "$zk_pid" ||
        fail "dev ZooKeeper did not start: $(tail -5 "$work/zk.out")"
    zk_port=$(sed -n 's/^ZooKeeper serving on 127.0.0.1:\([0-9]*\) .*/\1/p' "$work/zk.out")
    mkdir -p "$work/state"
    write_conf() {
        cat >"$work/tempest.yaml" <<EOF2
storm.zookeeper.servers: ["127.0.0.1"]
storm.zookeeper.port: $zk_port
storm.zookeeper.root: "/units-test"
storm.local.dir: "$work/state"
tempest.log.dir: "$work/logs"
nimbus.seeds: ["127.0.0.1"]
nimbus.thrift.port: $1
ui.port: 0
logviewer.port: 0
EOF2
    }
    write_conf 0
    declare -A ready=(
        [nimbus]='nimbus serving on port [0-9]+'
        [supervisor]='supervisor .* on host .*: slots'
        [ui]='ui serving on '
        [logviewer]='logviewer serving on '
    )
    nimbus_pid=
    for daemon in nimbus supervisor ui logviewer; do
        unit=$p/lib/systemd/system/tempest-$daemon.service
        exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
        stop_secs=$(sed -n 's/^TimeoutStopSec=//p' "$unit")
        [[ $(sed -n 's/^KillSignal=//p' "$unit") == SIGTERM ]] || fail "$unit: KillSignal is not SIGTERM"
        [[ $(sed -n 's/^Restart=//p' "$unit") == on-failure ]] || fail "$unit: Restart is not on-failure"
        read -r -a argv <<<"$exec_start"
        [[ ${#argv[@]} == 4 && ${argv[0]} == */bin/tempest && ${argv[1]} == "$daemon" &&
            ${argv[2]} == --config && ${argv[3]} == */tempest/tempest.yaml ]] ||
            fail "$unit: unexpected ExecStart '$exec_start'"
        argv[0]=$bin
        argv[3]=$work/tempest.yaml
        log=$work/$daemon.log
        (cd "$work/state" && exec "${argv[@]}") >"$log" 2>&1 &
        pid=$!
        started+=("$pid")
        wait_for_line "$log" "${ready[$daemon]}" 60 "$pid" ||
            fail "$daemon (ExecStart of $unit) did not start: $(tail -5 "$log")"
        if [[ $daemon == nimbus ]]; then
            nimbus_pid=$pid
            # The others reach this Nimbus on the port it picked.
            write_conf "$(sed -En 's/.*nimbus serving on port ([0-9]+).*/\1/p' "$log" | head -1)"
            continue
        fi
        stop_within "$pid" "$stop_secs" || fail "$daemon did not stop on SIGTERM within ${stop_secs}s"
    done
    stop_within "$nimbus_pid" "$(sed -n 's/^TimeoutStopSec=//p' "$p/lib/systemd/system/tempest-nimbus.service")" ||
        fail "nimbus did not stop on SIGTERM within its TimeoutStopSec"
    echo "install_test: units ok (ExecStart of nimbus, supervisor, ui, logviewer; SIGTERM -> exit 0)"
    ;;
*)
    fail "unknown mode '$mode' (expected layout, find-package or units)"
    ;;
esac
