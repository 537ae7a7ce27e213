/* SPDX-License-Identifier: MIT */
/*
 * same_work.c - a benchmark's ratio means something only when every structure was asked for the
 * same work and gave the same answers: a baseline that places one device elsewhere searches
 * another tree from then on, one whose lookup misses stops early, a scenario whose requests
 * depend on the structure compares different requests. The shim (bench_main.cc) only checks
 * that each call succeeded. Eight checks, one line each ("ok" or "FAIL"):
 *
 *  - table: in bench_scenarios[], a structure runs a scenario at every size, or is skipped past
 *    a size with a reason ("skipped: ..."), or does not apply with a reason ("n/a: ...").
 *  - adapters: every structure's plug refuses a fixed address outside the window or over a
 *    device, and its lookup answers after plugs out of address order and after an unplug.
 *  - same work: for every scenario at each of its sizes up to MAX_N (4096; argv lowers it),
 *    every structure that runs it is driven through a table that records each call it gets
 *    (setup, timed steps and the untimed work between them): the call, a hash of all its
 *    inputs, whether it succeeded and what it answered (the address a plug placed at, the start
 *    a lookup found, the address a free query gave). After the last step, each structure is
 *    asked at every address memdev's plugs returned and at the byte before it. Every record
 *    must equal memdev's call by call.
 *  - failures: the scenario stops, with a reason, at a call that fails (the first and the last
 *    call of each kind in each phase are made to fail in turn), and makes no call after it.
 *  - allocations: every malloc, calloc, realloc and free goes through this file's wrappers
 *    (linked with --wrap); each scenario at its smallest size, on every structure, runs with
 *    one allocation after another made to fail, and must stop with a reason naming the memory,
 *    not crash, and leave no block live.
 *  - workloads: the calls memdev's run asked for (their inputs, in order) have the fingerprint
 *    recorded in the file given with --workloads (bench/workloads.txt): work that changes makes
 *    figures before and after it incomparable, so it changes only with --update and is said.
 *  - memory: the churn population's bytes through the allocator hook equal memdev's own count,
 *    and the split by owner adds up.
 *  - cache: the states bench_ctx_get keeps are returned again; more keys than slots push out
 *    the oldest.
 *
 * Ends with "N passed, N failed"; exit 0 all pass, 1 a check failed, 2 usage or an unreadable
 * file.
 */
#define _POSIX_C_SOURCE 200809L /* fork, pipe, strsignal */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* Under a sanitizer the heap checks are skipped: its allocator keeps no mallinfo2 counts (no
   heap measure) and stops the process on a request too large instead of failing it. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif
static const bool sanitized = SANITIZED;

#define MAX_N 4096
#define MAX_STEPS 200     /* steps per scenario and size, at most */
#define MAX_OPS 20000     /* operations per scenario and size, at most (fill: n per step) */
#define NPROBES_MAX 20000 /* plug answers probed at the end */

enum op {
    OP_CREATE,
    OP_DESTROY,
    OP_PLUG,    /* first fit */
    OP_PLUG_AT, /* at a fixed address */
    OP_UNPLUG,
    OP_LOOKUP,
    OP_FREE,
    OP_VMEM,
    OP_VALIDATE
};
static const char *const op_names[] = {"create", "destroy", "plug", "plug",    "unplug",
                                       "lookup", "free",    "vmem", "validate"};
enum phase { PH_SETUP, PH_STEP, PH_AFTER, PH_PROBE };
static const char *const phase_names[] = {"setup", "step", "between steps", "final probe"};

typedef struct call {
    uint8_t op, phase, ok;
    uint32_t step;
    uint64_t key;  /* hash of every input */
    uint64_t a, b; /* two inputs for messages: size and alignment, gpa, ... */
    uint64_t out;  /* placed address, start found, free address; 0 when none */
} call;

typedef struct trail {
    call *v;
    size_t n, cap;
    bool oom;
} trail;

/* The recording table's state: one structure is driven at a time. */
static const bench_backend *inner;
static trail *rec;
static uint8_t cur_phase;
static uint32_t cur_step;
static size_t
    fail_at; /* the call (1-based) made to fail instead of reaching the structure; 0 none */
static bool
    fail_wrong; /* a free query: made to answer 4 KiB off instead (the scenarios check it) */

/* Whether the call about to be recorded is the one to fail. */
static bool injected(void) {
    return fail_at && rec->n + 1 == fail_at;
}

static uint64_t mix(uint64_t h, uint64_t x) {
    h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0x100000001b3ull;
}

static uint64_t mix_str(uint64_t h, const char *s) {
    if (!s)
        return mix(h, 0);
    for (; *s; s++)
        h = mix(h, (uint8_t)*s);
    return mix(h, 0x100);
}

static void note(uint8_t op, uint64_t key, uint64_t a, uint64_t b, bool ok, uint64_t out) {
    if (rec->oom)
        return;
    if (rec->n == rec->cap) {
        size_t ncap = rec->cap ? rec->cap * 2 : 4096;
        call *v = realloc(rec->v, ncap * sizeof *v);
        if (!v) {
            rec->oom = true;
            return;
        }
        rec->v = v;
        rec->cap = ncap;
    }
    rec->v[rec->n++] = (call){.op = op,
                              .phase = cur_phase,
                              .ok = ok,
                              .step = cur_step,
                              .key = mix(key, op),
                              .a = a,
                              .b = b,
                              .out = ok ? out : 0};
}

static int w_create(const memdev_config *cfg, void **out) {
    int rc = MEMDEV_ENOMEM;
    if (injected())
        *out = NULL;
    else
        rc = inner->create(cfg, out);
    uint64_t key = mix(mix(mix(0, cfg->base), cfg->size), cfg->budget);
    note(OP_CREATE, key, cfg->base, cfg->size, rc == 0, 0);
    return rc;
}

static void w_destroy(void *s) {
    inner->destroy(s);
    note(OP_DESTROY, 0, 0, 0, true, 0);
}

static int w_plug(void *s, const memdev_device_desc *d, uint32_t handle, uint64_t *addr) {
    uint64_t placed = 0;
    int rc = injected() ? MEMDEV_ENOMEM : inner->plug(s, d, handle, &placed);
    if (rc == 0 && addr)
        *addr = placed;
    uint64_t key = mix_str(mix_str(0, d->id), d->memdev);
    const uint64_t in[] = {d->kind,  d->size,  d->align,   d->fields, d->addr, d->slot,
                           d->block, d->label, d->dynamic, d->node,   handle,  d->requested};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        key = mix(key, in[i]);
    if (d->fields & MEMDEV_F_ADDR)
        note(OP_PLUG_AT, key, d->size, d->addr, rc == 0, placed);
    else
        note(OP_PLUG, key, d->size, d->align, rc == 0, placed);
    return rc;
}

