// SPDX-License-Identifier: Apache-2.0
// Random identifiers for supervisors and workers.
#pragma once

#include <cstddef>
#include <string>

namespace tempest::supervisor::detail {

// `n` random lowercase hex digits.
std::string random_hex(std::size_t n);

// A random UUID-like id, "8-4-4-4-12" hex digits.
std::string random_uuid();

}  // namespace tempest::supervisor::detail
