/* SPDX-License-Identifier: MIT */
/*
 * harness.c - runs a decoded program through the lock-step checker (see harness.h).
 *
 * All checking is core/lockstep's, shared with `memdev run --check` and the differential
 * unit test; this file only feeds it: the decoder's operations, the oom schedule as
 * allocation-failure masks (a failed operation is retried without failures), full checks at
 * the points the input chooses, and the leak check after the space is destroyed. A run costs
 * the library's O(log n) per operation plus the model's linear scans, and O(n) full checks
 * every few operations and at the end; no large structure is cleared per input.
 */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep.h"
#include "program.h"
#include "space.h" /* white-box: the tree's kernels (below) */

/* ---------------------------------------------------------------------------------------- */
/* Counting allocator                                                                       */

#define GONE ((void *)1)

static size_t slot_of(const void *p) {
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 50) & (HARNESS_TRACK - 1);
}

static void track_add(harness_alloc *a, void *p, size_t size) {
    if (!a->track || a->overflow)
        return;
    for (size_t i = slot_of(p), n = 0; n < HARNESS_TRACK; i = (i + 1) & (HARNESS_TRACK - 1), n++)
        if (a->blocks[i].p == NULL || a->blocks[i].p == GONE) {
            if (a->blocks[i].p == NULL)
                a->touched[a->n_touched++] = (uint32_t)i; /* at most HARNESS_TRACK */
            a->blocks[i] = (struct harness_block){p, size, false};
            return;
        }
    a->overflow = true;
}

/* Forgets block p; returns its size (0 when it was not tracked). */
static size_t track_del(harness_alloc *a, void *p) {
    if (!a->track || a->overflow)
        return 0;
    for (size_t i = slot_of(p), n = 0; n < HARNESS_TRACK && a->blocks[i].p;
         i = (i + 1) & (HARNESS_TRACK - 1), n++)
        if (a->blocks[i].p == p) {
            a->blocks[i].p = GONE;
            return a->blocks[i].size;
        }
    return 0;
}

static void *al_realloc(void *ctx, void *ptr, size_t size) {
    harness_alloc *a = ctx;
    size_t old = ptr ? track_del(a, ptr) : 0;
    void *p = realloc(ptr, size ? size : 1);
    if (p && !ptr)
        a->live++;
    if (p)
        track_add(a, p, size);
    else if (ptr)
        track_add(a, ptr, old); /* a failed realloc leaves the block as it was */
    return p;
}

static void al_free(void *ctx, void *ptr) {
    harness_alloc *a = ctx;
    if (ptr) {
        a->live--;
        track_del(a, ptr);
    }
    free(ptr);
}

/* Tracking on, with the table emptied of the previous run's slots only (it is large). */
static void track_reset(harness_alloc *a) {
    static struct harness_block blocks[HARNESS_TRACK];
    static uint32_t touched[HARNESS_TRACK];
    if (!a->blocks) {
        a->blocks = blocks;
        a->touched = touched;
    }
    for (size_t i = 0; i < a->n_touched; i++)
        a->blocks[a->touched[i]].p = NULL;
    a->n_touched = 0;
    a->overflow = false;
    a->track = true;
}

/* The blocks the space says it holds (space_blocks) against those it does hold. */
struct claim {
    harness_alloc *a;
    const char *bad;
};

static void claim_one(void *ctx, const void *block, enum space_owner owner) {
    struct claim *c = ctx;
    (void)owner;
    for (size_t i = slot_of(block), n = 0; n < HARNESS_TRACK && c->a->blocks[i].p;
         i = (i + 1) & (HARNESS_TRACK - 1), n++)
        if (c->a->blocks[i].p == block) {
            if (c->a->blocks[i].seen && !c->bad)
                c->bad = "space_blocks names a block twice";
            c->a->blocks[i].seen = true;
            return;
        }
    if (!c->bad)
        c->bad = "space_blocks names a block the allocator did not hand out (or took back)";
}

/*
 * Every live block accounted once by space_blocks (the benchmarks' bytes per device rest on
 * it), and memdev_memory_bytes equal to the bytes the space holds through the allocator.
 */
static const char *check_accounting(harness_alloc *a, const memdev_space *sp, char *why,
                                    size_t cap) {
    struct claim c = {a, NULL};
    long claimed = 0;
    if (!a->track || a->overflow)
        return NULL;
    space_blocks(sp, claim_one, &c);
    if (c.bad)
        return c.bad;
    for (size_t t = 0; t < a->n_touched; t++) { /* the slots in use are among these */
        const struct harness_block *b = &a->blocks[a->touched[t]];
        claimed += b->p && b->p != GONE && b->seen;
    }
    size_t bytes = 0;
    for (size_t t = 0; t < a->n_touched; t++) {
        const struct harness_block *b = &a->blocks[a->touched[t]];
        bytes += b->p && b->p != GONE ? b->size : 0;
    }
    if (memdev_memory_bytes(sp) != bytes) {
        snprintf(why, cap, "memdev_memory_bytes says %zu, the space holds %zu bytes",
                 memdev_memory_bytes(sp), bytes);
        return why;
    }
    if (claimed != a->live) {
        snprintf(why, cap, "the space holds %ld blocks, space_blocks names %ld", a->live, claimed);
        return why;
    }
    return NULL;
}

