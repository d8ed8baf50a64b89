// SPDX-License-Identifier: Apache-2.0
// `tempest package-classes PACKAGE`: a hidden subcommand that Nimbus runs in a short-lived child
// process at submit (nimbus/src/package_check.h) so that user code never loads into Nimbus
// itself. It opens the package, calls its tempest_register on an empty component_registry and
// prints what it registered:
//
//   tempest-package-classes 1
//   spout|bolt|grouping NAME      (one line per class, by name)
//   end
//
// Exit 0; 2 when the package cannot be loaded or its tempest_register throws (the reason on
// stderr); 3 when it runs out of memory; 64 for a bad command line. It ends with _Exit, so the
// package's static destructors never run. Not listed in --help: it is for Nimbus, not users.
#pragma once

#include <string>

namespace tempest::cli {

inline constexpr const char* package_classes_command = "package-classes";

// This program's path (readlink /proc/self/exe; a binary replaced while running is named by its
// path, not "<path> (deleted)"), which Nimbus runs as `<path> package-classes PACKAGE`. Throws
// cli_error when it cannot be resolved.
std::string self_executable();

// argv[1] is "package-classes"; argv[2] the package.
[[noreturn]] void run_package_classes(int argc, char** argv);

}  // namespace tempest::cli
