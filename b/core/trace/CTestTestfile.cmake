# CMake generated Testfile for 
# Source directory: /work/main/core/trace
# Build directory: /work/main/b/core/trace
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
