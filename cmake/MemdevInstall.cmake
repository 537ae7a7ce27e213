# SPDX-License-Identifier: MIT
# The install rules (included when MEMDEV_INSTALL is ON): the libraries that were built, the
# header, a CMake package (find_package(memdev) gives memdev::memdev, memdev::memdev_static,
# memdev::memdev_shared) with its version file, and memdev.pc for pkg-config. GNUInstallDirs
# paths; the whole tree is relocatable (the CMake files and memdev.pc find the prefix from
# their own location), so `cmake --install BUILD --prefix DIR` and DESTDIR both work.
# Components: memdev_runtime (the shared library) and memdev_development (everything else).
include(CMakePackageConfigHelpers)

set(_memdev_install_targets "")
if(MEMDEV_BUILD_STATIC)
  list(APPEND _memdev_install_targets memdev)
endif()
if(MEMDEV_BUILD_SHARED)
  list(APPEND _memdev_install_targets memdev_shared)
endif()
set(MEMDEV_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/memdev"
    CACHE STRING "Where memdevConfig.cmake is installed (relative to the prefix)")
mark_as_advanced(MEMDEV_INSTALL_CMAKEDIR)

install(TARGETS ${_memdev_install_targets} EXPORT memdevTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT memdev_development
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT memdev_runtime
          NAMELINK_COMPONENT memdev_development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT memdev_runtime)
install(FILES "${PROJECT_SOURCE_DIR}/core/include/memdev.h"
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT memdev_development)
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE"
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT memdev_development)

install(EXPORT memdevTargets NAMESPACE memdev:: DESTINATION ${MEMDEV_INSTALL_CMAKEDIR}
        COMPONENT memdev_development)
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/memdevConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/memdevConfig.cmake" INSTALL_DESTINATION ${MEMDEV_INSTALL_CMAKEDIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/memdevConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${MEMDEV_COMPATIBILITY})
install(FILES "${PROJECT_BINARY_DIR}/memdevConfig.cmake"
              "${PROJECT_BINARY_DIR}/memdevConfigVersion.cmake"
        DESTINATION ${MEMDEV_INSTALL_CMAKEDIR} COMPONENT memdev_development)

# memdev.pc: prefix relative to the file itself (${pcfiledir}) unless a directory was given
# as an absolute path. memdev needs only the C library: no Requires, no Libs.private.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(MEMDEV_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(MEMDEV_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(MEMDEV_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _rel "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" _rel "${_rel}")
  set(MEMDEV_PC_PREFIX "\${pcfiledir}/${_rel}")
  set(MEMDEV_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(MEMDEV_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/memdev.pc.in" "${PROJECT_BINARY_DIR}/memdev.pc"
               @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/memdev.pc"
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT memdev_development)
