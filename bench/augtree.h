/* SPDX-License-Identifier: MIT */
/*
 * augtree.h - the "classic" baseline of the benchmarks: a pointer-based AVL tree of devices
 * keyed by address, each node caching the largest free gap in its subtree (the design Linux
 * vmalloc uses for its free areas), written only so the benchmarks can compare memdev's
 * window tree against it in the same binary. It has memdev's exact placement semantics
 * (lowest aligned address, spec section 3 "First fit") but none of its bookkeeping (no ids,
 * budget, slots or memslots): devices are named by their start address. Ranges are inclusive
 * [start, last] internally so a window may end at 2^64; the API passes (addr, size).
 */
#ifndef MEMDEV_BENCH_AUGTREE_H
#define MEMDEV_BENCH_AUGTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The tree, visible so that augtree_test can break one on purpose and see augtree_validate
 * find it (a validator that checks less would also take less time in the validate benchmark).
 * Invariants: I1 devices in order, disjoint, inside the window; I2 each node's gap is the free
 * range before it; I3 each node's max_gap is the largest gap of its subtree; I4 heights exact
 * and AVL-balanced; I5 max_last is the highest device's last byte; and count is the node count.
 */
typedef struct aug_node {
    uint64_t start, last;
    uint64_t gap;     /* free bytes before this device (I2) */
    uint64_t max_gap; /* I3 */
    struct aug_node *left, *right;
    int32_t height;
    uint32_t dev;
} aug_node;

typedef struct augtree {
    uint64_t base, wlast; /* window, inclusive */
    uint64_t max_last;    /* I5 */
    aug_node *root;
    size_t count;
} augtree;

/* Window [base, base + size); size > 0, base + size <= 2^64. MEMDEV_EINVAL, MEMDEV_ENOMEM. */
int augtree_create(uint64_t base, uint64_t size, augtree **out);
/* NULL is accepted. O(n). */
void augtree_destroy(augtree *t);

/*
 * Lowest a >= align_up(base, align), a multiple of align, with [a, a + size) free and inside
 * the window. MEMDEV_EINVAL (size 0, align not a power of two), MEMDEV_EFRAGMENTED.
 * Filters subtrees by max_gap >= size (necessary), verifies each candidate gap exactly and
 * backtracks: O(log n) when the first gap of length >= size fits, O(n) worst case.
 */
int augtree_first_fit(const augtree *t, uint64_t size, uint64_t align, uint64_t *addr);
/* First fit, then insert; `dev` is an opaque handle returned by lookups. */
int augtree_plug(augtree *t, uint64_t size, uint64_t align, uint32_t dev, uint64_t *addr);
/* Insert at a fixed address: MEMDEV_EINVAL, MEMDEV_EHINTRANGE, MEMDEV_ECONFLICT. O(log n). */
int augtree_plug_at(augtree *t, uint64_t addr, uint64_t size, uint32_t dev);
/* Removes the device starting at addr: MEMDEV_EUNKNOWNID when there is none. O(log n). */
int augtree_unplug(augtree *t, uint64_t addr);
/* Device containing gpa: true with its handle and start. O(log n). */
bool augtree_lookup(const augtree *t, uint64_t gpa, uint32_t *dev, uint64_t *start);

size_t augtree_count(const augtree *t);
/* Largest free range of the window in bytes. O(log n). */
uint64_t augtree_largest_gap(const augtree *t);
/* Bytes of memory held (tree header + nodes, as requested from malloc). */
size_t augtree_memory(const augtree *t);
/*
 * Recomputes every gap, subtree maximum and height and checks order, disjointness, window
 * bounds and AVL balance. 0 or MEMDEV_EINVARIANT with the first violation in msg. O(n).
 */
int augtree_validate(const augtree *t, char *msg, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* MEMDEV_BENCH_AUGTREE_H */
