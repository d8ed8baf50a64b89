// SPDX-License-Identifier: Apache-2.0
// api_error: how the REST API says a request failed. Route handlers throw it (the API is an
// edge, as the Thrift handler is in Nimbus); the server's handler turns it into the JSON error
// body {"error": <reason phrase>, "errorMessage": <what>} with its HTTP status.
#pragma once

#include "tempest/ui/http_types.h"

#include <stdexcept>
#include <string>

namespace tempest::ui {

class api_error : public std::runtime_error {
  public:
    api_error(int status, const std::string& message)
        : std::runtime_error(message), _status(status) {}
    int status() const noexcept { return _status; }

  private:
    int _status;
};

// The JSON error response of `status` with `message`.
http_response error_response(int status, const std::string& message);

}  // namespace tempest::ui
