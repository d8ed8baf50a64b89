// SPDX-License-Identifier: Apache-2.0
// The shell bolt and shell spout: Tempest's ShellBolt and ShellSpout. Each task runs one
// subprocess (shell_process.h) that speaks Storm's multilang protocol; to the executor they are
// an ordinary bolt and spout, built by make_task_state for the classes "tempest.shell_bolt" and
// "tempest.shell_spout" (topology_api/shell_component.h), so C++ components pay nothing.
//
//   executor thread                                  subprocess (python3 split.py, node x.js)
//   prepare/open ── handshake {conf, pidDir, context} ──▶     ◀── {"pid": n}
//   bolt execute ── {"id","comp","stream","task","tuple"} ─▶ (buffered; written once a pass)
//   poll() (each pass) ◀── emit / ack / fail / log / error / metrics / sync ── reader thread
//   spout next_tuple/ack/fail/activate/deactivate ── {"command": ...} ─▶ then waits for "sync"
//
// A bolt's replies arrive asynchronously: the executor calls poll() once per pass (not per
// tuple) for the tasks that have a polled_task, and the reader thread wakes a parked executor.
// A spout blocks in its calls until the subprocess says "sync", as Storm's ShellSpout does.
//
// Failure (invalid JSON or protocol, the process exits, or it sends nothing for
// topology.subprocess.timeout.secs while a heartbeat or a spout command is outstanding): the
// error is reported with the tail of its stderr, a bolt fails every input it still holds, the
// process group is killed and a fresh process is started after a back-off (1 s doubling to
// 30 s while it keeps dying young); in between, a bolt fails its input at once and a spout
// emits nothing. Storm kills the whole worker instead: see docs/MULTILANG.md for why we do not.
//
// Owned by its task_state; every method runs on the executor's thread except has_input().
#pragma once

#include "multilang/shell_process.h"
#include "tempest/topology_api/component.h"
#include "tempest/topology_api/shell_component.h"
#include "tempest/topology_api/topology.h"
#include "tempest/worker/parker.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace tempest::worker {
class bolt_collector_impl;
class spout_collector_impl;
}  // namespace tempest::worker

namespace tempest::worker::multilang {

// A component the executor polls once per pass, besides its input.
class polled_task {
  public:
    // Handles what arrived; true when it did anything. `backpressured`: the executor's output
    // overflowed, so nothing should be emitted now.
    virtual bool poll(bool backpressured) = 0;
    // Any thread: poll() has something to do (the executor's idle check).
    virtual bool has_input() const noexcept = 0;
    // Before start: the executor's parker, woken when a message arrives.
    virtual void set_waker(parker* p) = 0;

