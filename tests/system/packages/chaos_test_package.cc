// SPDX-License-Identifier: Apache-2.0
// The package chaos_test: a reliable topology for the chaos suite (tests/system/chaos_*). Its
// source is a file that only grows, as a log (Kafka-like): line k holds the message id k. The
// driver appends lines at a steady rate; the topology must process every one at least once,
// whatever is killed meanwhile.
//
//   source_spout ──shuffle──▶ relay ──fields(id)──▶ ledger
//   (reads <dir>/source.txt      (anchored      (appends "id\n" to <dir>/ledger-<task>.txt,
//    from its checkpoint;         re-emit;       one O_APPEND write per id, then acks)
//    replays failed ids;          optional
//    checkpoints its position;    busy work)
//    appends acked ids to
//    <dir>/acked-<task>.txt)
//
// The spout's checkpoint (<dir>/checkpoint-<task>.txt, "ID OFFSET": the first id not yet acked
// and the byte offset of its line) is rewritten (temporary file + rename) at most every 100 ms
// when it moved. A restarted spout task resumes reading there, so every id an earlier
// incarnation emitted but did not see acked is emitted again: nothing is lost, and ids acked
// beyond the first unacked one are processed twice (duplicates, which the ledger checker
// counts). No fsync anywhere: the faults are process kills, and the page cache survives them.
//
// Arguments (`--key value`): --name (default chaos), --dir DIR (required), --workers (3),
// --relays (4), --ledgers (2), --max-pending (200), --message-timeout SECS (10), --burn-us N (0:
// each relay execute spins N microseconds, to load the CPU).
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
#include <string>
#include <string_view>
#include <utility>

namespace {

using clock_type = std::chrono::steady_clock;

// Writes `text` to `path` whole: a temporary file, then a rename over it.
void replace_file(const std::string& path, const std::string& text) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
        if (!out) {
            return;  // a full disk: the old checkpoint stays, which is safe (it is behind)
        }
    }
    std::rename(tmp.c_str(), path.c_str());
}

// Appends `line` (ending in '\n') with one write: O_APPEND makes it land whole after whatever
// other writers appended, and a process killed after write() returned has it in the page cache.
void append_line(int fd, const std::string& line) {
    (void)!::write(fd, line.data(), line.size());  // a failed append is a missing id: checked
}

class source_spout final : public tempest::spout {
  public:
    explicit source_spout(std::string dir) : _dir(std::move(dir)) {}
    ~source_spout() override {
        if (_acked_fd >= 0) {
            ::close(_acked_fd);
        }
        if (_source != nullptr) {
            std::fclose(_source);
        }
    }

    void declare_output_fields(tempest::output_fields_declarer& d) override { d.declare({"id"}); }

    void open(const tempest::config& /*conf*/, const tempest::topology_context& context,
              tempest::spout_output_collector& collector) override {
        _collector = &collector;
        std::string task = std::to_string(context.get_this_task_id());
        _checkpoint_path = _dir + "/checkpoint-" + task + ".txt";
        std::ifstream in(_checkpoint_path);
        if (!(in >> _next_id >> _offset)) {
            _next_id = 0;
            _offset = 0;
        }
        _saved = {_next_id, _offset};
        _acked_fd = ::open((_dir + "/acked-" + task + ".txt").c_str(),
                           O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        std::fprintf(stderr, "chaos source_spout task %s resumes at id %llu offset %llu\n",
                     task.c_str(), static_cast<unsigned long long>(_next_id),
                     static_cast<unsigned long long>(_offset));
    }

    void next_tuple() override {
        save_checkpoint();
        if (!_replay.empty()) {
            std::uint64_t id = _replay.front();
            _replay.pop_front();
            emit(id);
            return;
        }
        std::uint64_t start = _offset;
        std::string line;
        if (!read_line(line)) {
            return;
        }
        char* end = nullptr;
        unsigned long long id = std::strtoull(line.c_str(), &end, 10);
        if (end == line.c_str() || id != _next_id) {
            std::fprintf(stderr,
                         "chaos source_spout: line at offset %llu is '%s', expected id %llu\n",
                         static_cast<unsigned long long>(start), line.c_str(),
                         static_cast<unsigned long long>(_next_id));
        }
        _pending[_next_id] = start;
        emit(_next_id);
        ++_next_id;
    }

    void ack(tempest::message_id id) override {
        if (_pending.erase(id.id) == 0) {
            return;  // acked twice (a replayed copy): already counted
        }
        if (_acked_fd >= 0) {
            append_line(_acked_fd, std::to_string(id.id) + "\n");
        }
    }
    void fail(tempest::message_id id) override {
        if (_pending.contains(id.id)) {
            _replay.push_back(id.id);
        }
    }

  private:
    void emit(std::uint64_t id) {
        _collector->emit(tempest::values{static_cast<std::int64_t>(id)}, tempest::message_id{id});
    }

    // The next complete line of the source after _offset (without its '\n'), advancing _offset;
    // false at the end of what has been written so far (a partial last line stays unread).
    bool read_line(std::string& line) {
        if (_source == nullptr) {
            _source = std::fopen((_dir + "/source.txt").c_str(), "rb");
            if (_source == nullptr) {
                return false;
            }
        }
        if (std::fseek(_source, static_cast<long>(_offset), SEEK_SET) != 0) {
            return false;
        }
        char buf[64];
        if (std::fgets(buf, sizeof buf, _source) == nullptr) {
            std::clearerr(_source);
            return false;
        }
        std::string_view got(buf);
        if (!got.ends_with('\n')) {
            return false;
        }
        line.assign(got.substr(0, got.size() - 1));
        _offset += got.size();
        return true;
    }

    // Rewrites the checkpoint when it moved, at most every 100 ms.
    void save_checkpoint() {
        auto now = clock_type::now();
        if (now - _last_save < std::chrono::milliseconds(100)) {
            return;
        }
        _last_save = now;
        std::pair<std::uint64_t, std::uint64_t> at{_next_id, _offset};
        if (!_pending.empty()) {
            at = {_pending.begin()->first, _pending.begin()->second};
        }
        if (at != _saved) {
            replace_file(_checkpoint_path,
                         std::to_string(at.first) + " " + std::to_string(at.second) + "\n");
            _saved = at;
        }
    }

    std::string _dir;
    std::string _checkpoint_path;
    tempest::spout_output_collector* _collector = nullptr;
    std::FILE* _source = nullptr;
    int _acked_fd = -1;
    std::uint64_t _next_id = 0;  // the id of the line at _offset
    std::uint64_t _offset = 0;
    std::map<std::uint64_t, std::uint64_t> _pending;  // emitted, not acked: id -> line offset
    std::deque<std::uint64_t> _replay;                // failed ids waiting to be emitted again
    std::pair<std::uint64_t, std::uint64_t> _saved;
    clock_type::time_point _last_save;
};

class relay_bolt final : public tempest::bolt {
  public:
    explicit relay_bolt(int burn_us) : _burn(std::chrono::microseconds(burn_us)) {}

