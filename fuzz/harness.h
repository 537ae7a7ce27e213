/* SPDX-License-Identifier: MIT */
/*
 * harness.h - the checking side of the ops and oom fuzz targets: decodes a program
 * (fuzz/program.c) and runs it through the lock-step checker (core/lockstep), which runs the
 * library and the reference model side by side and checks everything spec section 8 asks
 * (per operation cheaply, in full every few operations, at points the input chooses and at
 * the end of every input). Any violation prints what diverged in words (the check, the
 * operation as a trace line, the reference model's state) and aborts, so every engine sees a
 * crash. Before reporting, the input is replayed with the full check after every operation,
 * so the report names the first operation at which the bug shows.
 *
 * The report ends with the line
 *     memdev-fuzz: SIGNATURE: CHECK OP
 * (e.g. "result plug", "validate unplug", "leak end"): the failed check and the kind of
 * operation, which stays the same for every input that hits one bug. fuzz/campaign
 * deduplicates findings by it.
 *
 * Set MEMDEV_FUZZ_VERBOSE=1 to print every operation and its result (fuzz/repro does).
 */
#ifndef MEMDEV_FUZZ_HARNESS_H
#define MEMDEV_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memdev.h"
#include "program.h"

/* Allocation-failure schedule for the oom target: NULL/0 for none. */
#define HARNESS_SCHEDULE_SIZE 8u

/*
 * Runs the program in data. With a schedule, allocation j (< 8) of operation i fails when bit
 * j of schedule[i % 8] is set (i = 0 is space creation; 0xFF fails every allocation of that
 * operation); a failed operation must then be no-memory with the state unchanged, and is
 * retried without failures so the run goes on in step with the model. In deep mode the
 * prefill plugs are checked by result only, then the full check runs once, then the records
 * run as in ops mode (the full check every 64 operations: n is in the thousands).
 */
void harness_run(const uint8_t *data, size_t size, const uint8_t *schedule, program_mode mode);

/*
 * The same, and when the whole program passed, at_end(ctx, space) is called before the space
 * is destroyed (the corrupt target checks the validator there); NULL: harness_run.
 */
typedef void (*harness_end_fn)(void *ctx, memdev_space *sp);
void harness_run_ex(const uint8_t *data, size_t size, const uint8_t *schedule, program_mode mode,
                    harness_end_fn at_end, void *ctx);

/* Allocator that counts live blocks (leak check at the end of a run) and, with track set,
 * remembers each one (the accounting check at the end of a run). */
#define HARNESS_TRACK 16384u /* blocks remembered; more: the accounting check is skipped */
typedef struct harness_alloc {
    long live;     /* blocks currently allocated */
    bool track;    /* remember every live block in blocks[] */
    bool overflow; /* more live blocks than blocks[] holds */
    struct harness_block {
        void *p; /* NULL: free slot; (void *)1: deleted */
        size_t size;
        bool seen;
    } * blocks;        /* HARNESS_TRACK slots, open addressing */
    uint32_t *touched; /* slots used since the last reset (HARNESS_TRACK of room) */
    size_t n_touched;
} harness_alloc;

memdev_allocator harness_allocator(harness_alloc *a);

/* Prints "memdev-fuzz: FAILURE: ...", the SIGNATURE line and aborts. */
void harness_fail(const char *check, const char *op, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

/* Whether MEMDEV_FUZZ_VERBOSE is set (read once). */
int harness_verbose(void);

#endif /* MEMDEV_FUZZ_HARNESS_H */
