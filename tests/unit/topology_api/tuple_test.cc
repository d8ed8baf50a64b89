// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/tuple.h"

#include "test_helpers.h"

#include <gtest/gtest.h>

namespace tempest {

namespace detail {
// The runtime's way into a tuple; this test's own definition, to build tuples by hand.
struct tuple_access {
    static void set(tuple& t, const stream_schema* schema, int source_task, values v) {
        t._schema = schema;
        t._source_task = source_task;
        t._values = std::move(v);
    }
    static void set_anchors(tuple& t, const std::vector<anchor>& anchors) {
        t._more.reset();  // frees the previous array
        t._kind_anchors = (t._kind_anchors & kind_mask) |
                          (static_cast<std::uint32_t>(anchors.size()) << anchors_shift);
        if (anchors.empty()) {
            return;
        }
        t._anchor = anchors[0];
        if (anchors.size() > 1) {
            auto more = std::make_unique<anchor[]>(anchors.size() - 1);
            std::copy(anchors.begin() + 1, anchors.end(), more.get());
            t._more = std::move(more);
        }
    }
    static std::vector<anchor> anchors(const tuple& t) {
        std::vector<anchor> out;
        const std::uint32_t n = t._kind_anchors >> anchors_shift;
        if (n > 0) {
            out.push_back(t._anchor);
        }
        for (std::uint32_t i = 1; i < n; ++i) {
            out.push_back(t._more[i - 1]);
        }
        return out;
    }
};
}  // namespace detail

namespace {

using detail::tuple_access;
using test::error_of;

bool same(const std::vector<detail::anchor>& a, const std::vector<detail::anchor>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
        return x.root == y.root && x.edge == y.edge;
    });
}

class tuple_test : public ::testing::Test {
  protected:
    tuple_test() { tuple_access::set(_t, &_schema, 4, values{"fox", 3, 2.5, true}); }
    detail::stream_schema _schema{"split", "words", {"word", "count", "score", "seen"}};
    tuple _t;
};

TEST_F(tuple_test, reads_values_by_field) {
    EXPECT_EQ(_t.get_string_by_field("word"), "fox");
    EXPECT_EQ(_t.get_int_by_field("count"), 3);
    EXPECT_EQ(_t.get_double_by_field("score"), 2.5);
    EXPECT_EQ(_t.get_double_by_field("count"), 3.0);
    EXPECT_TRUE(_t.get_bool_by_field("seen"));
    EXPECT_EQ(_t.get_value_by_field("word"), value("fox"));
    EXPECT_TRUE(_t.contains("seen"));
    EXPECT_FALSE(_t.contains("nope"));
    EXPECT_EQ(_t.field_index("score"), 2);
}

TEST_F(tuple_test, unknown_field_error_names_field_and_stream) {
    std::string msg = error_of<type_error>([&] { (void)_t.get_int_by_field("cnt"); });
    EXPECT_NE(msg.find("'cnt'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'words'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'split'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[word, count, score, seen]"), std::string::npos) << msg;
}

TEST_F(tuple_test, wrong_type_by_field_is_a_type_error) {
    EXPECT_EQ(error_of<type_error>([&] { (void)_t.get_string_by_field("count"); }),
              "value 1 is int64, not string");
}

TEST_F(tuple_test, source_and_to_string) {
    EXPECT_EQ(_t.get_source_component(), "split");
    EXPECT_EQ(_t.get_source_stream_id(), "words");
    EXPECT_EQ(_t.get_source_task(), 4);
    EXPECT_EQ(_t.get_fields(), _schema.fields);
    EXPECT_EQ(_t.to_string(), "split:4/words [\"fox\", 3, 2.5, true]");
}

TEST(tuple_without_schema_test, has_empty_metadata) {
    tuple t;
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.get_source_component(), "");
    EXPECT_EQ(t.get_source_stream_id(), "");
    EXPECT_TRUE(t.get_fields().empty());
    EXPECT_FALSE(t.contains("x"));
    std::string msg = error_of<type_error>([&] { (void)t.get_int_by_field("x"); });
    EXPECT_NE(msg.find("'x'"), std::string::npos) << msg;
}

TEST_F(tuple_test, copy_deep_copies_anchors) {
    std::vector<detail::anchor> anchors{{1, 2}, {3, 4}, {5, 6}};
    tuple_access::set_anchors(_t, anchors);
    tuple copy(_t);
    tuple_access::set_anchors(_t, {{9, 9}});  // frees the original's array
    EXPECT_TRUE(same(tuple_access::anchors(copy), anchors));
    EXPECT_EQ(copy.get_string(0), "fox");

    tuple assigned;
    tuple_access::set_anchors(assigned, {{7, 7}, {8, 8}});
    assigned = copy;
    EXPECT_TRUE(same(tuple_access::anchors(assigned), anchors));
    const tuple& alias = assigned;
    assigned = alias;
    EXPECT_TRUE(same(tuple_access::anchors(assigned), anchors));
}

TEST_F(tuple_test, move_transfers_anchors_and_values) {
    std::vector<detail::anchor> anchors{{1, 2}, {3, 4}};
    tuple_access::set_anchors(_t, anchors);
    tuple moved(std::move(_t));
    EXPECT_TRUE(same(tuple_access::anchors(moved), anchors));
    EXPECT_EQ(moved.get_int(1), 3);
    EXPECT_TRUE(tuple_access::anchors(_t).empty());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(_t.size(), 0u);                        // NOLINT(bugprone-use-after-move)

    tuple target;
    tuple_access::set_anchors(target, {{7, 7}, {8, 8}, {9, 9}});
    target = std::move(moved);
    EXPECT_TRUE(same(tuple_access::anchors(target), anchors));
    EXPECT_EQ(target.get_source_component(), "split");
    EXPECT_TRUE(tuple_access::anchors(moved).empty());  // NOLINT(bugprone-use-after-move)
}

TEST_F(tuple_test, swap_exchanges_header_anchors_and_values) {
    std::vector<detail::anchor> anchors{{1, 2}, {3, 4}};
    tuple_access::set_anchors(_t, anchors);
    tuple other;
    tuple_access::set(other, nullptr, 0, values{std::string(400, 'z')});
    tuple_access::set_anchors(other, {{5, 6}});
    swap(_t, other);
    EXPECT_TRUE(same(tuple_access::anchors(other), anchors));
    EXPECT_EQ(other.get_source_component(), "split");
    EXPECT_EQ(other.get_int(1), 3);
    EXPECT_EQ(_t.get_string(0), std::string(400, 'z'));
    EXPECT_TRUE(same(tuple_access::anchors(_t), {{5, 6}}));
    _t.swap(other);  // and back
    EXPECT_TRUE(same(tuple_access::anchors(_t), anchors));
    EXPECT_EQ(_t.get_int(1), 3);
}

}  // namespace
}  // namespace tempest
