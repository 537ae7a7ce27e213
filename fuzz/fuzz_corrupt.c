/* SPDX-License-Identifier: MIT */
/*
 * fuzz_corrupt.c - fuzz target "corrupt": the first 4 bytes choose a corruption (fuzz/
 * corrupt.c), the rest is a program as for "ops". The program runs through the lock-step
 * checker as in "ops"; at its end one field of the valid space is corrupted in a way the
 * invariants forbid, and memdev_validate() must report it without crashing, then pass again
 * once the field is restored. It tests the validator the other targets rely on, and reaches
 * the code that reports each violated invariant.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "corrupt.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The signature names the corruption kind ("validator corrupt-21"): two kinds the validator
 * misses are two bugs, and two findings, not one finding with more inputs.
 */
static void at_end(void *ctx, memdev_space *sp) {
    char why[600], op[32];
    const uint8_t *spec = ctx;
    if (corrupt_check(sp, spec, why, sizeof why)) {
        snprintf(op, sizeof op, "corrupt-%u", corrupt_kind(spec));
        harness_fail("validator", op, "%s", why);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t spec[CORRUPT_SPEC_SIZE] = {0};
    size_t n = size < sizeof(spec) ? size : sizeof(spec);
    memcpy(spec, data, n);
    harness_run_ex(data + n, size - n, NULL, PROGRAM_OPS, at_end, spec);
    return 0;
}
