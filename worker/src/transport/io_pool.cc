// SPDX-License-Identifier: Apache-2.0
#include "tempest/worker/transport/io_pool.h"

#include "io_pool_impl.h"
#include "tempest/common/thread_name.h"

namespace tempest::worker::transport {

io_pool::io_pool(std::size_t threads) : _impl(std::make_unique<impl>(threads)) {}

io_pool::~io_pool() {
    stop();
}

void io_pool::start() {
    impl& p = *_impl;
    if (!p.running.empty()) {
        return;
    }
    p.io.restart();
    p.guard.emplace(p.io.get_executor());
    for (std::size_t i = 0; i < p.threads; ++i) {
        p.running.emplace_back([&p, i] {
            common::set_thread_name(common::thread_name("net-io", static_cast<int>(i)));
            p.io.run();
        });
    }
}

void io_pool::stop() {
    impl& p = *_impl;
    if (p.running.empty()) {
        return;
    }
    p.guard.reset();  // run() returns once no handler is left
    for (auto& t : p.running) {
        t.join();
    }
    p.running.clear();
}

std::size_t io_pool::threads() const noexcept {
    return _impl->threads;
}

}  // namespace tempest::worker::transport
