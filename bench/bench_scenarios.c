/* SPDX-License-Identifier: MIT */
/*
 * bench_scenarios.c - the benchmark scenarios of issue 4 as plain C: an untimed setup that
 * builds a window of n devices and a timed step of one or two operations. Everything is
 * seeded (one fixed seed per scenario), so every backend sees the same requests in the same
 * order and two commits see the same work. The window is huge (2^56 bytes), the budget equals
 * it and there is no KVM/vhost limit, so budget and memslot limits never interfere: the
 * scenarios measure placement, lookup and remapping, not admission failures. Only decided
 * devices (dynamic virtio-mem) meet the spec's 256-memslot soft limit, in vmem_churn.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define BASE (4 * GiB)
#define WINDOW (1ull << 56)
#define ID_STRIDE 12 /* "d" + up to 10 digits + NUL */
#define NGPA 65536   /* random lookup addresses, cycled */

struct bench_ctx {
    const bench_scenario *sc;
    const bench_backend *b;
    int bk;
    int64_t n;
    void *sp;
    uint64_t rng;
    char *ids;
    uint64_t *addr;
    uint32_t *churn;
    size_t nchurn;
    memdev_device_desc *specs;
    uint64_t *gpas;
    size_t pos;
    uint8_t *bits;
    uint64_t expect;
    double bytes_per_dev;
    double self_bytes_per_dev;
    size_t heap_before;
    char err[256];
};

static uint64_t rnd(bench_ctx *c)
{
    /* xorshift64*: fast, and the same sequence for every backend. */
    c->rng ^= c->rng >> 12;
    c->rng ^= c->rng << 25;
    c->rng ^= c->rng >> 27;
    return c->rng * 2685821657736338717ull;
}

static size_t heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static const char *id_of(const bench_ctx *c, size_t i)
{
    return c->ids + i * ID_STRIDE;
}

/* Records why a step or setup failed (x: the address, size or index involved). */
static int fail(bench_ctx *c, const char *op, int rc, uint64_t x)
{
    if (rc == 0)
        snprintf(c->err, sizeof c->err, "%s (%s) failed at 0x%llx", op, c->b->name,
                 (unsigned long long)x);
    else
        snprintf(c->err, sizeof c->err, "%s (%s) failed: %s (%d) at 0x%llx", op, c->b->name,
                 memdev_error_name(rc), rc, (unsigned long long)x);
    return -1;
}

static int make_space(bench_ctx *c, uint64_t budget)
{
    memdev_config cfg = {.base = BASE, .size = WINDOW, .budget = budget};
    int rc = c->b->create(&cfg, &c->sp);
    return rc ? fail(c, "create", rc, 0) : 0;
}

