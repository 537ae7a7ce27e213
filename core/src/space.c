/* SPDX-License-Identifier: MIT */
/*
 * space.c - creating a space, plugging and unplugging devices, adding vhost backends.
 *
 * Every mutating operation has three phases: check (spec section 3's checks, in order, the
 * first failure wins), reserve (every allocation the change needs: device record, id table
 * slot, long id, kind state, tree nodes), commit (infallible). So a failure, including
 * MEMDEV_ENOMEM at any allocation, returns before anything logical changed.
 */
#include "space.h"

#include <stdarg.h>
#include <stddef.h>
/* MEMDEV_PORTABLE: only the portable C paths, as a machine without SSE2 builds them (the
   `portable` preset of tests/run tests them). */
#if defined(__SSE2__) && !defined(MEMDEV_PORTABLE)
#define SPACE_SSE2 1
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* ---- allocation and errors ------------------------------------------------------------- */

static void *libc_realloc(void *ctx, void *p, size_t n) {
    (void)ctx;
    return realloc(p, n ? n : 1);
}

static void libc_free(void *ctx, void *p) {
    (void)ctx;
    free(p);
}

void *space_alloc(memdev_space *sp, size_t size) {
    return sp->al.realloc(sp->al.ctx, NULL, size);
}

void space_release(memdev_space *sp, void *p) {
    if (p)
        sp->al.free(sp->al.ctx, p);
}

/* A block of size bytes at a 64-byte boundary (a record or a bucket is one cache line, not
   two): *raw is what to give back. NULL when the allocator fails. */
static void *alloc_lines(memdev_space *sp, size_t size, void **raw) {
    if (size > SIZE_MAX - 63 || !(*raw = space_alloc(sp, size + 63)))
        return NULL;
    return (void *)(((uintptr_t)*raw + 63) & ~(uintptr_t)63);
}

int space_fail(memdev_space *sp, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sp->err, sizeof sp->err, fmt, ap);
    va_end(ap);
    return code;
}

void space_ok(memdev_space *sp) {
    sp->err[0] = '\0';
}

const char *memdev_last_error(const memdev_space *sp) {
    return sp->err;
}

static char *dup_str(memdev_space *sp, const char *s) {
    size_t n = strlen(s) + 1;
    char *p = space_alloc(sp, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* ---- the device table: records and the id table ------------------------------------------ */
/*
 * Records live in pages of DEV_PAGE (never moved, so an index names a device for its life);
 * free records are listed through their `addr`. An id of up to 15 bytes is stored in its
 * record (no heap block, one line to compare); longer ones are copied to the heap.
 *
 * The id table is a cuckoo hash of one-line buckets: an id with hash h has bucket
 * b1 = h * nbuckets >> 32 and b2 = (c(tag) - b1) mod nbuckets (partial-key cuckoo: a slot's
 * other bucket follows from its bucket and tag alone, so entries move without their records).
 * A lookup reads b1 and b2, compares the 16 tags of each at once and opens only the records
 * whose tag matches (1 in 255 for another id). The table holds at most 90% of its slots and
 * grows by half beyond (id_grow: not doubling, so that the load, and the bytes per device,
 * do not jump at each power of two of n; multiply-shift needs no power of two); an insert
 * that finds both buckets full moves entries along a random walk (undone if it fails, then
 * the table grows). A plug inserts its id in the reserve phase
 * (under the record index it is about to take) and removes it again if a later reservation
 * fails, so committing cannot fail.
 */

struct idkey {
    const char *s;
    size_t len;
    uint32_t hash;
    uint8_t tag;
    char inl[ID_INLINE]; /* the id NUL-padded, when len < ID_INLINE */
};

#ifndef ID_HASH_MASK /* (tests/unit/test_id_crowd builds the library with 0: every hash is 0) */
#define ID_HASH_MASK 0xffffffffu
#endif

static uint32_t hash_bytes(const char *s, size_t len) {
    uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
    for (; len >= 8; s += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    if (len) {
        uint64_t w = 0;
        memcpy(&w, s, len);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 32;
    }
    h *= 0xbf58476d1ce4e5b9ull;
    return (uint32_t)(h >> 32) & ID_HASH_MASK;
}

/*
 * Scans an id once: its length (counting up to MEMDEV_MAX_ID_LEN + 1 bytes), the NUL-padded
 * inline copy of a short one and its hash (hash_bytes, from the copy's two words).
 */
#if defined(SPACE_SSE2) && (defined(__GNUC__) || defined(__clang__))
/*
 * The bytes of id before its NUL, at most ID_INLINE, into out (NUL-padded); returns their
 * number. One 16-byte load when it stays inside id's page, which cannot fault though it may
 * read past the string (as strlen does): that read is outside the string's object, so the
 * address sanitizer is told not to check it, and the memory sanitizer not to follow the
 * bytes past the NUL (uninitialised, and masked to zero before anything depends on them).
 * Otherwise byte by byte.
 */
#if defined(__clang__)
#define ID_PREFIX_UNCHECKED __attribute__((no_sanitize("address", "memory")))
#else
#define ID_PREFIX_UNCHECKED __attribute__((no_sanitize_address))
#endif
ID_PREFIX_UNCHECKED static size_t id_prefix(const char *id, char *out) {
    _Static_assert(ID_INLINE == 16, "one vector");
    if (((uintptr_t)id & 4095) <= 4096 - 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)id);
        uint32_t z = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()));
        uint32_t n = z ? (uint32_t)__builtin_ctz(z) : 16;
        __m128i at = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        __m128i keep = _mm_cmplt_epi8(at, _mm_set1_epi8((char)n));
        _mm_storeu_si128((__m128i *)(void *)out, _mm_and_si128(v, keep));
        return n;
    }
#else
static size_t id_prefix(const char *id, char *out) {
#endif
    size_t n = 0;
    memset(out, 0, ID_INLINE);
    while (n < ID_INLINE && id[n]) {
        out[n] = id[n];
        n++;
    }
    return n;
}

