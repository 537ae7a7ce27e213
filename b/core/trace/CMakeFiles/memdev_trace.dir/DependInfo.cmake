
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/core/trace/format.c" "core/trace/CMakeFiles/memdev_trace.dir/format.c.o" "gcc" "core/trace/CMakeFiles/memdev_trace.dir/format.c.o.d"
  "/work/main/core/trace/names.c" "core/trace/CMakeFiles/memdev_trace.dir/names.c.o" "gcc" "core/trace/CMakeFiles/memdev_trace.dir/names.c.o.d"
  "/work/main/core/trace/parse.c" "core/trace/CMakeFiles/memdev_trace.dir/parse.c.o" "gcc" "core/trace/CMakeFiles/memdev_trace.dir/parse.c.o.d"
  "/work/main/core/trace/run.c" "core/trace/CMakeFiles/memdev_trace.dir/run.c.o" "gcc" "core/trace/CMakeFiles/memdev_trace.dir/run.c.o.d"
  "/work/main/core/trace/sbuf.c" "core/trace/CMakeFiles/memdev_trace.dir/sbuf.c.o" "gcc" "core/trace/CMakeFiles/memdev_trace.dir/sbuf.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/b/core/lockstep/CMakeFiles/memdev_lockstep.dir/DependInfo.cmake"
  "/work/main/b/core/CMakeFiles/memdev.dir/DependInfo.cmake"
  "/work/main/b/core/model/CMakeFiles/memdev_model.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
