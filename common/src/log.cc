// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/log.h"

#include "tempest/common/config_loader.h"
#include "tempest/common/log_rotation.h"

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace tempest::common {
namespace {

constexpr const char* pattern = "%Y-%m-%d %H:%M:%S.%e [%l] [%n] %v";

// Every logger writes to one dist_sink; init_logging swaps the sinks behind it, which the
// dist_sink does under its own lock, so loggers never see a half-changed sink list.
struct log_state {
    log_state() : sink(std::make_shared<spdlog::sinks::dist_sink_mt>()) {
        auto err = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        err->set_pattern(pattern);
        sink->set_sinks({err});
    }
    std::mutex mu;  // guards loggers and level
    std::shared_ptr<spdlog::sinks::dist_sink_mt> sink;
    std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
    spdlog::level::level_enum level = spdlog::level::info;
};

log_state& state() {
    // Leaked on purpose: loggers may be used from static destructors and detached threads.
    static auto* s = new log_state();
    return *s;
}

}  // namespace

spdlog::level::level_enum parse_log_level(std::string_view level) {
    static const std::pair<std::string_view, spdlog::level::level_enum> levels[] = {
        {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
        {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
        {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
        {"off", spdlog::level::off},
    };
    for (const auto& [name, l] : levels) {
        if (name == level) {
            return l;
        }
    }
    throw config_error(fmt::format(
        "invalid log level '{}'; expected trace, debug, info, warn, error, critical or off",
        level));
}

spdlog::logger& logger(std::string_view name) {
    log_state& s = state();
    std::scoped_lock lock(s.mu);
    auto it = s.loggers.find(name);
    if (it == s.loggers.end()) {
        auto l = std::make_shared<spdlog::logger>(std::string(name), s.sink);
        l->set_level(s.level);
        l->flush_on(spdlog::level::warn);
        it = s.loggers.emplace(std::string(name), std::move(l)).first;
    }
    return *it->second;
}

void init_logging(std::string_view level, const std::optional<std::filesystem::path>& file) {
    auto l = parse_log_level(level);
    std::shared_ptr<spdlog::sinks::sink> out;
    if (file) {
        if (file->has_parent_path()) {
            std::filesystem::create_directories(file->parent_path());
        }
        try {
            out = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file->string());
        } catch (const spdlog::spdlog_ex& e) {
            throw std::runtime_error(
                fmt::format("cannot open log file '{}': {}", file->string(), e.what()));
        }
    } else {
        out = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    }
    out->set_pattern(pattern);
    log_state& s = state();
    std::scoped_lock lock(s.mu);
    s.level = l;
    s.sink->set_sinks({out});
    for (auto& [name, lg] : s.loggers) {
        lg->set_level(l);
    }
}

void replace_log_sink(std::shared_ptr<spdlog::sinks::sink> sink) {
    sink->set_pattern(pattern);
    log_state& s = state();
    std::scoped_lock lock(s.mu);
    s.sink->set_sinks({std::move(sink)});
}

}  // namespace tempest::common
