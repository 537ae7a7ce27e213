/* SPDX-License-Identifier: MIT */
/*
 * program.h - the fuzz decoder: any byte string -> a space configuration and a bounded
 * sequence of memdev operations, shared by every fuzz target, `fuzz/repro` and `memdev decode`.
 *
 * The decoder is total (every input is a valid program) and keeps mutations meaningful: a
 * 16-byte header selects the configuration from tables of interesting values (windows that end
 * at 2^64, unaligned bases, tiny and huge budgets, slot and memslot limits), then every 8-byte
 * record is one operation whose operands are folded toward the *current* state: device
 * selectors pick live devices of the right kind, sizes come from the largest gap or the
 * remaining budget, hints from device ends and first-fit answers, virtio-mem ranges from
 * memslot boundaries and block runs in the opposite state. Folding needs the state, so
 * decoding runs in lock-step with a space: program_next() reads the space (public API
 * queries only) to choose the next operation, the caller executes it, and so on. Up to the first
 * divergence the library and the reference model agree, so folding from the library is as good
 * as folding from the model. The record layout is documented in program.c.
 *
 * Operations are struct trace_op (core/trace/trace.h), so a program prints as trace text with
 * the trace formatter and replays with `memdev run`. Every string an op points to (ids, memdev
 * names) is a string constant: ops stay valid when copied.
 */
#ifndef MEMDEV_FUZZ_PROGRAM_H
#define MEMDEV_FUZZ_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "memdev.h"
#include "trace.h"

#define PROGRAM_HEADER_SIZE 16u
#define PROGRAM_RECORD_SIZE 8u
#define PROGRAM_MAX_OPS 256u /* records */
#define PROGRAM_MAX_STEPS                                                                          \
    256u /* operations, bulk records expanded (ops, oom; deep: twice,                              \
            after the prefill) */
#define PROGRAM_MAX_VHOST 3u
#define PROGRAM_ID_POOL 4096u /* plug ids "d0000" .. "d7777" (octal; see program.c) */
#define PROGRAM_MAX_LIVE PROGRAM_ID_POOL
#define PROGRAM_DEEP_PREFIX 4u /* deep mode: bytes of the prefill description */

/* What an input is (the target decides): a plain program, or a prefilled deep tree first. */
typedef enum program_mode {
    PROGRAM_OPS = 0, /* header, records (targets ops and oom) */
    PROGRAM_DEEP = 1 /* 4 prefill bytes, header, records (target deep) */
} program_mode;

/* What the decoder remembers of one plugged device (copied from memdev_foreach). */
typedef struct program_dev {
    const char *id; /* a string constant of the id pool */
    memdev_kind kind;
    bool empty;
    uint64_t addr, size, align;
    int32_t slot;
    uint32_t memslots, mapped;
    uint64_t memslot_size;
    uint64_t block, requested, plugged;
} program_dev;

/* A free range [first, last] of the window (inclusive, so one may end at 2^64 - 1). */
typedef struct program_gap {
    uint64_t first, last;
} program_gap;

typedef struct program_decoder {
    const uint8_t *data;
    size_t size;
    size_t pos; /* next record */
    program_mode mode;
    uint32_t ops;   /* records decoded so far */
    uint32_t steps; /* operations produced so far */
    uint32_t max_steps;
    uint8_t bulk[PROGRAM_RECORD_SIZE]; /* the bulk record being expanded */
    uint32_t bulk_left;                /* operations it still produces */
    uint32_t bulk_i;                   /* operations it produced */
    uint32_t bulk_cursor;              /* pool index where a plugging bulk looks for the next id */
    uint64_t bulk_next;                /* a hinted bulk: where the next device goes */
    uint8_t deep[PROGRAM_DEEP_PREFIX]; /* deep mode: the prefill description */
    uint32_t prefill_left, prefill_i;  /* deep mode: prefill operations still to come / made */
    uint32_t prefill_devs;             /* deep mode: devices of the prefill before its extents */
    uint32_t prefill_extents;          /* deep mode: extents of the prefill's last device */
    uint64_t prefill_next;             /* deep mode: address of the next prefill device */
    uint64_t prefill_xoff;             /* deep mode: offset of the next extent of the last one */
    bool in_prefill;                   /* the op just decoded is a prefill operation */
    bool checkpoint;                   /* the op just decoded asks for the full check after it */
    bool library_allocator;            /* h4 bit 3: the space uses the library's own allocator */
    uint8_t kernels;                   /* h4 bits 4-5: 0 the best, 1 + WT_SCALAR/AVX2/AVX512 */
    uint64_t jitter;                   /* header bytes 8..15: raw value for "raw" table entries */
    memdev_config config;              /* config.vhost points to vhost[] */
    memdev_limit vhost[PROGRAM_MAX_VHOST];
    /* shadow of the space, refreshed by program_next when the state may have changed */
    program_dev live[PROGRAM_MAX_LIVE];
    uint32_t n_live;
    uint32_t gen; /* live_gen[ix] == gen: live_idx[ix] is valid */
    uint32_t live_gen[PROGRAM_ID_POOL];
    uint16_t live_idx[PROGRAM_ID_POOL];     /* pool index -> index in live[] */
    program_gap gaps[PROGRAM_MAX_LIVE + 1]; /* free ranges in address order */
    uint32_t n_gaps;
    memdev_stats stats;
    bool fresh;                   /* the shadow matches the space */
    enum trace_op_type last_type; /* the op decoded before */
    const char *last_plugged;     /* id of the most recent plug op (it may have failed) */
} program_decoder;

