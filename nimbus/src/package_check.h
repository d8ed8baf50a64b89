// SPDX-License-Identifier: Apache-2.0
// package_check: at submit, whether the package registers every class the topology names —
// without loading the package (user code) into Nimbus. A short-lived child process opens the
// package and lists what its tempest_register registers; Nimbus compares.
//
//   submit ─▶ check_package_classes(topology, package)
//               │ no component with a class to check (all shell components): done, no child
//               └ fork + exec  <nimbus.package.check.command...> PACKAGE
//                   (default `<tempest binary> package-classes`), in its own process group,
//                   RLIMIT_AS = nimbus.package.check.memory.mb, RLIMIT_CPU and a wall-clock
//                   deadline = nimbus.package.check.timeout.secs, no core file, stdin
//                   /dev/null, no inherited descriptor but its stdout and stderr
//               ◀─ stdout: "tempest-package-classes 1", then "<spout|bolt|grouping> NAME" lines,
//                  then "end"; exit 0 (2: the package cannot be loaded, the reason on stderr;
//                  3: it ran out of memory)
//
// Refusals (the package's fault) throw nimbus_error(invalid_topology): a component's class not
// registered, or registered as another kind (naming the component and the class); a custom
// grouping class not registered; a package that does not load; a child that crashes, runs past
// the time limit or the memory limit. Failures of the check itself (Nimbus' fault: the helper
// missing or not executable, no command configured, a helper that does not speak the protocol)
// throw std::runtime_error saying so: the submission is refused, never accepted unchecked.
// Free functions; thread-safe (fork/exec only; nothing shared).
#pragma once

#include "tempest/topology_api/component_registry.h"
#include "tempest/topology_api/topology.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tempest::nimbus {

struct package_check_settings {
    bool enabled = true;               // nimbus.package.check
    std::vector<std::string> command;  // nimbus.package.check.command (empty: not configured)
    std::chrono::seconds timeout{10};  // nimbus.package.check.timeout.secs
    std::int64_t memory_bytes = std::int64_t{1024} << 20;  // nimbus.package.check.memory.mb
};

// Class name -> what the package registered it as.
using registered_classes = std::map<std::string, component_class_kind>;

// Runs the helper on `package` and returns what it lists. Throws as the file comment says.
registered_classes list_package_classes(const package_check_settings& settings,
                                        const std::filesystem::path& package);

// Why `t` cannot be built from `classes` (the first problem found), or "" when it can. Shell
// components are built by the worker itself and are not looked up. `package` names the package
// in the message.
std::string class_problem(const tempest::topology& t, const registered_classes& classes,
                          const std::string& package);

// True when some component of `t` names a class the package must register.
bool needs_package_classes(const tempest::topology& t);

// The whole check, as submit runs it (nothing when disabled or when nothing needs a class).
// `source` ("topology 'wc'") prefixes the messages.
void check_package_classes(const package_check_settings& settings, const tempest::topology& t,
                           const std::filesystem::path& package, const std::string& source);

}  // namespace tempest::nimbus
