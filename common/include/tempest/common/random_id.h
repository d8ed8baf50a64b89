// SPDX-License-Identifier: Apache-2.0
// Random identifiers: upload sessions, supervisor and worker ids, temporary file names. Not for
// secrets (a per-thread std::mt19937_64 seeded from std::random_device). Thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace tempest::common {

// `n` random lowercase hex digits.
std::string random_hex(std::size_t n);

// A random UUID-like id: 8-4-4-4-12 lowercase hex digits.
std::string random_uuid();

}  // namespace tempest::common
