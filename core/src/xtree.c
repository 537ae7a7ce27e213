/* SPDX-License-Identifier: MIT */
/*
 * xtree.c - a virtio-mem device's plugged extents as a B+tree (xtree.h). A request finds
 * its place with one descent, then changes at most one extent in place, removes one or
 * adds one; only adding and removing touch the structure. Separators are kept loose (any
 * key between the last end on their left and the first start on their right), so a request
 * that only moves an extent's edge changes no key but the one or two beside its leaf, which
 * the descent's path names.
 *
 * Invariants (xt_validate checks each):
 * [X1] height 0 <=> root NULL <=> n 0; every leaf is at depth height - 1; n counts the
 *      extents of all leaves, nodes the nodes of the tree.
 * [X2] a node that is not the root holds XT_LMIN..XT_LEAF extents (leaf) or XT_IMIN..XT_FAN
 *      children (inner); a root leaf holds 1..XT_LEAF extents (1..XT_TINY when short), an
 *      inner root 2..XT_FAN.
 * [X3] the extents, in order, are non-empty and disjoint and do not touch (end < next start):
 *      neighbours are always merged.
 * [X4] an inner key[i], i >= 1, lies between the last end in child i - 1's subtree and the
 *      first start in child i's: last end <= key[i] <= first start. key[0] is 0.
 * [X5] the leaves are chained in order through prev/next, NULL at both ends.
 * [X6] the spare stock holds nspare nodes, at most XT_MAXH + 1; an empty tree's at most one
 *      (the short leaf a first plug reserved).
 * [X7] only a root leaf is short (tiny 1: a block of XT_TINY_BYTES, room for XT_TINY
 *      extents); every other node has tiny 0 and the full size.
 *
 *   split (a full leaf gets one more)        merge (a leaf fell below XT_LMIN)
 *   [a b c d e] + x  ->  [a b c] | [d e x]   [a] [b c d]  ->  [a b c d]   (its key leaves the
 *   the right leaf's first start is its key;                               parent)
 *   x at the very end: the right leaf gets XT_LMIN, the left one keeps the rest (24 of 30)
 *
 *   a short root leaf: the first extent's (56 bytes); one more than XT_TINY moves the
 *   extents to a full node (504), and a full root leaf down to XT_TINY / 2 extents moves
 *   back to a short one when that block can be had (if not, it stays full: memory, not a
 *   result, so the request still succeeds).
 */
#include "xtree.h"

#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(struct xt_node) <= 512, "a node is at most eight cache lines");

_Static_assert(XT_TINY >= 1 && XT_TINY < XT_LEAF, "a short leaf is shorter than a leaf");

/* ---- the node stock --------------------------------------------------------------------- */

static struct xt_node *take(struct xtree *t) {
    struct xt_node *x = t->spare; /* xt_reserve made sure there is one */
    t->spare = x->u.lf.next;
    t->nspare--;
    t->nodes++;
    memset(x, 0, sizeof *x);
    return x;
}

static void give(struct xtree *t, const memdev_allocator *al, struct xt_node *x) {
    t->nodes--;
    if (t->nspare > XT_MAXH) {
        al->free(al->ctx, x);
        return;
    }
    x->u.lf.next = t->spare;
    t->spare = x;
    t->nspare++;
}

/* Spare nodes given back to the allocator until `keep` are left. */
static void drop_spares(struct xtree *t, const memdev_allocator *al, uint32_t keep) {
    while (t->nspare > keep) {
        struct xt_node *x = t->spare;
        t->spare = x->u.lf.next;
        t->nspare--;
        al->free(al->ctx, x);
    }
}

