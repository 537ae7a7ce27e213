/* SPDX-License-Identifier: MIT */
/*
 * wtree.c - gap-augmented B+tree over the window's devices (see wtree.h).
 *
 * Why a B+tree: a node is a few cache lines, so a plug costs height (3 at 1k, 5-6 at 1M
 * devices) dependent misses instead of the 10-20 of a binary tree. Why alignment classes: a
 * plain "largest gap" summary cannot answer "is there an A-aligned hole of S bytes" exactly,
 * so every inner node keeps, per registered alignment A_k, the largest *usable* size
 * u_k(gap) = last(gap) - align_up(first(gap), A_k) + 1 of the gaps below it. The first child
 * whose summary is >= S provably holds the lowest fit, so the search never backtracks and
 * equals QEMU's linear sweep. Gaps are implicit (between neighbouring entries), so a plug
 * inserts exactly one entry and an unplug removes one.
 *
 *              inner:  lo[r] hi[r] child[r]  csum[k][r]  bnd[k][r]
 *                     /            |             \
 *     leaf: [first,last] x n   [first,last] ...   ...        (leaves linked by next)
 *
 *   bnd[k][r] is the gap between child r-1's last device and child r's first one: the gap
 *   that crosses a node boundary, where gap trees classically get off-by-one bugs, lives in
 *   exactly one place, the common parent.
 *
 * Invariants (checked by wtree_validate, cited below as [In]):
 *  [I1] entries are inside the window, first <= last, strictly increasing and disjoint in
 *       in-order; leaves are linked by `next` in that order, the last one has WT_NIL.
 *  [I2] all leaves are at depth `height`; every inner node has 2..WT_B children; every
 *       leaf 1..WT_B entries; non-root inner nodes keep >= WT_MIN children after deletions.
 *  [I3] lo[r]/hi[r] equal child r's first/last address; csum[k][r] equals child r's sum[k].
 *  [I4] bnd[k][0] = 0 and bnd[k][r] = u_k(gap between hi[r-1] and lo[r]) for r > 0.
 *  [I5] a leaf's sum[k] = max u_k over gaps between its entries; an inner node's sum[k] =
 *       max over rows of max(csum, bnd); root_sum = the root's sum. Classes k < ncls only.
 *  [I6] count = number of entries; used nodes = live nodes + free-list nodes.
 * The head gap (window start to first entry) and the tail gap (last entry to window end)
 * belong to no node and are checked directly by every search.
 */
#include "wtree.h"

#include <stdio.h>
#include <string.h>

#define WT_MIN 4

/* ---- gaps ------------------------------------------------------------------------------ */

/* Usable size of the non-empty gap [g0, glast] for alignment a (never wraps, see above). */
static inline uint64_t usable(uint64_t g0, uint64_t glast, uint64_t a) {
    uint64_t s;
    if (!wt_align_up(g0, a, &s) || s > glast)
        return 0;
    return glast - s + 1;
}

/* Usable size of the gap between an entry ending at prev_last and one starting at next. */
static inline uint64_t between(uint64_t prev_last, uint64_t next_first, uint64_t a) {
    if (next_first - prev_last <= 1)
        return 0;
    return usable(prev_last + 1, next_first - 1, a);
}

static inline uint64_t max64(uint64_t a, uint64_t b) {
    return a > b ? a : b;
}

/* ---- nodes ----------------------------------------------------------------------------- */

static inline struct wt_leaf *LEAF(const wtree *t, uint32_t i) {
    return &t->leaves[i];
}

static inline struct wt_inner *INNER(const wtree *t, uint32_t i) {
    return &t->inners[i];
}

void wtree_init(wtree *t, const memdev_allocator *al, uint64_t base, uint64_t last) {
    memset(t, 0, sizeof *t);
    t->al = *al;
    t->base = base;
    t->last = last;
    t->leaf_free = WT_NIL;
    t->inner_free = WT_NIL;
    t->root = WT_NIL;
    t->ncls = 1;
    t->cls_align[0] = 1;
}

void wtree_fini(wtree *t) {
    t->al.free(t->al.ctx, t->leaves);
    t->al.free(t->al.ctx, t->inners);
    t->leaves = NULL;
    t->inners = NULL;
}

static int grow(wtree *t, void **arr, uint32_t *cap, uint32_t need, size_t elem) {
    uint64_t ncap = *cap ? (uint64_t)*cap * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    if (ncap >= WT_NIL || ncap > SIZE_MAX / elem)
        return MEMDEV_ENOMEM;
    void *p = t->al.realloc(t->al.ctx, *arr, (size_t)ncap * elem);
    if (!p)
        return MEMDEV_ENOMEM;
    *arr = p;
    *cap = (uint32_t)ncap;
    return 0;
}

int wtree_reserve(wtree *t) {
    /* An insert needs at most one leaf, one inner node per level and a new root. */
    uint64_t need_leaf = 1, need_inner = (uint64_t)t->height + 1;
    if (t->height + 2 >= WT_MAXH)
        return MEMDEV_ENOMEM;
    if (t->leaf_nfree + (uint64_t)(t->leaf_cap - t->leaf_used) < need_leaf) {
        int rc =
            grow(t, (void **)&t->leaves, &t->leaf_cap, t->leaf_used + 1, sizeof(struct wt_leaf));
        if (rc)
            return rc;
    }
    if (t->inner_nfree + (uint64_t)(t->inner_cap - t->inner_used) < need_inner) {
        int rc = grow(t, (void **)&t->inners, &t->inner_cap, t->inner_used + (uint32_t)need_inner,
                      sizeof(struct wt_inner));
        if (rc)
            return rc;
    }
    return 0;
}