static int w_unplug(void *s, const char *id, uint64_t addr) {
    int rc = injected() ? MEMDEV_EUNKNOWNID : inner->unplug(s, id, addr);
    note(OP_UNPLUG, mix(mix_str(0, id), addr), addr, 0, rc == 0, 0);
    return rc;
}

static int w_lookup(void *s, uint64_t gpa, uint64_t *start) {
    uint64_t at = 0;
    int found = injected() ? 0 : inner->lookup(s, gpa, &at);
    if (found == 1)
        *start = at;
    note(OP_LOOKUP, mix(0, gpa), gpa, 0, found == 1, at);
    return found;
}

static int w_free(void *s, uint64_t size, uint64_t align, uint64_t *addr) {
    uint64_t at = 0;
    int rc;
    if (!injected())
        rc = inner->free_fit(s, size, align, &at);
    else if (!fail_wrong)
        rc = MEMDEV_EFRAGMENTED;
    else if ((rc = inner->free_fit(s, size, align, &at)) == 0)
        at += 4096;
    if (rc == 0)
        *addr = at;
    note(OP_FREE, mix(mix(0, size), align), size, align, rc == 0, at);
    return rc;
}

static int w_vmem(void *s, const char *id, bool plug, uint64_t off, uint64_t len) {
    int rc = injected() ? MEMDEV_ENOMEM : inner->vmem(s, id, plug, off, len);
    note(OP_VMEM, mix(mix(mix(mix_str(0, id), plug), off), len), off, len, rc == 0, 0);
    return rc;
}

static int w_validate(void *s, char *msg, size_t cap) {
    int rc = MEMDEV_EINVARIANT;
    if (!injected())
        rc = inner->validate(s, msg, cap);
    else if (msg && cap)
        snprintf(msg, cap, "validate: a failure made by same_work");
    note(OP_VALIDATE, 0, 0, 0, rc == 0, 0);
    return rc;
}

static size_t w_memory(const void *s) {
    return inner->memory(s);
}

/* The recording table for backend bk: the same operations present and absent. */
static bench_backend recording(int bk) {
    const bench_backend *b = &bench_backends[bk];
    return (bench_backend){b->name,
                           b->create ? w_create : NULL,
                           b->destroy ? w_destroy : NULL,
                           b->plug ? w_plug : NULL,
                           b->unplug ? w_unplug : NULL,
                           b->lookup ? w_lookup : NULL,
                           b->free_fit ? w_free : NULL,
                           b->vmem ? w_vmem : NULL,
                           b->validate ? w_validate : NULL,
                           b->memory ? w_memory : NULL};
}

static size_t steps_for(const bench_scenario *s, int64_t n) {
    double per = s->ops_per_step(n);
    size_t k = per >= MAX_OPS ? 1 : (size_t)(MAX_OPS / per);
    if (k > MAX_STEPS)
        k = MAX_STEPS;
    if (s->iterations > 0 && (size_t)s->iterations < k)
        k = (size_t)s->iterations;
    return k ? k : 1;
}

/*
 * The final state, through the scenario's own space (none when the scenario keeps none between
 * steps: fill): a lookup at each address a plug of from answered and at the byte before it,
 * recorded like every other call.
 */
static void probe(bench_ctx *c, const bench_backend *tab, const trail *from) {
    void *sp = tab->lookup ? bench_ctx_space(c) : NULL;
    size_t nref = from->n, probes = 0;
    cur_phase = PH_PROBE;
    for (size_t i = 0; sp && i < nref && probes < NPROBES_MAX; i++) {
        /* (a copy: when from is the trail being recorded, the lookups below grow it) */
        const call p = from->v[i];
        if ((p.op != OP_PLUG && p.op != OP_PLUG_AT) || !p.ok)
            continue;
        uint64_t start;
        tab->lookup(sp, p.out, &start);
        tab->lookup(sp, p.out - 1, &start);
        probes++;
    }
}

/*
 * Runs scenario s at n on backend bk as the shim does (setup, then steps, each followed by the
 * untimed work between steps), recording into t; then probes the final state at every plug's
 * answer of the reference trail ref (memdev's; NULL: memdev's own run, probed at its own).
 * False when a call failed, with the scenario's reason in why (and printed unless quiet).
 */
static bool drive(const bench_scenario *s, int bk, int64_t n, const trail *ref, trail *t,
                  bool quiet, char *why, size_t cap) {
    char err[512] = "";
    bench_backend tab = recording(bk);
    inner = &bench_backends[bk];
    rec = t;
    cur_phase = PH_SETUP;
    cur_step = 0;
    why[0] = '\0';
    bench_ctx *c = bench_ctx_new(s, bk, &tab, n, err, sizeof err);
    if (!c) {
        snprintf(why, cap, "%s", err);
    } else {
        size_t k = steps_for(s, n);
        for (size_t i = 0; !why[0] && i < k; i++) {
            cur_step = (uint32_t)i;
            cur_phase = PH_STEP;
            if (s->step(c) != 0) {
                snprintf(why, cap, "step %zu: %s", i, bench_ctx_error(c));
            } else if (s->after_step) {
                cur_phase = PH_AFTER;
                if (s->after_step(c) != 0)
                    snprintf(why, cap, "after step %zu: %s", i, bench_ctx_error(c));
            }
        }
        if (!why[0])
            probe(c, &tab, ref ? ref : t);
        bench_ctx_free(c);
    }
    if (t->oom)
        snprintf(why, cap, "out of memory for the record");
    if (why[0] && !quiet)
        printf("FAIL %s/%s/%" PRId64 ": %s\n", s->name, tab.name, n, why);
    return !why[0];
}