/*
 * Decodes the header (zero-padded when the input is shorter) and prepares the records. Clears
 * only what it must (the shadow is rebuilt on the first program_next), so a decoder costs
 * nothing per input to set up. In deep mode the first PROGRAM_DEEP_PREFIX bytes describe a
 * prefill: 256 to 1040 devices placed by hinted plugs in address order, with holes and mixed
 * alignments, which program_next produces before the records (program_in_prefill says so).
 */
void program_decoder_init(program_decoder *d, const uint8_t *data, size_t size, program_mode mode);

/* Whether the op just decoded is a prefill plug (deep mode). */
bool program_in_prefill(const program_decoder *d);

/* The index in the decoder's id pool of a plug id: "d" and four octal digits (0..4087), after
   "virtio-mem-pci-node0-" when the last digit is 7; 4088..4095 the edge ids; -1 for any other
   string. */
int program_pool_index(const char *id);

/*
 * Decodes the next operation into *op (a hand-built trace_op: line 0, operand NULL), choosing
 * operands from the state of sp (may be NULL: no devices). sp is read through queries only;
 * it is not const because memdev_free (used for hints) may register an alignment class, an
 * internal cache outside the logical state. Returns true, or false when the input has no
 * complete record left, or PROGRAM_MAX_OPS records or PROGRAM_MAX_STEPS operations were
 * decoded.
 */
bool program_next(program_decoder *d, memdev_space *sp, struct trace_op *op);

/*
 * Whether the input asks for the full comparison after the op just decoded (a checkpoint:
 * the harness then passes LOCKSTEP_FULL). The lock-step checker also runs it every few
 * operations and at the end of every input.
 */
bool program_checkpoint(const program_decoder *d);

/* The space line of the program as a trace_op (TRACE_OP_SPACE). */
void program_space_op(const program_decoder *d, struct trace_op *op);

/*
 * Writes the whole program as trace text: a comment, the space line, one line per op, and
 * when with_expect an `expect` line per op with the reference model's result (so the trace
 * is a regression case: it fails on a library that diverges). The library folds the
 * operands as in the targets. Returns the number of ops, or -1 on a write error. A space
 * the library rejects prints the space line only (a trace then exits 2).
 */
int program_to_trace(const uint8_t *data, size_t size, program_mode mode, FILE *out,
                     bool with_expect);

/*
 * The same for an oom input: each op whose allocations the oom target makes fail (schedule,
 * HARNESS_SCHEDULE_SIZE bytes) is preceded by `fail-alloc mask=M` and, when the library then
 * answered no-memory, written again (the target's retry). NULL: as program_to_trace (ops).
 */
int program_to_trace_oom(const uint8_t *data, size_t size, const uint8_t *schedule, FILE *out,
                         bool with_expect);

/* `memdev-decode` (fuzz/decode.c): returns the exit status. */
int program_decode_main(int argc, char **argv);

/*
 * Formats the `expect` line (no '\n') that states a result: the code, and for a success the
 * plug's addr/slot/memslots, free's addr, or lookup's id/addr/offset/memslot/mapped (`expect
 * none` when nothing is found). Like snprintf; -1 when it cannot be formatted.
 */
int program_format_expect(const struct trace_op *op, int rc, const memdev_plug_result *plug,
                          const memdev_lookup_result *look, uint64_t addr, char *buf, size_t cap);

#endif /* MEMDEV_FUZZ_PROGRAM_H */
