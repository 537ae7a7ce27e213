/* SPDX-License-Identifier: MIT */
/*
 * test_checker.c - the checker itself is checked: core/lockstep must notice when the library
 * and the model part ways, and the trace runner must turn that into a failed run. Every
 * differential test, fuzz target and `memdev run --check` relies on both; a checker that
 * always agreed would let every other test pass.
 *
 * Part 1: a small state is built through lockstep_step; then one operation goes to one side
 * only (lockstep_exec_library or lockstep_exec_model), as a bug in either would, and the next
 * checked operation or the full check must fail. The same scenario without the one-sided
 * operation must pass: the failures are the checker's findings, not noise.
 * Part 2: the trace runner in check mode with a bug planted in the model (this test wraps
 * model_plug at link time; armed, it reports one device at an address 1 GiB off): the run
 * must end with status 1, a divergence report and one on_divergence call, and stop there.
 * Without check mode the model does not run and the same trace passes. A model that refuses the
 * space (model_space_create wrapped too) is a divergence at the space line. And an allocator that
 * refuses on its own (not through `fail-alloc`): the library's no-memory is an ordinary
 * result in both modes (status 0), since an allocation did fail and nothing changed; in
 * check mode the model skips that plug and the run goes on in lock-step.
 */
#define _DEFAULT_SOURCE /* open_memstream */
#include <string.h>

#include "check.h"
#include "lockstep.h"
#include "memdev.h"
#include "model.h"
#include "trace.h"

static const char *const setup[] = {
    "plug d0 dimm size=1G",
    "plug d1 dimm size=1G",
    "plug v0 virtio-mem size=1G requested=8M",
    "plug b0 hv-balloon size=4G",
    "plug p0 virtio-pmem size=1G node=1",
    "plug m0 dimm size=2G", /* last: the plug whose unplug the roundtrip scenarios make */
};

struct scenario {
    const char *what;
    int side; /* 0: the library alone, 1: the model alone, 2: both, unchecked (the two agree,
                 but the checker did not see the change) */
    const char *one_sided;
    const char *probe; /* a checked operation after it (NULL: only the full check) */
    const char *want;  /* the check that must find it (NULL: any) */
    bool at_step;      /* found while the probe ran (its own checks or the full check after
                          it, full_every = 1), not by the explicit lockstep_check_full */
    const char *says;  /* what the report must say, or NULL */
};

static const struct scenario scenarios[] = {
    {"a device only the library has", 0, "plug x dimm size=1G", "stats", "result", true, NULL},
    {"a device only the model has", 1, "plug x dimm size=1G", "stats", "result", true, NULL},
    {"an unplug only the library saw", 0, "unplug d0", "lookup 4G", "result", true, NULL},
    {"an unplug only the model saw", 1, "unplug d1", "plug d2 dimm size=1G", "result", true, NULL},
    {"blocks only the library plugged", 0, "vmem v0 plug 0 2M", "stats", "result", true, NULL},
    {"a requested size only the library has", 0, "resize v0 requested=4M", "list", "list", true,
     NULL},
    {"... seen by info (the JSON's numbers)", 0, "resize v0 requested=4M", "info", "info", true,
     "field \"requested-size\": JSON 4194304, model 8388608"},
    {"... by the full check after an op elsewhere", 0, "resize v0 requested=4M",
     "plug y virtio-pmem size=1G", "compare", true, NULL},
    {"a requested size only the model has (full check only)", 1, "resize v0 requested=2M", NULL,
     "compare", false, NULL},
    {"a memslot only the library mapped", 0, "map b0 0", "stats", "result", true, NULL},
    {"a vhost backend only the library has", 0, "vhost-add 600/1", "stats", "result", true, NULL},
    {"a vhost backend only the model has", 1, "vhost-add 600/1", "plug y virtio-pmem size=1G",
     "stats", true, NULL},
    /* between the setup's last plug (m0) and its unplug, both sides change alike: the two
       still agree, but plug + unplug no longer restores the state from before the plug */
    {"counters changed unseen between a plug and its unplug", 2, "vhost-add 600/1", "unplug m0",
     "roundtrip", true, "did not restore the counters: n_vhost"},
    {"state changed unseen between a plug and its unplug", 2, "resize v0 requested=4M", "unplug m0",
     "roundtrip", true, "did not restore the state (digest)"},
};

static int parse(struct trace_op *op, const char *line) {
    struct trace_diag diag;
    int rc = trace_parse_line(op, line, strlen(line), 1, &diag);
    if (rc)
        fprintf(stderr, "test line does not parse: %s (%s)\n", line, diag.msg);
    return rc;
}

/* A 64 GiB window at 4 GiB with as much budget, for the checkers built by hand below. */
static const memdev_config small_cfg = {
    .base = 4ull << 30, .size = 64ull << 30, .budget = 64ull << 30};

/* Two results field by field (a memcmp would also compare their padding, which holds
   whatever the stack held: the memory sanitizer reports that read). */
static bool same_result(const lockstep_result *a, const lockstep_result *b) {
    const memdev_plug_result *p = &a->plug, *q = &b->plug;
    const memdev_lookup_result *l = &a->lookup, *k = &b->lookup;
    return a->rc == b->rc && p->addr == q->addr && p->slot == q->slot &&
           p->memslots == q->memslots && p->empty == q->empty && a->addr == b->addr &&
           l->found == k->found && (l->id == k->id || (l->id && k->id && !strcmp(l->id, k->id))) &&
           l->addr == k->addr && l->offset == k->offset && l->memslot == k->memslot &&
           l->mapped == k->mapped && memcmp(&a->stats, &b->stats, sizeof a->stats) == 0;
}

/* A checker with the setup lines stepped (options lo, check mode always); NULL when it could
   not be built. */
