/* SPDX-License-Identifier: MIT */
/*
 * corrupt.h - the validator's own test: corrupt one field of a valid space, memdev_validate
 * must say so and name the invariant broken; restore it, memdev_validate must pass (see
 * corrupt.c). Used by the `corrupt`
 * fuzz target after a program has run.
 */
#ifndef MEMDEV_FUZZ_CORRUPT_H
#define MEMDEV_FUZZ_CORRUPT_H

#include <stddef.h>
#include <stdint.h>

#include "memdev.h"

#define CORRUPT_SPEC_SIZE 4u /* kind, which record or bit, where, how much */
#define CORRUPT_KINDS 62u

/* The corruption kind a spec chooses (its first byte; every byte value names one). */
static inline unsigned corrupt_kind(const uint8_t spec[CORRUPT_SPEC_SIZE]) {
    return spec[0] % CORRUPT_KINDS;
}

/*
 * Applies the corruption spec describes to sp (which must be valid), checks the validator
 * and restores the field. NULL when all is well (or the corruption does not apply to this
 * state), else a message in why (cap bytes).
 */
const char *corrupt_check(memdev_space *sp, const uint8_t spec[CORRUPT_SPEC_SIZE], char *why,
                          size_t cap);

#endif /* MEMDEV_FUZZ_CORRUPT_H */
