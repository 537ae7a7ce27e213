# CMake generated Testfile for 
# Source directory: /work/main/core/model
# Build directory: /work/main/b/core/model
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