/* hash_bytes of a short id (n < ID_INLINE bytes) from its NUL-padded copy's two words. */
static uint32_t inline_hash(const char *inl, size_t n) {
    uint64_t w0, w1, h = 0x9e3779b97f4a7c15ull ^ n;
    memcpy(&w0, inl, 8);
    memcpy(&w1, inl + 8, 8);
    if (n >= 8) {
        h = (h ^ w0) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        w0 = w1;
    }
    if (n % 8) {
        h = (h ^ w0) * 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 32;
    }
    h *= 0xbf58476d1ce4e5b9ull;
    return (uint32_t)(h >> 32) & ID_HASH_MASK;
}

static void key_of(const char *id, struct idkey *k) {
    size_t n = id_prefix(id, k->inl);
    k->s = id;
    if (n == ID_INLINE) {
        while (n <= MEMDEV_MAX_ID_LEN && id[n])
            n++;
        k->hash = hash_bytes(id, n);
    } else {
        k->hash = inline_hash(k->inl, n);
    }
    k->len = n;
    k->tag = id_tag(k->hash);
}

/* Slots of bucket b whose tag is t (t = 0: the free slots), as a bit mask. */
static inline uint32_t tag_match(const struct id_bucket *b, uint8_t t) {
#ifdef SPACE_SSE2
    __m128i v = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)b->tag), _mm_set1_epi8((char)t));
    _Static_assert(ID_SLOTS == 16, "one vector of tags");
    return (uint32_t)_mm_movemask_epi8(v);
#else
    uint32_t m = 0;
    for (uint32_t i = 0; i < ID_SLOTS; i++)
        m |= (uint32_t)(b->tag[i] == t) << i;
    return m;
#endif
}

static bool id_equal(const struct dev *v, const struct idkey *k) {
    if (k->len < ID_INLINE)
        return !(v->flags & DF_LONG_ID) && !memcmp(v->id, k->inl, ID_INLINE);
    return (v->flags & DF_LONG_ID) && !strcmp(dev_id(v), k->s);
}

static uint32_t bucket_find(const memdev_space *sp, uint32_t b, const struct idkey *k) {
    const struct id_bucket *bk = &sp->itab[b];
    for (uint32_t m = tag_match(bk, k->tag); m; m &= m - 1) {
        uint32_t di = id_slot_dev(bk, (uint32_t)__builtin_ctz(m));
        if (id_equal(space_dev(sp, di), k))
            return di;
    }
    return DEV_NIL;
}

/* Fetches both buckets of k at once: the second is not behind the first's miss (and its
   record's) when the id lives there. */
static void id_prefetch(const memdev_space *sp, const struct idkey *k) {
    if (!sp->nbuckets)
        return;
    uint32_t b = id_bucket1(k->hash, sp->nbuckets);
    __builtin_prefetch(&sp->itab[b]);
    __builtin_prefetch(&sp->itab[id_bucket_alt(b, k->tag, sp->nbuckets)]);
}

static uint32_t id_lookup(const memdev_space *sp, const struct idkey *k) {
    if (!sp->nbuckets)
        return DEV_NIL;
    uint32_t b = id_bucket1(k->hash, sp->nbuckets), di = bucket_find(sp, b, k);
    return di != DEV_NIL ? di : bucket_find(sp, id_bucket_alt(b, k->tag, sp->nbuckets), k);
}

/* The record of id (DEV_NIL: none) and the id's key in *k. */
static uint32_t find_key(const memdev_space *sp, const char *id, struct idkey *k) {
    if (!id)
        return DEV_NIL;
    key_of(id, k);
    if (k->len == 0 || k->len > MEMDEV_MAX_ID_LEN)
        return DEV_NIL;
    id_prefetch(sp, k);
    return id_lookup(sp, k);
}

uint32_t space_find(const memdev_space *sp, const char *id) {
    struct idkey k;
    return find_key(sp, id, &k);
}

/* The length of an inline id: its record's 16 bytes are NUL-padded, so no copy is needed. */
static inline size_t inline_len(const char *inl) {
#ifdef SPACE_SSE2
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)inl);
    uint32_t z = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()));
    return (size_t)__builtin_ctz(z | 1u << ID_INLINE);
#else
    size_t n = 0;
    while (n < ID_INLINE && inl[n])
        n++;
    return n;
#endif
}

/* space_id_hash, inlined into id_rebuild, which rehashes every id each time the table grows. */
static inline uint32_t record_hash(const struct dev *v) {
    if (v->flags & DF_LONG_ID) {
        const char *id = dev_id(v);
        return hash_bytes(id, strlen(id));
    }
    return inline_hash(v->id, inline_len(v->id));
}

uint32_t space_id_hash(const struct dev *v) {
    return record_hash(v);
}

/* Places (tag, di) in a free slot of bucket b: false when full. */
static bool bucket_put(struct id_bucket *bk, uint8_t tag, uint32_t di) {
    uint32_t m = tag_match(bk, 0);
    if (!m)
        return false;
    uint32_t i = (uint32_t)__builtin_ctz(m);
    bk->tag[i] = tag;
    id_slot_set(bk, i, di);
    return true;
}

#ifndef CUCKOO_WALK /* (tests/unit/test_id_walk builds the library with a walk of 2) */
#define CUCKOO_WALK 128
#endif

struct cuckoo_move {
    uint32_t b, slot;
};

/*
 * tab_insert when both buckets of (tag, di) are full, cur the first: a random walk (the entry
 * takes a slot, the evicted one goes to its other bucket, and so on); a walk that does not
 * end within CUCKOO_WALK steps is undone and false returned. Out of line: its log is a
 * kilobyte of stack that the common insert should not set up.
 */
__attribute__((noinline)) static bool tab_walk(struct id_bucket *tab, uint32_t nb, uint32_t hash,
                                               uint32_t cur, uint8_t tag, uint32_t di) {
    struct cuckoo_move log[CUCKOO_WALK];
    uint32_t n = 0;
    for (; n < CUCKOO_WALK; n++) {
        uint32_t i = (hash + n * 7) % ID_SLOTS;
        uint8_t t = tab[cur].tag[i];
        uint32_t d = id_slot_dev(&tab[cur], i);
        tab[cur].tag[i] = tag;
        id_slot_set(&tab[cur], i, di);
        log[n] = (struct cuckoo_move){cur, i};
        tag = t;
        di = d;
        cur = id_bucket_alt(cur, tag, nb);
        if (bucket_put(&tab[cur], tag, di))
            return true;
    }
    while (n-- > 0) { /* each slot takes back what was carried out of it */
        struct cuckoo_move mv = log[n];
        uint8_t t = tab[mv.b].tag[mv.slot];
        uint32_t d = id_slot_dev(&tab[mv.b], mv.slot);
        tab[mv.b].tag[mv.slot] = tag;
        id_slot_set(&tab[mv.b], mv.slot, di);
        tag = t;
        di = d;
    }
    return false;
}

