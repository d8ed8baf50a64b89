// SPDX-License-Identifier: Apache-2.0
// tempest/thrift/binary_codec.h: the cluster-state records and shared structs survive a round
// trip; bad bytes (truncated, trailing, impossible lengths, deep nesting, garbage) come back as a
// codec_errc instead of an exception or a crash.

#include "tempest/thrift/binary_codec.h"

#include "samples.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace tempest::thrift::testing {
namespace {

template <typename T>
void expect_round_trip() {
    const T original = full<T>();
    const std::string bytes = to_binary(original);
    ASSERT_FALSE(bytes.empty());
    auto decoded = from_binary<T>(bytes);
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
    EXPECT_EQ(*decoded, original);
    EXPECT_EQ(to_binary(*decoded), bytes);
}

TEST(binary_codec_test, cluster_records_round_trip) {
    expect_round_trip<records::StormBaseRecord>();
    expect_round_trip<records::NodePort>();
    expect_round_trip<records::AssignmentRecord>();
    expect_round_trip<records::SupervisorRecord>();
    expect_round_trip<records::WorkerHeartbeatRecord>();
}

TEST(binary_codec_test, shared_structs_round_trip) {
    expect_round_trip<StormTopology>();
    expect_round_trip<TopologyInfo>();
    expect_round_trip<ClusterSummary>();
    expect_round_trip<ErrorInfo>();
    expect_round_trip<NotAliveException>();
}

TEST(binary_codec_test, record_fields_keep_their_values) {
    auto decoded =
        from_binary<records::AssignmentRecord>(to_binary(full<records::AssignmentRecord>()));
    ASSERT_TRUE(decoded.has_value());
    ExecutorInfo executor;
    executor.__set_task_start(5);
    executor.__set_task_end(5);
    ASSERT_TRUE(decoded->executor_node_port.contains(executor));
    EXPECT_EQ(decoded->executor_node_port.at(executor).node, "sup-b");
    EXPECT_EQ(decoded->executor_node_port.at(executor).port, 6701);
    EXPECT_EQ(decoded->node_host.at("sup-b"), "node-b");
    EXPECT_EQ(decoded->executor_start_time_secs.at(executor), 1700000002);
}

TEST(binary_codec_test, equal_records_encode_to_equal_bytes) {
    // Insertion order does not matter: maps are ordered, so equal values give equal bytes (a
    // writer may compare bytes to skip a needless ZooKeeper write).
    records::StormBaseRecord a = full<records::StormBaseRecord>();
    records::StormBaseRecord b = full<records::StormBaseRecord>();
    b.component_executors.clear();
    b.component_executors.emplace("split", 4);
    b.component_executors.emplace("spout", 2);
    EXPECT_EQ(to_binary(a), to_binary(b));
    b.component_executors["split"] = 5;
    EXPECT_NE(to_binary(a), to_binary(b));
}

TEST(binary_codec_test, every_truncation_is_reported_as_truncated) {
    auto nothing = from_binary<records::NodePort>(std::string_view());
    ASSERT_FALSE(nothing.has_value());
    EXPECT_EQ(nothing.error(), codec_errc::truncated);

    const std::string bytes = to_binary(full<records::WorkerHeartbeatRecord>());
    for (size_t length = 0; length < bytes.size(); ++length) {
        auto decoded = from_binary<records::WorkerHeartbeatRecord>(bytes.substr(0, length));
        ASSERT_FALSE(decoded.has_value()) << "prefix of " << length;
        EXPECT_EQ(decoded.error(), codec_errc::truncated) << "prefix of " << length;
    }
}

TEST(binary_codec_test, trailing_bytes_are_reported) {
    auto decoded =
        from_binary<records::SupervisorRecord>(to_binary(full<records::SupervisorRecord>()) + "x");
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), codec_errc::trailing_bytes);
}

TEST(binary_codec_test, missing_required_field_is_invalid_data) {
    auto decoded = from_binary<records::AssignmentRecord>(std::string(1, '\0'));
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), codec_errc::invalid_data);
}

