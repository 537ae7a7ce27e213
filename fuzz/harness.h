/* SPDX-License-Identifier: MIT */
/*
 * harness.h - the checking side of the fuzz targets: runs a decoded program on the library
 * and the reference model in lock-step and checks everything spec section 8 asks after every
 * operation. Any violation prints what diverged in words (the op as a trace line, both
 * results, the model's state) and aborts, so every engine sees a crash.
 *
 * Set MEMDEV_FUZZ_VERBOSE=1 to print every op and its result (fuzz/repro does).
 */
#ifndef MEMDEV_FUZZ_HARNESS_H
#define MEMDEV_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "memdev.h"

/* Allocation-failure schedule for the oom target: NULL/0 for none. */
#define HARNESS_SCHEDULE_SIZE 8u

/*
 * Runs the program in data. With a schedule, allocation j (< 8) of operation i fails when bit
 * j of schedule[(i + 1) % 8] is set (schedule[0] covers space creation; 0xFF fails every
 * allocation of that operation); a failed operation must then be no-memory with the state
 * unchanged, and is retried without failures so the run goes on in step with the model.
 */
void harness_run(const uint8_t *data, size_t size, const uint8_t *schedule);

/* Counting allocator (also used by the trace target to find leaks). */
typedef struct harness_alloc {
    long live;          /* blocks currently allocated */
    unsigned index;     /* allocations since the last harness_alloc_arm */
    uint8_t mask;       /* which of the next 8 allocations fail */
    unsigned failed;    /* failures injected since the last arm */
} harness_alloc;

memdev_allocator harness_allocator(harness_alloc *a);
void harness_alloc_arm(harness_alloc *a, uint8_t mask);

/* Prints "memdev-fuzz: FAILURE: ..." and aborts. */
void harness_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Whether MEMDEV_FUZZ_VERBOSE is set (read once). */
int harness_verbose(void);

#endif /* MEMDEV_FUZZ_HARNESS_H */
