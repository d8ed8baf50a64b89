// SPDX-License-Identifier: Apache-2.0
#include "workloads.h"

#include "tempest/topology.h"

#include <array>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace tempest::bench {

namespace {

// Ten sentences of exactly ten words each, the word-count input of every engine compared in
// bench/README.md (our copy; the same text as the reference programs use).
constexpr std::array<std::string_view, 10> sentences = {
    "the quick brown fox jumps over the lazy dog today",
    "a stream processing engine counts the words in real time",
    "storm bolts and spouts form a directed acyclic graph topology",
    "every tuple is acked when the whole tree is processed",
    "fields grouping sends the same word to the same task",
    "shuffle grouping spreads the tuples evenly across all the tasks",
    "the sink writes results to a file or a database",
    "backpressure slows the spout when the queues are almost full",
    "lock free ring buffers connect the producer and consumer threads",
    "throughput is measured in tuples per second on two cores",
};

// Emits the same tuple, one 100-byte string, on every next_tuple(); with acking, each with a
// fresh message id. Runs on the spout's executor thread.
class const_spout final : public spout {
  public:
    explicit const_spout(bool acking) : _acking(acking) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"payload"}); }
    void open(const config&, const topology_context&, spout_output_collector& out) override {
        _out = &out;
    }
    void next_tuple() override {
        if (_acking) {
            _out->emit(_payload, message_id{++_next_id});
        } else {
            _out->emit(_payload);
        }
    }

  private:
    bool _acking;
    spout_output_collector* _out = nullptr;
    values _payload{std::string(100, 'x')};
    std::uint64_t _next_id = 0;
};

// Cycles through the ten sentences, one per next_tuple().
class sentence_spout final : public spout {
  public:
    explicit sentence_spout(bool acking) : _acking(acking) {
        for (std::size_t i = 0; i < sentences.size(); ++i) {
            _sentences[i].add(sentences[i]);
        }
    }
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"sentence"}); }
    void open(const config&, const topology_context&, spout_output_collector& out) override {
        _out = &out;
    }
    void next_tuple() override {
        const values& v = _sentences[_next];
        _next = _next + 1 == _sentences.size() ? 0 : _next + 1;
        if (_acking) {
            _out->emit(v, message_id{++_next_id});
        } else {
            _out->emit(v);
        }
    }

  private:
    bool _acking;
    spout_output_collector* _out = nullptr;
    std::array<values, sentences.size()> _sentences;
    std::size_t _next = 0;
    std::uint64_t _next_id = 0;
};

// Does nothing with its input but ack it (with acking).
class null_bolt final : public bolt {
  public:
    explicit null_bolt(bool acking) : _acking(acking) {}
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector& out) override {
        _out = &out;
    }
    void execute(const tuple& input) override {
        if (_acking) {
            _out->ack(input);
        }
    }

  private:
    bool _acking;
    output_collector* _out = nullptr;
};

// Re-emits each input's values, anchored to it with acking.
class identity_bolt final : public bolt {
  public:
    explicit identity_bolt(bool acking) : _acking(acking) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"payload"}); }
    void prepare(const config&, const topology_context&, output_collector& out) override {
        _out = &out;
    }
    void execute(const tuple& input) override {
        if (_acking) {
            _out->emit(input, input.get_values());
            _out->ack(input);
        } else {
            _out->emit(input.get_values());
        }
    }

  private:
    bool _acking;
    output_collector* _out = nullptr;
};

// Splits a sentence on spaces and emits one tuple per word.
class split_bolt final : public bolt {
  public:
    explicit split_bolt(bool acking) : _acking(acking) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"word"}); }
    void prepare(const config&, const topology_context&, output_collector& out) override {
        _out = &out;
    }
    void execute(const tuple& input) override {
        std::string_view s = input.get_string(0);
        while (!s.empty()) {
            std::size_t end = s.find(' ');
            std::string_view w = s.substr(0, end);
            if (!w.empty()) {
                _word.clear();
                _word.add(w);
                if (_acking) {
                    _out->emit(input, _word);
                } else {
                    _out->emit(_word);
                }
            }
            if (end == std::string_view::npos) {
                break;
            }
            s.remove_prefix(end + 1);
        }
        if (_acking) {
            _out->ack(input);
        }
    }

  private:
    bool _acking;
    output_collector* _out = nullptr;
    values _word;
};

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

