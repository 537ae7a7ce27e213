# Empty compiler generated dependencies file for fuzz_trace_replay.
# This may be replaced when dependencies are built.