static uint32_t leaf_alloc(wtree *t) {
    uint32_t i;
    if (t->leaf_free != WT_NIL) {
        i = t->leaf_free;
        t->leaf_free = LEAF(t, i)->next;
        t->leaf_nfree--;
    } else {
        i = t->leaf_used++;
    }
    LEAF(t, i)->n = 0;
    LEAF(t, i)->next = WT_NIL;
    return i;
}

static void leaf_release(wtree *t, uint32_t i) {
    LEAF(t, i)->n = 0;
    LEAF(t, i)->next = t->leaf_free;
    t->leaf_free = i;
    t->leaf_nfree++;
}

static uint32_t inner_alloc(wtree *t) {
    uint32_t i;
    if (t->inner_free != WT_NIL) {
        i = t->inner_free;
        t->inner_free = INNER(t, i)->next_free;
        t->inner_nfree--;
    } else {
        i = t->inner_used++;
    }
    INNER(t, i)->n = 0;
    INNER(t, i)->next_free = WT_NIL;
    return i;
}

static void inner_release(wtree *t, uint32_t i) {
    INNER(t, i)->n = 0;
    INNER(t, i)->next_free = t->inner_free;
    t->inner_free = i;
    t->inner_nfree++;
}

/* ---- summaries [I3]-[I5] ---------------------------------------------------------------- */

static void leaf_sum_cls(const wtree *t, struct wt_leaf *l, uint32_t k) {
    uint64_t m = 0, a = t->cls_align[k];
    for (uint32_t i = 1; i < l->n; i++)
        m = max64(m, between(l->last[i - 1], l->first[i], a));
    l->sum[k] = m;
}

static void leaf_sum(const wtree *t, struct wt_leaf *l) {
    for (uint32_t k = 0; k < t->ncls; k++)
        l->sum[k] = 0;
    for (uint32_t i = 1; i < l->n; i++) {
        if (l->first[i] - l->last[i - 1] <= 1)
            continue;
        for (uint32_t k = 0; k < t->ncls; k++)
            l->sum[k] =
                max64(l->sum[k], usable(l->last[i - 1] + 1, l->first[i] - 1, t->cls_align[k]));
    }
}

/*
 * Copies lo/hi/csum of row r from its child (a leaf when leafkids). [I3] Returns which bounds
 * moved (1: lo, 2: hi): only those change a boundary gap, bnd[.][r] or bnd[.][r + 1].
 */
static unsigned row_from_child(const wtree *t, struct wt_inner *p, uint32_t r, bool leafkids,
                               uint64_t *old_csum) {
    const uint64_t *sum;
    uint64_t lo, hi;
    if (leafkids) {
        const struct wt_leaf *l = LEAF(t, p->child[r]);
        lo = l->first[0];
        hi = l->last[l->n - 1];
        sum = l->sum;
    } else {
        const struct wt_inner *c = INNER(t, p->child[r]);
        lo = c->lo[0];
        hi = c->hi[c->n - 1];
        sum = c->sum;
    }
    unsigned moved = (lo != p->lo[r] ? 1u : 0u) | (hi != p->hi[r] ? 2u : 0u);
    p->lo[r] = lo;
    p->hi[r] = hi;
    for (uint32_t k = 0; k < t->ncls; k++) {
        if (old_csum)
            old_csum[k] = p->csum[k][r];
        p->csum[k][r] = sum[k];
    }
    return moved;
}

/* Recomputes bnd[.][r] for rows from..to (clamped). [I4] */
static void rows_bnd(const wtree *t, struct wt_inner *p, uint32_t from, uint32_t to) {
    if (to >= p->n)
        to = p->n - 1;
    for (uint32_t r = from; r <= to && r < p->n; r++)
        for (uint32_t k = 0; k < t->ncls; k++)
            p->bnd[k][r] = r ? between(p->hi[r - 1], p->lo[r], t->cls_align[k]) : 0;
}

static void inner_sum(const wtree *t, struct wt_inner *p) {
    for (uint32_t k = 0; k < t->ncls; k++) {
        uint64_t m = 0;
        const uint64_t *c = p->csum[k], *b = p->bnd[k];
        for (uint32_t r = 0; r < p->n; r++) {
            m = c[r] > m ? c[r] : m;
            m = b[r] > m ? b[r] : m;
        }
        p->sum[k] = m;
    }
}

/*
 * Only csum[.][r] changed (bounds, hence every bnd, stayed): per class, the new row value
 * either raises the maximum, leaves it, or (when the old value was the maximum and shrank)
 * forces one pass over the rows. [I5]
 */
static void inner_sum_row(const wtree *t, struct wt_inner *p, uint32_t r,
                          const uint64_t *old_csum) {
    for (uint32_t k = 0; k < t->ncls; k++) {
        uint64_t was = max64(old_csum[k], p->bnd[k][r]);
        uint64_t now = max64(p->csum[k][r], p->bnd[k][r]);
        if (now >= p->sum[k]) {
            p->sum[k] = now;
        } else if (was == p->sum[k] && now < was) {
            uint64_t m = 0;
            for (uint32_t i = 0; i < p->n; i++)
                m = max64(m, max64(p->csum[k][i], p->bnd[k][i]));
            p->sum[k] = m;
        }
    }
}