static lockstep *set_up_with(struct trace_op *op, lockstep_options lo, const char *const *lines,
                             size_t n) {
    lockstep *ls = NULL;
    lo.check = true;
    if (parse(op, "space base=4G size=64G budget=64G slots=4 vhost=509"))
        return NULL;
    memdev_config cfg = op->config;
    cfg.vhost = op->vhost;
    if (lockstep_create(&cfg, NULL, &lo, &ls) != 0 || !ls) {
        lockstep_destroy(ls);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (parse(op, lines[i]) || lockstep_step(ls, op, 0, NULL) != 0) {
            lockstep_destroy(ls);
            return NULL;
        }
    return ls;
}

/* The setup above, full check after every operation. */
static lockstep *set_up(struct trace_op *op) {
    lockstep_options lo = {.full_every = 1};
    return set_up_with(op, lo, setup, sizeof setup / sizeof setup[0]);
}

/* op on one side (0: library, 1: model) or both (2), unchecked; its code (both: the first
   non-zero) */
static int one_sided(lockstep *ls, struct trace_op *op, const char *line, int side) {
    lockstep_result a, b;
    a.rc = b.rc = 0;
    if (parse(op, line))
        return -1;
    if (side != 1)
        lockstep_exec_library(lockstep_space(ls), op, &a);
    if (side != 0)
        lockstep_exec_model((model_space *)lockstep_model(ls), op, &b);
    return a.rc ? a.rc : b.rc;
}

/* Runs one scenario; without the one-sided operation (with_it false), the control run. Returns the
   failure's check or NULL when every check passed ("setup" when the scenario could not be built).
 */
static const char *run(const struct scenario *s, bool with_it, char *msg, size_t cap) {
    struct trace_op op;
    trace_op_init(&op);
    const char *found = "setup";
    lockstep *ls = set_up(&op);
    if (!ls)
        goto out;
    if (with_it) {
        int rc = one_sided(ls, &op, s->one_sided, s->side);
        if (rc != 0) {
            fprintf(stderr, "%s: the one-sided '%s' failed: %s\n", s->what, s->one_sided,
                    memdev_error_name(rc));
            goto out;
        }
    }
    if (s->probe && (parse(&op, s->probe) || lockstep_step(ls, &op, 0, NULL) != 0) &&
        !lockstep_failed(ls))
        goto out;
    bool at_step = lockstep_failed(ls) != NULL;
    if (!at_step)
        lockstep_check_full(ls);
    const lockstep_failure *f = lockstep_failed(ls);
    found = f ? f->check : NULL;
    snprintf(msg, cap, "%s", f ? f->msg : "");
    if (f) {
        /* the report: which operation, found when, both results for a result check, dump */
        CHECK(f->opno == lockstep_steps(ls));
        if (at_step != s->at_step)
            fprintf(stderr, "%s: found %s\n", s->what,
                    at_step ? "while the probe ran" : "only by the explicit full check");
        CHECK(at_step == s->at_step);
        if (strcmp(f->check, "result") == 0)
            CHECK(f->have_results && !same_result(&f->lib, &f->model));
        char *dump = NULL;
        size_t dlen = 0;
        FILE *mf = open_memstream(&dump, &dlen);
        if (mf) {
            lockstep_dump(ls, mf);
            fclose(mf);
        }
        CHECK(dump && strstr(dump, "--- model state ---") && strstr(dump, "--- library state ---"));
        free(dump);
    }
out:
    lockstep_destroy(ls);
    trace_op_release(&op);
    return found;
}

static void test_lockstep(void) {
    char msg[1200];
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        const struct scenario *s = &scenarios[i];
        const char *control = run(s, false, msg, sizeof msg);
        if (control)
            fprintf(stderr, "%s: the control run failed (%s): %s\n", s->what, control, msg);
        CHECK(control == NULL);
        const char *check = run(s, true, msg, sizeof msg);
        if (!check || strcmp(check, "setup") == 0)
            fprintf(stderr, "%s: %s\n", s->what,
                    check ? "could not be set up" : "the checker did not notice");
        else
            printf("  %-55s found by '%s'\n", s->what, check);
        CHECK(check != NULL && strcmp(check, "setup") != 0);
        if (check && s->want && strcmp(check, s->want) != 0)
            fprintf(stderr, "%s: found by '%s', not by '%s': %s\n", s->what, check, s->want, msg);
        CHECK(!check || !s->want || strcmp(check, s->want) == 0);
        if (check && s->says && !strstr(msg, s->says))
            fprintf(stderr, "%s: the report '%s' does not say '%s'\n", s->what, msg, s->says);
        CHECK(!check || !s->says || strstr(msg, s->says));
    }
}

/* ---- the trace runner ------------------------------------------------------------------ */

struct seen {
    int divergences;
    char check[32];
    struct check_text out;
};

/* The sanitizers' allocators return NULL for a block they cannot give (test_info_text asks
   for 2^62 bytes), as malloc does, instead of stopping the test. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1";
}
const char *__msan_default_options(void);
const char *__msan_default_options(void) {
    return "allocator_may_return_null=1";
}

static void on_divergence(void *ctx, const struct lockstep_failure *f) {
    struct seen *sn = ctx;
    sn->divergences++;
    snprintf(sn->check, sizeof sn->check, "%s", f->check);
}

/* model_plug, wrapped at link time: armed with an id, it reports that device 1 GiB off. */
int __real_model_plug(model_space *m, const memdev_device_desc *d, memdev_plug_result *out);
int __wrap_model_plug(model_space *m, const memdev_device_desc *d, memdev_plug_result *out);
static const char *planted_id;

int __wrap_model_plug(model_space *m, const memdev_device_desc *d, memdev_plug_result *out) {
    int rc = __real_model_plug(m, d, out);
    if (rc == 0 && planted_id && d->id && strcmp(d->id, planted_id) == 0)
        out->addr += 1ull << 30;
    return rc;
}

/*
 * model_space_create, wrapped too: armed, the model refuses a space the library accepts
 * (planted_create), or creates one with 1 GiB less budget (planted_budget), a state that
 * differs from the library's before any operation.
 */
int __real_model_space_create(const memdev_config *cfg, model_space **out);
int __wrap_model_space_create(const memdev_config *cfg, model_space **out);
static bool planted_create, planted_budget;

int __wrap_model_space_create(const memdev_config *cfg, model_space **out) {
    memdev_config c = *cfg;
    if (planted_budget)
        c.budget -= 1ull << 30;
    int rc = __real_model_space_create(&c, out);
    if (rc == 0 && planted_create) {
        model_space_destroy(*out);
        *out = NULL;
        rc = MEMDEV_EINVAL;
    }
    return rc;
}

/*
 * memdev_kind_name, wrapped too: armed, the name of NVDIMM is one memdev_kind_from_name does
 * not know. The checker checks the names of codes and kinds once per process, at the first
 * checker created in check mode, so test_names runs first.
 */
const char *__real_memdev_kind_name(memdev_kind kind);
const char *__wrap_memdev_kind_name(memdev_kind kind);
static bool planted_names;

const char *__wrap_memdev_kind_name(memdev_kind kind) {
    return planted_names && kind == MEMDEV_NVDIMM ? "nv-dimm" : __real_memdev_kind_name(kind);
}

static void test_names(void) {
    lockstep_options lo = {.check = true};
    lockstep *ls = NULL;
    planted_names = true;
    int rc = lockstep_create(&small_cfg, NULL, &lo, &ls);
    planted_names = false;
    const lockstep_failure *f = ls ? lockstep_failed(ls) : NULL;
    if (!f || strcmp(f->check, "names") != 0)
        fprintf(stderr, "a kind name that does not parse back: %s\n", f ? f->msg : "not reported");
    CHECK(rc == 0 && f && strcmp(f->check, "names") == 0);
    CHECK(f && strstr(f->msg, "a kind's name does not parse back to the kind") != NULL);
    lockstep_destroy(ls);
}

