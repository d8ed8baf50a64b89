// SPDX-License-Identifier: Apache-2.0
// nimbus_client: a client of Nimbus' Thrift service (framed transport, binary protocol), as
// Storm's NimbusClient, for the CLI, the supervisor's code download (and later the UI). It speaks
// in our own types: the Thrift structs stay in nimbus_client_thrift.cc.
//
//   auto c = nimbus_client::connect("127.0.0.1", 6627, 10s);   // throws nimbus_error
//   auto l = nimbus_client::connect_leader(nimbus_seeds(conf), 10s);  // the leader of the seeds
//   std::string where = c.upload_package("wc.so", {});
//   c.submit("wc", where, conf, topology);
//   for (const auto& t : c.list()) { ... }
//
// Every failure throws nimbus_error: an exception Nimbus declared (AlreadyAliveException,
// NotAliveException, InvalidTopologyException, AuthorizationException) with Nimbus' message, or
// a transport/protocol failure naming host:port. Owned by its user; one thread at a time (one
// connection, one call in flight). The connection closes with the object.
#pragma once

#include "tempest/topology_api/config.h"
#include "tempest/topology_api/topology.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tempest::common {

// A failed Nimbus call. kind() is the Thrift exception's name ("AlreadyAliveException",
// "NotAliveException", "InvalidTopologyException", "AuthorizationException",
// "TApplicationException") or "TTransportException" / "TProtocolException" when Nimbus could not
// be reached or spoke garbage; message() is its text. what() is "<kind>: <message>" for the
// exceptions Nimbus raised and the message alone (which names host:port) for transport failures.
class nimbus_error : public std::runtime_error {
  public:
    nimbus_error(std::string kind, std::string message, std::string what, bool timed_out = false);

    const std::string& kind() const noexcept { return _kind; }
    const std::string& message() const noexcept { return _message; }
    // True when Nimbus answered with an exception; false when it could not be reached or its
    // reply was malformed.
    bool from_nimbus() const noexcept;
    // True when Nimbus did not answer within the client's timeout (busy or hung); the call may
    // or may not have taken effect.
    bool timed_out() const noexcept { return _timed_out; }

  private:
    std::string _kind;
    std::string _message;
    bool _timed_out = false;
};

// One row of `tempest list` (Storm's TopologySummary).
struct topology_summary {
    std::string name;
    std::string id;
    std::string status;  // ACTIVE, INACTIVE, KILLED or REBALANCING
    int uptime_secs = 0;
    int num_workers = 0;
    int num_executors = 0;
    int num_tasks = 0;
};

// An executor's all-time counts per stream, as getTopologyInfo reports them (Storm's
// ExecutorStats ":all-time" window): emitted and transferred per output stream; acked per output
// stream for a spout, per input stream id (summed over the producing components) for a bolt.
struct stream_counts {
    std::map<std::string, std::int64_t> emitted;
    std::map<std::string, std::int64_t> transferred;
    std::map<std::string, std::int64_t> acked;
};

// One executor of a topology and where it is assigned (host empty and port 0 when unassigned).
struct executor_summary {
    std::string component;
    int task_start = 0;
    int task_end = 0;
    std::string host;
    int port = 0;
    int uptime_secs = 0;
    std::optional<stream_counts> all_time;  // unset until its worker reports figures
    bool late = false;                      // its worker's heartbeat is older than the timeout
    std::optional<int> stats_age_secs;      // how old its figures are (Tempest's Nimbus)
};

// An error a component reported (Storm's ErrorInfo).
struct error_info {
    std::string text;
    int time_secs = 0;  // unix time
    std::string host;   // empty when unknown
    int port = 0;       // 0 when unknown
    std::optional<int> task;
};

// Storm's TopologyInfo: executors with their all-time counts, errors per component (every
// component has an entry, oldest error first).
struct topology_info {
    std::string id;
    std::string name;
    std::string status;
    int uptime_secs = 0;
    std::vector<executor_summary> executors;
    std::map<std::string, std::vector<error_info>> errors;
};

// How many errors per component info() asks for (Storm's NumErrorsChoice).
enum class error_choice { all, none, one };

