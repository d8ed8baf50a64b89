# SPDX-License-Identifier: Apache-2.0
# One helper for libraries, one for tests (see STYLE.md section 7).
include(GoogleTest)

set(TEMPEST_WARNINGS -Wall -Wextra -Wno-missing-field-initializers)
if(TEMPEST_WERROR)
    list(APPEND TEMPEST_WARNINGS -Werror)
endif()
if(TEMPEST_SANITIZE OR TEMPEST_TSAN)
    # With sanitizers GCC 12 reports -Wmaybe-uninitialized inside libstdc++ (std::regex,
    # std::function) that the same code compiled normally does not: false positives, as GCC's
    # manual warns for instrumented builds. Release builds keep the warning as an error.
    list(APPEND TEMPEST_WARNINGS -Wno-maybe-uninitialized)
endif()

# tempest_cc_library(NAME name SRCS ... DEPS ... [SHARED])
# Creates tempest_<name> with alias tempest::<name>; include/ is public, src/ private.
function(tempest_cc_library)
    cmake_parse_arguments(ARG "SHARED" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
    if(ARG_SHARED)
        add_library(tempest_${ARG_NAME} SHARED ${ARG_SRCS})
    else()
        add_library(tempest_${ARG_NAME} STATIC ${ARG_SRCS})
    endif()
    add_library(tempest::${ARG_NAME} ALIAS tempest_${ARG_NAME})
    target_include_directories(tempest_${ARG_NAME}
        PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
        PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_compile_options(tempest_${ARG_NAME} PRIVATE ${TEMPEST_WARNINGS})
    target_link_libraries(tempest_${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# tempest_add_test(NAME name SOURCES ... DEPS ... LABEL unit|cluster|system|system-inprocess)
# `system-inprocess`: a system test (a real ZooKeeper server, ports) whose code under test runs
# inside the test process, so the sanitizer builds of scripts/test run it too. `ctest -L system`
# selects it as well (-L is a regular expression).
function(tempest_add_test)
    cmake_parse_arguments(ARG "" "NAME;LABEL;TIMEOUT" "SOURCES;DEPS" ${ARGN})
    add_executable(${ARG_NAME} ${ARG_SOURCES})
    # Collected per label for the tempest_<label>_tests targets (top-level CMakeLists.txt).
    set_property(GLOBAL APPEND PROPERTY TEMPEST_TEST_TARGETS_${ARG_LABEL} ${ARG_NAME})
    target_compile_options(${ARG_NAME} PRIVATE ${TEMPEST_WARNINGS})
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main Threads::Threads)
    set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 120)
    endif()
    gtest_discover_tests(${ARG_NAME}
        DISCOVERY_MODE PRE_TEST
        PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT}
        ENVIRONMENT "TEMPEST_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()
