// SPDX-License-Identifier: Apache-2.0
#include "tempest/topology_api/values.h"

#include "test_helpers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace tempest {
namespace {

using test::error_of;

// Builds raw encodings by hand for the decoder tests.
class encoder {
  public:
    encoder& tag(value_type t) { return byte(static_cast<std::uint8_t>(t)); }
    encoder& byte(std::uint8_t b) {
        _b.push_back(static_cast<std::byte>(b));
        return *this;
    }
    encoder& u32(std::uint32_t n) {
        for (int i = 0; i < 4; ++i) {
            byte(static_cast<std::uint8_t>(n >> (8 * i)));
        }
        return *this;
    }
    encoder& text(std::string_view s) {
        for (char c : s) {
            byte(static_cast<std::uint8_t>(c));
        }
        return *this;
    }
    std::span<const std::byte> span() const { return _b; }
    std::vector<std::byte> bytes() const { return _b; }

  private:
    std::vector<std::byte> _b;
};

std::vector<std::byte> encoded_of(const values& v) {
    return {v.encoded().begin(), v.encoded().end()};
}

value::list sample_list() {
    return {nullptr,
            true,
            false,
            std::int64_t{-9'000'000'000},
            0.25,
            "fox",
            bytes{std::string("\0\1\2", 3)},
            value::list{1, value::list{"deep", value::list{}}, 2.5},
            ""};
}

TEST(values_test, round_trips_every_type) {
    values v;
    for (const value& e : sample_list()) {
        v.add(e);
    }
    ASSERT_EQ(v.size(), 9u);
    EXPECT_TRUE(v.is_null(0));
    EXPECT_TRUE(v.get_bool(1));
    EXPECT_FALSE(v.get_bool(2));
    EXPECT_EQ(v.get_int(3), -9'000'000'000);
    EXPECT_EQ(v.get_double(4), 0.25);
    EXPECT_EQ(v.get_string(5), "fox");
    auto b = v.get_bytes(6);
    ASSERT_EQ(b.size(), 3u);
    EXPECT_EQ(b[2], std::byte{2});
    EXPECT_EQ(v.type_at(7), value_type::list);
    EXPECT_EQ(v.get(7), value(value::list{1, value::list{"deep", value::list{}}, 2.5}));
    EXPECT_EQ(v.get_string(8), "");
    EXPECT_EQ(v.to_list(), sample_list());
    EXPECT_EQ(values::from_list(sample_list()), v);
}

TEST(values_test, variadic_constructor_encodes_in_order) {
    values v{"fox", 3, 2.5, true, nullptr, std::string("s"), bytes{"b"}};
    EXPECT_EQ(v.size(), 7u);
    EXPECT_EQ(v.get_string(0), "fox");
    EXPECT_EQ(v.get_int(1), 3);
    EXPECT_EQ(v.get_double(2), 2.5);
    EXPECT_TRUE(v.get_bool(3));
    EXPECT_TRUE(v.is_null(4));
    EXPECT_EQ(v.get_string(5), "s");
    EXPECT_EQ(v.get(6), value(bytes{"b"}));
}

TEST(values_test, reads_values_after_nested_lists) {
    values v;
    v.add(value::list{value::list{1, 2, value::list{"x"}}, "y"});
    v.add(5);
    v.add(value::list{});
    v.add("after");
    EXPECT_EQ(v.size(), 4u);
    EXPECT_EQ(v.get_int(1), 5);
    EXPECT_EQ(v.get(2), value(value::list{}));
    EXPECT_EQ(v.get_string(3), "after");
}

TEST(values_test, long_strings_move_to_the_heap) {
    std::string big(values::inline_capacity * 3, 'x');
    big.back() = 'y';
    values v{"small", big, 7};
    EXPECT_GT(v.encoded().size(), values::inline_capacity);
    EXPECT_EQ(v.get_string(0), "small");
    EXPECT_EQ(v.get_string(1), big);
    EXPECT_EQ(v.get_int(2), 7);
}

TEST(values_test, many_small_values_grow_repeatedly) {
    values v;
    for (int i = 0; i < 1000; ++i) {
        v.add(i);
    }
    ASSERT_EQ(v.size(), 1000u);
    for (int i = 0; i < 1000; i += 97) {
        EXPECT_EQ(v.get_int(static_cast<std::size_t>(i)), i);
    }
}

TEST(values_test, copies_are_independent) {
    std::string big(300, 'h');
    for (const values& original : {values{"a", 1}, values{big, 2}}) {
        values src = original;
        values copy(src);
        EXPECT_EQ(copy, src);
        src.add("more");
        src.add(big);
        EXPECT_EQ(copy.size(), 2u);
        EXPECT_EQ(copy, original);
        EXPECT_EQ(copy.get_int(1), original.get_int(1));
    }
}

TEST(values_test, copy_assignment_between_inline_and_heap) {
    std::string big(500, 'q');
    values heap{big, 1};
    values small{"s"};
    values target{"t"};
    target = heap;
    EXPECT_EQ(target, heap);
    EXPECT_EQ(target.get_string(0), big);
    target = small;  // into an existing heap buffer
    EXPECT_EQ(target, small);
    EXPECT_EQ(target.get_string(0), "s");
    const values& alias = target;
    target = alias;
    EXPECT_EQ(target.get_string(0), "s");
}

TEST(values_test, move_steals_and_leaves_source_empty) {
    std::string big(500, 'm');
    values heap{big};
    const std::byte* buffer = heap.encoded().data();
    values moved(std::move(heap));
    EXPECT_EQ(moved.encoded().data(), buffer);  // heap pointer stolen, not copied
    EXPECT_EQ(moved.get_string(0), big);
    EXPECT_TRUE(heap.empty());  // NOLINT(bugprone-use-after-move): testing moved-from state
    EXPECT_EQ(heap.encoded().size(), 0u);
    heap.add(1);  // the moved-from object is reusable
    EXPECT_EQ(heap.get_int(0), 1);

    values small{"x", 2};
    values target{big};
    target = std::move(small);
    EXPECT_EQ(target.get_string(0), "x");
    EXPECT_EQ(target.get_int(1), 2);
    EXPECT_TRUE(small.empty());  // NOLINT(bugprone-use-after-move)

    values heap2{big, 3};
    target = std::move(heap2);
    EXPECT_EQ(target.get_int(1), 3);
    EXPECT_TRUE(heap2.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(values_test, swap_exchanges_contents_in_every_storage_combination) {
    const std::string big(500, 'b');
    const std::string other(300, 'o');
    // inline <-> inline, of different lengths
    values a{"short", 1};
    values b{"a longer inline string", 2, 3.5};
    a.swap(b);
    EXPECT_EQ(a.size(), 3u);
    EXPECT_EQ(a.get_string(0), "a longer inline string");
    EXPECT_EQ(a.get_double(2), 3.5);
    EXPECT_EQ(b.size(), 2u);
    EXPECT_EQ(b.get_string(0), "short");
    EXPECT_EQ(b.get_int(1), 1);

    // heap <-> heap: the buffers change hands, nothing is copied
    values h1{big};
    values h2{other, 9};
    const std::byte* buf1 = h1.encoded().data();
    const std::byte* buf2 = h2.encoded().data();
    swap(h1, h2);
    EXPECT_EQ(h1.encoded().data(), buf2);
    EXPECT_EQ(h2.encoded().data(), buf1);
    EXPECT_EQ(h1.get_string(0), other);
    EXPECT_EQ(h1.get_int(1), 9);
    EXPECT_EQ(h2.get_string(0), big);

    // heap <-> inline, from either side: the heap buffer goes with the heap content
    for (bool heap_first : {true, false}) {
        values heap{big, 7};
        values small{"x"};
        const std::byte* buf = heap.encoded().data();
        if (heap_first) {
            heap.swap(small);
        } else {
            small.swap(heap);
        }
        EXPECT_EQ(small.encoded().data(), buf);
        EXPECT_EQ(small.get_string(0), big);
        EXPECT_EQ(small.get_int(1), 7);
        EXPECT_EQ(heap.size(), 1u);
        EXPECT_EQ(heap.get_string(0), "x");
        heap.add(std::string(200, 'g'));  // the side left inline can grow again
        EXPECT_EQ(heap.get_string(1), std::string(200, 'g'));
    }

    values empty;
    values one{1};
    one.swap(empty);
    EXPECT_TRUE(one.empty());
    EXPECT_EQ(empty.get_int(0), 1);
}

TEST(values_test, wrong_type_and_range_errors_name_the_position) {
    values v{"fox", 3};
    EXPECT_EQ(error_of<type_error>([&] { (void)v.get_string(1); }), "value 1 is int64, not string");
    EXPECT_EQ(error_of<type_error>([&] { (void)v.get_int(0); }), "value 0 is string, not int64");
    EXPECT_EQ(error_of<type_error>([&] { (void)v.get_double(0); }),
              "value 0 is string, not double");
    EXPECT_EQ(error_of<type_error>([&] { (void)v.get_int(3); }), "index 3 out of range (2 values)");
    EXPECT_EQ(error_of<type_error>([&] { (void)v.get(2); }), "index 2 out of range (2 values)");
    EXPECT_EQ(error_of<type_error>([] { (void)values().type_at(0); }),
              "index 0 out of range (0 values)");
}

TEST(values_test, get_double_widens_int) {
    values v{4, 1.5};
    EXPECT_EQ(v.get_double(0), 4.0);
    EXPECT_EQ(v.get_double(1), 1.5);
}

TEST(values_test, to_string_lists_values) {
    EXPECT_EQ((values{"fox", 3}).to_string(), "[\"fox\", 3]");
    EXPECT_EQ(values().to_string(), "[]");
}

TEST(values_test, clear_empties) {
    values v{1, 2};
    v.clear();
    EXPECT_TRUE(v.empty());
    EXPECT_EQ(v.encoded().size(), 0u);
}

// assign_small copies an encoding of every size up to 128 bytes (each of its block classes and
// their edges), including onto itself, and declines, changing nothing, a larger one or a target
// whose bytes are on the heap.
TEST(values_test, assign_small_copies_up_to_128_bytes_and_declines_the_rest) {
    for (std::size_t len = 0; len <= 140; ++len) {
        std::vector<std::byte> payload(len);
        for (std::size_t i = 0; i < len; ++i) {
            payload[i] = static_cast<std::byte>(i * 13 + len);
        }
        values src;
        src.add_bytes(payload);
        values dst{std::string("previous content")};
        const values before = dst;
        const bool copied = dst.assign_small(src);
        EXPECT_EQ(copied, src.encoded().size() <= 128) << "payload of " << len;
        if (copied) {
            EXPECT_EQ(dst, src) << "payload of " << len;
            ASSERT_EQ(dst.size(), 1u);
            auto got = dst.get_bytes(0);
            EXPECT_TRUE(std::equal(got.begin(), got.end(), payload.begin(), payload.end()));
            values self = src;
            EXPECT_TRUE(self.assign_small(self));
            EXPECT_EQ(self, src) << "payload of " << len;
        } else {
            EXPECT_EQ(dst, before) << "payload of " << len;
        }
    }
    values on_heap{std::string(300, 'x')};
    on_heap.clear();
    const values small{std::string("fox")};
    EXPECT_FALSE(on_heap.assign_small(small));
    EXPECT_TRUE(on_heap.empty());
}

TEST(values_test, assign_encoded_accepts_its_own_encoding) {
    values src = values::from_list(sample_list());
    src.add(std::string(400, 'z'));
    values dst{"old"};
    ASSERT_TRUE(dst.assign_encoded(src.encoded(), static_cast<std::uint16_t>(src.size())));
    EXPECT_EQ(dst, src);
    EXPECT_EQ(dst.to_list(), src.to_list());

    values empty;
    EXPECT_TRUE(empty.assign_encoded({}, 0));
    EXPECT_TRUE(empty.empty());
}

TEST(values_test, assign_trusted_copies_bytes) {
    values src{"a", 1, value::list{2}};
    values dst;
    auto e = src.encoded();
    dst.assign_trusted(e.data(), static_cast<std::uint32_t>(e.size()), 3);
    EXPECT_EQ(dst, src);
}

TEST(values_test, short_strings_and_encodings_copy_every_byte_at_every_length) {
    // Strings under 16 bytes and encodings under 16 bytes are copied inline in overlapping
    // moves: each length must carry every byte, in place, and nothing past the end.
    std::string s;
    for (std::size_t n = 0; n <= 20; ++n) {
        values v;
        v.add(s);
        v.add(std::int64_t{-1});
        EXPECT_EQ(v.get_string(0), s) << n;
        EXPECT_EQ(v.get_int(1), -1) << n;
        values one;
        one.add(s);
        values dst{"previous contents, longer than any of these"};
        auto e = one.encoded();
        dst.assign_trusted(e.data(), static_cast<std::uint32_t>(e.size()), 1);
        EXPECT_EQ(dst, one) << n;
        EXPECT_EQ(dst.get_string(0), s) << n;
        s += static_cast<char>('A' + n);
    }
    for (const values& small : {values{nullptr}, values{true}, values{std::int64_t{7}}}) {
        values dst{"previous"};
        auto e = small.encoded();
        dst.assign_trusted(e.data(), static_cast<std::uint32_t>(e.size()), 1);
        EXPECT_EQ(dst, small);
    }
    // A values assigned its own bytes (the same buffer) keeps them.
    values self{"fox"};
    auto e = self.encoded();
    self.assign_trusted(e.data(), static_cast<std::uint32_t>(e.size()), 1);
    EXPECT_EQ(self.get_string(0), "fox");
}

// Expects assign_encoded to refuse `bytes` and to leave the target empty.
void expect_rejected(std::span<const std::byte> bytes, std::uint16_t count) {
    values v{"previous", 1};
    EXPECT_FALSE(v.assign_encoded(bytes, count));
    EXPECT_TRUE(v.empty());
    EXPECT_EQ(v.encoded().size(), 0u);
}

TEST(values_test, assign_encoded_rejects_every_truncation) {
    values src = values::from_list(sample_list());
    std::vector<std::byte> all = encoded_of(src);
    for (std::size_t n = 0; n < all.size(); ++n) {
        SCOPED_TRACE(n);
        expect_rejected(std::span(all.data(), n), static_cast<std::uint16_t>(src.size()));
    }
}

TEST(values_test, assign_encoded_rejects_unknown_tags) {
    expect_rejected(encoder().byte(7).span(), 1);
    expect_rejected(encoder().byte(255).span(), 1);
    expect_rejected(encoder().tag(value_type::list).u32(1).byte(9).span(), 1);
}

TEST(values_test, assign_encoded_rejects_lengths_past_the_end) {
    expect_rejected(encoder().tag(value_type::string).u32(4).text("abc").span(), 1);
    expect_rejected(encoder().tag(value_type::bytes).u32(0xffffffff).text("abc").span(), 1);
    // A length past the end followed by another value: the decoder must not read beyond.
    expect_rejected(
        encoder().tag(value_type::string).u32(100).text("ab").tag(value_type::null).span(), 2);
    expect_rejected(encoder()
                        .tag(value_type::list)
                        .u32(2)
                        .tag(value_type::bytes)
                        .u32(50)
                        .tag(value_type::null)
                        .span(),
                    1);
    expect_rejected(encoder().tag(value_type::list).u32(3).tag(value_type::null).span(), 1);
    expect_rejected(encoder().tag(value_type::list).u32(0xffffffff).span(), 1);
    expect_rejected(encoder().tag(value_type::int64).text("1234567").span(), 1);
}

TEST(values_test, assign_encoded_rejects_wrong_counts_and_trailing_bytes) {
    encoder two;
    two.tag(value_type::null).tag(value_type::boolean).byte(1);
    values ok;
    EXPECT_TRUE(ok.assign_encoded(two.span(), 2));
    expect_rejected(two.span(), 1);  // a trailing value
    expect_rejected(two.span(), 3);  // a missing value
    expect_rejected(two.span(), 0);
    expect_rejected(encoder().tag(value_type::null).byte(0).span(), 1);  // a stray byte
}

// One string, the common tuple, is checked by a shortcut: accepted exactly when its length is
// the rest of the bytes, as the general check would.
TEST(values_test, assign_encoded_takes_one_string_exactly_when_its_length_is_the_rest) {
    values v;
    ASSERT_TRUE(v.assign_encoded(encoder().tag(value_type::string).u32(3).text("abc").span(), 1));
    EXPECT_EQ(v.get_string(0), "abc");
    ASSERT_TRUE(v.assign_encoded(encoder().tag(value_type::string).u32(0).span(), 1));
    EXPECT_EQ(v.get_string(0), "");
    expect_rejected(encoder().tag(value_type::string).u32(2).text("abc").span(), 1);  // stray
    expect_rejected(encoder().tag(value_type::string).u32(4).text("abc").span(), 1);  // short
    expect_rejected(encoder().tag(value_type::string).u32(3).text("abc").span(), 2);  // count
    expect_rejected(encoder().tag(value_type::string).text("abc").span(), 1);         // no length
}

TEST(values_test, assign_encoded_rejects_non_canonical_bool) {
    expect_rejected(encoder().tag(value_type::boolean).byte(2).span(), 1);
}

TEST(values_test, assign_encoded_bounds_list_depth) {
    auto nested = [](int depth) {
        encoder e;
        for (int i = 0; i < depth; ++i) {
            e.tag(value_type::list).u32(1);
        }
        e.tag(value_type::null);
        return e.bytes();
    };
    values v;
    std::vector<std::byte> ok = nested(32);
    EXPECT_TRUE(v.assign_encoded(ok, 1));
    EXPECT_EQ(v.type_at(0), value_type::list);
    std::vector<std::byte> too_deep = nested(33);
    expect_rejected(too_deep, 1);
}

TEST(values_test, random_garbage_never_crashes_and_accepted_bytes_are_canonical) {
    std::mt19937 rng(12345);
    std::vector<std::byte> valid = encoded_of(values::from_list(sample_list()));
    int accepted = 0;
    for (int round = 0; round < 600; ++round) {
        std::vector<std::byte> buf;
        if (round % 2 == 0) {
            // Pure noise, biased toward small tags so that some of it parses.
            std::size_t n = rng() % 48;
            for (std::size_t i = 0; i < n; ++i) {
                buf.push_back(static_cast<std::byte>(rng() % 3 == 0 ? rng() % 8 : rng() % 256));
            }
        } else {
            // A valid encoding with a few bytes changed.
            buf = valid;
            for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) {
                buf[rng() % buf.size()] = static_cast<std::byte>(rng() % 256);
            }
        }
        auto count = static_cast<std::uint16_t>(round % 2 == 0 ? rng() % 4 : 9);
        values v;
        if (v.assign_encoded(buf, count)) {
            ++accepted;
            // Whatever is accepted decodes fully and re-encodes to the same bytes.
            EXPECT_EQ(v.size(), count);
            values again = values::from_list(v.to_list());
            EXPECT_EQ(encoded_of(again), buf);
            (void)v.to_string();
        } else {
            EXPECT_TRUE(v.empty());
        }
    }
    EXPECT_GT(accepted, 0);  // the generator does reach the accepting paths
}

}  // namespace
}  // namespace tempest