    void declare_output_fields(tempest::output_fields_declarer& d) override { d.declare({"id"}); }
    void prepare(const tempest::config& /*conf*/, const tempest::topology_context& /*context*/,
                 tempest::output_collector& collector) override {
        _collector = &collector;
    }
    void execute(const tempest::tuple& input) override {
        if (_burn.count() > 0) {
            auto until = clock_type::now() + _burn;
            while (clock_type::now() < until) {
            }
        }
        _collector->emit(input, tempest::values{input.get_int(0)});
        _collector->ack(input);
    }

  private:
    std::chrono::microseconds _burn;
    tempest::output_collector* _collector = nullptr;
};

class ledger_bolt final : public tempest::bolt {
  public:
    explicit ledger_bolt(std::string dir) : _dir(std::move(dir)) {}
    ~ledger_bolt() override {
        if (_fd >= 0) {
            ::close(_fd);
        }
    }

    void declare_output_fields(tempest::output_fields_declarer& /*d*/) override {}
    void prepare(const tempest::config& /*conf*/, const tempest::topology_context& context,
                 tempest::output_collector& collector) override {
        _collector = &collector;
        std::string path = _dir + "/ledger-" + std::to_string(context.get_this_task_id()) + ".txt";
        _fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    void execute(const tempest::tuple& input) override {
        if (_fd < 0) {
            _collector->fail(input);
            return;
        }
        std::string line = std::to_string(input.get_int(0)) + "\n";
        if (::write(_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            _collector->fail(input);  // not recorded: let the spout replay it
            return;
        }
        _collector->ack(input);
    }

  private:
    std::string _dir;
    int _fd = -1;
    tempest::output_collector* _collector = nullptr;
};

}  // namespace

TEMPEST_PACKAGE()

extern "C" __attribute__((visibility("default"))) void tempest_register(
    tempest::component_registry& registry) {
    registry.add_spout_with<source_spout, std::string>("chaos.source_spout");
    registry.add_bolt_with<relay_bolt, int>("chaos.relay");
    registry.add_bolt_with<ledger_bolt, std::string>("chaos.ledger");
}

extern "C" __attribute__((visibility("default"))) int tempest_main(int argc, char** argv,
                                                                   tempest::submitter& submitter) {
    std::map<std::string, std::string> opts = {
        {"name", "chaos"}, {"dir", ""},
        {"workers", "3"},  {"relays", "4"},
        {"ledgers", "2"},  {"max-pending", "200"},
        {"burn-us", "0"},  {"message-timeout", "10"},
    };
    int i = (argc > 0 && std::string_view(argv[0]).substr(0, 2) != "--") ? 1 : 0;
    for (; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (!arg.starts_with("--") || !opts.contains(std::string(arg.substr(2))) || i + 1 >= argc) {
            std::fprintf(stderr, "chaos_test: bad argument '%s'\n", argv[i]);
            return 2;
        }
        opts[std::string(arg.substr(2))] = argv[++i];
    }
    if (opts["dir"].empty()) {
        std::fprintf(stderr, "chaos_test: --dir DIR is required\n");
        return 2;
    }

    tempest_register(tempest::component_registry::instance());
    tempest::topology_builder b;
    b.set_spout("source", "chaos.source_spout", {opts["dir"]}, 1);
    b.set_bolt("relay", "chaos.relay", {std::atoi(opts["burn-us"].c_str())},
               std::atoi(opts["relays"].c_str()))
        .shuffle_grouping("source");
    b.set_bolt("ledger", "chaos.ledger", {opts["dir"]}, std::atoi(opts["ledgers"].c_str()))
        .fields_grouping("relay", {"id"});

    tempest::config conf;
    conf.set_num_workers(std::atoi(opts["workers"].c_str()));
    conf.set_message_timeout_secs(std::atoi(opts["message-timeout"].c_str()));
    conf.set_max_spout_pending(std::atoi(opts["max-pending"].c_str()));
    try {
        submitter.submit_topology(opts["name"], conf, b.create_topology());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chaos_test: cannot submit topology '%s': %s\n", opts["name"].c_str(),
                     e.what());
        return 1;
    }
    std::printf("chaos_test: submitted topology '%s'\n", opts["name"].c_str());
    std::fflush(stdout);
    return 0;
}
