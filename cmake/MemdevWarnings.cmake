# SPDX-License-Identifier: MIT
# memdev_warnings(TARGET): the project's warning set, per target (STYLE.md "Build").
function(memdev_warnings target)
  get_target_property(_type ${target} TYPE)
  set(_c_flags -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
               -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C>:${_c_flags}>
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic>)
  if(MEMDEV_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
