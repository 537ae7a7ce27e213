file(REMOVE_RECURSE
  "CMakeFiles/fuzz_ops_replay.dir/fuzz_ops.c.o"
  "CMakeFiles/fuzz_ops_replay.dir/fuzz_ops.c.o.d"
  "CMakeFiles/fuzz_ops_replay.dir/standalone.c.o"
  "CMakeFiles/fuzz_ops_replay.dir/standalone.c.o.d"
  "fuzz_ops_replay"
  "fuzz_ops_replay.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_ops_replay.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
