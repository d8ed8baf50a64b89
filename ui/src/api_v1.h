// SPDX-License-Identifier: Apache-2.0
// api_v1: the REST API of Storm's UI under /api/v1, in the shapes of Storm's
// docs/STORM-UI-REST-API.md (field names, types, meanings), answered from a nimbus_access:
//
//   GET  /api/v1/cluster/configuration        Nimbus' config (JSON object)
//   GET  /api/v1/cluster/summary               counts, slots, executors, tasks, stormVersion
//   GET  /api/v1/nimbus/summary                every Nimbus host, Leader / Not a Leader
//   GET  /api/v1/supervisor/summary[?id=ID]    every supervisor (or the one with ID)
//   GET  /api/v1/supervisor?id=ID|host=HOST    supervisors with their workers
//   GET  /api/v1/topology/summary              every topology
//   GET  /api/v1/topology/:id/...              the topology pages (below)
//   POST /api/v1/topology/:id/activate | deactivate | rebalance/:wait-time | kill/:wait-time
//
// Every route answers JSON; a `callback` query parameter wraps it as JSONP, as Storm's does.
// Failures answer {"error": <reason phrase>, "errorMessage": <what>} with the status saying what
// went wrong (see nimbus_access.h for Nimbus' failures; 400 for a bad parameter or body).
// Handlers run on the HTTP server's handler threads, several at once; they hold no state.
#pragma once

#include "nimbus_access.h"
#include "router.h"

#include <string>

namespace tempest::ui {

// What the routes need besides Nimbus.
struct api_options {
    // logviewer.port: the port of every node's logviewer, for workerLogLink (Storm's default).
    int logviewer_port = 8000;
};

// Adds the routes above to `r`. `nimbus` must outlive the router.
void add_api_v1_routes(router& r, nimbus_access& nimbus, const api_options& options = {});

// The topology routes (api_topology.cc), which add_api_v1_routes adds:
//   GET /api/v1/topology/:id[?window=&sys=]                     Storm's topology page
//   GET /api/v1/topology/:id/component/:component[?window=&sys=] Storm's component page
//   GET /api/v1/topology/:id/visualization[?window=&sys=]      the graph, in Storm's shape
//   GET /api/v1/topology/:id/lag                               spout lag (see README)
//   GET|POST /api/v1/topology/:id/logconfig                    501: no dynamic log levels
void add_topology_routes(router& r, nimbus_access& nimbus, const api_options& options);

// Storm's pretty uptime: "0s", "6m 5s", "1h 0m 0s", "2d 3h 4m 5s".
std::string pretty_uptime(long long secs);

// The version the API reports as stormVersion: Tempest's own, X.Y.Z.
const char* ui_version();

}  // namespace tempest::ui