int xt_reserve(struct xtree *t, const memdev_allocator *al, uint32_t nodes) {
    if (!t->root) { /* a first plug: the short leaf it starts the tree with */
        if (nodes == 0 || t->nspare)
            return 0;
        struct xt_node *x = al->realloc(al->ctx, NULL, XT_TINY_BYTES);
        if (!x)
            return MEMDEV_ENOMEM;
        x->u.lf.next = NULL;
        t->spare = x;
        t->nspare = 1;
        return 0;
    }
    uint32_t had = t->nspare;
    while (t->nspare < nodes) {
        struct xt_node *x = al->realloc(al->ctx, NULL, sizeof *x);
        if (!x) { /* give back what this call took: a failed request changes nothing */
            drop_spares(t, al, had);
            return MEMDEV_ENOMEM;
        }
        x->u.lf.next = t->spare;
        t->spare = x;
        t->nspare++;
    }
    return 0;
}

/* ---- the short root leaf [X7] ----------------------------------------------------------- */

/* Block y (XT_TINY_BYTES) made an empty short leaf. */
static struct xt_node *short_leaf(struct xt_node *y) {
    memset(y, 0, XT_TINY_BYTES);
    y->tiny = 1;
    return y;
}

/* The extents of the tree's one leaf move into y (a short leaf or a full node), which becomes
 * the root; the old root's block goes back to the allocator. The node count stays. */
static void move_root_leaf(struct xtree *t, const memdev_allocator *al, struct xt_node *y) {
    struct xt_node *x = t->root;
    y->n = x->n;
    memcpy(y->u.lf.e, x->u.lf.e, x->n * sizeof x->u.lf.e[0]);
    t->root = y;
    al->free(al->ctx, x);
}

/* ---- search ----------------------------------------------------------------------------- */

/*
 * How many of the first n keys (sorted, n >= 1: an inner node has two children at least) are
 * <= x, and how many of the first n extents (n >= 1: a leaf of a tree is never empty) end at
 * or before x: binary searches whose steps are conditional moves, not branches (the outcome
 * of each compare is a coin toss for a random request).
 */
static uint32_t keys_le(const uint64_t *k, uint32_t n, uint64_t x) {
    const uint64_t *b = k;
    while (n > 1) {
        uint32_t half = n / 2;
        b = b[half - 1] <= x ? b + half : b;
        n -= half;
    }
    return (uint32_t)(b - k) + (*b <= x);
}

static uint32_t ends_le(const struct extent *e, uint32_t n, uint64_t x) {
    const struct extent *b = e;
    while (n > 1) {
        uint32_t half = n / 2;
        b = b[half - 1].end <= x ? b + half : b;
        n -= half;
    }
    return (uint32_t)(b - e) + (b->end <= x);
}

/* The path to the first extent with end > off (idx[0] may be the leaf's n). Tree not empty. */
static void descend(const struct xtree *t, uint64_t off, struct xt_path *p) {
    struct xt_node *x = t->root;
    for (uint32_t l = t->height - 1; l > 0; l--) {
        /* the last child whose key is <= off, child 0 if none ([X4]: key[0] is not a key) */
        uint32_t i = keys_le(&x->u.in.key[1], x->n - 1, off);
        p->node[l] = x;
        p->idx[l] = i;
        x = x->u.in.c[i];
    }
    p->node[0] = x;
    p->idx[0] = ends_le(x->u.lf.e, x->n, off);
}

/* The extent before the path's position, and the one at it (either may be in a neighbour). */
static struct extent *pred_of(const struct xt_path *p) {
    struct xt_node *l = p->node[0];
    if (p->idx[0] > 0)
        return &l->u.lf.e[p->idx[0] - 1];
    return l->u.lf.prev ? &l->u.lf.prev->u.lf.e[l->u.lf.prev->n - 1] : NULL;
}

static struct extent *succ_of(const struct xt_path *p) {
    struct xt_node *l = p->node[0];
    if (p->idx[0] < l->n)
        return &l->u.lf.e[p->idx[0]];
    return l->u.lf.next ? &l->u.lf.next->u.lf.e[0] : NULL;
}

/* The key between the path's leaf and the leaf after it (right) or before it; NULL at an end. */
static uint64_t *sep(const struct xtree *t, struct xt_path *p, bool right) {
    for (uint32_t l = 1; l < t->height; l++) {
        struct xt_node *x = p->node[l];
        uint32_t i = p->idx[l];
        if (right && i + 1 < x->n)
            return &x->u.in.key[i + 1];
        if (!right && i > 0)
            return &x->u.in.key[i];
    }
    return NULL;
}

