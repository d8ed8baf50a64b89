// SPDX-License-Identifier: Apache-2.0
// word_count: the "hello world" of stream processing, as a Tempest package.
//
//   sentence_spout ──shuffle──▶ split_sentence ──fields(word)──▶ word_counter ──global──▶ reporter
//   (cycles through            (one tuple per               (running count per      (top 10 and
//    in-memory sentences)       word)                         word: (word, count))   words/s)
//
// Unreliable on purpose: the spout emits without message ids, so nothing is acked or replayed.
// Every component runs on its executor's thread; one instance serves one task.
#include "../common/example_args.h"
#include "tempest/topology.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

constexpr std::array<std::string_view, 8> k_sentences = {
    "the cow jumped over the moon",
    "an apple a day keeps the doctor away",
    "four score and seven years ago",
    "snow white and the seven dwarfs",
    "i am at two with nature",
    "the quick brown fox jumps over the lazy dog",
    "to be or not to be that is the question",
    "all that glitters is not gold",
};

// Hashes std::string and std::string_view alike, so lookups by view allocate nothing.
// Deliberately not noexcept: libstdc++ keeps each node's hash code in the node only for a
// hasher that may throw or is not marked fast, as std::hash<std::string_view> is not; without
// the stored code, every step along a bucket's chain hashes the next node's key again.
struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using count_map = std::unordered_map<std::string, std::int64_t, string_hash, std::equal_to<>>;

// Emits the sentences above in a loop, one per next_tuple(), without message ids.
class sentence_spout final : public tempest::spout {
  public:
    void declare_output_fields(tempest::output_fields_declarer& d) override {
        d.declare({"sentence"});
    }
    void open(const tempest::config& /*conf*/, const tempest::topology_context& context,
              tempest::spout_output_collector& collector) override {
        _collector = &collector;
        // Tasks start at different sentences so that parallel spouts do not emit in lockstep.
        _next = static_cast<std::size_t>(context.get_this_task_index()) % k_sentences.size();
    }
    void next_tuple() override {
        _collector->emit(tempest::values{k_sentences[_next]});
        _next = (_next + 1) % k_sentences.size();
    }

  private:
    tempest::spout_output_collector* _collector = nullptr;
    std::size_t _next = 0;
};

// Splits a sentence on spaces, emitting one (word) tuple per word.
class split_sentence final : public tempest::basic_bolt {
  public:
    void declare_output_fields(tempest::output_fields_declarer& d) override { d.declare({"word"}); }
    void execute(const tempest::tuple& input, tempest::basic_output_collector& out) override {
        std::string_view s = input.get_string(0);
        while (!s.empty()) {
            std::size_t end = s.find(' ');
            std::string_view word = s.substr(0, end);
            if (!word.empty()) {
                out.emit(tempest::values{word});
            }
            if (end == std::string_view::npos) {
                break;
            }
            s.remove_prefix(end + 1);
        }
    }
};

// Keeps a running count per word (fields grouping makes each word's count live in one task)
// and emits (word, count) after each update.
class word_counter final : public tempest::basic_bolt {
  public:
    void declare_output_fields(tempest::output_fields_declarer& d) override {
        d.declare({"word", "count"});
    }
    void execute(const tempest::tuple& input, tempest::basic_output_collector& out) override {
        std::string_view word = input.get_string(0);
        auto it = _counts.find(word);
        if (it == _counts.end()) {
            it = _counts.emplace(std::string(word), 0).first;
        }
        ++it->second;
        out.emit(tempest::values{word, it->second});
    }

  private:
    count_map _counts;
};

// The single reporting task (global grouping): remembers the latest count of every word and,
// every `interval_secs`, prints the top 10 words and the rate of counted words. cleanup() prints
// a final report. Time is checked as tuples arrive, so an idle topology prints nothing.
class reporter final : public tempest::basic_bolt {
  public:
    explicit reporter(double interval_secs) : _interval(interval_secs) {}

