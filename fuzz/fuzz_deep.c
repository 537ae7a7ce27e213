/* SPDX-License-Identifier: MIT */
/*
 * fuzz_deep.c - fuzz target "deep": the first 4 bytes describe a prefill of 256 to 1040
 * devices (hinted plugs in address order, with holes and mixed alignments, so the window tree
 * has several inner levels and gaps everywhere), the rest is a program as for "ops" that runs
 * on that deep tree. The prefill is checked by result and then in full once; the records get
 * every check of the lock-step checker. Slower per input than "ops" (the model's scans are
 * O(n)), so the campaign gives it its own share of time; "ops" stays fast.
 */
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    harness_run(data, size, NULL, PROGRAM_DEEP);
    return 0;
}