/*
 * Nodes an insert at the path's leaf takes: a leaf split, the full parents above it, a root;
 * or the full node a full short root leaf grows into.
 */
static uint32_t insert_nodes(const struct xtree *t, const struct xt_path *p) {
    if (p->node[0]->tiny)
        return p->node[0]->n < XT_TINY ? 0 : 1;
    if (p->node[0]->n < XT_LEAF)
        return 0;
    uint32_t l = 1;
    while (l < t->height && p->node[l]->n == XT_FAN)
        l++;
    return l < t->height ? l : l + 1;
}

/* A plug of [off, end) joins a (the extent before) and b (the one after) where they touch. */
static void plug_joins(const struct extent *a, const struct extent *b, uint64_t off, uint64_t end,
                       bool *left, bool *right) {
    *left = a && a->end == off;
    *right = b && b->start == end;
}

bool xt_plug_check(const struct xtree *t, uint64_t off, uint64_t end, uint32_t *nodes,
                   struct xt_path *p) {
    *nodes = 1;
    if (!t->root)
        return true;
    descend(t, off, p);
    const struct extent *a = pred_of(p), *b = succ_of(p);
    if (b && b->start < end)
        return false;
    bool left, right;
    plug_joins(a, b, off, end, &left, &right);
    *nodes = left || right ? 0 : insert_nodes(t, p);
    return true;
}

bool xt_unplug_check(const struct xtree *t, uint64_t off, uint64_t end, uint32_t *nodes,
                     struct xt_path *p) {
    *nodes = 0;
    if (!t->root)
        return false;
    descend(t, off, p);
    const struct extent *b = succ_of(p);
    if (!b || b->start > off || b->end < end)
        return false;
    if (b->start < off && b->end > end)
        *nodes = insert_nodes(t, p);
    return true;
}

uint64_t xt_bytes_in(const struct xtree *t, uint64_t s0, uint64_t s1) {
    if (!t->root)
        return 0;
    struct xt_path p;
    descend(t, s0, &p);
    uint64_t in = 0;
    for (const struct xt_node *l = p.node[0]; l; l = l->u.lf.next) {
        for (uint32_t i = l == p.node[0] ? p.idx[0] : 0; i < l->n; i++) {
            const struct extent *e = &l->u.lf.e[i];
            if (e->start >= s1)
                return in;
            /* start < s1 and end > s0 (the descent's first, then later ones): they overlap */
            uint64_t lo = e->start > s0 ? e->start : s0, hi = e->end < s1 ? e->end : s1;
            in += hi - lo;
        }
    }
    return in;
}

const struct xt_node *xt_first_leaf(const struct xtree *t) {
    const struct xt_node *x = t->root;
    for (uint32_t l = t->height; x && l > 1; l--)
        x = x->u.in.c[0];
    return x;
}

/* ---- insert ----------------------------------------------------------------------------- */

/* Child c with key k goes in at index i of inner node x (room checked by the caller). */
static void inner_put(struct xt_node *x, uint32_t i, uint64_t k, struct xt_node *c) {
    memmove(&x->u.in.key[i + 1], &x->u.in.key[i], (x->n - i) * sizeof k);
    memmove(&x->u.in.c[i + 1], &x->u.in.c[i], (x->n - i) * sizeof c);
    x->u.in.key[i] = k;
    x->u.in.c[i] = c;
    x->n++;
}

