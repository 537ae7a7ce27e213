/* SPDX-License-Identifier: MIT */
/*
 * wtree.h - the window tree: a gap-augmented B+tree of the plugged, non-empty devices of a
 * window, ordered by address, with exact lowest-address aligned first fit in O(log n) for a
 * fixed set of alignment classes and exact first fit for every other power of two. See
 * wtree.c for the layout and its invariants. Ranges here are inclusive [first, last] so that
 * a range ending at 2^64 is representable.
 */
#ifndef MEMDEV_WTREE_H
#define MEMDEV_WTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memdev.h"

#define WT_LB 34 /* entries per leaf: 34 * 16 + 20 = 564 bytes in nine cache lines */
_Static_assert(WT_LB <= 64, "a leaf's holes fit a 64-bit mask");
#ifndef WT_IB
#define WT_IB                                                                                      \
    8 /* children per inner node: sep[] and child[] are one line each (16 for fewer                \
         levels; see bench/README.md: the fuzzer then rarely reaches an inner split) */
#endif
#define WT_K 7     /* alignment classes with exact per-row summaries (with the mask: one line) */
#define WT_MAXH 24 /* bound on the height: 8^22 leaves is far beyond 2^32 entries */

/*
 * A leaf: up to WT_LB entries and the gaps in front of them. Gap i lies between entry i - 1
 * and entry i; gap 0 starts at gs (the previous leaf's last entry + 1, or the window base).
 * The gap after the last leaf's last entry (the tail) belongs to no leaf. An entry is 16
 * bytes: its first byte, its size in 4 KiB pages and its dev word, in three arrays. A size
 * that is no whole number of pages below 2^32 pages (16 TiB) is "wide": pages[i] is 0 and
 * the entry's last byte is in the tree's wide table (struct wt_wide). A lookup reads the
 * lines of first[] (compared at once) and one line each of pages[] and dev[].
 */
#define WT_PAGE_SHIFT 12

struct wt_leaf {
    uint64_t first[WT_LB]; /* sorted; unused slots: UINT64_MAX */
    uint32_t pages[WT_LB]; /* size >> WT_PAGE_SHIFT; 0: wide */
    uint32_t dev[WT_LB];
    uint64_t gs;    /* start of gap 0 */
    uint64_t holes; /* bit i: gap i is not empty */
    uint32_t n;
    uint8_t pad_[12];
};

/* The last bytes of the wide entries, by first byte: linear probing, at most half full. */
struct wt_wide_slot {
    uint64_t first, last; /* a free slot: last < first */
};

struct wt_wide {
    struct wt_wide_slot *slot;
    uint32_t cap; /* 0 or a power of two */
    uint32_t n;
};

/* The slot where the probe for the wide entry at `first` starts (cap > 0): Fibonacci hashing,
   the product's top log2(cap) bits, which every bit of `first` reaches. (Bits 32 and up, the
   hash before, were the same for every start aligned to 2^(32 + log2 cap): 60,000 devices of
   16 TiB at 64 TiB steps went to two slots, and each probe walked half the table.) */
static inline uint32_t wt_wide_home(const struct wt_wide *w, uint64_t first) {
    return (uint32_t)((first * 0x9e3779b97f4a7c15ull) >> (64 - __builtin_ctz(w->cap)));
}

static inline bool wt_wide_free(const struct wt_wide_slot *s) {
    return s->last < s->first;
}

/* What a subtree shows its parent: per class the largest usable gap, and a start mask. */
struct wt_sum {
    uint64_t s[WT_K];
    uint64_t a; /* every bit set here is set in -(start) of every non-empty gap below */
};

_Static_assert(sizeof(struct wt_sum) == 64, "a row's summary is one cache line");

/*
 * Line 0 (separators) and line 1 (children) are all a lookup reads; a row's summary and
 * mask are one line of their own, so an update of a row writes one line. n is read only
 * where a node changes (unused slots hold sentinels).
 */
struct wt_inner {
    uint64_t sep[WT_IB]; /* row r: start of the first gap of child r's subtree; unused: MAX */
    void *child[WT_IB];  /* leaves when the node is at depth height - 1, else inner nodes */
    struct wt_sum row[WT_IB];
    uint32_t n;
    uint8_t pad_[60];
};

_Static_assert(sizeof(struct wt_leaf) % 64 == 0, "a leaf is whole cache lines");
_Static_assert(sizeof(struct wt_inner) % 64 == 0, "an inner node is whole cache lines");

#define WT_LPAGE 64 /* leaves per page (36 KiB) */
#define WT_IPAGE 32 /* inner nodes per page (24 KiB) */

/*
 * Nodes come in pages (allocated through the hook, 64-byte aligned), every node of a new page
 * on the free list; a free node's first word links the list and its n is WT_FREE_MARK, a
 * count no node in the tree has [I6].
 */
#define WT_FREE_MARK UINT32_MAX

struct wt_pool {
    void **page; /* what the allocator returned, one per page, in address order */
    uint32_t npages, cap;
    uint32_t nfree; /* nodes on the free list */
    uint32_t live;  /* nodes in the tree */
    void *free;     /* free list */
};

/*
 * Where the owner keeps each entry's leaf ([I8]): placed(ctx, dev, n, leaf) is called for the
 * n entries (dev words) an insert puts into a leaf or moves to another one (splits, spills,
 * merges, borrows), a run at a time so the owner can fetch its records together;
 * hint(ctx, dev) returns what the owner holds, for the validator. An unplug then fetches the
 * leaf straight from its record, while the descent to it runs.
 */
