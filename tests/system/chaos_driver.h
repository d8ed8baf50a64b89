// SPDX-License-Identifier: Apache-2.0
// chaos_driver: runs a whole cluster as processes, feeds the chaos_test package's topology
// (packages/chaos_test_package.cc) a steady stream of numbered messages, injects faults on a
// schedule and measures, per fault, how long the cluster took to notice and to get its
// throughput back; at the end it checks the ledger (every id processed and acked, duplicates
// counted). Used by chaos_test.cc (a ~2-minute mixed schedule in CI) and chaos_main.cc (the
// `chaos` program behind scripts/chaos, for long runs).
//
//   ZooKeeper (fsync on by default) ── Nimbus a (leader) + Nimbus b (standby)
//        │                                  │ code
//   supervisors a, b, c (2 slots each) ── tempest workers (3 of them)
//        ▲                                        │ ledger-*.txt, acked-*.txt, checkpoint
//   producer thread: appends "k\n" to source.txt at `rate` per second; polls the ledger
//   main thread:     one fault every `period`, measures, prints the table
//
// Throughput is the growth of the distinct ids in the ledger (replayed copies do not count), over
// a sliding 2-second window, against the producer's rate. Not thread-safe: one thread calls run().
#pragma once

#include "chaos_ledger.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace tempest::system_test::chaos {

enum class fault_kind {
    worker_kill,         // SIGKILL of a random worker process
    supervisor_restart,  // SIGKILL of a random supervisor, started again 2 s later
    nimbus_failover,     // SIGKILL of the leading Nimbus; a topology submitted to the new leader
    worker_stop,         // SIGSTOP of a random worker (hung, not dead)
    zk_restart,          // ZooKeeper killed, started again 5 s later on the same data
    disk_full,           // the tmpfs under a supervisor's storm.local.dir filled for 8 s
    load,                // nothing injected: watch ZooKeeper sessions while workers burn CPU
};

std::string fault_name(fault_kind k);
// Parses "worker_kill", ... (also "all": every kind but load); throws std::invalid_argument
// naming the bad entry and the known ones.
std::vector<fault_kind> parse_faults(const std::string& comma_separated);

struct options {
    std::filesystem::path dir;  // work directory (created; logs and ledger stay there)
    int supervisors = 3;
    double rate = 200;                  // messages appended to the source per second
    std::chrono::seconds period{15};    // from one fault to the next (longer while not recovered)
    std::chrono::seconds duration{90};  // of the fault schedule (after warm-up)
    std::vector<fault_kind> faults;     // cycled in this order
    bool zk_force_sync = true;          // ZooKeeper as users run it
    int burn_us = 0;                    // busy work per tuple in the relay bolt (CPU load)
    int relays = 4;                     // relay executors
    unsigned seed = 1;
    std::ostream* out = nullptr;  // progress lines (nullptr: none)
};

struct fault_record {
    fault_kind kind{};
    std::string target;             // what was hit ("worker 1234 on b", "nimbus a", ...)
    double at = 0;                  // seconds since the schedule started
    std::optional<double> detect;   // seconds until the cluster reacted (see fault_kind)
    std::optional<double> recover;  // seconds until throughput was back to >= 90%
    double min_percent = 0;         // lowest 2 s throughput in the fault's period, % of rate
    std::string ledger;             // the ledger over the ids acked by the period's end
    std::string note;
};

struct report {
    std::vector<fault_record> faults;
    ledger_result ledger;            // over every id the producer wrote
    int zk_session_expirations = 0;  // "ZooKeeper session expired" lines in all daemon logs
    double rate = 0;
    double seconds = 0;   // whole run
    std::string skipped;  // faults that could not run here, and why

    // The per-fault table, then the ledger and session lines.
    std::string table() const;
};

// Runs the cluster, the schedule and the final check. Throws std::runtime_error when the cluster
// cannot be set up (a daemon that does not start, a topology that does not run).
report run(const options& o);

}  // namespace tempest::system_test::chaos
