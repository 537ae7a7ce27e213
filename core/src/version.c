/* SPDX-License-Identifier: MIT */
/*
 * version.c - the release the library was built as (memdev.h's MEMDEV_VERSION_*), so a VMM
 * can compare it at run time with the header it was compiled against (a shared library of
 * another release installed under the same SONAME, a stale static archive).
 */
#include "memdev.h"

unsigned memdev_version_number(void) {
    return MEMDEV_VERSION_NUMBER;
}

const char *memdev_version_string(void) {
    return MEMDEV_VERSION_STRING;
}
