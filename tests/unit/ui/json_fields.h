// SPDX-License-Identifier: Apache-2.0
// expect_fields: checks a JSON object's fields and their JSON types, as Storm's UI REST docs give
// them (shared by the API tests).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace tempest::ui::testing {

enum class kind { string, integer, number, boolean, object, array };

// Checks that `j` has each field with its type (integers count as numbers too).
inline void expect_fields(const nlohmann::json& j,
                          const std::vector<std::pair<std::string, kind>>& fields) {
    for (const auto& [name, k] : fields) {
        ASSERT_TRUE(j.contains(name)) << "missing '" << name << "' in " << j.dump();
        const auto& v = j.at(name);
        switch (k) {
            case kind::string:
                EXPECT_TRUE(v.is_string()) << name << ": " << v.dump();
                break;
            case kind::integer:
                EXPECT_TRUE(v.is_number_integer()) << name << ": " << v.dump();
                break;
            case kind::number:
                EXPECT_TRUE(v.is_number()) << name << ": " << v.dump();
                break;
            case kind::boolean:
                EXPECT_TRUE(v.is_boolean()) << name << ": " << v.dump();
                break;
            case kind::object:
                EXPECT_TRUE(v.is_object()) << name << ": " << v.dump();
                break;
            case kind::array:
                EXPECT_TRUE(v.is_array()) << name << ": " << v.dump();
                break;
        }
    }
}

}  // namespace tempest::ui::testing
