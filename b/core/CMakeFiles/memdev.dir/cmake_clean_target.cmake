file(REMOVE_RECURSE
  "libmemdev.a"
)