static void set_root_sum(wtree *t) {
    const uint64_t *sum = NULL;
    if (t->root != WT_NIL)
        sum = t->height ? INNER(t, t->root)->sum : LEAF(t, t->root)->sum;
    for (uint32_t k = 0; k < t->ncls; k++)
        t->root_sum[k] = sum ? sum[k] : 0;
}

/* First and last address of all entries; false when empty. */
static bool tree_bounds(const wtree *t, uint64_t *lo, uint64_t *hi) {
    if (t->root == WT_NIL)
        return false;
    if (t->height == 0) {
        const struct wt_leaf *l = LEAF(t, t->root);
        *lo = l->first[0];
        *hi = l->last[l->n - 1];
    } else {
        const struct wt_inner *p = INNER(t, t->root);
        *lo = p->lo[0];
        *hi = p->hi[p->n - 1];
    }
    return true;
}

/* ---- descent ----------------------------------------------------------------------------- */

struct wt_path {
    uint32_t node[WT_MAXH];
    uint32_t idx[WT_MAXH];
};

/* Last row whose lo <= key (0 if none): the child where key belongs. Branch-free count. */
static inline uint32_t child_for(const struct wt_inner *p, uint64_t key) {
    uint32_t r = 0;
    for (uint32_t j = 1; j < p->n; j++)
        r += p->lo[j] <= key;
    return r;
}

/* Records the path to the leaf where key belongs; returns the leaf. */
static uint32_t descend(const wtree *t, uint64_t key, struct wt_path *path) {
    uint32_t cur = t->root;
    for (uint32_t lvl = 0; lvl < t->height; lvl++) {
        const struct wt_inner *p = INNER(t, cur);
        uint32_t r = child_for(p, key);
        path->node[lvl] = cur;
        path->idx[lvl] = r;
        cur = p->child[r];
    }
    return cur;
}

/* ---- insert ------------------------------------------------------------------------------ */

/* What a node shows its parent: first and last address and its summaries. */
struct wt_face {
    uint64_t lo, hi, sum[WT_K];
};

static void inner_face(const wtree *t, const struct wt_inner *p, struct wt_face *f) {
    f->lo = p->lo[0];
    f->hi = p->hi[p->n - 1];
    memcpy(f->sum, p->sum, t->ncls * sizeof f->sum[0]);
}

/* True when an update left the node's face unchanged: its ancestors need no update. */
static bool face_same(const wtree *t, const struct wt_inner *p, const struct wt_face *f) {
    return f->lo == p->lo[0] && f->hi == p->hi[p->n - 1] &&
           !memcmp(f->sum, p->sum, t->ncls * sizeof f->sum[0]);
}

/*
 * Leaf split: 17 entries (16 + the new one) are dealt 9 | 8. When the new entry is appended
 * to the rightmost leaf (a window filling up in address order), the old leaf stays full and
 * the new one starts with 1 entry, so sequential fills keep leaves full.
 */
static uint32_t leaf_insert(wtree *t, uint32_t li, uint64_t first, uint64_t last, uint32_t dev) {
    struct wt_leaf *l = LEAF(t, li);
    uint32_t pos = 0;
    for (uint32_t j = 0; j < l->n; j++)
        pos += l->first[j] < first;
    if (l->n < WT_B) {
        uint32_t m = l->n - pos;
        memmove(&l->first[pos + 1], &l->first[pos], m * sizeof l->first[0]);
        memmove(&l->last[pos + 1], &l->last[pos], m * sizeof l->last[0]);
        memmove(&l->dev[pos + 1], &l->dev[pos], m * sizeof l->dev[0]);
        l->first[pos] = first;
        l->last[pos] = last;
        l->dev[pos] = dev;
        l->n++;
        leaf_sum(t, l);
        return WT_NIL;
    }
    uint64_t tf[WT_B + 1], tl[WT_B + 1];
    uint32_t td[WT_B + 1];
    for (uint32_t i = 0, j = 0; i <= WT_B; i++) {
        if (i == pos) {
            tf[i] = first, tl[i] = last, td[i] = dev;
        } else {
            tf[i] = l->first[j], tl[i] = l->last[j], td[i] = l->dev[j];
            j++;
        }
    }
    uint32_t ri = leaf_alloc(t);
    struct wt_leaf *r = LEAF(t, ri);
    l = LEAF(t, li);
    uint32_t keep = (pos == WT_B && l->next == WT_NIL) ? WT_B : (WT_B + 2) / 2;
    memcpy(l->first, tf, keep * sizeof tf[0]);
    memcpy(l->last, tl, keep * sizeof tl[0]);
    memcpy(l->dev, td, keep * sizeof td[0]);
    l->n = keep;
    r->n = WT_B + 1 - keep;
    memcpy(r->first, tf + keep, r->n * sizeof tf[0]);
    memcpy(r->last, tl + keep, r->n * sizeof tl[0]);
    memcpy(r->dev, td + keep, r->n * sizeof td[0]);
    r->next = l->next;
    l->next = ri;
    leaf_sum(t, l);
    leaf_sum(t, r);
    return ri;
}