/* Ids "d0".."d<n-1>" plus per-device arrays; allocated before the heap snapshot. */
static int alloc_arrays(bench_ctx *c, size_t n)
{
    c->ids = malloc(n * ID_STRIDE);
    c->addr = calloc(n, sizeof *c->addr);
    c->churn = calloc(n, sizeof *c->churn);
    if (!c->ids || !c->addr || !c->churn) {
        snprintf(c->err, sizeof c->err, "out of memory for %zu devices", n);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        snprintf(c->ids + i * ID_STRIDE, ID_STRIDE, "d%u", (unsigned)i);
    return 0;
}

/*
 * An unpluggable device as VMMs hot-plug them: virtio-mem with 1 MiB, 2 MiB and 128 MiB
 * blocks (placement alignment = block), sometimes 1 GiB aligned (hugetlbfs 1G backend).
 */
static void spec_vmem(bench_ctx *c, memdev_device_desc *d, const char *id)
{
    uint64_t r = rnd(c), pick = r % 16, k = (r >> 8) % 32 + 1;
    *d = (memdev_device_desc){.id = id, .kind = MEMDEV_VIRTIO_MEM, .fields = MEMDEV_F_BLOCK};
    if (pick < 8) {
        d->block = 2 * MiB, d->align = 2 * MiB, d->size = k * 2 * MiB;
    } else if (pick < 11) {
        d->block = MiB, d->align = 4 * KiB, d->size = k * MiB;
    } else if (pick < 14) {
        d->block = 128 * MiB, d->align = 2 * MiB, d->size = (k % 8 + 1) * 128 * MiB;
    } else {
        d->block = 2 * MiB, d->align = GiB, d->size = (k % 2 + 1) * GiB;
    }
}

/* A permanent 4 KiB-aligned device (virtio-pmem on a memfd): odd sizes, alignment holes. */
static void spec_pmem(bench_ctx *c, memdev_device_desc *d, const char *id)
{
    uint64_t r = rnd(c);
    *d = (memdev_device_desc){.id = id, .kind = MEMDEV_VIRTIO_PMEM, .align = 4 * KiB,
                              .size = (r % 512 + 1) * 4 * KiB};
    if ((r >> 16) % 8 == 0)
        d->align = 2 * MiB, d->size = ((r >> 20) % 16 + 1) * 2 * MiB;
}

static int fixed_pmem(bench_ctx *c, size_t i, uint64_t addr, uint64_t size)
{
    memdev_device_desc d = {.id = id_of(c, i), .kind = MEMDEV_VIRTIO_PMEM, .size = size,
                            .align = 4 * KiB, .fields = MEMDEV_F_ADDR, .addr = addr};
    int rc = c->b->plug(c->sp, &d, (uint32_t)i, &c->addr[i]);
    return rc ? fail(c, "fixed plug", rc, addr) : 0;
}

static double ops_one(int64_t n)
{
    (void)n;
    return 1;
}

static double ops_two(int64_t n)
{
    (void)n;
    return 2;
}

static double ops_n(int64_t n)
{
    return (double)n;
}

/* ---- churn: steady population, 1 in 8 permanent 4 KiB-aligned ---------------------------- */

static int setup_population(bench_ctx *c)
{
    size_t n = (size_t)c->n;
    if (alloc_arrays(c, n))
        return -1;
    size_t before = heap_bytes();
    if (make_space(c, WINDOW))
        return -1;
    for (size_t i = 0; i < n; i++) {
        memdev_device_desc d;
        if (i % 8 == 7)
            spec_pmem(c, &d, id_of(c, i));
        else
            spec_vmem(c, &d, id_of(c, i));
        int rc = c->b->plug(c->sp, &d, (uint32_t)i, &c->addr[i]);
        if (rc)
            return fail(c, "plug", rc, i);
        if (d.kind == MEMDEV_VIRTIO_MEM)
            c->churn[c->nchurn++] = (uint32_t)i;
    }
    c->bytes_per_dev = (double)(heap_bytes() - before) / (double)n;
    return 0;
}

static int step_churn(bench_ctx *c)
{
    uint32_t i = c->churn[rnd(c) % c->nchurn];
    int rc = c->b->unplug(c->sp, id_of(c, i), c->addr[i]);
    if (rc)
        return fail(c, "unplug", rc, c->addr[i]);
    memdev_device_desc d;
    spec_vmem(c, &d, id_of(c, i));
    rc = c->b->plug(c->sp, &d, i, &c->addr[i]);
    return rc ? fail(c, "plug", rc, d.size) : 0;
}

/* ---- fill: n first-fit plugs into an empty window ---------------------------------------- */

static int do_fill(bench_ctx *c)
{
    int rc = make_space(c, WINDOW);
    for (size_t i = 0; rc == 0 && i < (size_t)c->n; i++) {
        rc = c->b->plug(c->sp, &c->specs[i], (uint32_t)i, NULL);
        if (rc)
            return fail(c, "plug", rc, i);
    }
    return rc;
}

/* Steps are separate functions from what setups call, so instruction counts can be
   collected on step_* alone (bench/compare --mode instr, callgrind --toggle-collect). */
static int step_fill(bench_ctx *c)
{
    return do_fill(c);
}

static int after_fill(bench_ctx *c)
{
    c->b->destroy(c->sp);
    c->sp = NULL;
    return 0;
}

static int setup_fill(bench_ctx *c)
{
    size_t n = (size_t)c->n;
    if (alloc_arrays(c, n))
        return -1;
    c->specs = calloc(n, sizeof *c->specs);
    if (!c->specs)
        return fail(c, "calloc", MEMDEV_ENOMEM, n);
    for (size_t i = 0; i < n; i++) {
        if (i % 2)
            spec_pmem(c, &c->specs[i], id_of(c, i));
        else
            spec_vmem(c, &c->specs[i], id_of(c, i));
        if (i % 64 == 3) /* now and then a 1 GiB-aligned pmem (hugetlbfs) */
            c->specs[i].align = GiB, c->specs[i].size = GiB;
    }
    /* One untimed fill measures the memory and checks that every plug succeeds. */
    size_t before = heap_bytes();
    if (do_fill(c))
        return -1;
    c->bytes_per_dev = (double)(heap_bytes() - before) / (double)n;
    return after_fill(c);
}

/* ---- frag: n gaps that pass every length filter but fail the alignment -------------------- */
/*
 * Device i is [BASE + 4 MiB i, +8 KiB): each gap is 4 MiB - 8 KiB long and starts 8 KiB past a
 * 4 MiB boundary. A request of 2 MiB + 4 KiB at 2 MiB alignment (frag_seen) fits no gap but
 * the tail; so does 2 MiB at any alignment >= 4 MiB (frag_unseen, 19 alignments that no
 * device has, more than memdev's MEMDEV_MAX_CLASSES). Exact first fit must reject all n.
 */
static int setup_frag(bench_ctx *c)
{
    size_t n = (size_t)c->n;
    if (alloc_arrays(c, n))
        return -1;
    size_t before = heap_bytes();
    if (make_space(c, WINDOW))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (fixed_pmem(c, i, BASE + 4 * MiB * i, 8 * KiB))
            return -1;
    c->bytes_per_dev = (double)(heap_bytes() - before) / (double)n;
    c->expect = BASE + 4 * MiB * (n - 1) + 2 * MiB;
    /* Warm-up: memdev registers the 2 MiB alignment class on first use (O(n), once). */
    uint64_t a;
    return c->b->free_fit(c->sp, 2 * MiB + 4 * KiB, 2 * MiB, &a) ? -1 : 0;
}

static int step_frag_seen(bench_ctx *c)
{
    uint64_t a = 0;
    int rc = c->b->free_fit(c->sp, 2 * MiB + 4 * KiB, 2 * MiB, &a);
    if (rc || a != c->expect)
        return fail(c, "free (wrong address or error)", rc, a);
    return 0;
}

static int step_frag_unseen(bench_ctx *c)
{
    uint64_t align = 4 * MiB << (c->pos++ % 19), a = 0;
    uint64_t tail = BASE + 4 * MiB * ((uint64_t)c->n - 1) + 8 * KiB;
    int rc = c->b->free_fit(c->sp, 2 * MiB, align, &a);
    if (rc || a != ((tail + align - 1) & ~(align - 1)))
        return fail(c, "free (wrong address or error)", rc, a);
    return 0;
}

/* ---- fixed: plug at a hint into one of n holes, then unplug -------------------------------- */

static int do_fixed(bench_ctx *c)
{
    size_t n = (size_t)c->n;
    uint64_t at = BASE + 2 * GiB * (rnd(c) % n) + GiB;
    memdev_device_desc d = {.id = id_of(c, n), .kind = MEMDEV_VIRTIO_MEM, .size = GiB,
                            .align = 2 * MiB, .fields = MEMDEV_F_ADDR | MEMDEV_F_BLOCK,
                            .addr = at, .block = 2 * MiB};
    int rc = c->b->plug(c->sp, &d, (uint32_t)n, NULL);
    if (rc)
        return fail(c, "plug at hint", rc, at);
    rc = c->b->unplug(c->sp, id_of(c, n), at);
    return rc ? fail(c, "unplug", rc, at) : 0;
}

static int setup_fixed(bench_ctx *c)
{
    size_t n = (size_t)c->n;
    if (alloc_arrays(c, n + 1))
        return -1;
    size_t before = heap_bytes();
    if (make_space(c, WINDOW))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (fixed_pmem(c, i, BASE + 2 * GiB * i, GiB))
            return -1;
    c->bytes_per_dev = (double)(heap_bytes() - before) / (double)n;
    /* Warm-up, so the O(n) first use of the 2 MiB class is not in the first timed step. */
    return do_fixed(c);
}

static int step_fixed(bench_ctx *c)
{
    return do_fixed(c);
}

/* ---- lookup: n single-memslot devices (n mapped memslots), random / sequential gpa -------- */

static int setup_lookup(bench_ctx *c)
{
    size_t n = (size_t)c->n;
    if (alloc_arrays(c, n))
        return -1;
    c->gpas = calloc(NGPA, sizeof *c->gpas);
    if (!c->gpas)
        return fail(c, "calloc", MEMDEV_ENOMEM, NGPA);
    size_t before = heap_bytes();
    if (make_space(c, WINDOW))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (fixed_pmem(c, i, BASE + GiB * i, 512 * MiB))
            return -1;
    c->bytes_per_dev = (double)(heap_bytes() - before) / (double)n;
    for (size_t i = 0; i < NGPA; i++)
        c->gpas[i] = BASE + GiB * (rnd(c) % n) + rnd(c) % (512 * MiB);
    return 0;
}

static int step_lookup_rand(bench_ctx *c)
{
    uint64_t gpa = c->gpas[c->pos++ % NGPA], start;
    if (c->b->lookup(c->sp, gpa, &start) != 1)
        return fail(c, "lookup (miss)", 0, gpa);
    return 0;
}

static int step_lookup_seq(bench_ctx *c)
{
    if (c->pos >= (size_t)c->n)
        c->pos = 0;
    uint64_t gpa = BASE + GiB * c->pos + (c->pos & 0xffff) * 4 * KiB, start;
    c->pos++;
    if (c->b->lookup(c->sp, gpa, &start) != 1)
        return fail(c, "lookup (miss)", 0, gpa);
    return 0;
}

/* ---- vmem_churn: one virtio-mem device of n 2 MiB blocks, dynamic memslots ---------------- */

static int setup_vmem(bench_ctx *c)
{
    size_t n = (size_t)c->n;
    uint64_t size = (uint64_t)n * 2 * MiB;
    c->bits = calloc(n / 8 + 1, 1);
    if (!c->bits)
        return fail(c, "calloc", MEMDEV_ENOMEM, n);
    size_t before = heap_bytes();
    /* budget == size: the decision gives the soft limit's 256 memslots (>= 1 GiB each). */
    if (make_space(c, size))
        return -1;
    memdev_device_desc d = {.id = "vm", .kind = MEMDEV_VIRTIO_MEM, .size = size,
                            .align = 2 * MiB, .block = 2 * MiB, .requested = size,
                            .dynamic = true,
                            .fields = MEMDEV_F_BLOCK | MEMDEV_F_REQUESTED | MEMDEV_F_DYNAMIC};
    int rc = c->b->plug(c->sp, &d, 0, NULL);
    if (rc)
        return fail(c, "plug", rc, size);
    c->heap_before = before;
    return 0;
}

static int do_vmem(bench_ctx *c)
{
    uint64_t blk = rnd(c) % (uint64_t)c->n;
    uint8_t m = (uint8_t)(1u << (blk % 8));
    bool plug = !(c->bits[blk / 8] & m);
    int rc = c->b->vmem(c->sp, "vm", plug, blk * 2 * MiB, 2 * MiB);
    if (rc)
        return fail(c, plug ? "vmem plug" : "vmem unplug", rc, blk);
    c->bits[blk / 8] ^= m;
    return 0;
}

static int step_vmem(bench_ctx *c)
{
    return do_vmem(c);
}

/* Setup plus n random toggles, so the device is about half plugged in scattered extents. */
static int setup_vmem_half(bench_ctx *c)
{
    if (setup_vmem(c))
        return -1;
    for (int64_t i = 0; i < c->n; i++)
        if (do_vmem(c))
            return -1;
    /* The one device's bytes, with the extents of its scattered plugged blocks. */
    c->bytes_per_dev = (double)(heap_bytes() - c->heap_before);
    return 0;
}

/* ---- validate: the full invariant check on a churn population ------------------------------ */

static int step_validate(bench_ctx *c)
{
    int rc = c->b->validate(c->sp, c->err, sizeof c->err);
    return rc ? -1 : 0;
}

/* ---- the table ------------------------------------------------------------------------------ */

static const int64_t sizes_pow4[] = {1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20};
static const int64_t sizes_lookup[] = {1 << 10, 1 << 12, 1 << 14, 1 << 15, 1 << 20};

#define SIZES(a) a, sizeof a / sizeof a[0]
#define SQ "skipped: the model's setup is O(n^2) (linear work per plug): 10 s to minutes at this n"

const bench_scenario bench_scenarios[] = {
    {"churn", "unplug a random virtio-mem device and first-fit plug a new one (mixed sizes, "
              "4K/1M/2M/128M/1G alignments), steady population n; 2 ops/step",
     SIZES(sizes_pow4), {1 << 20, 1 << 16, 1 << 20}, {NULL, SQ, NULL}, ops_two,
     setup_population, step_churn, NULL},
    {"fill", "n first-fit plugs (mixed kinds, sizes, alignments) into an empty window; "
             "n ops/step (create + plugs; destroy untimed)",
     SIZES(sizes_pow4), {1 << 20, 1 << 14, 1 << 20},
     {NULL, "skipped: one fill is O(n^2) for the model: seconds per iteration", NULL}, ops_n,
     setup_fill, step_fill, after_fill},
    {"frag_seen", "first fit (free query) for 2M+4K at 2M in a window of n gaps that all pass "
                  "the length filter and fail the alignment; 1 op/step",
     SIZES(sizes_pow4), {1 << 20, 1 << 16, 1 << 20}, {NULL, SQ, NULL}, ops_one, setup_frag,
     step_frag_seen, NULL},
    {"frag_unseen", "as frag_seen with 2M at 19 cycling alignments 4M..1T that no device "
                    "uses (more than MEMDEV_MAX_CLASSES); 1 op/step",
     SIZES(sizes_pow4), {1 << 20, 1 << 16, 1 << 20}, {NULL, SQ, NULL}, ops_one, setup_frag,
     step_frag_unseen, NULL},
    {"fixed", "plug a 1G virtio-mem at a hint into one of n holes, then unplug it; 2 ops/step",
     SIZES(sizes_pow4), {1 << 20, 1 << 16, 1 << 20}, {NULL, SQ, NULL}, ops_two, setup_fixed,
     step_fixed, NULL},
    {"lookup_rand", "lookup of a random gpa inside one of n devices (n mapped memslots); "
                    "1 op/step",
     SIZES(sizes_lookup), {1 << 20, 1 << 15, 1 << 20}, {NULL, SQ, NULL}, ops_one,
     setup_lookup, step_lookup_rand, NULL},
    {"lookup_seq", "lookup of ascending gpas, one per device, wrapping; 1 op/step",
     SIZES(sizes_lookup), {1 << 20, 1 << 15, 1 << 20}, {NULL, SQ, NULL}, ops_one,
     setup_lookup, step_lookup_seq, NULL},
    {"vmem_churn", "toggle a random 2M block of one dynamic-memslot virtio-mem device of n "
                   "blocks (about half plugged, scattered); 1 op/step",
     SIZES(sizes_pow4), {1 << 20, 1 << 14, 0},
     {NULL, "skipped: the model's setup (n requests, each O(n)) takes minutes at this n",
      "n/a: the augtree baseline has no virtio-mem blocks"},
     ops_one, setup_vmem_half, step_vmem, NULL},
    {"validate", "memdev_validate() (augtree: its own full check) on a churn population of n",
     SIZES(sizes_pow4), {1 << 20, 0, 1 << 20}, {NULL, "n/a: the model has no validate", NULL},
     ops_one, setup_population, step_validate, NULL},
};
const size_t bench_nscenarios = sizeof bench_scenarios / sizeof bench_scenarios[0];

/* ---- state cache ---------------------------------------------------------------------------- */
/*
 * Keyed by (setup function, backend, n), so scenarios with the same setup (frag_seen and
 * frag_unseen, lookup_rand and lookup_seq, churn and validate) share one build. The model's
 * states (n <= 2^16, its setup is O(n^2)) are kept for the whole run; any other state is
 * released as soon as a different key is asked for, so at most one large state is alive.
 */
#define CACHE_SLOTS 32

static bench_ctx *cache[CACHE_SLOTS];

static bool keep(const bench_ctx *c)
{
    return c->bk == BK_MODEL && c->n <= (1 << 16);
}

static void ctx_free(bench_ctx *c)
{
    if (!c)
        return;
    if (c->sp)
        c->b->destroy(c->sp);
    free(c->ids);
    free(c->addr);
    free(c->churn);
    free(c->specs);
    free(c->gpas);
    free(c->bits);
    free(c);
}

void bench_ctx_release(void)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        ctx_free(cache[i]);
        cache[i] = NULL;
    }
}

