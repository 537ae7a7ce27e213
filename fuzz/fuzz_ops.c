/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ops.c - fuzz target "ops": the whole input is a program (fuzz/program.c) run on the
 * library and the reference model in lock-step with every check of spec section 8 after
 * every operation (fuzz/harness.c). Any divergence or violated invariant aborts.
 */
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    harness_run(data, size, NULL, PROGRAM_OPS);
    return 0;
}