/* Inserts (hash, di) into a table: into either of its buckets when one has room, else by a
   walk (tab_walk); false when the walk failed and the table is as it was. */
static inline bool tab_insert(struct id_bucket *tab, uint32_t nb, uint32_t hash, uint32_t di) {
    uint8_t tag = id_tag(hash);
    uint32_t cur = id_bucket1(hash, nb);
    return bucket_put(&tab[cur], tag, di) ||
           bucket_put(&tab[id_bucket_alt(cur, tag, nb)], tag, di) ||
           tab_walk(tab, nb, hash, cur, tag, di);
}

/* The bucket count after nb: half as many again (4 to start with). */
static uint32_t id_grow(uint32_t nb) {
    return nb ? nb + nb / 2 : 4;
}

/* id_rebuild's answer when ids share their buckets: a plug fails with MEMDEV_ENOMEM. */
#define ID_CROWDED 1

/*
 * A table of nb buckets (or larger) holding every live record and (hash, di): 0,
 * MEMDEV_ENOMEM, or ID_CROWDED, each with nothing changed. The table grows while walks get
 * stuck, but not past eight slots per id (and 64): a walk stuck at a load below 1/8 is no bad
 * luck but more ids than two buckets hold sharing their two buckets (hashes that collide), and
 * no larger table would place them. Without that bound the table would grow until no
 * allocation is left (gigabytes touched by the memset on the way).
 */
static int id_rebuild(memdev_space *sp, uint32_t nb, uint32_t hash, uint32_t di) {
    uint64_t most = 8 * ((uint64_t)sp->ndevices + 1) + 64; /* slots */
    for (;; nb = id_grow(nb)) {
        /* (a table grown for its load starts below the bound; one past it, left large by
           unplugs, in which a walk got stuck has ids crowding their buckets all the same) */
        if ((uint64_t)nb * ID_SLOTS > most)
            return ID_CROWDED;
        void *raw;
        struct id_bucket *tab = alloc_lines(sp, (size_t)nb * sizeof *tab, &raw);
        if (!tab)
            return MEMDEV_ENOMEM;
        memset(tab, 0, (size_t)nb * sizeof *tab);
        bool ok = tab_insert(tab, nb, hash, di);
        for (uint32_t i = 0; ok && i < sp->dev_used; i++) {
            const struct dev *v = space_dev(sp, i);
            if (v->flags & DF_LIVE)
                ok = tab_insert(tab, nb, record_hash(v), i);
        }
        if (ok) {
            space_release(sp, sp->itab_raw);
            sp->itab = tab;
            sp->itab_raw = raw;
            sp->nbuckets = nb;
            return 0;
        }
        space_release(sp, raw); /* a walk got stuck: a larger table */
    }
}

/*
 * Puts the id of the record di (not live yet) into the table, in the reserve phase of a
 * plug: 0, or MEMDEV_ENOMEM or ID_CROWDED with the table as it was. Entries a walk moved stay moved
 * (that is not logical state); id_remove takes the id out again when a later reservation fails.
 */
static int id_reserve(memdev_space *sp, uint32_t hash, uint32_t di) {
    uint64_t room = (uint64_t)sp->nbuckets * ID_SLOTS * 9 / 10;
    if ((uint64_t)sp->ndevices + 1 > room)
        return id_rebuild(sp, id_grow(sp->nbuckets), hash, di);
    if (tab_insert(sp->itab, sp->nbuckets, hash, di))
        return 0;
    return id_rebuild(sp, id_grow(sp->nbuckets), hash, di);
}

static void id_remove(memdev_space *sp, uint32_t hash, uint32_t di) {
    uint8_t tag = id_tag(hash);
    uint32_t b = id_bucket1(hash, sp->nbuckets);
    for (int twice = 0; twice < 2; twice++, b = id_bucket_alt(b, tag, sp->nbuckets)) {
        struct id_bucket *bk = &sp->itab[b];
        for (uint32_t m = tag_match(bk, tag); m; m &= m - 1) {
            uint32_t i = (uint32_t)__builtin_ctz(m);
            if (id_slot_dev(bk, i) == di) {
                bk->tag[i] = 0;
                return;
            }
        }
    }
}

/*
 * Room for one more record: 0 or MEMDEV_ENOMEM. The first page starts with 16 records and
 * doubles up to DEV_PAGE (a space of a few devices stays small; records may move then, which
 * only pointers returned before a change may see), later pages are DEV_PAGE records each.
 * No index reaches DEV_LIMIT: the caller refuses a plug when all DEV_LIMIT records are live,
 * and the last page holds only the records below it.
 */
