// SPDX-License-Identifier: Apache-2.0
// Everything a topology author needs: include this one header.
#pragma once

#include "tempest/topology_api/collectors.h"
#include "tempest/topology_api/component.h"
#include "tempest/topology_api/component_registry.h"
#include "tempest/topology_api/config.h"
#include "tempest/topology_api/fields.h"
#include "tempest/topology_api/package.h"
#include "tempest/topology_api/shell_component.h"
#include "tempest/topology_api/topology.h"
#include "tempest/topology_api/topology_builder.h"
#include "tempest/topology_api/topology_context.h"
#include "tempest/topology_api/tuple.h"
#include "tempest/topology_api/value.h"
#include "tempest/topology_api/values.h"
#include "tempest/topology_api/windowing.h"
