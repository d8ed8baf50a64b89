// SPDX-License-Identifier: Apache-2.0
// The emit path of a bolt, end to end through executors driven one pass at a time on the test's
// thread: a bolt emitting on two streams within one execute() (one fields-grouped, one global)
// routes each tuple to its stream's consumer; a fields key reaches the task the pinned hash
// chooses, every time; and an emit on an undeclared stream is reported with its clear error
// while the emits around it still route right. A tracked word (anchored to its spout tuple, the
// acker on the spout's thread) is committed as one cache line, and its tree completes.
#include "executor/executor.h"
#include "executor/shared_state.h"
#include "tempest/topology.h"
#include "tempest/worker/hash.h"
#include "tempest/worker/spsc_ring.h"
#include "tempest/worker/topology_plan.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tempest::worker {
namespace {

// Words of every length class the hash reads differently (under 4, 4 to 7, 8 and more, over
// 16 bytes), repeated; "bad" makes the bolt emit on an undeclared stream, "none" emit no value
// where the key should be, "odd" throw what is not a std::exception.
const std::vector<std::string> g_words = {
    "a",       "fox",  "over", "jumps", "the",   "quickest", "a", "bad", "extraordinarily-long",
    "fox",     "none", "odd",  "the",   "jumps", "over",     "a", "bad", "the",
    "quickest"};

struct received {
    std::map<std::string, std::vector<int>> word_tasks;  // word -> counting task, per arrival
    std::vector<std::int64_t> sizes;                     // in arrival order
    std::vector<std::string> streams;                    // source streams seen by the consumers
};
received g;  // reset by the fixture

struct word_spout : spout {
    spout_output_collector* out = nullptr;
    std::size_t next = 0;
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"word"}); }
    void open(const config&, const topology_context&, spout_output_collector& o) override {
        out = &o;
    }
    void next_tuple() override {
        if (next < g_words.size()) {
            out->emit({g_words[next++]});
        }
    }
};

// Per input word: "words" (the word), "sizes" (its length), "words" again, emitted through one
// std::string buffer holding both names (same length, same address). "bad" first emits on
// "words", then on the undeclared "nope", which throws out of execute(). "none" emits a tuple
// without values on "words", whose fields grouping finds no key: that throws too.
struct fan_bolt : bolt {
    output_collector* out = nullptr;
    std::string name;
    void declare_output_fields(output_fields_declarer& d) override {
        d.declare_stream("words", {"word"});
        d.declare_stream("sizes", {"n"});
    }
    void prepare(const config&, const topology_context&, output_collector& o) override { out = &o; }
    void execute(const tuple& t) override {
        std::string w(t.get_string(0));
        name.assign("words");
        if (w == "none") {
            out->emit(name, values{});
        }
        if (w == "odd") {
            throw 7;  // reported as an unknown exception
        }
        out->emit(name, values{w});
        if (w == "bad") {
            out->emit("nope", values{w});
        }
        name.assign("sizes");
        out->emit(name, values{static_cast<std::int64_t>(w.size())});
        name.assign("words");
        out->emit(name, values{w});
    }
};

struct count_bolt : bolt {
    int task = 0;
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context& ctx, output_collector&) override {
        task = ctx.get_this_task_id();
    }
    void execute(const tuple& t) override {
        g.word_tasks[std::string(t.get_string(0))].push_back(task);
        g.streams.push_back(t.get_source_stream_id());
    }
};

struct size_bolt : bolt {
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector&) override {}
    void execute(const tuple& t) override {
        g.sizes.push_back(t.get_int(0));
        g.streams.push_back(t.get_source_stream_id());
    }
};