/* "step 12: plug of 0x40000000 bytes aligned 0x200000 -> 0x108000000", for messages. */
static void describe(const call *c, char *out, size_t cap) {
    char when[40], what[96];
    if (c->phase == PH_STEP || c->phase == PH_AFTER)
        snprintf(when, sizeof when, "%s %" PRIu32, phase_names[c->phase], c->step);
    else
        snprintf(when, sizeof when, "%s", phase_names[c->phase]);
    switch (c->op) {
    case OP_PLUG:
    case OP_PLUG_AT:
        snprintf(what, sizeof what, "plug of 0x%" PRIx64 " bytes %s 0x%" PRIx64, c->a,
                 c->op == OP_PLUG_AT ? "at" : "aligned", c->b);
        break;
    case OP_UNPLUG:
        snprintf(what, sizeof what, "unplug at 0x%" PRIx64, c->a);
        break;
    case OP_LOOKUP:
        snprintf(what, sizeof what, "lookup of 0x%" PRIx64, c->a);
        break;
    case OP_FREE:
        snprintf(what, sizeof what, "free query for 0x%" PRIx64 " bytes aligned 0x%" PRIx64, c->a,
                 c->b);
        break;
    case OP_VMEM:
        snprintf(what, sizeof what, "vmem request at offset 0x%" PRIx64 " of 0x%" PRIx64 " bytes",
                 c->a, c->b);
        break;
    default:
        snprintf(what, sizeof what, "%s", op_names[c->op]);
    }
    if (!c->ok)
        snprintf(out, cap, "%s: %s -> failed", when, what);
    else if (c->op == OP_PLUG || c->op == OP_PLUG_AT || c->op == OP_LOOKUP || c->op == OP_FREE)
        snprintf(out, cap, "%s: %s -> 0x%" PRIx64, when, what, c->out);
    else
        snprintf(out, cap, "%s: %s -> ok", when, what);
}

/* The first call where t differs from memdev's ref, printed; true when they agree. */
static bool same(const bench_scenario *s, const char *name, int64_t n, const trail *ref,
                 const trail *t) {
    size_t m = ref->n < t->n ? ref->n : t->n;
    for (size_t i = 0; i < m; i++) {
        const call *r = &ref->v[i], *x = &t->v[i];
        const char *what = NULL;
        if (r->op != x->op || r->key != x->key || r->phase != x->phase || r->step != x->step)
            what = "was asked something else than memdev";
        else if (r->ok != x->ok)
            what = x->ok ? "succeeded where memdev failed" : "failed where memdev succeeded";
        else if (r->out != x->out)
            what = r->op == OP_LOOKUP ? "found another start than memdev"
                                      : "answered another address than memdev";
        if (!what)
            continue;
        char mine[160], theirs[160];
        describe(x, mine, sizeof mine);
        describe(r, theirs, sizeof theirs);
        printf("FAIL %s/%s/%" PRId64 ": call %zu %s: %s; memdev's: %s\n", s->name, name, n, i + 1,
               what, mine, theirs);
        return false;
    }
    if (ref->n != t->n) {
        printf("FAIL %s/%s/%" PRId64 ": %zu calls against memdev's %zu (the first %zu agree)\n",
               s->name, name, n, t->n, ref->n, m);
        return false;
    }
    return true;
}

/* Appends " NAME" to a list of structure names in out (cap bytes, NUL-terminated). */
static void add_name(char *out, size_t cap, const char *name) {
    strncat(out, " ", cap - strlen(out) - 1);
    strncat(out, name, cap - strlen(out) - 1);
}

/* ---- the table -------------------------------------------------------------------------- */

