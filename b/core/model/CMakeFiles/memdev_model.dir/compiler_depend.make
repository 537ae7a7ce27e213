# Empty compiler generated dependencies file for memdev_model.
# This may be replaced when dependencies are built.