class emit_path_test : public ::testing::Test {
  protected:
    // `count_tasks`: the parallelism of the fields-grouped consumer (with one, the emit picks
    // it without hashing the key).
    explicit emit_path_test(int count_tasks = 3) {
        g = {};
        _registry.add_spout<word_spout>("word_spout");
        _registry.add_bolt<fan_bolt>("fan_bolt");
        _registry.add_bolt<count_bolt>("count_bolt");
        _registry.add_bolt<size_bolt>("size_bolt");
        topology_builder b(_registry);
        b.set_spout("s", "word_spout", {}, 1);
        b.set_bolt("fan", "fan_bolt", {}, 1).shuffle_grouping("s");
        b.set_bolt("count", "count_bolt", {}, count_tasks)
            .fields_grouping("fan", "words", {"word"});
        b.set_bolt("size", "size_bolt", {}, 1).global_grouping("fan", "sizes");
        config conf;
        conf.set(config::topology_acker_executors, 0);
        _plan = std::make_unique<topology_plan>("t-1", b.create_topology(), conf);
        std::map<std::string, std::vector<executor*>> by_component;
        for (std::size_t i = 0; i < _plan->executors().size(); ++i) {
            const auto& c = _plan->components()[_plan->executors()[i].component];
            _execs.push_back(std::make_unique<executor>(
                _shared, *_plan, std::vector<int>{static_cast<int>(i)}, _registry));
            by_component[c.id].push_back(_execs.back().get());
            if (c.id == "count") {
                _count_tasks = c.tasks;
            }
        }
        connect(by_component["s"], by_component["fan"]);
        connect(by_component["fan"], by_component["count"]);
        connect(by_component["fan"], by_component["size"]);
        for (auto& e : _execs) {
            e->begin();
        }
    }
    ~emit_path_test() override {
        for (auto& e : _execs) {
            e->end();
        }
    }
    void connect(const std::vector<executor*>& from, const std::vector<executor*>& to) {
        for (executor* f : from) {
            for (executor* t : to) {
                _rings.push_back(std::make_unique<spsc_ring<tuple>>(64, &t->park(), &f->park()));
                f->add_output(_rings.back().get(), *t);
                t->add_input(_rings.back().get());
            }
        }
    }
    // Passes over every executor until none moves a tuple.
    void run_until_idle() {
        for (int round = 0; round < 1000; ++round) {
            bool moved = false;
            for (auto& e : _execs) {
                moved = e->pass() || moved;
            }
            if (!moved) {
                return;
            }
        }
        FAIL() << "the topology did not go idle";
    }

    component_registry _registry;
    shared_state _shared;
    std::unique_ptr<topology_plan> _plan;
    std::vector<std::unique_ptr<executor>> _execs;
    std::vector<std::unique_ptr<spsc_ring<tuple>>> _rings;
    std::vector<int> _count_tasks;
};

// The same topology with one counting task: every key reaches it.
class emit_path_one_count_test : public emit_path_test {
  protected:
    emit_path_one_count_test() : emit_path_test(1) {}
};

void expect_routed(const std::vector<int>& count_tasks) {
    std::map<std::string, int> expected_arrivals;
    std::vector<std::int64_t> expected_sizes;
    for (const std::string& w : g_words) {
        if (w == "none" || w == "odd") {
            continue;  // threw before or at its first emit
        }
        expected_arrivals[w] += w == "bad" ? 1 : 2;  // "bad" threw before its other emits
        if (w != "bad") {
            expected_sizes.push_back(static_cast<std::int64_t>(w.size()));
        }
    }
    ASSERT_EQ(g.word_tasks.size(), expected_arrivals.size());
    const std::size_t n = count_tasks.size();
    for (const auto& [word, tasks] : g.word_tasks) {
        EXPECT_EQ(static_cast<int>(tasks.size()), expected_arrivals[word]) << word;
        // The task the pinned hash of the word chooses, on every arrival.
        int want = count_tasks[reduce_range(hash_value(values{word}, 0, 0), n)];
        for (int task : tasks) {
            EXPECT_EQ(task, want) << word;
        }
    }
    EXPECT_EQ(g.sizes, expected_sizes);  // in order: the global grouping's one task
    for (const std::string& s : g.streams) {
        EXPECT_TRUE(s == "words" || s == "sizes") << s;
    }
}

// "bad", "none", "odd", "bad": the same errors whether the key is hashed or not.
void expect_errors(shared_state& shared) {
    error_batch b = shared.errors_since(0);
    ASSERT_EQ(b.errors.size(), 4u);
    std::vector<std::string> messages;
    for (const error_record& e : b.errors) {
        EXPECT_EQ(e.component, "fan");
        messages.push_back(e.message);
    }
    const std::string undeclared =
        "exception in execute: component 'fan' emitted on undeclared stream 'nope'";
    EXPECT_EQ(messages[0], undeclared);
    EXPECT_EQ(messages[2], "unknown exception in execute");
    EXPECT_EQ(messages[3], undeclared);
    EXPECT_EQ(messages[1].rfind("exception in execute: ", 0), 0u) << messages[1];
    EXPECT_NE(messages[1].find("index 0"), std::string::npos) << messages[1];
}