static void rows_copy(const wtree *t, struct wt_inner *dst, uint32_t d, const struct wt_inner *src,
                      uint32_t s, uint32_t m) {
    memmove(&dst->lo[d], &src->lo[s], m * sizeof src->lo[0]);
    memmove(&dst->hi[d], &src->hi[s], m * sizeof src->hi[0]);
    memmove(&dst->child[d], &src->child[s], m * sizeof src->child[0]);
    for (uint32_t k = 0; k < t->ncls; k++) {
        memmove(&dst->csum[k][d], &src->csum[k][s], m * sizeof src->csum[k][0]);
        memmove(&dst->bnd[k][d], &src->bnd[k][s], m * sizeof src->bnd[k][0]);
    }
}

/*
 * Row r of p was updated from its child, and `extra` (a new right sibling of that child)
 * must be inserted as row r + 1. Splits p 9 | 8 when full; returns the new node or WT_NIL.
 */
static uint32_t inner_add_row(wtree *t, uint32_t pi, uint32_t r, uint32_t extra, bool leafkids) {
    struct wt_inner *p = INNER(t, pi);
    if (p->n < WT_B) {
        rows_copy(t, p, r + 2, p, r + 1, p->n - r - 1);
        p->n++;
        p->child[r + 1] = extra;
        row_from_child(t, p, r + 1, leafkids, NULL);
        rows_bnd(t, p, r, r + 2);
        inner_sum(t, p);
        return WT_NIL;
    }
    /* Full: make room in a scratch node of WT_B + 1 rows, then deal 9 | 8. */
    static const uint32_t keep = (WT_B + 2) / 2;
    uint32_t qi = inner_alloc(t);
    struct wt_inner *q = INNER(t, qi);
    p = INNER(t, pi);
    if (r + 1 >= keep) {
        /* The new row lands in q. */
        uint32_t at = r + 1 - keep;
        rows_copy(t, q, 0, p, keep, r + 1 - keep);
        q->child[at] = extra;
        rows_copy(t, q, at + 1, p, r + 1, WT_B - r - 1);
        q->n = WT_B + 1 - keep;
        p->n = keep;
        row_from_child(t, q, at, leafkids, NULL);
    } else {
        rows_copy(t, q, 0, p, keep - 1, WT_B - keep + 1);
        q->n = WT_B + 1 - keep;
        rows_copy(t, p, r + 2, p, r + 1, keep - 1 - (r + 1));
        p->child[r + 1] = extra;
        p->n = keep;
        row_from_child(t, p, r + 1, leafkids, NULL);
    }
    rows_bnd(t, p, 0, p->n - 1);
    rows_bnd(t, q, 0, q->n - 1);
    inner_sum(t, p);
    inner_sum(t, q);
    return qi;
}

void wtree_insert(wtree *t, uint64_t first, uint64_t last, uint32_t dev) {
    t->count++;
    if (t->root == WT_NIL) {
        uint32_t li = leaf_alloc(t);
        struct wt_leaf *l = LEAF(t, li);
        l->first[0] = first, l->last[0] = last, l->dev[0] = dev, l->n = 1;
        leaf_sum(t, l);
        t->root = li;
        t->height = 0;
        set_root_sum(t);
        return;
    }
    struct wt_path path;
    uint32_t leaf = descend(t, first, &path);
    uint32_t extra = leaf_insert(t, leaf, first, last, dev);
    for (uint32_t lvl = t->height; lvl-- > 0;) {
        uint32_t pi = path.node[lvl], r = path.idx[lvl];
        bool leafkids = lvl + 1 == t->height;
        struct wt_inner *p = INNER(t, pi);
        struct wt_face before;
        uint64_t old_csum[WT_K];
        inner_face(t, p, &before);
        unsigned moved = row_from_child(t, p, r, leafkids, old_csum);
        if (extra != WT_NIL) {
            extra = inner_add_row(t, pi, r, extra, leafkids);
        } else if (!moved) {
            inner_sum_row(t, p, r, old_csum);
            if (face_same(t, p, &before))
                break; /* nothing above can change */
        } else {
            if (moved & 1)
                rows_bnd(t, p, r, r);
            if (moved & 2)
                rows_bnd(t, p, r + 1, r + 1);
            inner_sum(t, p);
            if (face_same(t, p, &before))
                break; /* nothing above can change */
        }
    }
    if (extra != WT_NIL) {
        /* The root split: a new root with two rows. */
        uint32_t old = t->root, ni = inner_alloc(t);
        struct wt_inner *p = INNER(t, ni);
        bool leafkids = t->height == 0;
        p->n = 2;
        p->child[0] = old;
        p->child[1] = extra;
        row_from_child(t, p, 0, leafkids, NULL);
        row_from_child(t, p, 1, leafkids, NULL);
        rows_bnd(t, p, 0, 1);
        inner_sum(t, p);
        t->root = ni;
        t->height++;
    }
    set_root_sum(t);
}

/* ---- remove ------------------------------------------------------------------------------ */

