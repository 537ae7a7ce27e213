file(REMOVE_RECURSE
  "CMakeFiles/memdev_fuzz_harness.dir/harness.c.o"
  "CMakeFiles/memdev_fuzz_harness.dir/harness.c.o.d"
  "libmemdev_fuzz_harness.a"
  "libmemdev_fuzz_harness.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/memdev_fuzz_harness.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
