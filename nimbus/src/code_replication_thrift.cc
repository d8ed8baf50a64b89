// SPDX-License-Identifier: Apache-2.0
// Code replication between Nimbus hosts (see code_replication.h).
#include "code_replication.h"
#include "tempest/common/sha256.h"
#include "tempest/thrift/Nimbus.h"

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>

#include <array>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace tempest::nimbus {

namespace fs = std::filesystem;

void fetch_topology_code(const std::string& host, int port, const std::string& id,
                         const fs::path& dest, std::chrono::milliseconds timeout) {
    using namespace apache::thrift;
    static constexpr std::array<const char*, 4> files = {"stormjar.so.sha256", "stormjar.so",
                                                         "stormcode.ser", "stormconf.json"};
    const std::string from = host + ":" + std::to_string(port);
    auto socket = std::make_shared<transport::TSocket>(host, port);
    auto ms = static_cast<int>(timeout.count());
    socket->setConnTimeout(ms);
    socket->setRecvTimeout(ms);
    socket->setSendTimeout(ms);
    auto framed = std::make_shared<transport::TFramedTransport>(socket);
    tempest::thrift::NimbusClient client(std::make_shared<protocol::TBinaryProtocol>(framed));
    fs::create_directories(dest);
    std::string remote;
    try {
        framed->open();
        for (const char* name : files) {
            remote = id + "/" + name;
            std::string download_id;
            client.beginFileDownload(download_id, remote);
            std::ofstream out(dest / name, std::ios::binary | std::ios::trunc);
            if (!out) {
                throw std::runtime_error("cannot write " + (dest / name).string());
            }
            for (;;) {
                std::string chunk;
                client.downloadChunk(chunk, download_id);
                if (chunk.empty()) {
                    break;
                }
                out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            }
            out.close();
            if (!out) {
                throw std::runtime_error("cannot write " + (dest / name).string());
            }
        }
    } catch (const std::exception& e) {
        framed->close();
        throw std::runtime_error("fetching '" + remote + "' from Nimbus " + from + ": " + e.what());
    }
    framed->close();
    std::ifstream sum_in(dest / files[0]);
    std::string expected;
    sum_in >> expected;
    auto actual = common::sha256_of_file(dest / files[1]);
    if (expected != actual) {
        throw std::runtime_error("the package of " + id + " fetched from Nimbus " + from +
                                 " has SHA-256 " + actual + " but " + files[0] + " says '" +
                                 expected + "'");
    }
}

}  // namespace tempest::nimbus
