// SPDX-License-Identifier: Apache-2.0
// Cluster test of reliable word count end to end: the test's own copy of the example's classes
// (examples/reliable_word_count), reporting their state through statics here. With the count
// bolt failing 20% of new words, every sentence must still be acked exactly once and the final
// counts must equal counts computed directly from the sentences.
#include "cluster_test.h"

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace tempest::cluster_tests {
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

std::string_view sentence(std::uint64_t id) {
    return k_sentences[id % k_sentences.size()];
}

// Calls f(index, word) for each space-separated word of s.
template <typename F>
void for_each_word(std::string_view s, F&& f) {
    std::int64_t index = 0;
    while (!s.empty()) {
        std::size_t end = s.find(' ');
        if (std::string_view word = s.substr(0, end); !word.empty()) {
            f(index++, word);
        }
        if (end == std::string_view::npos) {
            break;
        }
        s.remove_prefix(end + 1);
    }
}

// The topology's outcome. Written by executor threads, read by the test thread.
class outcome {
  public:
    static void reset() {
        std::scoped_lock lock(_mu);
        _acks.clear();
        _spout_fails = 0;
        _counts.clear();
    }
    static void acked(std::uint64_t id) {
        std::scoped_lock lock(_mu);
        ++_acks[id];
    }
    static void failed() {
        std::scoped_lock lock(_mu);
        ++_spout_fails;
    }
    static void counted(std::string_view word) {
        std::scoped_lock lock(_mu);
        ++_counts[std::string(word)];
    }
    static std::size_t distinct_acked() {
        std::scoped_lock lock(_mu);
        return _acks.size();
    }
    static std::map<std::uint64_t, int> acks() {
        std::scoped_lock lock(_mu);
        return _acks;
    }
    static int spout_fails() {
        std::scoped_lock lock(_mu);
        return _spout_fails;
    }
    static std::map<std::string, std::int64_t> counts() {
        std::scoped_lock lock(_mu);
        return _counts;
    }

  private:
    static inline std::mutex _mu;  // guards everything below
    static inline std::map<std::uint64_t, int> _acks;
    static inline int _spout_fails = 0;
    static inline std::map<std::string, std::int64_t> _counts;
};

// As the example's spout: sentences 0..total-1 with message id = sentence id; replays fails.
class sentence_spout final : public spout {
  public:
    explicit sentence_spout(int total) {
        for (int i = 0; i < total; ++i) {
            _queue.push_back(static_cast<std::uint64_t>(i));
        }
    }
    void declare_output_fields(output_fields_declarer& d) override {
        d.declare({"sentence_id", "sentence"});
    }
    void open(const config&, const topology_context&, spout_output_collector& c) override {
        _out = &c;
    }
    void next_tuple() override {
        if (_queue.empty()) {
            return;
        }
        std::uint64_t id = _queue.front();
        _queue.pop_front();
        _out->emit(values{static_cast<std::int64_t>(id), sentence(id)}, message_id{id});
    }
    void ack(message_id id) override { outcome::acked(id.id); }
    void fail(message_id id) override {
        outcome::failed();
        _queue.push_back(id.id);
    }

  private:
    std::deque<std::uint64_t> _queue;
    spout_output_collector* _out = nullptr;
};

// As the example's split bolt: anchored (sentence_id, word_index, word), then ack.
class split_sentence final : public bolt {
  public:
    void declare_output_fields(output_fields_declarer& d) override {
        d.declare({"sentence_id", "word_index", "word"});
    }
    void prepare(const config&, const topology_context&, output_collector& c) override {
        _out = &c;
    }
    void execute(const tuple& input) override {
        std::int64_t id = input.get_int(0);
        for_each_word(input.get_string(1), [&](std::int64_t index, std::string_view word) {
            _out->emit(input, values{id, index, word});
        });
        _out->ack(input);
    }

  private:
    output_collector* _out = nullptr;
};

// As the example's count bolt: fails `fail_fraction` of new (sentence, word index) pairs, counts
// every other new pair once, acks pairs already counted.
class word_counter final : public bolt {
  public:
    explicit word_counter(double fail_fraction) : _fail_fraction(fail_fraction) {}
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context& context, output_collector& c) override {
        _out = &c;
        _rng = 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(context.get_this_task_id() + 1);
    }
    void execute(const tuple& input) override {
        auto key = (static_cast<std::uint64_t>(input.get_int(0)) << 16) |
                   static_cast<std::uint64_t>(input.get_int(1));
        if (_counted.contains(key)) {
            _out->ack(input);
            return;
        }
        if (next_unit() < _fail_fraction) {
            _out->fail(input);
            return;
        }
        outcome::counted(input.get_string(2));
        _counted.insert(key);
        _out->ack(input);
    }

  private:
    double next_unit() {
        std::uint64_t z = (_rng += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        return static_cast<double>(z >> 11) * 0x1.0p-53;
    }

    double _fail_fraction;
    std::uint64_t _rng = 0;
    std::unordered_set<std::uint64_t> _counted;
    output_collector* _out = nullptr;
};

class reliable_word_count_test : public cluster_test {
  protected:
    void SetUp() override { outcome::reset(); }
};

TEST_F(reliable_word_count_test, every_sentence_acked_once_and_counts_exact_despite_failures) {
    constexpr int sentences = 400;
    topology_builder b(registry());
    b.set_spout<sentence_spout>("sentences", 1, sentences);
    b.set_bolt<split_sentence>("split", 2).shuffle_grouping("sentences");
    b.set_bolt<word_counter>("count", 3, 0.2).fields_grouping("split", {"word"});
    config conf;
    conf.set_max_spout_pending(50);
    cluster().submit_topology("reliable-word-count", conf, b.create_topology());

    bool done = wait_until([] { return outcome::distinct_acked() == sentences; }, 20s);
    cluster().kill_topology("reliable-word-count");
    ASSERT_TRUE(done) << outcome::distinct_acked() << " of " << sentences << " sentences acked";

    auto acks = outcome::acks();
    for (int i = 0; i < sentences; ++i) {
        EXPECT_EQ(acks[static_cast<std::uint64_t>(i)], 1) << "sentence " << i;
    }
    EXPECT_GT(outcome::spout_fails(), 0) << "nothing was replayed: the test proves nothing";

    std::map<std::string, std::int64_t> expected;
    for (int i = 0; i < sentences; ++i) {
        for_each_word(sentence(static_cast<std::uint64_t>(i)),
                      [&](std::int64_t, std::string_view word) { ++expected[std::string(word)]; });
    }
    EXPECT_EQ(outcome::counts(), expected);
}

}  // namespace
}  // namespace tempest::cluster_tests