/*
 * memdev_vmem_resize, wrapped too: armed, it sets the device's requested size to 4 MiB before
 * the request, which then fails (a failed operation that changed its device). On a step that is not
 * a full one (no digest), only the device check sees it; the counters do not hold the requested
 * size.
 */
int __real_memdev_vmem_resize(memdev_space *sp, const char *id, uint64_t requested);
int __wrap_memdev_vmem_resize(memdev_space *sp, const char *id, uint64_t requested);
static bool planted_resize, planted_resize_nomem;

int __wrap_memdev_vmem_resize(memdev_space *sp, const char *id, uint64_t requested) {
    if (planted_resize_nomem) /* no-memory without allocating anything (and a detail, below) */
        return MEMDEV_ENOMEM;
    if (planted_resize) /* first the change, then the request, which fails with its detail */
        __real_memdev_vmem_resize(sp, id, 4ull << 20);
    return __real_memdev_vmem_resize(sp, id, requested);
}

/* memdev_last_error, wrapped too: the planted no-memory above comes with a detail, as the
   library's own does. */
const char *__real_memdev_last_error(const memdev_space *sp);
const char *__wrap_memdev_last_error(const memdev_space *sp);

const char *__wrap_memdev_last_error(const memdev_space *sp) {
    return planted_resize_nomem ? "planted: no memory" : __real_memdev_last_error(sp);
}

static void test_failed_changed_device(void) {
    struct trace_op op;
    trace_op_init(&op);
    lockstep_options lo = {.full_every = 1000};
    lockstep *ls = set_up_with(&op, lo, setup, sizeof setup / sizeof setup[0]);
    CHECK(ls != NULL);
    int rc = -1;
    planted_resize = true;
    if (ls && parse(&op, "resize v0 requested=3M") == 0) /* not a whole number of blocks */
        rc = lockstep_step(ls, &op, 0, NULL);
    planted_resize = false;
    const lockstep_failure *f = ls ? lockstep_failed(ls) : NULL;
    if (!f || strcmp(f->check, "unchanged") != 0 || !strstr(f->msg, "changed device 'v0'"))
        fprintf(stderr, "a failed resize that changed its device: %s\n",
                f ? f->msg : "not reported");
    CHECK(rc != 0 && f && strcmp(f->check, "unchanged") == 0);
    CHECK(f && strstr(f->msg, "a failed operation changed device 'v0'") != NULL);
    lockstep_destroy(ls);
    trace_op_release(&op);
}

/*
 * A no-memory answer is accepted only when an allocation of that operation failed. After a plug
 * whose allocation was made to fail (an accepted no-memory), a resize armed with failures that
 * allocates nothing and answers no-memory all the same (planted_resize_nomem) is a finding: the
 * earlier operation's failure must not vouch for it. Unplanted, the same steps pass.
 */
static void test_no_memory_unfounded(void) {
    for (int plant = 0; plant < 2; plant++) {
        struct trace_op op;
        trace_op_init(&op);
        lockstep_options lo = {.check = true, .full_every = 1};
        lockstep *ls = NULL;
        CHECK(lockstep_create(&small_cfg, NULL, &lo, &ls) == 0 && ls);
        lockstep_result res = {0};
        /* the first plug into a fresh space allocates (test_injection): failed, an accepted
           no-memory; then a virtio-mem device, unarmed */
        if (ls && parse(&op, "plug p0 virtio-pmem size=1G node=1") == 0)
            CHECK(lockstep_step(ls, &op, LOCKSTEP_FAIL_MASK, &res) == 0 && res.rc == MEMDEV_ENOMEM);
        if (ls && parse(&op, "plug v0 virtio-mem size=1G requested=8M") == 0)
            CHECK(lockstep_step(ls, &op, 0, &res) == 0 && res.rc == 0);
        CHECK(ls && !lockstep_failed(ls));
        int st = -1;
        planted_resize_nomem = plant != 0;
        /* the eighth allocation would fail: a resize makes fewer */
        if (ls && parse(&op, "resize v0 requested=4M") == 0)
            st = lockstep_step(ls, &op, LOCKSTEP_FAIL_ALLOC(0x80u), &res);
        planted_resize_nomem = false;
        const lockstep_failure *f = ls ? lockstep_failed(ls) : NULL;
        if (plant) {
            if (!f || strcmp(f->check, "no-memory") != 0)
                fprintf(stderr, "a no-memory with no allocation failed, after one that had: %s\n",
                        f ? f->msg : "not reported");
            CHECK(st != 0 && f && strcmp(f->check, "no-memory") == 0);
            CHECK(f && strstr(f->msg, "no-memory although no allocation failed") != NULL);
        } else {
            CHECK(st == 0 && res.rc == 0 && !f);
        }
        lockstep_destroy(ls);
        trace_op_release(&op);
    }
}

/* Runs the trace text through the runner (check mode or not, the allocator al or libc's). */
static int run_runner(const char *text, size_t len, bool check, const memdev_allocator *al,
                      struct seen *sn) {
    memset(sn, 0, sizeof *sn);
    struct trace_options o = {.out = check_text_out,
                              .out_ctx = &sn->out,
                              .check = check,
                              .check_every = 1,
                              .alloc = al,
                              .on_divergence = on_divergence,
                              .divergence_ctx = sn};
    return trace_run_buffer("runner", text, len, &o);
}

/* The trace run with *plant set: one divergence, found by `check`, at line 1 (the space). */
static void creation_divergence(const char *text, size_t len, bool *plant, const char *check) {
    struct seen sn;
    *plant = true;
    int st = run_runner(text, len, true, NULL, &sn);
    *plant = false;
    char at[64];
    snprintf(at, sizeof at, "1: DIVERGENCE (%s)", check);
    if (st != TRACE_STATUS_FAILED || sn.divergences != 1 || !strstr(sn.out.s, at))
        fprintf(stderr, "runner, planted at creation (%s): status %d, %d divergence(s):\n%s\n",
                check, st, sn.divergences, sn.out.s);
    CHECK(st == TRACE_STATUS_FAILED);
    CHECK(sn.divergences == 1);
    CHECK(strcmp(sn.check, check) == 0);
    CHECK(strstr(sn.out.s, at) != NULL);
    CHECK(strstr(sn.out.s, "plug d0") == NULL);
    /* a state divergence has no results to show: no library/model result lines */
    CHECK(strstr(sn.out.s, "  library:   ") == NULL && strstr(sn.out.s, "  model:     ") == NULL);
}

