/* SPDX-License-Identifier: MIT */
/*
 * fuzz_trace.c - fuzz target "trace": arbitrary bytes into the trace parser and runner
 * (core/trace) in check mode, so the lock-step checker (core/lockstep) checks every
 * operation against the reference model. Whatever the bytes, the run must end with status 0,
 * 1 or 2 without a crash; a malformed input (2) must say where ("fuzz:LINE:COL: ..."); the
 * checker must find no divergence; the final space must validate; nothing may leak. The full
 * comparison runs every 16 operations and at the end; a divergence is replayed with the full
 * comparison after every operation, so the report names the first operation where it shows.
 * Every line that parses is also printed with the formatter and parsed back (format_check.h,
 * check "format"): the formatter writes the traces of every finding, so it must give the
 * same op back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "format_check.h"
#include "harness.h"
#include "lockstep.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct sink {
    char text[512]; /* the first bytes written */
    size_t len;
} sink;

static void put(void *ctx, const char *s, size_t n) {
    sink *k = ctx;
    size_t room = sizeof(k->text) - 1 - k->len;
    memcpy(k->text + k->len, s, n < room ? n : room);
    k->len += n < room ? n : room;
    k->text[k->len] = '\0';
}

static void put_stderr(void *ctx, const char *s, size_t n) {
    (void)ctx;
    fwrite(s, 1, n, stderr);
}

typedef struct seen {
    bool diverged;
    char check[32], op[32];
} seen;

static void on_divergence(void *ctx, const struct lockstep_failure *f) {
    seen *s = ctx;
    const char *op = f->op_type != TRACE_OP_NONE ? trace_op_name(f->op_type) : "end";
    s->diverged = true;
    snprintf(s->check, sizeof s->check, "%s", f->check);
    snprintf(s->op, sizeof s->op, "%s", op ? op : "space");
}

static void finish(void *ctx, const memdev_space *sp) {
    char msg[512];
    (void)ctx;
    if (memdev_validate(sp, msg, sizeof(msg)) != 0)
        harness_fail("validate", "end", "trace left a space that fails memdev_validate: %s", msg);
}

/* Each line the runner parses, through the formatter and the parser again (before it runs). */
static void check_format(void *ctx, const struct trace_op *op) {
    char why[768];
    (void)ctx;
    if (format_check_op(op, why, sizeof why) != 0) {
        const char *name = trace_op_name(op->type);
        harness_fail("format", name ? name : "line", "line %zu: %s", op->line, why);
    }
}

static int run(const uint8_t *data, size_t size, unsigned every, bool loud, sink *err, seen *s,
               harness_alloc *al) {
    memdev_allocator a = harness_allocator(al);
    sink out = {{0}, 0};
    struct trace_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.out = loud ? put_stderr : put;
    opt.out_ctx = &out;
    opt.err = put;
    opt.err_ctx = err;
    opt.check = true;
    opt.check_every = every;
    opt.quiet = !loud;
    opt.alloc = &a;
    opt.on_finish = finish;
    opt.on_divergence = on_divergence;
    opt.divergence_ctx = s;
    opt.on_op = check_format;
    return trace_run_buffer("fuzz", (const char *)data, size, &opt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    harness_alloc al = {0};
    sink err = {{0}, 0};
    seen s = {false, "", ""};
    bool verbose = harness_verbose() != 0;
    int st = run(data, size, verbose ? 1u : 16u, verbose, &err, &s, &al);
    if (s.diverged && !verbose) {
        /* the first operation where it shows, with the report on stderr */
        harness_alloc al2 = {0};
        sink err2 = {{0}, 0};
        seen s2 = {false, "", ""};
        run(data, size, 1u, true, &err2, &s2, &al2);
        if (s2.diverged)
            s = s2;
    }
    if (s.diverged)
        harness_fail(s.check, s.op,
                     "the runner's --check found a library/model divergence "
                     "(report above)");
    if (st < TRACE_STATUS_OK || st > TRACE_STATUS_MALFORMED)
        harness_fail("status", "end", "trace_run_buffer returned %d", st);
    if (st == TRACE_STATUS_MALFORMED && strncmp(err.text, "fuzz:", 5) != 0)
        harness_fail("diagnostic", "parse",
                     "malformed input (status 2) without a \"fuzz:LINE:COL: ...\" message, got "
                     "\"%.200s\"",
                     err.text);
    if (al.live != 0)
        harness_fail("leak", "end", "%ld blocks still allocated after the run (leak)", al.live);
    return 0;
}