// Counts words in a hash map (looked up by string_view; a word allocates only when first seen).
class count_bolt final : public bolt {
  public:
    explicit count_bolt(bool acking) : _acking(acking) {}
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector& out) override {
        _out = &out;
    }
    void execute(const tuple& input) override {
        std::string_view w = input.get_string(0);
        auto it = _counts.find(w);
        if (it == _counts.end()) {
            _counts.emplace(std::string(w), 1);
        } else {
            ++it->second;
        }
        if (_acking) {
            _out->ack(input);
        }
    }

  private:
    bool _acking;
    output_collector* _out = nullptr;
    std::unordered_map<std::string, std::uint64_t, string_hash, std::equal_to<>> _counts;
};

}  // namespace

const std::vector<std::string_view>& workload_names() {
    static const std::vector<std::string_view> names = {"const-null", "const-id-null",
                                                        "word-count"};
    return names;
}

bool is_workload(std::string_view name) {
    for (std::string_view n : workload_names()) {
        if (n == name) {
            return true;
        }
    }
    return false;
}

workload make_workload(std::string_view name, bool acking, int max_pending, int parallelism) {
    const int p = parallelism;
    workload w;
    w.name = std::string(name);
    w.conf.set_num_ackers(acking ? p : 0);
    if (acking) {
        w.conf.set_max_spout_pending(max_pending);
    }
    topology_builder b;
    if (name == "const-null") {
        b.set_spout<const_spout>("spout", p, acking);
        b.set_bolt<null_bolt>("null", p, acking).local_or_shuffle_grouping("spout");
        w.spout = "spout";
        w.last_bolt = "null";
        w.unit = "tuples";
    } else if (name == "const-id-null") {
        b.set_spout<const_spout>("spout", p, acking);
        b.set_bolt<identity_bolt>("identity", p, acking).local_or_shuffle_grouping("spout");
        b.set_bolt<null_bolt>("null", p, acking).local_or_shuffle_grouping("identity");
        w.spout = "spout";
        w.last_bolt = "null";
        w.unit = "tuples";
    } else if (name == "word-count") {
        b.set_spout<sentence_spout>("sentences", p, acking);
        // With two workers the spout feeds the split of its own worker (local-or-shuffle), so
        // only the fields-grouped words cross the TCP link, as a deployment would arrange it.
        // A plain shuffle sends sentences across too; bench/README.md ("Two workers") has its
        // figures.
        auto& split = b.set_bolt<split_bolt>("split", p, acking);
        if (p == 1) {
            split.shuffle_grouping("sentences");
        } else {
            split.local_or_shuffle_grouping("sentences");
        }
        b.set_bolt<count_bolt>("count", p, acking).fields_grouping("split", {"word"});
        w.spout = "sentences";
        w.last_bolt = "count";
        w.unit = "words";
    } else {
        throw std::invalid_argument("unknown workload '" + std::string(name) + "'");
    }
    w.topo = b.create_topology();
    return w;
}

workload make_workload(const bench_options& o) {
    workload w = make_workload(o.workload, o.acking,
                               o.max_pending.value_or(default_max_spout_pending), o.workers);
    if (o.queue_size) {
        w.conf.set(config::topology_executor_receive_buffer_size, *o.queue_size);
    }
    if (o.no_chaining) {
        w.conf.set("topology.chaining", false);
    }
    if (o.batch_size) {
        w.conf.set(config::topology_producer_batch_size, *o.batch_size);
    }
    return w;
}

}  // namespace tempest::bench
