// SPDX-License-Identifier: Apache-2.0
// Cluster tests of backpressure: a spout that emits as fast as it is allowed feeds a bolt that is
// deliberately slow. Every tuple must be executed, and memory must stay bounded, i.e. the
// runtime slows the spout down instead of queueing without limit. With acking and no
// topology.max.spout.pending, backpressure alone bounds the spout, and the spout <-> acker cycle
// (spout to acker: ack_init; acker to spout: ack_done) must not deadlock when both directions
// are full.
#include "cluster_test.h"
#include "tempest/common/process_usage.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace tempest::cluster_tests {
namespace {

using clock = std::chrono::steady_clock;

#if defined(__SANITIZE_ADDRESS__)
// ASan keeps freed blocks in quarantine (up to 256 MiB), so resident memory then measures the
// allocator's churn rather than what the runtime holds: the other builds check the bound.
constexpr bool k_check_memory = false;
#else
constexpr bool k_check_memory = true;
#endif

std::atomic<std::int64_t> g_emitted{0};
std::atomic<std::int64_t> g_executed{0};

// Emits (n) for n = 0..total-1, up to 256 per next_tuple(), unanchored; then idles.
class flood_spout final : public spout {
  public:
    explicit flood_spout(std::int64_t total) : _total(total) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const config&, const topology_context&, spout_output_collector& c) override {
        _out = &c;
    }
    void next_tuple() override {
        for (int i = 0; i < 256 && _next < _total; ++i) {
            _out->emit(values{_next++});
            g_emitted.fetch_add(1, std::memory_order_relaxed);
        }
    }

  private:
    std::int64_t _total;
    std::int64_t _next = 0;
    spout_output_collector* _out = nullptr;
};

// Spins about `spin_ns` nanoseconds per tuple.
class slow_bolt final : public basic_bolt {
  public:
    explicit slow_bolt(std::int64_t spin_ns) : _spin(spin_ns) {}
    void declare_output_fields(output_fields_declarer&) override {}
    void execute(const tuple&, basic_output_collector&) override {
        auto until = clock::now() + _spin;
        while (clock::now() < until) {
        }
        g_executed.fetch_add(1, std::memory_order_relaxed);
    }

  private:
    std::chrono::nanoseconds _spin;
};

// Spins about `d`.
void spin(std::chrono::nanoseconds d) {
    auto until = clock::now() + d;
    while (clock::now() < until) {
    }
}

// The reliable spout's ledger: acks and fails per message id.
struct ledger {
    static inline std::mutex mu;
    static inline std::vector<int> acks;
    static inline std::int64_t acked = 0;  // acks of distinct ids
    static inline std::int64_t fails = 0;

    static void reset(std::int64_t total) {
        std::scoped_lock lock(mu);
        acks.assign(static_cast<std::size_t>(total), 0);
        acked = 0;
        fails = 0;
    }
    static std::int64_t distinct_acked() {
        std::scoped_lock lock(mu);
        return acked;
    }
};

// Emits (n) with message id n for n = 0..total-1, as fast as it may, and replays failures. Its
// ack() is slower than the bolt, so ack_done messages back up in the acker's ring to it.
class reliable_flood_spout final : public spout {
  public:
    reliable_flood_spout(std::int64_t total, std::int64_t ack_spin_ns)
        : _total(total), _ack_spin(ack_spin_ns) {}
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const config&, const topology_context&, spout_output_collector& c) override {
        _out = &c;
    }
    void next_tuple() override {
        std::int64_t n = 0;
        if (!_replay.empty()) {
            n = _replay.back();
            _replay.pop_back();
        } else if (_next < _total) {
            n = _next++;
        } else {
            return;
        }
        _out->emit(values{n}, message_id{static_cast<std::uint64_t>(n)});
        g_emitted.fetch_add(1, std::memory_order_relaxed);
    }
    void ack(message_id id) override {
        spin(_ack_spin);
        std::scoped_lock lock(ledger::mu);
        if (++ledger::acks[id.id] == 1) {
            ++ledger::acked;
        }
    }
    void fail(message_id id) override {
        _replay.push_back(static_cast<std::int64_t>(id.id));
        std::scoped_lock lock(ledger::mu);
        ++ledger::fails;
    }

  private:
    std::int64_t _total;
    std::chrono::nanoseconds _ack_spin;
    std::int64_t _next = 0;
    std::vector<std::int64_t> _replay;
    spout_output_collector* _out = nullptr;
};

class backpressure_test : public cluster_test {};

