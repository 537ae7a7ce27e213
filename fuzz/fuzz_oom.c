/* SPDX-License-Identifier: MIT */
/*
 * fuzz_oom.c - fuzz target "oom": the first 8 bytes are an allocation-failure schedule
 * (which allocations of which operation fail, chosen by the fuzzer), the rest is a program as
 * for "ops". Every injected failure must come back as no-memory with the state digest
 * unchanged and valid; the operation is then retried and must agree with the model, so the
 * space is shown to stay usable. Leaks are counted by the harness's allocator.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t sched[HARNESS_SCHEDULE_SIZE] = {0};
    size_t n = size < sizeof(sched) ? size : sizeof(sched);
    memcpy(sched, data, n);
    harness_run(data + n, size - n, sched, PROGRAM_OPS);
    return 0;
}
