/* SPDX-License-Identifier: MIT */
/*
 * augtree.c - baseline for the benchmarks: an AVL tree of devices ordered by address where
 * every node caches the largest gap of its subtree, i.e. the textbook "augmented interval
 * tree" that Linux vmalloc (free areas, subtree_max_size) and many VMM allocators use. It is
 * deliberately classic: one malloc'd node per device, left/right pointers, recursive AVL
 * rebalancing. First fit is exact: a subtree is entered only when its max gap >= size (a
 * necessary condition), each gap passing that filter is verified with the alignment, and the
 * walk backtracks when it fails, so an adversarial window of misaligned gaps costs O(n).
 *
 * Invariants (checked by augtree_validate):
 *  I1 in-order = strictly increasing starts; devices are disjoint and inside the window.
 *  I2 node->gap = node->start - (predecessor's last + 1), or - base for the first device.
 *  I3 node->max_gap = max(node->gap, max_gap of both children); an empty subtree has 0.
 *  I4 node->height = 1 + max(child heights); child heights differ by at most 1 (AVL).
 *  I5 t->max_last is the last address of the highest device (meaningful when count > 0).
 * The trailing gap (after the highest device) is not in any node; first fit checks it last.
 */
#include "augtree.h"

#include <stdio.h>
#include <stdlib.h>

#include "memdev.h"

#define AUG_MAXH 96 /* AVL height bound is 1.44 log2(n + 2): far below for any 32-bit n */

static int32_t height_of(const aug_node *x) {
    return x ? x->height : 0;
}

static uint64_t max_gap_of(const aug_node *x) {
    return x ? x->max_gap : 0;
}

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c) {
    uint64_t m = a > b ? a : b;
    return m > c ? m : c;
}

static void update(aug_node *x) {
    int32_t hl = height_of(x->left), hr = height_of(x->right);
    x->height = 1 + (hl > hr ? hl : hr);
    x->max_gap = max3(x->gap, max_gap_of(x->left), max_gap_of(x->right));
}

static aug_node *rotate_right(aug_node *x) {
    aug_node *l = x->left;
    x->left = l->right;
    l->right = x;
    update(x);
    update(l);
    return l;
}

static aug_node *rotate_left(aug_node *x) {
    aug_node *r = x->right;
    x->right = r->left;
    r->left = x;
    update(x);
    update(r);
    return r;
}

/* Restores I3/I4 at x after one of its subtrees changed height by at most one. */
static aug_node *balance(aug_node *x) {
    int32_t d = height_of(x->left) - height_of(x->right);
    if (d > 1) {
        if (height_of(x->left->left) < height_of(x->left->right))
            x->left = rotate_left(x->left);
        return rotate_right(x);
    }
    if (d < -1) {
        if (height_of(x->right->right) < height_of(x->right->left))
            x->right = rotate_right(x->right);
        return rotate_left(x);
    }
    update(x);
    return x;
}

int augtree_create(uint64_t base, uint64_t size, augtree **out) {
    if (!out || size == 0 || base + (size - 1) < base)
        return MEMDEV_EINVAL;
    augtree *t = calloc(1, sizeof *t);
    if (!t)
        return MEMDEV_ENOMEM;
    t->base = base;
    t->wlast = base + (size - 1);
    *out = t;
    return 0;
}

static void free_rec(aug_node *x) {
    while (x) {
        aug_node *r = x->right;
        free_rec(x->left);
        free(x);
        x = r;
    }
}

void augtree_destroy(augtree *t) {
    if (!t)
        return;
    free_rec(t->root);
    free(t);
}

/* Lowest aligned address in the free range [g0, g1] that hosts size bytes. */
static bool gap_fits(uint64_t g0, uint64_t g1, uint64_t size, uint64_t align, uint64_t *addr) {
    uint64_t a = (g0 + (align - 1)) & ~(align - 1);
    if (a < g0 || a > g1 || g1 - a < size - 1)
        return false;
    *addr = a;
    return true;
}

