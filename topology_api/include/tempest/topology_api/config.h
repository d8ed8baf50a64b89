// SPDX-License-Identifier: Apache-2.0
// config: a topology's (or component's) configuration, a map from Storm's key names to values,
// as Storm's Config. Daemons load, type-check and merge it (common/config); topology code sets
// keys with the helpers below.
#pragma once

#include "tempest/topology_api/value.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace tempest {

class config {
  public:
    // Keys a topology commonly sets (the full list with defaults is conf/defaults.yaml).
    static constexpr const char* topology_workers = "topology.workers";
    static constexpr const char* topology_acker_executors = "topology.acker.executors";
    static constexpr const char* topology_message_timeout_secs = "topology.message.timeout.secs";
    static constexpr const char* topology_max_spout_pending = "topology.max.spout.pending";
    static constexpr const char* topology_debug = "topology.debug";
    static constexpr const char* topology_name = "topology.name";
    static constexpr const char* topology_max_task_parallelism = "topology.max.task.parallelism";
    static constexpr const char* topology_executor_receive_buffer_size =
        "topology.executor.receive.buffer.size";
    static constexpr const char* topology_producer_batch_size = "topology.producer.batch.size";
    static constexpr const char* topology_tick_tuple_freq_secs = "topology.tick.tuple.freq.secs";
    static constexpr const char* topology_stats_sample_rate = "topology.stats.sample.rate";

    config() = default;

    void set(std::string key, value v) { _m.insert_or_assign(std::move(key), std::move(v)); }
    void erase(std::string_view key);
    bool contains(std::string_view key) const { return _m.find(key) != _m.end(); }
    const value* find(std::string_view key) const {
        auto it = _m.find(key);
        return it == _m.end() ? nullptr : &it->second;
    }
    // Typed reads with a default for a missing or null key; a present key of the wrong type
    // throws type_error naming the key.
    std::int64_t get_int(std::string_view key, std::int64_t dflt) const;
    double get_double(std::string_view key, double dflt) const;
    bool get_bool(std::string_view key, bool dflt) const;
    std::string get_string(std::string_view key, std::string_view dflt) const;

    // Keys of `o` replace ours.
    void merge(const config& o);

    void set_num_workers(int n) { set(topology_workers, n); }
    void set_num_ackers(int n) { set(topology_acker_executors, n); }
    void set_message_timeout_secs(int s) { set(topology_message_timeout_secs, s); }
    void set_max_spout_pending(int n) { set(topology_max_spout_pending, n); }
    void set_debug(bool d) { set(topology_debug, d); }

    auto begin() const { return _m.begin(); }
    auto end() const { return _m.end(); }
    std::size_t size() const { return _m.size(); }
    friend bool operator==(const config&, const config&) = default;

  private:
    std::map<std::string, value, std::less<>> _m;
};

}  // namespace tempest
