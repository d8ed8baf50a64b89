// SPDX-License-Identifier: Apache-2.0
// `chaos`: the chaos driver (chaos_driver.h) as a program, for long runs (scripts/chaos wraps it).
// Prints progress, then the per-fault table and the ledger's verdict; exits 0 when nothing was
// lost and every fault was recovered from, 1 otherwise, 2 on bad arguments.
//
//   chaos --minutes N [--faults all|KIND,...] [--rate IDS_PER_S] [--period S] [--supervisors 2|3]
//         [--zk-fsync 0|1] [--burn-us US] [--seed N] [--dir DIR]
#include "chaos_driver.h"
#include "tempest/common/log.h"

#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <string_view>

namespace {

int usage(const std::string& why) {
    std::cerr << "chaos: " << why
              << "\nusage: chaos --minutes N [--faults all|KIND,...] [--rate IDS_PER_S] "
                 "[--period SECONDS] [--supervisors 2|3] [--zk-fsync 0|1] [--burn-us US] "
                 "[--seed N] [--dir DIR]\n";
    return 2;
}

// The number in `text`, or throws naming the flag.
double number(const std::string& flag, const std::string& text) {
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || v < 0) {
        throw std::invalid_argument("--" + flag + " wants a non-negative number, not '" + text +
                                    "'");
    }
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    namespace chaos = tempest::system_test::chaos;
    std::map<std::string, std::string> opts = {
        {"minutes", "2"}, {"faults", "all"},    {"rate", "200"},
        {"period", "15"}, {"supervisors", "3"}, {"zk-fsync", "1"},
        {"burn-us", "0"}, {"seed", "1"},        {"dir", ""},
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (!arg.starts_with("--") || !opts.contains(std::string(arg.substr(2))) || i + 1 >= argc) {
            return usage("bad argument '" + std::string(arg) + "'");
        }
        opts[std::string(arg.substr(2))] = argv[++i];
    }
    chaos::options o;
    try {
        o.duration =
            std::chrono::seconds(static_cast<long>(number("minutes", opts["minutes"]) * 60));
        o.faults = chaos::parse_faults(opts["faults"]);
        o.rate = number("rate", opts["rate"]);
        o.period = std::chrono::seconds(static_cast<long>(number("period", opts["period"])));
        o.supervisors = static_cast<int>(number("supervisors", opts["supervisors"]));
        o.zk_force_sync = opts["zk-fsync"] != "0";
        o.burn_us = static_cast<int>(number("burn-us", opts["burn-us"]));
        o.seed = static_cast<unsigned>(number("seed", opts["seed"]));
    } catch (const std::exception& e) {
        return usage(e.what());
    }
    if (o.supervisors < 2 || o.supervisors > 3) {
        return usage("--supervisors must be 2 or 3, not " + opts["supervisors"]);
    }
    if (o.rate <= 0 || o.period.count() < 5) {
        return usage("--rate must be positive and --period at least 5");
    }
    if (opts["dir"].empty()) {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "tempest-chaos-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            return usage("cannot create a directory under " +
                         std::filesystem::temp_directory_path().string());
        }
        o.dir = tmpl;
    } else {
        o.dir = opts["dir"];
    }
    o.out = &std::cout;
    // Workers outlive a SIGKILLed supervisor; as subreaper this process reaps them.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    tempest::common::init_logging("warn");
    try {
        chaos::report r = chaos::run(o);
        std::cout << "\n" << r.table() << "logs and ledger: " << o.dir.string() << "\n";
        bool recovered = true;
        for (const auto& f : r.faults) {
            recovered = recovered && f.note.find("NOT RECOVERED") == std::string::npos &&
                        f.note.find("DRIVER ERROR") == std::string::npos;
        }
        return r.ledger.ok() && recovered ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "chaos: " << e.what() << "\nlogs: " << o.dir.string() << "\n";
        return 1;
    }
}
