# Empty compiler generated dependencies file for memdev_trace.
# This may be replaced when dependencies are built.
