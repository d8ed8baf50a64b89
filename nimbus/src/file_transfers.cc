// SPDX-License-Identifier: Apache-2.0
// Upload and download sessions (see file_transfers.h).
#include "file_transfers.h"

#include "logger.h"
#include "nimbus_error.h"
#include "tempest/common/random_id.h"

#include <system_error>
#include <utility>

namespace tempest::nimbus {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void throw_bad_request(const std::string& msg) {
    throw nimbus_error(error_kind::bad_request, msg);
}

}  // namespace

file_transfers::file_transfers(fs::path inbox, fs::path stormdist, std::int64_t max_upload_bytes)
    : _inbox(std::move(inbox)),
      _stormdist(std::move(stormdist)),
      _max_upload_bytes(max_upload_bytes) {}

std::string file_transfers::begin_upload() {
    auto path = _inbox / ("stormjar-" + common::random_hex(16) + ".so");
    auto u = std::make_unique<upload>();
    u->out.open(path, std::ios::binary | std::ios::trunc);
    if (!u->out) {
        throw std::runtime_error("cannot create upload file " + path.string());
    }
    std::scoped_lock lock(_mu);
    _uploads[path.string()] = std::move(u);
    log().debug("upload started: {}", path.string());
    return path.string();
}

void file_transfers::upload_chunk(const std::string& location, const std::string& chunk) {
    std::scoped_lock lock(_mu);
    auto it = _uploads.find(location);
    if (it == _uploads.end()) {
        throw_bad_request("no upload in progress at '" + location + "'");
    }
    auto& u = *it->second;
    if (u.finished) {
        throw_bad_request("the upload at '" + location + "' is already finished");
    }
    auto size = u.bytes + static_cast<std::int64_t>(chunk.size());
    if (size > _max_upload_bytes) {
        u.out.close();
        std::error_code ec;
        fs::remove(location, ec);
        _uploads.erase(it);
        throw_bad_request("upload '" + location + "' exceeds nimbus.file.upload.max.bytes (" +
                          std::to_string(_max_upload_bytes) + " bytes); upload abandoned");
    }
    u.out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (!u.out) {
        throw std::runtime_error("writing the upload '" + location + "' failed");
    }
    u.hash.update(chunk);
    u.bytes = size;
}

void file_transfers::finish_upload(const std::string& location) {
    std::scoped_lock lock(_mu);
    auto it = _uploads.find(location);
    if (it == _uploads.end()) {
        throw_bad_request("no upload in progress at '" + location + "'");
    }
    auto& u = *it->second;
    if (u.finished) {
        return;
    }
    u.out.close();
    if (!u.out) {
        throw std::runtime_error("closing the upload '" + location + "' failed");
    }
    u.finished = true;
    u.checksum = u.hash.hex();
    log().info("upload finished: {} ({} bytes, sha256 {})", location, u.bytes, u.checksum);
}

std::string file_transfers::claim_upload(const std::string& location, const std::string& source) {
    fs::path package = fs::path(location).lexically_normal();
    {
        std::scoped_lock lock(_mu);
        if (package.parent_path() != _inbox || !fs::is_regular_file(package)) {
            throw nimbus_error(error_kind::invalid_topology,
                               source + ": no uploaded package at '" + location + "'");
        }
        if (auto it = _uploads.find(package.string()); it != _uploads.end()) {
            if (!it->second->finished) {
                throw nimbus_error(error_kind::invalid_topology,
                                   source + ": the upload '" + location +
                                       "' is not finished (call finishFileUpload)");
            }
            return it->second->checksum;
        }
    }
    // A file put in the inbox otherwise (or by an earlier Nimbus process): hash it now.
    return common::sha256_of_file(package);
}

void file_transfers::forget_upload(const std::string& location) {
    std::scoped_lock lock(_mu);
    _uploads.erase(fs::path(location).lexically_normal().string());
}

int file_transfers::expire_uploads(fs::file_time_type cutoff) {
    std::scoped_lock lock(_mu);
    int removed = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(_inbox, ec)) {
        auto mtime = entry.last_write_time(ec);
        if (ec || mtime > cutoff) {
            continue;
        }
        auto path = entry.path().string();
        _uploads.erase(path);
        fs::remove(entry.path(), ec);
        ++removed;
        log().info("removed expired upload {}", path);
    }
    return removed;
}

std::string file_transfers::begin_download(const std::string& file) {
    std::error_code ec;
    // A relative path names a file under stormdist ("<topology-id>/stormjar.so"): that is how a
    // standby asks the leader for code, as their stormdist paths differ.
    fs::path requested(file);
    auto path = fs::weakly_canonical(
        requested.is_relative() ? _stormdist / requested : fs::absolute(requested), ec);
    auto root = fs::weakly_canonical(_stormdist, ec);
    auto rel = path.lexically_relative(root);
    if (ec || rel.empty() || rel.begin()->string() == ".." || rel == "." ||
        !fs::is_regular_file(path)) {
        throw_bad_request("cannot download '" + file + "': only files under " +
                          _stormdist.string() + " are served");
    }
    auto d = std::make_unique<download>();
    d->in.open(path, std::ios::binary);
    if (!d->in) {
        throw std::runtime_error("cannot read '" + file + "'");
    }
    d->file = path.string();
    auto id = common::random_hex(16);
    std::scoped_lock lock(_mu);
    _downloads[id] = std::move(d);
    return id;
}

std::string file_transfers::download_chunk(const std::string& id) {
    std::scoped_lock lock(_mu);
    auto it = _downloads.find(id);
    if (it == _downloads.end()) {
        throw_bad_request("no download in progress with id '" + id + "'");
    }
    std::string chunk(chunk_bytes, '\0');
    it->second->in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<std::size_t>(it->second->in.gcount()));
    if (chunk.empty()) {
        _downloads.erase(it);
    }
    return chunk;
}

}  // namespace tempest::nimbus