static int reserve_record(memdev_space *sp) {
    if (sp->dev_free != DEV_NIL)
        return 0;
    uint32_t from = sp->dev_used, to;
    if (from >= DEV_LIMIT)
        return MEMDEV_ENOMEM;
    if (sp->dpages == sp->dpage_cap) {
        uint32_t ncap = sp->dpage_cap ? sp->dpage_cap * 2 : 4;
        if (ncap > UINT32_MAX / DEV_PAGE - 1)
            return MEMDEV_ENOMEM;
        struct dev **np = sp->al.realloc(sp->al.ctx, sp->dpage, ncap * sizeof *np);
        if (!np)
            return MEMDEV_ENOMEM;
        sp->dpage = np;
        void **nr = sp->al.realloc(sp->al.ctx, sp->draw, ncap * sizeof *nr);
        if (!nr)
            return MEMDEV_ENOMEM; /* dpage grew, harmlessly */
        sp->draw = nr;
        sp->dpage_cap = ncap;
    }
    void *raw;
    if (from < DEV_PAGE) { /* the first page grows: records move (indices do not) */
        to = from ? from * 2 : 16;
        to = to < DEV_LIMIT ? to : DEV_LIMIT;
        struct dev *pg = alloc_lines(sp, to * sizeof *pg, &raw);
        if (!pg)
            return MEMDEV_ENOMEM;
        if (from) {
            memcpy(pg, sp->dpage[0], from * sizeof *pg);
            space_release(sp, sp->draw[0]);
        }
        sp->dpage[0] = pg;
        sp->draw[0] = raw;
        sp->dpages = 1;
    } else {
        to = DEV_LIMIT - from > DEV_PAGE ? from + DEV_PAGE : DEV_LIMIT;
        struct dev *pg = alloc_lines(sp, (to - from) * sizeof *pg, &raw);
        if (!pg)
            return MEMDEV_ENOMEM;
        sp->draw[sp->dpages] = raw;
        sp->dpage[sp->dpages++] = pg;
    }
    for (uint32_t di = to; di-- > from;) {
        struct dev *v = space_dev(sp, di);
        memset(v, 0, sizeof *v);
        v->addr = sp->dev_free;
        sp->dev_free = di;
    }
    sp->dev_used = to;
    return 0;
}

static uint32_t record_take(memdev_space *sp) {
    uint32_t di = sp->dev_free;
    struct dev *v = space_dev(sp, di);
    sp->dev_free = (uint32_t)v->addr;
    memset(v, 0, sizeof *v);
    return di;
}

static void dev_free_fields(memdev_space *sp, struct dev *v) {
    if (v->flags & DF_LONG_ID) {
        char *p;
        memcpy(&p, v->id, sizeof p);
        space_release(sp, p);
    }
    if (v->x) {
        space_release(sp, v->x->memdev);
        xt_destroy(&v->x->ext, &sp->al);
        space_release(sp, v->x);
    }
}

static void record_give(memdev_space *sp, uint32_t di) {
    struct dev *v = space_dev(sp, di);
    dev_free_fields(sp, v);
    memset(v, 0, sizeof *v);
    v->addr = sp->dev_free;
    sp->dev_free = di;
}

/* ---- create / destroy ------------------------------------------------------------------ */

static int config_fail(char *msg, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int config_fail(char *msg, size_t cap, const char *fmt, ...) {
    if (msg && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, cap, fmt, ap);
        va_end(ap);
    }
    return MEMDEV_EINVAL;
}

int memdev_config_check(const memdev_config *cfg, char *msg, size_t cap) {
    if (msg && cap)
        msg[0] = '\0';
    if (!cfg)
        return config_fail(msg, cap, "no configuration");
    if (cfg->size == 0)
        return config_fail(msg, cap, "window size is 0");
    if (cfg->size - 1 > UINT64_MAX - cfg->base)
        return config_fail(msg, cap, "window [0x%llx, +0x%llx) wraps past 2^64",
                           (unsigned long long)cfg->base, (unsigned long long)cfg->size);
    if (cfg->dimm_slots > MEMDEV_MAX_DIMM_SLOTS)
        return config_fail(msg, cap, "%u DIMM slots, at most %u", cfg->dimm_slots,
                           MEMDEV_MAX_DIMM_SLOTS);
    if (cfg->has_kvm && cfg->kvm.other > cfg->kvm.max)
        return config_fail(msg, cap, "kvm: %u other memslots exceed the maximum %u", cfg->kvm.other,
                           cfg->kvm.max);
    if (cfg->n_vhost && !cfg->vhost)
        return config_fail(msg, cap, "%u vhost backends but no list", cfg->n_vhost);
    for (uint32_t i = 0; i < cfg->n_vhost; i++)
        if (cfg->vhost[i].other > cfg->vhost[i].max)
            return config_fail(msg, cap,
                               "vhost backend %u: %u other memslots exceed the maximum %u", i,
                               cfg->vhost[i].other, cfg->vhost[i].max);
    return 0;
}

/* The records of moved entries, fetched before any is written: their misses overlap. */
static inline void prefetch_records(const memdev_space *sp, const uint32_t *dev, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        __builtin_prefetch(space_dev(sp, DEV_INDEX(dev[i])), 1);
}

/* The window tree's leaf hints live in the records [I8]. */
static void leaf_placed(void *ctx, const uint32_t *dev, uint32_t n, const void *leaf) {
    const memdev_space *sp = ctx;
    if (n > 1)
        prefetch_records(sp, dev, n);
    for (uint32_t i = 0; i < n; i++)
        space_dev(sp, DEV_INDEX(dev[i]))->leaf = leaf;
}

static const void *leaf_hint(const void *ctx, uint32_t dev) {
    const memdev_space *sp = ctx;
    return DEV_INDEX(dev) < sp->dev_used ? space_dev(sp, DEV_INDEX(dev))->leaf : NULL;
}

int memdev_space_create(const memdev_config *cfg, const memdev_allocator *alloc,
                        memdev_space **out) {
    static const memdev_allocator libc_alloc = {libc_realloc, libc_free, NULL};
    const memdev_allocator *al = alloc ? alloc : &libc_alloc;
    if (!out || !al->realloc || !al->free)
        return MEMDEV_EINVAL;
    *out = NULL;
    if (memdev_config_check(cfg, NULL, 0))
        return MEMDEV_EINVAL;
    memdev_space *sp = al->realloc(al->ctx, NULL, sizeof *sp);
    if (!sp)
        return MEMDEV_ENOMEM;
    memset(sp, 0, sizeof *sp);
    sp->al = *al;
    sp->cfg = *cfg;
    sp->cfg.vhost = NULL; /* the backends are vhost[] and n_vhost: not the caller's array */
    sp->cfg.n_vhost = 0;
    sp->wlast = cfg->base + (cfg->size - 1);
    sp->vhost_min_max = sp->vhost_min_cap = UNBOUNDED;
    sp->dev_free = DEV_NIL;
    if (cfg->n_vhost) {
        sp->vhost = space_alloc(sp, cfg->n_vhost * sizeof *sp->vhost);
        if (!sp->vhost) {
            al->free(al->ctx, sp);
            return MEMDEV_ENOMEM;
        }
        sp->vhost_cap = sp->n_vhost = cfg->n_vhost;
        for (uint32_t i = 0; i < cfg->n_vhost; i++) {
            sp->vhost[i] = cfg->vhost[i];
            if (cfg->vhost[i].max < sp->vhost_min_max)
                sp->vhost_min_max = cfg->vhost[i].max;
            if ((uint64_t)cfg->vhost[i].max - cfg->vhost[i].other < sp->vhost_min_cap)
                sp->vhost_min_cap = (uint64_t)cfg->vhost[i].max - cfg->vhost[i].other;
        }
    }
    wtree_init(&sp->tree, &sp->al, cfg->base, sp->wlast);
    wtree_set_hints(&sp->tree, leaf_placed, leaf_hint, sp);
    *out = sp;
    return 0;
}