static bool starts(const char *s, const char *prefix) {
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_size(const bench_scenario *s, int64_t n) {
    for (size_t z = 0; z < s->nsizes; z++)
        if (s->sizes[z] == n)
            return true;
    return false;
}

/* Each structure runs a scenario at all its sizes, is skipped past one with a reason, or does
   not apply with one; memdev runs everything. */
static bool check_table(void) {
    bool ok = true;
    for (size_t si = 0; si < bench_nscenarios; si++) {
        const bench_scenario *s = &bench_scenarios[si];
        int64_t largest = s->sizes[s->nsizes - 1];
        for (int bk = 0; bk < BK_COUNT; bk++) {
            int64_t m = s->max_n[bk];
            const char *why = s->why[bk], *bad = NULL;
            if (m == 0 && (bk == BK_MEMDEV || !starts(why, "n/a: ")))
                bad = bk == BK_MEMDEV ? "memdev does not run it" : "not run, and no 'n/a: ' reason";
            else if (m > 0 && m < largest && !starts(why, "skipped: "))
                bad = "skipped past a size without a 'skipped: ' reason";
            else if (m >= largest && why)
                bad = "runs at every size, yet has a reason not to";
            else if (m > 0 && m < largest && !is_size(s, m))
                bad = "its largest size is none of the scenario's";
            if (bad) {
                printf("FAIL table: %s/%s (max n %" PRId64 "): %s\n", s->name,
                       bench_backends[bk].name, m, bad);
                ok = false;
            }
        }
    }
    if (ok)
        printf("ok   table: %zu scenarios, each structure runs at every size, skipped past one "
               "or n/a, each with its reason\n",
               bench_nscenarios);
    return ok;
}

/* ---- the adapters ----------------------------------------------------------------------- */

#define AMiB (1ull << 20)
#define ABASE (4ull << 30)

/* The structure bk on a 1 GiB window: fixed-address plugs outside it or over a device fail;
   lookups answer after plugs out of address order and after an unplug. */
static bool check_adapter(int bk) {
    const bench_backend *b = &bench_backends[bk];
    static const struct {
        uint64_t at, size;
        bool ok, vmem; /* vmem: the device unplugged below (virtio-pmem cannot be) */
    } plugs[] = {
        {ABASE - 4096, 4096, false, false},                /* below the window */
        {ABASE + (1ull << 30), 4096, false, false},        /* past its end */
        {ABASE + (1ull << 30) - 4096, 8192, false, false}, /* across its end */
        {ABASE + (1ull << 30) - 4096, 4097, false, false}, /* one byte past it */
        {ABASE + (1ull << 30) - 4096, 4096, true, false},  /* up to its last byte */
        {ABASE + 2 * AMiB, 2 * AMiB, true, true},          /* unplugged below */
        {ABASE, 2 * AMiB, true, false},                    /* below the first: out of order */
        {ABASE + AMiB, 2 * AMiB, false, false},            /* over both */
        {ABASE + 3 * AMiB, 2 * AMiB, false, false},        /* over the second's end */
        {ABASE + 6 * AMiB, 2 * AMiB, true, false},
        {ABASE + 5 * AMiB, 2 * AMiB, false, false}, /* over the third's start, from below */
    };
    static const struct {
        uint64_t gpa, start; /* start 0: a miss */
    } looks[] = {{ABASE, ABASE},
                 {ABASE + 2 * AMiB + 5, ABASE + 2 * AMiB},
                 {ABASE + 4 * AMiB - 1, ABASE + 2 * AMiB},
                 {ABASE + 4 * AMiB, 0},
                 {ABASE + 7 * AMiB, ABASE + 6 * AMiB},
                 {ABASE - 1, 0},
                 {ABASE + (1ull << 30) - 4097, 0},
                 {ABASE + (1ull << 30) - 1, ABASE + (1ull << 30) - 4096}};
    memdev_config cfg = {.base = ABASE, .size = 1ull << 30, .budget = 1ull << 30};
    void *sp = NULL;
    char what[160] = "";
    if (b->create(&cfg, &sp) != 0)
        snprintf(what, sizeof what, "create failed");
    for (size_t i = 0; !what[0] && i < sizeof plugs / sizeof plugs[0]; i++) {
        char id[16];
        if (plugs[i].vmem)
            snprintf(id, sizeof id, "vmem");
        else
            snprintf(id, sizeof id, "hint-%zu", i);
        memdev_device_desc d = {.id = id,
                                .kind = MEMDEV_VIRTIO_PMEM,
                                .size = plugs[i].size,
                                .align = 4096,
                                .fields = MEMDEV_F_ADDR,
                                .addr = plugs[i].at};
        if (plugs[i].vmem)
            d.kind = MEMDEV_VIRTIO_MEM, d.align = d.block = 2 * AMiB, d.fields |= MEMDEV_F_BLOCK;
        uint64_t at = 0;
        int rc = b->plug(sp, &d, (uint32_t)i, &at);
        if ((rc == 0) != plugs[i].ok || (rc == 0 && at != plugs[i].at))
            snprintf(what, sizeof what, "plug of 0x%" PRIx64 " bytes at 0x%" PRIx64 " %s",
                     plugs[i].size, plugs[i].at,
                     rc            ? "failed"
                     : plugs[i].ok ? "answered another address"
                                   : "succeeded");
    }
    /* after the unplug of the virtio-mem device at ABASE + 2 MiB, where it was is a miss */
    for (int round = 0; !what[0] && round < (b->unplug ? 2 : 1); round++) {
        if (round == 1 && b->unplug(sp, "vmem", ABASE + 2 * AMiB) != 0) {
            snprintf(what, sizeof what, "unplug at 0x%llx failed", ABASE + 2 * AMiB);
            break;
        }
        for (size_t i = 0; !what[0] && i < sizeof looks / sizeof looks[0]; i++) {
            uint64_t want = round == 1 && looks[i].start == ABASE + 2 * AMiB ? 0 : looks[i].start;
            uint64_t start = 0;
            int found = b->lookup(sp, looks[i].gpa, &start);
            if (found != (want != 0) || (found && start != want))
                snprintf(what, sizeof what, "%slookup of 0x%" PRIx64 " %s 0x%" PRIx64,
                         round ? "after the unplug, " : "", looks[i].gpa,
                         found ? "found" : "missed", found ? start : want);
        }
    }
    if (sp)
        b->destroy(sp);
    if (what[0])
        printf("FAIL adapters: %s: %s\n", b->name, what);
    return !what[0];
}

/* ---- failures ----------------------------------------------------------------------------- */

/*
 * Scenario s at n on memdev with call k (1-based, of memdev's record ref) made to fail (wrong: a
 * free query made to answer a wrong address instead): the scenario must stop there with a
 * reason, and make no call after it but destroying its state.
 */
static bool check_failure(const bench_scenario *s, int64_t n, const trail *ref, size_t k,
                          bool wrong) {
    trail t = {0};
    char why[512], what[160];
    fail_at = k;
    fail_wrong = wrong;
    bool ran = drive(s, BK_MEMDEV, n, NULL, &t, true, why, sizeof why);
    fail_at = 0;
    fail_wrong = false;
    describe(&ref->v[k - 1], what, sizeof what);
    const char *bad = NULL;
    size_t after = 0;
    for (size_t i = k; i < t.n; i++)
        after += t.v[i].op != OP_DESTROY;
    if (ran)
        bad = "ran to its end";
    else if (t.n < k || (t.v[k - 1].ok && !wrong))
        bad = "stopped before the call";
    else if (after)
        bad = "made calls after it";
    else if (!strstr(why, "failed") && !strstr(why, "failure"))
        bad = "stopped without saying what failed";
    if (bad)
        printf("FAIL failures: %s/%" PRId64 ": call %zu (%s) made to %s: the scenario %s%s%s\n",
               s->name, n, k, what, wrong ? "answer 4 KiB off" : "fail", bad,
               why[0] ? "; its reason: " : "", why);
    free(t.v);
    return !bad;
}

/* The first and the last call of each kind in each phase but the probe, made to fail in turn;
   a free query also made to answer a wrong address (the only answer the scenarios check
   themselves: every other answer is this file's to compare). */
static bool check_failures(const bench_scenario *s, int64_t n, const trail *ref, unsigned *count) {
    enum { KINDS = (OP_VALIDATE + 1) * PH_PROBE };
    size_t first[KINDS] = {0}, last[KINDS] = {0};
    for (size_t i = 0; i < ref->n; i++) {
        const call *c = &ref->v[i];
        if (c->phase == PH_PROBE || c->op == OP_DESTROY)
            continue;
        size_t kind = (size_t)c->phase * (OP_VALIDATE + 1) + c->op;
        if (!first[kind])
            first[kind] = i + 1;
        last[kind] = i + 1;
    }
    bool ok = true;
    for (size_t kind = 0; kind < KINDS; kind++) {
        if (!first[kind])
            continue;
        for (int wrong = 0; wrong < (kind % (OP_VALIDATE + 1) == OP_FREE ? 2 : 1); wrong++) {
            ok &= check_failure(s, n, ref, first[kind], wrong);
            ++*count;
            if (last[kind] != first[kind]) {
                ok &= check_failure(s, n, ref, last[kind], wrong);
                ++*count;
            }
        }
    }
    return ok;
}

/* ---- workloads ---------------------------------------------------------------------------- */

#define MAX_PAIRS 64

typedef struct workload {
    char name[32];
    int64_t n;
    size_t calls;
    uint64_t print;
} workload;

/* The fingerprint of the calls memdev's run was asked for (their inputs, in order). */
static workload workload_of(const bench_scenario *s, int64_t n, const trail *ref) {
    workload w = {.n = n};
    snprintf(w.name, sizeof w.name, "%s", s->name);
    for (size_t i = 0; i < ref->n; i++)
        if (ref->v[i].phase != PH_PROBE) {
            w.print = mix(w.print, ref->v[i].key);
            w.calls++;
        }
    return w;
}

/* Reads FILE's "NAME N CALLS 0xPRINT" lines (# comments); -1 with a message if unreadable. */
static int read_workloads(const char *path, workload *out, size_t cap) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "same_work: cannot read --workloads '%s'\n", path);
        return -1;
    }
    char line[256];
    int nw = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        workload w = {0};
        long long n;
        unsigned long long calls, print;
        if (nw == (int)cap ||
            sscanf(line, "%31s %lld %llu 0x%llx", w.name, &n, &calls, &print) != 4) {
            fprintf(stderr, "same_work: --workloads '%s' line %d: not 'NAME N CALLS 0xPRINT'\n",
                    path, lineno);
            fclose(f);
            return -1;
        }
        w.n = n, w.calls = calls, w.print = print;
        out[nw++] = w;
    }
    fclose(f);
    return nw;
}

