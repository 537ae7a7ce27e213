/* SPDX-License-Identifier: MIT */
/*
 * lockstep.h - the one lock-step checker: it drives a memdev_space and the reference model
 * (core/model) with the same operations and checks, after each one, that they agree on
 * everything observable and that the library keeps every invariant of spec section 8. The
 * trace runner's --check (core/trace), the fuzz harness (fuzz/) and the differential unit
 * test (tests/unit) all run operations through it, so a check added here applies everywhere.
 *
 * Checks come in two tiers so that fuzzing stays fast on deep trees without losing any:
 *
 *   every operation (cost O(log n) in the library plus the model's own linear scans)
 *     - the return code and the whole result (plug address/slot/memslots/empty, lookup
 *       id/addr/offset/memslot/mapped, free address, every stats counter) equal the model's;
 *     - the stats counters of both sides are equal afterwards;
 *     - the device the operation names is equal in both (all info fields, every memslot's
 *       mapped state, the exact plugged extents, lookups at its edges and memslot starts),
 *       or absent from both;
 *     - a failed operation or a query left the library's counters and the named device as
 *       they were;
 *     - no-memory only where the caller injected allocation failures, and then nothing
 *       changed (digest and validator) and the model skips the operation;
 *     - `list` and `info` results are compared with the model in full (they are O(n) by
 *       nature): every device in order with every field; the info JSON is parsed and
 *       compared field by field, its buffer contract (length, truncation, one byte short)
 *       included.
 *
 *   full check (O(n log n)): after every operation while fewer than `full_below` devices
 *   are plugged, every `full_every` operations (with full_amortized: every
 *   max(full_every, n) operations), after operations flagged LOCKSTEP_FULL, and whenever
 *   lockstep_check_full() is called (every caller does at the end of a run; it also checks
 *   memdev_info_json's buffer contract: length, truncated prefix, one byte short)
 *     - memdev_validate() (every cached summary recomputed, every invariant);
 *     - model_compare() (every observable value of every device, lookups at every boundary);
 *     - at lockstep_check_full() (the end of every run): the info JSON, field by field, and
 *       memdev_info_json's buffer contract (between `info` operations, which compare the
 *       JSON in full, it is the same device list model_compare already compares);
 *     - a failed operation or a query left memdev_digest() unchanged (when the operation
 *       was a full-check one, the digest is taken before it);
 *     - a plug followed by the unplug of the same device restores the digest from before
 *       the plug (when the plug was a full-check one).
 *
 * A failure names the check that failed (a stable word, see lockstep_failure.check) and the
 * operation it was found after, so campaigns can deduplicate by (check, operation kind).
 * Callers that want the *first* operation at which a bug shows replay the same input with
 * full_every = 1 (the fuzz harness and the trace runner do so before reporting).
 *
 * Everything is reentrant; the checker allocates with the C library, the space with the
 * caller's allocator (so the caller can inject allocation failures into the library only).
 * A no-memory answer of the library passes when an allocation of that operation failed,
 * injected or refused by the caller's allocator, and nothing changed; the model then skips
 * the operation. When the checker itself cannot allocate (the model, its JSON buffers), the
 * failure's check is LOCKSTEP_CHECKER_MEMORY: no finding about the library.
 */
#ifndef MEMDEV_LOCKSTEP_H
#define MEMDEV_LOCKSTEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "memdev.h"
#include "model.h"
#include "trace.h" /* struct trace_op: the operation language (header only) */

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What one operation returned (library or model). Only the member of the op's type counts.
 * A lookup's id points into the side that answered (the space or the model) and stays valid
 * until the next operation that changes it, as memdev_lookup's does.
 */
typedef struct lockstep_result {
    int rc;
    memdev_plug_result plug;     /* TRACE_OP_PLUG */
    memdev_lookup_result lookup; /* TRACE_OP_LOOKUP */
    uint64_t addr;               /* TRACE_OP_FREE */
    memdev_stats stats;          /* TRACE_OP_STATS */
} lockstep_result;

typedef struct lockstep_options {
    bool check;               /* run the model and the checks; false: the library alone */
    uint32_t full_every;      /* full check every N operations; 0: default (16); 1: every op */
    uint32_t full_below;      /* full check after every op while fewer than N devices are
                                 plugged (0: never) */
    uint8_t create_fail_mask; /* allocations of space creation that fail (as for a step) */
    /* stretch the period of full checks to the number of devices when that is larger, so
     * their O(n) cost stays O(1) per operation amortised (the fuzz targets) */
    bool full_amortized;
    /* give the library no allocator (it then uses its own, the C library's): no injection
     * and no byte counting, but that code path is exercised too */
    bool library_allocator;
} lockstep_options;