static void test_runner(void) {
    char text[4096];
    size_t len = (size_t)snprintf(text, sizeof text, "space base=4G size=1T budget=1T\n");
    for (int i = 0; i < 40; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "plug d%d virtio-pmem size=1G\n", i);
    len += (size_t)snprintf(text + len, sizeof text - len, "plug last virtio-pmem size=1G\n");
    struct seen sn;

    /* the planted model bug: a divergence in check mode, nothing without it */
    planted_id = "d20";
    for (int check = 0; check < 2; check++) {
        int st = run_runner(text, len, check != 0, NULL, &sn);
        if (check) {
            if (st != TRACE_STATUS_FAILED || sn.divergences != 1)
                fprintf(stderr,
                        "runner, planted bug, check mode: status %d, %d divergence(s):\n%s\n", st,
                        sn.divergences, sn.out.s);
            CHECK(st == TRACE_STATUS_FAILED);
            CHECK(sn.divergences == 1);
            CHECK(strcmp(sn.check, "result") == 0);
            CHECK(strstr(sn.out.s, "22: DIVERGENCE (result)") != NULL); /* d20's line */
            /* the operation, as the formatter writes it (sizes in hex, the alignment given), under
               its label */
            bool op_shown = strstr(
                sn.out.s, "\n  operation: plug d20 virtio-pmem size=0x40000000 align=0x200000\n");
            if (!op_shown)
                fprintf(stderr, "runner, planted bug: no operation line in:\n%s\n", sn.out.s);
            CHECK(op_shown);
            /* the report shows both results (d20 at 4G + 20G in the library, 1 GiB further in
               the planted model) and both states (lockstep_dump) */
            CHECK(strstr(sn.out.s, "  library:   ok addr=0x600000000 memslots=1") != NULL);
            CHECK(strstr(sn.out.s, "  model:     ok addr=0x640000000 memslots=1") != NULL);
            CHECK(strstr(sn.out.s, "--- model state ---") != NULL);
            CHECK(strstr(sn.out.s, "--- library state ---") != NULL);
            CHECK(strstr(sn.out.s, "plug d21") == NULL); /* the run stopped at the divergence */
        } else {
            if (st != TRACE_STATUS_OK)
                fprintf(stderr, "runner, planted bug, library alone: status %d\n%s\n", st,
                        sn.out.s);
            CHECK(st == TRACE_STATUS_OK);
            CHECK(sn.divergences == 0);
            CHECK(strstr(sn.out.s, "plug last ok") != NULL);
        }
    }
    planted_id = NULL;

    /* a bug planted in the model's creation: reported at the space line, nothing runs */
    creation_divergence(text, len, &planted_create, "space");
    /* both create a space, with different states: the full check right after creation
       reports it at the space line, before the first operation (not at a later check) */
    creation_divergence(text, len, &planted_budget, "compare");

    /* the space's allocations past creation fail once, for the library, never for the model */
    for (int check = 0; check < 2; check++) {
        struct check_inject fa = {.fail_at = 6}; /* an allocation of the plugs, not creation */
        memdev_allocator al = {check_inject_realloc, check_inject_free, &fa};
        int st = run_runner(text, len, check != 0, &al, &sn);
        CHECK(fa.fired == 1); /* the failure was injected */
        if (st != TRACE_STATUS_OK || sn.divergences != 0)
            fprintf(stderr, "runner, allocator refusing, %s: status %d, %d divergence(s)\n%s\n",
                    check ? "check mode" : "library alone", st, sn.divergences, sn.out.s);
        CHECK(st == TRACE_STATUS_OK);
        CHECK(sn.divergences == 0);
        CHECK(strstr(sn.out.s, "error no-memory") != NULL); /* an ordinary result line */
        CHECK(strstr(sn.out.s, "plug last ok") != NULL);
    }
}

/* ---- allocation-failure injection --------------------------------------------------------- */

/*
 * LOCKSTEP_FAIL_ALLOC(mask) fails exactly the allocations whose bit is set: with bit j alone,
 * the library's first j allocations of the operation reach the caller's allocator and the
 * next one fails (the operation then answers no-memory, which the checker accepts because it
 * was injected); 0xFF fails the first. Measured on plugs into a fresh space, which allocate
 * the records, the id table and the tree's first leaf.
 */
static int plug_allocations(unsigned flags, long *calls, int *rc) {
    struct check_inject counter = {0};
    memdev_allocator al = {check_inject_realloc, check_inject_free, &counter};
    lockstep_options lo = {.check = true, .full_every = 1};
    lockstep *ls = NULL;
    struct trace_op op;
    trace_op_init(&op);
    int st = -1;
    if (lockstep_create(&small_cfg, &al, &lo, &ls) == 0 && ls &&
        parse(&op, "plug p0 virtio-pmem size=1G node=1") == 0) {
        long before = counter.calls;
        lockstep_result res;
        st = lockstep_step(ls, &op, flags, &res);
        *calls = counter.calls - before;
        *rc = res.rc;
    }
    if (ls && lockstep_failed(ls))
        fprintf(stderr, "injection: %s\n", lockstep_failed(ls)->msg);
    lockstep_destroy(ls);
    trace_op_release(&op);
    CHECK(counter.live == 0);
    return st;
}

/*
 * Lines that are no operation (a comment, an expect line) do nothing: no step is counted and
 * the result the caller passed is zeroed, in both modes (lockstep.h), so a caller that prints
 * it never shows a stale one.
 */
static void test_not_an_operation(void) {
    static const char *const lines[] = {"# a comment", "", "expect ok"};
    static const lockstep_result zero;
    for (int check = 0; check < 2; check++) {
        lockstep_options lo = {.check = check != 0};
        lockstep *ls = NULL;
        struct trace_op op;
        trace_op_init(&op);
        CHECK(lockstep_create(&small_cfg, NULL, &lo, &ls) == 0 && ls);
        for (size_t i = 0; ls && i < sizeof lines / sizeof lines[0]; i++) {
            lockstep_result res;
            memset(&res, 0xA5, sizeof res);
            CHECK(parse(&op, lines[i]) == 0);
            CHECK(lockstep_step(ls, &op, 0, &res) == 0);
            if (memcmp(&res, &zero, sizeof res) != 0)
                fprintf(stderr, "not an operation (\"%s\", %s): the result is not zeroed\n",
                        lines[i], check ? "check mode" : "library alone");
            CHECK(memcmp(&res, &zero, sizeof res) == 0);
            CHECK(lockstep_steps(ls) == 0);
            CHECK(lockstep_step(ls, &op, 0, NULL) == 0); /* and no result wanted */
        }
        CHECK(ls && !lockstep_failed(ls));
        lockstep_destroy(ls);
        trace_op_release(&op);
    }
}

