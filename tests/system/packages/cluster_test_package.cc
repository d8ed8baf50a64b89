// SPDX-License-Identifier: Apache-2.0
// The package cluster_test drives a real cluster with: a word count over a finite input whose
// results and acks land in files the test reads, wherever the tasks run.
//
//   sentence_spout ──shuffle──▶ split ──fields(word)──▶ count
//   (message ids 0..N-1, each      (anchored        (writes <out>/counts-<task>.txt after
//    once; replays failures;        emits)           every update; acks)
//    appends acked ids to
//    <out>/acked-<task>.txt)
//
// Every task also writes its process id to <out>/<component>-<task>.pid when it starts, so the
// test can tell which worker process runs which task.
//
// Arguments (`--key value`): --name (default cluster-test), --workers (4), --out DIR (required),
// --repetitions R (20: N = R * 8 sentences), --acking 0|1 (1), --rate SENTENCES_PER_SEC (0 = as
// fast as the topology takes them), --message-timeout SECS (10), --max-pending N (50),
// --refuse-word WORD (count throws on that word; none by default), --errors N (0: each split
// task reports an error, "split task T error K", for its first N sentences).
//
// A restarted spout task reads its acked file and does not emit those ids again, so with acking
// every id is eventually acked once the topology runs (a count bolt restarted after a crash
// starts from zero; the test checks exact counts only in runs without failures).
#include "cluster_test_sentences.h"
#include "tempest/topology.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace {

using tempest::system_test::cluster_test_sentences;

// Writes `text` to `path` whole: a temporary file, then a rename over it.
void replace_file(const std::string& path, const std::string& text) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
    }
    std::rename(tmp.c_str(), path.c_str());
}

void write_pid_file(const std::string& out_dir, const tempest::topology_context& context) {
    replace_file(out_dir + "/" + context.get_this_component_id() + "-" +
                     std::to_string(context.get_this_task_id()) + ".pid",
                 std::to_string(::getpid()) + "\n");
}

// Emits message ids 0..repetitions*8-1 (sentence id % 8), each until it is acked.
class sentence_spout final : public tempest::spout {
  public:
    sentence_spout(int repetitions, std::string out_dir, double rate)
        : _total(static_cast<std::uint64_t>(repetitions) * cluster_test_sentences.size()),
          _out_dir(std::move(out_dir)),
          _rate(rate) {}
    ~sentence_spout() override {
        if (_acked_fd >= 0) {
            ::close(_acked_fd);
        }
    }

    void declare_output_fields(tempest::output_fields_declarer& d) override {
        d.declare({"sentence"});
    }
    void open(const tempest::config& /*conf*/, const tempest::topology_context& context,
              tempest::spout_output_collector& collector) override {
        _collector = &collector;
        write_pid_file(_out_dir, context);
        std::string acked_path =
            _out_dir + "/acked-" + std::to_string(context.get_this_task_id()) + ".txt";
        // A restarted task does not emit again what an earlier incarnation got acked.
        std::unordered_set<std::uint64_t> done;
        std::ifstream in(acked_path);
        for (std::uint64_t id; in >> id;) {
            done.insert(id);
        }
        for (std::uint64_t id = 0; id < _total; ++id) {
            if (!done.contains(id)) {
                _queue.push_back(id);
            }
        }
        _acked_fd = ::open(acked_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        _next_emit = clock::now();
    }
    void next_tuple() override {
        if (_queue.empty()) {
            return;
        }
        if (_rate > 0) {
            auto now = clock::now();
            if (now < _next_emit) {
                return;
            }
            _next_emit += std::chrono::duration_cast<clock::duration>(
                std::chrono::duration<double>(1.0 / _rate));
            if (_next_emit < now) {
                _next_emit = now;  // no burst after a stall
            }
        }
        std::uint64_t id = _queue.front();
        _queue.pop_front();
        _collector->emit(
            tempest::values{cluster_test_sentences[id % cluster_test_sentences.size()]},
            tempest::message_id{id});
    }
    void ack(tempest::message_id id) override {
        if (_acked_fd >= 0) {
            std::string line = std::to_string(id.id) + "\n";
            // One short O_APPEND write per id: a reader never sees half a line.
            (void)!::write(_acked_fd, line.data(), line.size());
        }
    }
    void fail(tempest::message_id id) override { _queue.push_back(id.id); }

  private:
    using clock = std::chrono::steady_clock;

    std::uint64_t _total;
    std::string _out_dir;
    double _rate;
    tempest::spout_output_collector* _collector = nullptr;
    std::deque<std::uint64_t> _queue;  // ids waiting to be (re)emitted
    int _acked_fd = -1;
    clock::time_point _next_emit;
};

class split_bolt final : public tempest::bolt {
  public:
    split_bolt(std::string out_dir, int errors) : _out_dir(std::move(out_dir)), _errors(errors) {}

