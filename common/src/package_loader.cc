// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/package_loader.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <utility>

namespace tempest::common {
namespace {

std::string last_dlerror() {
    const char* e = dlerror();
    return e != nullptr ? e : "unknown error";
}

}  // namespace

package_loader::package_loader(std::filesystem::path path) : _path(std::move(path)) {
    const std::string name = _path.string();
    std::error_code ec;
    if (!std::filesystem::exists(_path, ec)) {
        throw package_error(fmt::format("package {} not found", name));
    }
    if (!std::filesystem::is_regular_file(_path, ec)) {
        throw package_error(fmt::format("package {} is not a regular file", name));
    }
    // dlopen searches the library path for a name without a slash; a package is always a file.
    std::string file = std::filesystem::absolute(_path, ec).string();
    if (ec) {
        file = name;
    }
    (void)dlerror();  // clear a stale error; its text would be misleading below
    _handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (_handle == nullptr) {
        throw package_error(fmt::format("cannot load package {}: {}", name, last_dlerror()));
    }
    // None of the entry points can legitimately be null, so null means "not exported".
    auto symbol = [&](const char* sym) { return dlsym(_handle, sym); };
    auto required = [&](const char* sym) {
        void* p = symbol(sym);
        if (p == nullptr) {
            close();
            throw package_error(fmt::format(
                "package {} does not export {}; a package defines TEMPEST_PACKAGE() and the "
                "extern \"C\" functions tempest_register and tempest_main",
                name, sym));
        }
        return p;
    };
    auto version = reinterpret_cast<tempest_api_version_fn>(required("tempest_api_version"));
    _register = reinterpret_cast<tempest_register_fn>(required("tempest_register"));
    _main = reinterpret_cast<tempest_main_fn>(symbol("tempest_main"));
    _api_version = version();
    if (_api_version != TEMPEST_API_VERSION) {
        close();
        throw package_error(
            fmt::format("package {} was built for tempest API version {}; this tempest speaks {}",
                        name, _api_version, TEMPEST_API_VERSION));
    }
}

package_loader::~package_loader() {
    close();
}

package_loader::package_loader(package_loader&& o) noexcept
    : _path(std::move(o._path)),
      _handle(std::exchange(o._handle, nullptr)),
      _api_version(o._api_version),
      _register(std::exchange(o._register, nullptr)),
      _main(std::exchange(o._main, nullptr)) {}

package_loader& package_loader::operator=(package_loader&& o) noexcept {
    if (this != &o) {
        close();
        _path = std::move(o._path);
        _handle = std::exchange(o._handle, nullptr);
        _api_version = o._api_version;
        _register = std::exchange(o._register, nullptr);
        _main = std::exchange(o._main, nullptr);
    }
    return *this;
}

void package_loader::close() noexcept {
    if (_handle != nullptr) {
        // RTLD_NODELETE keeps the code mapped; this only releases our reference.
        (void)dlclose(_handle);
        _handle = nullptr;
    }
    _register = nullptr;
    _main = nullptr;
}

void package_loader::register_components(component_registry& registry) const {
    if (_register == nullptr) {
        throw package_error(fmt::format("package {} is not loaded", _path.string()));
    }
    _register(registry);
}

int package_loader::run_main(const std::vector<std::string>& args, submitter& s) const {
    if (_main == nullptr) {
        throw package_error(
            fmt::format("package {} does not export tempest_main, so it cannot submit a topology",
                        _path.string()));
    }
    // tempest_main may modify its argv strings, as a C main may: give it private copies.
    std::vector<std::string> storage;
    storage.reserve(args.size() + 1);
    storage.push_back(_path.string());
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(storage.size() + 1);
    for (auto& a : storage) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    return _main(static_cast<int>(storage.size()), argv.data(), s);
}

}  // namespace tempest::common