/* Right (key k) joins the parents on the path above level l, splitting full ones. */
static void grow_up(struct xtree *t, struct xt_path *p, uint32_t l, uint64_t k,
                    struct xt_node *right) {
    for (; l < t->height; l++) {
        struct xt_node *x = p->node[l];
        uint32_t i = p->idx[l] + 1;
        if (x->n < XT_FAN) {
            inner_put(x, i, k, right);
            return;
        }
        /* Full: XT_FAN + 1 children, the first half stays (all but XT_IMIN when the new one
         * is the last), the key between the two halves goes up. */
        uint64_t key[XT_FAN + 1];
        struct xt_node *c[XT_FAN + 1];
        memcpy(key, x->u.in.key, i * sizeof key[0]);
        memcpy(c, x->u.in.c, i * sizeof c[0]);
        key[i] = k;
        c[i] = right;
        memcpy(&key[i + 1], &x->u.in.key[i], (XT_FAN - i) * sizeof key[0]);
        memcpy(&c[i + 1], &x->u.in.c[i], (XT_FAN - i) * sizeof c[0]);
        uint32_t h = i == XT_FAN ? XT_FAN + 1 - XT_IMIN : (XT_FAN + 1) / 2;
        struct xt_node *y = take(t);
        memcpy(x->u.in.key, key, h * sizeof key[0]);
        memcpy(x->u.in.c, c, h * sizeof c[0]);
        x->n = h;
        y->n = XT_FAN + 1 - h;
        memcpy(&y->u.in.key[1], &key[h + 1], (y->n - 1) * sizeof key[0]);
        memcpy(y->u.in.c, &c[h], y->n * sizeof c[0]);
        k = key[h];
        right = y;
    }
    struct xt_node *r = take(t); /* the root split: a new root of two */
    r->n = 2;
    r->u.in.c[0] = p->node[t->height - 1];
    r->u.in.key[1] = k;
    r->u.in.c[1] = right;
    t->root = r;
    t->height++;
}

/* Extent x goes in at the path's leaf, index j (in order with its neighbours). */
static void insert_at(struct xtree *t, const memdev_allocator *al, struct xt_path *p, uint32_t j,
                      struct extent x) {
    struct xt_node *l = p->node[0];
    t->n++;
    if (l->tiny && l->n == XT_TINY) { /* a full short root: its extents move to a full node */
        l = p->node[0] = take(t);
        t->nodes--; /* (take counts a node more: the root is still one) */
        move_root_leaf(t, al, l);
    }
    if (l->n < XT_LEAF) {
        memmove(&l->u.lf.e[j + 1], &l->u.lf.e[j], (l->n - j) * sizeof x);
        l->u.lf.e[j] = x;
        l->n++;
        return;
    }
    struct extent e[XT_LEAF + 1];
    memcpy(e, l->u.lf.e, j * sizeof x);
    e[j] = x;
    memcpy(&e[j + 1], &l->u.lf.e[j], (XT_LEAF - j) * sizeof x);
    /* even, but an extent added at the very end leaves XT_LMIN on the right, the rest on
     * the left (ascending plugs leave leaves of 24 behind, not 15) */
    uint32_t h = j == XT_LEAF ? XT_LEAF + 1 - XT_LMIN : (XT_LEAF + 1) / 2;
    struct xt_node *r = take(t);
    memcpy(l->u.lf.e, e, h * sizeof x);
    l->n = h;
    r->n = XT_LEAF + 1 - h;
    memcpy(r->u.lf.e, &e[h], r->n * sizeof x);
    r->u.lf.prev = l;
    r->u.lf.next = l->u.lf.next;
    if (l->u.lf.next)
        l->u.lf.next->u.lf.prev = r;
    l->u.lf.next = r;
    grow_up(t, p, 1, r->u.lf.e[0].start, r);
}

/* ---- remove ----------------------------------------------------------------------------- */

/* Right (the child after left in their parent, key k between them) joins left. */
static void merge(struct xt_node *left, struct xt_node *right, uint64_t k, bool leaf) {
    if (leaf) {
        memcpy(&left->u.lf.e[left->n], right->u.lf.e, right->n * sizeof right->u.lf.e[0]);
        left->u.lf.next = right->u.lf.next;
        if (right->u.lf.next)
            right->u.lf.next->u.lf.prev = left;
    } else {
        left->u.in.key[left->n] = k;
        memcpy(&left->u.in.key[left->n + 1], &right->u.in.key[1], (right->n - 1) * sizeof k);
        memcpy(&left->u.in.c[left->n], right->u.in.c, right->n * sizeof right->u.in.c[0]);
    }
    left->n += right->n;
}

