file(REMOVE_RECURSE
  "CMakeFiles/memdev_decode.dir/decode.c.o"
  "CMakeFiles/memdev_decode.dir/decode.c.o.d"
  "memdev-decode"
  "memdev-decode.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/memdev_decode.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