void memdev_space_destroy(memdev_space *sp) {
    if (!sp)
        return;
    for (uint32_t di = 0; di < sp->dev_used; di++) {
        struct dev *v = space_dev(sp, di);
        if (v->flags & DF_LIVE)
            dev_free_fields(sp, v);
    }
    for (uint32_t i = 0; i < sp->dpages; i++)
        space_release(sp, sp->draw[i]);
    space_release(sp, sp->dpage);
    space_release(sp, sp->draw);
    space_release(sp, sp->itab_raw);
    space_release(sp, sp->empties);
    space_release(sp, sp->vhost);
    wtree_fini(&sp->tree);
    sp->al.free(sp->al.ctx, sp);
}

/* ---- plug ------------------------------------------------------------------------------- */

/* What a plug will do, decided entirely before anything changes. */
struct plan {
    uint64_t size, align, addr, block, requested, label, s;
    uint32_t n;
    int32_t slot;
    bool decided, dynamic;
    struct idkey key;
    wt_pos pos; /* where the tree insert goes */
};

static const uint32_t kind_fields[MEMDEV_KIND_COUNT] = {
    [MEMDEV_DIMM] = MEMDEV_F_ADDR | MEMDEV_F_SLOT,
    [MEMDEV_NVDIMM] = MEMDEV_F_ADDR | MEMDEV_F_SLOT | MEMDEV_F_LABEL,
    [MEMDEV_VIRTIO_PMEM] = MEMDEV_F_ADDR,
    [MEMDEV_VIRTIO_MEM] = MEMDEV_F_ADDR | MEMDEV_F_BLOCK | MEMDEV_F_REQUESTED | MEMDEV_F_DYNAMIC,
    [MEMDEV_HV_BALLOON] = MEMDEV_F_ADDR | MEMDEV_F_EMPTY,
};

static const char *const field_names[] = {
    "addr", "slot", "block", "requested", "label", "dynamic-memslots", "empty", "node", "memdev"};

/*
 * Check 0 for the fields every kind shares. The id's key (hash, tag, inline copy) is made
 * here and its buckets are fetched while the other checks and the first fit run.
 */
static int check_form(memdev_space *sp, const memdev_device_desc *d, struct plan *p) {
    if (!d->id || !d->id[0])
        return space_fail(sp, MEMDEV_EINVAL, "the device id is empty");
    key_of(d->id, &p->key);
    if (p->key.len > MEMDEV_MAX_ID_LEN)
        return space_fail(sp, MEMDEV_EINVAL, "the device id is longer than %u bytes",
                          MEMDEV_MAX_ID_LEN);
    id_prefetch(sp, &p->key);
    if ((unsigned)d->kind >= MEMDEV_KIND_COUNT)
        return space_fail(sp, MEMDEV_EINVAL, "unknown device kind %d", (int)d->kind);
    uint32_t allowed = kind_fields[d->kind] | MEMDEV_F_NODE | MEMDEV_F_MEMDEV;
    uint32_t bad = d->fields & ~allowed;
    if (bad) {
        unsigned bit = 0;
        while (!(bad & (1u << bit)))
            bit++;
        if (bit < sizeof field_names / sizeof field_names[0])
            return space_fail(sp, MEMDEV_EINVAL, "a %s takes no '%s'", memdev_kind_name(d->kind),
                              field_names[bit]);
        return space_fail(sp, MEMDEV_EINVAL, "unknown field bit 0x%x", 1u << bit);
    }
    if ((d->fields & MEMDEV_F_EMPTY) && (d->fields & MEMDEV_F_ADDR))
        return space_fail(sp, MEMDEV_EINVAL, "an empty device takes no address");
    if (d->fields & MEMDEV_F_EMPTY)
        return 0;
    if (d->size == 0)
        return space_fail(sp, MEMDEV_EINVAL, "size is 0");
    if (!is_pow2(d->align))
        return space_fail(sp, MEMDEV_EINVAL, "align 0x%llx is not a power of two",
                          (unsigned long long)d->align);
    return 0;
}

/* Check 0 for the kind fields; sets size, align, block, requested, label of the plan. */
static int check_kind(memdev_space *sp, const memdev_device_desc *d, struct plan *p) {
    p->size = d->size;
    p->align = d->align;
    if (d->kind == MEMDEV_VIRTIO_MEM) {
        p->block = (d->fields & MEMDEV_F_BLOCK) ? d->block : MEMDEV_DEFAULT_BLOCK;
        p->requested = (d->fields & MEMDEV_F_REQUESTED) ? d->requested : 0;
        p->dynamic = (d->fields & MEMDEV_F_DYNAMIC) && d->dynamic;
        if (!is_pow2(p->block) || p->block < MiB)
            return space_fail(sp, MEMDEV_EINVAL,
                              "block 0x%llx is not a power of two of at least 1 MiB",
                              (unsigned long long)p->block);
        if (d->size & (p->block - 1))
            return space_fail(sp, MEMDEV_EINVAL, "size 0x%llx is not a multiple of block 0x%llx",
                              (unsigned long long)d->size, (unsigned long long)p->block);
        if ((p->requested & (p->block - 1)) || p->requested > d->size)
            return space_fail(sp, MEMDEV_EINVAL,
                              "requested 0x%llx is not a multiple of block 0x%llx up to size",
                              (unsigned long long)p->requested, (unsigned long long)p->block);
        if (p->block > p->align)
            p->align = p->block;
    } else if (d->kind == MEMDEV_NVDIMM) {
        p->label = (d->fields & MEMDEV_F_LABEL) ? d->label : 0;
        if (p->label && p->label < 128 * KiB)
            return space_fail(sp, MEMDEV_EINVAL, "label 0x%llx is below 128 KiB",
                              (unsigned long long)p->label);
        p->size = p->label >= d->size ? 0 : (d->size - p->label) & ~(d->align - 1);
        if (p->size == 0)
            return space_fail(sp, MEMDEV_EINVAL, "nvdimm size minus label leaves nothing to map");
    } else if (d->kind == MEMDEV_HV_BALLOON) {
        if (p->align < 32 * GiB)
            p->align = 32 * GiB;
    }
    return 0;
}

