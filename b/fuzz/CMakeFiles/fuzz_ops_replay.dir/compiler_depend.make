# Empty compiler generated dependencies file for fuzz_ops_replay.
# This may be replaced when dependencies are built.