memdev_allocator harness_allocator(harness_alloc *a) {
    memdev_allocator al = {al_realloc, al_free, a};
    return al;
}

/* ---------------------------------------------------------------------------------------- */
/* Reporting                                                                                */

int harness_verbose(void) {
    static int v = -1;
    if (v < 0) {
        const char *e = getenv("MEMDEV_FUZZ_VERBOSE");
        v = e && *e && *e != '0';
    }
    return v;
}

void harness_fail(const char *check, const char *op, const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fputs("memdev-fuzz: FAILURE: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nmemdev-fuzz: SIGNATURE: %s %s\n", check, op);
    fflush(stderr);
    abort();
}

/* ---------------------------------------------------------------------------------------- */
/* The run                                                                                  */

/* What one run found: nothing (check == NULL), or a failure to report. */
typedef struct outcome {
    const char *check;
    const char *opname;
    uint32_t opno;
    char line[1024]; /* the operation as a trace line */
    char msg[1300];
} outcome;

typedef struct run {
    program_decoder d;
    lockstep *ls;
    harness_alloc al;
    const uint8_t *sched;
    program_mode mode;
    bool strict, verbose, prefilling;
    harness_end_fn at_end;
    void *end_ctx;
    uint32_t opno;
    struct trace_op op;
} run;

static void op_text(const struct trace_op *op, char *buf, size_t cap) {
    if (trace_format_op(op, buf, cap) < 0)
        snprintf(buf, cap, "(op type %d, not expressible)", (int)op->type);
}

/* Fills o from the checker's failure (op: the operation it was found after, or NULL). */
static void take_failure(run *r, const struct trace_op *op, outcome *o) {
    const lockstep_failure *f = lockstep_failed(r->ls);
    o->check = f->check;
    o->opno = r->opno;
    o->opname = op ? trace_op_name(op->type) : (r->opno ? "end" : "space");
    if (op)
        op_text(op, o->line, sizeof o->line);
    snprintf(o->msg, sizeof o->msg, "%s: %s", f->check, f->msg);
    if (r->verbose || r->strict)
        lockstep_dump(r->ls, stderr);
}

static void print_result(const run *r, const lockstep_result *res, bool injected) {
    char line[1024];
    op_text(&r->op, line, sizeof line);
    fprintf(stderr, "%4u: %-60s -> %s%s", r->opno, line, memdev_error_name(res->rc),
            injected ? " (injected allocation failures)" : "");
    if (res->rc == 0 && r->op.type == TRACE_OP_PLUG)
        fprintf(stderr, " addr=0x%llx slot=%d memslots=%u%s", (unsigned long long)res->plug.addr,
                res->plug.slot, res->plug.memslots, res->plug.empty ? " empty" : "");
    if (r->op.type == TRACE_OP_LOOKUP)
        fprintf(stderr, " %s offset=0x%llx memslot=%u", res->lookup.found ? res->lookup.id : "none",
                (unsigned long long)res->lookup.offset, res->lookup.memslot);
    if (res->rc == 0 && r->op.type == TRACE_OP_FREE)
        fprintf(stderr, " addr=0x%llx", (unsigned long long)res->addr);
    fputc('\n', stderr);
}

/* One decoded operation, with its injected failures and the retry. 0, or -1 on failure. */
static int step(run *r) {
    lockstep_result res;
    uint8_t mask = r->sched ? r->sched[r->opno % HARNESS_SCHEDULE_SIZE] : 0;
    unsigned flags = program_checkpoint(&r->d) ? LOCKSTEP_FULL : 0;
    if (program_in_prefill(&r->d)) {
        r->prefilling = true;
        /* checked by result only, but in the replay that names the first failing op, fully */
        if (lockstep_step(r->ls, &r->op, r->strict ? 0 : LOCKSTEP_QUICK, &res))
            return -1;
        if (r->verbose)
            print_result(r, &res, false);
        return 0;
    }
    if (r->prefilling) { /* the prefill is done: everything once before the records */
        r->prefilling = false;
        if (lockstep_check_full(r->ls))
            return -1;
    }
    if (mask) {
        if (lockstep_step(r->ls, &r->op, flags | LOCKSTEP_FAIL_ALLOC(mask), &res))
            return -1;
        if (r->verbose)
            print_result(r, &res, true);
        if (res.rc != MEMDEV_ENOMEM)
            return 0;
    }
    if (lockstep_step(r->ls, &r->op, flags, &res))
        return -1;
    if (r->verbose)
        print_result(r, &res, false);
    return 0;
}

