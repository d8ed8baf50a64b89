// SPDX-License-Identifier: Apache-2.0
// io_pool's insides (the io_context and its threads) and handler_tracker, which lets a client or
// server on a shared pool wait in stop() until none of its handlers can run any more. Private to
// worker/src/transport.
#pragma once

#include "asio_common.h"
#include "tempest/worker/transport/io_pool.h"

#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace tempest::worker::transport {

struct io_pool::impl {
    explicit impl(std::size_t n) : threads(n == 0 ? 1 : n) {}

    std::size_t threads;
    asio::io_context io;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
    std::vector<std::thread> running;
};

// Every handler a client or server gives Asio holds a token(); stop() drops the owner's copy and
// waits for the last one to go: from then on no handler of that client or server is queued or
// running, so its state may be reused or destroyed. A handler the pool destroys without running
// it (the pool stopped) releases its token too.
class handler_tracker {
  public:
    // A fresh tracking period (start()). Requires: no token of the previous period is alive.
    void arm() {
        auto done = std::make_shared<std::promise<void>>();
        _idle = done->get_future();
        _token = std::shared_ptr<void>(nullptr, [done](void*) { done->set_value(); });
    }
    // Requires: armed, and called where the owner's copy cannot be released concurrently (the
    // strand, or under the owner's lock).
    const std::shared_ptr<void>& token() const noexcept { return _token; }
    bool armed() const noexcept { return _idle.valid(); }
    // Drops the owner's copy. Requires: nothing calls token() concurrently (on the strand).
    void release() noexcept { _token.reset(); }
    // Waits until every handler holding a token has run or been destroyed. Requires: armed, and
    // release() called or about to be called by a handler.
    void wait() {
        _idle.wait();
        _idle = {};
    }

  private:
    std::shared_ptr<void> _token;
    std::future<void> _idle;
};

}  // namespace tempest::worker::transport
