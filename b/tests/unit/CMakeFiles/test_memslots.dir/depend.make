# Empty dependencies file for test_memslots.
# This may be replaced when dependencies are built.
