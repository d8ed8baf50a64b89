// SPDX-License-Identifier: Apache-2.0
// file_transfers: the upload and download sessions of the Nimbus service and the inbox that
// uploads land in.
//
//   beginFileUpload ─▶ <inbox>/stormjar-<random>.so ◀─ uploadChunk … finishFileUpload (SHA-256)
//   submit ─▶ claim_upload() ─▶ (topology_store moves the file into stormdist) ─▶ forget_upload()
//   beginFileDownload(path under stormdist) ─▶ id ─▶ downloadChunk … (empty = end)
//
// An upload is capped at nimbus.file.upload.max.bytes (a chunk beyond it abandons the upload);
// an upload that no submission takes is removed by expire_uploads() (the monitor calls it).
// Errors: nimbus_error(bad_request) for a session the caller got wrong, nimbus_error
// (invalid_topology) from claim_upload, std::runtime_error for disk failures.
//
// Owned by nimbus_service; thread-safe (its own mutex, which nimbus_service may take while
// holding its own, never the other way round). No threads, no start/stop.
#pragma once

#include "tempest/common/sha256.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace tempest::nimbus {

class file_transfers {
  public:
    // Serves downloads of files under `stormdist`; uploads go to `inbox`.
    file_transfers(std::filesystem::path inbox, std::filesystem::path stormdist,
                   std::int64_t max_upload_bytes);
    file_transfers(const file_transfers&) = delete;
    file_transfers& operator=(const file_transfers&) = delete;

    // A new upload; returns its location (a path in the inbox).
    std::string begin_upload();
    // Appends `chunk`. An unknown or finished location, or going over the size limit (which
    // also removes the upload), throws nimbus_error(bad_request).
    void upload_chunk(const std::string& location, const std::string& chunk);
    // Closes the upload and records its SHA-256. Finishing twice is fine.
    void finish_upload(const std::string& location);

    // For a submission: the SHA-256 of the package at `location`, which must be a file in the
    // inbox and, if this Nimbus started it, a finished upload. Throws
    // nimbus_error(invalid_topology) saying which, prefixed with `source`.
    std::string claim_upload(const std::string& location, const std::string& source);
    // Forgets the session of `location` (its file was moved away).
    void forget_upload(const std::string& location);
    // Removes inbox files last written before `cutoff`, with their sessions. Returns how many.
    int expire_uploads(std::filesystem::file_time_type cutoff);

    // A download of `file`: a regular file under stormdist, absolute or relative to stormdist
    // ("<topology-id>/stormjar.so", as a standby asks). Returns the download id. Anything else
    // throws nimbus_error(bad_request).
    std::string begin_download(const std::string& file);
    // The next chunk (at most chunk_bytes), empty at the end (which ends the session).
    std::string download_chunk(const std::string& id);

    // 512 KiB: a reply frame a client with Storm's 1 MiB frame limit still reads.
    static constexpr std::size_t chunk_bytes = 512 * 1024;

    const std::filesystem::path& inbox() const noexcept { return _inbox; }

  private:
    struct upload {
        std::ofstream out;
        std::int64_t bytes = 0;
        common::sha256 hash;
        bool finished = false;
        std::string checksum;
    };
    struct download {
        std::ifstream in;
        std::string file;
    };

    const std::filesystem::path _inbox;
    const std::filesystem::path _stormdist;
    const std::int64_t _max_upload_bytes;

    std::mutex _mu;                                               // guards the two maps
    std::map<std::string, std::unique_ptr<upload>> _uploads;      // by location
    std::map<std::string, std::unique_ptr<download>> _downloads;  // by id
};

}  // namespace tempest::nimbus
