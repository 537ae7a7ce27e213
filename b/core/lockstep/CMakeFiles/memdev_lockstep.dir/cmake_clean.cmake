file(REMOVE_RECURSE
  "CMakeFiles/memdev_lockstep.dir/info_json.c.o"
  "CMakeFiles/memdev_lockstep.dir/info_json.c.o.d"
  "CMakeFiles/memdev_lockstep.dir/lockstep.c.o"
  "CMakeFiles/memdev_lockstep.dir/lockstep.c.o.d"
  "libmemdev_lockstep.a"
  "libmemdev_lockstep.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/memdev_lockstep.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