/* Left and right share their entries evenly; *k, the key between them, follows. */
static void balance(struct xt_node *left, struct xt_node *right, uint64_t *k, bool leaf) {
    uint32_t total = left->n + right->n, h = total / 2;
    if (leaf) {
        struct extent e[2 * XT_LEAF];
        memcpy(e, left->u.lf.e, left->n * sizeof e[0]);
        memcpy(&e[left->n], right->u.lf.e, right->n * sizeof e[0]);
        memcpy(left->u.lf.e, e, h * sizeof e[0]);
        memcpy(right->u.lf.e, &e[h], (total - h) * sizeof e[0]);
        *k = right->u.lf.e[0].start;
    } else {
        uint64_t key[2 * XT_FAN];
        struct xt_node *c[2 * XT_FAN];
        memcpy(key, left->u.in.key, left->n * sizeof key[0]);
        key[left->n] = *k;
        memcpy(&key[left->n + 1], &right->u.in.key[1], (right->n - 1) * sizeof key[0]);
        memcpy(c, left->u.in.c, left->n * sizeof c[0]);
        memcpy(&c[left->n], right->u.in.c, right->n * sizeof c[0]);
        memcpy(left->u.in.key, key, h * sizeof key[0]);
        memcpy(left->u.in.c, c, h * sizeof c[0]);
        *k = key[h];
        right->u.in.key[0] = 0;
        memcpy(&right->u.in.key[1], &key[h + 1], (total - h - 1) * sizeof key[0]);
        memcpy(right->u.in.c, &c[h], (total - h) * sizeof c[0]);
    }
    left->n = h;
    right->n = total - h;
}

/* Removes the extent at index j of the path's leaf, then mends underfull nodes up the path. */
static void remove_at(struct xtree *t, const memdev_allocator *al, struct xt_path *p, uint32_t j) {
    struct xt_node *x = p->node[0];
    memmove(&x->u.lf.e[j], &x->u.lf.e[j + 1], (x->n - j - 1) * sizeof x->u.lf.e[0]);
    x->n--;
    t->n--;
    if (t->n == 0) { /* the root leaf went empty */
        give(t, al, x);
        t->root = NULL;
        t->height = 0;
        drop_spares(t, al, 0);
        return;
    }
    for (uint32_t l = 0; l + 1 < t->height; l++) {
        x = p->node[l];
        if (x->n >= (l ? XT_IMIN : XT_LMIN))
            return;
        struct xt_node *up = p->node[l + 1];
        uint32_t i = p->idx[l + 1], k = i + 1 < up->n ? i + 1 : i; /* k: the right one's index */
        struct xt_node *left = up->u.in.c[k - 1], *right = up->u.in.c[k];
        if (left->n + right->n > (l ? XT_FAN : XT_LEAF)) {
            balance(left, right, &up->u.in.key[k], l == 0);
            return;
        }
        merge(left, right, up->u.in.key[k], l == 0);
        memmove(&up->u.in.key[k], &up->u.in.key[k + 1], (up->n - k - 1) * sizeof(uint64_t));
        memmove(&up->u.in.c[k], &up->u.in.c[k + 1], (up->n - k - 1) * sizeof right);
        up->n--;
        give(t, al, right);
    }
    x = t->root;
    if (t->height > 1 && x->n == 1) { /* an inner root of one child: the child is the root */
        t->root = x->u.in.c[0];
        t->height--;
        give(t, al, x);
    }
    x = t->root;
    if (t->height == 1 && !x->tiny && x->n <= XT_TINY / 2) {
        /* down to a short leaf's worth: a short root again, and no stock (none needed until
         * it grows); without the block, the full leaf stays (memory, not the request's result) */
        struct xt_node *y = al->realloc(al->ctx, NULL, XT_TINY_BYTES);
        if (!y)
            return;
        move_root_leaf(t, al, short_leaf(y));
        drop_spares(t, al, 0);
    }
}

/* ---- requests --------------------------------------------------------------------------- */

