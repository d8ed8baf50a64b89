# SPDX-License-Identifier: Apache-2.0
# ctest bench_smoke: cmake -DBENCH=<tempest-bench> -DOUT=<json file> -P bench_smoke.cmake
if(NOT BENCH OR NOT OUT)
    message(FATAL_ERROR "bench_smoke.cmake needs -DBENCH=<tempest-bench> and -DOUT=<json file>")
endif()

file(REMOVE "${OUT}")
execute_process(
    COMMAND "${BENCH}" const-null --duration 1 --warmup 0.5 --json "${OUT}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 20)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "tempest-bench const-null exited with '${rc}'\nstdout: ${out}\nstderr: ${err}")
endif()
if(NOT out MATCHES "const-null acking=off: .* tuples/s")
    message(FATAL_ERROR "tempest-bench printed no result line: ${out}")
endif()
if(NOT EXISTS "${OUT}")
    message(FATAL_ERROR "tempest-bench wrote no JSON file ${OUT}")
endif()
file(READ "${OUT}" json)
string(JSON workload ERROR_VARIABLE json_err GET "${json}" workload)
if(json_err)
    message(FATAL_ERROR "bad JSON in ${OUT}: ${json_err}\n${json}")
endif()
string(JSON rate GET "${json}" tuples_per_s)
string(JSON rss GET "${json}" peak_rss_mib)
if(NOT workload STREQUAL "const-null" OR NOT rate GREATER 0 OR NOT rss GREATER 0)
    message(FATAL_ERROR "unexpected JSON result: ${json}")
endif()
# Each executor thread's busy share of the window (the null bolt is chained: one thread).
if(NOT out MATCHES "threads over the window: spout busy [0-9]+%")
    message(FATAL_ERROR "tempest-bench printed no thread line: ${out}")
endif()
string(JSON threads LENGTH "${json}" threads)
string(JSON busy GET "${json}" threads 0 busy)
if(NOT threads EQUAL 1 OR busy LESS 0 OR busy GREATER 1)
    message(FATAL_ERROR "expected one thread, busy in [0, 1], in the JSON result: ${json}")
endif()

execute_process(
    COMMAND "${BENCH}" const-null --duration zero
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 10)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--duration expects seconds > 0, got 'zero'")
    message(FATAL_ERROR "a bad --duration should exit 2 with a one-line error; got '${rc}': ${err}")
endif()
# Two worker processes joined over loopback TCP: the same checks, plus the fields of that mode.
file(REMOVE "${OUT}")
execute_process(
    COMMAND "${BENCH}" word-count --workers 2 --duration 1 --warmup 0.5 --json "${OUT}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out2 ERROR_VARIABLE err TIMEOUT 20)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "tempest-bench word-count --workers 2 exited with '${rc}'\nstdout: ${out2}\nstderr: ${err}")
endif()
if(NOT out2 MATCHES "word-count acking=off workers=2 .* words/s per node")
    message(FATAL_ERROR "tempest-bench --workers 2 printed no result line: ${out2}")
endif()
if(NOT out2 MATCHES "threads over the window: worker 0: [a-z]+ busy [0-9]+%.*; worker 1: [a-z]+ busy")
    message(FATAL_ERROR "tempest-bench --workers 2 printed no thread line: ${out2}")
endif()
file(READ "${OUT}" json2)
string(JSON workers ERROR_VARIABLE json_err GET "${json2}" workers)
if(json_err)
    message(FATAL_ERROR "bad JSON in ${OUT}: ${json_err}\n${json2}")
endif()
string(JSON rate GET "${json2}" tuples_per_s)
string(JSON sent GET "${json2}" remote_sent)
if(NOT workers EQUAL 2 OR NOT rate GREATER 0 OR NOT sent GREATER 0)
    message(FATAL_ERROR "unexpected JSON result of --workers 2: ${json2}")
endif()

execute_process(
    COMMAND "${BENCH}" word-count --workers 3
    RESULT_VARIABLE rc OUTPUT_VARIABLE out3 ERROR_VARIABLE err TIMEOUT 10)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--workers expects 1 or 2")
    message(FATAL_ERROR "--workers 3 should exit 2 with a one-line error; got '${rc}': ${err}")
endif()

# zipf-agg under its own name, const-null under storm-perf's, with a throughput-over-time plot.
set(svg "${OUT}.svg")
file(REMOVE "${OUT}" "${svg}")
execute_process(
    COMMAND "${BENCH}" zipf-agg --acking --keys 1000 --skew 1.1 --duration 1 --warmup 0.5
        --json "${OUT}" --plot "${svg}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out4 ERROR_VARIABLE err TIMEOUT 20)
if(NOT rc EQUAL 0 OR NOT out4 MATCHES "zipf-agg acking=on: .* keys/s")
    message(FATAL_ERROR "tempest-bench zipf-agg exited with '${rc}'\nstdout: ${out4}\nstderr: ${err}")
endif()
file(READ "${svg}" plot)
if(NOT plot MATCHES "^<svg " OR NOT plot MATCHES "<polyline " OR NOT plot MATCHES "end of warm-up")
    message(FATAL_ERROR "--plot wrote no throughput plot to ${svg}: ${plot}")
endif()
# windowed-agg: a windowed bolt (sliding count window) with acking, its tuples acked as they
# leave the window.
execute_process(
    COMMAND "${BENCH}" windowed-agg --acking --keys 1000 --duration 0.5 --warmup 0.3
    RESULT_VARIABLE rc OUTPUT_VARIABLE out7 ERROR_VARIABLE err TIMEOUT 20)
if(NOT rc EQUAL 0 OR NOT out7 MATCHES "windowed-agg acking=on: [1-9][0-9.]*[kM]? tuples/s")
    message(FATAL_ERROR "tempest-bench windowed-agg exited with '${rc}'\nstdout: ${out7}\nstderr: ${err}")
endif()
execute_process(
    COMMAND "${BENCH}" ConstSpoutNullBoltTopo --duration 0.5 --warmup 0.2
    RESULT_VARIABLE rc OUTPUT_VARIABLE out5 ERROR_VARIABLE err TIMEOUT 20)
if(NOT rc EQUAL 0 OR NOT out5 MATCHES "const-null acking=off: ")
    message(FATAL_ERROR "tempest-bench ConstSpoutNullBoltTopo exited with '${rc}'\nstdout: ${out5}\nstderr: ${err}")
endif()

# throughput-vs-latency, two short steps: a table, a knee line, JSON with both steps, a plot.
file(REMOVE "${OUT}" "${svg}")
execute_process(
    COMMAND "${BENCH}" throughput-vs-latency --rates 2k,4k --duration 0.5 --warmup 0.3
        --json "${OUT}" --plot "${svg}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out6 ERROR_VARIABLE err TIMEOUT 20)
if(NOT rc EQUAL 0 OR NOT out6 MATCHES "knee: ")
    message(FATAL_ERROR "tempest-bench throughput-vs-latency exited with '${rc}'\nstdout: ${out6}\nstderr: ${err}")
endif()
file(READ "${OUT}" json6)
string(JSON nsteps LENGTH "${json6}" steps)
string(JSON achieved GET "${json6}" steps 1 achieved_per_s)
string(JSON samples GET "${json6}" steps 1 latency_samples)
string(JSON p99 GET "${json6}" steps 1 p99_us)
if(NOT nsteps EQUAL 2 OR NOT achieved GREATER 0 OR NOT samples GREATER 0 OR NOT p99 GREATER 0)
    message(FATAL_ERROR "unexpected throughput-vs-latency JSON: ${json6}")
endif()
file(READ "${svg}" plot)
if(NOT plot MATCHES "Complete latency against offered rate" OR NOT plot MATCHES "p99.9")
    message(FATAL_ERROR "--plot wrote no latency plot to ${svg}")
endif()
# Several pipelines in one topology, and the idle mode: their result lines and JSON fields.
file(REMOVE "${OUT}")
execute_process(
    COMMAND "${BENCH}" word-count --pipelines 2 --duration 0.5 --warmup 0.3 --json "${OUT}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out7 ERROR_VARIABLE err TIMEOUT 20)
if(NOT rc EQUAL 0 OR NOT out7 MATCHES "word-count acking=off pipelines=2: .* words/s")
    message(FATAL_ERROR "tempest-bench word-count --pipelines 2 exited with '${rc}'\nstdout: ${out7}\nstderr: ${err}")
endif()
file(READ "${OUT}" json7)
string(JSON pipes GET "${json7}" pipelines)
string(JSON execs GET "${json7}" executors)
string(JSON rate GET "${json7}" tuples_per_s)
if(NOT pipes EQUAL 2 OR NOT execs EQUAL 6 OR NOT rate GREATER 0)
    message(FATAL_ERROR "unexpected JSON result of --pipelines 2: ${json7}")
endif()
file(REMOVE "${OUT}")
execute_process(
    COMMAND "${BENCH}" word-count --idle --executors 4 --warmup 0.3 --duration 0.5 --json "${OUT}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out8 ERROR_VARIABLE err TIMEOUT 20)
if(NOT rc EQUAL 0 OR NOT out8 MATCHES "word-count idle: 12 executors, [0-9]+ threads, CPU ")
    message(FATAL_ERROR "tempest-bench word-count --idle exited with '${rc}'\nstdout: ${out8}\nstderr: ${err}")
endif()
file(READ "${OUT}" json8)
string(JSON mode GET "${json8}" mode)
string(JSON threads GET "${json8}" threads)
string(JSON cpu GET "${json8}" cpu_percent)
if(NOT mode STREQUAL "idle" OR NOT threads GREATER 4 OR cpu LESS 0)
    message(FATAL_ERROR "unexpected JSON result of --idle: ${json8}")
endif()
message(STATUS "bench_smoke: ${out}${json}${out2}${json2}${out4}${out6}${out7}${out8}")
