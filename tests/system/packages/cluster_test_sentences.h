// SPDX-License-Identifier: Apache-2.0
// The fixed input of the cluster_test package, shared with cluster_test.cc so that the test can
// compute the exact word counts a run must produce: message id i carries
// cluster_test_sentences[i % size], for i in [0, repetitions * size).
#pragma once

#include <array>
#include <string_view>

namespace tempest::system_test {

inline constexpr std::array<std::string_view, 8> cluster_test_sentences = {
    "the cow jumped over the moon",
    "an apple a day keeps the doctor away",
    "four score and seven years ago",
    "snow white and the seven dwarfs",
    "i am at two with nature",
    "the quick brown fox jumps over the lazy dog",
    "to be or not to be that is the question",
    "all that glitters is not gold",
};

}  // namespace tempest::system_test
