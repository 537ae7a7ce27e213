# Empty dependencies file for memdev_decode.
# This may be replaced when dependencies are built.
