// SPDX-License-Identifier: Apache-2.0
#include "components.h"

#include "tempest/topology.h"
#include "zipf.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
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

std::uint64_t now_ns() noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

bool arg_bool(const std::vector<value>& a, std::size_t i) {
    return a.at(i).as_bool();
}
double arg_double(const std::vector<value>& a, std::size_t i) {
    return a.at(i).as_double();
}
std::int64_t arg_int(const std::vector<value>& a, std::size_t i) {
    return a.at(i).as_int();
}

// What every workload spout shares: pacing at a fixed rate (or none), message ids that are due
// times, and the complete-latency histogram. Used on the spout's thread only.
class spout_pacing {
  public:
    explicit spout_pacing(const std::vector<value>& a)
        : _acking(arg_bool(a, 0)), _rate(arg_double(a, 1)), _record_after_s(arg_double(a, 2)) {}

    void open(const topology_context& ctx) {
        _start = now_ns();
        _record_from = _start + static_cast<std::uint64_t>(_record_after_s * 1e9);
        if (_acking) {
            // open() gets a const context; its registry is the same one register_histogram uses.
            _latency = &ctx.metrics().histogram(ctx.get_this_component_id(), ctx.get_this_task_id(),
                                                latency_metric);
            latency_board::instance().add(_latency);
        }
    }

    bool acking() const noexcept { return _acking; }
    // Unpaced and without acking: every call is due and its id unused (due() need not run).
    bool free_running() const noexcept { return _free; }

    // True when a tuple is due now; `id` is then its message id: its due time in ns, or
    // unpaced a count with the top bit set (unsampled). Unpaced and without acking the id is
    // never used, so no clock is read: a clock read per tuple (~20 ns on this VM) would be most
    // of an unchained const-null's per-tuple cost. Unpaced with acking one tuple in
    // unpaced_sample_every carries its emit time and is timed at its ack: two clock reads per
    // tuple were 11% of word count's spout thread (docs/PERFORMANCE.md, session 17), and a
    // benchmark should not pay for its own stopwatch more than the engine's sampled metrics do.
    bool due(std::uint64_t& id) noexcept {
        if (_rate <= 0) {
            ++_n;
            if (!_acking || (_n & (unpaced_sample_every - 1)) != 0) {
                id = unsampled_bit | _n;
                return true;
            }
            id = std::max(now_ns(), _last_id + 1);
            _last_id = id;
            return true;
        }
        const auto at = _start + static_cast<std::uint64_t>(static_cast<double>(_n) * 1e9 / _rate);
        if (now_ns() < at) {
            return false;
        }
        ++_n;
        id = std::max(at, _last_id + 1);
        _last_id = id;
        return true;
    }

    void acked(std::uint64_t id) noexcept {
        if (_latency != nullptr && (id & unsampled_bit) == 0 && id >= _record_from) {
            const std::uint64_t t = now_ns();
            _latency->update(static_cast<std::int64_t>(t > id ? (t - id) / 1000 : 0));
        }
    }

  private:
    static constexpr std::uint64_t unpaced_sample_every = 16;  // a power of two
    static constexpr std::uint64_t unsampled_bit = std::uint64_t{1} << 63;

    bool _acking;
    double _rate;
    double _record_after_s;
    bool _free = !_acking && _rate <= 0;
    std::uint64_t _start = 0;
    std::uint64_t _record_from = 0;
    std::uint64_t _n = 0;
    std::uint64_t _last_id = 0;
    metric_histogram* _latency = nullptr;
};

// Emits the same tuple, one 100-byte string, on every due next_tuple().
class const_spout final : public spout {
  public:
    explicit const_spout(const std::vector<value>& a) : _pacing(a) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"payload"}); }
    void open(const config&, const topology_context& ctx, spout_output_collector& out) override {
        _out = &out;
        _pacing.open(ctx);
    }
    void next_tuple() override {
        if (!_pacing.free_running()) [[unlikely]] {
            return paced_next_tuple();
        }
        // Nothing to pace or time: the emit alone (no frame), so that the engine is what is
        // measured.
        _out->emit(_payload);
    }
    void ack(message_id id) override { _pacing.acked(id.id); }

  private:
    [[gnu::noinline]] void paced_next_tuple() {
        std::uint64_t id = 0;
        if (!_pacing.due(id)) {
            return;
        }
        if (_pacing.acking()) {
            _out->emit(_payload, message_id{id});
        } else {
            _out->emit(_payload);
        }
    }

    spout_pacing _pacing;
    spout_output_collector* _out = nullptr;
    values _payload{std::string(100, 'x')};
};

