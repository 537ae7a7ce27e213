/* SPDX-License-Identifier: MIT */
/*
 * xtree.h - the plugged blocks of one virtio-mem device: a B+tree of disjoint, merged
 * [start, end) extents (offsets into the device), ordered by start, leaves chained in order.
 * A block request is O(log e) to check and to apply (e extents), where the sorted array it
 * replaces moved O(e) bytes per request (bench/README.md, vmem_churn). See xtree.c for the
 * invariants [X1]-[X7]. A change that adds nodes takes them from a stock that xt_reserve
 * fills first, so a request that passed its check and its reservation cannot fail halfway.
 */
#ifndef MEMDEV_XTREE_H
#define MEMDEV_XTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memdev.h"

/* A run of plugged virtio-mem bytes [start, end), offsets into the device. */
struct extent {
    uint64_t start, end;
};

#ifndef XT_LEAF
#define XT_LEAF 30 /* extents per leaf: 30 * 16 + 24 = 504 bytes (4 in unit.test_xtree_small) */
#endif
#ifndef XT_FAN
#define XT_FAN 31 /* children per inner node: 31 * 16 + 8 = 504 bytes */
#endif
#ifndef XT_TINY
#define XT_TINY 2 /* extents of a short root leaf: 24 + 2 * 16 = 56 bytes (most devices) */
#endif
#define XT_LMIN (XT_LEAF / 4)                     /* fewest extents in a leaf not the root */
#define XT_IMIN (XT_FAN / 4 > 2 ? XT_FAN / 4 : 2) /* fewest children of an inner non-root */
#define XT_MAXH 24 /* bound on the height: 7^23 is far beyond 2^32 extents */

struct xt_node {
    uint32_t n;    /* extents (leaf) or children (inner) */
    uint32_t tiny; /* 1: a short root leaf, a block with room for XT_TINY extents only [X7] */
    union {
        struct {
            struct xt_node *prev, *next; /* the leaves in order */
            struct extent e[XT_LEAF];
        } lf;
        struct {
            uint64_t key[XT_FAN]; /* key[0] unused (0); [X4] for i >= 1 */
            struct xt_node *c[XT_FAN];
        } in;
    } u;
};

/* The block of a short root leaf: the header and XT_TINY extents. */
#define XT_TINY_BYTES (offsetof(struct xt_node, u.lf.e) + XT_TINY * sizeof(struct extent))

/* Where a request goes: the nodes from the leaf up and the index taken in each. */
struct xt_path {
    struct xt_node *node[XT_MAXH]; /* node[0] the leaf, node[height - 1] the root */
    uint32_t idx[XT_MAXH];         /* idx[0]: first extent with end > off; idx[l]: child */
};

/*
 * All zero is the empty tree. A tree of one leaf starts short (XT_TINY extents, 56 bytes
 * instead of 504: a guest plugs runs, so most devices hold one or two extents), grows to a
 * full node when it needs more room, and is made short again when it is down to one extent.
 */
struct xtree {
    struct xt_node *root;  /* NULL when empty */
    struct xt_node *spare; /* nodes kept for the next insert, linked through u.lf.next; in an
                              empty tree, only the short leaf a first plug reserved */
    uint32_t n;            /* extents */
    uint32_t height;       /* 0 empty, 1 a root leaf, h: leaves at depth h - 1 */
    uint32_t nodes;        /* in the tree, spares not counted */
    uint32_t nspare;
};

/*
 * Plug [off, end) (0 < end - off): true if it overlaps no extent; *nodes is how many nodes
 * the plug takes (a new extent in a full leaf splits it, and maybe full nodes above it),
 * which xt_reserve must make sure of before xt_plug; *p is where it goes, for xt_plug (valid
 * until the tree changes; xt_reserve does not change it). O(log e).
 */
bool xt_plug_check(const struct xtree *t, uint64_t off, uint64_t end, uint32_t *nodes,
                   struct xt_path *p);
/* Unplug [off, end): true if one extent holds it all; *nodes as above (an extent cut in two). */
bool xt_unplug_check(const struct xtree *t, uint64_t off, uint64_t end, uint32_t *nodes,
                     struct xt_path *p);
/*
 * At least `nodes` spare nodes: 0, or MEMDEV_ENOMEM with the tree as it was. Nodes freed by
 * merges are kept (up to XT_MAXH + 1), so a request allocates only when the stock is short.
 * In an empty tree the one node a first plug takes is a short leaf. A short root leaf that is
 * full takes one full node to grow into.
 */
int xt_reserve(struct xtree *t, const memdev_allocator *al, uint32_t nodes);
/* Apply a request that passed its check (and xt_reserve), with the check's path. O(log e). */
void xt_plug(struct xtree *t, const memdev_allocator *al, uint64_t off, uint64_t end,
             struct xt_path *p);
void xt_unplug(struct xtree *t, const memdev_allocator *al, uint64_t off, uint64_t end,
               struct xt_path *p);
/* Plugged bytes inside [s0, s1), s0 < s1. O(log e + extents in the range). */
uint64_t xt_bytes_in(const struct xtree *t, uint64_t s0, uint64_t s1);
/* The first leaf (NULL when empty); the others follow through u.lf.next. */
const struct xt_node *xt_first_leaf(const struct xtree *t);
/* Bytes of every node held (the tree and the spares); each block given to fn. */
size_t xt_memory(const struct xtree *t);
void xt_blocks(const struct xtree *t, void (*fn)(void *ctx, const void *block), void *ctx);
/* Every node given back; the tree is empty after it. */
void xt_destroy(struct xtree *t, const memdev_allocator *al);
/*
 * Checks [X1]-[X7]: 0, or -1 with the first violation in why (cap bytes). The extents' own
 * bounds (inside the device, on the block grid) are the caller's [S4].
 */
int xt_validate(const struct xtree *t, char *why, size_t cap);

#endif
