/* SPDX-License-Identifier: MIT */
/*
 * trace.h - memdev trace v1 (spec section 9): parser, formatter and runner.
 *
 * A trace is a text file, one operation a line, that drives a memdev_space and states the
 * results it expects, so that a trace is at once a reproducer, a test and a fuzz seed. The
 * parser turns one line into a struct trace_op (syntax only: it never judges whether a
 * request makes sense, that is the library's job, so `slot=` on a virtio-pmem reaches
 * memdev_plug and comes back as invalid-argument). The formatter prints an op back as a
 * trace line (the fuzz decoder uses it to emit reproducers). The runner executes ops against
 * the library and, in check mode, through the lock-step checker (core/lockstep), which runs the
 * reference model (core/model) beside it and compares everything after every operation.
 *
 * Everything here is reentrant: no globals, no exit()/abort(), no unbounded recursion, all
 * output through caller-supplied sinks. Any byte string is a valid input to the parser and
 * the runner: bad input yields exit status 2 and a message "NAME:LINE:COL: what is wrong".
 *
 * Syntax decisions where the spec is silent (also in `memdev help trace`):
 * - whitespace is space, tab and CR (so CRLF files work); other control bytes (NUL
 *   included) outside comments are malformed; bytes >= 0x80 are allowed in names;
 * - number suffixes K M G T are binary and accepted in lower case too (k m g t);
 *   0x/0X prefix for hex; a suffix applies to hex numbers as well (0x10G = 16 GiB);
 * - values above 2^32-1 for node= and kvm/vhost MAX and OTHER are malformed numbers (they
 *   cannot be represented); slots=, slot= and the map/unmap SLOT saturate at 2^32-1, which
 *   is out of range for the library exactly as the written value is (so `slot=2^40` gives
 *   invalid-slot, not a parse error);
 * - operands (ID, KIND, ...) come first, options (key=value) after; an operand may not
 *   contain '=' or start with '#'; an unknown KIND reaches the library (invalid-argument,
 *   spec check 0), while unknown operations and keys are malformed;
 * - `expect` applies to the last operation line before it (comments and blank lines and
 *   other expects in between are allowed, so several expects may check one operation);
 *   extensions: `expect none` (lookup found nothing), `expect ok empty` (an empty device
 *   was plugged) and the expect keys listed at enum trace_expect_key (lookup details and
 *   stats counters); an expect key the result does not have is a mismatch;
 * - memdev extension: `fail-alloc [mask=M]` makes allocations of the next operation (or of
 *   the space, before a `space` line) fail, to reach the no-memory code from a trace: every
 *   allocation without a mask, else allocation j (j < 8) when bit j of M is set (M = 0xff
 *   means every allocation, as the oom fuzz target's schedule does). Under --check a
 *   no-memory answer is accepted when an allocation did fail (injected, or refused by the
 *   allocator on its own) and nothing changed, and the model skips that operation (a
 *   decoded oom crash repeats the operation to retry it).
 *
 * Out of memory outside the library: when the runner cannot hold an operation's output,
 * or the parser a line, or (check mode) the checker or the reference model cannot allocate,
 * the run stops with status 2 and says so on the error sink; nothing is printed in part, and
 * it is never reported as a divergence (unit.test_trace_oom).
 */
#ifndef MEMDEV_TRACE_H
#define MEMDEV_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memdev.h"

