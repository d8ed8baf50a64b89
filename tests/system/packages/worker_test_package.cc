// SPDX-License-Identifier: Apache-2.0
// The package worker_process_test runs `tempest worker` processes with: an endless, paced stream
// of numbers whose delivery, and the spout's activation, land in files the test reads.
//
//   numbers ──shuffle──▶ sink
//   (emits 0, 1, 2, ...    (appends "<pid> <n>" to <out>/sink-<task>.txt for every tuple)
//    at --rate per second;
//    appends "activate <emitted>" / "deactivate <emitted>" to <out>/numbers-<task>.events)
//
// Arguments (`--key value`): --name (default worker-test), --out DIR (required), --rate
// NUMBERS_PER_SEC (200), --sinks N (2: sink tasks, one executor each). No ackers, one worker
// per executor at most (the test writes the assignments).
#include "tempest/topology.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

namespace {

// One short O_APPEND write per line: a reader never sees half a line, and a line written is in
// the file even if the process is killed right after.
class append_file {
  public:
    append_file() = default;
    explicit append_file(const std::string& path)
        : _fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {}
    ~append_file() {
        if (_fd >= 0) {
            ::close(_fd);
        }
    }
    append_file(const append_file&) = delete;
    append_file& operator=(const append_file&) = delete;
    append_file& operator=(append_file&& o) noexcept {
        std::swap(_fd, o._fd);
        return *this;
    }

    void line(const std::string& text) const {
        if (_fd >= 0) {
            std::string l = text + "\n";
            (void)!::write(_fd, l.data(), l.size());
        }
    }

  private:
    int _fd = -1;
};

class numbers_spout final : public tempest::spout {
  public:
    numbers_spout(std::string out_dir, double rate) : _out_dir(std::move(out_dir)), _rate(rate) {}

    void declare_output_fields(tempest::output_fields_declarer& d) override { d.declare({"n"}); }
    void open(const tempest::config& /*conf*/, const tempest::topology_context& context,
              tempest::spout_output_collector& collector) override {
        _collector = &collector;
        _events = append_file(_out_dir + "/numbers-" + std::to_string(context.get_this_task_id()) +
                              ".events");
        _next_emit = clock::now();
    }
    void activate() override { _events.line("activate " + std::to_string(_emitted)); }
    void deactivate() override { _events.line("deactivate " + std::to_string(_emitted)); }
    void next_tuple() override {
        auto now = clock::now();
        if (now < _next_emit) {
            return;
        }
        _next_emit +=
            std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / _rate));
        if (_next_emit < now) {
            _next_emit = now;  // no burst after a stall
        }
        _collector->emit(tempest::values{static_cast<std::int64_t>(_emitted)});
        ++_emitted;
    }

  private:
    using clock = std::chrono::steady_clock;

    std::string _out_dir;
    double _rate;
    tempest::spout_output_collector* _collector = nullptr;
    append_file _events;
    std::uint64_t _emitted = 0;
    clock::time_point _next_emit;
};

class sink_bolt final : public tempest::bolt {
  public:
    explicit sink_bolt(std::string out_dir) : _out_dir(std::move(out_dir)) {}

    void declare_output_fields(tempest::output_fields_declarer& /*d*/) override {}
    void prepare(const tempest::config& /*conf*/, const tempest::topology_context& context,
                 tempest::output_collector& /*collector*/) override {
        _file =
            append_file(_out_dir + "/sink-" + std::to_string(context.get_this_task_id()) + ".txt");
        _prefix = std::to_string(::getpid()) + " ";
    }
    void execute(const tempest::tuple& input) override {
        _file.line(_prefix + std::to_string(input.get_int(0)));
    }

  private:
    std::string _out_dir;
    std::string _prefix;
    append_file _file;
};

}  // namespace

TEMPEST_PACKAGE()

extern "C" __attribute__((visibility("default"))) void tempest_register(
    tempest::component_registry& registry) {
    registry.add_spout_with<numbers_spout, std::string, double>("worker_test.numbers");
    registry.add_bolt_with<sink_bolt, std::string>("worker_test.sink");
}

extern "C" __attribute__((visibility("default"))) int tempest_main(int argc, char** argv,
                                                                   tempest::submitter& submitter) {
    std::map<std::string, std::string> opts = {
        {"name", "worker-test"}, {"out", ""}, {"rate", "200"}, {"sinks", "2"}};
    int i = (argc > 0 && std::string_view(argv[0]).substr(0, 2) != "--") ? 1 : 0;
    for (; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (!arg.starts_with("--") || !opts.contains(std::string(arg.substr(2))) || i + 1 >= argc) {
            std::fprintf(stderr, "worker_test: bad argument '%s'\n", argv[i]);
            return 2;
        }
        opts[std::string(arg.substr(2))] = argv[++i];
    }
    if (opts["out"].empty()) {
        std::fprintf(stderr, "worker_test: --out DIR is required\n");
        return 2;
    }
    double rate = std::atof(opts["rate"].c_str());
    int sinks = std::atoi(opts["sinks"].c_str());
    if (rate <= 0 || sinks < 1) {
        std::fprintf(stderr, "worker_test: --rate must be > 0 and --sinks >= 1\n");
        return 2;
    }

    tempest_register(tempest::component_registry::instance());
    tempest::topology_builder b;
    b.set_spout("numbers", "worker_test.numbers", {opts["out"], rate}, 1);
    b.set_bolt("sink", "worker_test.sink", {opts["out"]}, sinks).shuffle_grouping("numbers");

    tempest::config conf;
    conf.set_num_ackers(0);
    try {
        submitter.submit_topology(opts["name"], conf, b.create_topology());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "worker_test: cannot submit topology '%s': %s\n", opts["name"].c_str(),
                     e.what());
        return 1;
    }
    return 0;
}
