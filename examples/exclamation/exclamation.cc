// SPDX-License-Identifier: Apache-2.0
// exclamation: Storm's classic first topology, as a Tempest package.
//
//   word_spout ──local_or_shuffle──▶ exclaim1 ──local_or_shuffle──▶ exclaim2 ──all──▶ sampler ×2
//   ("nathan", "mike", ...)         (+"!!!")                        (+"!!!")          (every task
//                                                                                      sees every
//                                                                                      word)
//
// Unreliable: the spout emits without message ids. The sampler tasks each print a sample of what
// they receive every few seconds and a total in cleanup(). Every component runs on its executor's
// thread; one instance serves one task.
#include "../common/example_args.h"
#include "tempest/topology.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace {

constexpr std::array<std::string_view, 5> k_words = {"nathan", "mike", "jackson", "golda",
                                                     "bertels"};

// Emits the words above in a loop, one per next_tuple().
class word_spout final : public tempest::spout {
  public:
    void declare_output_fields(tempest::output_fields_declarer& d) override { d.declare({"word"}); }
    void open(const tempest::config& /*conf*/, const tempest::topology_context& /*context*/,
              tempest::spout_output_collector& collector) override {
        _collector = &collector;
    }
    void next_tuple() override {
        _collector->emit(tempest::values{k_words[_next]});
        _next = (_next + 1) % k_words.size();
    }

  private:
    tempest::spout_output_collector* _collector = nullptr;
    std::size_t _next = 0;
};

// Appends "!!!" to the word.
class exclaim_bolt final : public tempest::basic_bolt {
  public:
    void declare_output_fields(tempest::output_fields_declarer& d) override { d.declare({"word"}); }
    void execute(const tempest::tuple& input, tempest::basic_output_collector& out) override {
        _buffer.assign(input.get_string(0));
        _buffer += "!!!";
        out.emit(tempest::values{_buffer});
    }

  private:
    std::string _buffer;  // reused so that the hot path does not allocate
};

// Receives every exclaimed word (all grouping) and prints one of them, with its task's count,
// every `interval_secs`; prints the task's total in cleanup().
class sampler final : public tempest::basic_bolt {
  public:
    explicit sampler(double interval_secs) : _interval(interval_secs) {}

    void declare_output_fields(tempest::output_fields_declarer& /*d*/) override {}
    void prepare(const tempest::config& /*conf*/,
                 const tempest::topology_context& context) override {
        _task = context.get_this_task_id();
        _last = clock::now();
    }
    void execute(const tempest::tuple& input, tempest::basic_output_collector& /*out*/) override {
        ++_received;
        auto now = clock::now();
        if (std::chrono::duration<double>(now - _last).count() >= _interval) {
            std::string_view word = input.get_string(0);
            std::printf("exclamation: sampler task %d has received %llu words; latest: %.*s\n",
                        _task, static_cast<unsigned long long>(_received),
                        static_cast<int>(word.size()), word.data());
            std::fflush(stdout);
            _last = now;
        }
    }
    void cleanup() override {
        std::printf("exclamation: sampler task %d received %llu words in total\n", _task,
                    static_cast<unsigned long long>(_received));
        std::fflush(stdout);
    }

  private:
    using clock = std::chrono::steady_clock;
    double _interval;
    int _task = 0;
    std::uint64_t _received = 0;
    clock::time_point _last;
};

}  // namespace

TEMPEST_PACKAGE()

extern "C" __attribute__((visibility("default"))) void tempest_register(
    tempest::component_registry& registry) {
    registry.add_spout<word_spout>("exclamation.word_spout");
    registry.add_bolt<exclaim_bolt>("exclamation.exclaim_bolt");
    registry.add_bolt_with<sampler, double>("exclamation.sampler");
}

extern "C" __attribute__((visibility("default"))) int tempest_main(int argc, char** argv,
                                                                   tempest::submitter& submitter) {
    std::string name = "exclamation";
    int workers = 1;
    double duration = 0;
    int samplers = 2;
    double sample_secs = 2.0;
    tempest::examples::arg_parser args("exclamation");
    args.add_string("name", &name, "topology name (default exclamation)");
    args.add_int("workers", &workers, 1, 1024, "worker processes (default 1)");
    args.add_double("duration", &duration, 0, 1e9,
                    "local mode: stop after this many seconds (default: until Ctrl-C)");
    args.add_int("samplers", &samplers, 1, 64, "tasks of the all-grouping sampler (default 2)");
    args.add_double("sample-secs", &sample_secs, 0.1, 3600,
                    "seconds between samples per sampler task (default 2)");
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
    b.set_spout("word", "exclamation.word_spout", {}, 2);
    b.set_bolt("exclaim1", "exclamation.exclaim_bolt", {}, 3).local_or_shuffle_grouping("word");
    b.set_bolt("exclaim2", "exclamation.exclaim_bolt", {}, 2).local_or_shuffle_grouping("exclaim1");
    b.set_bolt("sampler", "exclamation.sampler", {sample_secs}, samplers).all_grouping("exclaim2");

    tempest::config conf;
    if (duration > 0) {
        // Asks `tempest local` to end the run, as a Storm main sleeps and then kills.
        conf.set("topology.local.duration.secs", duration);
    }
    conf.set_num_workers(workers);
    try {
        submitter.submit_topology(name, conf, b.create_topology());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "exclamation: cannot submit topology '%s': %s\n", name.c_str(),
                     e.what());
        return 1;
    }
    std::printf("exclamation: submitted topology '%s'\n", name.c_str());
    std::fflush(stdout);
    return 0;
}
