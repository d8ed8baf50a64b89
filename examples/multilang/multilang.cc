// SPDX-License-Identifier: Apache-2.0
// multilang: word count with the split step written in Python, run by a shell bolt over
// Storm's multilang protocol (docs/MULTILANG.md).
//
//   sentence_spout ──shuffle──▶ split (python3 splitsentence.py) ──fields(word)──▶ count
//   (C++, message ids: every      (resources/splitsentence.py, with        (C++: running
//    sentence is tracked)          the tiny resources/tinystorm.py)           count, top 10)
//
// Reliable: the spout emits with message ids, the Python bolt anchors its words to the
// sentence and acks it, the count bolt acks each word; the spout counts acked sentences.
// The Python files ship in multilang.resources/ beside multilang.so, the shell components'
// working directory (CMake copies resources/ there).
#include "../common/example_args.h"
#include "tempest/topology.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

constexpr std::array<std::string_view, 6> k_sentences = {
    "the cow jumped over the moon",   "an apple a day keeps the doctor away",
    "four score and seven years ago", "snow white and the seven dwarfs",
    "i am at two with nature",        "the quick brown fox jumps over the lazy dog",
};

// Emits the sentences in a loop with a message id each; counts acks and fails.
class sentence_spout final : public tempest::spout {
  public:
    void declare_output_fields(tempest::output_fields_declarer& d) override {
        d.declare({"sentence"});
    }
    void open(const tempest::config& /*conf*/, const tempest::topology_context& /*context*/,
              tempest::spout_output_collector& collector) override {
        _collector = &collector;
    }
    void next_tuple() override {
        _collector->emit(tempest::values{k_sentences[_next % k_sentences.size()]},
                         tempest::message_id{_next});
        ++_next;
    }
    void ack(tempest::message_id /*id*/) override { ++_acked; }
    void fail(tempest::message_id /*id*/) override { ++_failed; }
    void close() override {
        std::printf("multilang: %llu sentences acked, %llu failed\n",
                    static_cast<unsigned long long>(_acked),
                    static_cast<unsigned long long>(_failed));
        std::fflush(stdout);
    }

  private:
    tempest::spout_output_collector* _collector = nullptr;
    std::uint64_t _next = 0;
    std::uint64_t _acked = 0;
    std::uint64_t _failed = 0;
};

// Counts words (fields grouping: each word lives in one task) and prints its top 10 at the end.
class word_counter final : public tempest::basic_bolt {
  public:
    void declare_output_fields(tempest::output_fields_declarer& /*d*/) override {}
    void prepare(const tempest::config& /*conf*/, const tempest::topology_context& ctx) override {
        _task = ctx.get_this_task_id();
    }
    void execute(const tempest::tuple& input, tempest::basic_output_collector& /*out*/) override {
        ++_counts[std::string(input.get_string(0))];
    }
    void cleanup() override {
        std::vector<std::pair<std::string, std::int64_t>> top(_counts.begin(), _counts.end());
        std::size_t n = std::min<std::size_t>(5, top.size());
        std::partial_sort(top.begin(), top.begin() + static_cast<std::ptrdiff_t>(n), top.end(),
                          [](const auto& a, const auto& b) {
                              return a.second != b.second ? a.second > b.second : a.first < b.first;
                          });
        for (std::size_t i = 0; i < n; ++i) {
            std::printf("multilang count task %d: %-10s %lld\n", _task, top[i].first.c_str(),
                        static_cast<long long>(top[i].second));
        }
        std::fflush(stdout);
    }

  private:
    int _task = 0;
    std::unordered_map<std::string, std::int64_t> _counts;
};

}  // namespace

TEMPEST_PACKAGE()

extern "C" __attribute__((visibility("default"))) void tempest_register(
    tempest::component_registry& registry) {
    registry.add_spout<sentence_spout>("multilang.sentence_spout");
    registry.add_bolt<word_counter>("multilang.word_counter");
}

extern "C" __attribute__((visibility("default"))) int tempest_main(int argc, char** argv,
                                                                   tempest::submitter& submitter) {
    std::string name = "multilang";
    double duration = 0;
    int parallelism = 2;
    int pending = 1000;
    tempest::examples::arg_parser args("multilang");
    args.add_string("name", &name, "topology name (default multilang)");
    args.add_double("duration", &duration, 0, 1e9,
                    "local mode: stop after this many seconds (default: until Ctrl-C)");
    args.add_int("parallelism", &parallelism, 1, 64,
                 "Python split processes and count executors (default 2)");
    args.add_int("max-pending", &pending, 1, 1 << 20, "topology.max.spout.pending (default 1000)");
    switch (args.parse(argc, argv)) {
        case tempest::examples::parse_outcome::help:
            return 0;
        case tempest::examples::parse_outcome::error:
            return 2;
        case tempest::examples::parse_outcome::run:
            break;
    }

    tempest_register(tempest::component_registry::instance());
    tempest::topology_builder b;
    b.set_spout("sentences", "multilang.sentence_spout", {}, 1);
    b.set_bolt("split",
               tempest::shell_bolt({"python3", "splitsentence.py"}).output_fields({"word"}),
               parallelism)
        .shuffle_grouping("sentences");
    b.set_bolt("count", "multilang.word_counter", {}, parallelism)
        .fields_grouping("split", {"word"});

    tempest::config conf;
    if (duration > 0) {
        conf.set("topology.local.duration.secs", duration);
    }
    conf.set_num_ackers(1);
    conf.set_max_spout_pending(pending);
    try {
        submitter.submit_topology(name, conf, b.create_topology());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "multilang: cannot submit topology '%s': %s\n", name.c_str(),
                     e.what());
        return 1;
    }
    std::printf("multilang: submitted topology '%s'\n", name.c_str());
    std::fflush(stdout);
    return 0;
}