int augtree_first_fit(const augtree *t, uint64_t size, uint64_t align, uint64_t *addr) {
    if (size == 0 || align == 0 || (align & (align - 1)) != 0)
        return MEMDEV_EINVAL;
    const aug_node *stack[AUG_MAXH];
    int sp = 0;
    const aug_node *x = t->root;
    for (;;) {
        while (x && x->max_gap >= size) {
            stack[sp++] = x;
            x = x->left;
        }
        if (sp == 0)
            break;
        x = stack[--sp];
        /* Everything left of x is infeasible; now the gap just before x. */
        if (x->gap >= size && gap_fits(x->start - x->gap, x->start - 1, size, align, addr))
            return 0;
        x = x->right;
    }
    if (t->count == 0)
        return gap_fits(t->base, t->wlast, size, align, addr) ? 0 : MEMDEV_EFRAGMENTED;
    if (t->max_last < t->wlast && gap_fits(t->max_last + 1, t->wlast, size, align, addr))
        return 0;
    return MEMDEV_EFRAGMENTED;
}

/* Predecessor (largest start < key) and successor (smallest start > key) by one descent. */
static void neighbours(const augtree *t, uint64_t key, aug_node **pred, aug_node **succ,
                       aug_node **match) {
    *pred = *succ = NULL;
    if (match)
        *match = NULL;
    aug_node *x = t->root;
    while (x) {
        if (key < x->start) {
            *succ = x;
            x = x->left;
        } else if (key > x->start) {
            *pred = x;
            x = x->right;
        } else {
            if (match)
                *match = x;
            /* Continue to find the true neighbours inside x's subtrees. */
            for (aug_node *y = x->left; y; y = y->right)
                *pred = y;
            for (aug_node *y = x->right; y; y = y->left)
                *succ = y;
            return;
        }
    }
}

static aug_node *insert_rec(aug_node *x, aug_node *n) {
    if (!x)
        return n;
    if (n->start < x->start)
        x->left = insert_rec(x->left, n);
    else
        x->right = insert_rec(x->right, n);
    return balance(x);
}

/* Inserts the free range [start, last] (caller checked it is free and inside the window). */
static int insert_range(augtree *t, uint64_t start, uint64_t last, uint32_t dev) {
    aug_node *n = malloc(sizeof *n);
    if (!n)
        return MEMDEV_ENOMEM;
    aug_node *pred, *succ;
    neighbours(t, start, &pred, &succ, NULL);
    n->start = start;
    n->last = last;
    n->gap = start - (pred ? pred->last + 1 : t->base);
    n->max_gap = n->gap;
    n->left = n->right = NULL;
    n->height = 1;
    n->dev = dev;
    /* succ is an ancestor of the new leaf, so insert_rec's path recomputes its summary. */
    if (succ)
        succ->gap = succ->start - (last + 1);
    else
        t->max_last = last;
    t->root = insert_rec(t->root, n);
    t->count++;
    return 0;
}

int augtree_plug(augtree *t, uint64_t size, uint64_t align, uint32_t dev, uint64_t *addr) {
    uint64_t a;
    int rc = augtree_first_fit(t, size, align, &a);
    if (rc != 0)
        return rc;
    rc = insert_range(t, a, a + (size - 1), dev);
    if (rc == 0 && addr)
        *addr = a;
    return rc;
}

int augtree_plug_at(augtree *t, uint64_t addr, uint64_t size, uint32_t dev) {
    if (size == 0)
        return MEMDEV_EINVAL;
    uint64_t last = addr + (size - 1);
    if (last < addr || addr < t->base || last > t->wlast)
        return MEMDEV_EHINTRANGE;
    /* The device with the largest start <= last overlaps iff it ends at or after addr. */
    const aug_node *best = NULL;
    for (const aug_node *x = t->root; x;) {
        if (x->start <= last) {
            best = x;
            x = x->right;
        } else {
            x = x->left;
        }
    }
    if (best && best->last >= addr)
        return MEMDEV_ECONFLICT;
    return insert_range(t, addr, last, dev);
}

static aug_node *remove_min(aug_node *x) {
    if (!x->left)
        return x->right;
    x->left = remove_min(x->left);
    return balance(x);
}

static aug_node *delete_rec(aug_node *x, uint64_t key) {
    if (key < x->start) {
        x->left = delete_rec(x->left, key);
    } else if (key > x->start) {
        x->right = delete_rec(x->right, key);
    } else {
        aug_node *l = x->left, *r = x->right;
        free(x);
        if (!r)
            return l; /* l is unchanged (its gaps do not depend on x) */
        if (!l) {
            update(r); /* AVL: r is a leaf, and the successor whose gap grew */
            return r;
        }
        aug_node *m = r;
        while (m->left)
            m = m->left;
        m->right = remove_min(r);
        m->left = l;
        return balance(m);
    }
    return balance(x);
}

