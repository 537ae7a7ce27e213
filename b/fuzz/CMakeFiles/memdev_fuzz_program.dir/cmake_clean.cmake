file(REMOVE_RECURSE
  "CMakeFiles/memdev_fuzz_program.dir/program.c.o"
  "CMakeFiles/memdev_fuzz_program.dir/program.c.o.d"
  "CMakeFiles/memdev_fuzz_program.dir/program_trace.c.o"
  "CMakeFiles/memdev_fuzz_program.dir/program_trace.c.o.d"
  "libmemdev_fuzz_program.a"
  "libmemdev_fuzz_program.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/memdev_fuzz_program.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