static bool check_workload(const workload *w, const workload *rec_w, int nrec, const char *path) {
    for (int i = 0; i < nrec; i++) {
        if (strcmp(rec_w[i].name, w->name) || rec_w[i].n != w->n)
            continue;
        if (rec_w[i].calls == w->calls && rec_w[i].print == w->print)
            return true;
        printf("FAIL workloads: %s/%" PRId64 ": the scenario asks for other work than %s "
               "records (%zu calls, 0x%016" PRIx64 " against %zu, 0x%016" PRIx64 "): figures "
               "from before the change do not compare with figures after it; if it is meant, "
               "record it with --update and say so in the commit\n",
               w->name, w->n, path, w->calls, w->print, rec_w[i].calls, rec_w[i].print);
        return false;
    }
    printf("FAIL workloads: %s/%" PRId64 ": no fingerprint in %s (record it with --update)\n",
           w->name, w->n, path);
    return false;
}

/* ---- memory ------------------------------------------------------------------------------- */

/* The churn population's bytes per device through the hook: its total equals memdev's own
   count, the owners' split adds up, and the plugged pass holds more. */
static bool check_memory(const bench_scenario *s, int64_t n) {
    char err[512];
    bench_ctx *c = bench_ctx_new(s, BK_MEMDEV, &bench_backends[BK_MEMDEV], n, err, sizeof err);
    const char *bad = c ? NULL : err;
    double index = 0, records = 0, total = 0, plugged = 0, own = 0;
    if (c) {
        own = bench_ctx_self_bytes_per_device(c);
        if (!bench_ctx_hook_bytes(c, &index, &records, &total, &plugged))
            bad = "not measured";
        else if (total != own)
            bad = "the hook's total differs from memdev_memory_bytes";
        else if (index <= 0 || records < 64 || index + records > total)
            bad = "the split by owner does not add up (a 64-byte record per device at least)";
        else if (plugged <= total)
            bad = "the devices with plugged blocks hold no more than without";
        bench_ctx_free(c);
    }
    if (bad)
        printf("FAIL memory: %s/%" PRId64 ": %s (bytes per device: index %.2f, records %.2f, "
               "all %.2f, memdev's count %.2f, plugged %.2f)\n",
               s->name, n, bad, index, records, total, own, plugged);
    else
        printf("ok   memory: %s/%" PRId64 ": %.2f bytes per device through the hook (index %.2f, "
               "records %.2f) = memdev's count; %.2f with blocks plugged\n",
               s->name, n, total, index, records, plugged);
    return !bad;
}

/*
 * The hook's owner split itself (bench_mem.c): a space's blocks are each claimed once and add
 * up to what the hook gave out; a block the hook gave out that the space does not claim (a
 * leak, or an owner space_blocks forgets) makes the split fail, and freeing it mends it.
 */
static bool check_split(void) {
    bench_mem *m = bench_mem_new();
    memdev_allocator al = m ? bench_mem_allocator(m) : (memdev_allocator){0};
    memdev_config cfg = {.base = 4ull << 30, .size = 1ull << 40, .budget = 1ull << 40};
    memdev_space *sp = NULL;
    const char *bad = NULL;
    size_t split[3];
    if (!m || memdev_space_create(&cfg, &al, &sp) != MEMDEV_OK) {
        bad = "cannot create a space through the hook";
    } else {
        for (int i = 0; i < 100 && !bad; i++) {
            char id[16];
            snprintf(id, sizeof id, "dimm%d", i);
            memdev_device_desc d = {.id = id,
                                    .kind = MEMDEV_VIRTIO_PMEM,
                                    .size = (uint64_t)(i + 1) << 21,
                                    .align = 4096};
            if (memdev_plug(sp, &d, NULL) != MEMDEV_OK)
                bad = "a plug through the hook failed";
        }
        if (!bad && !bench_mem_split(m, sp, split))
            bad = "the split of a space's own blocks failed";
        /* 100 bytes, which the sum also sees, then 0, which only the claims do */
        for (size_t size = 100, k = 0; k < 2 && !bad; k++, size = 0) {
            void *stray = al.realloc(al.ctx, NULL, size);
            if (!stray || bench_mem_split(m, sp, split))
                bad = size ? "a block the space does not claim went unseen"
                           : "a block of 0 bytes the space does not claim went unseen";
            if (stray)
                al.free(al.ctx, stray);
        }
        if (!bad && (!bench_mem_split(m, sp, split) || split[0] == 0 || split[1] == 0))
            bad = "the split failed again after the stray block was freed";
    }
    memdev_space_destroy(sp);
    bench_mem_delete(m);
    if (bad)
        printf("FAIL memory: the hook's split: %s\n", bad);
    else
        printf("ok   memory: the hook's split claims every block of a space once, and sees a block "
               "it does not hold\n");
    return !bad;
}

/*
 * The heap measure behind every bytes_per_dev figure counts small blocks and large ones (glibc
 * maps a block above its threshold on its own, as it may the large arrays of a 1M-device state;
 * the threshold grows up to 32 MiB as mapped blocks are freed): 100 blocks of 100 bytes and one
 * of 64 MiB each raise it by at least their size, and freeing them takes it back. At the
 * benchmarks' small sizes no structure need have a mapped block, so only this sees a measure
 * that forgets them.
 */
static bool check_heap(void) {
    enum { SMALL = 100 };
    void *small[SMALL], *big;
    const char *bad = NULL;
    size_t before = bench_heap_bytes(), mid, after;
    for (int i = 0; i < SMALL; i++)
        if ((small[i] = malloc(100)) != NULL)
            memset(small[i], i, 100);
    mid = bench_heap_bytes();
    big = malloc(64u << 20); /* untouched: counted all the same, and no memory used */
    after = bench_heap_bytes();
    /* (differences of unsigned counts: a measure that went down is a huge one) */
    if (mid - before < SMALL * 100 || mid - before > SMALL * 200)
        bad = "100 blocks of 100 bytes did not raise it by 10,000 to 20,000 bytes";
    else if (!big || after - mid < (64u << 20) || after - mid > (65u << 20))
        bad = "a block of 64 MiB did not raise it by 64 MiB (and at most 1 MiB more)";
    free(big);
    for (int i = 0; i < SMALL; i++)
        free(small[i]);
    if (!bad && bench_heap_bytes() != before)
        bad = "freeing the blocks did not take it back";
    if (bad)
        printf("FAIL memory: the heap measure: %s\n", bad);
    else
        printf("ok   memory: the heap measure counts small blocks and a mapped 64 MiB one, and "
               "gives them back\n");
    return !bad;
}

