// SPDX-License-Identifier: Apache-2.0
#include "two_workers.h"

#include "report.h"
#include "tempest/common/log.h"
#include "tempest/topology_api/component_registry.h"
#include "tempest/worker/remote_options.h"
#include "tempest/worker/stats.h"
#include "tempest/worker/topology_plan.h"
#include "tempest/worker/topology_runtime.h"
#include "workloads.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tempest::bench {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr int num_workers = 2;
constexpr const char* topology_name = "bench";
constexpr const char* topology_id = "bench-1";
// How long a worker may take to answer: generous, since a loaded 2-vCPU machine can starve a
// process for seconds.
constexpr auto reply_timeout = std::chrono::seconds(30);

// ---- line-oriented pipe protocol -------------------------------------------------------------
//
// parent → child: "peer PORT", "sample", "deactivate", "stop"
// child → parent: "port PORT", "ready", "sample EXECUTED SENT RECEIVED", "inactive",
//                 "final EXECUTED SENT RECEIVED RSS_MIB P50_US P99_US FAILED ERRORS",
//                 "error TEXT" (the first component error, after "final" when ERRORS > 0),
//                 "fatal TEXT" (the child could not run; it exits 1)

bool write_line(int fd, std::string line) {
    line.push_back('\n');
    std::size_t off = 0;
    while (off < line.size()) {
        ssize_t n = ::write(fd, line.data() + off, line.size() - off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        off += static_cast<std::size_t>(n);
    }
    return true;
}

// One line (without its '\n') from `fd`; nullopt on end of file, an error, or at `deadline`.
// Reads a byte at a time: a handful of short messages per run.
std::optional<std::string> read_line(int fd, clock_type::time_point deadline) {
    std::string line;
    while (true) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock_type::now());
        if (left.count() <= 0) {
            return std::nullopt;
        }
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
        if (r < 0 && errno != EINTR) {
            return std::nullopt;
        }
        if (r <= 0) {
            continue;
        }
        char c = 0;
        ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            return std::nullopt;
        }
        if (c == '\n') {
            return line;
        }
        line.push_back(c);
    }
}

std::string one_line(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
}

// ---- the child: one worker -------------------------------------------------------------------