#ifdef __cplusplus
extern "C" {
#endif

struct lockstep_failure; /* core/lockstep/lockstep.h */

/* Exit statuses of a run. */
enum trace_status {
    TRACE_STATUS_OK = 0,       /* every operation ran, every expect matched */
    TRACE_STATUS_FAILED = 1,   /* an expect mismatched, or --check found a divergence */
    TRACE_STATUS_MALFORMED = 2 /* malformed line, bad space, missing space, I/O error */
};

/* Output sink: receives n bytes (not NUL-terminated), whole lines ending in '\n'. */
typedef void (*trace_out_fn)(void *ctx, const char *s, size_t n);

enum trace_op_type {
    TRACE_OP_NONE = 0, /* blank or comment-only line */
    TRACE_OP_SPACE,
    TRACE_OP_PLUG,
    TRACE_OP_UNPLUG,
    TRACE_OP_VMEM,
    TRACE_OP_RESIZE,
    TRACE_OP_MAP,
    TRACE_OP_UNMAP,
    TRACE_OP_VHOST_ADD,
    TRACE_OP_LOOKUP,
    TRACE_OP_FREE,
    TRACE_OP_STATS,
    TRACE_OP_LIST,
    TRACE_OP_INFO,
    TRACE_OP_EXPECT,
    TRACE_OP_FAIL_ALLOC, /* memdev extension, see above */
    TRACE_OP_TYPE_COUNT
};

/* Most `vhost=` options one space line may carry. */
#define TRACE_MAX_VHOST 64u

/*
 * The values an `expect ok` can check, as key=value: addr slot memslots are spec section 9;
 * the others are memdev extensions (lookup: offset memslot mapped=yes|no id=ID; stats:
 * the memdev_stats counters by their names). Bit (1u << key) of trace_expect.fields says
 * the key is present.
 */
enum trace_expect_key {
    TRACE_EXP_ADDR = 0,  /* plug: placed address; free: free address; lookup: device start */
    TRACE_EXP_SLOT,      /* plug of a dimm/nvdimm */
    TRACE_EXP_MEMSLOTS,  /* plug (0 for an empty device) */
    TRACE_EXP_OFFSET,    /* lookup */
    TRACE_EXP_MEMSLOT,   /* lookup */
    TRACE_EXP_MAPPED,    /* lookup: 1 = yes, 0 = no */
    TRACE_EXP_USED_SIZE, /* stats ... */
    TRACE_EXP_PLUGGED_SIZE,
    TRACE_EXP_REQUIRED,
    TRACE_EXP_USED,
    TRACE_EXP_RESERVED,
    TRACE_EXP_KVM_FREE,   /* only when the space has kvm= */
    TRACE_EXP_VHOST_FREE, /* only when there is a vhost backend */
    TRACE_EXP_DEVICES,
    TRACE_EXP_DIMM_SLOTS_USED,
    TRACE_EXP_LARGEST_GAP,
    TRACE_EXP_COUNT
};

struct trace_expect {
    int code;        /* 0 for `expect ok`/`expect none`, else the code of `expect error CODE` */
    bool none;       /* `expect none` (extension): a lookup that found no device */
    bool empty;      /* `expect ok empty`: an empty device was plugged */
    uint32_t fields; /* (1u << trace_expect_key) for each key given (only with code 0) */
    uint64_t value[TRACE_EXP_COUNT];
    const char *id; /* id=ID (lookup), NULL when not given */
};

/*
 * One parsed line. Only the members of `type` are meaningful. Strings are NUL-terminated; the
 * parser points them into the op's own storage (valid until the next trace_parse_line on the
 * op or trace_op_release); a decoder filling an op by hand may point them anywhere.
 */
struct trace_op {
    enum trace_op_type type;
    size_t line; /* 1-based line number (0 when built by hand) */
    /*
     * First operand exactly as written: the id (plug, unplug, vmem, resize, map, unmap) or
     * the value (vhost-add, lookup, free). Printed in the result line. May be NULL in a
     * hand-built op; the runner then prints the id or the value in hex.
     */
    const char *operand;
    /*
     * plug: desc.id is the id, desc.memdev the memdev= name or NULL. An unknown KIND is not
     * malformed (spec check 0 makes it invalid-argument): desc.kind is then MEMDEV_KIND_COUNT
     * and kind_text holds the name as written (the formatter prints it back).
     */
    memdev_device_desc desc;
    const char *kind_text;
    /* unplug, vmem, resize, map, unmap: the id */
    const char *id;
    bool vmem_plug;          /* vmem: plug (true) or unplug */
    uint64_t offset, length; /* vmem */
    uint64_t requested;      /* resize */
    uint32_t index;          /* map, unmap */
    uint8_t fail_mask;       /* fail-alloc: mask= (0 when not given: every allocation) */
    memdev_limit limit;      /* vhost-add */
    uint64_t gpa;            /* lookup */
    uint64_t size, align;    /* free (align defaults to 2 MiB) */
    /*
     * The members below are read only for `space` and `expect` lines (and the parser's own
     * storage): a decoder that builds other operations may clear the op up to
     * TRACE_OP_COMMON_SIZE only (they are most of its size).
     */
    /* space: config.vhost is NULL; the backends are vhost[0 .. config.n_vhost). */
    memdev_config config;
    memdev_limit vhost[TRACE_MAX_VHOST];
    struct trace_expect expect;
    /* parser storage, owned by the op */
    char *store_;
    size_t store_cap_;
};

/* Bytes of struct trace_op that every operation but `space` and `expect` uses. */
#define TRACE_OP_COMMON_SIZE offsetof(struct trace_op, config)

/* Where and why a line is malformed. */
struct trace_diag {
    size_t line;
    size_t col; /* 1-based byte column */
    char msg[256];
};

/* Zeroes an op (no storage yet). */
void trace_op_init(struct trace_op *op);
/* Releases the op's parser storage; the op can be parsed into again afterwards. */
void trace_op_release(struct trace_op *op);

/*
 * Parses one line (text[0..len), without its '\n'; a trailing '\r' is whitespace; NUL bytes
 * are allowed in the input and reported as malformed outside comments). Fills *op (type
 * TRACE_OP_NONE for a blank or comment line) and returns 0, or returns -1 and fills *diag.
 * Syntax only: value ranges the library checks are passed through. Allocates the op's
 * storage (len + 1 bytes); allocation failure is reported as a -1 with a message.
 */
int trace_parse_line(struct trace_op *op, const char *text, size_t len, size_t lineno,
                     struct trace_diag *diag);

/*
 * Prints an op as one trace line (no '\n'), numbers in hex, options in a fixed order, so that
 * trace_parse_line gives the same op back. Like snprintf: writes at most cap bytes including
 * the NUL and returns the full length, or -1 when the op cannot be written as trace text (an
 * id that is empty, contains whitespace, '#', '=' or control bytes; an unknown type; an
 * unknown kind without a printable kind_text), leaving buf the empty string (cap > 0).
 */
int trace_format_op(const struct trace_op *op, char *buf, size_t cap);

/* Name of an op type as written in a trace ("plug", ...); NULL for NONE and unknown. */
const char *trace_op_name(enum trace_op_type type);

struct trace_options {
    trace_out_fn out; /* result lines, blocks, expect failures, divergences; NULL: discard */
    void *out_ctx;
    trace_out_fn err; /* malformed-input and setup messages; NULL: discard */
    void *err_ctx;
    bool check; /* run the reference model beside the library, compare after each op */
    /* check mode: the full (O(n)) comparison every N operations (0 or 1: after every one);
     * the per-operation checks of core/lockstep run after every operation regardless */
    unsigned check_every;
    bool quiet; /* print only failures (expect mismatches, divergences, errors) */
    const memdev_allocator *alloc; /* allocator for the space; NULL: the C library's */
    /* Called once with the final space, if one was created, before it is destroyed. */
    void (*on_finish)(void *ctx, const memdev_space *sp);
    void *finish_ctx;
    /* Called once when check mode finds a divergence (core/lockstep's failure). */
    void (*on_divergence)(void *ctx, const struct lockstep_failure *failure);
    void *divergence_ctx;
    /* trace_run_buffer and trace_run_file: called with each line that parses, before it runs
     * (the fuzz target checks the formatter on it) */
    void (*on_op)(void *ctx, const struct trace_op *op);
    void *op_ctx;
};

/*
 * Runs a trace held in memory (any bytes). name prefixes every diagnostic ("name:LINE:COL:").
 * Returns a trace_status. Stops at the first malformed line (2) or divergence (1); an expect
 * mismatch prints a line and the run goes on (final status 1).
 */
int trace_run_buffer(const char *name, const char *text, size_t len,
                     const struct trace_options *opt);

/* Reads path ("-" = standard input) whole and runs it; an I/O error is status 2. */
int trace_run_file(const char *path, const struct trace_options *opt);

/*
 * Step-by-step runner for callers that build ops themselves (the fuzz decoder). The first
 * op given must be a TRACE_OP_SPACE. step returns the status so far; once it is not
 * TRACE_STATUS_OK because of a malformed op or a divergence, further steps do nothing and
 * return it again. finish calls on_finish, frees everything and returns the final status.
 */
struct trace_runner;
int trace_runner_create(const char *name, const struct trace_options *opt,
                        struct trace_runner **out);
int trace_runner_step(struct trace_runner *r, const struct trace_op *op);
int trace_runner_finish(struct trace_runner *r);

#ifdef __cplusplus
}
#endif

#endif /* MEMDEV_TRACE_H */
