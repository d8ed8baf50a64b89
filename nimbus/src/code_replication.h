// SPDX-License-Identifier: Apache-2.0
// fetch_topology_code: copies one topology's code from the leading Nimbus into this Nimbus'
// stormdist, so that a standby (with its own storm.local.dir, as on another host) can serve
// downloads once it leads. Called by nimbus_handler::replicate_code on the handler's background
// thread; it opens its own Thrift connection (framed transport, binary protocol) per call.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace tempest::nimbus {

// Downloads "<id>/<file>" (a path relative to the remote stormdist) for every code file of
// topology `id` (stormjar.so.sha256, stormjar.so, stormcode.ser, stormconf.json) from the Nimbus
// at host:port with beginFileDownload/downloadChunk into the directory `dest` (created), then
// checks stormjar.so against the SHA-256 in stormjar.so.sha256. `timeout` bounds the connect and
// each call. Throws std::runtime_error naming host:port, the file and what failed; `dest` may
// then hold part of the files (the caller removes it).
void fetch_topology_code(const std::string& host, int port, const std::string& id,
                         const std::filesystem::path& dest, std::chrono::milliseconds timeout);

}  // namespace tempest::nimbus
