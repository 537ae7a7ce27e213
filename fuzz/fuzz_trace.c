/* SPDX-License-Identifier: MIT */
/*
 * fuzz_trace.c - fuzz target "trace": arbitrary bytes into the trace parser and runner
 * (core/tools/trace.c) with the reference model checking beside it. Whatever the bytes, the
 * run must end with status 0, 1 or 2 without a crash; a malformed input (2) must say where
 * ("fuzz:LINE:COL: ..."); the final space must pass memdev_validate(); nothing may leak; and
 * the model must never disagree with the library (an "N: DIVERGENCE" line from check mode).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct sink {
    char text[512];  /* the first bytes written */
    size_t len;
    bool divergence; /* a line naming a library/model divergence */
} sink;

static void put(void *ctx, const char *s, size_t n)
{
    sink *k = ctx;
    size_t room = sizeof(k->text) - 1 - k->len;
    memcpy(k->text + k->len, s, n < room ? n : room);
    k->len += n < room ? n : room;
    k->text[k->len] = '\0';
    /* The runner reports "N: DIVERGENCE..." at the start of a line; ids and other echoed
     * input never stand there (result lines are "N: OP ...", expect lines "N: expect ..."). */
    for (size_t i = 0; i < n && !k->divergence; i++) {
        if (i > 0 && s[i - 1] != '\n')
            continue;
        size_t j = i;
        while (j < n && s[j] >= '0' && s[j] <= '9')
            j++;
        k->divergence = j > i && n - j >= 12 && memcmp(s + j, ": DIVERGENCE", 12) == 0;
    }
    if (harness_verbose())
        fwrite(s, 1, n, stderr);
}

static void finish(void *ctx, const memdev_space *sp)
{
    char msg[512];
    (void)ctx;
    if (memdev_validate(sp, msg, sizeof(msg)) != 0)
        harness_fail("trace left a space that fails memdev_validate: %s", msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harness_alloc al = {0};
    memdev_allocator a = harness_allocator(&al);
    sink out = {{0}, 0, false}, err = {{0}, 0, false};
    struct trace_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.out = put;
    opt.out_ctx = &out;
    opt.err = put;
    opt.err_ctx = &err;
    opt.check = true;
    opt.quiet = !harness_verbose();
    opt.alloc = &a;
    opt.on_finish = finish;
    int st = trace_run_buffer("fuzz", (const char *)data, size, &opt);
    if (st < TRACE_STATUS_OK || st > TRACE_STATUS_MALFORMED)
        harness_fail("trace_run_buffer returned %d", st);
    if (st == TRACE_STATUS_MALFORMED && strncmp(err.text, "fuzz:", 5) != 0)
        harness_fail("malformed input (status 2) without a \"fuzz:LINE:COL: ...\" message, got "
                     "\"%.200s\"", err.text);
    if (out.divergence)
        harness_fail("the runner's --check found a library/model divergence:\n%s", out.text);
    if (al.live != 0)
        harness_fail("%ld blocks still allocated after the run (leak)", al.live);
    return 0;
}
