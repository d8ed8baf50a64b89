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
message(STATUS "bench_smoke: ${out}${json}${out2}${json2}")
