
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/core/src/errors.c" "core/CMakeFiles/memdev.dir/src/errors.c.o" "gcc" "core/CMakeFiles/memdev.dir/src/errors.c.o.d"
  "/work/main/core/src/memslots.c" "core/CMakeFiles/memdev.dir/src/memslots.c.o" "gcc" "core/CMakeFiles/memdev.dir/src/memslots.c.o.d"
  "/work/main/core/src/query.c" "core/CMakeFiles/memdev.dir/src/query.c.o" "gcc" "core/CMakeFiles/memdev.dir/src/query.c.o.d"
  "/work/main/core/src/space.c" "core/CMakeFiles/memdev.dir/src/space.c.o" "gcc" "core/CMakeFiles/memdev.dir/src/space.c.o.d"
  "/work/main/core/src/validate.c" "core/CMakeFiles/memdev.dir/src/validate.c.o" "gcc" "core/CMakeFiles/memdev.dir/src/validate.c.o.d"
  "/work/main/core/src/vmem.c" "core/CMakeFiles/memdev.dir/src/vmem.c.o" "gcc" "core/CMakeFiles/memdev.dir/src/vmem.c.o.d"
  "/work/main/core/src/wtree.c" "core/CMakeFiles/memdev.dir/src/wtree.c.o" "gcc" "core/CMakeFiles/memdev.dir/src/wtree.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
