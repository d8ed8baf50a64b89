// SPDX-License-Identifier: Apache-2.0
// tempest-ui-load: many concurrent HTTP clients against the status UI for a fixed time, as an
// operator's dashboards and scrapers would hit it. Each client keeps one keep-alive connection
// and sends GETs back to back, cycling through the paths it was given (each client starts at a
// different path); a client whose connection fails reconnects. Reports requests/s, latency
// percentiles, statuses, failures, and the UI process's resident memory over the run when given
// its pid (`--pid`), as text and optionally as JSON (`--json FILE`).
//
//   tempest-ui-load --port 8080 [--host 127.0.0.1] [--clients 200] [--seconds 30]
//                   [--path /api/v1/cluster/summary]... [--pid PID] [--json FILE]
//
// Threads: `--threads` (default 1) run the clients' coroutines on one io_context; the load
// generator should use less CPU than the server it measures, and one thread drives hundreds of
// keep-alive connections. The RSS sampler runs on the main thread every 250 ms.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
    std::string host = "127.0.0.1";
    int port = 0;
    int clients = 200;
    double seconds = 30;
    int threads = 1;
    std::vector<std::string> paths;
    long pid = 0;
    std::string json;
};

// What one client saw. Each client owns one; merged after the run, so no locks while running.
struct client_result {
    std::vector<std::uint32_t> latency_us;  // of every completed request
    std::map<int, std::uint64_t> statuses;
    std::uint64_t failures = 0;  // connect, read or write errors and timeouts
    std::uint64_t bytes = 0;
};

[[noreturn]] void usage_error(const std::string& what) {
    std::fprintf(stderr,
                 "tempest-ui-load: %s\n"
                 "usage: tempest-ui-load --port N [--host H] [--clients N] [--seconds S] "
                 "[--threads N] [--path P]... [--pid PID] [--json FILE]\n",
                 what.c_str());
    std::exit(2);
}

long parse_long(std::string_view flag, std::string_view v, long min) {
    long out = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc{} || p != v.data() + v.size() || out < min) {
        usage_error(std::string(flag) + " wants a whole number >= " + std::to_string(min) +
                    ", got '" + std::string(v) + "'");
    }
    return out;
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) {
                usage_error(std::string(a) + " needs a value");
            }
            return argv[++i];
        };
        if (a == "--host") {
            o.host = value();
        } else if (a == "--port") {
            o.port = static_cast<int>(parse_long(a, value(), 1));
        } else if (a == "--clients") {
            o.clients = static_cast<int>(parse_long(a, value(), 1));
        } else if (a == "--seconds") {
            o.seconds = static_cast<double>(parse_long(a, value(), 1));
        } else if (a == "--threads") {
            o.threads = static_cast<int>(parse_long(a, value(), 1));
        } else if (a == "--path") {
            std::string p(value());
            if (!p.starts_with('/')) {
                usage_error("--path wants an absolute path such as /api/v1/cluster/summary, got '" +
                            p + "'");
            }
            o.paths.push_back(std::move(p));
        } else if (a == "--pid") {
            o.pid = parse_long(a, value(), 1);
        } else if (a == "--json") {
            o.json = value();
        } else {
            usage_error("unknown argument '" + std::string(a) + "'");
        }
    }
    if (o.port == 0) {
        usage_error("--port is required");
    }
    if (o.paths.empty()) {
        o.paths = {"/api/v1/cluster/summary", "/api/v1/topology/summary",
                   "/api/v1/supervisor/summary", "/api/v1/nimbus/summary"};
    }
    return o;
}

// One client: connect, then GET until the deadline; reconnect after a failure.
asio::awaitable<void> run_client(tcp::endpoint ep, const options& o, std::size_t first_path,
                                 clock_type::time_point deadline, client_result& out) {
    auto ex = co_await asio::this_coro::executor;
    std::size_t next = first_path;
    beast::flat_buffer buffer;
    while (clock_type::now() < deadline) {
        beast::tcp_stream stream(ex);
        try {
            stream.expires_after(std::chrono::seconds(10));
            co_await stream.async_connect(ep, asio::use_awaitable);
            while (clock_type::now() < deadline) {
                http::request<http::empty_body> req{http::verb::get, o.paths[next % o.paths.size()],
                                                    11};
                ++next;
                req.set(http::field::host, o.host);
                req.keep_alive(true);
                http::response<http::string_body> res;
                auto t0 = clock_type::now();
                stream.expires_after(std::chrono::seconds(10));
                co_await http::async_write(stream, req, asio::use_awaitable);
                co_await http::async_read(stream, buffer, res, asio::use_awaitable);
                auto us =
                    std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t0);
                out.latency_us.push_back(
                    static_cast<std::uint32_t>(std::min<long long>(us.count(), UINT32_MAX)));
                ++out.statuses[static_cast<int>(res.result_int())];
                out.bytes += res.body().size();
                if (!res.keep_alive()) {
                    break;
                }
            }
        } catch (const std::exception&) {
            ++out.failures;
            buffer.clear();
        }
    }
}