static void test_injection(void) {
    long k = 0, calls = 0;
    int rc = 0;
    CHECK(plug_allocations(0, &k, &rc) == 0 && rc == 0);
    printf("  a plug into a fresh space makes %ld allocation(s)\n", k);
    CHECK(k >= 2); /* else the masks below prove little */
    for (long j = 0; j < k && j < 8; j++) {
        int st = plug_allocations(LOCKSTEP_FAIL_ALLOC(1u << j), &calls, &rc);
        if (st != 0 || rc != MEMDEV_ENOMEM || calls != j)
            fprintf(stderr, "injection, bit %ld alone: step %d, %s, %ld allocation(s) reached\n", j,
                    st, memdev_error_name(rc), calls);
        CHECK(st == 0 && rc == MEMDEV_ENOMEM && calls == j);
    }
    CHECK(plug_allocations(LOCKSTEP_FAIL_MASK, &calls, &rc) == 0 && rc == MEMDEV_ENOMEM &&
          calls == 0);
    /* bits past the operation's allocations fail nothing */
    if (k < 8) {
        CHECK(plug_allocations(LOCKSTEP_FAIL_ALLOC(0x80u), &calls, &rc) == 0 && rc == 0 &&
              calls == k);
    }
}

/* ---- when the full check runs ------------------------------------------------------------- */

/*
 * A divergence only the full check can see (a requested size the model alone has) is found
 * exactly at the step the options say: the full_every-th operation after the last full check,
 * the max(full_every, devices)-th with full_amortized, at once below full_below devices or with
 * LOCKSTEP_FULL. After a failure every step returns -1 and the report stays the first one.
 */
static uint32_t found_after(lockstep_options lo, unsigned flags, const char **check) {
    struct trace_op op;
    trace_op_init(&op);
    uint32_t at = 0;
    *check = "setup";
    lockstep *ls = set_up_with(&op, lo, setup, sizeof setup / sizeof setup[0]);
    if (!ls || lockstep_check_full(ls) != 0 || parse(&op, "resize v0 requested=2M"))
        goto out;
    uint32_t start = lockstep_steps(ls);
    lockstep_result res;
    lockstep_exec_model((model_space *)lockstep_model(ls), &op, &res);
    if (res.rc != 0 || parse(&op, "lookup 4G"))
        goto out;
    *check = NULL;
    for (uint32_t k = 1; k <= 64; k++) {
        if (lockstep_step(ls, &op, flags, NULL) == 0)
            continue;
        const lockstep_failure *f = lockstep_failed(ls);
        *check = f ? f->check : "no report";
        at = k;
        CHECK(f && f->full && f->opno == start + k && lockstep_steps(ls) == start + k);
        /* stuck: nothing more runs, the first report stays */
        CHECK(lockstep_step(ls, &op, 0, NULL) == -1 && lockstep_steps(ls) == start + k);
        CHECK(lockstep_check_full(ls) == -1 && lockstep_failed(ls) == f && f->opno == start + k);
        break;
    }
out:
    lockstep_destroy(ls);
    trace_op_release(&op);
    return at;
}

