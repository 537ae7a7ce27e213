file(REMOVE_RECURSE
  "CMakeFiles/memdev_trace.dir/format.c.o"
  "CMakeFiles/memdev_trace.dir/format.c.o.d"
  "CMakeFiles/memdev_trace.dir/names.c.o"
  "CMakeFiles/memdev_trace.dir/names.c.o.d"
  "CMakeFiles/memdev_trace.dir/parse.c.o"
  "CMakeFiles/memdev_trace.dir/parse.c.o.d"
  "CMakeFiles/memdev_trace.dir/run.c.o"
  "CMakeFiles/memdev_trace.dir/run.c.o.d"
  "CMakeFiles/memdev_trace.dir/sbuf.c.o"
  "CMakeFiles/memdev_trace.dir/sbuf.c.o.d"
  "libmemdev_trace.a"
  "libmemdev_trace.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/memdev_trace.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
