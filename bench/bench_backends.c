/* SPDX-License-Identifier: MIT */
/*
 * bench_backends.c - adapters that put memdev, the reference model and the augmented-tree
 * baseline behind the same function table, so one scenario body drives all three. The
 * adapters add nothing but argument shuffling; the augtree adapter derives the placement
 * alignment the way spec section 2 does (max of the kind's minimum and the region's align).
 * A fourth structure, bsearch, is the floor for address lookup: the devices' starts and
 * ends in sorted arrays and a branch-free binary search; it takes devices at fixed addresses
 * (the lookup scenarios' setups) and nothing else. A fifth, wtree, is memdev's window tree
 * alone (white-box), driven exactly like the augtree: the same placements, none of the API.
 */
#include <stdlib.h>
#include <string.h>

#include "augtree.h"
#include "bench.h"
#include "model.h"
#include "wtree.h"

/* ---- memdev ----------------------------------------------------------------------------- */

static int md_create(const memdev_config *cfg, void **out) {
    memdev_space *sp = NULL;
    int rc = memdev_space_create(cfg, NULL, &sp);
    *out = sp;
    return rc;
}

static void md_destroy(void *s) {
    memdev_space_destroy(s);
}

static int md_plug(void *s, const memdev_device_desc *d, uint32_t handle, uint64_t *addr) {
    (void)handle;
    memdev_plug_result r;
    int rc = memdev_plug(s, d, &r);
    if (rc == 0 && addr)
        *addr = r.addr;
    return rc;
}

static int md_unplug(void *s, const char *id, uint64_t addr) {
    (void)addr;
    return memdev_unplug(s, id);
}

static int md_lookup(void *s, uint64_t gpa, uint64_t *start) {
    memdev_lookup_result r;
    memdev_lookup(s, gpa, &r);
    *start = r.addr;
    return r.found;
}

static int md_free(void *s, uint64_t size, uint64_t align, uint64_t *addr) {
    return memdev_free(s, size, align, addr);
}

static int md_vmem(void *s, const char *id, bool plug, uint64_t off, uint64_t len) {
    return memdev_vmem_request(s, id, plug, off, len);
}

static int md_validate(void *s, char *msg, size_t cap) {
    return memdev_validate(s, msg, cap);
}

static size_t md_memory(const void *s) {
    return memdev_memory_bytes(s);
}

/* ---- reference model -------------------------------------------------------------------- */

static int mo_create(const memdev_config *cfg, void **out) {
    model_space *m = NULL;
    int rc = model_space_create(cfg, &m);
    *out = m;
    return rc;
}

static void mo_destroy(void *s) {
    model_space_destroy(s);
}

static int mo_plug(void *s, const memdev_device_desc *d, uint32_t handle, uint64_t *addr) {
    (void)handle;
    memdev_plug_result r;
    int rc = model_plug(s, d, &r);
    if (rc == 0 && addr)
        *addr = r.addr;
    return rc;
}

static int mo_unplug(void *s, const char *id, uint64_t addr) {
    (void)addr;
    return model_unplug(s, id);
}

static int mo_lookup(void *s, uint64_t gpa, uint64_t *start) {
    memdev_lookup_result r;
    model_lookup(s, gpa, &r);
    *start = r.addr;
    return r.found;
}

static int mo_free(void *s, uint64_t size, uint64_t align, uint64_t *addr) {
    return model_free(s, size, align, addr);
}

static int mo_vmem(void *s, const char *id, bool plug, uint64_t off, uint64_t len) {
    return model_vmem_request(s, id, plug, off, len);
}

/* ---- augmented AVL tree ----------------------------------------------------------------- */

static int at_create(const memdev_config *cfg, void **out) {
    augtree *t = NULL;
    int rc = augtree_create(cfg->base, cfg->size, &t);
    *out = t;
    return rc;
}

static void at_destroy(void *s) {
    augtree_destroy(s);
}

static uint64_t placement_align(const memdev_device_desc *d) {
    uint64_t a = d->align;
    if (d->kind == MEMDEV_VIRTIO_MEM) {
        uint64_t b = (d->fields & MEMDEV_F_BLOCK) ? d->block : MEMDEV_DEFAULT_BLOCK;
        a = b > a ? b : a;
    } else if (d->kind == MEMDEV_HV_BALLOON && a < (32ull << 30)) {
        a = 32ull << 30;
    }
    return a;
}