TEST_F(emit_path_test, each_stream_reaches_its_consumer_and_a_key_its_hashed_task) {
    run_until_idle();
    ASSERT_EQ(_count_tasks.size(), 3u);
    expect_routed(_count_tasks);
}

TEST_F(emit_path_test, an_undeclared_stream_or_a_missing_key_is_reported) {
    run_until_idle();
    expect_errors(_shared);
}

TEST_F(emit_path_one_count_test, every_key_reaches_the_one_task) {
    run_until_idle();
    ASSERT_EQ(_count_tasks.size(), 1u);
    expect_routed(_count_tasks);
}

TEST_F(emit_path_one_count_test, a_missing_key_is_reported_without_a_hash_too) {
    run_until_idle();
    expect_errors(_shared);
}

// ---- a tracked word's slot: one cache line, as an untracked word's

// Emits "fox" with message ids 1..3, one per next_tuple(); counts the acks.
struct tracked_spout : spout {
    spout_output_collector* out = nullptr;
    std::uint64_t next = 1;
    int acked = 0;
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"word"}); }
    void open(const config&, const topology_context&, spout_output_collector& o) override {
        out = &o;
    }
    void next_tuple() override {
        if (next <= 3) {
            out->emit({std::string("fox")}, message_id{next++});
        }
    }
    void ack(message_id) override { ++acked; }
};

struct acking_sink : bolt {
    output_collector* out = nullptr;
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector& o) override { out = &o; }
    void execute(const tuple& t) override { out->ack(t); }
};

// A spout's thread that hosts the acker and a sink's thread, wired as topology_runtime wires
// them: data into the sink through a ring of `data_slots`, the sink's acks back through
// another, and the acker's thread's ring into itself, which carries a finished tree to its
// spout outside next_tuple().
struct acked_pair {
    executor spout_thread;
    executor sink_thread;
    spsc_ring<tuple> data;
    spsc_ring<tuple> acks;
    spsc_ring<tuple> self;

    acked_pair(shared_state& shared, const topology_plan& plan, const std::vector<int>& spout_execs,
               int sink_exec, const component_registry& registry, std::size_t data_slots)
        : spout_thread(shared, plan, spout_execs, registry),
          sink_thread(shared, plan, {sink_exec}, registry),
          data(data_slots, &sink_thread.park(), &spout_thread.park()),
          acks(64, &spout_thread.park(), &sink_thread.park()),
          self(64, &spout_thread.park(), &spout_thread.park()) {
        spout_thread.add_output(&self, spout_thread);
        spout_thread.add_input(&self);
        spout_thread.add_output(&data, sink_thread);
        sink_thread.add_input(&data);
        sink_thread.add_output(&acks, spout_thread);
        spout_thread.add_input(&acks);
        spout_thread.begin();
        sink_thread.begin();
    }
};

