# Empty dependencies file for fuzz_deep_replay.
# This may be replaced when dependencies are built.