// Cycles through the ten sentences, one per due next_tuple().
class sentence_spout final : public spout {
  public:
    explicit sentence_spout(const std::vector<value>& a) : _pacing(a) {
        for (std::size_t i = 0; i < sentences.size(); ++i) {
            _sentences[i].add(sentences[i]);
        }
    }
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"sentence"}); }
    void open(const config&, const topology_context& ctx, spout_output_collector& out) override {
        _out = &out;
        _pacing.open(ctx);
    }
    void next_tuple() override {
        std::uint64_t id = 0;
        if (!_pacing.due(id)) {
            return;
        }
        const values& v = _sentences[_next];
        _next = _next + 1 == _sentences.size() ? 0 : _next + 1;
        if (_pacing.acking()) {
            _out->emit(v, message_id{id});
        } else {
            _out->emit(v);
        }
    }
    void ack(message_id id) override { _pacing.acked(id.id); }

  private:
    spout_pacing _pacing;
    spout_output_collector* _out = nullptr;
    std::array<values, sentences.size()> _sentences;
    std::size_t _next = 0;
};

// Emits (key, 1) with keys drawn from a Zipf distribution (zipf.h), seeded by the task id.
class zipf_spout final : public spout {
  public:
    explicit zipf_spout(const std::vector<value>& a)
        : _pacing(a), _zipf(arg_int(a, 3), arg_double(a, 4)) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"key", "value"}); }
    void open(const config&, const topology_context& ctx, spout_output_collector& out) override {
        _out = &out;
        _rng = splitmix64(0x5eed0000ULL + static_cast<std::uint64_t>(ctx.get_this_task_id()));
        _pacing.open(ctx);
    }
    void next_tuple() override {
        std::uint64_t id = 0;
        if (!_pacing.due(id)) {
            return;
        }
        _tuple.clear();
        _tuple.add(_zipf.draw(_rng));
        _tuple.add(std::int64_t{1});
        if (_pacing.acking()) {
            _out->emit(_tuple, message_id{id});
        } else {
            _out->emit(_tuple);
        }
    }
    void ack(message_id id) override { _pacing.acked(id.id); }

  private:
    spout_pacing _pacing;
    zipf_table _zipf;
    splitmix64 _rng{0};
    spout_output_collector* _out = nullptr;
    values _tuple;
};

// Does nothing with its input but ack it (with acking).
class null_bolt final : public bolt {
  public:
    explicit null_bolt(const std::vector<value>& a) : _acking(arg_bool(a, 0)) {}
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
    explicit identity_bolt(const std::vector<value>& a) : _acking(arg_bool(a, 0)) {}
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
    explicit split_bolt(const std::vector<value>& a) : _acking(arg_bool(a, 0)) {}
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

// Hashes std::string and std::string_view alike, so lookups by view allocate nothing.
// Deliberately not noexcept: libstdc++ keeps each node's hash code in the node only for a
// hasher that may throw or is not marked fast, as std::hash<std::string_view> is not; without
// the stored code, every step along a bucket's chain hashes the next node's key again.
struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Counts words in a hash map (looked up by string_view; a word allocates only when first seen).
class count_bolt final : public bolt {
  public:
    explicit count_bolt(const std::vector<value>& a) : _acking(arg_bool(a, 0)) {}
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

// Sums `value` per `key` (0..keys-1, fields grouping on key) in an array sized once.
class sum_bolt final : public bolt {
  public:
    explicit sum_bolt(const std::vector<value>& a)
        : _acking(arg_bool(a, 0)), _sums(static_cast<std::size_t>(arg_int(a, 1)), 0) {}
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context&, output_collector& out) override {
        _out = &out;
    }
    void execute(const tuple& input) override {
        const std::int64_t key = input.get_int(0);
        if (key >= 0 && static_cast<std::size_t>(key) < _sums.size()) {
            _sums[static_cast<std::size_t>(key)] += input.get_int(1);
        }
        if (_acking) {
            _out->ack(input);
        }
    }