void xt_plug(struct xtree *t, const memdev_allocator *al, uint64_t off, uint64_t end,
             struct xt_path *p) {
    struct extent x = {off, end};
    if (!t->root) { /* the short leaf xt_reserve stocked */
        struct xt_node *l = short_leaf(t->spare);
        t->spare = NULL;
        t->nspare = 0;
        t->nodes = 1;
        l->n = 1;
        l->u.lf.e[0] = x;
        t->root = l;
        t->height = 1;
        t->n = 1;
        return;
    }
    struct xt_node *l = p->node[0];
    uint32_t j = p->idx[0];
    struct extent *a = pred_of(p), *b = succ_of(p);
    bool left, right;
    plug_joins(a, b, off, end, &left, &right);
    uint64_t *kl = sep(t, p, false), *kr = sep(t, p, true);
    if (left && right) {
        /* a absorbs b; whichever of the two is in this leaf goes. */
        if (j == l->n) { /* b starts the next leaf: it takes a's start, a goes */
            *kr = a->start;
            b->start = a->start;
            remove_at(t, al, p, j - 1);
        } else { /* b = e[j]; a is e[j - 1] or ends the previous leaf */
            if (j == 0)
                *kl = b->end;
            a->end = b->end;
            remove_at(t, al, p, j);
        }
    } else if (left) {
        a->end = end;
        if (j == 0) /* a ends the previous leaf: the descent took *kl <= off = a's end */
            *kl = end;
        else if (j == l->n && kr && *kr < end)
            *kr = end;
    } else if (right) {
        b->start = off;
        if (j == l->n) /* b starts the next leaf: the descent stayed left of *kr > off */
            *kr = off;
    } else {
        if (j == l->n && kr && *kr < end)
            *kr = end;
        insert_at(t, al, p, j, x);
    }
}

void xt_unplug(struct xtree *t, const memdev_allocator *al, uint64_t off, uint64_t end,
               struct xt_path *p) {
    uint32_t j = p->idx[0];
    struct extent *e = &p->node[0]->u.lf.e[j];
    if (e->start == off && e->end == end) {
        remove_at(t, al, p, j);
    } else if (e->start == off) {
        e->start = end;
    } else if (e->end == end) {
        e->end = off;
    } else { /* cut in two: the tail goes in after it ([X4]: the key on the right stays) */
        struct extent tail = {end, e->end};
        e->end = off;
        insert_at(t, al, p, j + 1, tail);
    }
}

/* ---- memory ----------------------------------------------------------------------------- */

static void each_node(const struct xt_node *x, uint32_t level,
                      void (*fn)(void *ctx, const void *block), void *ctx) {
    if (level > 0)
        for (uint32_t i = 0; i < x->n; i++)
            each_node(x->u.in.c[i], level - 1, fn, ctx);
    fn(ctx, x);
}

size_t xt_memory(const struct xtree *t) {
    if (!t->root) /* [X6]: at most the short leaf a first plug reserved */
        return (size_t)t->nspare * XT_TINY_BYTES;
    size_t full = (size_t)t->nodes + t->nspare;
    return t->root->tiny ? (full - 1) * sizeof(struct xt_node) + XT_TINY_BYTES
                         : full * sizeof(struct xt_node);
}

void xt_blocks(const struct xtree *t, void (*fn)(void *ctx, const void *block), void *ctx) {
    if (t->root)
        each_node(t->root, t->height - 1, fn, ctx);
    for (const struct xt_node *x = t->spare; x; x = x->u.lf.next)
        fn(ctx, x);
}

static void free_block(void *ctx, const void *block) {
    const memdev_allocator *al = ctx;
    al->free(al->ctx, (void *)block);
}

void xt_destroy(struct xtree *t, const memdev_allocator *al) {
    if (t->root)
        each_node(t->root, t->height - 1, free_block, (void *)al);
    drop_spares(t, al, 0);
    memset(t, 0, sizeof *t);
}

/* ---- validation ------------------------------------------------------------------------- */

struct xv {
    char *why;
    size_t cap;
    const struct xt_node *prev_leaf;
    const struct extent *last; /* the last extent met, in order */
    uint64_t floor;            /* the largest key met: every later start is at least it */
    uint64_t n, nodes;
    uint64_t max_nodes;
};

