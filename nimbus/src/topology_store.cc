// SPDX-License-Identifier: Apache-2.0
// Validating, storing and reading topologies (see topology_store.h).
#include "topology_store.h"

#include "logger.h"
#include "nimbus_error.h"
#include "tempest/common/config_keys.h"
#include "tempest/common/config_loader.h"
#include "tempest/common/file_util.h"
#include "tempest/common/stormdist.h"
#include "tempest/thrift/cluster_records_codec.h"
#include "tempest/thrift/stored_topology.h"

#include <stdexcept>
#include <system_error>

namespace tempest::nimbus {

namespace fs = std::filesystem;
namespace sd = common::stormdist;

namespace {

[[noreturn]] void throw_state_error(const std::string& what, std::error_code ec) {
    throw std::runtime_error("cluster state: " + what + ": " + ec.message());
}

[[noreturn]] void throw_invalid(const std::string& msg) {
    throw nimbus_error(error_kind::invalid_topology, msg);
}

}  // namespace

topology_store::topology_store(common::cluster_state& state, common::zk_paths paths,
                               fs::path stormdist, config daemon_conf)
    : _state(state),
      _paths(std::move(paths)),
      _stormdist(std::move(stormdist)),
      _conf(std::move(daemon_conf)) {}

std::string topology_store::name_problem(const std::string& name) {
    if (name.empty()) {
        return "topology name must not be empty";
    }
    if (name.find_first_of("/.:\\") != std::string::npos || name.find('\0') != std::string::npos) {
        return "topology name '" + name + "' must not contain '/', '.', ':' or '\\'";
    }
    return {};
}

validated_topology topology_store::validate(const std::string& name, const std::string& conf_json,
                                            const std::optional<tempest::topology>& topo,
                                            const std::string& topology_error) {
    if (auto p = name_problem(name); !p.empty()) {
        throw_invalid(p);
    }
    if (find_by_name(name)) {
        throw nimbus_error(error_kind::already_alive, "topology '" + name + "' is already alive");
    }
    const std::string source = "topology '" + name + "'";
    validated_topology v;
    v.name = name;
    try {
        v.conf = conf_from_json(conf_json);
        common::validate_topology_config(v.conf, source);
        if (!topo) {
            throw invalid_topology(topology_error);
        }
        v.topo = *topo;
        for (const auto& c : v.topo.components) {
            common::validate_topology_config(c.conf, "component '" + c.id + "' of " + source);
        }
        // With the conf: a windowed bolt whose window outlasts the message timeout is refused.
        v.topo.validate(common::effective_config(_conf, v.conf));
        v.num_workers = common::worker_count(common::effective_config(_conf, v.conf));
        v.conf = common::submitted_conf(std::move(v.conf), _conf, name);
    } catch (const invalid_topology& e) {
        throw_invalid(source + ": " + e.what());
    } catch (const common::config_error& e) {
        throw_invalid(e.what());
    } catch (const type_error& e) {
        throw_invalid(source + ": " + e.what());
    }
    return v;
}

std::string topology_store::create(const validated_topology& v, const std::string& code,
                                   const fs::path& package, const std::string& checksum,
                                   topology_status status, std::int64_t launch_time_secs) {
    std::string id =
        v.name + "-" + std::to_string(_next_id++) + "-" + std::to_string(launch_time_secs);
    fs::path dir = sd::topology_dir(_stormdist, id);
    bool moved = false;
    auto undo_disk = [&] {
        std::error_code ec;
        if (moved) {
            fs::rename(dir / sd::package_file, package, ec);
        }
        fs::remove_all(dir, ec);
    };
    try {
        fs::create_directories(dir);
        common::write_file_atomically(dir / sd::code_file, code);
        common::write_file_atomically(dir / sd::conf_file, conf_to_json(v.conf));
        common::write_file_atomically(dir / sd::checksum_file, checksum + "\n");
        fs::rename(package, dir / sd::package_file);
        moved = true;
    } catch (const std::exception& e) {
        undo_disk();
        throw std::runtime_error("storing topology " + id + " under " + dir.string() + ": " +
                                 e.what());
    }
    storm_base base;
    base.name = v.name;
    base.status = status;
    base.launch_time_secs = launch_time_secs;
    base.num_workers = v.num_workers;
    for (const auto& c : v.topo.components) {
        base.component_executors[c.id] = c.parallelism;
    }
    auto path = _paths.storm(id);
    if (auto r = _state.create(path, thrift::encode(base)); !r) {
        // A lost connection may hide a create that happened: the id is new, so a node there
        // is this one, and it goes too (best effort; a second failure leaves it to the kill
        // command, as the record names the topology).
        if (r.error() != common::errc::node_exists) {
            (void)_state.remove(path);
        }
        undo_disk();
        throw_state_error("creating " + path, r.error());
    }
    return id;
}

void topology_store::discard(const std::string& id, const fs::path& package) {
    _loaded.erase(id);
    (void)_state.remove(_paths.assignment(id));  // may not exist; undo as far as we can
    (void)_state.remove(_paths.routes(id));
    (void)_state.remove(_paths.storm(id));
    auto dir = sd::topology_dir(_stormdist, id);
    std::error_code ec;
    fs::rename(dir / sd::package_file, package, ec);
    fs::remove_all(dir, ec);
}

void topology_store::remove(const std::string& id) {
    for (const auto& path : {_paths.assignment(id), _paths.routes(id), _paths.storm(id),
                             _paths.workerbeats(id), _paths.errors(id)}) {
        if (auto r = common::remove_recursive(_state, path); !r) {
            log().warn("removing {}: {}", path, r.error().message());
        }
    }
    auto dir = sd::topology_dir(_stormdist, id);
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) {
        log().warn("removing {}: {}", dir.string(), ec.message());
    }
    _loaded.erase(id);
    log().info("topology {} removed", id);
}