  private:
    bool _acking;
    output_collector* _out = nullptr;
    std::vector<std::int64_t> _sums;
};

// A windowed bolt: the sum of `value` per key over a sliding window (the workload sets it: a count
// window of 1000 tuples sliding by 100), kept incrementally from each window's new and expired
// tuples, as a Storm user would write it. Emits one digest per window (its end, the window's
// total and the hottest key's sum); nothing subscribes, so the figure is the window's own cost.
class window_sum_bolt final : public windowed_bolt {
  public:
    explicit window_sum_bolt(const std::vector<value>& a)
        : _sums(static_cast<std::size_t>(arg_int(a, 1)), 0) {}
    void declare_output_fields(output_fields_declarer& d) override {
        d.declare({"end", "total", "hot"});
    }
    void prepare(const config&, const topology_context&, output_collector& out) override {
        _out = &out;
    }
    void execute(const tuple_window& w) override {
        for (const tuple* t : w.get_new()) {
            add(t->get_int(0), t->get_int(1));
        }
        for (const tuple* t : w.get_expired()) {
            add(t->get_int(0), -t->get_int(1));
        }
        _digest.clear();
        _digest.add(w.get_end_timestamp());
        _digest.add(_total);
        _digest.add(_sums.empty() ? 0 : _sums[0]);  // key 0 is the most frequent
        _out->emit(_digest);
    }

  private:
    void add(std::int64_t key, std::int64_t v) {
        if (key >= 0 && static_cast<std::size_t>(key) < _sums.size()) {
            _sums[static_cast<std::size_t>(key)] += v;
            _total += v;
        }
    }

    output_collector* _out = nullptr;
    std::vector<std::int64_t> _sums;
    std::int64_t _total = 0;
    values _digest;
};

}  // namespace

void register_bench_components(component_registry& r) {
    r.add_spout<const_spout>("bench.const_spout");
    r.add_spout<sentence_spout>("bench.sentence_spout");
    r.add_spout<zipf_spout>("bench.zipf_spout");
    r.add_bolt<null_bolt>("bench.null_bolt");
    r.add_bolt<identity_bolt>("bench.identity_bolt");
    r.add_bolt<split_bolt>("bench.split_bolt");
    r.add_bolt<count_bolt>("bench.count_bolt");
    r.add_bolt<sum_bolt>("bench.sum_bolt");
    r.add_bolt<window_sum_bolt>("bench.window_sum_bolt");
}

latency_board& latency_board::instance() {
    static latency_board board;
    return board;
}

void latency_board::add(const metric_histogram* h) {
    std::scoped_lock lock(_mu);
    _histograms.push_back(h);
}

void latency_board::clear() {
    std::scoped_lock lock(_mu);
    _histograms.clear();
}

metric_histogram::snapshot latency_board::merged() const {
    std::scoped_lock lock(_mu);
    metric_histogram::snapshot out;
    double sum = 0;
    out.min = std::numeric_limits<std::int64_t>::max();
    for (const metric_histogram* h : _histograms) {
        auto s = h->read();
        if (s.count == 0) {
            continue;
        }
        if (out.buckets.empty()) {
            out.buckets.assign(s.buckets.size(), 0);
        }
        for (std::size_t i = 0; i < s.buckets.size(); ++i) {
            out.buckets[i] += s.buckets[i];
        }
        out.count += s.count;
        sum += s.mean * static_cast<double>(s.count);
        out.min = std::min(out.min, s.min);
        out.max = std::max(out.max, s.max);
    }
    if (out.count == 0) {
        return metric_histogram::snapshot{};
    }
    out.mean = sum / static_cast<double>(out.count);
    return out;
}

}  // namespace tempest::bench