/*
 * Rebalances children r and r + 1 of p (both non-empty or one empty): merges them into the
 * left one when they fit in one node, else deals their entries evenly. Keeps `next` links:
 * the right leaf is always the one absorbed.
 *
 *    merge:   [a b] [c]      ->  [a b c]          (right freed, row r + 1 removed)
 *    borrow:  [a] [b c d e]  ->  [a b c] [d e]
 */
static void leaf_pair(wtree *t, struct wt_inner *p, uint32_t r) {
    struct wt_leaf *a = LEAF(t, p->child[r]), *b = LEAF(t, p->child[r + 1]);
    uint32_t total = a->n + b->n;
    uint64_t tf[2 * WT_B], tl[2 * WT_B];
    uint32_t td[2 * WT_B];
    memcpy(tf, a->first, a->n * sizeof tf[0]);
    memcpy(tl, a->last, a->n * sizeof tl[0]);
    memcpy(td, a->dev, a->n * sizeof td[0]);
    memcpy(tf + a->n, b->first, b->n * sizeof tf[0]);
    memcpy(tl + a->n, b->last, b->n * sizeof tl[0]);
    memcpy(td + a->n, b->dev, b->n * sizeof td[0]);
    uint32_t na = total <= WT_B ? total : (total + 1) / 2;
    memcpy(a->first, tf, na * sizeof tf[0]);
    memcpy(a->last, tl, na * sizeof tl[0]);
    memcpy(a->dev, td, na * sizeof td[0]);
    a->n = na;
    leaf_sum(t, a);
    if (total <= WT_B) {
        a->next = b->next;
        leaf_release(t, p->child[r + 1]);
        rows_copy(t, p, r + 1, p, r + 2, p->n - r - 2);
        p->n--;
    } else {
        b->n = total - na;
        memcpy(b->first, tf + na, b->n * sizeof tf[0]);
        memcpy(b->last, tl + na, b->n * sizeof tl[0]);
        memcpy(b->dev, td + na, b->n * sizeof td[0]);
        leaf_sum(t, b);
        row_from_child(t, p, r + 1, true, NULL);
    }
    row_from_child(t, p, r, true, NULL);
}

/* The same for two inner children (their rows move with csum; bnd is recomputed). */
static void inner_pair(wtree *t, struct wt_inner *p, uint32_t r) {
    struct wt_inner *a = INNER(t, p->child[r]), *b = INNER(t, p->child[r + 1]);
    uint32_t total = a->n + b->n;
    if (total <= WT_B) {
        rows_copy(t, a, a->n, b, 0, b->n);
        a->n = total;
        inner_release(t, p->child[r + 1]);
        rows_copy(t, p, r + 1, p, r + 2, p->n - r - 2);
        p->n--;
    } else {
        uint32_t na = (total + 1) / 2;
        if (a->n < na) { /* move b's first rows to a's end */
            uint32_t m = na - a->n;
            rows_copy(t, a, a->n, b, 0, m);
            rows_copy(t, b, 0, b, m, b->n - m);
            b->n -= m;
        } else { /* move a's last rows to b's front */
            uint32_t m = a->n - na;
            rows_copy(t, b, m, b, 0, b->n);
            rows_copy(t, b, 0, a, na, m);
            b->n += m;
        }
        a->n = na;
        rows_bnd(t, b, 0, b->n - 1);
        inner_sum(t, b);
        row_from_child(t, p, r + 1, false, NULL);
    }
    rows_bnd(t, a, 0, a->n - 1);
    inner_sum(t, a);
    row_from_child(t, p, r, false, NULL);
}

static uint32_t node_count(const wtree *t, uint32_t node, bool leaf) {
    return leaf ? LEAF(t, node)->n : INNER(t, node)->n;
}

void wtree_remove(wtree *t, uint64_t first) {
    struct wt_path path;
    uint32_t li = descend(t, first, &path);
    struct wt_leaf *l = LEAF(t, li);
    uint32_t pos = 0;
    while (pos < l->n && l->first[pos] != first)
        pos++;
    if (pos == l->n)
        return; /* not present: callers never do this */
    uint32_t m = l->n - pos - 1;
    memmove(&l->first[pos], &l->first[pos + 1], m * sizeof l->first[0]);
    memmove(&l->last[pos], &l->last[pos + 1], m * sizeof l->last[0]);
    memmove(&l->dev[pos], &l->dev[pos + 1], m * sizeof l->dev[0]);
    l->n--;
    t->count--;
    if (t->height == 0 && l->n == 0) {
        leaf_release(t, li);
        t->root = WT_NIL;
        set_root_sum(t);
        return;
    }
    leaf_sum(t, l);
    for (uint32_t lvl = t->height; lvl-- > 0;) {
        struct wt_inner *p = INNER(t, path.node[lvl]);
        uint32_t r = path.idx[lvl];
        bool leafkids = lvl + 1 == t->height;
        struct wt_face before;
        inner_face(t, p, &before);
        if (node_count(t, p->child[r], leafkids) < WT_MIN && p->n >= 2) {
            uint32_t left = r ? r - 1 : 0;
            if (leafkids)
                leaf_pair(t, p, left);
            else
                inner_pair(t, p, left);
            rows_bnd(t, p, left, left + 2);
            inner_sum(t, p);
        } else {
            uint64_t old_csum[WT_K];
            unsigned moved = row_from_child(t, p, r, leafkids, old_csum);
            if (moved & 1)
                rows_bnd(t, p, r, r);
            if (moved & 2)
                rows_bnd(t, p, r + 1, r + 1);
            if (moved)
                inner_sum(t, p);
            else
                inner_sum_row(t, p, r, old_csum);
            if (face_same(t, p, &before))
                break; /* no merge here and nothing above can change */
        }
    }
    /* [I2]: the root keeps at least two children. */
    while (t->height > 0 && INNER(t, t->root)->n == 1) {
        uint32_t old = t->root;
        t->root = INNER(t, old)->child[0];
        inner_release(t, old);
        t->height--;
    }
    set_root_sum(t);
}

