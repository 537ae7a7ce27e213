file(REMOVE_RECURSE
  "libmemdev_model.a"
)
