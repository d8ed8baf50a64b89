// SPDX-License-Identifier: Apache-2.0
// errc: the expected failures of the cluster state (and other common services), carried in a
// std::error_code with their own category so that callers can compare against them
// (`ec == tempest::common::errc::no_node`) and print them (`ec.message()`).
#pragma once

#include <system_error>
#include <type_traits>

namespace tempest::common {

enum class errc : int {
    success = 0,
    node_exists,                 // create: the path already exists
    no_node,                     // the path (or, on create, its parent) does not exist
    bad_version,                 // set/remove: the node's version is not the expected one
    not_empty,                   // remove: the node has children
    no_children_for_ephemerals,  // create: the parent is an ephemeral node
    invalid_path,                // the path is malformed, or the operation is not allowed on it
    connection_lost,             // the backend cannot be reached; the operation may have happened
    session_expired,             // the session is closed or expired; its ephemerals are gone
    operation_timeout,           // the backend did not answer in time
};

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace tempest::common

template <>
struct std::is_error_code_enum<tempest::common::errc> : std::true_type {};