// The worker's share of the topology and its answers to the parent's commands. Returns the exit
// code. Throws what building or starting the runtime throws.
int serve(int index, const bench_options& o, int cmd_fd, int out_fd) {
    const auto forever = clock_type::now() + std::chrono::hours(24 * 365);
    workload w = make_workload(o);
    w.conf.set(config::topology_name, std::string(topology_name));
    // Executors dealt alternately over the two workers, as the even scheduler deals them over
    // two slots; the plan is built the same way in both processes, so task ids agree.
    worker::topology_plan whole(topology_id, w.topo, w.conf);
    std::vector<int> mine;
    for (std::size_t e = 0; e < whole.executors().size(); ++e) {
        const auto& ex = whole.executors()[e];
        for (int task = ex.first_task; task <= ex.last_task; ++task) {
            if (static_cast<int>(e % num_workers) == index) {
                mine.push_back(task);
            }
        }
    }
    auto plan = std::make_shared<const worker::topology_plan>(topology_id, w.topo, w.conf, mine);
    worker::remote_options ro;
    ro.bind_address = "127.0.0.1";
    ro.port = 0;
    worker::topology_runtime runtime(plan, component_registry::instance(), ro);
    runtime.start();
    if (!write_line(out_fd, "port " + std::to_string(runtime.port()))) {
        return 1;
    }
    auto peer = read_line(cmd_fd, forever);
    unsigned peer_port = 0;
    if (!peer || std::sscanf(peer->c_str(), "peer %u", &peer_port) != 1 || peer_port == 0 ||
        peer_port > 65535) {
        return 1;  // the parent went away or is confused; it reports the failure
    }
    std::vector<worker::task_endpoint> where(static_cast<std::size_t>(whole.num_tasks()) + 1);
    for (std::size_t e = 0; e < whole.executors().size(); ++e) {
        const auto& ex = whole.executors()[e];
        const bool here = static_cast<int>(e % num_workers) == index;
        for (int task = ex.first_task; task <= ex.last_task; ++task) {
            where[static_cast<std::size_t>(task)] = {
                "127.0.0.1", here ? runtime.port() : static_cast<std::uint16_t>(peer_port)};
        }
    }
    runtime.set_task_endpoints(std::move(where));
    if (!write_line(out_fd, "ready")) {
        return 1;
    }

    auto counters = [&] {
        auto all = runtime.stats();
        const auto* last = find_stats(all, w.last_bolt);
        auto r = runtime.remote();
        return std::to_string(last != nullptr ? last->executed : 0) + " " + std::to_string(r.sent) +
               " " + std::to_string(r.received);
    };
    while (true) {
        auto cmd = read_line(cmd_fd, forever);
        if (!cmd) {
            return 1;  // the parent is gone
        }
        if (*cmd == "sample") {
            // The counters, then " |" and per executor thread "component first-task idle-ns
            // backpressure-ns" (component ids hold no spaces).
            std::string line = "sample " + counters() + " |";
            for (const auto& t : runtime.totals()) {
                if (t.own_thread) {
                    line += " " + t.component + " " + std::to_string(t.first_task) + " " +
                            std::to_string(t.idle_ns) + " " + std::to_string(t.backpressure_ns);
                }
            }
            write_line(out_fd, line);
        } else if (*cmd == "deactivate") {
            (void)runtime.set_active(false);  // a late spout only delays stop(); nothing to do
            // Close our connections to the peer and wait, briefly, for it to close its own: a
            // worker that stops while connected makes the other log reconnect warnings.
            runtime.set_task_endpoints({});
            auto until = clock_type::now() + std::chrono::seconds(2);
            while (runtime.remote().connections_in > 0 && clock_type::now() < until) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            write_line(out_fd, "inactive");
        } else if (*cmd == "stop") {
            std::string c = counters();
            auto all = runtime.stats();
            const auto* spout = find_stats(all, w.spout);
            auto errors = runtime.errors();
            runtime.stop();
            char buf[256];
            std::snprintf(buf, sizeof buf, " %.2f %.1f %.1f %llu %zu", proc_status_mib("VmHWM"),
                          spout != nullptr ? spout->complete_latency_p50_us : 0.0,
                          spout != nullptr ? spout->complete_latency_p99_us : 0.0,
                          static_cast<unsigned long long>(spout != nullptr ? spout->failed : 0),
                          errors.size());
            write_line(out_fd, "final " + c + buf);
            if (!errors.empty()) {
                write_line(out_fd, "error " + one_line(errors.front().component + ": " +
                                                       errors.front().message));
            }
            return 0;
        }
    }
}

[[noreturn]] void child_main(int index, const bench_options& o, int cmd_fd, int out_fd) {
    // Die with the parent even if it cannot close our pipe (SIGKILL).
    (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);  // best effort: EOF on the pipe also stops us
    int rc = 1;
    try {
        // Lifecycle lines (listening, connected) would drown the result; warnings still show.
        common::init_logging("warn");
        rc = serve(index, o, cmd_fd, out_fd);
    } catch (const std::exception& e) {
        write_line(out_fd, std::string("fatal ") + one_line(e.what()));
        rc = 1;
    }
    std::fflush(nullptr);
    ::_exit(rc);  // no exit handlers or static destructors of the parent's copy
}

// ---- the parent: coordinator -----------------------------------------------------------------

struct child {
    pid_t pid = -1;
    int cmd = -1;  // we write commands
    int out = -1;  // we read replies
    bool reaped = false;
    int status = 0;
    std::string fatal;  // a "fatal" line it sent
};

struct sample {
    std::uint64_t executed = 0;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    // The worker's executor threads: component, first task, idle and backpressured ns.
    std::vector<worker::executor_totals> threads;
};

