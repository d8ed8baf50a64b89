# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` lays out (GNUInstallDirs), included by the top-level CMakeLists.txt after
# every part is added. docs/DEPLOY.md describes the layout; cmake/package.cmake packs it as a .deb.
#
#   bin/tempest                                   every daemon and tool (workers are `tempest worker`,
#                                                 found by the supervisor through /proc/self/exe)
#   lib*/tempest/libtempest_topology_api.so       the API topology packages link; private directory,
#                                                 found by tempest through its RUNPATH ($ORIGIN)
#   lib*/tempest/examples/*.so (+ .resources/)    the example packages
#   include/tempest/...                           topology_api's public headers
#   lib*/cmake/Tempest/                           find_package(Tempest) -> tempest::topology_api
#   <sysconfdir>/tempest/tempest.yaml             the node file (/etc/tempest with prefix /usr)
#   lib/systemd/system/tempest-*.service          the units (packaging/systemd)
#   share/doc/tempest/                            README, docs, the defaults for reference
#
# conf/defaults.yaml and the UI's pages are compiled into the binary, so nothing else is read
# from the installation at run time.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TEMPEST_INSTALL_PRIVATE_LIBDIR ${CMAKE_INSTALL_LIBDIR}/tempest)
set(TEMPEST_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/Tempest)
# The node file lives where the binary looks for it (common::find_node_config_file):
# <prefix>/etc/tempest, relative so that `cmake --install --prefix DIR` relocates it, except for
# the system prefix /usr, whose configuration is in /etc (as GNUInstallDirs has it).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(TEMPEST_INSTALL_CONFDIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/tempest)
else()
    set(TEMPEST_INSTALL_CONFDIR ${CMAKE_INSTALL_SYSCONFDIR}/tempest)
endif()
set(TEMPEST_INSTALL_UNITDIR lib/systemd/system)

# The binary: the shared topology API beside it in the private directory, by a relative RUNPATH.
if(TARGET tempest)
    set_target_properties(tempest PROPERTIES
        INSTALL_RPATH "$ORIGIN/../${TEMPEST_INSTALL_PRIVATE_LIBDIR}")
    install(TARGETS tempest RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# The topology API for package developers: library, headers and a CMake package configuration.
# Its include directory is the source tree's in the build and include/ once installed.
if(NOT TARGET tempest_topology_api)
    return()
endif()
set_property(TARGET tempest_topology_api PROPERTY INTERFACE_INCLUDE_DIRECTORIES
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/topology_api/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
set_target_properties(tempest_topology_api PROPERTIES EXPORT_NAME topology_api)
install(TARGETS tempest_topology_api EXPORT TempestTargets
    LIBRARY DESTINATION ${TEMPEST_INSTALL_PRIVATE_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/topology_api/include/
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(EXPORT TempestTargets NAMESPACE tempest:: DESTINATION ${TEMPEST_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/TempestConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/TempestConfig.cmake
    INSTALL_DESTINATION ${TEMPEST_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/TempestConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/TempestConfig.cmake
    ${CMAKE_CURRENT_BINARY_DIR}/TempestConfigVersion.cmake
    DESTINATION ${TEMPEST_INSTALL_CMAKEDIR})

# The example packages (the multilang one with its scripts beside it, as `tempest local` and
# `tempest jar` look for them).
foreach(example word_count reliable_word_count exclamation multilang sliding_window)
    if(TARGET example_${example})
        install(TARGETS example_${example}
            LIBRARY DESTINATION ${TEMPEST_INSTALL_PRIVATE_LIBDIR}/examples)
    endif()
endforeach()
if(TARGET example_multilang)
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/multilang/resources/
        DESTINATION ${TEMPEST_INSTALL_PRIVATE_LIBDIR}/examples/multilang.resources
        USE_SOURCE_PERMISSIONS)
endif()

# The node file and the systemd units. The units name /usr/bin/tempest and /etc/tempest (the
# package's layout); for another prefix the installed copies name that prefix's paths.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/tempest.yaml DESTINATION ${TEMPEST_INSTALL_CONFDIR})
if(IS_ABSOLUTE ${TEMPEST_INSTALL_CONFDIR})
    set(confdir_full ${TEMPEST_INSTALL_CONFDIR})
else()
    set(confdir_full ${CMAKE_INSTALL_PREFIX}/${TEMPEST_INSTALL_CONFDIR})
endif()
foreach(daemon nimbus supervisor ui logviewer)
    set(unit tempest-${daemon}.service)
    file(READ ${PROJECT_SOURCE_DIR}/packaging/systemd/${unit} text)
    string(REPLACE "/usr/bin/tempest" "${CMAKE_INSTALL_FULL_BINDIR}/tempest" text "${text}")
    string(REPLACE "/etc/tempest/" "${confdir_full}/" text "${text}")
    file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/systemd/${unit} "${text}")
    install(FILES ${CMAKE_CURRENT_BINARY_DIR}/systemd/${unit} DESTINATION ${TEMPEST_INSTALL_UNITDIR})
endforeach()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/packaging/systemd/tempest-nimbus.service
    ${PROJECT_SOURCE_DIR}/packaging/systemd/tempest-supervisor.service
    ${PROJECT_SOURCE_DIR}/packaging/systemd/tempest-ui.service
    ${PROJECT_SOURCE_DIR}/packaging/systemd/tempest-logviewer.service)

# Documentation, and the defaults (compiled in) for reference.
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/conf/defaults.yaml
    DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
    FILES_MATCHING PATTERN "*.md")