/* ---- classes and first fit ----------------------------------------------------------------- */

static uint64_t recompute_cls(wtree *t, uint32_t node, uint32_t lvl, uint32_t k) {
    if (lvl == t->height) {
        struct wt_leaf *l = LEAF(t, node);
        leaf_sum_cls(t, l, k);
        return l->sum[k];
    }
    struct wt_inner *p = INNER(t, node);
    uint64_t m = 0;
    for (uint32_t r = 0; r < p->n; r++) {
        p->csum[k][r] = recompute_cls(t, p->child[r], lvl + 1, k);
        p->bnd[k][r] = r ? between(p->hi[r - 1], p->lo[r], t->cls_align[k]) : 0;
        m = max64(m, max64(p->csum[k][r], p->bnd[k][r]));
    }
    p->sum[k] = m;
    return m;
}

/* Class index of an alignment, registering it (O(n) once) while there is room; -1 if full. */
static int class_of(wtree *t, uint64_t align) {
    for (uint32_t k = 0; k < t->ncls; k++)
        if (t->cls_align[k] == align)
            return (int)k;
    if (t->ncls == WT_K)
        return -1;
    uint32_t k = t->ncls++;
    t->cls_align[k] = align;
    t->root_sum[k] = t->root == WT_NIL ? 0 : recompute_cls(t, t->root, 0, k);
    return (int)k;
}

/* Exact scan of one leaf's inner gaps. */
static bool leaf_fit(const struct wt_leaf *l, uint64_t size, uint64_t align, uint64_t *addr) {
    for (uint32_t i = 1; i < l->n; i++) {
        if (between(l->last[i - 1], l->first[i], align) >= size) {
            wt_align_up(l->last[i - 1] + 1, align, addr);
            return true;
        }
    }
    return false;
}

/* Registered class k: the first row whose boundary gap or subtree fits; no backtracking. */
static bool fit_class(const wtree *t, uint32_t k, uint64_t size, uint64_t *addr) {
    uint64_t align = t->cls_align[k];
    uint32_t cur = t->root;
    for (uint32_t lvl = 0; lvl < t->height; lvl++) {
        const struct wt_inner *p = INNER(t, cur);
        uint32_t r = 0;
        for (; r < p->n; r++) {
            if (p->bnd[k][r] >= size) {
                wt_align_up(p->hi[r - 1] + 1, align, addr);
                return true;
            }
            if (p->csum[k][r] >= size)
                break;
        }
        if (r == p->n)
            return false; /* summaries disagree with the root: only on corruption */
        cur = p->child[r];
    }
    return leaf_fit(LEAF(t, cur), size, align, addr);
}

/*
 * Unregistered alignment: class j (the largest registered alignment dividing align) is a
 * necessary filter, u_align <= u_j; candidates are verified exactly, in address order.
 */
static bool fit_filter(const wtree *t, uint32_t node, uint32_t lvl, uint32_t j, uint64_t size,
                       uint64_t align, uint64_t *addr) {
    if (lvl == t->height)
        return leaf_fit(LEAF(t, node), size, align, addr);
    const struct wt_inner *p = INNER(t, node);
    for (uint32_t r = 0; r < p->n; r++) {
        if (p->bnd[j][r] >= size && between(p->hi[r - 1], p->lo[r], align) >= size) {
            wt_align_up(p->hi[r - 1] + 1, align, addr);
            return true;
        }
        if (p->csum[j][r] >= size && fit_filter(t, p->child[r], lvl + 1, j, size, align, addr))
            return true;
    }
    return false;
}

int wtree_first_fit(wtree *t, uint64_t size, uint64_t align, uint64_t *addr) {
    uint64_t lo, hi;
    if (!tree_bounds(t, &lo, &hi)) {
        if (usable(t->base, t->last, align) >= size)
            return wt_align_up(t->base, align, addr) ? 0 : MEMDEV_EFRAGMENTED;
        return MEMDEV_EFRAGMENTED;
    }
    if (lo > t->base && usable(t->base, lo - 1, align) >= size) {
        wt_align_up(t->base, align, addr);
        return 0;
    }
    int k = class_of(t, align);
    if (k >= 0) {
        if (t->root_sum[k] >= size && fit_class(t, (uint32_t)k, size, addr))
            return 0;
    } else {
        uint32_t j = 0;
        for (uint32_t c = 1; c < t->ncls; c++)
            if (t->cls_align[c] < align && t->cls_align[c] > t->cls_align[j])
                j = c;
        if (t->root_sum[j] >= size && fit_filter(t, t->root, 0, j, size, align, addr))
            return 0;
    }
    if (hi < t->last && usable(hi + 1, t->last, align) >= size) {
        wt_align_up(hi + 1, align, addr);
        return 0;
    }
    return MEMDEV_EFRAGMENTED;
}

