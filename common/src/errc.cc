// SPDX-License-Identifier: Apache-2.0
#include "tempest/common/errc.h"

#include <string>

namespace tempest::common {
namespace {

class errc_category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "tempest.common"; }
    std::string message(int c) const override {
        switch (static_cast<errc>(c)) {
            case errc::success:
                return "success";
            case errc::node_exists:
                return "node already exists";
            case errc::no_node:
                return "no such node";
            case errc::bad_version:
                return "node version does not match";
            case errc::not_empty:
                return "node has children";
            case errc::no_children_for_ephemerals:
                return "ephemeral nodes cannot have children";
            case errc::invalid_path:
                return "invalid path";
            case errc::connection_lost:
                return "connection to the cluster state lost";
            case errc::session_expired:
                return "cluster state session closed or expired";
            case errc::operation_timeout:
                return "cluster state operation timed out";
        }
        return "unknown tempest.common error " + std::to_string(c);
    }
};

}  // namespace

const std::error_category& error_category() noexcept {
    static const errc_category category;
    return category;
}

}  // namespace tempest::common
