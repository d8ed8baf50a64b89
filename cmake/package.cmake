# SPDX-License-Identifier: Apache-2.0
# A Debian package of the installed layout (cmake/install.cmake), made by `cpack -G DEB` in a
# build configured with -DCMAKE_INSTALL_PREFIX=/usr: scripts/package does both. The package is
# named tempest and versioned as the project; dpkg-shlibdeps fills Depends with the runtime
# libraries the binary links (libthrift, libzookeeper-mt, yaml-cpp, spdlog, fmt, ssl, ...).
# packaging/debian holds the maintainer scripts: the `tempest` system user and its
# /var/lib/tempest and /var/log/tempest; /etc/tempest/tempest.yaml is a conffile.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tempest)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Tempest")
set(CPACK_PACKAGE_CONTACT "Tempest maintainers <tempest@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "distributed real-time stream processing in the model of Apache Storm")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Tempest runs topologies (graphs of spouts and bolts written in C++ or, through\n"
    "multilang, other languages) on a cluster: Nimbus schedules them, a supervisor on every\n"
    "host runs their worker processes, ZooKeeper holds the cluster state and the UI shows it.\n"
    "This package holds the tempest binary (every daemon and tool), systemd units for\n"
    "nimbus, supervisor, ui and logviewer, the topology API headers and library with a CMake\n"
    "package configuration, and the example topologies.")
string(REPLACE ";" "" CPACK_DEBIAN_PACKAGE_DESCRIPTION "${CPACK_DEBIAN_PACKAGE_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
# Install into the staging directory through DESTDIR, so that the absolute /etc/tempest lands
# there too (and never in the build machine's /etc).
set(CPACK_SET_DESTDIR ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps finds libtempest_topology_api.so in the package's private directory.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
    ${CMAKE_CURRENT_BINARY_DIR}/lib)
# Added to what dpkg-shlibdeps finds: postinst's adduser.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
# ZooKeeper runs on three hosts of the cluster, not necessarily these; the multilang example's
# bolt is Python.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "zookeeperd, python3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_CURRENT_BINARY_DIR}/packages)
include(CPack)
