/* SPDX-License-Identifier: MIT */
/*
 * same_work.c - a benchmark's ratio means something only when every structure was asked for the
 * same work and gave the same answers: a baseline that places one device elsewhere searches
 * another tree from then on, one whose lookup misses stops early, a scenario whose requests
 * depend on the structure compares different requests. The shim (bench_main.cc) only checks
 * that each call succeeded.
 *
 * For every scenario at each of its sizes up to MAX_N (4096; argv[1] lowers it), every
 * structure that runs it is driven through a table that records each call it gets (setup,
 * timed steps and the untimed work between them): the call, a hash of all its inputs, whether
 * it succeeded and what it answered (the address a plug placed at, the start a lookup found,
 * the address a free query gave). After the last step, each structure that has a lookup is
 * asked at every address a plug returned and at the byte before it. Every structure's record
 * must equal memdev's call by call. One line per scenario and size; a difference names its
 * call. Ends with "N passed, N failed"; exit 0 all agree, 1 a difference or a failed call,
 * 2 usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

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
    int rc = inner->create(cfg, out);
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
    int rc = inner->plug(s, d, handle, &placed);
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
    int rc = inner->unplug(s, id, addr);
    note(OP_UNPLUG, mix(mix_str(0, id), addr), addr, 0, rc == 0, 0);
    return rc;
}

static int w_lookup(void *s, uint64_t gpa, uint64_t *start) {
    uint64_t at = 0;
    int found = inner->lookup(s, gpa, &at);
    if (found == 1)
        *start = at;
    note(OP_LOOKUP, mix(0, gpa), gpa, 0, found == 1, at);
    return found;
}

static int w_free(void *s, uint64_t size, uint64_t align, uint64_t *addr) {
    uint64_t at = 0;
    int rc = inner->free_fit(s, size, align, &at);
    if (rc == 0)
        *addr = at;
    note(OP_FREE, mix(mix(0, size), align), size, align, rc == 0, at);
    return rc;
}

static int w_vmem(void *s, const char *id, bool plug, uint64_t off, uint64_t len) {
    int rc = inner->vmem(s, id, plug, off, len);
    note(OP_VMEM, mix(mix(mix(mix_str(0, id), plug), off), len), off, len, rc == 0, 0);
    return rc;
}

static int w_validate(void *s, char *msg, size_t cap) {
    int rc = inner->validate(s, msg, cap);
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
 * Runs scenario s at n on backend bk as the shim does (setup, then steps, each followed by the
 * untimed work between steps), recording into t; then probes the final state at every plug's
 * answer of the reference trail ref (memdev's; NULL: memdev's own run, probed at its own).
 * False with the failure printed.
 */
static bool drive(const bench_scenario *s, int bk, int64_t n, const trail *ref, trail *t) {
    char err[512];
    bench_backend tab = recording(bk);
    inner = &bench_backends[bk];
    rec = t;
    cur_phase = PH_SETUP;
    cur_step = 0;
    bench_ctx *c = bench_ctx_new(s, bk, &tab, n, err, sizeof err);
    if (!c) {
        printf("FAIL %s/%s/%" PRId64 ": %s\n", s->name, tab.name, n, err);
        return false;
    }
    bool ok = true;
    size_t k = steps_for(s, n);
    for (size_t i = 0; ok && i < k; i++) {
        cur_step = (uint32_t)i;
        cur_phase = PH_STEP;
        if (s->step(c) != 0) {
            printf("FAIL %s/%s/%" PRId64 ": step %zu: %s\n", s->name, tab.name, n, i,
                   bench_ctx_error(c));
            ok = false;
        } else if (s->after_step) {
            cur_phase = PH_AFTER;
            if (s->after_step(c) != 0) {
                printf("FAIL %s/%s/%" PRId64 ": after step %zu: %s\n", s->name, tab.name, n, i,
                       bench_ctx_error(c));
                ok = false;
            }
        }
    }
    /* The final state, through the scenario's own space (NULL when the scenario keeps none
       between steps: fill). The probe answers are recorded like every other call. */
    void *sp = ok && tab.lookup ? bench_ctx_space(c) : NULL;
    const trail *from = ref ? ref : t;
    size_t nref = from->n, probes = 0;
    cur_phase = PH_PROBE;
    for (size_t i = 0; sp && i < nref && probes < NPROBES_MAX; i++) {
        /* (a copy: when from is t, the lookups below grow it) */
        const call p = from->v[i];
        if ((p.op != OP_PLUG && p.op != OP_PLUG_AT) || !p.ok)
            continue;
        uint64_t start;
        tab.lookup(sp, p.out, &start);
        tab.lookup(sp, p.out - 1, &start);
        probes++;
    }
    bench_ctx_free(c);
    if (t->oom) {
        printf("FAIL %s/%s/%" PRId64 ": out of memory for the record\n", s->name, tab.name, n);
        ok = false;
    }
    return ok;
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

int main(int argc, char **argv) {
    int64_t cap = MAX_N;
    char *end = NULL;
    if (argc == 2)
        cap = strtoll(argv[1], &end, 10);
    if (argc > 2 || (argc == 2 && (end == argv[1] || *end || cap < 1 || cap > MAX_N))) {
        fprintf(stderr, "same_work: usage: same_work [MAX_N], MAX_N from 1 to %d (default %d)\n",
                MAX_N, MAX_N);
        return 2;
    }
    unsigned passed = 0, failed = 0;
    for (size_t si = 0; si < bench_nscenarios; si++) {
        const bench_scenario *s = &bench_scenarios[si];
        for (size_t z = 0; z < s->nsizes; z++) {
            int64_t n = s->sizes[z];
            if (n > cap || s->max_n[BK_MEMDEV] < n)
                continue;
            trail ref = {0};
            bool ok = drive(s, BK_MEMDEV, n, NULL, &ref);
            char names[128] = "memdev";
            for (int bk = 0; ok && bk < BK_COUNT; bk++) {
                if (bk == BK_MEMDEV || s->max_n[bk] < n)
                    continue;
                trail t = {0};
                ok = drive(s, bk, n, &ref, &t) && same(s, bench_backends[bk].name, n, &ref, &t);
                free(t.v);
                strncat(names, " ", sizeof names - strlen(names) - 1);
                strncat(names, bench_backends[bk].name, sizeof names - strlen(names) - 1);
            }
            if (ok) {
                passed++;
                printf("ok   %s/%" PRId64 ": %s: %zu calls each, call by call the same\n", s->name,
                       n, names, ref.n);
            } else {
                failed++;
            }
            free(ref.v);
        }
    }
    if (passed + failed == 0) {
        fprintf(stderr, "same_work: no scenario has a size up to %" PRId64 "\n", cap);
        return 2;
    }
    printf("same_work: %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
