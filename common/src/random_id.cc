// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/random_id.h"

#include <random>

namespace tempest::common {

std::string random_hex(std::size_t n) {
    static thread_local std::mt19937_64 gen{std::random_device{}()};
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(n, '0');
    for (auto& c : out) {
        c = digits[gen() % 16];
    }
    return out;
}

std::string random_uuid() {
    return random_hex(8) + "-" + random_hex(4) + "-" + random_hex(4) + "-" + random_hex(4) + "-" +
           random_hex(12);
}

}  // namespace tempest::common