    void declare_output_fields(tempest::output_fields_declarer& /*d*/) override {}
    void prepare(const tempest::config& /*conf*/,
                 const tempest::topology_context& /*context*/) override {
        _start = clock::now();
        _last_report = _start;
    }
    void execute(const tempest::tuple& input, tempest::basic_output_collector& /*out*/) override {
        std::string_view word = input.get_string(0);
        std::int64_t count = input.get_int(1);
        auto it = _latest.find(word);
        if (it == _latest.end()) {
            _latest.emplace(std::string(word), count);
        } else {
            it->second = std::max(it->second, count);
        }
        ++_since_report;
        ++_total;
        auto now = clock::now();
        std::chrono::duration<double> elapsed = now - _last_report;
        if (elapsed.count() >= _interval) {
            print("report", _since_report / elapsed.count(), now);
            _since_report = 0;
            _last_report = now;
        }
    }
    void cleanup() override {
        std::chrono::duration<double> run = clock::now() - _start;
        double rate = run.count() > 0 ? static_cast<double>(_total) / run.count() : 0.0;
        print("final report", rate, clock::now());
    }

  private:
    using clock = std::chrono::steady_clock;

    void print(const char* title, double rate, clock::time_point now) const {
        std::vector<std::pair<std::string, std::int64_t>> top(_latest.begin(), _latest.end());
        std::size_t n = std::min<std::size_t>(10, top.size());
        std::partial_sort(top.begin(), top.begin() + static_cast<std::ptrdiff_t>(n), top.end(),
                          [](const auto& a, const auto& b) {
                              return a.second != b.second ? a.second > b.second : a.first < b.first;
                          });
        std::chrono::duration<double> since_start = now - _start;
        std::printf("word_count %s at %.1f s: %.0f words/s, %llu words counted\n", title,
                    since_start.count(), rate, static_cast<unsigned long long>(_total));
        for (std::size_t i = 0; i < n; ++i) {
            std::printf("  %2zu. %-12s %lld\n", i + 1, top[i].first.c_str(),
                        static_cast<long long>(top[i].second));
        }
        std::fflush(stdout);
    }

    double _interval;
    clock::time_point _start;
    clock::time_point _last_report;
    std::uint64_t _since_report = 0;
    std::uint64_t _total = 0;
    count_map _latest;
};

}  // namespace

TEMPEST_PACKAGE()

extern "C" __attribute__((visibility("default"))) void tempest_register(
    tempest::component_registry& registry) {
    registry.add_spout<sentence_spout>("word_count.sentence_spout");
    registry.add_bolt<split_sentence>("word_count.split_sentence");
    registry.add_bolt<word_counter>("word_count.word_counter");
    registry.add_bolt_with<reporter, double>("word_count.reporter");
}

extern "C" __attribute__((visibility("default"))) int tempest_main(int argc, char** argv,
                                                                   tempest::submitter& submitter) {
    std::string name = "word-count";
    int workers = 1;
    double duration = 0;
    int parallelism = 4;
    double report_secs = 2.0;
    tempest::examples::arg_parser args("word_count");
    args.add_string("name", &name, "topology name (default word-count)");
    args.add_int("workers", &workers, 1, 1024, "worker processes (default 1)");
    args.add_double("duration", &duration, 0, 1e9,
                    "local mode: stop after this many seconds (default: until Ctrl-C)");
    args.add_int("parallelism", &parallelism, 1, 1024,
                 "executors of the split and count bolts (default 4)");
    args.add_double("report-secs", &report_secs, 0.1, 3600, "seconds between reports (default 2)");
    switch (args.parse(argc, argv)) {
        case tempest::examples::parse_outcome::help:
            return 0;
        case tempest::examples::parse_outcome::error:
            return 2;
        case tempest::examples::parse_outcome::run:
            break;
    }

    // The builder instantiates each class once; make sure this package's classes are there.
    tempest_register(tempest::component_registry::instance());
    tempest::topology_builder b;
    b.set_spout("sentences", "word_count.sentence_spout", {}, 1);
    b.set_bolt("split", "word_count.split_sentence", {}, parallelism).shuffle_grouping("sentences");
    b.set_bolt("count", "word_count.word_counter", {}, parallelism)
        .fields_grouping("split", {"word"});
    b.set_bolt("report", "word_count.reporter", {report_secs}, 1).global_grouping("count");

    tempest::config conf;
    if (duration > 0) {
        // Asks `tempest local` to end the run, as a Storm main sleeps and then kills.
        conf.set("topology.local.duration.secs", duration);
    }
    conf.set_num_workers(workers);
    try {
        submitter.submit_topology(name, conf, b.create_topology());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "word_count: cannot submit topology '%s': %s\n", name.c_str(),
                     e.what());
        return 1;
    }
    std::printf("word_count: submitted topology '%s'\n", name.c_str());
    std::fflush(stdout);
    return 0;
}
