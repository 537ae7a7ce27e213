file(REMOVE_RECURSE
  "CMakeFiles/fuzz_deep_replay.dir/fuzz_deep.c.o"
  "CMakeFiles/fuzz_deep_replay.dir/fuzz_deep.c.o.d"
  "CMakeFiles/fuzz_deep_replay.dir/standalone.c.o"
  "CMakeFiles/fuzz_deep_replay.dir/standalone.c.o.d"
  "fuzz_deep_replay"
  "fuzz_deep_replay.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_deep_replay.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