// VmRSS of a process in KiB, or -1 when it cannot be read (the process is gone).
long rss_kib(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("VmRSS:")) {
            return std::strtol(line.c_str() + 6, nullptr, 10);
        }
    }
    return -1;
}

double percentile_ms(const std::vector<std::uint32_t>& sorted, double q) {
    if (sorted.empty()) {
        return 0;
    }
    auto i = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1));
    return static_cast<double>(sorted[i]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
    const options o = parse(argc, argv);

    asio::io_context io(o.threads);
    tcp::endpoint ep;
    try {
        tcp::resolver resolver(io);
        ep = *resolver.resolve(o.host, std::to_string(o.port)).begin();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tempest-ui-load: cannot resolve %s: %s\n", o.host.c_str(), e.what());
        return 1;
    }

    std::vector<client_result> results(static_cast<std::size_t>(o.clients));
    const auto start = clock_type::now();
    const auto deadline = start + std::chrono::duration_cast<clock_type::duration>(
                                      std::chrono::duration<double>(o.seconds));
    for (std::size_t c = 0; c < results.size(); ++c) {
        results[c].latency_us.reserve(4096);
        asio::co_spawn(io, run_client(ep, o, c, deadline, results[c]), asio::detached);
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < o.threads; ++t) {
        threads.emplace_back([&io] { io.run(); });
    }

    long rss_first = o.pid ? rss_kib(o.pid) : -1;
    long rss_max = rss_first;
    long rss_last = rss_first;
    std::atomic<bool> done{false};
    std::thread sampler([&] {
        while (!done.load()) {
            if (o.pid) {
                long r = rss_kib(o.pid);
                if (r >= 0) {
                    rss_last = r;
                    rss_max = std::max(rss_max, r);
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    });
    for (auto& t : threads) {
        t.join();
    }
    const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    done = true;
    sampler.join();

    std::vector<std::uint32_t> all;
    std::map<int, std::uint64_t> statuses;
    std::uint64_t failures = 0;
    std::uint64_t bytes = 0;
    for (auto& r : results) {
        all.insert(all.end(), r.latency_us.begin(), r.latency_us.end());
        for (auto [s, n] : r.statuses) {
            statuses[s] += n;
        }
        failures += r.failures;
        bytes += r.bytes;
    }
    std::sort(all.begin(), all.end());
    std::uint64_t ok = statuses.contains(200) ? statuses[200] : 0;
    const double rate = static_cast<double>(all.size()) / elapsed;

    std::ostringstream status_text;
    std::ostringstream status_json;
    bool first = true;
    for (auto [s, n] : statuses) {
        status_text << (first ? "" : ", ") << s << ": " << n;
        status_json << (first ? "" : ", ") << "\"" << s << "\": " << n;
        first = false;
    }
    std::printf("tempest-ui-load: %d clients, %.1f s, %zu paths against %s:%d\n", o.clients,
                elapsed, o.paths.size(), o.host.c_str(), o.port);
    std::printf("  requests   %zu (%.0f/s), %llu answered 200, %.1f MiB of bodies\n", all.size(),
                rate, static_cast<unsigned long long>(ok), static_cast<double>(bytes) / 1048576.0);
    std::printf("  statuses   {%s}, %llu connection failures\n", status_text.str().c_str(),
                static_cast<unsigned long long>(failures));
    std::printf("  latency ms p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n",
                percentile_ms(all, 0.50), percentile_ms(all, 0.90), percentile_ms(all, 0.99),
                percentile_ms(all, 0.999), percentile_ms(all, 1.0));
    if (o.pid) {
        std::printf("  UI RSS MiB at start %.1f, max %.1f, at end %.1f\n", rss_first / 1024.0,
                    rss_max / 1024.0, rss_last / 1024.0);
    }
    if (!o.json.empty()) {
        std::ofstream j(o.json);
        j << "{\"clients\": " << o.clients << ", \"seconds\": " << elapsed
          << ", \"requests\": " << all.size() << ", \"requests_per_second\": " << rate
          << ", \"ok\": " << ok << ", \"failures\": " << failures << ", \"statuses\": {"
          << status_json.str() << "}, \"p50_ms\": " << percentile_ms(all, 0.5)
          << ", \"p99_ms\": " << percentile_ms(all, 0.99)
          << ", \"max_ms\": " << percentile_ms(all, 1.0) << ", \"rss_start_kib\": " << rss_first
          << ", \"rss_max_kib\": " << rss_max << ", \"rss_end_kib\": " << rss_last << "}\n";
    }
    // Every request must have been answered 200: a UI that sheds load with errors, or drops
    // connections, has not carried it.
    if (ok == 0 || ok != all.size() || failures != 0) {
        std::fprintf(stderr, "tempest-ui-load: not every request was answered 200\n");
        return 1;
    }
    return 0;
}
