file(REMOVE_RECURSE
  "CMakeFiles/memdev_model.dir/model.c.o"
  "CMakeFiles/memdev_model.dir/model.c.o.d"
  "libmemdev_model.a"
  "libmemdev_model.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/memdev_model.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