/* ---- queries -------------------------------------------------------------------------------- */

/* Last entry with first <= gpa, if it contains gpa. */
bool wtree_find(const wtree *t, uint64_t gpa, uint32_t *dev, uint64_t *first) {
    if (t->root == WT_NIL)
        return false;
    uint32_t cur = t->root;
    for (uint32_t lvl = 0; lvl < t->height; lvl++) {
        const struct wt_inner *p = INNER(t, cur);
        if (gpa < p->lo[0])
            return false;
        cur = p->child[child_for(p, gpa)];
    }
    const struct wt_leaf *l = LEAF(t, cur);
    uint32_t i = 0;
    for (uint32_t j = 0; j < l->n; j++)
        i += l->first[j] <= gpa;
    if (i == 0 || l->last[i - 1] < gpa)
        return false;
    *dev = l->dev[i - 1];
    *first = l->first[i - 1];
    return true;
}

/* First entry with last >= first: it overlaps [first, last] iff it starts <= last. */
bool wtree_first_overlap(const wtree *t, uint64_t first, uint64_t last, uint32_t *dev) {
    if (t->root == WT_NIL)
        return false;
    uint32_t cur = t->root;
    for (uint32_t lvl = 0; lvl < t->height; lvl++) {
        const struct wt_inner *p = INNER(t, cur);
        uint32_t r = 0;
        while (r < p->n && p->hi[r] < first)
            r++;
        if (r == p->n)
            return false;
        cur = p->child[r];
    }
    const struct wt_leaf *l = LEAF(t, cur);
    for (uint32_t i = 0; i < l->n; i++) {
        if (l->last[i] >= first) {
            if (l->first[i] > last)
                return false;
            *dev = l->dev[i];
            return true;
        }
    }
    return false;
}

uint64_t wtree_largest_gap(const wtree *t) {
    uint64_t lo, hi;
    if (!tree_bounds(t, &lo, &hi))
        return t->last - t->base + 1;
    uint64_t m = t->root_sum[0];
    if (lo > t->base)
        m = max64(m, lo - t->base);
    if (hi < t->last)
        m = max64(m, t->last - hi);
    return m;
}

void wtree_iter_begin(const wtree *t, wt_iter *it) {
    uint32_t cur = t->root;
    for (uint32_t lvl = 0; cur != WT_NIL && lvl < t->height; lvl++)
        cur = INNER(t, cur)->child[0];
    it->leaf = cur;
    it->pos = 0;
}

bool wtree_iter_next(const wtree *t, wt_iter *it, uint64_t *first, uint64_t *last, uint32_t *dev) {
    while (it->leaf != WT_NIL && it->pos >= LEAF(t, it->leaf)->n) {
        it->leaf = LEAF(t, it->leaf)->next;
        it->pos = 0;
    }
    if (it->leaf == WT_NIL)
        return false;
    const struct wt_leaf *l = LEAF(t, it->leaf);
    *first = l->first[it->pos];
    *last = l->last[it->pos];
    *dev = l->dev[it->pos];
    it->pos++;
    return true;
}

size_t wtree_memory(const wtree *t) {
    return (size_t)t->leaf_cap * sizeof(struct wt_leaf) +
           (size_t)t->inner_cap * sizeof(struct wt_inner);
}

/* ---- validation ------------------------------------------------------------------------------ */

struct wt_vstate {
    char *msg;
    size_t cap;
    uint32_t entries, leaves, inners, prev_leaf;
    bool have_prev;
    uint64_t prev_last;
};

#define VFAIL(vs, ...)                                                                             \
    do {                                                                                           \
        if ((vs)->msg && (vs)->cap)                                                                \
            snprintf((vs)->msg, (vs)->cap, __VA_ARGS__);                                           \
        return MEMDEV_EINVARIANT;                                                                  \
    } while (0)

static int v_leaf(const wtree *t, uint32_t li, struct wt_vstate *vs, uint64_t *lo, uint64_t *hi,
                  uint64_t *sum) {
    if (li >= t->leaf_used)
        VFAIL(vs, "window tree: leaf index %u out of range [I2]", li);
    const struct wt_leaf *l = LEAF(t, li);
    if (l->n < 1 || l->n > WT_B)
        VFAIL(vs, "window tree: leaf %u has %u entries [I2]", li, l->n);
    if (vs->leaves && LEAF(t, vs->prev_leaf)->next != li)
        VFAIL(vs, "window tree: leaf %u does not link to the next leaf %u [I1]", vs->prev_leaf, li);
    vs->prev_leaf = li;
    vs->leaves++;
    for (uint32_t i = 0; i < l->n; i++) {
        uint64_t f = l->first[i], e = l->last[i];
        if (f > e || f < t->base || e > t->last)
            VFAIL(vs, "window tree: entry [0x%llx, 0x%llx] is not inside the window [I1]",
                  (unsigned long long)f, (unsigned long long)e);
        if (vs->have_prev && f <= vs->prev_last)
            VFAIL(vs, "window tree: entry at 0x%llx overlaps or precedes the previous one [I1]",
                  (unsigned long long)f);
        vs->have_prev = true;
        vs->prev_last = e;
        vs->entries++;
    }
    *lo = l->first[0];
    *hi = l->last[l->n - 1];
    for (uint32_t k = 0; k < t->ncls; k++) {
        uint64_t m = 0;
        for (uint32_t i = 1; i < l->n; i++)
            m = max64(m, between(l->last[i - 1], l->first[i], t->cls_align[k]));
        if (m != l->sum[k])
            VFAIL(vs,
                  "window tree: leaf %u gap summary for alignment 0x%llx is 0x%llx, "
                  "recomputed 0x%llx [I5]",
                  li, (unsigned long long)t->cls_align[k], (unsigned long long)l->sum[k],
                  (unsigned long long)m);
        sum[k] = m;
    }
    return 0;
}