/* Checks 1, 1', 1'': the DIMM slot. */
static int check_slot(memdev_space *sp, const memdev_device_desc *d, struct plan *p) {
    p->slot = -1;
    if (d->kind != MEMDEV_DIMM && d->kind != MEMDEV_NVDIMM)
        return 0;
    uint32_t nslots = sp->cfg.dimm_slots;
    if ((d->fields & MEMDEV_F_SLOT) && d->slot >= nslots)
        return space_fail(sp, MEMDEV_EINVALSLOT, "slot %u is outside [0, %u)", d->slot, nslots);
    if (nslots == 0)
        return space_fail(sp, MEMDEV_ENOSLOTS, "the machine has no DIMM slots");
    if (d->fields & MEMDEV_F_SLOT) {
        if (sp->slot_map[d->slot / 64] >> (d->slot % 64) & 1)
            return space_fail(sp, MEMDEV_ESLOTBUSY, "slot %u is in use", d->slot);
        p->slot = (int32_t)d->slot;
        return 0;
    }
    for (uint32_t w = 0; w * 64 < nslots; w++) {
        uint64_t freebits = ~sp->slot_map[w];
        if (freebits) {
            uint32_t s = w * 64 + (uint32_t)__builtin_ctzll(freebits);
            if (s >= nslots)
                break;
            p->slot = (int32_t)s;
            return 0;
        }
    }
    return space_fail(sp, MEMDEV_ENOFREESLOT, "all %u DIMM slots are in use", nslots);
}

/* Checks 2 and 3: memslot decision and admission. */
static int check_memslots(memdev_space *sp, const memdev_device_desc *d, struct plan *p) {
    p->decided = d->kind == MEMDEV_HV_BALLOON || (d->kind == MEMDEV_VIRTIO_MEM && p->dynamic);
    p->n = 1;
    p->s = p->size;
    if (p->decided) {
        uint32_t limit = memslots_limit(sp, p->size);
        p->n = d->kind == MEMDEV_HV_BALLOON ? memslots_balloon(p->size, limit, &p->s)
                                            : memslots_vmem(p->size, p->block, limit, &p->s);
    }
    uint64_t want = (uint64_t)p->n + (sp->required - sp->used);
    if (sp->cfg.has_kvm) {
        uint64_t kfree = (uint64_t)sp->cfg.kvm.max - sp->cfg.kvm.other - sp->used;
        if (kfree < want)
            return space_fail(
                sp, MEMDEV_EKVMSLOTS, "needs %llu memslots (%u + %u reserved), KVM has %llu free",
                (unsigned long long)want, p->n, sp->required - sp->used, (unsigned long long)kfree);
    }
    if (sp->vhost_min_cap != UNBOUNDED && sp->vhost_min_cap - sp->used < want)
        return space_fail(sp, MEMDEV_EVHOSTSLOTS,
                          "needs %llu memslots (%u + %u reserved), a vhost backend has %llu free",
                          (unsigned long long)want, p->n, sp->required - sp->used,
                          (unsigned long long)(sp->vhost_min_cap - sp->used));
    return 0;
}

/* Checks 6, 7, 8 (hint) or 7', 9 (first fit). */
static int check_place(memdev_space *sp, const memdev_device_desc *d, struct plan *p) {
    uint64_t a = p->align, size = p->size;
    if (d->fields & MEMDEV_F_ADDR) {
        uint64_t hint = d->addr;
        if (hint & (a - 1))
            return space_fail(sp, MEMDEV_EHINTALIGN, "address 0x%llx is not a multiple of 0x%llx",
                              (unsigned long long)hint, (unsigned long long)a);
        if (size - 1 > UINT64_MAX - hint || hint < sp->cfg.base || hint + (size - 1) > sp->wlast)
            return space_fail(sp, MEMDEV_EHINTRANGE,
                              "[0x%llx, +0x%llx) is not inside the window [0x%llx, +0x%llx)",
                              (unsigned long long)hint, (unsigned long long)size,
                              (unsigned long long)sp->cfg.base, (unsigned long long)sp->cfg.size);
        uint32_t other;
        if (wtree_first_overlap(&sp->tree, hint, hint + (size - 1), &other, &p->pos)) {
            const struct dev *o = space_dev(sp, DEV_INDEX(other));
            return space_fail(sp, MEMDEV_ECONFLICT, "overlaps device '%s' at 0x%llx", dev_id(o),
                              (unsigned long long)o->addr);
        }
        p->addr = hint;
        return 0;
    }
    uint64_t start;
    if (!wt_align_up(sp->cfg.base, a, &start) || size - 1 > UINT64_MAX - start)
        return space_fail(sp, MEMDEV_ETOOBIG,
                          "0x%llx bytes aligned to 0x%llx cannot fit below 2^64",
                          (unsigned long long)size, (unsigned long long)a);
    if (wtree_first_fit(&sp->tree, size, a, &p->addr, &p->pos))
        return space_fail(sp, MEMDEV_EFRAGMENTED,
                          "no free range of 0x%llx bytes aligned to 0x%llx in the window",
                          (unsigned long long)size, (unsigned long long)a);
    return 0;
}

