file(REMOVE_RECURSE
  "libmemdev_fuzz_harness.a"
)
