// SPDX-License-Identifier: Apache-2.0
// The libFuzzer entry point of one target: TEMPEST_FUZZ_ENTRY names its entry function
// (fuzz_entries.h), set per executable by fuzz/CMakeLists.txt. Built only with TEMPEST_FUZZ.
#include "fuzz_entries.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return tempest::fuzz::TEMPEST_FUZZ_ENTRY(data, size);
}