static void test_period(void) {
    static const struct {
        const char *what;
        lockstep_options lo;
        unsigned flags;
        uint32_t want;
    } cases[] = {
        {"full_every 4", {.full_every = 4}, 0, 4},
        {"full_every 1", {.full_every = 1}, 0, 1},
        {"the default (16)", {0}, 0, 16},
        {"full_every 2, amortised over 6 devices", {.full_every = 2, .full_amortized = true}, 0, 6},
        {"full_every 9, amortised over 6 devices", {.full_every = 9, .full_amortized = true}, 0, 9},
        {"full_below 7 (6 devices)", {.full_every = 50, .full_below = 7}, 0, 1},
        {"full_below 6 (6 devices)", {.full_every = 50, .full_below = 6}, 0, 50},
        {"LOCKSTEP_FULL", {.full_every = 50}, LOCKSTEP_FULL, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *check = NULL;
        uint32_t at = found_after(cases[i].lo, cases[i].flags, &check);
        if (at != cases[i].want || !check || strcmp(check, "compare") != 0)
            fprintf(stderr, "full check, %s: found at step %u by '%s' (want step %u, compare)\n",
                    cases[i].what, at, check ? check : "nothing", cases[i].want);
        CHECK(at == cases[i].want && check && strcmp(check, "compare") == 0);
    }
    /* a space the library refused: nothing to step, nothing to check */
    lockstep_options lo = {.check = true};
    memdev_config bad = {.base = 4ull << 30, .size = 0, .budget = 1ull << 30};
    lockstep *ls = NULL;
    CHECK(lockstep_create(&bad, NULL, &lo, &ls) != 0 && ls && !lockstep_space(ls));
    struct trace_op op;
    trace_op_init(&op);
    CHECK(parse(&op, "lookup 4G") == 0 && lockstep_step(ls, &op, 0, NULL) == -1);
    CHECK(lockstep_check_full(ls) == 0 && !lockstep_failed(ls) && lockstep_steps(ls) == 0);
    lockstep_destroy(ls);
    trace_op_release(&op);
}

/* ---- LOCKSTEP_QUICK, and the roundtrip of the longest id ------------------------------------- */

static void test_quick_and_long_ids(void) {
    struct trace_op op;
    trace_op_init(&op);
    /* QUICK compares the result alone: a divergence only the full check sees passes it, the
       next ordinary step finds it */
    lockstep *ls = set_up(&op);
    CHECK(ls && one_sided(ls, &op, "resize v0 requested=2M", 1) == 0);
    CHECK(ls && parse(&op, "lookup 4G") == 0 && lockstep_step(ls, &op, LOCKSTEP_QUICK, NULL) == 0);
    CHECK(ls && lockstep_step(ls, &op, 0, NULL) == -1 && lockstep_failed(ls) &&
          strcmp(lockstep_failed(ls)->check, "compare") == 0);
    lockstep_destroy(ls);
    /* ... and so does a divergence the per-operation checks would see (the counters after a
       plug: a vhost backend the model alone has), as the deep target's bulk prefill needs */
    ls = set_up(&op);
    CHECK(ls && one_sided(ls, &op, "vhost-add 600/1", 1) == 0);
    CHECK(ls && parse(&op, "plug y virtio-pmem size=1G") == 0 &&
          lockstep_step(ls, &op, LOCKSTEP_QUICK, NULL) == 0);
    CHECK(ls && parse(&op, "plug z virtio-pmem size=1G") == 0 &&
          lockstep_step(ls, &op, 0, NULL) == -1 && lockstep_failed(ls) &&
          strcmp(lockstep_failed(ls)->check, "stats") == 0);
    lockstep_destroy(ls);
    /* ... but a different result is a failure there too, with the report's fields */
    ls = set_up(&op);
    CHECK(ls && one_sided(ls, &op, "plug x dimm size=1G", 0) == 0);
    uint32_t before = ls ? lockstep_steps(ls) : 0;
    CHECK(ls && parse(&op, "plug x dimm size=1G") == 0 &&
          lockstep_step(ls, &op, LOCKSTEP_QUICK, NULL) == -1);
    const lockstep_failure *f = ls ? lockstep_failed(ls) : NULL;
    CHECK(f && strcmp(f->check, "result") == 0 && f->opno == before + 1 &&
          f->op_type == TRACE_OP_PLUG && f->have_results && f->lib.rc == MEMDEV_EDUPID &&
          f->model.rc == 0 && strstr(f->msg, "code: library duplicate-id, model ok"));
    CHECK(ls && lockstep_step(ls, &op, LOCKSTEP_QUICK, NULL) == -1 && lockstep_failed(ls) == f);
    lockstep_destroy(ls);
    /* QUICK with allocations made to fail: the no-memory is still checked against the state
       just before the step, taken for it (mutation sample 5304 skipped taking it, and no test
       ran the two together: the check then compared the state before an earlier step) */
    lockstep_options lo = {.check = true, .full_every = 1};
    ls = NULL;
    CHECK(lockstep_create(&small_cfg, NULL, &lo, &ls) == 0 && ls);
    lockstep_result res = {0};
    if (ls && parse(&op, "plug d0 virtio-pmem size=1G") == 0)
        CHECK(lockstep_step(ls, &op, 0, &res) == 0 && res.rc == 0);
    /* a long id: its heap copy is an allocation, which fails */
    if (ls && parse(&op, "plug a-device-id-longer-than-16 virtio-pmem size=1G") == 0)
        CHECK(lockstep_step(ls, &op, LOCKSTEP_QUICK | LOCKSTEP_FAIL_MASK, &res) == 0 &&
              res.rc == MEMDEV_ENOMEM);
    if (ls && lockstep_failed(ls))
        fprintf(stderr, "QUICK with failures: %s\n", lockstep_failed(ls)->msg);
    CHECK(ls && !lockstep_failed(ls));
    lockstep_destroy(ls);
    /* the roundtrip check remembers the whole id, MEMDEV_MAX_ID_LEN bytes */
    char line[400], id[MEMDEV_MAX_ID_LEN + 1];
    memset(id, 'i', MEMDEV_MAX_ID_LEN);
    id[MEMDEV_MAX_ID_LEN] = '\0';
    for (int changed = 0; changed < 2; changed++) {
        ls = set_up(&op);
        snprintf(line, sizeof line, "plug %s dimm size=1G", id);
        CHECK(ls && parse(&op, line) == 0 && lockstep_step(ls, &op, 0, NULL) == 0);
        if (changed)
            CHECK(ls && one_sided(ls, &op, "vhost-add 600/1", 2) == 0);
        snprintf(line, sizeof line, "unplug %s", id);
        int st = ls && parse(&op, line) == 0 ? lockstep_step(ls, &op, 0, NULL) : -2;
        f = ls ? lockstep_failed(ls) : NULL;
        if (changed)
            CHECK(st == -1 && f && strcmp(f->check, "roundtrip") == 0);
        else
            CHECK(st == 0 && !f);
        lockstep_destroy(ls);
    }
    trace_op_release(&op);
}

/* ---- what the model must agree on, beyond what one-sided operations show ----------------- */

/*
 * A value given without its MEMDEV_F_* flag is not given: the library and the model agree on
 * the plug, and the space is the one a plug without the value makes (the same digest).
 */
static void test_fields_without_flags(void) {
    static const struct {
        const char *line; /* a plug without the value */
        uint32_t flag;
    } cases[] = {
        {"plug x dimm size=1G", MEMDEV_F_ADDR},
        {"plug x dimm size=1G", MEMDEV_F_SLOT},
        {"plug x virtio-mem size=1G", MEMDEV_F_BLOCK},
        {"plug x virtio-mem size=1G", MEMDEV_F_REQUESTED},
        {"plug x nvdimm size=1G", MEMDEV_F_LABEL},
        {"plug x virtio-mem size=1G", MEMDEV_F_DYNAMIC},
        {"plug x dimm size=1G", MEMDEV_F_NODE},
        {"plug x dimm size=1G", MEMDEV_F_MEMDEV},
    };
    struct trace_op op;
    trace_op_init(&op);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t digest[2] = {0, 1};
        for (int with_value = 0; with_value < 2; with_value++) {
            lockstep *ls = set_up(&op);
            if (!ls || parse(&op, cases[i].line)) {
                CHECK(ls != NULL);
                lockstep_destroy(ls);
                continue;
            }
            if (with_value) { /* every value, none of the flags the line did not set */
                op.desc.addr = 40ull << 30, op.desc.slot = 3, op.desc.block = 4ull << 20;
                op.desc.requested = 8ull << 20, op.desc.label = 256ull << 10;
                op.desc.dynamic = true, op.desc.node = 5, op.desc.memdev = "mem9";
                op.desc.fields &= ~cases[i].flag;
            }
            int st = lockstep_step(ls, &op, 0, NULL);
            if (st != 0)
                fprintf(stderr, "flag 0x%x, %s the value: %s\n", cases[i].flag,
                        with_value ? "with" : "without",
                        lockstep_failed(ls) ? lockstep_failed(ls)->msg : "?");
            CHECK(st == 0);
            digest[with_value] = memdev_digest(lockstep_space(ls));
            lockstep_destroy(ls);
        }
        if (digest[0] != digest[1])
            fprintf(stderr, "flag 0x%x: a value without its flag changed the space\n",
                    cases[i].flag);
        CHECK(digest[0] == digest[1]);
    }
    trace_op_release(&op);
}

/*
 * Memslots mapped differently on each side, the same number of them (the counters agree):
 * the named device's check compares every memslot's state, not only those its lookups probe.
 */
static void test_memslots_each_side(void) {
    struct trace_op op;
    trace_op_init(&op);
    for (int differ = 0; differ < 2; differ++) {
        lockstep *ls = set_up(&op);
        CHECK(ls && one_sided(ls, &op, "map b0 5", 0) == 0);
        CHECK(ls && one_sided(ls, &op, differ ? "map b0 6" : "map b0 5", 1) == 0);
        int st = ls && parse(&op, "map b0 0") == 0 ? lockstep_step(ls, &op, 0, NULL) : -2;
        const lockstep_failure *f = ls ? lockstep_failed(ls) : NULL;
        if (differ) {
            if (!f || strcmp(f->check, "device") != 0)
                fprintf(stderr, "memslots 5 and 6: %s\n", f ? f->msg : "not noticed");
            CHECK(st == -1 && f && strcmp(f->check, "device") == 0 && strstr(f->msg, "memslot"));
        } else {
            CHECK(st == 0 && !f);
        }
        lockstep_destroy(ls);
    }
    trace_op_release(&op);
}

