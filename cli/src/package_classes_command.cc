// SPDX-License-Identifier: Apache-2.0
#include "package_classes_command.h"

#include "cli_error.h"
#include "tempest/common/package_loader.h"
#include "tempest/topology_api/component_registry.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <new>
#include <string>
#include <string_view>
#include <system_error>

namespace tempest::cli {
namespace {

const char* kind_name(component_class_kind k) {
    switch (k) {
        case component_class_kind::spout:
            return "spout";
        case component_class_kind::bolt:
            return "bolt";
        case component_class_kind::grouping:
            return "grouping";
    }
    return "?";
}

[[noreturn]] void finish(int code) {
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(code);
}

}  // namespace

std::string self_executable() {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
        throw cli_error("cannot resolve this program's path from /proc/self/exe: " + ec.message());
    }
    std::string path = p.string();
    constexpr std::string_view deleted = " (deleted)";
    if (path.ends_with(deleted)) {
        path.resize(path.size() - deleted.size());
    }
    return path;
}

void run_package_classes(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "tempest: error: usage: tempest %s PACKAGE.so\n",
                     package_classes_command);
        finish(64);
    }
    try {
        common::package_loader pkg(argv[2]);
        component_registry registry;
        pkg.register_components(registry);
        std::string out = "tempest-package-classes 1\n";
        for (const auto& name : registry.names()) {
            if (name.find('\n') != std::string::npos) {
                continue;  // no topology can name it on one line; the check reports it missing
            }
            out += kind_name(registry.kind_of(name));
            out += ' ';
            out += name;
            out += '\n';
        }
        out += "end\n";
        std::fwrite(out.data(), 1, out.size(), stdout);
        finish(0);
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "out of memory loading %s\n", argv[2]);
        finish(3);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        finish(2);
    } catch (...) {
        std::fprintf(stderr, "tempest_register threw an exception that is not a std::exception\n");
        finish(2);
    }
}

}  // namespace tempest::cli
