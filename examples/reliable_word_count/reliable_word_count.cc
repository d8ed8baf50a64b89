// SPDX-License-Identifier: Apache-2.0
// reliable_word_count: word count with guaranteed processing, as a Tempest package.
//
//   sentence_spout ──shuffle──▶ split_sentence ──fields(word)──▶ word_counter
//   (a finite list; each        (anchored emits of            (fails a fraction of its inputs;
//    sentence has a message id;  (sentence_id, word_index,     counts every (sentence, word
//    replays what fails)         word); acks its input)        index) once; acks the rest)
//
// The count bolt fails some tuples on purpose, so sentences are replayed. A replayed sentence
// sends again the words that were already counted; the count bolt remembers which (sentence id,
// word index) pairs it counted and counts each once, so the final counts are exact. When every
// sentence has been acked the spout prints "all N sentences fully processed".
//
// The spout runs as one task (its message ids are the sentence numbers). Every component runs on
// its executor's thread; one instance serves one task.
#include "../common/example_args.h"
#include "tempest/topology.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
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

// Emits `total` sentences (sentence i is k_sentences[i % 8]) with message id i. Failed sentences
// are queued again; acked ones are done. Prints a line when the last one is acked.
class sentence_spout final : public tempest::spout {
  public:
    explicit sentence_spout(int total) : _total(total) {}

    void declare_output_fields(tempest::output_fields_declarer& d) override {
        d.declare({"sentence_id", "sentence"});
    }
    void open(const tempest::config& /*conf*/, const tempest::topology_context& /*context*/,
              tempest::spout_output_collector& collector) override {
        _collector = &collector;
        for (int i = 0; i < _total; ++i) {
            _queue.push_back(static_cast<std::uint64_t>(i));
        }
    }
    void next_tuple() override {
        if (_queue.empty()) {
            return;
        }
        std::uint64_t id = _queue.front();
        _queue.pop_front();
        _collector->emit(tempest::values{static_cast<std::int64_t>(id), sentence(id)},
                         tempest::message_id{id});
    }
    // The sentence text is derived from the id, so an ack only needs counting.
    void ack(tempest::message_id /*id*/) override {
        ++_acked;
        if (_acked == static_cast<std::uint64_t>(_total)) {
            std::printf("reliable_word_count: all %d sentences fully processed (%llu replays)\n",
                        _total, static_cast<unsigned long long>(_failed));
            std::fflush(stdout);
        }
    }
    void fail(tempest::message_id id) override {
        ++_failed;
        _queue.push_back(id.id);
    }

  private:
    static std::string_view sentence(std::uint64_t id) {
        return k_sentences[id % k_sentences.size()];
    }

    int _total;
    tempest::spout_output_collector* _collector = nullptr;
    std::deque<std::uint64_t> _queue;  // sentence ids waiting to be (re)emitted
    std::uint64_t _acked = 0;
    std::uint64_t _failed = 0;
};

// Splits a sentence into (sentence_id, word_index, word) tuples anchored to the sentence, then
// acks the sentence.
class split_sentence final : public tempest::bolt {
  public:
    void declare_output_fields(tempest::output_fields_declarer& d) override {
        d.declare({"sentence_id", "word_index", "word"});
    }
    void prepare(const tempest::config& /*conf*/, const tempest::topology_context& /*context*/,
                 tempest::output_collector& collector) override {
        _collector = &collector;
    }
    void execute(const tempest::tuple& input) override {
        std::int64_t sentence_id = input.get_int(0);
        std::string_view s = input.get_string(1);
        std::int64_t index = 0;
        while (!s.empty()) {
            std::size_t end = s.find(' ');
            std::string_view word = s.substr(0, end);
            if (!word.empty()) {
                _collector->emit(input, tempest::values{sentence_id, index++, word});
            }
            if (end == std::string_view::npos) {
                break;
            }
            s.remove_prefix(end + 1);
        }
        _collector->ack(input);
    }

  private:
    tempest::output_collector* _collector = nullptr;
};

// Counts words. Fails a `fail_fraction` of the tuples it has not counted yet (a deterministic
// pseudo-random choice per task) instead of counting them; counts every other new (sentence id,
// word index) pair once and acks it; acks pairs it already counted without counting again.
// Prints its top words in cleanup().
class word_counter final : public tempest::bolt {
  public:
    explicit word_counter(double fail_fraction) : _fail_fraction(fail_fraction) {}

