# Empty compiler generated dependencies file for test_wtree.
# This may be replaced when dependencies are built.
