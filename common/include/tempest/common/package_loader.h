// SPDX-License-Identifier: Apache-2.0
// package_loader: one loaded topology package (a shared library exporting the entry points of
// tempest/topology_api/package.h), as the JVM loads a Storm jar. Loading checks the file, opens
// it with dlopen(RTLD_NOW | RTLD_LOCAL), resolves tempest_api_version and tempest_register
// (tempest_main is resolved too, but only run_main needs it) and checks the API version.
//
//   package_loader pkg("wordcount.so");                 // throws package_error
//   pkg.register_components(component_registry::instance());
//   int rc = pkg.run_main({"--words", "10"}, submitter);
//
// Owned by whoever runs the package (the CLI, a worker); the library handle stays open for the
// object's lifetime. The library is opened with RTLD_NODELETE as well, so that the factories it
// registered stay callable (and destructible) after the object is gone: the registry outlives it.
// Not thread-safe to call concurrently; the package's own functions run on the caller's thread.
#pragma once

#include "tempest/topology_api/component_registry.h"
#include "tempest/topology_api/package.h"

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace tempest::common {

// A package that cannot be loaded or run: missing file, dlopen failure (with dlerror()),
// missing entry point, API version mismatch.
class package_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class package_loader {
  public:
    // Loads the package at `path`. Throws package_error.
    explicit package_loader(std::filesystem::path path);
    ~package_loader();
    package_loader(package_loader&& o) noexcept;
    package_loader& operator=(package_loader&& o) noexcept;
    package_loader(const package_loader&) = delete;
    package_loader& operator=(const package_loader&) = delete;

    const std::filesystem::path& path() const noexcept { return _path; }
    int api_version() const noexcept { return _api_version; }

    // Calls the package's tempest_register(registry). Exceptions from it propagate.
    void register_components(component_registry& registry) const;

    // Calls tempest_main with argv = {path, args...} and returns its result. Throws
    // package_error if the package has no tempest_main; exceptions from it (e.g. a submitter's
    // invalid_topology) propagate.
    int run_main(const std::vector<std::string>& args, submitter& s) const;

  private:
    void close() noexcept;

    std::filesystem::path _path;
    void* _handle = nullptr;
    int _api_version = 0;
    tempest_register_fn _register = nullptr;
    tempest_main_fn _main = nullptr;
};

}  // namespace tempest::common
