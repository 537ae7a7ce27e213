# CMake generated Testfile for 
# Source directory: /work/main/tests/unit
# Build directory: /work/main/b/tests/unit
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[unit.test_wtree]=] "/work/main/b/tests/unit/test_wtree")
set_tests_properties([=[unit.test_wtree]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/unit/CMakeLists.txt;8;add_test;/work/main/tests/unit/CMakeLists.txt;11;memdev_unit;/work/main/tests/unit/CMakeLists.txt;0;")
add_test([=[unit.test_diff]=] "/work/main/b/tests/unit/test_diff")
set_tests_properties([=[unit.test_diff]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/unit/CMakeLists.txt;8;add_test;/work/main/tests/unit/CMakeLists.txt;13;memdev_unit;/work/main/tests/unit/CMakeLists.txt;0;")
add_test([=[unit.test_oom]=] "/work/main/b/tests/unit/test_oom")
set_tests_properties([=[unit.test_oom]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/unit/CMakeLists.txt;8;add_test;/work/main/tests/unit/CMakeLists.txt;15;memdev_unit;/work/main/tests/unit/CMakeLists.txt;0;")
add_test([=[unit.test_memslots]=] "/work/main/b/tests/unit/test_memslots")
set_tests_properties([=[unit.test_memslots]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/unit/CMakeLists.txt;8;add_test;/work/main/tests/unit/CMakeLists.txt;16;memdev_unit;/work/main/tests/unit/CMakeLists.txt;0;")
add_test([=[unit.test_model]=] "/work/main/b/tests/unit/test_model")
set_tests_properties([=[unit.test_model]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/unit/CMakeLists.txt;8;add_test;/work/main/tests/unit/CMakeLists.txt;17;memdev_unit;/work/main/tests/unit/CMakeLists.txt;0;")
