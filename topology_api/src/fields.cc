// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/fields.h"

namespace tempest {

std::string fields::to_string() const {
    std::string out = "[";
    for (std::size_t i = 0; i < _names.size(); ++i) {
        if (i > 0) {
            out += ", ";
        }
        out += _names[i];
    }
    out += ']';
    return out;
}

}  // namespace tempest
