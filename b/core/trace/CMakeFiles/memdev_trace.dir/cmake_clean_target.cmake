file(REMOVE_RECURSE
  "libmemdev_trace.a"
)