static int run_checks(memdev_space *sp, const memdev_device_desc *d, struct plan *p) {
    int rc = check_form(sp, d, p);
    if (!rc && !(d->fields & MEMDEV_F_EMPTY))
        rc = check_kind(sp, d, p);
    if (rc)
        return rc;
    if (id_lookup(sp, &p->key) != DEV_NIL)
        return space_fail(sp, MEMDEV_EDUPID, "a device '%s' is already plugged", d->id);
    if (d->fields & MEMDEV_F_EMPTY)
        return 0;
    if ((rc = check_slot(sp, d, p)) || (rc = check_memslots(sp, d, p)))
        return rc;
    if (p->size > sp->cfg.budget - sp->used_size)
        return space_fail(sp, MEMDEV_ENOSPACE, "0x%llx bytes exceed the 0x%llx left of the budget",
                          (unsigned long long)p->size,
                          (unsigned long long)(sp->cfg.budget - sp->used_size));
    if (p->size & (d->align - 1))
        return space_fail(sp, MEMDEV_ESIZEALIGN, "size 0x%llx is not a multiple of align 0x%llx",
                          (unsigned long long)p->size, (unsigned long long)d->align);
    return check_place(sp, d, p);
}

/*
 * Whether a device keeps kind state (struct dev_x) from its plug on: decided memslots, an
 * nvdimm's label and asked size, a backend name. A plain virtio-mem gets it on its first
 * block request.
 */
static bool needs_x(const memdev_device_desc *d, const struct plan *p) {
    bool empty = d->fields & MEMDEV_F_EMPTY;
    return ((d->fields & MEMDEV_F_MEMDEV) && d->memdev) ||
           (!empty && (p->decided || d->kind == MEMDEV_NVDIMM || d->kind == MEMDEV_HV_BALLOON));
}

/* The heap blocks of a plug, taken together or not at all. */
struct plug_blocks {
    char *long_id, *memdev;
    struct dev_x *x;
};

static void blocks_release(memdev_space *sp, struct plug_blocks *b) {
    space_release(sp, b->long_id);
    space_release(sp, b->memdev);
    space_release(sp, b->x);
}

/* Every allocation of the plug; on failure everything taken is given back. */
/* Room for one more empty device in the list: 0 or MEMDEV_ENOMEM. */
static int reserve_empty(memdev_space *sp) {
    if (sp->n_empty < sp->empty_cap)
        return 0;
    uint64_t ncap = sp->empty_cap ? (uint64_t)sp->empty_cap * 2 : 8;
    uint32_t *ne = ncap > UINT32_MAX
                       ? NULL
                       : sp->al.realloc(sp->al.ctx, sp->empties, (size_t)ncap * sizeof *ne);
    if (!ne)
        return MEMDEV_ENOMEM;
    /* the new room is zeroed: memdev_validate reads what a corrupted count says is listed,
       and its verdict must not depend on what the heap held there */
    memset(ne + sp->empty_cap, 0, (size_t)(ncap - sp->empty_cap) * sizeof *ne);
    sp->empties = ne;
    sp->empty_cap = (uint32_t)ncap;
    return 0;
}

/*
 * Every allocation of the plug; on failure everything taken is given back and sp->err says
 * why: out of memory, or DEV_LIMIT devices plugged (their record indices fill the 3 bytes of
 * an id table slot).
 */
static int reserve_plug(memdev_space *sp, const memdev_device_desc *d, const struct plan *p,
                        struct plug_blocks *b) {
    bool empty = d->fields & MEMDEV_F_EMPTY;
    memset(b, 0, sizeof *b);
    if (sp->ndevices >= DEV_LIMIT)
        return space_fail(sp, MEMDEV_ENOMEM,
                          "cannot plug '%s': %u devices are plugged, the most a space holds "
                          "(MEMDEV_MAX_DEVICES)",
                          d->id, sp->ndevices);
    int rc = reserve_record(sp);
    if (rc || (rc = id_reserve(sp, p->key.hash, sp->dev_free)))
        goto out;
    rc = empty ? reserve_empty(sp) : wtree_reserve(&sp->tree, p->size);
    if (!rc && p->key.len >= ID_INLINE && !(b->long_id = dup_str(sp, d->id)))
        rc = MEMDEV_ENOMEM;
    if (!rc && (d->fields & MEMDEV_F_MEMDEV) && d->memdev && !(b->memdev = dup_str(sp, d->memdev)))
        rc = MEMDEV_ENOMEM;
    if (!rc && needs_x(d, p)) {
        size_t xsize = sizeof *b->x + (p->decided ? p->n * sizeof(uint64_t) : 0);
        if ((b->x = space_alloc(sp, xsize)) != NULL)
            memset(b->x, 0, xsize);
        else
            rc = MEMDEV_ENOMEM;
    }
    if (rc) {
        blocks_release(sp, b);
        id_remove(sp, p->key.hash, sp->dev_free);
    }
out:
    if (rc == ID_CROWDED)
        return space_fail(sp, MEMDEV_ENOMEM,
                          "cannot plug '%s': more ids than the id table can keep together share "
                          "its id's hash",
                          d->id);
    return rc ? space_fail(sp, rc, "out of memory while plugging '%s'", d->id) : 0;
}

/* The record of a new device (commit phase). */
static void fill_record(struct dev *v, const memdev_device_desc *d, const struct plan *p,
                        const struct plug_blocks *b) {
    if (b->long_id) {
        memcpy(v->id, &b->long_id, sizeof b->long_id);
        v->flags |= DF_LONG_ID;
    } else {
        memcpy(v->id, p->key.inl, ID_INLINE);
    }
    v->kind = (unsigned)d->kind & 7;
    v->flags |= DF_LIVE;
    if (d->fields & MEMDEV_F_NODE)
        v->flags |= DF_HAS_NODE;
    v->node = (d->fields & MEMDEV_F_NODE) ? d->node : 0; /* 0 when not given, as the JSON says */
    v->x = b->x;
    if (b->x)
        b->x->memdev = b->memdev;
}

