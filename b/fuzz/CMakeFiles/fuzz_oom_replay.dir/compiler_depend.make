# Empty compiler generated dependencies file for fuzz_oom_replay.
# This may be replaced when dependencies are built.
