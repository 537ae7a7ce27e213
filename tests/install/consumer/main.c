/* SPDX-License-Identifier: MIT */
/*
 * main.c - a VMM in miniature, the program every consumer test builds against memdev as a
 * user would (installed CMake package, pkg-config, add_subdirectory; static and shared): the
 * header and the library it runs with are the same release, the release is the one the test
 * expects (-DEXPECT_VERSION="x.y.z"), and a plug, lookup, validate round trip works. Strict
 * C99 so the header is checked for that too. Exit 0, or 1 with the mismatch printed.
 */
#include <memdev.h>
#include <stdio.h>
#include <string.h>

#if !defined(MEMDEV_VERSION_NUMBER) || MEMDEV_VERSION_NUMBER < 100
#error "needs memdev 0.1.0 or later"
#endif

static int failed;

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "consumer: FAILED: %s\n", what);
        failed = 1;
    }
}

static void check_version(void) {
    char built[32];
    snprintf(built, sizeof built, "%d.%d.%d", MEMDEV_VERSION_MAJOR, MEMDEV_VERSION_MINOR,
             MEMDEV_VERSION_PATCH);
    check(strcmp(built, MEMDEV_VERSION_STRING) == 0, "MEMDEV_VERSION_STRING is MAJOR.MINOR.PATCH");
    check(MEMDEV_VERSION_NUMBER ==
              MEMDEV_VERSION_MAJOR * 10000 + MEMDEV_VERSION_MINOR * 100 + MEMDEV_VERSION_PATCH,
          "MEMDEV_VERSION_NUMBER is MAJOR * 10000 + MINOR * 100 + PATCH");
    check(memdev_version_number() == MEMDEV_VERSION_NUMBER,
          "memdev_version_number() equals the header's MEMDEV_VERSION_NUMBER");
    check(strcmp(memdev_version_string(), MEMDEV_VERSION_STRING) == 0,
          "memdev_version_string() equals the header's MEMDEV_VERSION_STRING");
#ifdef EXPECT_VERSION
    check(strcmp(MEMDEV_VERSION_STRING, EXPECT_VERSION) == 0,
          "the header's version is the build's project(VERSION) " EXPECT_VERSION);
#endif
    printf("consumer: header %s, library %s\n", MEMDEV_VERSION_STRING, memdev_version_string());
}

int main(void) {
    memdev_config cfg;
    memdev_device_desc d;
    memdev_plug_result res;
    memdev_lookup_result hit;
    memdev_space *sp = NULL;
    char why[128];

    check_version();
    memset(&cfg, 0, sizeof cfg);
    cfg.base = 4ull << 30;
    cfg.size = 8ull << 30;
    cfg.budget = 8ull << 30;
    cfg.dimm_slots = 2;
    check(memdev_space_create(&cfg, NULL, &sp) == MEMDEV_OK, "memdev_space_create");
    if (!sp)
        return 1;
    memset(&d, 0, sizeof d);
    d.id = "dimm0";
    d.kind = MEMDEV_DIMM;
    d.size = 1ull << 30;
    d.align = MEMDEV_DEFAULT_ALIGN;
    check(memdev_plug(sp, &d, &res) == MEMDEV_OK && res.addr == cfg.base && res.slot == 0,
          "the first DIMM goes to the window base, slot 0");
    check(memdev_plug(sp, &d, NULL) == MEMDEV_EDUPID, "the same id again is duplicate-id");
    check(strcmp(memdev_error_name(MEMDEV_EDUPID), "duplicate-id") == 0, "memdev_error_name");
    memdev_lookup(sp, cfg.base + 4096, &hit);
    check(hit.found && strcmp(hit.id, "dimm0") == 0 && hit.offset == 4096, "memdev_lookup");
    check(memdev_validate(sp, why, sizeof why) == MEMDEV_OK, "memdev_validate");
    memdev_space_destroy(sp);
    if (!failed)
        printf("consumer: ok\n");
    return failed;
}
