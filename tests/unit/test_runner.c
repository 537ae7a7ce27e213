/* SPDX-License-Identifier: MIT */
/*
 * test_runner.c - the trace runner's step API (trace_runner_create/step/finish) with ops
 * built by hand, as a decoder or an embedding VMM builds them: no operand text, line 0. The
 * result lines must then name the operand as trace.h promises (the id, or the value in hex),
 * blocks must end their lines (info), and the unhappy paths must say what was wrong: an operation
 * before `space`, an unknown operation type, a step after the runner stopped.
 */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "trace.h"

static void check_has(const struct check_text *c, const char *want) {
    if (!strstr(c->s, want)) {
        fprintf(stderr, "the runner's output lacks \"%s\":\n%s\n", want, c->s);
        check_failures++;
    }
}

static struct trace_op space_op(void) {
    struct trace_op op;
    trace_op_init(&op);
    op.type = TRACE_OP_SPACE;
    op.config.base = 6ull << 30;
    op.config.size = 18ull << 30;
    op.config.budget = 16ull << 30;
    op.config.dimm_slots = 2;
    return op;
}

/* A runner named name writing to c (checked or not) past its `space` line, or NULL. */
static struct trace_runner *runner_with_space(const char *name, struct check_text *c, bool check) {
    struct trace_options opt = {0};
    struct trace_runner *r = NULL;
    opt.out = check_text_out;
    opt.out_ctx = c;
    opt.check = check;
    CHECK_RC(trace_runner_create(name, &opt, &r), 0);
    if (!r)
        return NULL;
    struct trace_op op = space_op();
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_OK);
    return r;
}

/* Every operation that prints its operand, each without operand text. */
static void hand_built(bool check) {
    struct check_text c = {{0}, 0};
    struct trace_runner *r = runner_with_space("hand", &c, check);
    if (!r)
        return;
    struct trace_op op;
    trace_op_init(&op);
    op.type = TRACE_OP_PLUG;
    op.desc.id = "dimm0";
    op.desc.kind = MEMDEV_DIMM;
    op.desc.size = 1ull << 30;
    op.desc.align = 2ull << 20;
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_OK);
    trace_op_init(&op);
    op.type = TRACE_OP_LOOKUP;
    op.gpa = (6ull << 30) + 0x1234;
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_OK);
    trace_op_init(&op);
    op.type = TRACE_OP_FREE;
    op.size = 2ull << 30;
    op.align = 1ull << 30;
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_OK);
    trace_op_init(&op);
    op.type = TRACE_OP_VHOST_ADD;
    op.limit.max = 509;
    op.limit.other = 3;
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_OK);
    trace_op_init(&op);
    op.type = TRACE_OP_UNPLUG;
    op.id = "dimm0";
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_OK);
    trace_op_init(&op);
    op.type = TRACE_OP_UNPLUG;
    op.id = "nosuch";
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_OK); /* an error result, not malformed */
    /* blocks: the info JSON is a line of its own, the next block starts on a new line */
    trace_op_init(&op);
    op.type = TRACE_OP_INFO;
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_OK);
    trace_op_init(&op);
    op.type = TRACE_OP_STATS;
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_OK);
    CHECK_RC(trace_runner_finish(r), TRACE_STATUS_OK);

    check_has(&c, "0: plug dimm0 ok addr=0x180000000");
    check_has(&c, "0: lookup 0x180001234 dimm0 offset=0x1234 memslot=0 mapped=yes\n");
    check_has(&c, "0: free 0x80000000 ok addr=0x1c0000000");
    check_has(&c, "0: vhost-add 509/3 ok");
    check_has(&c, "0: unplug dimm0 ok");
    check_has(&c, "0: unplug nosuch error unknown-id");
    check_has(&c, "0: info\n  []\n0: stats\n");
}

/* The unhappy paths of the step API: each a malformed status with a message, then stopped. */
static void unhappy(void) {
    struct check_text err = {{0}, 0}, out = {{0}, 0};
    struct trace_options opt = {0};
    struct trace_runner *r = NULL;
    struct trace_op op;
    opt.err = check_text_out;
    opt.err_ctx = &err;
    opt.out = check_text_out;
    opt.out_ctx = &out;

    CHECK_RC(trace_runner_create("first", &opt, &r), 0);
    trace_op_init(&op);
    op.type = TRACE_OP_LOOKUP;
    op.line = 3;
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_MALFORMED);
    op = space_op(); /* stopped: the space line that comes too late changes nothing */
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_MALFORMED);
    trace_op_init(&op); /* nor does a plug after it: nothing runs, nothing is printed */
    op.type = TRACE_OP_PLUG;
    op.desc.id = "late";
    op.desc.kind = MEMDEV_VIRTIO_PMEM;
    op.desc.size = 1ull << 30;
    op.line = 5;
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_MALFORMED);
    CHECK_RC(trace_runner_finish(r), TRACE_STATUS_MALFORMED);
    check_has(&err, "first:3:1: the first operation must be 'space', not 'lookup'");
    if (out.len)
        fprintf(stderr, "a stopped runner printed: %s\n", out.s);
    CHECK(out.len == 0);
    CHECK(strstr(err.s, "first:5") == NULL);
    opt.out = NULL;
    opt.out_ctx = NULL;

    err.len = 0;
    CHECK_RC(trace_runner_create("kind", &opt, &r), 0);
    op = space_op();
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_OK);
    trace_op_init(&op);
    op.type = TRACE_OP_TYPE_COUNT;
    op.line = 7;
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_MALFORMED);
    CHECK_RC(trace_runner_finish(r), TRACE_STATUS_MALFORMED);
    check_has(&err, "kind:7:1: unknown operation type");

    err.len = 0;
    CHECK_RC(trace_runner_create("empty", &opt, &r), 0);
    CHECK_RC(trace_runner_finish(r), TRACE_STATUS_MALFORMED);
    check_has(&err, "no 'space' line in the trace");
    CHECK_RC(trace_runner_finish(NULL), TRACE_STATUS_MALFORMED);
}

/*
 * memdev_last_error is wrapped at link time (tests/unit/CMakeLists.txt): with blank_detail set
 * it answers "" after a failure, which the library never does (the checker's last-error check
 * holds it to that). The runner must then print the code's generic text, not an empty detail.
 */
static bool blank_detail;
const char *__real_memdev_last_error(const memdev_space *sp);
const char *__wrap_memdev_last_error(const memdev_space *sp);
const char *__wrap_memdev_last_error(const memdev_space *sp) {
    return blank_detail ? "" : __real_memdev_last_error(sp);
}

static void blank_error_detail(void) {
    struct check_text c = {{0}, 0};
    struct trace_runner *r = runner_with_space("blank", &c, false);
    if (!r)
        return;
    struct trace_op op;
    trace_op_init(&op);
    op.type = TRACE_OP_UNPLUG;
    op.id = "nosuch";
    blank_detail = true;
    CHECK_RC(trace_runner_step(r, &op), TRACE_STATUS_OK);
    blank_detail = false;
    CHECK_RC(trace_runner_finish(r), TRACE_STATUS_OK);
    char want[160];
    snprintf(want, sizeof want, "0: unplug nosuch error unknown-id: %s\n",
             memdev_strerror(MEMDEV_EUNKNOWNID));
    check_has(&c, want);
}

int main(void) {
    hand_built(false);
    hand_built(true); /* the same through the reference model and the checker */
    unhappy();
    blank_error_detail();
    return check_report("test_runner");
}
