file(REMOVE_RECURSE
  "CMakeFiles/memdev.dir/src/errors.c.o"
  "CMakeFiles/memdev.dir/src/errors.c.o.d"
  "CMakeFiles/memdev.dir/src/memslots.c.o"
  "CMakeFiles/memdev.dir/src/memslots.c.o.d"
  "CMakeFiles/memdev.dir/src/query.c.o"
  "CMakeFiles/memdev.dir/src/query.c.o.d"
  "CMakeFiles/memdev.dir/src/space.c.o"
  "CMakeFiles/memdev.dir/src/space.c.o.d"
  "CMakeFiles/memdev.dir/src/validate.c.o"
  "CMakeFiles/memdev.dir/src/validate.c.o.d"
  "CMakeFiles/memdev.dir/src/vmem.c.o"
  "CMakeFiles/memdev.dir/src/vmem.c.o.d"
  "CMakeFiles/memdev.dir/src/wtree.c.o"
  "CMakeFiles/memdev.dir/src/wtree.c.o.d"
  "libmemdev.a"
  "libmemdev.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/memdev.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