// The producer prefetches, for the slots it fills next, the lines it wrote into the last one
// (spsc_ring::commit(lines)). A word anchored to its spout tuple holds its anchor in the
// header's line, so it is written in one line: asking for more made every tracked word of word
// count move a second line between the cores (session 18: 23M -> 33M words/s with acking).
TEST(emit_path_tracked_test, a_tracked_word_commits_one_line_and_its_tree_completes) {
    component_registry registry;
    registry.add_spout<tracked_spout>("tracked_spout");
    registry.add_bolt<acking_sink>("acking_sink");
    topology_builder b(registry);
    b.set_spout("s", "tracked_spout", {}, 1);
    b.set_bolt("sink", "acking_sink", {}, 1).shuffle_grouping("s");
    config conf;
    conf.set_num_ackers(1);
    conf.set("topology.chaining", false);  // the sink takes the word from a ring
    topology_plan plan("t-1", b.create_topology(), conf);
    int spout_exec = -1;
    int sink_exec = -1;
    int acker_exec = -1;
    for (std::size_t i = 0; i < plan.executors().size(); ++i) {
        const component_plan& c = plan.components()[plan.executors()[i].component];
        (c.is_acker ? acker_exec : c.is_spout ? spout_exec : sink_exec) = static_cast<int>(i);
    }
    ASSERT_GE(spout_exec, 0);
    ASSERT_GE(sink_exec, 0);
    ASSERT_GE(acker_exec, 0);
    ASSERT_EQ(plan.executors()[acker_exec].host, spout_exec);  // the acker on the spout's thread

    shared_state shared;
    acked_pair threads(shared, plan, {spout_exec, acker_exec}, sink_exec, registry, 64);
    executor& spout_thread = threads.spout_thread;
    executor& sink_thread = threads.sink_thread;
    spsc_ring<tuple>& words = threads.data;

    ASSERT_TRUE(spout_thread.pass());  // tracked words into the ring
    ASSERT_GE(words.size_approx(), 1u);
    EXPECT_EQ(words.committed_lines(), 0b001u);

    for (int round = 0; round < 100; ++round) {
        const bool moved = spout_thread.pass();
        if (!sink_thread.pass() && !moved && words.size_approx() == 0) {
            break;
        }
    }
    EXPECT_EQ(words.committed_lines(), 0b001u);
    const tracked_spout* s = nullptr;
    const task_state* acker = nullptr;
    for (const auto& t : spout_thread.tasks()) {
        if (t->sp != nullptr) {
            s = dynamic_cast<const tracked_spout*>(t->sp.get());
        } else if (t->comp->is_acker) {
            acker = t.get();
        }
    }
    ASSERT_NE(s, nullptr);
    ASSERT_NE(acker, nullptr);
    EXPECT_EQ(s->acked, 3);  // every tree completed through the acker on the spout's thread
    // The sink's acks came through a ring, so the acker completed each tree at once (no
    // ack_done through the spout's ring); each is still counted as an ack_done it sent.
    const auto ack_done = static_cast<std::size_t>(detail::message_kind::ack_done) - 1;
    EXPECT_EQ(acker->acking_sent[ack_done].get(), 3u);
    spout_thread.end();
    sink_thread.end();
}

// ---- the common emit (executor_core::emit_one): every size, and its fallbacks

// String lengths whose encodings (5 bytes more) fall in each of the copy's classes (under 16,
// up to 32, 64 and 128 bytes) and their edges, then past the common emit's limit: 124 bytes
// encode to 129, and 1000 go to the heap, which a slot then keeps for its next laps.
const std::vector<std::size_t> g_lengths = {0,  1,  7,  10, 11,  12,  26,  27,  28,   29, 58, 59,
                                            60, 61, 90, 99, 100, 122, 123, 124, 1000, 3,  64};

std::vector<std::string> g_got;  // what the sink received, in order

std::string text_of(std::size_t len, std::size_t salt) {
    std::string s(len, ' ');
    for (std::size_t i = 0; i < len; ++i) {
        s[i] = static_cast<char>('a' + (i * 7 + salt) % 26);
    }
    return s;
}

// The sink received text_of(g_lengths[i % n], i) for every i below `total`, in order.
void expect_texts_whole_and_in_order(std::size_t total) {
    ASSERT_EQ(g_got.size(), total);
    for (std::size_t i = 0; i < total; ++i) {
        ASSERT_EQ(g_got[i], text_of(g_lengths[i % g_lengths.size()], i)) << "emit " << i;
    }
}

// Emits text_of(len, i) for every length of g_lengths, `laps` times over (i counts the emits).
struct sizes_spout : spout {
    spout_output_collector* out = nullptr;
    std::size_t i = 0;
    static constexpr std::size_t laps = 8;
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"text"}); }
    void open(const config&, const topology_context&, spout_output_collector& o) override {
        out = &o;
    }
    void next_tuple() override {
        if (i < laps * g_lengths.size()) {
            out->emit({text_of(g_lengths[i % g_lengths.size()], i)});
            ++i;
        }
    }
};

struct recording_sink : bolt {
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector&) override {}
    void execute(const tuple& t) override { g_got.emplace_back(t.get_string(0)); }
};

