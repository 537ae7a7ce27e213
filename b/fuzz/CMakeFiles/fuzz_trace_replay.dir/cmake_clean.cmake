file(REMOVE_RECURSE
  "CMakeFiles/fuzz_trace_replay.dir/fuzz_trace.c.o"
  "CMakeFiles/fuzz_trace_replay.dir/fuzz_trace.c.o.d"
  "CMakeFiles/fuzz_trace_replay.dir/standalone.c.o"
  "CMakeFiles/fuzz_trace_replay.dir/standalone.c.o.d"
  "fuzz_trace_replay"
  "fuzz_trace_replay.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_trace_replay.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