TEST(binary_codec_test, field_of_the_wrong_type_is_skipped_then_missing) {
    // Field 1 (name, a string) arrives as an i32: the reader skips it, so the required name is
    // missing.
    const std::string bytes("\x08\x00\x01\x00\x00\x00\x2a\x00", 8);
    auto decoded = from_binary<records::StormBaseRecord>(bytes);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), codec_errc::invalid_data);
}

TEST(binary_codec_test, negative_string_length_is_reported) {
    const std::string bytes("\x0b\x00\x01\xff\xff\xff\xff", 7);
    auto decoded = from_binary<records::StormBaseRecord>(bytes);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), codec_errc::negative_size);
}

TEST(binary_codec_test, huge_lengths_fail_without_allocating_them) {
    // A 2 GiB string, a list of 2^31-1 structs and a map of as many entries, each followed by
    // three bytes: the bytes end long before the lengths do.
    const std::string huge_string(
        "\x0b\x00\x01\x7f\xff\xff\xff"
        "abc",
        10);
    auto s = from_binary<records::StormBaseRecord>(huge_string);
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error(), codec_errc::truncated);

    const std::string huge_list(
        "\x0f\x00\x02\x0c\x7f\xff\xff\xff"
        "abc",
        11);
    auto l = from_binary<records::WorkerHeartbeatRecord>(huge_list);
    ASSERT_FALSE(l.has_value());
    EXPECT_EQ(l.error(), codec_errc::truncated);

    const std::string huge_map(
        "\x0d\x00\x06\x0b\x08\x7f\xff\xff\xff"
        "abc",
        12);
    auto m = from_binary<records::StormBaseRecord>(huge_map);
    ASSERT_FALSE(m.has_value());
    EXPECT_EQ(m.error(), codec_errc::truncated);
}

TEST(binary_codec_test, deeply_nested_unknown_field_hits_the_depth_limit) {
    // Field 99 of unknown id holds 200 nested structs; skipping it must stop at the limit.
    std::string bytes;
    for (int i = 0; i < 200; ++i) {
        bytes += std::string("\x0c\x00\x63", 3);  // T_STRUCT, id 99
    }
    bytes += std::string(201, '\0');
    auto decoded = from_binary<records::NodePort>(bytes);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error(), codec_errc::depth_limit);
}

TEST(binary_codec_test, garbage_and_corrupted_bytes_never_crash) {
    std::mt19937 random(20261123);
    std::uniform_int_distribution<int> byte(0, 255);
    const std::string valid = to_binary(full<records::WorkerHeartbeatRecord>());
    int rejected = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string bytes;
        if (round % 2 == 0) {
            // Pure garbage of 0..63 bytes.
            bytes.resize(static_cast<size_t>(round % 64));
            for (char& c : bytes) {
                c = static_cast<char>(byte(random));
            }
        } else {
            // A valid record with one to four bytes overwritten.
            bytes = valid;
            for (int i = 0; i <= round % 4; ++i) {
                bytes[random() % bytes.size()] = static_cast<char>(byte(random));
            }
        }
        common::result<records::WorkerHeartbeatRecord> decoded = codec_errc::malformed;
        ASSERT_NO_THROW(decoded = from_binary<records::WorkerHeartbeatRecord>(bytes));
        if (!decoded) {
            ++rejected;
            EXPECT_EQ(&decoded.error().category(), &codec_category());
        }
    }
    EXPECT_GT(rejected, 1500);  // every garbage buffer at least; some corruptions still decode
}

TEST(binary_codec_test, errors_say_what_was_wrong) {
    const std::error_code truncated = codec_errc::truncated;
    EXPECT_STREQ(truncated.category().name(), "tempest.thrift.codec");
    EXPECT_NE(truncated.message().find("truncated"), std::string::npos);
    const std::error_code trailing = codec_errc::trailing_bytes;
    EXPECT_NE(trailing.message().find("left over"), std::string::npos);
    const std::error_code invalid = codec_errc::invalid_data;
    EXPECT_NE(invalid.message().find("required field"), std::string::npos);
}

}  // namespace
}  // namespace tempest::thrift::testing
