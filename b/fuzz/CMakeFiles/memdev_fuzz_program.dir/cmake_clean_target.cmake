file(REMOVE_RECURSE
  "libmemdev_fuzz_program.a"
)
