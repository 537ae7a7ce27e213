# Empty dependencies file for memdev_fuzz_harness.
# This may be replaced when dependencies are built.