static int at_plug(void *s, const memdev_device_desc *d, uint32_t handle, uint64_t *addr) {
    if (d->fields & MEMDEV_F_ADDR) {
        int rc = augtree_plug_at(s, d->addr, d->size, handle);
        if (rc == 0 && addr)
            *addr = d->addr;
        return rc;
    }
    return augtree_plug(s, d->size, placement_align(d), handle, addr);
}

static int at_unplug(void *s, const char *id, uint64_t addr) {
    (void)id;
    return augtree_unplug(s, addr);
}

static int at_lookup(void *s, uint64_t gpa, uint64_t *start) {
    uint32_t dev;
    return augtree_lookup(s, gpa, &dev, start) ? 1 : 0;
}

static int at_free(void *s, uint64_t size, uint64_t align, uint64_t *addr) {
    return augtree_first_fit(s, size, align, addr);
}

static int at_validate(void *s, char *msg, size_t cap) {
    return augtree_validate(s, msg, cap);
}

static size_t at_memory(const void *s) {
    return augtree_memory(s);
}

/* ---- sorted arrays, branch-free binary search (the lookup floor) ------------------------ */

typedef struct bsearch_arr {
    uint64_t *start, *last;
    size_t n, cap;
    uint64_t base, wlast; /* the window, inclusive */
} bsearch_arr;

static int bs_create(const memdev_config *cfg, void **out) {
    bsearch_arr *a = calloc(1, sizeof *a);
    *out = a;
    if (!a)
        return MEMDEV_ENOMEM;
    a->base = cfg->base;
    a->wlast = cfg->base + (cfg->size - 1);
    return 0;
}

static void bs_destroy(void *s) {
    bsearch_arr *a = s;
    free(a->start);
    free(a->last);
    free(a);
}

/* Index of the last start <= gpa, or 0 (the caller checks). No branch on the data: the
   compiler turns the conditional into a cmov (Khuong and Morin's branch-free search). */
static size_t bs_floor(const bsearch_arr *a, uint64_t gpa) {
    const uint64_t *base = a->start;
    size_t len = a->n;
    while (len > 1) {
        size_t half = len / 2;
        base = base[half] <= gpa ? base + half : base;
        len -= half;
    }
    return (size_t)(base - a->start);
}

static int bs_plug(void *s, const memdev_device_desc *d, uint32_t handle, uint64_t *addr) {
    (void)handle;
    bsearch_arr *a = s;
    if (!(d->fields & MEMDEV_F_ADDR) || d->size == 0)
        return MEMDEV_EINVAL; /* placement is not this structure's business */
    if (d->addr < a->base || d->addr > a->wlast || d->size - 1 > a->wlast - d->addr)
        return MEMDEV_EHINTRANGE;
    if (a->n == a->cap) {
        size_t ncap = a->cap ? a->cap * 2 : 1024;
        uint64_t *ns = realloc(a->start, ncap * sizeof *ns);
        if (ns)
            a->start = ns;
        uint64_t *nl = realloc(a->last, ncap * sizeof *nl);
        if (nl)
            a->last = nl;
        if (!ns || !nl)
            return MEMDEV_ENOMEM;
        a->cap = ncap;
    }
    size_t i = a->n && a->start[0] <= d->addr ? bs_floor(a, d->addr) + 1 : 0;
    if ((i > 0 && a->last[i - 1] >= d->addr) ||
        (i < a->n && a->start[i] <= d->addr + (d->size - 1)))
        return MEMDEV_ECONFLICT;
    memmove(&a->start[i + 1], &a->start[i], (a->n - i) * sizeof a->start[0]);
    memmove(&a->last[i + 1], &a->last[i], (a->n - i) * sizeof a->last[0]);
    a->start[i] = d->addr;
    a->last[i] = d->addr + (d->size - 1);
    a->n++;
    if (addr)
        *addr = d->addr;
    return 0;
}