/*
 * A state too large for the machine (2^50 devices: its first array alone is more than the
 * address space) is refused with a reason that says so, by every scenario's setup, before it
 * plugs anything (bench/run at sizes a small machine cannot hold). Not under a sanitizer.
 */
static bool check_too_large(void) {
    bool ok = true;
    for (size_t si = 0; si < bench_nscenarios; si++) {
        const bench_scenario *s = &bench_scenarios[si];
        char err[512] = "";
        bench_ctx *c = bench_ctx_new(s, BK_MEMDEV, &bench_backends[BK_MEMDEV], (int64_t)1 << 50,
                                     err, sizeof err);
        if (c || !strstr(err, "memory")) {
            printf("FAIL memory: %s/2^50: %s\n", s->name,
                   c ? "a state of 2^50 devices was built" : "refused without saying why");
            ok = false;
        }
        bench_ctx_free(c);
    }
    if (ok)
        printf(
            "ok   memory: %zu scenarios refuse a state of 2^50 devices, out of memory, at once\n",
            bench_nscenarios);
    return ok;
}

/*
 * Each structure's own byte count (memdev_memory_bytes, augtree_memory, ...: the
 * self_bytes_per_dev of the table) against the heap's growth over its setup (bytes_per_dev,
 * which adds malloc's headers): between 75 % and 105 % of it, in scenario s at n. A count
 * that forgets a part of the structure makes its bytes per device a lie. Not under a
 * sanitizer (no heap measure there).
 */
static bool check_own_counts(const bench_scenario *s, int64_t n) {
    bool ok = true;
    char names[128] = "";
    for (int bk = 0; bk < BK_COUNT; bk++) {
        if (!bench_backends[bk].memory || s->max_n[bk] < n)
            continue;
        char err[512];
        bench_ctx *c = bench_ctx_new(s, bk, &bench_backends[bk], n, err, sizeof err);
        double own = c ? bench_ctx_self_bytes_per_device(c) : 0;
        double heap = c ? bench_ctx_bytes_per_device(c) : 0;
        if (!c || own < 0.75 * heap || own > 1.05 * heap) {
            printf("FAIL memory: %s/%s/%" PRId64 ": its own count %.2f bytes per device against "
                   "%.2f of heap growth%s%s\n",
                   s->name, bench_backends[bk].name, n, own, heap, c ? "" : ": ", c ? "" : err);
            ok = false;
        }
        bench_ctx_free(c);
        add_name(names, sizeof names, bench_backends[bk].name);
    }
    if (ok)
        printf("ok   memory: %s/%" PRId64 ":%s: each one's own byte count is 75-105 %% of its "
               "heap growth\n",
               s->name, n, names);
    return ok;
}

/* ---- the state cache -------------------------------------------------------------------- */

/* The state's placements seen through lookups: one every 16 MiB over the first 64 GiB. */
static uint64_t state_print(bench_ctx *c, int bk) {
    void *sp = bench_ctx_space(c);
    uint64_t h = 0;
    for (uint64_t k = 0; sp && k < 4096; k++) {
        uint64_t start = 0;
        int found = bench_backends[bk].lookup(sp, (4ull << 30) + k * (16ull << 20), &start);
        h = mix(mix(h, (uint64_t)found), found == 1 ? start : 0);
    }
    return h;
}

/*
 * bench_ctx_get keeps the model's states (its setup is O(n^2)) and rebuilds any other: a kept
 * state asked for again, also after another structure's key came between, is the same state
 * (its steps kept: not a new build, which a pointer could not tell when the allocator gives
 * the same address back), and more keys than the cache has slots push out the oldest.
 */
static bool check_cache(const bench_scenario *s) {
    enum { KEYS = 64, STEPS = 100 }; /* more keys than the cache's slots */
    char err[512] = "";
    const char *bad = NULL;
    bench_ctx *c = NULL, *again = NULL;
    for (int64_t n = 1; n <= KEYS && (n == 1 || c); n++)
        c = bench_ctx_get(s, BK_MODEL, n, err, sizeof err);
    for (int i = 0; c && i < STEPS; i++) {
        if (s->step(c) != 0) {
            snprintf(err, sizeof err, "step %d: %s", i, bench_ctx_error(c));
            c = NULL;
        }
    }
    uint64_t stepped = c ? state_print(c, BK_MODEL) : 0;
    if (c && bench_ctx_get(s, BK_MEMDEV, 8, err, sizeof err))
        again = bench_ctx_get(s, BK_MODEL, KEYS, err, sizeof err);
    bench_ctx *fresh =
        again ? bench_ctx_new(s, BK_MODEL, &bench_backends[BK_MODEL], KEYS, err, sizeof err) : NULL;
    if (!fresh)
        bad = err;
    else if (state_print(fresh, BK_MODEL) == stepped)
        bad = "the steps changed nothing the lookups see";
    else if (state_print(again, BK_MODEL) != stepped)
        bad = "the newest kept state was built again: its steps are lost";
    bench_ctx_free(fresh);
    bench_ctx_release();
    /* every model state a scenario builds is kept (rebuilt, a 2^16 one takes seconds at each
       of google-benchmark's calls); nothing else is */
    char why[160] = "";
    for (size_t si = 0; !bad && si < bench_nscenarios; si++) {
        const bench_scenario *t = &bench_scenarios[si];
        for (size_t z = 0; !bad && z < t->nsizes; z++) {
            int64_t n = t->sizes[z];
            if (n <= t->max_n[BK_MODEL] && !bench_ctx_keeps(BK_MODEL, n))
                snprintf(why, sizeof why, "%s/model/%" PRId64 " is not kept", t->name, n);
            else if (bench_ctx_keeps(BK_MEMDEV, n))
                snprintf(why, sizeof why, "%s/memdev/%" PRId64 " is kept", t->name, n);
            bad = why[0] ? why : NULL;
        }
    }
    if (bad)
        printf("FAIL cache: %s\n", bad);
    else
        printf("ok   cache: %d kept states of %s/model; the newest, after %d steps and a memdev "
               "state, comes back with its steps; every size a scenario runs the model at is "
               "kept, no memdev state\n",
               KEYS, s->name, STEPS);
    return !bad;
}

/* ---- allocation failures ---------------------------------------------------------------- */