/*
 * A device of more than 16 memslots, where a step's device check does not compare every
 * memslot: those of the operation's range and always the first, the middle and the last
 * (cmp_memslots), whose lookups it also probes (cmp_dev_lookups: memslots 0, 1, n/2, n - 1).
 * One memslot of each of those three mapped on the library's side, memslot 5 on the model's
 * (the counters agree, and 5 is none of them nor in the probe's range): the probe on memslot 3
 * finds it, by the device check, without a full check. Mapping 5 on both sides is the
 * control. (Every device of the tests above has 16 memslots at most: all compared.)
 */
static void test_memslots_partial(void) {
    static const char *const lines[] = {"plug b1 hv-balloon size=8G"}; /* 32 memslots of 256M */
    static const char *const maps[] = {"map b1 5", "map b1 0", "map b1 16", "map b1 31"};
    struct trace_op op;
    trace_op_init(&op);
    for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++) {
        lockstep_options lo = {.full_every = 1000}; /* the step's own checks, no full one */
        lockstep *ls = set_up_with(&op, lo, lines, 1);
        memdev_device_info info;
        CHECK(ls && memdev_device_get(lockstep_space(ls), "b1", &info) == 0 && info.memslots == 32);
        CHECK(ls && one_sided(ls, &op, maps[k], 0) == 0);
        CHECK(ls && one_sided(ls, &op, "map b1 5", 1) == 0);
        int st = ls && parse(&op, "map b1 3") == 0 ? lockstep_step(ls, &op, 0, NULL) : -2;
        const lockstep_failure *f = ls ? lockstep_failed(ls) : NULL;
        if (k == 0) {
            CHECK(st == 0 && !f);
        } else {
            if (!f || strcmp(f->check, "device") != 0)
                fprintf(stderr, "%s against map b1 5: %s\n", maps[k], f ? f->msg : "not noticed");
            CHECK(st == -1 && f && strcmp(f->check, "device") == 0 && strstr(f->msg, "memslot"));
        }
        lockstep_destroy(ls);
    }
    trace_op_release(&op);
}

/* The failure dump: every device (an empty one too), every vhost backend and a virtio-mem's
   extents. */
static void test_dump(void) {
    struct trace_op op;
    trace_op_init(&op);
    lockstep *ls = set_up(&op);
    CHECK(ls && one_sided(ls, &op, "vhost-add 600/1", 2) == 0);
    CHECK(ls && one_sided(ls, &op, "resize v0 requested=1G", 2) == 0);
    CHECK(ls && one_sided(ls, &op, "plug e9 hv-balloon empty", 2) == 0);
    for (int k = 0; ls && k < 20; k++) { /* 20 extents: blocks 0, 2, 4, ... of 2 MiB */
        char line[64];
        snprintf(line, sizeof line, "vmem v0 plug %dM 2M", 4 * k);
        CHECK(one_sided(ls, &op, line, 2) == 0);
    }
    char *dump = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&dump, &len);
    if (ls && mf)
        lockstep_dump(ls, mf);
    if (mf)
        fclose(mf);
    CHECK(dump != NULL);
    if (dump) {
        const char *model = strstr(dump, "--- model state ---");
        const char *lib = strstr(dump, "--- library state ---");
        CHECK(model && lib && model < lib);
        CHECK(strstr(dump, " vhost=509/0 vhost=600/1\n") != NULL);
        for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++) {
            char id[8];
            sscanf(setup[i], "plug %7s", id);
            char want[16];
            snprintf(want, sizeof want, "  '%s' ", id);
            const char *m = strstr(dump, want);
            CHECK(m && m < lib && strstr(lib, want)); /* in both states */
        }
        CHECK(strstr(dump, "    plugged [0x0, 0x200000)\n") != NULL);
        CHECK(strstr(dump, "    ... 20 extents in all\n") != NULL);
        CHECK(strstr(dump, "    map 1\n") != NULL); /* a one-memslot device's map line */
        CHECK(lib && strstr(lib, "  'e9' hv-balloon empty\n")); /* the library's line */
    }
    free(dump);
    lockstep_destroy(ls);
    trace_op_release(&op);
}

/* ---- the info JSON checker ------------------------------------------------------------------ */

/*
 * lockstep_compare_info_text parses what a QMP client would read and compares it with the
 * model. The library's own JSON passes; each edit below (a value, a type, a key, an element,
 * the syntax) must be refused with a message that says what, or, for texts that mean the
 * same (other whitespace, escapes), accepted.
 */
static const char *const info_setup[] = {
    "plug d0 dimm size=1G memdev=mem0 node=1",
    "plug n0 nvdimm size=1G label=128K",
    "plug v0 virtio-mem size=1G requested=8M block=2M",
    "plug b0 hv-balloon size=4G",
    "plug j0 virtio-pmem size=1G node=1", /* 'j' is 0x6a: an escape with the digit a or A */
    "plug e0 hv-balloon empty",
};

struct json_edit {
    const char *from, *to; /* the first occurrence of from becomes to */
    const char *says;      /* what the refusal says; NULL: the edited text must pass */
};

