# SPDX-License-Identifier: Apache-2.0
# cmake -DINPUT=defaults.yaml -DOUTPUT=defaults_yaml.cc -P embed_defaults.cmake
# Writes a C++ source defining tempest::common::detail::embedded_defaults_yaml(), which returns
# the file's text, as a raw string literal.
file(READ "${INPUT}" text)
set(delim "tempest_yaml")
string(FIND "${text}" ")${delim}" clash)
if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${INPUT} contains ')${delim}', which ends the embedding raw string")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by embed_defaults.cmake; do not edit.
#include <string_view>

namespace tempest::common::detail {

std::string_view embedded_defaults_yaml() {
    static constexpr std::string_view text = R\"${delim}(${text})${delim}\";
    return text;
}

}  // namespace tempest::common::detail
")
# Only touch the output when it changed, so that an unchanged file does not trigger a rebuild.
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
file(REMOVE "${OUTPUT}.tmp")
