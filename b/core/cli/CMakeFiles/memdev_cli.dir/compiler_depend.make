# Empty compiler generated dependencies file for memdev_cli.
# This may be replaced when dependencies are built.