static int bs_lookup(void *s, uint64_t gpa, uint64_t *start) {
    const bsearch_arr *a = s;
    if (a->n == 0)
        return 0;
    size_t i = bs_floor(a, gpa);
    if (a->start[i] > gpa || a->last[i] < gpa)
        return 0;
    *start = a->start[i];
    return 1;
}

static size_t bs_memory(const void *s) {
    const bsearch_arr *a = s;
    return sizeof *a + a->cap * 2 * sizeof(uint64_t);
}

/* ---- memdev's window tree alone (white-box) ----------------------------------------------- */

static void *libc_realloc(void *ctx, void *p, size_t n) {
    (void)ctx;
    return realloc(p, n);
}

static void libc_free(void *ctx, void *p) {
    (void)ctx;
    free(p);
}

const memdev_allocator *bench_libc_allocator(void) {
    static const memdev_allocator al = {libc_realloc, libc_free, NULL};
    return &al;
}

static int wt_create(const memdev_config *cfg, void **out) {
    wtree *t = calloc(1, sizeof *t);
    *out = t;
    if (!t)
        return MEMDEV_ENOMEM;
    wtree_init(t, bench_libc_allocator(), cfg->base, cfg->base + (cfg->size - 1));
    return 0;
}

static void wt_destroy(void *s) {
    if (s)
        wtree_fini(s);
    free(s);
}

/* As the augtree adapter: placement by spec section 2's alignment, or at the given address. */
static int wt_plug(void *s, const memdev_device_desc *d, uint32_t handle, uint64_t *addr) {
    wtree *t = s;
    wt_pos pos;
    uint64_t a;
    if (wtree_reserve(t, d->size))
        return MEMDEV_ENOMEM;
    if (d->fields & MEMDEV_F_ADDR) {
        uint32_t other;
        if (d->size == 0 || d->addr < t->base || d->addr > t->last ||
            d->size - 1 > t->last - d->addr)
            return MEMDEV_EHINTRANGE;
        if (wtree_first_overlap(t, d->addr, d->addr + (d->size - 1), &other, &pos))
            return MEMDEV_ECONFLICT;
        a = d->addr;
    } else {
        int rc = wtree_first_fit(t, d->size, placement_align(d), &a, &pos);
        if (rc)
            return rc;
    }
    wtree_insert(t, &pos, a, a + (d->size - 1), handle);
    if (addr)
        *addr = a;
    return 0;
}

static int wt_unplug(void *s, const char *id, uint64_t addr) {
    (void)id;
    wtree *t = s;
    uint32_t before = t->count;
    wtree_remove(t, addr); /* removes nothing unless a device starts at addr */
    return t->count < before ? 0 : MEMDEV_EUNKNOWNID;
}

static int wt_lookup(void *s, uint64_t gpa, uint64_t *start) {
    uint32_t dev;
    uint64_t last;
    return wtree_find(s, gpa, &dev, start, &last) ? 1 : 0;
}

static int wt_free(void *s, uint64_t size, uint64_t align, uint64_t *addr) {
    return wtree_first_fit(s, size, align, addr, NULL);
}

static int wt_validate(void *s, char *msg, size_t cap) {
    return wtree_validate(s, msg, cap);
}

static size_t wt_memory(const void *s) {
    return sizeof(wtree) + wtree_memory(s);
}

const bench_backend bench_backends[BK_COUNT] = {
    [BK_MEMDEV] = {"memdev", md_create, md_destroy, md_plug, md_unplug, md_lookup, md_free, md_vmem,
                   md_validate, md_memory},
    [BK_MODEL] = {"model", mo_create, mo_destroy, mo_plug, mo_unplug, mo_lookup, mo_free, mo_vmem,
                  NULL, NULL},
    [BK_AUGTREE] = {"augtree", at_create, at_destroy, at_plug, at_unplug, at_lookup, at_free, NULL,
                    at_validate, at_memory},
    [BK_BSEARCH] = {"bsearch", bs_create, bs_destroy, bs_plug, NULL, bs_lookup, NULL, NULL, NULL,
                    bs_memory},
    [BK_WTREE] = {"wtree", wt_create, wt_destroy, wt_plug, wt_unplug, wt_lookup, wt_free, NULL,
                  wt_validate, wt_memory},
};