std::map<std::string, storm_base> topology_store::read_all() {
    std::map<std::string, storm_base> out;
    auto ids = _state.children(_paths.storms());
    if (!ids) {
        if (ids.error() == common::errc::no_node) {
            return out;
        }
        throw_state_error("listing " + _paths.storms(), ids.error());
    }
    for (const auto& id : *ids) {
        if (auto base = read(id)) {
            out.emplace(id, std::move(*base));
        }
    }
    return out;
}

std::optional<storm_base> topology_store::read(const std::string& id) {
    std::string path;
    try {
        path = _paths.storm(id);
    } catch (const std::invalid_argument&) {
        return std::nullopt;
    }
    auto data = _state.get(path);
    if (!data) {
        if (data.error() == common::errc::no_node) {
            return std::nullopt;
        }
        throw_state_error("reading " + path, data.error());
    }
    auto base = thrift::decode_storm_base(data->data);
    if (!base) {
        log().warn("unreadable topology record {}: {}", path, base.error().message());
        return std::nullopt;
    }
    return std::move(*base);
}

std::optional<std::pair<std::string, storm_base>> topology_store::find_by_name(
    const std::string& name) {
    for (auto& [id, base] : read_all()) {
        if (base.name == name) {
            return std::make_pair(id, std::move(base));
        }
    }
    return std::nullopt;
}

std::pair<std::string, storm_base> topology_store::find_alive(const std::string& name) {
    auto found = find_by_name(name);
    if (!found) {
        throw nimbus_error(error_kind::not_alive, "topology '" + name + "' is not alive");
    }
    return std::move(*found);
}

void topology_store::write(const std::string& id, const storm_base& base) {
    auto path = _paths.storm(id);
    if (auto r = _state.set(path, thrift::encode(base)); !r) {
        throw_state_error("writing " + path, r.error());
    }
}

std::optional<common::assignment> topology_store::read_assignment(const std::string& id) {
    auto data = _state.get(_paths.assignment(id));
    if (!data) {
        return std::nullopt;
    }
    auto a = thrift::decode_assignment(data->data);
    if (!a) {
        return std::nullopt;
    }
    return std::move(*a);
}

std::shared_ptr<const stored_topology> topology_store::load(const std::string& id) {
    if (auto it = _loaded.find(id); it != _loaded.end()) {
        return it->second;
    }
    auto dir = sd::topology_dir(_stormdist, id);
    auto st = std::make_shared<stored_topology>();
    st->code = common::read_file(dir / sd::code_file);
    st->conf_json = common::read_file(dir / sd::conf_file);
    auto decoded = thrift::decode_stored_topology(st->code, st->conf_json);
    st->topo = std::move(decoded.topo);
    st->conf = std::move(decoded.conf);
    _loaded[id] = st;
    return st;
}

common::topology_layout topology_store::layout(const std::string& id, const storm_base& base) {
    auto st = load(id);
    return common::lay_out_topology(st->topo, _conf, st->conf, base);
}

std::vector<executor_id> topology_store::executors(const std::string& id, const storm_base& base) {
    std::vector<executor_id> out;
    for (const auto& e : layout(id, base).executors()) {
        out.push_back(to_executor_id(e));
    }
    return out;
}

int topology_store::default_wait_secs(const std::string& id) {
    config effective = _conf;
    try {
        effective.merge(load(id)->conf);
    } catch (const std::exception&) {
        // The daemon's default message timeout then.
    }
    return static_cast<int>(common::conf_int(effective, config::topology_message_timeout_secs));
}

}  // namespace tempest::nimbus
