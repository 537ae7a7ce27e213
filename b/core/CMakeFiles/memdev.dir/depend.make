# Empty dependencies file for memdev.
# This may be replaced when dependencies are built.
