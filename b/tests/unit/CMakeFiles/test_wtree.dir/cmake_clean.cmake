file(REMOVE_RECURSE
  "CMakeFiles/test_wtree.dir/test_wtree.c.o"
  "CMakeFiles/test_wtree.dir/test_wtree.c.o.d"
  "test_wtree"
  "test_wtree.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_wtree.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
