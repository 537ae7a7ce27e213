# Empty dependencies file for memdev_lockstep.
# This may be replaced when dependencies are built.
