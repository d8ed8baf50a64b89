// SPDX-License-Identifier: Apache-2.0
// chaos_ledger: reading what the chaos_test package (packages/chaos_test_package.cc) wrote into
// its directory, for the chaos suite.
//
//   ledger_reader   follows <dir>/ledger-*.txt and <dir>/acked-*.txt as they grow (only the new
//                   bytes are read on each poll()) and counts, per id, how often it was
//                   processed and whether the spout saw it acked
//   ledger_result   the verdict over ids [0, N): missing, unacked, duplicates
//
// A line is "ID\n"; a trailing partial line (a writer killed mid-write, or not yet complete) is
// left for the next poll, and a line that is not a number is counted as malformed. Not
// thread-safe: one thread polls.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace tempest::system_test::chaos {

struct ledger_result {
    std::uint64_t expected = 0;      // N: ids [0, N) must be there
    std::uint64_t processed = 0;     // distinct ids of [0, N) in the ledger
    std::uint64_t acked = 0;         // distinct ids of [0, N) the spout saw acked
    std::uint64_t lines = 0;         // ledger lines in all (duplicates included)
    std::uint64_t duplicates = 0;    // ledger lines beyond the first for their id
    std::uint64_t out_of_range = 0;  // ledger or acked ids >= N
    std::uint64_t malformed = 0;
    std::vector<std::uint64_t> first_missing;  // up to 10 ids absent from the ledger
    std::vector<std::uint64_t> first_unacked;  // up to 10 ids never acked

    std::uint64_t missing() const { return expected - processed; }
    std::uint64_t unacked() const { return expected - acked; }
    bool ok() const { return missing() == 0 && unacked() == 0 && malformed == 0; }

    // "ok: 12000 ids, 37 duplicates" or "LOSS: 3 missing (first: 17 18 19), 0 unacked, ...".
    std::string describe() const {
        auto list = [](const std::vector<std::uint64_t>& ids) {
            std::string s;
            for (auto id : ids) {
                if (!s.empty()) {
                    s += ' ';
                }
                s += std::to_string(id);
            }
            return s;
        };
        std::string s = ok() ? "ok: " : "LOSS: ";
        s += std::to_string(expected) + " ids, " + std::to_string(missing()) + " missing";
        if (!first_missing.empty()) {
            s += " (first: " + list(first_missing) + ")";
        }
        s += ", " + std::to_string(unacked()) + " unacked";
        if (!first_unacked.empty()) {
            s += " (first: " + list(first_unacked) + ")";
        }
        s += ", " + std::to_string(duplicates) + " duplicates";
        if (malformed > 0) {
            s += ", " + std::to_string(malformed) + " malformed lines";
        }
        return s;
    }
};

class ledger_reader {
  public:
    explicit ledger_reader(std::filesystem::path dir) : _dir(std::move(dir)) {}

    // Reads what was appended since the last poll.
    void poll() {
        std::error_code ec;
        for (std::filesystem::directory_iterator it(_dir, ec), end; !ec && it != end;
             it.increment(ec)) {
            std::string name = it->path().filename().string();
            if (!name.ends_with(".txt")) {
                continue;
            }
            if (name.starts_with("ledger-")) {
                follow(it->path(), _processed, _lines);
            } else if (name.starts_with("acked-")) {
                std::uint64_t ignored = 0;
                follow(it->path(), _acked, ignored);
            }
        }
    }

    // Distinct ids processed so far (the throughput measure: replayed copies do not count).
    std::uint64_t distinct_processed() const { return _distinct_processed; }
    std::uint64_t distinct_acked() const { return _distinct_acked; }

    // The verdict over ids [0, n) as of the last poll.
    ledger_result check(std::uint64_t n) const {
        ledger_result r;
        r.expected = n;
        r.lines = _lines;
        r.malformed = _malformed;
        for (std::uint64_t id = 0; id < _processed.size(); ++id) {
            std::uint32_t c = _processed[id];
            if (id >= n) {
                r.out_of_range += c;
                continue;
            }
            if (c > 0) {
                ++r.processed;
                r.duplicates += c - 1;
            }
        }
        for (std::uint64_t id = 0; id < n; ++id) {
            if ((id >= _processed.size() || _processed[id] == 0) && r.first_missing.size() < 10) {
                r.first_missing.push_back(id);
            }
            bool acked = id < _acked.size() && _acked[id] > 0;
            if (acked) {
                ++r.acked;
            } else if (r.first_unacked.size() < 10) {
                r.first_unacked.push_back(id);
            }
        }
        return r;
    }

  private:
    void follow(const std::filesystem::path& path, std::vector<std::uint32_t>& counts,
                std::uint64_t& lines) {
        std::uint64_t& offset = _offsets[path.string()];
        std::ifstream in(path, std::ios::binary);
        in.seekg(static_cast<std::streamoff>(offset));
        std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::size_t start = 0;
        for (std::size_t nl = chunk.find('\n'); nl != std::string::npos;
             nl = chunk.find('\n', start)) {
            std::string line = chunk.substr(start, nl - start);
            start = nl + 1;
            char* stop = nullptr;
            unsigned long long id = std::strtoull(line.c_str(), &stop, 10);
            if (line.empty() || *stop != '\0') {
                ++_malformed;
                continue;
            }
            if (id >= counts.size()) {
                counts.resize(std::max<std::size_t>(id + 1, counts.size() * 2), 0);
            }
            if (counts[id]++ == 0) {
                ++(&counts == &_processed ? _distinct_processed : _distinct_acked);
            }
            ++lines;
        }
        offset += start;
    }

    std::filesystem::path _dir;
    std::map<std::string, std::uint64_t> _offsets;  // file -> bytes consumed (whole lines)
    std::vector<std::uint32_t> _processed;          // id -> ledger lines
    std::vector<std::uint32_t> _acked;              // id -> acked lines
    std::uint64_t _distinct_processed = 0;
    std::uint64_t _distinct_acked = 0;
    std::uint64_t _lines = 0;
    std::uint64_t _malformed = 0;
};

}  // namespace tempest::system_test::chaos