/* Drops every state that is not kept, and the oldest kept one when all slots are full. */
static size_t cache_make_room(void)
{
    size_t w = 0;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        if (cache[i] && keep(cache[i]))
            cache[w++] = cache[i];
        else
            ctx_free(cache[i]);
    }
    for (size_t i = w; i < CACHE_SLOTS; i++)
        cache[i] = NULL;
    if (w == CACHE_SLOTS) {
        ctx_free(cache[0]);
        memmove(&cache[0], &cache[1], (CACHE_SLOTS - 1) * sizeof cache[0]);
        cache[--w] = NULL;
    }
    return w;
}

bench_ctx *bench_ctx_get(const bench_scenario *s, int backend, int64_t n, char *err, size_t cap)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        bench_ctx *c = cache[i];
        if (c && c->sc->setup == s->setup && c->bk == backend && c->n == n) {
            c->sc = s;
            return c;
        }
    }
    size_t slot = cache_make_room();
    bench_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    c->sc = s;
    c->bk = backend;
    c->b = &bench_backends[backend];
    c->n = n;
    /* One seed per scenario name: same requests for every backend and every commit. */
    c->rng = 0x9e3779b97f4a7c15ull;
    for (const char *p = s->name; *p; p++)
        c->rng = (c->rng ^ (uint8_t)*p) * 0x100000001b3ull;
    if (s->setup(c) != 0) {
        snprintf(err, cap, "setup: %s", c->err);
        ctx_free(c);
        return NULL;
    }
    if (c->sp && c->b->memory) /* fill has no space between steps */
        c->self_bytes_per_dev = (double)c->b->memory(c->sp) / (s->setup == setup_vmem_half
                                                                  ? 1.0 : (double)n);
    cache[slot] = c;
    return c;
}

const char *bench_ctx_error(const bench_ctx *c)
{
    return c->err;
}

double bench_ctx_bytes_per_device(const bench_ctx *c)
{
    return c->bytes_per_dev;
}

double bench_ctx_self_bytes_per_device(const bench_ctx *c)
{
    return c->self_bytes_per_dev;
}