  protected:
    ~polled_task() = default;
};

// How a shell component runs: its spec, working directory and the protocol's timeout.
struct shell_settings {
    shell_spec spec;
    std::filesystem::path dir;  // working directory (the topology's resources folder)
    std::chrono::milliseconds timeout{30'000};
    std::chrono::milliseconds heartbeat{1'000};  // bolts: how often a heartbeat tuple goes out
    std::string program;                         // spec.command[0], resolved
    // For the handshake's context: what it subscribes to, and who subscribes to its streams.
    struct link {
        std::string stream;
        std::string component;  // inputs: the source; targets: the consumer
        tempest::grouping group;
    };
    std::vector<link> inputs;
    std::vector<link> targets;
};

// Reads a shell component's settings from its class arguments and its merged conf
// (topology.multilang.resources.dir, topology.subprocess.timeout.secs). Throws
// std::invalid_argument / std::runtime_error naming what is wrong, including a program that cannot
// be found.
shell_settings read_shell_settings(const component_def& def, const config& conf);

// A worker's topology conf: when topology.multilang.resources.dir is not set and `installed`
// (<code dir>/resources/, unpacked by the supervisor from the package) is a directory, sets the
// key to it, so that shell components run in the scripts the package carried. Returns whether
// it did.
bool use_installed_resources(config& conf, const std::filesystem::path& installed);

// What the bolt and the spout share: the process, the handshake, the commands both may send
// (log, error, metrics), the reply with task ids, dying and restarting.
class shell_core {
  public:
    explicit shell_core(shell_settings s);
    ~shell_core();

    // `capture`: the task's slot (task_state::capture_targets) the runtime appends an emit's
    // target tasks to while it points somewhere.
    void set_capture(std::vector<int>** capture) { _capture = capture; }
    void set_waker(parker* p) { _wake = p; }
    void prepare(const config& conf, const topology_context& ctx, bool is_spout);
    // Stops the process without reporting (the task's end).
    void shutdown();

    bool alive() const noexcept { return _proc != nullptr; }
    shell_process& proc() { return *_proc; }
    const shell_settings& settings() const { return _s; }
    const std::string& who() const { return _who; }
    std::chrono::steady_clock::time_point last_message() const { return _last_message; }
    void heard() { _last_message = std::chrono::steady_clock::now(); }

    // Starts the process and does the handshake; false (reported) on failure.
    bool launch();
    // Launches again once the back-off has passed; true when a process runs.
    bool ensure_running();
    // The same, but first waits out the back-off (in 10 ms steps, ending early when the
    // topology stops): a bolt takes no new input while its process is down, instead of failing
    // it at once (which would make a replaying spout spin).
    bool wait_running();
    void set_stop_flag(const std::atomic<bool>* stop) { _stop = stop; }
    // Reports `reason` with the stderr tail and how the process ended, and stops it.
    void die(const std::string& reason);
    // Writes `json` and waits until the pipe took it all, or dies on a broken pipe/timeout.
    bool write_now(std::string_view json);
    // Waits until the pipe took the whole buffer, or dies on a broken pipe/timeout.
    bool flush_now();

    // log, error, metrics; false when `cmd` is none of them.
    bool handle_common(const std::string& cmd, const nlohmann::json& m);
    // Runs emit() with the target capture on when the message asks for task ids, then writes
    // them back (an empty list if emit threw, so the subprocess does not wait forever).
    template <typename Emit>
    void emit_with_ids(const nlohmann::json& m, Emit&& emit);

    std::function<void(std::string_view)> report;  // the collector's report_error
    std::function<void()> on_death;                // the owner's part of die()

  private:
    std::string handshake_json() const;

    shell_settings _s;
    std::string _who;  // "shell bolt 'split' task 3"
    std::unique_ptr<shell_process> _proc;
    std::filesystem::path _pid_dir;
    std::vector<int>** _capture = nullptr;
    std::vector<int> _targets;
    parker* _wake = nullptr;
    const std::atomic<bool>* _stop = nullptr;
    config _conf;
    const topology_context* _ctx = nullptr;
    bool _is_spout = false;
    std::chrono::steady_clock::time_point _last_message;
    std::chrono::steady_clock::time_point _started;
    std::chrono::steady_clock::time_point _restart_at;
    std::chrono::milliseconds _backoff{1000};
    std::string _reply;  // scratch for the task ids
};

class shell_bolt_impl final : public bolt, public polled_task {
  public:
    explicit shell_bolt_impl(shell_settings s);
    shell_core& core() { return _core; }

    void declare_output_fields(output_fields_declarer& d) override;
    void prepare(const config& conf, const topology_context& context,
                 output_collector& collector) override;
    void execute(const tuple& input) override;
    void cleanup() override;

    bool poll(bool backpressured) override;
    bool has_input() const noexcept override {
        return _proc_view != nullptr && _proc_view->has_message();
    }
    void set_waker(parker* p) override { _core.set_waker(p); }

    // Inputs sent and neither acked nor failed by the subprocess yet.
    std::size_t pending() const noexcept { return _pending.size(); }

  private:
    void handle(shell_message& m);
    void fail_all_pending();
    void on_death(const std::string& reason);
    void write_tuple(std::uint64_t id, const tuple& t, std::string_view comp,
                     std::string_view stream, int task);
    using pending_map = std::unordered_map<std::uint64_t, tuple>;
    pending_map::iterator find_pending(const nlohmann::json& id);

    shell_core _core;
    bolt_collector_impl* _out = nullptr;
    shell_process* _proc_view = nullptr;  // the live process, for has_input()
    pending_map _pending;
    std::uint64_t _next_id = 1;
    bool _heartbeat_out = false;
    std::chrono::steady_clock::time_point _next_heartbeat;
    std::string _buf;
    std::vector<const tuple*> _anchors;
    values _vals;
};

class shell_spout_impl final : public spout {
  public:
    explicit shell_spout_impl(shell_settings s);
    shell_core& core() { return _core; }

    void declare_output_fields(output_fields_declarer& d) override;
    void open(const config& conf, const topology_context& context,
              spout_output_collector& collector) override;
    void close() override;
    void activate() override;
    void deactivate() override;
    void next_tuple() override;
    void ack(message_id id) override;
    void fail(message_id id) override;

  private:
    // Sends `command` and handles the messages that follow until "sync".
    void query(std::string_view command);
    void handle(const nlohmann::json& m);

    shell_core _core;
    spout_collector_impl* _out = nullptr;
    // Tempest message id → the subprocess's own id (any JSON value).
    std::unordered_map<std::uint64_t, nlohmann::json> _ids;
    std::uint64_t _next_id = 1;
    values _vals;
};

}  // namespace tempest::worker::multilang
