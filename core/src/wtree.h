/* SPDX-License-Identifier: MIT */
/*
 * wtree.h - the window tree: a gap-augmented B+tree of the plugged, non-empty devices of a
 * window, ordered by address, with exact lowest-address aligned first fit in O(log n).
 * See wtree.c for the layout and its invariants. Ranges here are inclusive [first, last] so
 * that a range ending at 2^64 is representable.
 */
#ifndef MEMDEV_WTREE_H
#define MEMDEV_WTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memdev.h"

#define WT_B 16    /* entries per leaf, children per inner node */
#define WT_MAXH 32 /* bound on the height (path stack size) */
#define WT_K MEMDEV_MAX_CLASSES
#define WT_NIL UINT32_MAX

struct wt_leaf {
    uint64_t first[WT_B];
    uint64_t last[WT_B];
    uint32_t dev[WT_B];
    uint32_t n;
    uint32_t next;      /* next leaf in address order; free-list link when free */
    uint64_t sum[WT_K]; /* per class: largest usable size of the gaps between entries */
};

struct wt_inner {
    uint64_t lo[WT_B]; /* first address of child's first device */
    uint64_t hi[WT_B]; /* last address of child's last device */
    uint32_t child[WT_B];
    uint32_t n;
    uint32_t next_free;
    uint64_t sum[WT_K];        /* per class: max over rows of max(csum, bnd) */
    uint64_t csum[WT_K][WT_B]; /* copy of child's sum[] */
    uint64_t bnd[WT_K][WT_B];  /* usable size of the gap before child r (0 for r = 0) */
};

typedef struct wtree {
    memdev_allocator al;
    uint64_t base, last; /* the window, inclusive */
    struct wt_leaf *leaves;
    struct wt_inner *inners;
    uint32_t leaf_cap, leaf_used, leaf_free, leaf_nfree;
    uint32_t inner_cap, inner_used, inner_free, inner_nfree;
    uint32_t root;   /* WT_NIL when empty */
    uint32_t height; /* 0: root is a leaf */
    uint32_t count;  /* entries */
    uint32_t ncls;   /* registered classes; class 0 is alignment 1 */
    uint64_t cls_align[WT_K];
    uint64_t root_sum[WT_K];
} wtree;

void wtree_init(wtree *t, const memdev_allocator *al, uint64_t base, uint64_t last);
void wtree_fini(wtree *t);

/* Makes sure the next wtree_insert() cannot fail: 0 or MEMDEV_ENOMEM. */
int wtree_reserve(wtree *t);
/* Inserts [first, last] (disjoint from every entry, inside the window). Needs a reserve. */
void wtree_insert(wtree *t, uint64_t first, uint64_t last, uint32_t dev);
/* Removes the entry that starts at `first` (must exist). Never allocates. */
void wtree_remove(wtree *t, uint64_t first);

/*
 * Lowest a >= align_up(base, align), a multiple of align, with [a, a + size - 1] free and in
 * the window. The caller has checked that align_up(base, align) + size does not wrap.
 * Returns 0 and *addr, or MEMDEV_EFRAGMENTED. May register a new alignment class.
 */
int wtree_first_fit(wtree *t, uint64_t size, uint64_t align, uint64_t *addr);

/* Device containing gpa: true and *dev, *first. */
bool wtree_find(const wtree *t, uint64_t gpa, uint32_t *dev, uint64_t *first);
/* Lowest-addressed entry overlapping [first, last]: true and *dev. */
bool wtree_first_overlap(const wtree *t, uint64_t first, uint64_t last, uint32_t *dev);
/* Largest free range of the window (bytes). */
uint64_t wtree_largest_gap(const wtree *t);

/* In-order iteration. */
typedef struct wt_iter {
    uint32_t leaf, pos;
} wt_iter;
void wtree_iter_begin(const wtree *t, wt_iter *it);
bool wtree_iter_next(const wtree *t, wt_iter *it, uint64_t *first, uint64_t *last, uint32_t *dev);

/* Recomputes every summary and checks the structure; 0 or MEMDEV_EINVARIANT with msg. */
int wtree_validate(const wtree *t, char *msg, size_t cap);
/* Bytes of node memory in use (for the benchmarks' bytes-per-device). */
size_t wtree_memory(const wtree *t);

/* align_up(x, a) for a power of two a; false when it wraps. */
static inline bool wt_align_up(uint64_t x, uint64_t a, uint64_t *out) {
    uint64_t r = (x + (a - 1)) & ~(a - 1);
    if (r < x)
        return false;
    *out = r;
    return true;
}

#endif /* MEMDEV_WTREE_H */