int augtree_unplug(augtree *t, uint64_t addr) {
    aug_node *pred, *succ, *x;
    neighbours(t, addr, &pred, &succ, &x);
    if (!x)
        return MEMDEV_EUNKNOWNID;
    /* The successor inherits x's gap and x's range; every node whose summary that changes is
       on the deletion path (succ is an ancestor of x or the minimum of x's right subtree). */
    if (succ)
        succ->gap += x->gap + (x->last - x->start + 1);
    else if (pred)
        t->max_last = pred->last;
    t->root = delete_rec(t->root, addr);
    t->count--;
    return 0;
}

bool augtree_lookup(const augtree *t, uint64_t gpa, uint32_t *dev, uint64_t *start) {
    const aug_node *x = t->root;
    while (x) {
        if (gpa < x->start) {
            x = x->left;
        } else if (gpa > x->last) {
            x = x->right;
        } else {
            *dev = x->dev;
            *start = x->start;
            return true;
        }
    }
    return false;
}

size_t augtree_count(const augtree *t) {
    return t->count;
}

uint64_t augtree_largest_gap(const augtree *t) {
    if (t->count == 0)
        return t->wlast - t->base + 1;
    uint64_t tail = t->wlast - t->max_last;
    uint64_t m = max_gap_of(t->root);
    return m > tail ? m : tail;
}

size_t augtree_memory(const augtree *t) {
    return sizeof *t + t->count * sizeof(aug_node);
}

struct vstate {
    const augtree *t;
    const aug_node *prev;
    size_t seen;
    char *msg;
    size_t cap;
};

static int vfail(struct vstate *v, const aug_node *x, const char *what) {
    if (v->msg && v->cap)
        snprintf(v->msg, v->cap, "augtree: %s at device [0x%llx, 0x%llx]", what,
                 (unsigned long long)x->start, (unsigned long long)x->last);
    return MEMDEV_EINVARIANT;
}

/* In-order walk; recursion depth is the tree height (bounded by I4). */
static int validate_rec(struct vstate *v, const aug_node *x) {
    if (!x)
        return 0;
    int rc = validate_rec(v, x->left);
    if (rc)
        return rc;
    if (x->last < x->start || x->start < v->t->base || x->last > v->t->wlast)
        return vfail(v, x, "device outside the window (I1)");
    if (v->prev && x->start <= v->prev->last)
        return vfail(v, x, "devices out of order or overlapping (I1)");
    uint64_t gap = x->start - (v->prev ? v->prev->last + 1 : v->t->base);
    if (gap != x->gap)
        return vfail(v, x, "cached gap differs from its recomputation (I2)");
    v->prev = x;
    v->seen++;
    if ((rc = validate_rec(v, x->right)) != 0)
        return rc;
    int32_t hl = height_of(x->left), hr = height_of(x->right);
    if (x->height != 1 + (hl > hr ? hl : hr) || hl - hr > 1 || hr - hl > 1)
        return vfail(v, x, "height wrong or AVL balance broken (I4)");
    if (x->max_gap != max3(x->gap, max_gap_of(x->left), max_gap_of(x->right)))
        return vfail(v, x, "cached subtree max gap differs from its recomputation (I3)");
    return 0;
}

int augtree_validate(const augtree *t, char *msg, size_t cap) {
    struct vstate v = {t, NULL, 0, msg, cap};
    int rc = validate_rec(&v, t->root);
    if (rc)
        return rc;
    if (v.seen != t->count) {
        if (msg && cap)
            snprintf(msg, cap, "augtree: count %zu but %zu nodes", t->count, v.seen);
        return MEMDEV_EINVARIANT;
    }
    if (v.prev && v.prev->last != t->max_last) {
        if (msg && cap)
            snprintf(msg, cap, "augtree: max_last 0x%llx, highest device ends at 0x%llx (I5)",
                     (unsigned long long)t->max_last, (unsigned long long)v.prev->last);
        return MEMDEV_EINVARIANT;
    }
    return 0;
}
