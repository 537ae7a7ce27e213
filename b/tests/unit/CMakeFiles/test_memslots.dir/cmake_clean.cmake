file(REMOVE_RECURSE
  "CMakeFiles/test_memslots.dir/test_memslots.c.o"
  "CMakeFiles/test_memslots.dir/test_memslots.c.o.d"
  "test_memslots"
  "test_memslots.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_memslots.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