static int create(run *r, const memdev_allocator *al, outcome *o) {
    lockstep_options lo = {.check = true, .full_every = 32, .full_amortized = true};
    if (r->strict) {
        lo.full_every = 1;
        lo.full_amortized = false;
    }
    lo.create_fail_mask = r->sched ? r->sched[0] : 0;
    /* the library's own allocator (header bit): no failures to inject, no leak count here
     * (the engine's leak checker still sees a leak) */
    lo.library_allocator = r->d.library_allocator && !r->sched;
    if (lo.library_allocator)
        r->al.track = false; /* its blocks do not pass through this allocator */
    int rc = lockstep_create(&r->d.config, al, &lo, &r->ls);
    if (rc == MEMDEV_ENOMEM && lo.create_fail_mask && r->ls && !lockstep_failed(r->ls)) {
        lockstep_destroy(r->ls);
        r->ls = NULL;
        if (r->al.live != 0) {
            o->check = "leak";
            o->opname = "space";
            snprintf(o->msg, sizeof o->msg,
                     "leak: space creation failed with no-memory and leaked %ld blocks",
                     r->al.live);
            return -1;
        }
        lo.create_fail_mask = 0;
        rc = lockstep_create(&r->d.config, al, &lo, &r->ls);
    }
    if (!r->ls)
        return 1; /* the checker itself could not be allocated: nothing to test */
    /*
     * The window tree runs scalar, AVX2 or AVX-512 kernels (the best the CPU has); every one
     * gives the same results. The input may ask for a lower tier (header h4 bits 4-5), so all
     * of them are fuzzed on the machine the campaign runs on, not only its best.
     */
    memdev_space *sp = lockstep_space(r->ls);
    unsigned want = r->d.kernels;
    if (sp && want > 0 && want - 1 <= wtree_simd_available())
        sp->tree.simd = (uint8_t)(want - 1);
    if (lockstep_failed(r->ls)) {
        take_failure(r, NULL, o);
        return -1;
    }
    return rc == 0 ? 0 : 1;
}

/* Runs the whole input once; fills o and returns -1 when a check failed. */
static int run_once(run *r, const uint8_t *data, size_t size, outcome *o) {
    memdev_allocator al = harness_allocator(&r->al);
    int bad = 0;
    program_decoder_init(&r->d, data, size, r->mode);
    r->prefilling = false;
    if (r->verbose) {
        char line[1024];
        struct trace_op sop;
        program_space_op(&r->d, &sop);
        op_text(&sop, line, sizeof line);
        fprintf(stderr, "   0: %s\n", line);
    }
    int c = create(r, &al, o);
    if (c < 0)
        bad = -1;
    while (c == 0 && !bad && program_next(&r->d, lockstep_space(r->ls), &r->op)) {
        r->opno++;
        if (step(r)) {
            take_failure(r, &r->op, o);
            bad = -1;
        }
    }
    if (c == 0 && !bad && lockstep_check_full(r->ls)) {
        take_failure(r, NULL, o);
        bad = -1;
    }
    const char *acc = c == 0 && !bad
                          ? check_accounting(&r->al, lockstep_space(r->ls), o->msg, sizeof o->msg)
                          : NULL;
    if (acc) {
        o->check = "accounting";
        o->opname = "end";
        if (acc != o->msg)
            snprintf(o->msg, sizeof o->msg, "accounting: %s", acc);
        bad = -1;
    }
    if (c == 0 && !bad && r->at_end)
        r->at_end(r->end_ctx, lockstep_space(r->ls));
    lockstep_destroy(r->ls);
    r->ls = NULL;
    if (!bad && r->al.live != 0) {
        o->check = "leak";
        o->opname = "end";
        snprintf(o->msg, sizeof o->msg,
                 "leak: %ld blocks still allocated after memdev_space_destroy", r->al.live);
        bad = -1;
    }
    return bad;
}

static harness_end_fn end_fn;
static void *end_ctx;

static int run_mode(const uint8_t *data, size_t size, const uint8_t *schedule, program_mode mode,
                    bool strict, outcome *o) {
    static run r; /* large (the decoder's shadow); the targets are single-threaded */
    r.ls = NULL;
    track_reset(&r.al);
    r.at_end = end_fn;
    r.end_ctx = end_ctx;
    r.al.live = 0;
    r.sched = schedule;
    r.mode = mode;
    r.strict = strict;
    r.verbose = harness_verbose() != 0;
    r.opno = 0;
    return run_once(&r, data, size, o);
}

void harness_run(const uint8_t *data, size_t size, const uint8_t *schedule, program_mode mode) {
    harness_run_ex(data, size, schedule, mode, NULL, NULL);
}

void harness_run_ex(const uint8_t *data, size_t size, const uint8_t *schedule, program_mode mode,
                    harness_end_fn at_end, void *ctx) {
    end_fn = at_end;
    end_ctx = ctx;
    static outcome o, first;
    o.check = NULL;
    /* verbose (fuzz/repro): go straight to the run that checks everything after every op */
    bool strict = harness_verbose() != 0;
    if (run_mode(data, size, schedule, mode, strict, &o) == 0)
        return;
    if (!strict) {
        /* Replay with the full check after every operation: the first op where it shows. */
        first = o;
        o.check = NULL;
        if (run_mode(data, size, schedule, mode, true, &o) == 0)
            o = first; /* cannot happen (strict checks are a superset); report what we saw */
    }
    if (o.opno)
        fprintf(stderr, "memdev-fuzz: at op %u: %s\n", o.opno, o.line);
    harness_fail(o.check, o.opname, "%s", o.msg);
}