// A topology's figures in one window (getTopologyPageInfo): unset when no worker has reported.
struct window_totals {
    int uptime_secs = 0;
    std::optional<std::int64_t> emitted;
    std::optional<std::int64_t> transferred;
    std::optional<std::int64_t> acked;
    std::optional<std::int64_t> failed;
    std::optional<double> complete_latency_ms;
    int num_late_executors = 0;  // left out of the figures (Tempest's Nimbus)
};

// A Nimbus to try: host and Thrift port.
struct nimbus_address {
    std::string host;
    int port = 0;
    friend bool operator==(const nimbus_address&, const nimbus_address&) = default;
    std::string text() const;  // "host:port"
};

// The entries of nimbus.seeds in `conf`, in order: each a host (on nimbus.thrift.port) or
// HOST:PORT (ours, not Storm's: several Nimbus processes on one host, as in tests and on a dev
// machine). Throws std::invalid_argument, naming the key, when it names no host or an entry or
// nimbus.thrift.port has no usable port.
std::vector<nimbus_address> nimbus_seeds(const config& conf);

struct rebalance_request {
    std::optional<int> wait_secs;
    std::optional<int> num_workers;
    std::map<std::string, int> num_executors;  // component -> new parallelism
};

class nimbus_client {
  public:
    // Called after each uploaded chunk with the bytes sent so far and the package's size.
    using progress_fn = std::function<void(std::uint64_t sent, std::uint64_t total)>;

    // Opens a connection; `timeout` bounds the connect and every later call's send and receive.
    // Throws nimbus_error ("cannot reach Nimbus at host:port: <reason>"). A call that times out
    // throws nimbus_error with timed_out() set, its message naming the call, the timeout and
    // storm.thrift.socket.timeout.ms.
    static nimbus_client connect(const std::string& host, int port,
                                 std::chrono::milliseconds timeout);

    // Storm's NimbusClient.getConfiguredClient: a connection to the leader among `seeds`. Asks
    // each seed in order for the leader (getLeader, which every Nimbus answers) and connects to
    // the Nimbus it names; when that does not answer, goes on with the next seed. When no
    // leader answers, settles for the first Nimbus that did (a standby: it answers queries and
    // refuses changes with an error naming the leader). Throws nimbus_error
    // ("TTransportException") naming every address tried and why, when no Nimbus answers.
    static nimbus_client connect_leader(const std::vector<nimbus_address>& seeds,
                                        std::chrono::milliseconds timeout);

    nimbus_client(nimbus_client&&) noexcept;
    nimbus_client& operator=(nimbus_client&&) noexcept;
    ~nimbus_client();

    // "host:port" of the Nimbus this client talks to.
    const std::string& endpoint() const noexcept;

    // Uploads the file at `path` in 512 KiB chunks (beginFileUpload, uploadChunk, finishFileUpload)
    // and returns the location Nimbus gave it, for submit(). Throws nimbus_error, and
    // std::runtime_error when the file cannot be read.
    std::string upload_package(const std::string& path, const progress_fn& progress);

    // Downloads the file `remote` from Nimbus (beginFileDownload, then downloadChunk until an
    // empty chunk) into `dest`, replacing it. `remote` is relative to Nimbus' stormdist, e.g.
    // "<topology-id>/stormjar.so". On failure `dest` may hold part of the file (callers download
    // into a temporary place). Throws nimbus_error, and std::runtime_error when `dest` cannot be
    // written.
    void download_file(const std::string& remote, const std::filesystem::path& dest);

    // Submits `t` as topology `name` (initially active) with the package uploaded to `location`.
    void submit(const std::string& name, const std::string& location, const config& conf,
                const topology& t);

    std::vector<topology_summary> list();
    // Deactivates `name`, then removes it after `wait_secs` (Nimbus' default when unset).
    void kill(const std::string& name, std::optional<int> wait_secs);
    void activate(const std::string& name);
    void deactivate(const std::string& name);
    void rebalance(const std::string& name, const rebalance_request& r);
    // getTopologyInfoByNameWithOpts. NotAliveException for an unknown name.
    topology_info info(const std::string& name, error_choice errors = error_choice::all);
    // getTopologyPageInfo(id, window) without system components; `window` is "600", "10800",
    // "86400" or ":all-time".
    window_totals totals(const std::string& id, const std::string& window);

  private:
    struct impl;
    explicit nimbus_client(std::unique_ptr<impl> i);
    std::unique_ptr<impl> _impl;
};

}  // namespace tempest::common