    void declare_output_fields(tempest::output_fields_declarer& /*d*/) override {}
    void prepare(const tempest::config& /*conf*/, const tempest::topology_context& context,
                 tempest::output_collector& collector) override {
        _collector = &collector;
        _task = context.get_this_task_id();
        _rng = 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(_task + 1);
    }
    void execute(const tempest::tuple& input) override {
        auto key = (static_cast<std::uint64_t>(input.get_int(0)) << 16) |
                   static_cast<std::uint64_t>(input.get_int(1));
        if (_counted.contains(key)) {
            _collector->ack(input);  // counted on an earlier attempt of this sentence
            return;
        }
        if (next_unit() < _fail_fraction) {
            ++_failed;
            _collector->fail(input);
            return;
        }
        ++_counts[std::string(input.get_string(2))];
        _counted.insert(key);
        _collector->ack(input);
    }
    void cleanup() override {
        std::vector<std::pair<std::string, std::int64_t>> top(_counts.begin(), _counts.end());
        std::sort(top.begin(), top.end(),
                  [](const auto& a, const auto& b) { return a.second > b.second; });
        std::printf("reliable_word_count: counter task %d counted %zu words, failed %llu:", _task,
                    _counted.size(), static_cast<unsigned long long>(_failed));
        for (std::size_t i = 0; i < top.size() && i < 5; ++i) {
            std::printf(" %s=%lld", top[i].first.c_str(), static_cast<long long>(top[i].second));
        }
        std::printf("\n");
        std::fflush(stdout);
    }

  private:
    // splitmix64 mapped to [0, 1).
    double next_unit() {
        std::uint64_t z = (_rng += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        return static_cast<double>(z >> 11) * 0x1.0p-53;
    }

    double _fail_fraction;
    tempest::output_collector* _collector = nullptr;
    int _task = 0;
    std::uint64_t _rng = 0;
    std::uint64_t _failed = 0;
    std::unordered_set<std::uint64_t> _counted;  // (sentence id << 16) | word index
    std::map<std::string, std::int64_t> _counts;
};

}  // namespace

TEMPEST_PACKAGE()

extern "C" __attribute__((visibility("default"))) void tempest_register(
    tempest::component_registry& registry) {
    registry.add_spout_with<sentence_spout, int>("reliable_word_count.sentence_spout");
    registry.add_bolt<split_sentence>("reliable_word_count.split_sentence");
    registry.add_bolt_with<word_counter, double>("reliable_word_count.word_counter");
}

extern "C" __attribute__((visibility("default"))) int tempest_main(int argc, char** argv,
                                                                   tempest::submitter& submitter) {
    std::string name = "reliable-word-count";
    int workers = 1;
    double duration = 0;
    int sentences = 1000;
    double fail_fraction = 0.2;
    int max_pending = 100;
    tempest::examples::arg_parser args("reliable_word_count");
    args.add_string("name", &name, "topology name (default reliable-word-count)");
    args.add_int("workers", &workers, 1, 1024, "worker processes (default 1)");
    args.add_double("duration", &duration, 0, 1e9,
                    "local mode: stop after this many seconds (default: until Ctrl-C)");
    args.add_int("sentences", &sentences, 1, 1000000, "sentences to process (default 1000)");
    args.add_double("fail-fraction", &fail_fraction, 0.0, 0.9,
                    "fraction of new words the counter fails (default 0.2)");
    args.add_int("max-pending", &max_pending, 1, 1000000,
                 "topology.max.spout.pending (default 100)");
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
    b.set_spout("sentences", "reliable_word_count.sentence_spout", {sentences}, 1);
    b.set_bolt("split", "reliable_word_count.split_sentence", {}, 2).shuffle_grouping("sentences");
    b.set_bolt("count", "reliable_word_count.word_counter", {fail_fraction}, 3)
        .fields_grouping("split", {"word"});

    tempest::config conf;
    if (duration > 0) {
        // Asks `tempest local` to end the run, as a Storm main sleeps and then kills.
        conf.set("topology.local.duration.secs", duration);
    }
    conf.set_num_workers(workers);
    conf.set_max_spout_pending(max_pending);
    try {
        submitter.submit_topology(name, conf, b.create_topology());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "reliable_word_count: cannot submit topology '%s': %s\n", name.c_str(),
                     e.what());
        return 1;
    }
    std::printf("reliable_word_count: submitted topology '%s' (%d sentences)\n", name.c_str(),
                sentences);
    std::fflush(stdout);
    return 0;
}