// Through a ring of 16 slots, so that every slot is reused after tuples of other sizes (one
// that went to the heap keeps its buffer, and the next small tuple there takes the fallback):
// each tuple arrives whole and in order, and the ring stays empty afterwards.
TEST(emit_path_common_test, every_size_arrives_whole_and_in_order_through_a_reused_ring) {
    g_got.clear();
    component_registry registry;
    registry.add_spout<sizes_spout>("sizes_spout");
    registry.add_bolt<recording_sink>("recording_sink");
    topology_builder b(registry);
    b.set_spout("s", "sizes_spout", {}, 1);
    b.set_bolt("sink", "recording_sink", {}, 1).shuffle_grouping("s");
    config conf;
    conf.set(config::topology_acker_executors, 0);
    conf.set("topology.chaining", false);  // the sink takes the tuples from a ring
    topology_plan plan("t-1", b.create_topology(), conf);
    ASSERT_EQ(plan.executors().size(), 2u);
    const int spout_exec = plan.components()[plan.executors()[0].component].is_spout ? 0 : 1;
    shared_state shared;
    executor spout_thread(shared, plan, {spout_exec}, registry);
    executor sink_thread(shared, plan, {1 - spout_exec}, registry);
    spsc_ring<tuple> ring(16, &sink_thread.park(), &spout_thread.park());
    spout_thread.add_output(&ring, sink_thread);
    sink_thread.add_input(&ring);
    spout_thread.begin();
    sink_thread.begin();
    const std::size_t total = sizes_spout::laps * g_lengths.size();
    for (int round = 0; round < 10000 && g_got.size() < total; ++round) {
        spout_thread.pass();
        sink_thread.pass();
    }
    spout_thread.end();
    sink_thread.end();
    expect_texts_whole_and_in_order(total);
    EXPECT_EQ(ring.size_approx(), 0u);
    EXPECT_TRUE(shared.errors_since(0).errors.empty());
}

// ---- the common anchored emit (executor_core::emit_one_anchored): every size, every tree

// Emits its counter i (0, 1, ...) with message id i + 1, sizes_spout's total of them; counts
// the acks and fails.
struct counting_spout : spout {
    spout_output_collector* out = nullptr;
    std::int64_t i = 0;
    int acked = 0;
    int failed = 0;
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"i"}); }
    void open(const config&, const topology_context&, spout_output_collector& o) override {
        out = &o;
    }
    void next_tuple() override {
        if (i < static_cast<std::int64_t>(sizes_spout::laps * g_lengths.size())) {
            out->emit({i}, message_id{static_cast<std::uint64_t>(i) + 1});
            ++i;
        }
    }
    void ack(message_id) override { ++acked; }
    void fail(message_id) override { ++failed; }
};

// The stream anchoring_relay emits on: "default" (the emit that names none) or another.
std::string g_relay_stream = "default";

// For input i: text_of(g_lengths[i % n], i) anchored to the input, then the input acked (the
// split of word count, one word per sentence).
struct anchoring_relay : bolt {
    output_collector* out = nullptr;
    void declare_output_fields(output_fields_declarer& d) override {
        d.declare_stream(g_relay_stream, {"text"});
    }
    void prepare(const config&, const topology_context&, output_collector& o) override { out = &o; }
    void execute(const tuple& t) override {
        const auto i = static_cast<std::size_t>(t.get_int(0));
        values v{text_of(g_lengths[i % g_lengths.size()], i)};
        if (g_relay_stream == "default") {
            out->emit(t, v);
        } else {
            out->emit(g_relay_stream, t, v);
        }
        out->ack(t);
    }
};

// Records each text; fails every fifth (the first, the sixth, ...), acks the others.
struct recording_acking_sink : bolt {
    output_collector* out = nullptr;
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector& o) override { out = &o; }
    void execute(const tuple& t) override {
        g_got.emplace_back(t.get_string(0));
        if ((g_got.size() - 1) % 5 == 0) {
            out->fail(t);
        } else {
            out->ack(t);
        }
    }
};

