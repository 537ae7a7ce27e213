# CMake generated Testfile for 
# Source directory: /work/main/fuzz
# Build directory: /work/main/b/fuzz
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[corpus.ops]=] "/work/main/b/fuzz/fuzz_ops_replay" "/work/main/corpus/ops")
set_tests_properties([=[corpus.ops]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/fuzz/CMakeLists.txt;63;add_test;/work/main/fuzz/CMakeLists.txt;0;")
add_test([=[corpus.oom]=] "/work/main/b/fuzz/fuzz_oom_replay" "/work/main/corpus/oom")
set_tests_properties([=[corpus.oom]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/fuzz/CMakeLists.txt;63;add_test;/work/main/fuzz/CMakeLists.txt;0;")
add_test([=[corpus.trace]=] "/work/main/b/fuzz/fuzz_trace_replay" "/work/main/corpus/trace")
set_tests_properties([=[corpus.trace]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/fuzz/CMakeLists.txt;63;add_test;/work/main/fuzz/CMakeLists.txt;0;")
add_test([=[corpus.deep]=] "/work/main/b/fuzz/fuzz_deep_replay" "/work/main/corpus/deep")
set_tests_properties([=[corpus.deep]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/fuzz/CMakeLists.txt;63;add_test;/work/main/fuzz/CMakeLists.txt;0;")
