file(REMOVE_RECURSE
  "libmemdev_lockstep.a"
)