int memdev_plug(memdev_space *sp, const memdev_device_desc *d, memdev_plug_result *out) {
    struct plan p;
    memset(&p, 0, offsetof(struct plan, key));
    if (!d)
        return space_fail(sp, MEMDEV_EINVAL, "no device description");
    struct plug_blocks b;
    int rc = run_checks(sp, d, &p);
    if (rc || (rc = reserve_plug(sp, d, &p, &b)))
        return rc;

    uint32_t di = record_take(sp); /* the index id_reserve put in the table */
    struct dev *v = space_dev(sp, di);
    fill_record(v, d, &p, &b);
    sp->ndevices++;
    if (d->fields & MEMDEV_F_EMPTY) {
        v->flags |= DF_EMPTY;
        sp->empties[sp->n_empty++] = di;
        if (out)
            *out = (memdev_plug_result){.addr = 0, .slot = -1, .memslots = 0, .empty = true};
        space_ok(sp);
        return 0;
    }
    v->addr = p.addr;
    v->size = p.size;
    v->align_log2 = (unsigned)__builtin_ctzll(p.align) & 63;
    if (d->kind == MEMDEV_VIRTIO_MEM) {
        v->block_log2 = (unsigned)__builtin_ctzll(p.block) & 63;
        v->requested = p.requested;
    }
    if (p.dynamic)
        v->flags |= DF_DYNAMIC;
    if (p.decided)
        v->flags |= DF_DECIDED;
    v->slot1 = (unsigned)(p.slot + 1) & 511;
    if (b.x) {
        b.x->req_size = d->size;
        b.x->label = p.label;
        b.x->nslots = p.n;
        b.x->memslot_size = p.s;
        b.x->nmapped = !p.decided;
        b.x->plugged = d->kind == MEMDEV_VIRTIO_MEM || d->kind == MEMDEV_HV_BALLOON ? 0 : p.size;
    }
    if (p.slot >= 0) {
        sp->slot_map[p.slot / 64] |= 1ull << (p.slot % 64);
        sp->dimm_used++;
    }
    sp->used_size += p.size;
    sp->plugged_size += dev_plugged(v);
    sp->required += p.n;
    sp->used += dev_nmapped(v);
    if (p.decided && p.n > 1)
        sp->n_multi++;
    uint32_t word = di | (!p.decided && !b.long_id ? DEV_FAST : 0);
    wtree_insert(&sp->tree, &p.pos, p.addr, p.addr + (p.size - 1), word);
    if (out)
        *out = (memdev_plug_result){.addr = p.addr, .slot = p.slot, .memslots = p.n};
    space_ok(sp);
    return 0;
}

int space_vmem_x(memdev_space *sp, struct dev *d) {
    if (d->x)
        return 0;
    struct dev_x *x = space_alloc(sp, sizeof *x);
    if (!x)
        return MEMDEV_ENOMEM;
    memset(x, 0, sizeof *x);
    x->req_size = d->size;
    x->memslot_size = d->size;
    x->nslots = 1;
    x->nmapped = 1;
    d->x = x;
    return 0;
}

/* ---- unplug --------------------------------------------------------------------------------- */

int memdev_unplug(memdev_space *sp, const char *id) {
    struct idkey k;
    uint32_t di = find_key(sp, id, &k);
    if (di == DEV_NIL)
        return space_fail(sp, MEMDEV_EUNKNOWNID, "no device '%s' is plugged", id ? id : "");
    struct dev *v = space_dev(sp, di);
    if (!dev_empty(v)) /* its leaf comes in while the checks and the descent run [I8] */
        wtree_prefetch_leaf(v->leaf);
    if (v->kind != MEMDEV_DIMM && v->kind != MEMDEV_VIRTIO_MEM)
        return space_fail(sp, MEMDEV_ENOTUNPLUGGABLE, "a %s cannot be unplugged",
                          memdev_kind_name((memdev_kind)v->kind));
    if (v->kind == MEMDEV_VIRTIO_MEM && (dev_plugged(v) || v->requested))
        return space_fail(sp, MEMDEV_EBUSY, "'%s' has 0x%llx bytes plugged and 0x%llx requested",
                          id, (unsigned long long)dev_plugged(v), (unsigned long long)v->requested);
    wtree_remove(&sp->tree, v->addr);
    if (dev_slot(v) >= 0) {
        sp->slot_map[dev_slot(v) / 64] &= ~(1ull << (dev_slot(v) % 64));
        sp->dimm_used--;
    }
    sp->used_size -= v->size;
    sp->plugged_size -= dev_plugged(v);
    sp->required -= dev_nslots(v);
    sp->used -= dev_nmapped(v);
    if (dev_decided(v) && dev_nslots(v) > 1)
        sp->n_multi--;
    sp->ndevices--;
    id_remove(sp, k.hash, di);
    record_give(sp, di);
    space_ok(sp);
    return 0;
}

/* ---- vhost ---------------------------------------------------------------------------------- */

int memdev_vhost_add(memdev_space *sp, memdev_limit l) {
    if (l.other > l.max)
        return space_fail(sp, MEMDEV_EINVAL, "vhost backend uses %u of its %u memslots elsewhere",
                          l.other, l.max);
    if (sp->required > (uint64_t)l.max - l.other)
        return space_fail(sp, MEMDEV_EVHOSTCONFLICT,
                          "devices need %u memslots, the backend offers %u", sp->required,
                          l.max - l.other);
    if (l.max < MEMDEV_SAFE_MEMSLOTS && sp->n_multi)
        return space_fail(sp, MEMDEV_EVHOSTCONFLICT,
                          "%u device(s) decided more than one memslot; a backend with %u < %u "
                          "memslots cannot serve them",
                          sp->n_multi, l.max, MEMDEV_SAFE_MEMSLOTS);
    if (sp->n_vhost == sp->vhost_cap) {
        uint64_t ncap = sp->vhost_cap ? (uint64_t)sp->vhost_cap * 2 : 4;
        memdev_limit *nv = ncap > UINT32_MAX
                               ? NULL
                               : sp->al.realloc(sp->al.ctx, sp->vhost, (size_t)ncap * sizeof *nv);
        if (!nv)
            return space_fail(sp, MEMDEV_ENOMEM, "out of memory adding a vhost backend");
        sp->vhost = nv;
        sp->vhost_cap = (uint32_t)ncap;
    }
    sp->vhost[sp->n_vhost++] = l;
    if (l.max < sp->vhost_min_max)
        sp->vhost_min_max = l.max;
    if ((uint64_t)l.max - l.other < sp->vhost_min_cap)
        sp->vhost_min_cap = (uint64_t)l.max - l.other;
    space_ok(sp);
    return 0;
}