static int xv_fail(struct xv *v, const char *what, uint64_t a, uint64_t b) {
    snprintf(v->why, v->cap, "%s (0x%llx, 0x%llx)", what, (unsigned long long)a,
             (unsigned long long)b);
    return -1;
}

static int xv_leaf(struct xv *v, const struct xt_node *x, bool root) {
    if (x->tiny > 1 || (x->tiny && !root))
        return xv_fail(v, "a short leaf that is not the root [X7]", x->tiny, root);
    if (x->n > (x->tiny ? XT_TINY : XT_LEAF) || x->n < (root ? 1u : XT_LMIN))
        return xv_fail(v, "a leaf holds too many or too few extents [X2]", x->n, root);
    if (x->u.lf.prev != v->prev_leaf || (v->prev_leaf && v->prev_leaf->u.lf.next != x))
        return xv_fail(v, "the leaves' chain is not their order [X5]", v->n, 0);
    for (uint32_t i = 0; i < x->n; i++) {
        const struct extent *e = &x->u.lf.e[i];
        if (e->start >= e->end || (v->last && v->last->end >= e->start))
            return xv_fail(v, "an extent is empty, out of order or touches the one before [X3]",
                           e->start, e->end);
        if (e->start < v->floor)
            return xv_fail(v, "an extent starts before the key on its left [X4]", e->start,
                           v->floor);
        v->last = e;
    }
    v->prev_leaf = x;
    v->n += x->n;
    return 0;
}

static int xv_node(struct xv *v, const struct xt_node *x, uint32_t level, bool root) {
    if (++v->nodes > v->max_nodes)
        return xv_fail(v, "more nodes in the tree than it counts [X1]", v->nodes, v->max_nodes);
    if (level == 0)
        return xv_leaf(v, x, root);
    if (x->tiny)
        return xv_fail(v, "a short inner node [X7]", x->tiny, root);
    if (x->n > XT_FAN || x->n < (root ? 2u : XT_IMIN))
        return xv_fail(v, "an inner node has too many or too few children [X2]", x->n, root);
    if (x->u.in.key[0] != 0)
        return xv_fail(v, "an inner node's unused key 0 is set [X4]", x->u.in.key[0], 0);
    for (uint32_t i = 0; i < x->n; i++) {
        if (i > 0) {
            uint64_t k = x->u.in.key[i];
            if (k < v->last->end || k < v->floor)
                return xv_fail(v, "a key lies below the last end on its left [X4]", k,
                               v->last->end);
            v->floor = k;
        }
        if (!x->u.in.c[i])
            return xv_fail(v, "an inner node has a NULL child [X1]", i, x->n);
        if (xv_node(v, x->u.in.c[i], level - 1, false))
            return -1;
    }
    return 0;
}

int xt_validate(const struct xtree *t, char *why, size_t cap) {
    struct xv v = {why, cap, NULL, NULL, 0, 0, 0, t->nodes};
    if (t->height > XT_MAXH || (t->height == 0) != (t->root == NULL) ||
        (t->height == 0) != (t->n == 0))
        return xv_fail(&v, "height, root and extent count disagree [X1]", t->height, t->n);
    if (t->root && xv_node(&v, t->root, t->height - 1, true))
        return -1;
    if (v.prev_leaf && v.prev_leaf->u.lf.next)
        return xv_fail(&v, "the last leaf has a next [X5]", v.n, 0);
    if (v.n != t->n || v.nodes != t->nodes)
        return xv_fail(&v, "the tree counts other extents or nodes than it holds [X1]", t->n,
                       t->nodes);
    uint32_t s = 0;
    for (const struct xt_node *x = t->spare; x && s <= XT_MAXH + 1; x = x->u.lf.next)
        s++;
    if (s != t->nspare || s > (t->root ? XT_MAXH + 1 : 1))
        return xv_fail(&v, "the spare nodes are not the count kept [X6]", s, t->nspare);
    return 0;
}
