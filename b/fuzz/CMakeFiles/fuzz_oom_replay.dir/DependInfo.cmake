
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/fuzz/fuzz_oom.c" "fuzz/CMakeFiles/fuzz_oom_replay.dir/fuzz_oom.c.o" "gcc" "fuzz/CMakeFiles/fuzz_oom_replay.dir/fuzz_oom.c.o.d"
  "/work/main/fuzz/standalone.c" "fuzz/CMakeFiles/fuzz_oom_replay.dir/standalone.c.o" "gcc" "fuzz/CMakeFiles/fuzz_oom_replay.dir/standalone.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/b/fuzz/CMakeFiles/memdev_fuzz_harness.dir/DependInfo.cmake"
  "/work/main/b/fuzz/CMakeFiles/memdev_fuzz_program.dir/DependInfo.cmake"
  "/work/main/b/core/trace/CMakeFiles/memdev_trace.dir/DependInfo.cmake"
  "/work/main/b/core/lockstep/CMakeFiles/memdev_lockstep.dir/DependInfo.cmake"
  "/work/main/b/core/model/CMakeFiles/memdev_model.dir/DependInfo.cmake"
  "/work/main/b/core/CMakeFiles/memdev.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