/* lockstep_failure.check when the checker itself ran out of memory (no finding). */
#define LOCKSTEP_CHECKER_MEMORY "checker-memory"

typedef struct lockstep_failure {
    /*
     * The check, a stable word: "space" (creation results differ), "last-error", "result" (code or
     * result of an operation differs), "stats", "device" (the named device differs),
     * "unchanged" (a failed operation or a query changed the library), "no-memory",
     * "list", "info", "validate", "compare" (model_compare at a full check), "digest"
     * (failed op or query changed the digest), "roundtrip" (plug + unplug did not restore),
     * "checker-memory" (the checker itself could not allocate: the reference model or a
     * buffer of its comparisons; no finding about the library, the run cannot go on).
     */
    const char *check;
    uint32_t opno;              /* operations stepped so far (0: at creation) */
    enum trace_op_type op_type; /* the operation it was found after (NONE: not after one) */
    bool full;                  /* found by a full check */
    bool have_results;          /* lib and model below hold the operation's results */
    lockstep_result lib, model;
    char msg[1200];
} lockstep_failure;

typedef struct lockstep lockstep;

/*
 * Creates the checker and the library space (with alloc, NULL: the C library's, wrapped by
 * the injection layer) and, in
 * check mode, the model. Returns the library's code of memdev_space_create; *out is set
 * whenever the checker itself could be allocated (also when the library refused the
 * configuration: then lockstep_space() is NULL). When the model's code differs, the checker
 * has failed ("space"). MEMDEV_ENOMEM with *out NULL when the checker cannot be allocated.
 */
int lockstep_create(const memdev_config *cfg, const memdev_allocator *alloc,
                    const lockstep_options *opt, lockstep **out);
void lockstep_destroy(lockstep *ls);

/* The library space (NULL when creation failed) and the model (NULL without check). */
memdev_space *lockstep_space(const lockstep *ls);
const model_space *lockstep_model(const lockstep *ls);

#define LOCKSTEP_FULL 1u /* run the full check after this op */
/*
 * Compare only the op's code and result (bulk set-up, e.g. the deep fuzz target's prefill of
 * a thousand devices): none of the other per-op checks. The caller runs lockstep_check_full
 * before it relies on the state.
 */
#define LOCKSTEP_QUICK 2u
/*
 * Allocation-failure injection: allocation j (j < 8) of the library during this op fails
 * when bit j of mask is set; 0xFF fails every allocation. A no-memory answer is then
 * checked (an allocation did fail, nothing changed, the space validates) and the model
 * skips the op, so the caller may retry it. Without injection, no-memory is a failure.
 */
#define LOCKSTEP_FAIL_ALLOC(mask) ((unsigned)((mask)&0xFFu) << 8)
#define LOCKSTEP_FAIL_MASK LOCKSTEP_FAIL_ALLOC(0xFF)

/*
 * Runs op (any type that changes or queries the space: plug .. info; other types do
 * nothing, count no step and zero *lib) on the library, then on the model, and checks. *lib
 * receives the library's result (may be NULL). Returns 0, or -1 when a check failed (see
 * lockstep_failed); after a failure every call returns -1 and does nothing. flags: LOCKSTEP_FULL,
 * LOCKSTEP_FAIL_ALLOC.
 */
int lockstep_step(lockstep *ls, const struct trace_op *op, unsigned flags, lockstep_result *lib);

/* One operation on the library alone / on the model alone, without any check. */
void lockstep_exec_library(memdev_space *sp, const struct trace_op *op, lockstep_result *res);
void lockstep_exec_model(model_space *m, const struct trace_op *op, lockstep_result *res);

/* The full check now. 0 or -1. */
int lockstep_check_full(lockstep *ls);

/* The failure, or NULL while every check passed. */
const lockstep_failure *lockstep_failed(const lockstep *ls);

/* Operations stepped so far. */
uint32_t lockstep_steps(const lockstep *ls);

/* The model's state and the library's (stats and list), for failure reports. */
void lockstep_dump(const lockstep *ls, FILE *f);

/*
 * Checks the library's info JSON against the model's device list, field by field (exact
 * keys per kind, values, order), and the buffer contract of memdev_info_json. 0, or -1 with
 * the first difference in msg, or -2 when the checker could not allocate its buffers (msg
 * says so; nothing is known about the library). O(n). (Exposed for tests of the checker.)
 */
int lockstep_check_info_json(const model_space *m, const memdev_space *sp, char *msg, size_t cap);

/* Compares one info JSON text with the model (no buffer-contract checks). 0, -1, or -2
 * (out of memory), as lockstep_check_info_json. */
int lockstep_compare_info_text(const model_space *m, const char *json, size_t len, char *msg,
                               size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* MEMDEV_LOCKSTEP_H */