TEST_F(backpressure_test, the_spout_acker_cycle_with_full_queues_and_no_pending_limit_acks_all) {
    // Rings of 4 slots; the spout takes 100 us per ack and the bolt no time per tuple. Acks come
    // back faster than the spout takes them, so the acker's ring to the spout fills and the
    // acker overflows and stops reading; then the spout's ring to the acker (ack_init) and the
    // bolt's (acks) fill behind it, the bolt stops reading and the spout's ring to the bolt
    // fills too. With no pending limit the spout emits whenever its output has room, so the
    // cycle stays full; only the spout reading acks while it is backpressured keeps it turning.
    constexpr std::int64_t total = 3'000;
    // Whether the acker or the bolt overflows inside the cycle depends on the threads' schedule:
    // the spout emits up to 8 per pass (producer batch 8) into a bolt that keeps its ring
    // empty, so more trees are in flight than the acker's ring holds ack_done packs, but a pass
    // may still end before it emitted enough. With a bolt of 5 us per tuple and batches of 4
    // (before session 15) an idle machine showed no overflow in five runs in half the tests; now
    // the first run shows it in nearly every test (the second in a few, with three such tests
    // sharing two cores). Every run must ack everything; the overflow inside the cycle must show
    // in one of up to eight runs.
    constexpr int attempts = 8;
    bool cycle_overflowed = false;
    for (int attempt = 1; attempt <= attempts && !cycle_overflowed; ++attempt) {
        SCOPED_TRACE("run " + std::to_string(attempt));
        g_emitted = 0;
        g_executed = 0;
        ledger::reset(total);
        topology_builder b(registry());
        b.set_spout<reliable_flood_spout>("flood", 1, total, std::int64_t{100'000});
        b.set_bolt<slow_bolt>("slow", 1, std::int64_t{0}).shuffle_grouping("flood");
        config conf;
        conf.set_num_ackers(1);
        conf.set(config::topology_executor_receive_buffer_size, 4);
        conf.set(config::topology_producer_batch_size, 8);
        // No topology.max.spout.pending: nothing but backpressure holds the spout back.
        const std::string name = "cycle-" + std::to_string(attempt);
        cluster().submit_topology(name, conf, b.create_topology());

        bool done = wait_until([] { return ledger::distinct_acked() == total; }, 60s);
        cluster().kill_topology(name);
        auto totals = cluster().totals(name);

        std::map<std::string, std::uint64_t> backpressured_ns;
        for (const auto& e : totals) {
            backpressured_ns[e.component] += e.backpressure_ns;
            RecordProperty(name + "_" + e.component + "_backpressured_ms",
                           std::to_string(e.backpressure_ns / 1'000'000));
        }
        std::scoped_lock lock(ledger::mu);
        ASSERT_TRUE(done) << ledger::acked << " of " << total << " messages acked ("
                          << g_emitted.load() << " emitted, " << g_executed.load() << " executed, "
                          << ledger::fails << " failed)";
        for (std::int64_t n = 0; n < total; ++n) {
            ASSERT_EQ(ledger::acks[static_cast<std::size_t>(n)], 1) << "message " << n;
        }
        EXPECT_EQ(ledger::fails, 0) << "messages timed out although every queue is bounded";
        // The pause path ran at the spout, and (in this run or a later one) inside the cycle
        // behind it: the acker's output or the bolt's.
        EXPECT_GT(backpressured_ns["flood"], 0u) << "the spout's output never overflowed";
        cycle_overflowed = backpressured_ns["__acker"] + backpressured_ns["slow"] > 0;
    }
    EXPECT_TRUE(cycle_overflowed) << "in " << attempts
                                  << " runs neither the acker's output nor the bolt's overflowed";
}

TEST_F(backpressure_test, slow_bolt_slows_the_spout_without_losing_tuples_or_growing_memory) {
    constexpr std::int64_t total = 2'000'000;
    constexpr std::uint64_t allowed_growth = 64ull << 20;
    g_emitted = 0;
    g_executed = 0;
    auto before = common::read_process_usage().value();

    topology_builder b(registry());
    b.set_spout<flood_spout>("flood", 1, total);
    b.set_bolt<slow_bolt>("slow", 1, std::int64_t{1000}).shuffle_grouping("flood");
    auto start = clock::now();
    cluster().submit_topology("backpressure", {}, b.create_topology());

    std::uint64_t max_rss = before.rss_bytes;
    std::int64_t max_backlog = 0;
    bool done = wait_until(
        [&] {
            max_rss = std::max(max_rss, common::read_process_usage().value().rss_bytes);
            max_backlog = std::max(max_backlog, g_emitted.load() - g_executed.load());
            return g_executed.load() >= total;
        },
        30s);
    std::chrono::duration<double> took = clock::now() - start;
    cluster().kill_topology("backpressure");
    auto after = common::read_process_usage().value();
    RecordProperty("seconds", std::to_string(took.count()));
    RecordProperty("max_backlog", std::to_string(max_backlog));

    EXPECT_TRUE(done) << g_executed.load() << " of " << total << " executed within 30 s";
    EXPECT_EQ(g_emitted.load(), total);
    EXPECT_EQ(g_executed.load(), total) << "tuples were lost or duplicated";
    std::uint64_t peak = std::max(max_rss, after.peak_rss_bytes);
    RecordProperty("rss_growth_mib", std::to_string((peak - before.rss_bytes) >> 20));
    if (!k_check_memory) {
        return;
    }
    EXPECT_LE(peak - before.rss_bytes, allowed_growth)
        << "resident memory grew by " << ((peak - before.rss_bytes) >> 20) << " MiB; max backlog "
        << max_backlog << " tuples";
}

}  // namespace
}  // namespace tempest::cluster_tests