struct final_report {
    sample counters;
    double rss_mib = 0;
    double p50_us = 0;
    double p99_us = 0;
    unsigned long long failed = 0;
    std::size_t errors = 0;
    std::string first_error;
};

class coordinator {
  public:
    ~coordinator() { kill_all(); }

    // Forks both workers. Throws std::runtime_error when a pipe or fork fails.
    void spawn(const bench_options& o) {
        std::fflush(nullptr);  // the children must not flush our buffered output again
        for (int w = 0; w < num_workers; ++w) {
            int to_child[2];
            int from_child[2];
            if (::pipe2(to_child, O_CLOEXEC) != 0) {
                throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
            }
            if (::pipe2(from_child, O_CLOEXEC) != 0) {
                int err = errno;
                ::close(to_child[0]);
                ::close(to_child[1]);
                throw std::runtime_error(std::string("pipe: ") + std::strerror(err));
            }
            pid_t pid = ::fork();
            if (pid < 0) {
                int err = errno;
                for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) {
                    ::close(fd);
                }
                throw std::runtime_error(std::string("fork: ") + std::strerror(err));
            }
            if (pid == 0) {
                // Keep only our own pipe ends, so each pipe has one writer and one reader and
                // end of file means what it says.
                for (int v = 0; v < w; ++v) {
                    ::close(_kids[v].cmd);
                    ::close(_kids[v].out);
                }
                ::close(to_child[1]);
                ::close(from_child[0]);
                child_main(w, o, to_child[0], from_child[1]);
            }
            ::close(to_child[0]);
            ::close(from_child[1]);
            _kids[w].pid = pid;
            _kids[w].cmd = to_child[1];
            _kids[w].out = from_child[0];
        }
    }

    // The next line from worker w, within reply_timeout; throws a message for the user when the
    // worker died, stopped answering or could not run.
    std::string expect(int w, std::string_view what) {
        std::optional<std::string> line =
            read_line(_kids[w].out, clock_type::now() + reply_timeout);
        std::string text = line.value_or(std::string());
        if (text.starts_with("fatal ")) {
            _kids[w].fatal = text.substr(6);
        }
        if (line.has_value() && !text.starts_with(what) && _kids[w].fatal.empty()) {
            throw std::runtime_error("worker " + std::to_string(w) + " sent '" + text +
                                     "' where '" + std::string(what) + "' was expected");
        }
        if (!line.has_value() || !text.starts_with(what)) {
            throw std::runtime_error(describe_failure(w, what));
        }
        return text.substr(what.size());
    }

    void send(int w, const std::string& cmd) {
        if (!write_line(_kids[w].cmd, cmd)) {
            throw std::runtime_error(describe_failure(w, "a command"));
        }
    }

    // Sleeps until `until` while watching both workers: a worker that writes or closes its pipe
    // meanwhile has died or failed, which throws.
    void watch_until(clock_type::time_point until) {
        while (true) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock_type::now());
            if (left.count() <= 0) {
                return;
            }
            std::array<pollfd, num_workers> p{};
            for (int w = 0; w < num_workers; ++w) {
                p[w] = {_kids[w].out, POLLIN, 0};
            }
            int r = ::poll(p.data(), p.size(), static_cast<int>(left.count()));
            if (r < 0 && errno != EINTR) {
                throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
            }
            for (int w = 0; w < num_workers && r > 0; ++w) {
                if (p[w].revents != 0) {
                    unexpected(w);
                }
            }
        }
    }

    // Both workers' counters now, and the time they were taken.
    std::pair<std::array<sample, num_workers>, clock_type::time_point> sample_all() {
        auto before = clock_type::now();
        for (int w = 0; w < num_workers; ++w) {
            send(w, "sample");
        }
        std::array<sample, num_workers> s{};
        for (int w = 0; w < num_workers; ++w) {
            std::string rest = expect(w, "sample ");
            unsigned long long e = 0;
            unsigned long long se = 0;
            unsigned long long re = 0;
            if (std::sscanf(rest.c_str(), "%llu %llu %llu", &e, &se, &re) != 3) {
                throw std::runtime_error("worker " + std::to_string(w) + " sent a bad sample '" +
                                         rest + "'");
            }
            s[w] = {e, se, re, {}};
            if (auto bar = rest.find(" |"); bar != std::string::npos) {
                std::istringstream in(rest.substr(bar + 2));
                worker::executor_totals t;
                while (in >> t.component >> t.first_task >> t.idle_ns >> t.backpressure_ns) {
                    s[w].threads.push_back(t);
                }
            }
        }
        auto after = clock_type::now();
        return {s, before + (after - before) / 2};
    }

    // Deactivates the spouts of both workers, then stops both and collects their reports;
    // finally reaps them.
    std::array<final_report, num_workers> stop_all() {
        for (int w = 0; w < num_workers; ++w) {
            send(w, "deactivate");
        }
        for (int w = 0; w < num_workers; ++w) {
            (void)expect(w, "inactive");
        }
        for (int w = 0; w < num_workers; ++w) {
            send(w, "stop");
        }
        std::array<final_report, num_workers> f{};
        for (int w = 0; w < num_workers; ++w) {
            std::string rest = expect(w, "final ");
            unsigned long long e = 0;
            unsigned long long se = 0;
            unsigned long long re = 0;
            if (std::sscanf(rest.c_str(), "%llu %llu %llu %lf %lf %lf %llu %zu", &e, &se, &re,
                            &f[w].rss_mib, &f[w].p50_us, &f[w].p99_us, &f[w].failed,
                            &f[w].errors) != 8) {
                throw std::runtime_error("worker " + std::to_string(w) + " sent a bad report '" +
                                         rest + "'");
            }
            f[w].counters = {e, se, re, {}};
            if (f[w].errors > 0) {
                f[w].first_error = expect(w, "error ");
            }
        }
        for (int w = 0; w < num_workers; ++w) {
            reap(w, clock_type::now() + reply_timeout);
            const child& k = _kids[w];
            if (!WIFEXITED(k.status) || WEXITSTATUS(k.status) != 0) {
                throw std::runtime_error("worker " + std::to_string(w) + " (pid " +
                                         std::to_string(k.pid) + ") " + status_text(k.status));
            }
        }
        return f;
    }

  private:
    // Worker w wrote or closed its pipe unasked: reads its last words, if any, and throws.
    [[noreturn]] void unexpected(int w) {
        auto line = read_line(_kids[w].out, clock_type::now() + std::chrono::milliseconds(100));
        if (line && line->starts_with("fatal ")) {
            _kids[w].fatal = line->substr(6);
        } else if (line) {
            throw std::runtime_error("worker " + std::to_string(w) + " sent '" + *line +
                                     "' unasked");
        }
        throw std::runtime_error(describe_failure(w, "anything"));
    }

    static std::string status_text(int status) {
        if (WIFEXITED(status)) {
            return "exited with status " + std::to_string(WEXITSTATUS(status));
        }
        if (WIFSIGNALED(status)) {
            return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                   strsignal(WTERMSIG(status)) + ")";
        }
        return "ended with wait status " + std::to_string(status);
    }

    // Waits for worker w to end until `deadline`; then kills it (SIGKILL) and waits for it.
    void reap(int w, clock_type::time_point deadline) {
        child& k = _kids[w];
        if (k.reaped || k.pid <= 0) {
            return;
        }
        while (true) {
            pid_t r = ::waitpid(k.pid, &k.status, WNOHANG);
            if (r == k.pid || (r < 0 && errno != EINTR)) {
                break;
            }
            if (clock_type::now() >= deadline) {
                (void)::kill(k.pid, SIGKILL);  // it ignored the pipe's end: it cannot refuse this
                while (::waitpid(k.pid, &k.status, 0) < 0 && errno == EINTR) {
                }
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        k.reaped = true;
        for (int* fd : {&k.cmd, &k.out}) {
            if (*fd >= 0) {
                ::close(*fd);
                *fd = -1;
            }
        }
    }

    // Why worker w did not send `what`: its fatal message, or how it ended (waiting a little for
    // a dying process), or that it stopped answering.
    std::string describe_failure(int w, std::string_view what) {
        child& k = _kids[w];
        std::string who = "worker " + std::to_string(w) + " (pid " + std::to_string(k.pid) + ")";
        if (!k.fatal.empty()) {
            return who + " failed: " + k.fatal;
        }
        // Give a dying worker a moment to be reapable, so its status can be reported.
        auto until = clock_type::now() + std::chrono::seconds(1);
        while (!k.reaped) {
            pid_t r = ::waitpid(k.pid, &k.status, WNOHANG);
            if (r == k.pid) {
                k.reaped = true;
                break;
            }
            if (r < 0 || clock_type::now() >= until) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (k.reaped) {
            return who + " died: it " + status_text(k.status);
        }
        return who + " did not send '" + std::string(what) + "' within " +
               std::to_string(reply_timeout.count()) + " s";
    }

    // Kills and reaps every worker not reaped yet (the failure path and the destructor).
    void kill_all() noexcept {
        for (int w = 0; w < num_workers; ++w) {
            if (_kids[w].pid > 0 && !_kids[w].reaped) {
                (void)::kill(_kids[w].pid, SIGKILL);  // failure path: no clean stop to wait for
            }
        }
        for (int w = 0; w < num_workers; ++w) {
            reap(w, clock_type::now());
        }
    }

    std::array<child, num_workers> _kids;
};

}  // namespace

int run_two_workers(const bench_options& o) {
    const int max_pending = o.max_pending.value_or(default_max_spout_pending);
    const workload info = make_workload(o);  // names only; each worker builds its own
    std::ofstream json;
    if (!o.json_path.empty()) {
        json.open(o.json_path, std::ios::trunc);
        if (!json) {
            std::fprintf(stderr, "tempest-bench: cannot write --json file '%s'\n",
                         o.json_path.c_str());
            return 2;
        }
    }
    // A worker that died must not kill us through its pipe; we report it instead.
    (void)::signal(SIGPIPE, SIG_IGN);

    auto to_duration = [](double s) {
        return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s));
    };
    coordinator workers;
    std::array<sample, num_workers> s0{};
    std::array<sample, num_workers> s1{};
    std::array<final_report, num_workers> fin{};
    clock_type::time_point start;
    clock_type::time_point t0;
    clock_type::time_point t1;
    try {
        workers.spawn(o);
        std::array<unsigned, num_workers> ports{};
        for (int w = 0; w < num_workers; ++w) {
            std::string rest = workers.expect(w, "port ");
            ports[w] = static_cast<unsigned>(std::stoul(rest));
        }
        for (int w = 0; w < num_workers; ++w) {
            workers.send(w, "peer " + std::to_string(ports[1 - w]));
        }
        for (int w = 0; w < num_workers; ++w) {
            (void)workers.expect(w, "ready");
        }
        start = clock_type::now();
        workers.watch_until(start + to_duration(o.warmup_s));
        std::tie(s0, t0) = workers.sample_all();
        workers.watch_until(t0 + to_duration(o.duration_s));
        std::tie(s1, t1) = workers.sample_all();
        fin = workers.stop_all();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tempest-bench: --workers 2: %s\n", e.what());
        return 1;  // ~coordinator kills and reaps what is left
    }

    for (int w = 0; w < num_workers; ++w) {
        if (fin[w].errors > 0) {
            std::fprintf(stderr,
                         "tempest-bench: worker %d: %zu error(s) reported by components, first: "
                         "%s\n",
                         w, fin[w].errors, fin[w].first_error.c_str());
            return 1;
        }
    }
    std::uint64_t counted = 0;
    std::uint64_t crossed = 0;
    std::uint64_t crossed_total = 0;
    unsigned long long failed = 0;
    double p50 = 0;
    double p99 = 0;
    double rss_max = 0;
    for (int w = 0; w < num_workers; ++w) {
        counted += s1[w].executed - s0[w].executed;
        crossed += s1[w].sent - s0[w].sent;
        crossed_total += fin[w].counters.sent;
        failed += fin[w].failed;
        p50 = std::max(p50, fin[w].p50_us);
        p99 = std::max(p99, fin[w].p99_us);
        rss_max = std::max(rss_max, fin[w].rss_mib);
    }
    const double elapsed = std::chrono::duration<double>(t1 - t0).count();
    const double warmup = std::chrono::duration<double>(t0 - start).count();
    const double rate = static_cast<double>(counted) / elapsed;
    const double crossed_rate = static_cast<double>(crossed) / elapsed;

    std::printf(
        "%s acking=%s%s workers=2 (parallelism 2 per component): %s %s/s per node "
        "(%.1f s after %.1f s warm-up; worker 0 %s, worker 1 %s), over TCP %s tuples/s "
        "(%llu tuples sent in all), peak RSS %.1f / %.1f MiB",
        info.name.c_str(), o.acking ? "on" : "off", o.no_chaining ? " chaining=off" : "",
        human_rate(rate).c_str(), info.unit.c_str(), elapsed, warmup,
        human_rate(static_cast<double>(s1[0].executed - s0[0].executed) / elapsed).c_str(),
        human_rate(static_cast<double>(s1[1].executed - s0[1].executed) / elapsed).c_str(),
        human_rate(crossed_rate).c_str(), static_cast<unsigned long long>(crossed_total),
        fin[0].rss_mib, fin[1].rss_mib);
    if (o.acking) {
        std::printf(
            ", complete latency p50 %.0f / %.0f us p99 %.0f / %.0f us, "
            "max.spout.pending %d per spout task, failed %llu",
            fin[0].p50_us, fin[1].p50_us, fin[0].p99_us, fin[1].p99_us, max_pending, failed);
    }
    std::printf("\n");
    // Which thread bounds the run (as for one process; the I/O threads are not executors).
    std::printf("  threads over the window:");
    for (int w = 0; w < num_workers; ++w) {
        std::printf("%s worker %d: %s", w == 0 ? "" : ";", w,
                    describe(thread_shares(s0[w].threads, s1[w].threads, elapsed)).c_str());
    }
    std::printf("\n");
    if (counted == 0) {
        std::fprintf(stderr, "tempest-bench: the last bolt '%s' executed nothing while measured\n",
                     info.last_bolt.c_str());
        return 1;
    }

    if (json.is_open()) {
        char buf[768];
        std::snprintf(buf, sizeof buf,
                      "{\"workload\": \"%s\", \"acking\": %s, \"chaining\": %s, \"workers\": 2, "
                      "\"parallelism\": 2, \"tuples_per_s\": %.1f, \"duration_s\": %.3f, "
                      "\"warmup_s\": %.3f, \"tuples\": %llu, \"peak_rss_mib\": %.1f, "
                      "\"peak_rss_mib_by_worker\": [%.1f, %.1f], \"remote_sent_per_s\": %.1f, "
                      "\"remote_sent\": %llu",
                      info.name.c_str(), o.acking ? "true" : "false",
                      o.no_chaining ? "false" : "true", rate, elapsed, warmup,
                      static_cast<unsigned long long>(counted), rss_max, fin[0].rss_mib,
                      fin[1].rss_mib, crossed_rate, static_cast<unsigned long long>(crossed_total));
        json << buf;
        if (o.acking) {
            std::snprintf(buf, sizeof buf,
                          ", \"complete_latency_p50_us\": %.1f, \"complete_latency_p99_us\": %.1f, "
                          "\"max_spout_pending\": %d, \"failed\": %llu",
                          p50, p99, max_pending, failed);
            json << buf;
        }
        json << "}\n";
        json.close();
        if (!json) {
            std::fprintf(stderr, "tempest-bench: writing --json file '%s' failed\n",
                         o.json_path.c_str());
            return 1;
        }
    }
    return 0;
}

}  // namespace tempest::bench
