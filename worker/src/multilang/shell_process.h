// SPDX-License-Identifier: Apache-2.0
// shell_process: one subprocess of a shell component and its three pipes, framed as Storm's
// multilang protocol frames them (a JSON message, then a line `end`).
//
//   executor thread ── write()/flush() ──▶ stdin (non-blocking; bytes wait in a buffer)
//   stdout ──▶ reader thread: split at `end` lines, parse JSON ──▶ bounded queue ──▶ try_pop()
//   stderr ──▶ stderr thread: logged line by line, the last few KiB kept for error reports
//
// The reader thread parses off the executor's thread and stops reading while the queue is full,
// so a subprocess that floods its stdout blocks on its pipe instead of growing our memory. After
// each message it wakes the executor's parker (if one was given) so a parked executor runs.
//
// Owned by one shell component; write/flush/try_pop/wait_pop/stop are called by the executor's
// thread only. Lifecycle: start() (throws if the program cannot be executed), any number of
// messages, stop() (also run by the destructor): closes stdin, kills the process group and
// joins the threads.
#pragma once

#include "tempest/worker/parker.h"

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace tempest::worker::multilang {

// One message read from the subprocess, or the end of its output.
struct shell_message {
    enum class kind : std::uint8_t { json, invalid, eof };
    kind k = kind::json;
    nlohmann::json body;  // kind::json
    std::string text;     // kind::invalid: the offending text (cut to 200 bytes) and the reason
};

class shell_process {
  public:
    struct options {
        std::string program;            // the file to execute (resolve_program())
        std::vector<std::string> argv;  // as the process sees them; argv[0] its name
        std::filesystem::path cwd;
        std::size_t max_queued = 1024;   // messages parsed and not yet taken
        std::size_t stderr_tail = 4096;  // bytes of stderr kept for error reports
        parker* wake = nullptr;          // woken after each message; may be null
        std::string log_prefix;          // e.g. "split task 3"
    };

    // The program `argv0` names: with a '/', relative to `cwd`; else found on PATH, else in
    // `cwd` (Storm runs scripts from the resources folder). Throws std::runtime_error naming
    // the program, the directory and PATH when there is no such executable file.
    static std::string resolve_program(const std::string& argv0, const std::filesystem::path& cwd);

    explicit shell_process(options o);
    shell_process(const shell_process&) = delete;
    shell_process& operator=(const shell_process&) = delete;
    ~shell_process();

    // Starts the subprocess in its own process group. Throws std::runtime_error (with errno's
    // text) when fork or exec fails.
    void start();
    pid_t pid() const noexcept { return _pid; }

    // Appends one message (its JSON text; the `end` line is added) to the stdin buffer.
    void write_message(std::string_view json);
    // Writes as much of the buffer as the pipe takes without blocking. False when the pipe is
    // broken (the process has gone).
    bool flush();
    std::size_t buffered() const noexcept { return _out.size() - _out_pos; }
    // Waits up to `timeout` until stdin can take more bytes or a message is queued.
    void wait_writable(std::chrono::milliseconds timeout);

    // Takes the oldest queued message, if any.
    bool try_pop(shell_message& m);
    // Waits until a message is queued or `deadline` passes; false on timeout.
    bool wait_pop(shell_message& m, std::chrono::steady_clock::time_point deadline);
    // Any thread: a message is queued (the executor's idle check).
    bool has_message() const noexcept { return _queued.load(std::memory_order_acquire) > 0; }
    // Any thread: messages queued (at most options::max_queued).
    std::size_t queued() const noexcept { return _queued.load(std::memory_order_acquire); }

    // The last bytes the subprocess wrote to stderr.
    std::string stderr_tail() const;
    // Closes stdin (Storm's libraries exit on its end), gives the process `grace` to exit,
    // then kills its process group (SIGTERM, then SIGKILL after 1 s), reaps it and joins the
    // threads. Returns how it ended ("exited with status 1", "was killed by signal 9", ...);
    // idempotent (later calls return the same text).
    std::string stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
    // Whether the process has exited by itself (non-blocking waitpid); its status text then.
    std::optional<std::string> exited();

  private:
    void read_stdout();
    void read_stderr();
    void push(shell_message m);

    options _o;
    pid_t _pid = -1;
    int _stdin = -1;
    int _stdout = -1;
    int _stderr = -1;
    std::string _out;  // bytes for stdin; [_out_pos, end) not yet written
    std::size_t _out_pos = 0;
    std::optional<std::string> _end_status;

    std::thread _reader;
    std::thread _err_reader;
    mutable std::mutex _mu;  // guards _queue, _closing, _tail
    std::condition_variable _cv;
    std::deque<shell_message> _queue;
    std::atomic<std::size_t> _queued{0};
    bool _closing = false;
    std::string _tail;
};

}  // namespace tempest::worker::multilang
