file(REMOVE_RECURSE
  "CMakeFiles/fuzz_oom_replay.dir/fuzz_oom.c.o"
  "CMakeFiles/fuzz_oom_replay.dir/fuzz_oom.c.o.d"
  "CMakeFiles/fuzz_oom_replay.dir/standalone.c.o"
  "CMakeFiles/fuzz_oom_replay.dir/standalone.c.o.d"
  "fuzz_oom_replay"
  "fuzz_oom_replay.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_oom_replay.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