static const struct json_edit json_edits[] = {
    {"\"addr\": 4294967296", "\"addr\": 4294967297",
     "field \"addr\": JSON 4294967297, model 4294967296"},
    {"\"memdev\": \"mem0\"", "\"memdev\": \"mem1\"",
     "field \"memdev\": JSON \"mem1\", model \"mem0\""},
    {"\"id\": \"v0\"", "\"id\": \"v1\"", "field \"id\": JSON \"v1\", model \"v0\""},
    {"\"hotplugged\": true", "\"hotplugged\": false", "field \"hotplugged\": wrong type or value"},
    {"\"slot\": 0", "\"slot\": \"0\"", "field \"slot\": wrong type or value"},
    {"\"memdev\": \"\"", "\"memdev\": 0", "field \"memdev\": wrong type or value"},
    {"\"block-size\"", "\"block_size\"", "unexpected field \"block_size\""},
    {"\"node\": 1, ", "\"node\": 1, \"node\": 1, ", "repeated field \"node\""},
    {", \"memdev\": \"\"}}]", "}}]", "field \"memdev\" missing"},
    {"\"type\": \"nvdimm\"", "\"type\": \"dimm\"", "type \"dimm\", model \"nvdimm\""},
    {"\"type\": \"dimm\", ", "\"type\": \"dimm\", \"type\": \"dimm\", ",
     "unexpected member \"type\""},
    {"\"data\": {\"id\": \"e0\"", "\"info\": {\"id\": \"e0\"", "unexpected member \"info\""},
    {"{\"type\": \"hv-balloon\", \"data\": {\"id\": \"e0\", \"max-size\": 0}},\n",
     "{\"data\": {\"id\": \"e0\", \"max-size\": 0}, \"data\": {\"id\": \"e0\", \"max-size\": "
     "0}},\n",
     "unexpected member \"data\""},
    {"\"size\": 1073741824", "\"size\": 01073741824", "leading zero"},
    {"\"size\": 1073741824", "\"size\": 99999999999999999999", "does not fit 64 bits"},
    {"\"size\": 1073741824", "\"size\": -1", "expected a number, string, true or false"},
    {"\"id\": \"d0\"", "\"id\": \"d\\x30\"", "bad escape \\x"},
    {"\"id\": \"d0\"", "\"id\": \"d\\u0130\"", "escapes single bytes only"},
    {"\"id\": \"d0\"", "\"id\": \"d\\u00g0\"", "bad \\u escape"},
    {"\"id\": \"d0\"", "\"id\": \"d\t0\"", "raw control byte 0x09"},
    /* a space is no control byte: it is read as data, and the value then differs */
    {"\"memdev\": \"mem0\"", "\"memdev\": \"mem 0\"",
     "field \"memdev\": JSON \"mem 0\", model \"mem0\""},
    {"\"memdev\": \"\"}}]", "\"memdev\": \"", "unterminated string"},
    {"\"memdev\": \"\"}}]", "\"memdev\": \"\\", "unterminated string"},
    {"\"memdev\": \"\"}}]", "\"memdev\": \"\\u00", "bad \\u escape"},
    /* the text ends where a value is due: nothing past its end is read (the asan preset) */
    {"\"memdev\": \"\"}}]", "\"memdev\": ", "expected a number, string, true or false"},
    {"}},\n", "}}\n", "expected ',' between elements"},
    {"\"type\": \"dimm\", ", "\"type\": \"dimm\" ", "expected ',' between type and data"},
    {"\"id\": \"n0\", ", "\"id\": \"n0\" ", "expected ',' between fields"},
    {"\"addr\": ", "\"addr\" ", "expected ':' after a key"},
    {"[", "", "expected '[' at the start"},
    {"}}]", "}}, {\"type\": \"dimm\", \"data\": {}}]", "more elements than the model's 6 devices"},
    {"}}]", "}}] x", "trailing bytes after the array"},
    {"[{\"type\": \"hv-balloon\", \"data\": {\"id\": \"e0\", \"max-size\": 0}},\n", "[]",
     "JSON array ends before device #0 'e0'"},
    /* the same meaning written otherwise: accepted */
    {"\"id\": \"d0\"", "\"id\": \"d\\u0030\"", NULL},
    {"\"id\": \"d0\"", "\"id\":\r\n\t\"d0\"", NULL},
    {"\"memdev\": \"mem0\"", "\"memdev\": \"mem\\u0030\"", NULL},
    {"\"id\": \"j0\"", "\"id\": \"\\u006a0\"", NULL},
    {"\"id\": \"j0\"", "\"id\": \"\\u006A0\"", NULL}, /* JSON's hex digits: either case */
    {"\"size\": 1073741824, \"slot\": 0", "\"slot\": 0, \"size\": 1073741824", NULL},
    {"}}]", "}}]\n  ", NULL},
};

static void test_info_text(void) {
    struct trace_op op;
    trace_op_init(&op);
    lockstep_options lo = {.full_every = 1};
    char json[4096], msg[1200];
    size_t len = 0;
    lockstep *ls = set_up_with(&op, lo, info_setup, sizeof info_setup / sizeof info_setup[0]);
    CHECK(ls && memdev_info_json(lockstep_space(ls), json, sizeof json, &len) == 0);
    if (!ls || len == 0 || len >= sizeof json) {
        lockstep_destroy(ls);
        trace_op_release(&op);
        return;
    }
    const model_space *m = lockstep_model(ls);
    CHECK(lockstep_compare_info_text(m, json, len, msg, sizeof msg) == 0);
    CHECK(lockstep_check_info_json(m, lockstep_space(ls), msg, sizeof msg) == 0);
    for (size_t i = 0; i < sizeof json_edits / sizeof json_edits[0]; i++) {
        const struct json_edit *e = &json_edits[i];
        const char *at = strstr(json, e->from);
        size_t nf = strlen(e->from), nt = strlen(e->to);
        if (!at) {
            fprintf(stderr, "info JSON edit %zu: '%s' is not in the library's text\n", i, e->from);
            CHECK(at != NULL);
            continue;
        }
        /* the edited text in a heap block of exactly its length, so a read past its end is
           one the asan preset sees (a text that ends inside an escape) */
        size_t pre = (size_t)(at - json), elen = len - nf + nt;
        char *edited = malloc(elen);
        CHECK(edited != NULL);
        if (!edited)
            continue;
        memcpy(edited, json, pre);
        memcpy(edited + pre, e->to, nt);
        memcpy(edited + pre + nt, at + nf, len - pre - nf);
        msg[0] = '\0';
        int rc = lockstep_compare_info_text(m, edited, elen, msg, sizeof msg);
        free(edited);
        bool ok = e->says ? rc == -1 && strstr(msg, e->says) : rc == 0;
        if (!ok)
            fprintf(stderr, "info JSON edit '%s' -> '%s': rc %d, message '%s' (want %s)\n", e->from,
                    e->to, rc, msg, e->says ? e->says : "accepted");
        CHECK(ok);
    }
    /* a text too long to decode is refused with the bytes its strings would need (its length
       and a NUL), before a byte of it is read */
    msg[0] = '\0';
    CHECK(lockstep_compare_info_text(m, json, (size_t)1 << 62, msg, sizeof msg) == -2);
    if (!strstr(msg, "cannot allocate 4611686018427387905 bytes to decode the JSON's strings"))
        fprintf(stderr, "info JSON of 2^62 bytes: '%s'\n", msg);
    CHECK(strstr(msg, "cannot allocate 4611686018427387905 bytes to decode the JSON's strings"));
    lockstep_destroy(ls);
    trace_op_release(&op);
}

int main(void) {
    test_names(); /* first: the names are checked at the first checker in check mode */
    test_lockstep();
    test_failed_changed_device();
    test_no_memory_unfounded();
    test_runner();
    test_injection();
    test_not_an_operation();
    test_period();
    test_quick_and_long_ids();
    test_fields_without_flags();
    test_memslots_each_side();
    test_memslots_partial();
    test_dump();
    test_info_text();
    return check_report("test_checker");
}
