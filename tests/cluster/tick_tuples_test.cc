// SPDX-License-Identifier: Apache-2.0
// Cluster test of tick tuples (topology.tick.tuple.freq.secs): a bolt receives one on the
// __tick stream of __system every period, set for the whole topology or per component, and
// none when the key is unset. Rates are bounded loosely on both sides so that a loaded machine
// passes: ticks are scheduled one period after the previous one ran, so no two come closer
// than a period (an upper bound on the count that load cannot break), and a deadline bounds how
// slowly they may come.
#include "cluster_test.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace tempest::cluster_tests {
namespace {

using clock = std::chrono::steady_clock;

struct tick_seen {
    clock::time_point at;
    std::string component;
    std::string stream;
    std::int64_t freq = 0;  // the tick's one value
};

// Ticks and other tuples the bolts saw, by bolt component. Written by executor threads.
struct ledger {
    static inline std::mutex mu;
    static inline std::map<std::string, std::vector<tick_seen>> ticks;
    static inline std::map<std::string, std::int64_t> others;

    static void reset() {
        std::scoped_lock lock(mu);
        ticks.clear();
        others.clear();
    }
    static std::size_t count(const std::string& bolt) {
        std::scoped_lock lock(mu);
        auto it = ticks.find(bolt);
        return it == ticks.end() ? 0 : it->second.size();
    }
};

// Emits (n) about every millisecond (the spout waits between calls that emit nothing), so that
// the bolts also have ordinary input to tell apart from ticks.
class trickle_spout final : public spout {
  public:
    void declare_output_fields(output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const config&, const topology_context&, spout_output_collector& c) override {
        _out = &c;
    }
    void next_tuple() override {
        auto now = clock::now();
        if (now < _next) {
            return;
        }
        _next = now + 1ms;
        _out->emit(values{_n++});
    }

  private:
    spout_output_collector* _out = nullptr;
    clock::time_point _next{};
    std::int64_t _n = 0;
};

class tick_recorder final : public basic_bolt {
  public:
    void declare_output_fields(output_fields_declarer&) override {}
    void prepare(const config&, const topology_context& ctx) override {
        _me = ctx.get_this_component_id();
    }
    void execute(const tuple& in, basic_output_collector&) override {
        std::scoped_lock lock(ledger::mu);
        if (in.get_source_stream_id() == "__tick") {
            ledger::ticks[_me].push_back({clock::now(), in.get_source_component(),
                                          in.get_source_stream_id(), in.get_int(0)});
        } else {
            ++ledger::others[_me];
        }
    }

  private:
    std::string _me;
};

class tick_tuples_test : public cluster_test {
  protected:
    void SetUp() override { ledger::reset(); }
};

TEST_F(tick_tuples_test, bolts_get_ticks_at_their_period_and_none_without_the_key) {
    // "ticked": topology-wide period 2 s, "fast" overrides it with 1 s in its component config;
    // "plain", in a second topology without the key, gets no ticks.
    topology_builder with(registry());
    with.set_spout<trickle_spout>("spout", 1);
    with.set_bolt<tick_recorder>("ticked", 1).shuffle_grouping("spout");
    with.set_bolt<tick_recorder>("fast", 1).shuffle_grouping("spout").add_configuration(
        config::topology_tick_tuple_freq_secs, 1);
    config conf;
    conf.set(config::topology_tick_tuple_freq_secs, 2);
    topology_builder without(registry());
    without.set_spout<trickle_spout>("spout", 1);
    without.set_bolt<tick_recorder>("plain", 1).shuffle_grouping("spout");

    auto start = clock::now();
    cluster().submit_topology("ticks", conf, with.create_topology());
    cluster().submit_topology("no-ticks", {}, without.create_topology());
    // Five periods of "fast" and three of "ticked" take about 6 s; 20 s is the loose bound on
    // the slow side.
    bool enough =
        wait_until([] { return ledger::count("fast") >= 5 && ledger::count("ticked") >= 3; }, 20s);
    cluster().kill_topology("ticks");
    cluster().kill_topology("no-ticks");
    double window = std::chrono::duration<double>(clock::now() - start).count();
    RecordProperty("window_seconds", std::to_string(window));

    std::scoped_lock lock(ledger::mu);
    ASSERT_TRUE(enough) << "in " << window << " s: " << ledger::ticks["fast"].size()
                        << " ticks at 1 s, " << ledger::ticks["ticked"].size() << " at 2 s";
    for (auto [bolt, period] : {std::pair{"fast", 1}, std::pair{"ticked", 2}}) {
        const auto& seen = ledger::ticks[bolt];
        // The first comes a period after the start and each next one a period after the one
        // before: never more than window / period of them.
        EXPECT_LE(static_cast<double>(seen.size()), window / period)
            << bolt << ": " << seen.size() << " ticks in " << window << " s at " << period << " s";
        for (std::size_t i = 0; i < seen.size(); ++i) {
            EXPECT_EQ(seen[i].component, "__system");
            EXPECT_EQ(seen[i].stream, "__tick");
            EXPECT_EQ(seen[i].freq, period) << bolt << " tick " << i;
            if (i > 0) {
                // Each is timed when it runs, so a late-running one narrows the next gap by its
                // lateness: bounded at half a period, not at one.
                double gap = std::chrono::duration<double>(seen[i].at - seen[i - 1].at).count();
                EXPECT_GE(gap, 0.5 * period) << bolt << ": ticks " << i - 1 << " and " << i;
            }
        }
        EXPECT_GT(ledger::others[bolt], 0) << bolt << " got no ordinary tuples";
    }
    EXPECT_EQ(ledger::ticks["plain"].size(), 0u) << "a bolt without the key got ticks";
    EXPECT_GT(ledger::others["plain"], 0) << "the topology without ticks did not run";
}

}  // namespace
}  // namespace tempest::cluster_tests
