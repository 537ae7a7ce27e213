/* SPDX-License-Identifier: MIT */
/*
 * bench_mem.c - bytes per device as the allocator hook sees them, split by owner. A counting
 * hook (memdev_allocator) keeps every live block and its requested size in an open-addressing
 * map; after a population is built, the space names the owner of each of its blocks
 * (space_blocks(), white-box: core/src/space.h), and the hook's live bytes are summed per
 * owner. Every live block must be claimed exactly once, so nothing the space holds escapes
 * the split and nothing is counted twice. Used on an untimed copy of the population only:
 * the timed spaces run on the C library's allocator.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "space.h"

struct slot {
    const void *p; /* NULL: empty; TOMB: deleted */
    size_t size;
    int owner; /* -1 until claimed by space_blocks */
};

struct bench_mem {
    struct slot *tab;
    size_t cap, used, live;
    size_t bytes;
};

static const char tomb_byte;
#define TOMB ((const void *)&tomb_byte)

static size_t hash_ptr(const void *p, size_t cap) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

static struct slot *find(const bench_mem *m, const void *p) {
    for (size_t i = hash_ptr(p, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->tab[i].p == p)
            return &m->tab[i];
        if (m->tab[i].p == NULL)
            return NULL;
    }
}

static int put(bench_mem *m, const void *p, size_t size);

static int rehash(bench_mem *m, size_t ncap) {
    struct slot *old = m->tab;
    size_t ocap = m->cap;
    m->tab = calloc(ncap, sizeof *m->tab);
    if (!m->tab) {
        m->tab = old;
        return -1;
    }
    m->cap = ncap;
    m->used = m->live = 0;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].p && old[i].p != TOMB)
            put(m, old[i].p, old[i].size);
    free(old);
    return 0;
}

static int put(bench_mem *m, const void *p, size_t size) {
    if ((m->used + 1) * 2 > m->cap && rehash(m, m->live * 4 > m->cap ? m->cap * 2 : m->cap))
        return -1;
    size_t i = hash_ptr(p, m->cap);
    while (m->tab[i].p && m->tab[i].p != TOMB)
        i = (i + 1) & (m->cap - 1);
    if (!m->tab[i].p)
        m->used++;
    m->tab[i] = (struct slot){p, size, -1};
    m->live++;
    return 0;
}

/* The slot of a live block (before it is freed or moved: the pointer is only a key). */
static struct slot *live_slot(bench_mem *m, const void *p) {
    struct slot *s = find(m, p);
    if (!s)
        abort(); /* a block the hook never gave out */
    return s;
}

static void drop(bench_mem *m, struct slot *s) {
    m->bytes -= s->size;
    s->p = TOMB;
    m->live--;
}

static void *mem_realloc(void *ctx, void *p, size_t n) {
    bench_mem *m = ctx;
    struct slot *s = p ? live_slot(m, p) : NULL;
    void *q = realloc(p, n ? n : 1);
    if (!q)
        return NULL;
    if (s)
        drop(m, s);
    if (put(m, q, n))
        abort();
    m->bytes += n;
    return q;
}

static void mem_free(void *ctx, void *p) {
    if (!p)
        return;
    drop(ctx, live_slot(ctx, p));
    free(p);
}

bench_mem *bench_mem_new(void) {
    bench_mem *m = calloc(1, sizeof *m);
    if (m && (m->tab = calloc(1024, sizeof *m->tab)) != NULL)
        m->cap = 1024;
    else if (m) {
        free(m);
        m = NULL;
    }
    return m;
}

void bench_mem_delete(bench_mem *m) {
    if (m) {
        free(m->tab);
        free(m);
    }
}

memdev_allocator bench_mem_allocator(bench_mem *m) {
    return (memdev_allocator){mem_realloc, mem_free, m};
}

struct claim {
    const bench_mem *m;
    size_t sum[3];
    bool ok;
};

static void claim_one(void *ctx, const void *block, enum space_owner owner) {
    struct claim *c = ctx;
    struct slot *s = find(c->m, block);
    if (!s || s->owner != -1 || (unsigned)owner > 2) {
        c->ok = false;
        return;
    }
    s->owner = (int)owner;
    c->sum[owner] += s->size;
}

bool bench_mem_split(const bench_mem *m, const memdev_space *sp, size_t out[3]) {
    struct claim c = {m, {0, 0, 0}, true};
    for (size_t i = 0; i < m->cap; i++)
        m->tab[i].owner = -1;
    space_blocks(sp, claim_one, &c);
    for (size_t i = 0; i < m->cap; i++)
        if (m->tab[i].p && m->tab[i].p != TOMB && m->tab[i].owner == -1)
            c.ok = false; /* a live block no owner claims */
    memcpy(out, c.sum, sizeof c.sum);
    return c.ok && c.sum[0] + c.sum[1] + c.sum[2] == m->bytes;
}