/*
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free (bench/CMakeLists.txt
 * defines SAME_WORK_WRAP then), every allocation of the scenarios, the baselines, the model and
 * the library comes through these four: while armed they count the allocations, make the k-th
 * fail, and count the blocks still live.
 */
#ifndef SAME_WORK_WRAP
#define SAME_WORK_WRAP 0
#endif
static bool a_on;
static size_t a_count, a_fail_at;
static long a_live;
static bool a_hit;

#if SAME_WORK_WRAP
void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

static bool a_fails(void) {
    if (!a_on)
        return false;
    if (++a_count != a_fail_at)
        return false;
    a_hit = true;
    return true;
}

void *__wrap_malloc(size_t n) {
    void *p = a_fails() ? NULL : __real_malloc(n);
    a_live += a_on && p;
    return p;
}

void *__wrap_calloc(size_t k, size_t n) {
    void *p = a_fails() ? NULL : __real_calloc(k, n);
    a_live += a_on && p;
    return p;
}

void *__wrap_realloc(void *p, size_t n) {
    void *q = a_fails() ? NULL : __real_realloc(p, n);
    a_live += a_on && q && !p;
    return q;
}

void __wrap_free(void *p) {
    a_live -= a_on && p;
    __real_free(p);
}
#endif

/*
 * Scenario s at n on backend bk, its setup and a few steps, with allocation k (1-based, counted
 * from the setup's first; 0: none) made to fail. Returns the allocations made; bad is set when
 * the run did not stop with a reason naming the memory, or left blocks live after the state
 * was freed, or (the failure taken in by the structure: *taken_in) left a state its validator
 * refuses.
 */
static size_t alloc_run(const bench_scenario *s, int bk, int64_t n, size_t k, char *bad, size_t cap,
                        bool *taken_in) {
    char err[512] = "", why[600] = "";
    size_t steps = steps_for(s, n);
    if (steps > 4)
        steps = 4;
    a_count = 0, a_live = 0, a_hit = false, a_fail_at = k, a_on = true;
    bench_ctx *c = bench_ctx_new(s, bk, &bench_backends[bk], n, err, sizeof err);
    if (!c)
        snprintf(why, sizeof why, "%s", err);
    for (size_t i = 0; c && !why[0] && i < steps; i++) {
        if (s->step(c) != 0 || (s->after_step && s->after_step(c) != 0))
            snprintf(why, sizeof why, "step %zu: %s", i, bench_ctx_error(c));
    }
    void *sp = c ? bench_ctx_space(c) : NULL;
    char msg[256] = "";
    bool valid = why[0] || !sp || !bench_backends[bk].validate ||
                 bench_backends[bk].validate(sp, msg, sizeof msg) == 0;
    bench_ctx_free(c);
    a_on = false;
    *taken_in = a_hit && !why[0];
    bad[0] = '\0';
    if (why[0] && !a_hit)
        snprintf(bad, cap, "stopped with no allocation failed: %s", why);
    else if (why[0] && !strstr(why, "memory"))
        snprintf(bad, cap, "stopped without naming the memory: %s", why);
    else if (!valid)
        snprintf(bad, cap, "took the failure in and left a state its validator refuses: %s", msg);
    else if (a_live != 0)
        snprintf(bad, cap, "%ld block(s) still live after the state was freed%s%s", a_live,
                 why[0] ? "; its reason: " : "", why);
    return a_count;
}

/*
 * alloc_run in a child process, so that a run that crashes on the failed allocation (a NULL
 * written through) is reported as such, with its scenario and allocation, and the next runs go
 * on.
 */
