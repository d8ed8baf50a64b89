// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/value.h"

#include "tempest/topology_api/fields.h"
#include "test_helpers.h"

#include <gtest/gtest.h>

namespace tempest {
namespace {

using test::error_of;

TEST(value_test, holds_each_type_it_is_built_from) {
    EXPECT_EQ(value().type(), value_type::null);
    EXPECT_EQ(value(nullptr).type(), value_type::null);
    EXPECT_EQ(value(true).type(), value_type::boolean);
    EXPECT_EQ(value(7).type(), value_type::int64);
    EXPECT_EQ(value(std::uint16_t{7}).type(), value_type::int64);
    EXPECT_EQ(value(2.5f).type(), value_type::float64);
    EXPECT_EQ(value("fox").type(), value_type::string);
    EXPECT_EQ(value(std::string_view("fox")).type(), value_type::string);
    EXPECT_EQ(value(bytes{"ab"}).type(), value_type::bytes);
    EXPECT_EQ(value(value::list{1, "a"}).type(), value_type::list);

    EXPECT_TRUE(value(true).as_bool());
    EXPECT_EQ(value(-3).as_int(), -3);
    EXPECT_EQ(value(2.5).as_double(), 2.5);
    EXPECT_EQ(value("fox").as_string(), "fox");
    EXPECT_EQ(value(bytes{"ab"}).as_bytes(), bytes{"ab"});
    EXPECT_EQ(value(value::list{1, "a"}).as_list(), (value::list{1, "a"}));
}

TEST(value_test, int_widens_to_double) {
    EXPECT_EQ(value(3).as_double(), 3.0);
}

TEST(value_test, wrong_type_names_expected_and_actual) {
    EXPECT_EQ(error_of<type_error>([] { (void)value(3).as_string(); }),
              "expected string, got int64");
    EXPECT_EQ(error_of<type_error>([] { (void)value("x").as_int(); }),
              "expected int64, got string");
    EXPECT_EQ(error_of<type_error>([] { (void)value().as_bool(); }), "expected bool, got null");
    EXPECT_EQ(error_of<type_error>([] { (void)value(true).as_double(); }),
              "expected double, got bool");
    EXPECT_EQ(error_of<type_error>([] { (void)value(1.5).as_bytes(); }),
              "expected bytes, got double");
    EXPECT_EQ(error_of<type_error>([] { (void)value(bytes{}).as_list(); }),
              "expected list, got bytes");
}

TEST(value_test, to_string_is_readable) {
    EXPECT_EQ(value().to_string(), "null");
    EXPECT_EQ(value(false).to_string(), "false");
    EXPECT_EQ(value(42).to_string(), "42");
    EXPECT_EQ(value(2.5).to_string(), "2.5");
    EXPECT_EQ(value(2.0).to_string(), "2.0");
    EXPECT_EQ(value("fox").to_string(), "\"fox\"");
    EXPECT_EQ(value("say \"hi\"\n").to_string(), "\"say \\\"hi\\\"\\n\"");
    EXPECT_EQ(value(bytes{"fox"}).to_string(), "bytes[3] 0x666f78");
    EXPECT_EQ(value(value::list{1, "a", value::list{}}).to_string(), "[1, \"a\", []]");
}

TEST(value_test, type_names) {
    EXPECT_EQ(to_string(value_type::float64), "double");
    EXPECT_EQ(to_string(value_type::list), "list");
}

TEST(fields_test, to_string_and_lookup) {
    fields f{"word", "count"};
    EXPECT_EQ(f.to_string(), "[word, count]");
    EXPECT_EQ(fields().to_string(), "[]");
    EXPECT_EQ(f.index_of("count"), 1);
    EXPECT_EQ(f.index_of("nope"), -1);
}

}  // namespace
}  // namespace tempest