typedef void (*wt_placed_fn)(void *ctx, const uint32_t *dev, uint32_t n, const void *leaf);
typedef const void *(*wt_hint_fn)(const void *ctx, uint32_t dev);

typedef struct wtree {
    memdev_allocator al;
    uint64_t base, last; /* the window, inclusive */
    void *root;          /* NULL when empty */
    uint32_t height;     /* 0: root is a leaf */
    uint32_t count;      /* entries */
    uint64_t max_last;   /* last byte of the last entry (count > 0) */
    struct wt_sum root_sum;
    struct wt_pool leaves, inners;
    wt_placed_fn placed; /* NULL: no hints */
    wt_hint_fn hint;
    void *hint_ctx;
    struct wt_wide wide; /* last bytes of the entries whose size pages[] cannot hold */
    uint8_t simd;        /* kernels: WT_SCALAR, WT_AVX2, WT_AVX512 (same results; tests run each) */
} wtree;

/* Where an entry goes: the path to a leaf and a position in it (first fit or descent). */
typedef struct wt_pos {
    struct wt_inner *node[WT_MAXH];
    uint32_t idx[WT_MAXH];
    struct wt_leaf *leaf;
    uint32_t pos;
    uint32_t searched; /* leaves wtree_first_fit searched: 1 for a class alignment, for any
                          other the leaves its bound did not skip (test_wtree bounds it) */
} wt_pos;

void wtree_init(wtree *t, const memdev_allocator *al, uint64_t base, uint64_t last);
void wtree_fini(wtree *t);
/* The owner's leaf hints ([I8]), set once before the first insert. */
void wtree_set_hints(wtree *t, wt_placed_fn placed, wt_hint_fn hint, void *ctx);
/* Fetches the lines of a leaf a hint names, ahead of wtree_remove(). */
static inline void wtree_prefetch_leaf(const void *leaf) {
    for (uint32_t i = 0; i < sizeof(struct wt_leaf) / 64; i++)
        __builtin_prefetch((const char *)leaf + 64 * i);
}

/* Makes sure the next wtree_insert() of `size` bytes cannot fail: 0 or MEMDEV_ENOMEM. */
int wtree_reserve(wtree *t, uint64_t size);
/*
 * Inserts [first, last] (disjoint from every entry, inside the window). Needs a reserve.
 * pos may be NULL, or what wtree_first_fit() or wtree_first_overlap() returned for exactly
 * this range with no change to the tree since.
 */
void wtree_insert(wtree *t, const wt_pos *pos, uint64_t first, uint64_t last, uint32_t dev);
/* Removes the entry that starts at `first`; none does: nothing changes. Never allocates. */
void wtree_remove(wtree *t, uint64_t first);

/*
 * Lowest a >= align_up(base, align), a multiple of align, with [a, a + size - 1] free and in
 * the window. The caller has checked that align_up(base, align) + size does not wrap.
 * Returns 0 and *addr (and *pos for the insert, when pos is not NULL), or MEMDEV_EFRAGMENTED.
 * Never changes the tree.
 */
int wtree_first_fit(const wtree *t, uint64_t size, uint64_t align, uint64_t *addr, wt_pos *pos);

/* Device containing gpa: true with its dev word and range. */
bool wtree_find(const wtree *t, uint64_t gpa, uint32_t *dev, uint64_t *first, uint64_t *last);
/*
 * Lowest-addressed entry overlapping [first, last]: true and *dev. When false and pos is not
 * NULL, *pos is where [first, last] goes.
 */
bool wtree_first_overlap(const wtree *t, uint64_t first, uint64_t last, uint32_t *dev, wt_pos *pos);
/* Largest free range of the window (bytes). */
uint64_t wtree_largest_gap(const wtree *t);

/* In-order iteration. */
typedef struct wt_iter {
    const struct wt_inner *node[WT_MAXH];
    uint32_t idx[WT_MAXH];
    const struct wt_leaf *leaf;
    uint32_t pos;
} wt_iter;
void wtree_iter_begin(const wtree *t, wt_iter *it);
bool wtree_iter_next(const wtree *t, wt_iter *it, uint64_t *first, uint64_t *last, uint32_t *dev);

/* Recomputes every summary and checks the structure; 0 or MEMDEV_EINVARIANT with msg. */
int wtree_validate(const wtree *t, char *msg, size_t cap);
/* Bytes of node memory held (pages, page tables and the wide table). */
size_t wtree_memory(const wtree *t);
/* Every block the tree holds (for the benchmarks' memory split). */
void wtree_blocks(const wtree *t, void (*fn)(void *ctx, const void *block), void *ctx);

/* The alignment of class k (1 << wt_class_log2[k]). */
extern const uint8_t wt_class_log2[WT_K];
/* The best kernels this CPU runs (wtree_init sets t->simd to it). */
enum wt_kernels { WT_SCALAR, WT_AVX2, WT_AVX512 };
uint8_t wtree_simd_available(void);

/* align_up(x, a) for a power of two a; false when it wraps. */
static inline bool wt_align_up(uint64_t x, uint64_t a, uint64_t *out) {
    uint64_t r = (x + (a - 1)) & ~(a - 1);
    if (r < x)
        return false;
    *out = r;
    return true;
}

#endif /* MEMDEV_WTREE_H */