static size_t alloc_trial(const bench_scenario *s, int bk, int64_t n, size_t k, char *bad,
                          size_t cap, bool *taken_in) {
    struct {
        size_t count;
        bool taken;
        char bad[1024];
    } r = {0, false, ""};
    int fd[2];
    fflush(stdout);
    if (pipe(fd) != 0) {
        snprintf(bad, cap, "could not be started: no pipe");
        return 0;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        r.count = alloc_run(s, bk, n, k, r.bad, sizeof r.bad, &r.taken);
        _exit(write(fd[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 3);
    }
    close(fd[1]);
    size_t got = 0;
    while (pid > 0 && got < sizeof r) {
        ssize_t m = read(fd[0], (char *)&r + got, sizeof r - got);
        if (m <= 0)
            break;
        got += (size_t)m;
    }
    close(fd[0]);
    int st = 0;
    if (pid < 0)
        snprintf(bad, cap, "could not be started: fork failed");
    else if (waitpid(pid, &st, 0) != pid)
        snprintf(bad, cap, "was lost: waitpid failed");
    else if (WIFSIGNALED(st))
        snprintf(bad, cap, "crashed (signal %d, %s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else if (WEXITSTATUS(st) != 0 || got != sizeof r)
        snprintf(bad, cap, "ended without its result (exit %d; a sanitizer's report above)",
                 WEXITSTATUS(st));
    else
        snprintf(bad, cap, "%s", r.bad);
    *taken_in = r.taken;
    return r.count;
}

/* The allocation to fail after k: each of the first 16, then every 5/4th, then the last. */
static size_t next_trial(size_t k, size_t total) {
    size_t next = k < 16 ? k + 1 : k + k / 4;
    return next > total ? total : next;
}

/*
 * Every scenario at its smallest size, on every structure that runs it: each of the first 16
 * allocations of its setup and first steps made to fail in turn, then every 5/4th, and the
 * last. The scenario must stop with a reason that names the memory (or the structure take the
 * failure in and stay valid), and free everything it allocated: nothing aborts or leaks on a
 * machine out of memory, and a benchmark never times a state its setup did not finish.
 */
static bool check_allocs(void) {
    if (!SAME_WORK_WRAP) {
        printf("skip allocations: same_work was linked without the allocation wrappers\n");
        return true;
    }
    bool ok = true, taken;
    unsigned trials = 0, taken_in = 0, pairs = 0;
    for (size_t si = 0; si < bench_nscenarios; si++) {
        const bench_scenario *s = &bench_scenarios[si];
        int64_t n = s->sizes[0];
        for (int bk = 0; bk < BK_COUNT; bk++) {
            if (s->max_n[bk] < n)
                continue;
            char bad[1024];
            const char *name = bench_backends[bk].name;
            size_t total = alloc_trial(s, bk, n, 0, bad, sizeof bad, &taken);
            pairs++;
            if (bad[0] || total == 0) {
                printf("FAIL allocations: %s/%s/%" PRId64 ": %s\n", s->name, name, n,
                       bad[0] ? bad : "no allocation counted: the wrappers see nothing");
                ok = false;
                continue;
            }
            for (size_t k = 1;; k = next_trial(k, total)) {
                alloc_trial(s, bk, n, k, bad, sizeof bad, &taken);
                trials++;
                taken_in += taken;
                if (bad[0]) {
                    printf("FAIL allocations: %s/%s/%" PRId64 ": allocation %zu of %zu made to "
                           "fail: the run %s\n",
                           s->name, name, n, k, total, bad);
                    ok = false;
                    break;
                }
                if (k == total)
                    break;
            }
        }
    }
    if (ok)
        printf("ok   allocations: %u allocations made to fail in %u scenario-structure pairs; "
               "each run stopped with a reason naming the memory (%u taken in by the structure, "
               "its state valid) and left no block live\n",
               trials, pairs, taken_in);
    return ok;
}

/* ---- main --------------------------------------------------------------------------------- */

static int usage(const char *why) {
    fprintf(stderr,
            "same_work: %s (usage: same_work [--workloads FILE [--update]] [MAX_N], MAX_N from 1 "
            "to %d, default %d)\n",
            why, MAX_N, MAX_N);
    return 2;
}

int main(int argc, char **argv) {
    int64_t cap = MAX_N;
    const char *wpath = NULL;
    bool update = false, have_cap = false;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--workloads") == 0) {
            if (++i == argc)
                return usage("--workloads needs a file");
            wpath = argv[i];
        } else if (strcmp(argv[i], "--update") == 0) {
            update = true;
        } else if (!have_cap && argv[i][0] != '-') {
            cap = strtoll(argv[i], &end, 10);
            if (end == argv[i] || *end || cap < 1 || cap > MAX_N)
                return usage("bad MAX_N");
            have_cap = true;
        } else {
            return usage("unknown argument");
        }
    }
    if (update && (!wpath || cap != MAX_N))
        return usage("--update needs --workloads and every size");
    bool any = false;
    for (size_t si = 0; si < bench_nscenarios; si++)
        any |= bench_scenarios[si].sizes[0] <= cap;
    if (!any) {
        fprintf(stderr, "same_work: no scenario has a size up to %" PRId64 "\n", cap);
        return 2;
    }
    workload recorded[MAX_PAIRS], seen[MAX_PAIRS];
    int nrec = 0, nseen = 0;
    if (wpath && !update && (nrec = read_workloads(wpath, recorded, MAX_PAIRS)) < 0)
        return 2;

    unsigned passed = 0, failed = 0, injected_calls = 0;
#define COUNT(ok) ((ok) ? passed++ : failed++)
    COUNT(check_table());
    bool adapters = true;
    for (int bk = 0; bk < BK_COUNT; bk++)
        adapters &= check_adapter(bk);
    if (adapters)
        printf("ok   adapters: every structure refuses fixed addresses outside the window or over "
               "a device, and looks up right after plugs out of order and an unplug\n");
    COUNT(adapters);
    COUNT(check_cache(&bench_scenarios[0]));
    COUNT(check_split());
    if (sanitized) { /* each says why it is skipped; counts as neither */
        printf("skip memory: the heap measure: a sanitizer's allocator keeps no mallinfo2 "
               "counts\n");
        printf("skip memory: a state too large: a sanitizer's allocator stops on such a "
               "request\n");
    } else {
        COUNT(check_heap());
        COUNT(check_too_large());
    }
    /* Before the sweep below: each of its 1,496 trials forks this process, and a fork copies
       the page tables of all the memory the process has touched (under ASan, whose allocator
       keeps what the sweep used, this test took 90 s with them after the sweep, 45 s before). */
    COUNT(check_allocs());
    bool failures = true, workloads = true;
    for (size_t si = 0; si < bench_nscenarios; si++) {
        const bench_scenario *s = &bench_scenarios[si];
        for (size_t z = 0; z < s->nsizes; z++) {
            int64_t n = s->sizes[z];
            if (n > cap)
                continue;
            char why[512];
            trail ref = {0};
            bool ok = drive(s, BK_MEMDEV, n, NULL, &ref, false, why, sizeof why);
            char names[128] = "memdev";
            for (int bk = 0; ok && bk < BK_COUNT; bk++) {
                if (bk == BK_MEMDEV || s->max_n[bk] < n)
                    continue;
                trail t = {0};
                ok = drive(s, bk, n, &ref, &t, false, why, sizeof why) &&
                     same(s, bench_backends[bk].name, n, &ref, &t);
                free(t.v);
                add_name(names, sizeof names, bench_backends[bk].name);
            }
            if (ok)
                printf("ok   %s/%" PRId64 ": %s: %zu calls each, call by call the same\n", s->name,
                       n, names, ref.n);
            COUNT(ok);
            if (ok && z == 0) /* the scenario's code is the same at every size */
                failures &= check_failures(s, n, &ref, &injected_calls);
            if (ok && wpath && nseen < MAX_PAIRS) {
                seen[nseen] = workload_of(s, n, &ref);
                if (!update)
                    workloads &= check_workload(&seen[nseen], recorded, nrec, wpath);
                nseen++;
            }
            if (ok && strcmp(s->name, "churn") == 0)
                COUNT(check_memory(s, n));
            if (!sanitized && ok &&
                (strcmp(s->name, "churn") == 0 || strcmp(s->name, "lookup_rand") == 0))
                COUNT(check_own_counts(s, n));
            free(ref.v);
        }
    }
    if (failures)
        printf("ok   failures: %u calls made to fail, each stopped its scenario there with a "
               "reason\n",
               injected_calls);
    COUNT(failures);
    if (wpath && update) {
        FILE *f = fopen(wpath, "w");
        if (!f) {
            fprintf(stderr, "same_work: cannot write --workloads '%s'\n", wpath);
            return 2;
        }
        fprintf(f,
                "# The work each benchmark scenario asks for at n <= %d: NAME N CALLS "
                "FINGERPRINT\n# of memdev's calls and their inputs, in order (bench/same_work.c)."
                " Written by\n# same_work --workloads FILE --update; a change here means the "
                "figures before and\n# after it compare different work.\n",
                MAX_N);
        for (int i = 0; i < nseen; i++)
            fprintf(f, "%s %" PRId64 " %zu 0x%016" PRIx64 "\n", seen[i].name, seen[i].n,
                    seen[i].calls, seen[i].print);
        if (fclose(f) != 0) {
            fprintf(stderr, "same_work: cannot write --workloads '%s'\n", wpath);
            return 2;
        }
        printf("ok   workloads: %d fingerprints written to %s\n", nseen, wpath);
    } else if (wpath) {
        if (workloads)
            printf("ok   workloads: %d scenario sizes ask for the work %s records\n", nseen, wpath);
        COUNT(workloads);
    }
    printf("same_work: %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
