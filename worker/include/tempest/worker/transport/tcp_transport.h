// SPDX-License-Identifier: Apache-2.0
// tcp_transport: persistent worker-to-worker TCP connections carrying frames (frame.h).
//
// tcp_server listens on a port and hands each decoded frame to a callback; tcp_client keeps one
// connection to one peer worker, batches tuples into frames (by size and by a flush interval),
// holds a bounded queue of encoded frames (try_send() returns false when it is full: the caller
// applies backpressure) and reconnects with capped exponential backoff after errors. Both run on
// an io_pool (io_pool.h), the fixed set of I/O threads a worker's connections share; Asio stays
// out of these headers.
//
// Flow control is by credits, per destination task: a client may have at most credit_window
// messages for a task sent and not yet granted back. The server's owner grants credits back on
// the same connection (tcp_server::grant) once it has taken the messages off the connection's
// hands; try_send() refuses a message whose task has no credit left, exactly as for a full
// queue. A receiver therefore never holds more than credit_window messages per task per
// sending connection, however far behind its executors fall. Each new connection starts with a
// full window.
#pragma once

// The transport's two ends, each in its own header.
#include "tempest/worker/transport/io_pool.h"     // IWYU pragma: export
#include "tempest/worker/transport/tcp_client.h"  // IWYU pragma: export
#include "tempest/worker/transport/tcp_server.h"  // IWYU pragma: export