// Spout, relay (chained onto the spout's thread) and acker on one thread, the sink on another
// behind a ring of 16 slots, grouped by `grouping` (shuffle: the route's fixed target; fields:
// the grouping's pick) on `stream`: every anchored text of every size, through reused slots, a full
// ring's overflow and the heap, arrives whole and in order, and every tree completes: failed for
// the texts the sink failed (so no tree completed before its last tuple was acked or failed), acked
// for the others.
void expect_anchored_sizes_arrive_and_trees_complete(grouping_type grouping,
                                                     const std::string& stream = "default") {
    g_got.clear();
    g_relay_stream = stream;
    component_registry registry;
    registry.add_spout<counting_spout>("counting_spout");
    registry.add_bolt<anchoring_relay>("anchoring_relay");
    registry.add_bolt<recording_acking_sink>("recording_acking_sink");
    topology_builder b(registry);
    b.set_spout("s", "counting_spout", {}, 1);
    b.set_bolt("relay", "anchoring_relay", {}, 1).local_or_shuffle_grouping("s");
    auto& sink = b.set_bolt("sink", "recording_acking_sink", {}, 1);
    if (grouping == grouping_type::fields) {
        sink.fields_grouping("relay", stream, {"text"});
    } else {
        sink.shuffle_grouping("relay", stream);
    }
    config conf;
    conf.set_num_ackers(1);
    topology_plan plan("t-1", b.create_topology(), conf);
    int spout_exec = -1;
    int relay_exec = -1;
    int sink_exec = -1;
    int acker_exec = -1;
    for (std::size_t i = 0; i < plan.executors().size(); ++i) {
        const component_plan& c = plan.components()[plan.executors()[i].component];
        const int e = static_cast<int>(i);
        if (c.is_acker) {
            acker_exec = e;
        } else if (c.is_spout) {
            spout_exec = e;
        } else {
            (c.id == "relay" ? relay_exec : sink_exec) = e;
        }
    }
    ASSERT_GE(spout_exec, 0);
    ASSERT_GE(relay_exec, 0);
    ASSERT_GE(sink_exec, 0);
    ASSERT_GE(acker_exec, 0);
    ASSERT_EQ(plan.executors()[relay_exec].host, spout_exec);  // chained onto the spout
    ASSERT_EQ(plan.executors()[acker_exec].host, spout_exec);  // the acker on the spout's thread
    ASSERT_LT(plan.executors()[sink_exec].host, 0);

    shared_state shared;
    acked_pair threads(shared, plan, {spout_exec, relay_exec, acker_exec}, sink_exec, registry, 16);
    executor& spout_thread = threads.spout_thread;
    executor& sink_thread = threads.sink_thread;
    spsc_ring<tuple>& texts = threads.data;
    const counting_spout* s = nullptr;
    for (const auto& t : spout_thread.tasks()) {
        if (t->sp != nullptr) {
            s = dynamic_cast<const counting_spout*>(t->sp.get());
        }
    }
    ASSERT_NE(s, nullptr);
    const std::size_t total = sizes_spout::laps * g_lengths.size();
    for (int round = 0; round < 10000 && static_cast<std::size_t>(s->acked + s->failed) < total;
         ++round) {
        spout_thread.pass();
        sink_thread.pass();
    }
    spout_thread.end();
    sink_thread.end();
    expect_texts_whole_and_in_order(total);
    const std::size_t failed = (total + 4) / 5;
    EXPECT_EQ(static_cast<std::size_t>(s->failed), failed);
    EXPECT_EQ(static_cast<std::size_t>(s->acked), total - failed);
    EXPECT_EQ(texts.size_approx(), 0u);
    EXPECT_TRUE(shared.errors_since(0).errors.empty());
}

TEST(emit_path_common_test, anchored_every_size_arrives_and_every_tree_completes_shuffled) {
    expect_anchored_sizes_arrive_and_trees_complete(grouping_type::shuffle);
}

TEST(emit_path_common_test, anchored_every_size_arrives_and_every_tree_completes_by_key) {
    expect_anchored_sizes_arrive_and_trees_complete(grouping_type::fields);
}

// The same emits on a stream named in the emit (bolt_emit's one-target path).
TEST(emit_path_common_test, anchored_every_size_arrives_on_a_named_stream) {
    expect_anchored_sizes_arrive_and_trees_complete(grouping_type::shuffle, "texts");
}

}  // namespace
}  // namespace tempest::worker