static int v_node(const wtree *t, uint32_t node, uint32_t lvl, struct wt_vstate *vs, uint64_t *lo,
                  uint64_t *hi, uint64_t *sum) {
    if (lvl == t->height)
        return v_leaf(t, node, vs, lo, hi, sum);
    if (node >= t->inner_used)
        VFAIL(vs, "window tree: inner index %u out of range [I2]", node);
    const struct wt_inner *p = INNER(t, node);
    vs->inners++;
    if (p->n < 2 || p->n > WT_B)
        VFAIL(vs, "window tree: inner node %u has %u children [I2]", node, p->n);
    for (uint32_t k = 0; k < t->ncls; k++)
        sum[k] = 0;
    for (uint32_t r = 0; r < p->n; r++) {
        uint64_t clo, chi, csum[WT_K];
        int rc = v_node(t, p->child[r], lvl + 1, vs, &clo, &chi, csum);
        if (rc)
            return rc;
        if (clo != p->lo[r] || chi != p->hi[r])
            VFAIL(vs,
                  "window tree: node %u row %u bounds [0x%llx, 0x%llx] differ from child "
                  "[0x%llx, 0x%llx] [I3]",
                  node, r, (unsigned long long)p->lo[r], (unsigned long long)p->hi[r],
                  (unsigned long long)clo, (unsigned long long)chi);
        for (uint32_t k = 0; k < t->ncls; k++) {
            uint64_t a = t->cls_align[k];
            uint64_t b = r ? between(p->hi[r - 1], p->lo[r], a) : 0;
            if (p->csum[k][r] != csum[k])
                VFAIL(vs,
                      "window tree: node %u row %u subtree gap summary for alignment "
                      "0x%llx is 0x%llx, recomputed 0x%llx [I3]",
                      node, r, (unsigned long long)a, (unsigned long long)p->csum[k][r],
                      (unsigned long long)csum[k]);
            if (p->bnd[k][r] != b)
                VFAIL(vs,
                      "window tree: node %u row %u boundary gap for alignment 0x%llx is "
                      "0x%llx, recomputed 0x%llx [I4]",
                      node, r, (unsigned long long)a, (unsigned long long)p->bnd[k][r],
                      (unsigned long long)b);
            sum[k] = max64(sum[k], max64(csum[k], b));
        }
    }
    for (uint32_t k = 0; k < t->ncls; k++)
        if (p->sum[k] != sum[k])
            VFAIL(vs,
                  "window tree: node %u summary for alignment 0x%llx is 0x%llx, recomputed "
                  "0x%llx [I5]",
                  node, (unsigned long long)t->cls_align[k], (unsigned long long)p->sum[k],
                  (unsigned long long)sum[k]);
    *lo = p->lo[0];
    *hi = p->hi[p->n - 1];
    return 0;
}

int wtree_validate(const wtree *t, char *msg, size_t cap) {
    struct wt_vstate vs = {.msg = msg, .cap = cap};
    if (t->ncls < 1 || t->ncls > WT_K || t->cls_align[0] != 1)
        VFAIL(&vs, "window tree: %u alignment classes, class 0 = 0x%llx [I5]", t->ncls,
              (unsigned long long)t->cls_align[0]);
    if (t->height >= WT_MAXH)
        VFAIL(&vs, "window tree: height %u exceeds %u [I2]", t->height, WT_MAXH);
    if (t->root != WT_NIL) {
        uint64_t lo, hi, sum[WT_K];
        int rc = v_node(t, t->root, 0, &vs, &lo, &hi, sum);
        if (rc)
            return rc;
        if (LEAF(t, vs.prev_leaf)->next != WT_NIL)
            VFAIL(&vs, "window tree: the last leaf %u links onwards [I1]", vs.prev_leaf);
        for (uint32_t k = 0; k < t->ncls; k++)
            if (t->root_sum[k] != sum[k])
                VFAIL(&vs,
                      "window tree: root summary for alignment 0x%llx is 0x%llx, "
                      "recomputed 0x%llx [I5]",
                      (unsigned long long)t->cls_align[k], (unsigned long long)t->root_sum[k],
                      (unsigned long long)sum[k]);
    }
    if (vs.entries != t->count)
        VFAIL(&vs, "window tree: %u entries found, count says %u [I6]", vs.entries, t->count);
    if (vs.leaves + t->leaf_nfree != t->leaf_used || vs.inners + t->inner_nfree != t->inner_used)
        VFAIL(&vs, "window tree: node accounting: %u+%u leaves of %u, %u+%u inner of %u [I6]",
              vs.leaves, t->leaf_nfree, t->leaf_used, vs.inners, t->inner_nfree, t->inner_used);
    return 0;
}
