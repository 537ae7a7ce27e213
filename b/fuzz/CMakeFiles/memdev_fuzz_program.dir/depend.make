# Empty dependencies file for memdev_fuzz_program.
# This may be replaced when dependencies are built.
