file(REMOVE_RECURSE
  "../memdev"
  "../memdev.pdb"
  "CMakeFiles/memdev_cli.dir/memdev.c.o"
  "CMakeFiles/memdev_cli.dir/memdev.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/memdev_cli.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
