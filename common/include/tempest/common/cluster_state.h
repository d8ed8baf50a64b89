// SPDX-License-Identifier: Apache-2.0
// cluster_state: the coordination store every daemon talks to, with ZooKeeper's model and
// semantics so that a ZooKeeper backend and the in-memory backend (memory_cluster_state) are
// interchangeable and pass the same contract tests (tests/unit/common/cluster_state_contract.h).
//
// - Nodes are named by absolute slash-separated paths ("/tempest/storms/wc-1"); each holds a
//   byte string and has children. "/" always exists. A node is created only under an existing
//   parent (ensure_path() makes the missing ancestors).
// - Modes: persistent nodes live until removed; ephemeral nodes belong to the session that
//   created them and are removed when it closes (or, with ZooKeeper, expires); sequential modes
//   append a 10-digit, increasing per-parent counter to the name.
// - Versions: every set bumps the node's data version; set/remove may require an expected
//   version (optimistic concurrency), any_version skips the check.
// - Watches are one-shot, as in ZooKeeper: get() and exists() may leave a data watch that fires
//   once when the node is created, changed or deleted; children() may leave a child watch that
//   fires once when a child is added or removed or the node is deleted. A watch fires at most
//   once; read again (leaving a new watch) to keep watching. Callbacks run on a thread of the
//   backend, never while it holds a lock, so they may call back into the cluster state; they
//   must not block for long.
//
// An object of this interface is one session. Operations return errors (errc) instead of
// throwing. Thread-safety: every method may be called from any thread.
#pragma once

#include "tempest/common/errc.h"
#include "tempest/common/result.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tempest::common {

enum class create_mode : std::uint8_t {
    persistent,
    ephemeral,
    persistent_sequential,
    ephemeral_sequential,
};

// Metadata of a node, as ZooKeeper's Stat.
struct node_stat {
    std::int32_t version = 0;          // data version: number of sets since creation
    std::int32_t cversion = 0;         // number of child creations and removals
    std::int64_t ephemeral_owner = 0;  // owning session id; 0 for a persistent node
    std::int32_t data_length = 0;
    std::int32_t num_children = 0;
    std::int64_t ctime_ms = 0;  // creation time, since the epoch
    std::int64_t mtime_ms = 0;  // last modification time, since the epoch
    friend bool operator==(const node_stat&, const node_stat&) = default;
};

struct node_data {
    std::string data;
    node_stat stat;
};

enum class watch_event_type : std::uint8_t {
    created,           // data watch left by exists() on a missing node
    deleted,           // data or child watch: the node was removed
    data_changed,      // data watch: set() on the node
    children_changed,  // child watch: a child was created or removed
};

std::string_view to_string(watch_event_type t) noexcept;

struct watch_event {
    watch_event_type type;
    std::string path;  // the watched node's path
};

using watcher = std::function<void(const watch_event&)>;

class cluster_state {
  public:
    static constexpr std::int32_t any_version = -1;

    virtual ~cluster_state() = default;

    // Creates `path` holding `data`; returns the created path (with the sequence suffix for
    // sequential modes). Errors: node_exists, no_node (parent missing), no_children_for_ephemerals,
    // invalid_path (malformed, or "/"), session_expired, connection_lost.
    [[nodiscard]] virtual result<std::string> create(
        std::string_view path, std::string_view data,
        create_mode mode = create_mode::persistent) = 0;

    // Data and stat of `path`; with `w`, leaves a data watch if the node exists.
    // Errors: no_node, invalid_path, session_expired, connection_lost.
    [[nodiscard]] virtual result<node_data> get(std::string_view path, watcher w = nullptr) = 0;

    // Replaces the data of `path` if its version is `expected_version` (or any_version); returns
    // the new stat. Errors: no_node, bad_version, invalid_path, session_expired, connection_lost.
    [[nodiscard]] virtual result<node_stat> set(std::string_view path, std::string_view data,
                                                std::int32_t expected_version = any_version) = 0;

    // The stat of `path`, or nullopt when it does not exist; with `w`, leaves a data watch
    // (which fires `created` for a missing node). Errors: invalid_path, session_expired,
    // connection_lost.
    [[nodiscard]] virtual result<std::optional<node_stat>> exists(std::string_view path,
                                                                  watcher w = nullptr) = 0;

    // Names (not paths) of the children of `path`, in no particular order; with `w`, leaves a
    // child watch. Errors: no_node, invalid_path, session_expired, connection_lost.
    [[nodiscard]] virtual result<std::vector<std::string>> children(std::string_view path,
                                                                    watcher w = nullptr) = 0;

    // Removes `path`, which must have no children, if its version is `expected_version` (or
    // any_version). Errors: no_node, not_empty, bad_version, invalid_path, session_expired,
    // connection_lost.
    [[nodiscard]] virtual result<void> remove(std::string_view path,
                                              std::int32_t expected_version = any_version) = 0;

    // This session's id (the ephemeral_owner of the nodes it creates); never 0.
    virtual std::int64_t session_id() const = 0;

    // Ends the session: its ephemeral nodes are removed and its watches dropped; afterwards
    // every operation returns session_expired. Returns once no watcher of this session runs any
    // more (except one on the calling thread's own stack). Idempotent; the destructor calls it.
    virtual void close() = 0;
};

// True for a well-formed absolute path: "/" or "/a/b" with non-empty components other than
// "." and "..", no trailing slash and no NUL character.
bool is_valid_path(std::string_view path) noexcept;

// The parent of a valid path other than "/" ("/a/b" -> "/a", "/a" -> "/").
std::string parent_path(std::string_view path);

// "/a" + "b" -> "/a/b"; "/" + "b" -> "/b".
std::string join_path(std::string_view parent, std::string_view child);

// Creates the missing ancestors of `path` and `path` itself as empty persistent nodes; nodes
// that exist (or appear concurrently) are fine. Errors as create() other than node_exists.
[[nodiscard]] result<void> ensure_path(cluster_state& state, std::string_view path);

// Removes `path` and everything below it; a node that disappears concurrently is fine, and a
// missing `path` is success. Errors: invalid_path (including "/"), session_expired,
// connection_lost, and not_empty if children keep appearing.
[[nodiscard]] result<void> remove_recursive(cluster_state& state, std::string_view path);

}  // namespace tempest::common
