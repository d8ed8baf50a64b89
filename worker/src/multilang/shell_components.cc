// SPDX-License-Identifier: Apache-2.0
// The shell bolt and spout (shell_components.h): the shared core (process, handshake, common
// commands, death and restart), then the bolt, then the spout.
#include "multilang/shell_components.h"

#include "executor/collectors.h"
#include "executor/config_defaults.h"
#include "multilang/json_codec.h"
#include "tempest/common/log.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <thread>

namespace tempest::worker::multilang {

namespace {

using clock_type = std::chrono::steady_clock;

constexpr std::size_t max_buffered = 1 << 20;  // bytes for stdin before execute() waits
constexpr int max_messages_per_poll = 1024;
constexpr auto max_backoff = std::chrono::milliseconds(30'000);
constexpr auto young = std::chrono::seconds(10);  // dying younger doubles the back-off

std::atomic<std::uint64_t> pid_dir_counter{0};

std::string tail_for_report(const std::string& tail) {
    if (tail.empty()) {
        return "(nothing on stderr)";
    }
    return tail.size() > 2000 ? "..." + tail.substr(tail.size() - 2000) : tail;
}

// A message's "command", or empty when it is not an object with a string command.
std::string command_of(const nlohmann::json& m) {
    if (!m.is_object()) {
        return {};
    }
    auto it = m.find("command");
    if (it == m.end() || !it->is_string()) {
        return {};
    }
    return it->get<std::string>();
}

std::string stream_of(const nlohmann::json& m) {
    auto it = m.find("stream");
    if (it == m.end() || it->is_null()) {
        return "default";
    }
    if (!it->is_string()) {
        throw std::invalid_argument("\"stream\" is not a string: " + it->dump());
    }
    return it->get<std::string>();
}

// -1 when the message names no direct task.
int direct_task_of(const nlohmann::json& m) {
    auto it = m.find("task");
    if (it == m.end() || it->is_null()) {
        return -1;
    }
    if (!it->is_number_integer()) {
        throw std::invalid_argument("\"task\" is not an integer: " + it->dump());
    }
    return it->get<int>();
}

// Storm's default: task ids are sent back unless need_task_ids is false.
bool wants_task_ids(const nlohmann::json& m) {
    auto it = m.find("need_task_ids");
    return it == m.end() || !it->is_boolean() || it->get<bool>();
}

}  // namespace

// ---------------------------------------------------------------- settings

shell_settings read_shell_settings(const component_def& def, const config& conf) {
    shell_settings s;
    s.spec = shell_spec::from_args(def.args);
    const value* dir = conf.find(topology_multilang_resources_dir);
    if (dir != nullptr && !dir->is_null()) {
        s.dir = dir->as_string();
    } else {
        s.dir = std::filesystem::current_path();
    }
    if (!std::filesystem::is_directory(s.dir)) {
        throw std::runtime_error(std::string(topology_multilang_resources_dir) + " '" +
                                 s.dir.string() + "' is not a directory");
    }
    std::int64_t secs = conf_int(conf, topology_subprocess_timeout_secs);
    s.timeout = std::chrono::milliseconds(std::max<std::int64_t>(1, secs) * 1000);
    // Several heartbeats per timeout, so that one late answer is not a death.
    s.heartbeat = std::min(s.heartbeat, s.timeout / 3);
    s.program = shell_process::resolve_program(s.spec.command.front(), s.dir);
    for (const input_def& in : def.inputs) {
        s.inputs.push_back({in.stream, in.component, in.grouping});
    }
    return s;
}

bool use_installed_resources(config& conf, const std::filesystem::path& installed) {
    const value* dir = conf.find(topology_multilang_resources_dir);
    std::error_code ec;
    if ((dir != nullptr && !dir->is_null()) || !std::filesystem::is_directory(installed, ec)) {
        return false;
    }
    conf.set(topology_multilang_resources_dir, installed.string());
    return true;
}

// ---------------------------------------------------------------- core

shell_core::shell_core(shell_settings s) : _s(std::move(s)) {}

shell_core::~shell_core() {
    shutdown();
}

void shell_core::prepare(const config& conf, const topology_context& ctx, bool is_spout) {
    _conf = conf;
    _ctx = &ctx;
    _is_spout = is_spout;
    _who = fmt::format("shell {} '{}' task {}", is_spout ? "spout" : "bolt",
                       ctx.get_this_component_id(), ctx.get_this_task_id());
}

std::string shell_core::handshake_json() const {
    nlohmann::json task_component = nlohmann::json::object();
    for (int t = 1;; ++t) {
        const std::string& c = _ctx->get_component_id(t);
        if (c.empty()) {
            break;
        }
        task_component[std::to_string(t)] = c;
    }
    nlohmann::json streams = nlohmann::json::array();
    nlohmann::json outputs = nlohmann::json::object();
    for (const stream_def& sd : _s.spec.streams) {
        streams.push_back(sd.id);
        outputs[sd.id] = sd.fields.names();
    }
    // Groupings as Storm writes them: {"type": "FIELDS", "fields": [...]}.
    auto grouping_json = [](const grouping& g) {
        std::string type(to_string(g.type));
        std::transform(type.begin(), type.end(), type.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        nlohmann::json j = {{"type", type}};
        if (!g.fields.empty()) {
            j["fields"] = g.fields.names();
        }
        return j;
    };
    nlohmann::json sources = nlohmann::json::object();
    nlohmann::json source_groupings = nlohmann::json::object();
    for (const auto& in : _s.inputs) {
        sources[in.component][in.stream] =
            _ctx->get_component_output_fields(in.component, in.stream).names();
        source_groupings[in.component][in.stream] = grouping_json(in.group);
    }
    nlohmann::json target_groupings = nlohmann::json::object();
    for (const auto& t : _s.targets) {
        target_groupings[t.stream][t.component] = grouping_json(t.group);
    }
    nlohmann::json context = {
        {"task->component", std::move(task_component)},
        {"taskid", _ctx->get_this_task_id()},
        {"componentid", _ctx->get_this_component_id()},
        {"streams", std::move(streams)},
        {"stream->outputfields", std::move(outputs)},
        {"source->stream->fields", std::move(sources)},
        {"stream->target->grouping", std::move(target_groupings)},
        {"source->stream->grouping", std::move(source_groupings)},
    };
    nlohmann::json setup = {
        {"conf", to_json(_conf)}, {"pidDir", _pid_dir.string()}, {"context", std::move(context)}};
    return setup.dump();
}

bool shell_core::launch() {
    namespace fs = std::filesystem;
    auto now = clock_type::now();
    _pid_dir = fs::temp_directory_path() / fmt::format("tempest-multilang-{}-{}-{}", ::getpid(),
                                                       _ctx->get_this_task_id(),
                                                       pid_dir_counter.fetch_add(1));
    std::error_code ec;
    fs::create_directories(_pid_dir, ec);
    shell_process::options o;
    o.program = _s.program;
    o.argv = _s.spec.command;
    o.cwd = _s.dir;
    o.wake = _wake;
    o.log_prefix = _who;
    _proc = std::make_unique<shell_process>(std::move(o));
    _started = now;
    _last_message = now;
    try {
        _proc->start();
    } catch (const std::exception& e) {
        die(e.what());
        return false;
    }
    if (!write_now(handshake_json())) {
        return false;
    }
    shell_message m;
    if (!_proc->wait_pop(m, clock_type::now() + _s.timeout)) {
        die(fmt::format("no reply to the handshake within {} ms", _s.timeout.count()));
        return false;
    }
    if (m.k != shell_message::kind::json) {
        die(m.k == shell_message::kind::eof ? "exited during the handshake" : m.text);
        return false;
    }
    auto pid = m.body.is_object() ? m.body.find("pid") : m.body.end();
    if (!m.body.is_object() || pid == m.body.end() || !pid->is_number_integer()) {
        die("the handshake's reply is not {\"pid\": N}: " + m.body.dump().substr(0, 200));
        return false;
    }
    heard();
    common::logger("worker").info("{}: started '{}' (pid {}) in {}", _who,
                                  fmt::join(_s.spec.command, " "), _proc->pid(), _s.dir.string());
    return true;
}

bool shell_core::ensure_running() {
    if (_proc) {
        return true;
    }
    if (clock_type::now() < _restart_at) {
        return false;
    }
    return launch();
}

bool shell_core::wait_running() {
    while (!_proc && clock_type::now() < _restart_at) {
        if (_stop != nullptr && _stop->load(std::memory_order_relaxed)) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return ensure_running();
}

void shell_core::die(const std::string& reason) {
    if (!_proc) {
        return;
    }
    auto lived = clock_type::now() - _started;
    // It misbehaved: no grace (but a process that already exited reports its own status).
    std::string status = _proc->stop(std::chrono::milliseconds(0));
    std::string message = fmt::format("{}: {}; the process {} and will be restarted; stderr: {}",
                                      _who, reason, status, tail_for_report(_proc->stderr_tail()));
    _proc.reset();
    std::error_code ec;
    std::filesystem::remove_all(_pid_dir, ec);  // best effort: a leftover directory is harmless
    _restart_at = clock_type::now() + _backoff;
    _backoff =
        lived < young ? std::min(_backoff * 2, max_backoff) : std::chrono::milliseconds(1000);
    if (report) {
        report(message);
    }
    if (on_death) {
        on_death();
    }
}

void shell_core::shutdown() {
    if (_proc) {
        (void)_proc->stop();  // an ordinary end: nothing to report
        _proc.reset();
        std::error_code ec;
        std::filesystem::remove_all(_pid_dir, ec);
    }
}

bool shell_core::write_now(std::string_view json) {
    _proc->write_message(json);
    return flush_now();
}

bool shell_core::flush_now() {
    auto deadline = clock_type::now() + _s.timeout;
    for (;;) {
        if (!_proc->flush()) {
            die("its stdin is closed");
            return false;
        }
        if (_proc->buffered() == 0) {
            return true;
        }
        if (clock_type::now() > deadline) {
            die(fmt::format("it read nothing from its stdin for {} ms", _s.timeout.count()));
            return false;
        }
        _proc->wait_writable(std::chrono::milliseconds(10));
    }
}

bool shell_core::handle_common(const std::string& cmd, const nlohmann::json& m) {
    if (cmd == "log") {
        static constexpr spdlog::level::level_enum levels[] = {
            spdlog::level::trace, spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
            spdlog::level::err};
        int level = 2;
        if (auto it = m.find("level"); it != m.end() && it->is_number_integer()) {
            level = std::clamp(it->get<int>(), 0, 4);
        }
        auto msg = m.find("msg");
        common::logger("worker").log(levels[level], "{}: {}", _who,
                                     msg == m.end()     ? std::string()
                                     : msg->is_string() ? msg->get<std::string>()
                                                        : msg->dump());
        return true;
    }
    if (cmd == "error") {
        auto msg = m.find("msg");
        if (report) {
            report(msg == m.end()     ? std::string("(no msg)")
                   : msg->is_string() ? msg->get<std::string>()
                                      : msg->dump());
        }
        return true;
    }
    if (cmd == "metrics") {
        auto name = m.find("name");
        auto params = m.find("params");
        if (name == m.end() || !name->is_string() || params == m.end() || !params->is_number()) {
            if (report) {
                report(_who + ": a metrics message needs a string \"name\" and a number " +
                       "\"params\": " + m.dump().substr(0, 200));
            }
            return true;
        }
        // Storm's CountShellMetric: params are added to a counter of that name.
        _ctx->metrics()
            .counter(_ctx->get_this_component_id(), _ctx->get_this_task_id(),
                     name->get<std::string>())
            .inc(params->is_number_integer() ? params->get<std::int64_t>()
                                             : static_cast<std::int64_t>(params->get<double>()));
        return true;
    }
    return false;
}

template <typename Emit>
void shell_core::emit_with_ids(const nlohmann::json& m, Emit&& emit) {
    const bool ids = wants_task_ids(m) && direct_task_of(m) < 0;
    if (!ids) {
        emit();
        return;
    }
    if (_capture == nullptr) {
        // Built outside make_task_state: no way to learn the targets; the subprocess still
        // gets its answer.
        emit();
        _proc->write_message("[]");
        (void)_proc->flush();  // a broken pipe shows up at the next flush that checks it
        return;
    }
    _targets.clear();
    *_capture = &_targets;
    try {
        emit();
    } catch (...) {
        *_capture = nullptr;
        _targets.clear();
        _proc->write_message("[]");
        throw;
    }
    *_capture = nullptr;
    _reply.clear();
    _reply += '[';
    for (std::size_t i = 0; i < _targets.size(); ++i) {
        if (i > 0) {
            _reply += ',';
        }
        _reply += std::to_string(_targets[i]);
    }
    _reply += ']';
    _proc->write_message(_reply);
    // The subprocess waits for this list before it goes on (storm.py's emit reads it at once):
    // it cannot wait for the end of the pass.
    (void)_proc->flush();  // a broken pipe shows up at the next flush that checks it
}

// ---------------------------------------------------------------- bolt

shell_bolt_impl::shell_bolt_impl(shell_settings s) : _core(std::move(s)) {
    _core.on_death = [this] {
        _proc_view = nullptr;
        _heartbeat_out = false;
        fail_all_pending();
    };
}

void shell_bolt_impl::declare_output_fields(output_fields_declarer& d) {
    for (const stream_def& s : _core.settings().spec.streams) {
        d.declare_stream(s.id, s.direct, s.fields);
    }
}

void shell_bolt_impl::prepare(const config& conf, const topology_context& context,
                              output_collector& collector) {
    _out = dynamic_cast<bolt_collector_impl*>(&collector);
    if (_out == nullptr) {
        throw std::logic_error("a shell bolt runs only with the runtime's collector");
    }
    _core.report = [this](std::string_view m) { _out->report_error(m); };
    _core.prepare(conf, context, false);
    if (_core.launch()) {
        _proc_view = &_core.proc();
        _next_heartbeat = clock_type::now() + _core.settings().heartbeat;
    }
}

void shell_bolt_impl::cleanup() {
    _proc_view = nullptr;
    _core.shutdown();
}

void shell_bolt_impl::write_tuple(std::uint64_t id, const tuple& t, std::string_view comp,
                                  std::string_view stream, int task) {
    _buf.clear();
    _buf += "{\"id\":\"";
    _buf += std::to_string(id);
    _buf += "\",\"comp\":";
    append_json_string(_buf, comp);
    _buf += ",\"stream\":";
    append_json_string(_buf, stream);
    _buf += ",\"task\":";
    _buf += std::to_string(task);
    _buf += ",\"tuple\":";
    append_json(_buf, t.get_values());
    _buf += '}';
    _core.proc().write_message(_buf);
}

void shell_bolt_impl::execute(const tuple& input) {
    if (!_core.alive()) {
        if (!_core.wait_running()) {
            _out->fail(input);  // it could not be started again: the tuple's tree replays
            return;
        }
        _proc_view = &_core.proc();
        _next_heartbeat = clock_type::now() + _core.settings().heartbeat;
    }
    std::uint64_t id = _next_id++;
    auto [it, inserted] = _pending.try_emplace(id, input);
    (void)inserted;  // ids only grow: always new
    // Storm numbers system tuples (ticks) from task -1.
    int task = input.get_source_task() == 0 ? -1 : input.get_source_task();
    write_tuple(id, it->second, input.get_source_component(), input.get_source_stream_id(), task);
    if (_core.proc().buffered() < max_buffered) {
        return;
    }
    // The subprocess is behind: write what it takes, handle what it says, until the buffer is
    // below the bound again (Storm's ShellBolt blocks on its full queue the same way).
    while (_core.alive() && _core.proc().buffered() >= max_buffered) {
        if (!_core.proc().flush()) {
            _core.die("its stdin is closed");
            return;
        }
        shell_message m;
        bool any = false;
        while (_core.alive() && _core.proc().try_pop(m)) {
            any = true;
            handle(m);
        }
        if (!_core.alive()) {
            return;
        }
        if (any) {
            _core.heard();
        } else if (clock_type::now() - _core.last_message() > _core.settings().timeout) {
            _core.die(fmt::format("it neither read nor wrote for {} ms",
                                  _core.settings().timeout.count()));
            return;
        }
        _core.proc().wait_writable(std::chrono::milliseconds(10));
    }
}

bool shell_bolt_impl::poll(bool backpressured) {
    if (!_core.alive()) {
        if (!_core.ensure_running()) {
            return false;
        }
        _proc_view = &_core.proc();
        _next_heartbeat = clock_type::now() + _core.settings().heartbeat;
    }
    shell_process& p = _core.proc();
    if (!p.flush()) {
        _core.die("its stdin is closed");
        return true;
    }
    auto now = clock_type::now();
    if (backpressured) {
        _core.heard();  // our output is full, not the subprocess' fault
        return false;
    }
    bool work = false;
    shell_message m;
    for (int i = 0; i < max_messages_per_poll && _core.alive() && p.try_pop(m); ++i) {
        work = true;
        _core.heard();
        handle(m);
    }
    if (!_core.alive()) {
        return true;
    }
    if (!_heartbeat_out && now >= _next_heartbeat) {
        _heartbeat_out = true;
        _next_heartbeat = now + _core.settings().heartbeat;
        p.write_message(
            R"({"id":"0","comp":"__system","stream":"__heartbeat","task":-1,"tuple":[]})");
    }
    if (now - _core.last_message() > _core.settings().timeout) {
        _core.die(
            fmt::format("no message (not even a heartbeat's sync) for {} ms "
                        "(topology.subprocess.timeout.secs)",
                        _core.settings().timeout.count()));
        return true;
    }
    if (!p.flush()) {
        _core.die("its stdin is closed");
    }
    return work;
}

shell_bolt_impl::pending_map::iterator shell_bolt_impl::find_pending(const nlohmann::json& id) {
    std::uint64_t n = 0;
    if (id.is_string()) {
        const std::string& s = id.get_ref<const std::string&>();
        auto r = std::from_chars(s.data(), s.data() + s.size(), n);
        if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
            return _pending.end();
        }
    } else if (id.is_number_unsigned() || id.is_number_integer()) {
        n = id.get<std::uint64_t>();
    } else {
        return _pending.end();
    }
    return _pending.find(n);
}

void shell_bolt_impl::handle(shell_message& m) {
    if (m.k == shell_message::kind::eof) {
        _core.die(m.text.empty() ? "its output ended" : m.text);
        return;
    }
    if (m.k == shell_message::kind::invalid) {
        _core.die(m.text);
        return;
    }
    const nlohmann::json& j = m.body;
    const std::string cmd = command_of(j);
    try {
        if (cmd == "emit") {
            _anchors.clear();
            if (auto a = j.find("anchors"); a != j.end() && a->is_array()) {
                for (const auto& id : *a) {
                    auto it = find_pending(id);
                    if (it == _pending.end()) {
                        _out->report_error(_core.who() + ": emit anchored to unknown tuple id " +
                                           id.dump() + " (already acked or failed?)");
                        continue;
                    }
                    _anchors.push_back(&it->second);
                }
            }
            std::string error;
            auto tup = j.find("tuple");
            if (tup == j.end() || !json_to_values(*tup, _vals, error)) {
                throw std::invalid_argument(tup == j.end() ? "emit without \"tuple\"" : error);
            }
            const std::string stream = stream_of(j);
            const int direct = direct_task_of(j);
            _core.emit_with_ids(j, [&] { _out->emit_any(stream, _anchors, _vals, direct); });
        } else if (cmd == "ack" || cmd == "fail") {
            auto id = j.find("id");
            auto it = id == j.end() ? _pending.end() : find_pending(*id);
            if (it == _pending.end()) {
                _out->report_error(_core.who() + ": " + cmd + " of unknown tuple id " +
                                   (id == j.end() ? std::string("(none)") : id->dump()));
                return;
            }
            if (cmd == "ack") {
                _out->ack(it->second);
            } else {
                _out->fail(it->second);
            }
            _pending.erase(it);
        } else if (cmd == "sync") {
            _heartbeat_out = false;
        } else if (!_core.handle_common(cmd, j)) {
            _core.die("unknown command in message: " + j.dump().substr(0, 200));
        }
    } catch (const std::exception& e) {
        _out->report_error(_core.who() + ": cannot handle " + j.dump().substr(0, 200) + ": " +
                           e.what());
    }
}

void shell_bolt_impl::fail_all_pending() {
    for (auto& [id, t] : _pending) {
        _out->fail(t);
    }
    _pending.clear();
}

// ---------------------------------------------------------------- spout

shell_spout_impl::shell_spout_impl(shell_settings s) : _core(std::move(s)) {
    // The messages in flight are the old process' ids; a new one cannot ack or replay them
    // (their trees still complete or time out in the acker, and are then dropped here).
    _core.on_death = [this] { _ids.clear(); };
}

void shell_spout_impl::declare_output_fields(output_fields_declarer& d) {
    for (const stream_def& s : _core.settings().spec.streams) {
        d.declare_stream(s.id, s.direct, s.fields);
    }
}

void shell_spout_impl::open(const config& conf, const topology_context& context,
                            spout_output_collector& collector) {
    _out = dynamic_cast<spout_collector_impl*>(&collector);
    if (_out == nullptr) {
        throw std::logic_error("a shell spout runs only with the runtime's collector");
    }
    _core.report = [this](std::string_view m) { _out->report_error(m); };
    _core.prepare(conf, context, true);
    (void)_core.launch();  // a failure is reported; next_tuple() retries after the back-off
}

void shell_spout_impl::close() {
    _core.shutdown();
}

// Not worth starting a process for: a restarted one begins active.
void shell_spout_impl::activate() {
    if (_core.alive()) {
        query(R"({"command":"activate"})");
    }
}

void shell_spout_impl::deactivate() {
    if (_core.alive()) {
        query(R"({"command":"deactivate"})");
    }
}

void shell_spout_impl::next_tuple() {
    query(R"({"command":"next"})");
}

void shell_spout_impl::ack(message_id id) {
    auto it = _ids.find(id.id);
    if (it == _ids.end()) {
        // Emitted by a process that has since been restarted (ids are never reused, so a new
        // process' id cannot be mistaken for it): the new process never knew it.
        common::logger("worker").debug("{}: ack of message {} of a previous process dropped",
                                       _core.who(), id.id);
        return;
    }
    nlohmann::json msg = {{"command", "ack"}, {"id", std::move(it->second)}};
    _ids.erase(it);
    query(msg.dump());
}

void shell_spout_impl::fail(message_id id) {
    auto it = _ids.find(id.id);
    if (it == _ids.end()) {
        common::logger("worker").debug("{}: fail of message {} of a previous process dropped",
                                       _core.who(), id.id);
        return;
    }
    nlohmann::json msg = {{"command", "fail"}, {"id", std::move(it->second)}};
    _ids.erase(it);
    query(msg.dump());
}

void shell_spout_impl::query(std::string_view command) {
    if (!_core.ensure_running()) {
        return;
    }
    if (!_core.write_now(command)) {
        return;
    }
    shell_process& p = _core.proc();
    for (;;) {
        shell_message m;
        if (!p.wait_pop(m, _core.last_message() + _core.settings().timeout)) {
            _core.die(
                fmt::format("no \"sync\" within {} ms of {} "
                            "(topology.subprocess.timeout.secs)",
                            _core.settings().timeout.count(), command));
            return;
        }
        _core.heard();
        if (m.k == shell_message::kind::eof) {
            _core.die(m.text.empty() ? "its output ended" : m.text);
            return;
        }
        if (m.k == shell_message::kind::invalid) {
            _core.die(m.text);
            return;
        }
        if (command_of(m.body) == "sync") {
            if (p.buffered() > 0 && !p.flush()) {
                _core.die("its stdin is closed");
            }
            return;
        }
        handle(m.body);
        if (!_core.alive()) {
            return;
        }
        // Task ids the subprocess waits for before it goes on.
        if (p.buffered() > 0 && !_core.flush_now()) {
            return;
        }
    }
}

void shell_spout_impl::handle(const nlohmann::json& j) {
    const std::string cmd = command_of(j);
    try {
        if (cmd == "emit") {
            std::string error;
            auto tup = j.find("tuple");
            if (tup == j.end() || !json_to_values(*tup, _vals, error)) {
                throw std::invalid_argument(tup == j.end() ? "emit without \"tuple\"" : error);
            }
            const std::string stream = stream_of(j);
            const int direct = direct_task_of(j);
            auto id = j.find("id");
            if (id == j.end() || id->is_null()) {
                _core.emit_with_ids(j, [&] { _out->emit_any(stream, _vals, nullptr, direct); });
                return;
            }
            message_id mid{_next_id++};
            _ids.emplace(mid.id, *id);
            try {
                _core.emit_with_ids(j, [&] { _out->emit_any(stream, _vals, &mid, direct); });
            } catch (...) {
                _ids.erase(mid.id);  // nothing was emitted: nothing will be acked
                throw;
            }
        } else if (!_core.handle_common(cmd, j)) {
            _core.die("unknown command in message: " + j.dump().substr(0, 200));
        }
    } catch (const std::exception& e) {
        _out->report_error(_core.who() + ": cannot handle " + j.dump().substr(0, 200) + ": " +
                           e.what());
    }
}

}  // namespace tempest::worker::multilang