    void declare_output_fields(tempest::output_fields_declarer& d) override { d.declare({"word"}); }
    void prepare(const tempest::config& /*conf*/, const tempest::topology_context& context,
                 tempest::output_collector& collector) override {
        _collector = &collector;
        _task = context.get_this_task_id();
        write_pid_file(_out_dir, context);
    }
    void execute(const tempest::tuple& input) override {
        if (_reported < _errors) {
            ++_reported;
            _collector->report_error("split task " + std::to_string(_task) + " error " +
                                     std::to_string(_reported));
        }
        std::string_view s = input.get_string(0);
        while (!s.empty()) {
            std::size_t end = s.find(' ');
            std::string_view word = s.substr(0, end);
            if (!word.empty()) {
                _collector->emit(input, tempest::values{word});
            }
            if (end == std::string_view::npos) {
                break;
            }
            s.remove_prefix(end + 1);
        }
        _collector->ack(input);
    }

  private:
    std::string _out_dir;
    int _errors = 0;
    int _reported = 0;
    int _task = 0;
    tempest::output_collector* _collector = nullptr;
};

// Counts words and rewrites <out>/counts-<task>.txt ("word count" lines) before acking each one,
// so an acked word is a counted and recorded word. A word equal to `refused` (when not empty)
// makes execute() throw instead: an error out of user code, for the error reporting tests.
class count_bolt final : public tempest::bolt {
  public:
    count_bolt(std::string out_dir, std::string refused)
        : _out_dir(std::move(out_dir)), _refused(std::move(refused)) {}

    void declare_output_fields(tempest::output_fields_declarer& /*d*/) override {}
    void prepare(const tempest::config& /*conf*/, const tempest::topology_context& context,
                 tempest::output_collector& collector) override {
        _collector = &collector;
        _path = _out_dir + "/counts-" + std::to_string(context.get_this_task_id()) + ".txt";
        write_pid_file(_out_dir, context);
    }
    void execute(const tempest::tuple& input) override {
        if (input.get_source_stream_id() != "__tick") {
            if (!_refused.empty() && input.get_string(0) == _refused) {
                throw std::runtime_error("count refuses the word '" + _refused + "'");
            }
            ++_counts[std::string(input.get_string(0))];
            std::string text;
            for (const auto& [word, n] : _counts) {
                text += word + " " + std::to_string(n) + "\n";
            }
            replace_file(_path, text);
        }
        _collector->ack(input);
    }

  private:
    std::string _out_dir;
    std::string _refused;
    std::string _path;
    tempest::output_collector* _collector = nullptr;
    std::map<std::string, std::int64_t> _counts;
};

}  // namespace

TEMPEST_PACKAGE()

extern "C" __attribute__((visibility("default"))) void tempest_register(
    tempest::component_registry& registry) {
    registry.add_spout_with<sentence_spout, int, std::string, double>(
        "cluster_test.sentence_spout");
    registry.add_bolt_with<split_bolt, std::string, int>("cluster_test.split");
    registry.add_bolt_with<count_bolt, std::string, std::string>("cluster_test.count");
}

extern "C" __attribute__((visibility("default"))) int tempest_main(int argc, char** argv,
                                                                   tempest::submitter& submitter) {
    std::map<std::string, std::string> opts = {
        {"name", "cluster-test"},  {"workers", "4"},      {"out", ""},
        {"repetitions", "20"},     {"acking", "1"},       {"rate", "0"},
        {"message-timeout", "10"}, {"max-pending", "50"}, {"refuse-word", ""},
        {"errors", "0"},
    };
    int i = (argc > 0 && std::string_view(argv[0]).substr(0, 2) != "--") ? 1 : 0;
    for (; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (!arg.starts_with("--") || !opts.contains(std::string(arg.substr(2))) || i + 1 >= argc) {
            std::fprintf(stderr, "cluster_test: bad argument '%s'\n", argv[i]);
            return 2;
        }
        opts[std::string(arg.substr(2))] = argv[++i];
    }
    if (opts["out"].empty()) {
        std::fprintf(stderr, "cluster_test: --out DIR is required\n");
        return 2;
    }

    tempest_register(tempest::component_registry::instance());
    tempest::topology_builder b;
    b.set_spout(
        "sentences", "cluster_test.sentence_spout",
        {std::atoi(opts["repetitions"].c_str()), opts["out"], std::atof(opts["rate"].c_str())}, 1);
    b.set_bolt("split", "cluster_test.split", {opts["out"], std::atoi(opts["errors"].c_str())}, 4)
        .shuffle_grouping("sentences");
    b.set_bolt("count", "cluster_test.count", {opts["out"], opts["refuse-word"]}, 4)
        .fields_grouping("split", {"word"});

    tempest::config conf;
    conf.set_num_workers(std::atoi(opts["workers"].c_str()));
    if (opts["acking"] == "0") {
        conf.set_num_ackers(0);
    }
    conf.set_message_timeout_secs(std::atoi(opts["message-timeout"].c_str()));
    conf.set_max_spout_pending(std::atoi(opts["max-pending"].c_str()));
    try {
        submitter.submit_topology(opts["name"], conf, b.create_topology());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cluster_test: cannot submit topology '%s': %s\n",
                     opts["name"].c_str(), e.what());
        return 1;
    }
    std::printf("cluster_test: submitted topology '%s'\n", opts["name"].c_str());
    std::fflush(stdout);
    return 0;
}
