/* SPDX-License-Identifier: MIT */
/*
 * corrupt.c - the validator's own test (white-box): one field of a valid space is corrupted
 * in a way that breaks an invariant by construction, memdev_validate() must then report a
 * violation (and not crash) naming the invariant broken ([S1]..[S8] of the spec, [I1]..[I9]
 * of wtree.c, [X1]..[X7] of xtree.c: names_invariant), and once the field is restored it
 * must pass again.
 *
 * Only value fields are corrupted (counters, addresses, sizes, slots, kinds, cached summaries,
 * plugged bytes), never pointers or indices the validator needs to walk the structure, except the
 * head of a node pool's free list, a child pointer of the window tree, a leaf entry's record index
 * and an id table slot's, which the validator checks before it follows them, an extent tree
 * inner node's child (set to NULL: checked before it is followed), the extent tree leaves' links,
 * which it compares and never follows (a back link set to none or to the leaf after, a forward
 * link set to an empty leaf of this file's own, so the walks after a validator that misses it
 * end), and the extent tree's spare stock (in a cycle: walked with a bound), and each corruption is
 * one the invariants forbid whatever the rest of the state is: a counter that no longer equals the
 * sum it caches, a device whose address or size no longer matches its tree entry, a gap summary
 * larger or smaller than any gap below it. A corruption that does not apply to the state (no device
 * of that kind) is skipped.
 */
#include "corrupt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "space.h"

/*
 * One corruption: where (a pointer and a width) and what it was; and the fields it changes
 * with it (at most two: a corruption that keeps every other check quiet may need them).
 */
struct patch {
    void *at;
    size_t len;
    unsigned char saved[sizeof(struct dev)];
    const char *what;
    struct {
        void *at;
        size_t len;
        unsigned char saved[16];
    } also[2];
    unsigned n_also;
};

/* A second or third field the corruption changes (saved before it changes). */
static void also(struct patch *p, void *f, size_t len) {
    p->also[p->n_also].at = f;
    p->also[p->n_also].len = len;
    memcpy(p->also[p->n_also].saved, f, len);
    p->n_also++;
}

/* Puts every field the corruption changed back. */
static void restore(struct patch *p) {
    memcpy(p->at, p->saved, p->len);
    for (unsigned i = p->n_also; i-- > 0;)
        memcpy(p->also[i].at, p->also[i].saved, p->also[i].len);
}

static void add_u64(struct patch *p, uint64_t *f, uint64_t d, const char *what) {
    p->at = f, p->len = sizeof *f, p->what = what;
    memcpy(p->saved, f, sizeof *f);
    *f += d ? d : 1;
}

static void add_u32(struct patch *p, uint32_t *f, uint64_t d, const char *what) {
    p->at = f, p->len = sizeof *f, p->what = what;
    memcpy(p->saved, f, sizeof *f);
    *f += (uint32_t)(d % UINT32_MAX) ? (uint32_t)(d % UINT32_MAX) : 1u;
}

static void save(struct patch *p, void *f, size_t len, const char *what) {
    p->at = f, p->len = len, p->what = what;
    memcpy(p->saved, f, len);
}

/* The small fields of a record are bit-fields (no address): the whole record is saved. */
static void save_dev(struct patch *p, struct dev *v, const char *what) {
    save(p, v, sizeof *v, what);
}

static void set_u64(struct patch *p, uint64_t *f, uint64_t v, const char *what) {
    save(p, f, sizeof *f, what);
    *f = v;
}

static void set_u32(struct patch *p, uint32_t *f, uint32_t v, const char *what) {
    save(p, f, sizeof *f, what);
    *f = v;
}

static void set_u8(struct patch *p, uint8_t *f, uint8_t v, const char *what) {
    save(p, f, sizeof *f, what);
    *f = v;
}

/* The k-th live record (k taken modulo their number) that want() accepts, or NULL. */
static struct dev *pick_dev(const memdev_space *sp, unsigned k, bool (*want)(const struct dev *)) {
    uint32_t n = 0;
    for (uint32_t di = 0; di < sp->dev_used; di++) {
        const struct dev *v = space_dev(sp, di);
        n += (v->flags & DF_LIVE) && want(v);
    }
    if (n == 0)
        return NULL;
    k %= n;
    for (uint32_t di = 0; di < sp->dev_used; di++) {
        struct dev *v = space_dev(sp, di);
        if ((v->flags & DF_LIVE) && want(v) && k-- == 0)
            return v;
    }
    return NULL;
}

/* The index of record v (records live in pages: space_dev is the only way in). */
static uint32_t index_of(const memdev_space *sp, const struct dev *v) {
    for (uint32_t di = 0; di < sp->dev_used; di++)
        if (space_dev(sp, di) == v)
            return di;
    return DEV_NIL;
}

/* The placed device with the lowest address / the highest last byte. */
static const struct dev *extreme(const memdev_space *sp, bool high) {
    const struct dev *best = NULL;
    for (uint32_t di = 0; di < sp->dev_used; di++) {
        const struct dev *v = space_dev(sp, di);
        if (!(v->flags & DF_LIVE) || dev_empty(v))
            continue;
        if (!best ||
            (high ? v->addr + (v->size - 1) > best->addr + (best->size - 1) : v->addr < best->addr))
            best = v;
    }
    return best;
}

static bool placed(const struct dev *v) {
    return !dev_empty(v);
}
static bool empty(const struct dev *v) {
    return dev_empty(v);
}
static bool empty_x(const struct dev *v) {
    return dev_empty(v) && v->x;
}
static bool short_id(const struct dev *v) {
    return !(v->flags & DF_LONG_ID);
}
static bool placed_short(const struct dev *v) {
    return placed(v) && short_id(v);
}
static bool slotted(const struct dev *v) {
    return placed(v) && dev_slot(v) >= 0;
}
static bool needs_x(const struct dev *v) {
    return placed(v) && v->x &&
           (dev_decided(v) || v->kind == MEMDEV_NVDIMM || v->kind == MEMDEV_HV_BALLOON);
}
static bool placed_x(const struct dev *v) {
    return placed(v) && v->x && v->x->nslots > 0;
}
static bool misalignable(const struct dev *v) {
    return placed(v) && v->addr != 0 && __builtin_ctzll(v->addr) < 63;
}
static bool vmem(const struct dev *v) {
    return placed(v) && v->kind == MEMDEV_VIRTIO_MEM;
}
static bool balloon_mapped(const struct dev *v) {
    return placed(v) && v->kind == MEMDEV_HV_BALLOON && v->x && dev_decided(v) && v->x->nmapped > 0;
}
static bool with_x(const struct dev *v) {
    return v->x != NULL;
}
static bool decided(const struct dev *v) {
    return v->x && dev_decided(v) && v->x->nslots > 0;
}
static bool with_ext(const struct dev *v) {
    return v->x && v->x->ext.n > 0;
}

/* The k-th plugged extent of a virtio-mem (k modulo their number); its leaf and index. */
static struct extent *nth_ext(struct dev *v, uint32_t k, struct xt_node **leaf, uint32_t *j) {
    k %= v->x->ext.n;
    for (struct xt_node *l = (struct xt_node *)xt_first_leaf(&v->x->ext); l; l = l->u.lf.next) {
        if (k < l->n) {
            *leaf = l, *j = k;
            return &l->u.lf.e[k];
        }
        k -= l->n;
    }
    return NULL; /* not reached: the validator passed, so the leaves hold ext.n extents */
}

/* An inner node on the way down (k picks it, modulo), a child index i > 0 of it, and the
   first leaf of that child's subtree; NULL when the root is a leaf. */
static struct xt_node *some_inner(struct dev *v, uint32_t k, uint32_t *i, struct xt_node **leaf) {
    struct xt_node *x = v->x->ext.root;
    for (uint32_t l = v->x->ext.height; l > 1; l--, k /= 3u) {
        if (k % 3u == 0 || l == 2) {
            *i = 1 + k % (x->n - 1); /* an inner node has two children at least */
            struct xt_node *r = x->u.in.c[*i];
            for (uint32_t h = l - 1; h > 1; h--)
                r = r->u.in.c[0];
            *leaf = r;
            return x;
        }
        x = x->u.in.c[k % x->n];
    }
    return NULL;
}

/* The last leaf of a virtio-mem's extents (it has some). */
static struct xt_node *last_leaf(struct dev *v) {
    struct xt_node *l = (struct xt_node *)xt_first_leaf(&v->x->ext);
    while (l->u.lf.next)
        l = l->u.lf.next;
    return l;
}

/* ---- the window tree (wtree.c [I1]-[I9]): its counters, summaries, separators and leaves ---- */

/* A leaf, the inner node above it and the row that leads to it (parent NULL: the root). */
struct tleaf {
    struct wt_leaf *leaf;
    struct wt_inner *parent;
    uint32_t row;
};

/*
 * Leaves in address order: the first one from the k-th on (*k counts down) that want()
 * accepts (want NULL: any), with its parent; true when found.
 */
typedef bool (*leaf_want_fn)(const wtree *t, const struct wt_leaf *l, uint64_t *bit);
static bool find_leaf(const wtree *t, void *node, uint32_t lvl, uint32_t *k,
                      struct wt_inner *parent, uint32_t row, leaf_want_fn want, uint64_t *bit,
                      struct tleaf *out) {
    if (lvl == t->height) {
        if (*k > 0) {
            (*k)--;
            return false;
        }
        if (want && !want(t, node, bit))
            return false;
        *out = (struct tleaf){node, parent, row};
        return true;
    }
    struct wt_inner *in = node;
    for (uint32_t r = 0; r < in->n && r < WT_IB; r++)
        if (find_leaf(t, in->child[r], lvl + 1, k, in, r, want, bit, out))
            return true;
    return false;
}

/* The k-th inner node in pre-order (*k counts down), or NULL. */
static struct wt_inner *nth_inner(void *node, uint32_t lvl, uint32_t height, uint32_t *k) {
    if (lvl == height)
        return NULL;
    struct wt_inner *in = node;
    if ((*k)-- == 0)
        return in;
    for (uint32_t r = 0; r < in->n && r < WT_IB; r++) {
        struct wt_inner *got = nth_inner(in->child[r], lvl + 1, height, k);
        if (got)
            return got;
    }
    return NULL;
}

/* The wide table's slot of the wide entry at `first` ([I9]), or NULL. */
static struct wt_wide_slot *wide_slot(const wtree *t, uint64_t first) {
    for (uint32_t s = 0; s < t->wide.cap; s++)
        if (t->wide.slot[s].first == first && !wt_wide_free(&t->wide.slot[s]))
            return &t->wide.slot[s];
    return NULL;
}

/* The last byte of entry i of l, as wtree.c reads it. */
static uint64_t leaf_last(const wtree *t, const struct wt_leaf *l, uint32_t i) {
    if (l->pages[i])
        return l->first[i] + (((uint64_t)l->pages[i] << WT_PAGE_SHIFT) - 1);
    const struct wt_wide_slot *w = wide_slot(t, l->first[i]);
    return w ? w->last : l->first[i];
}

/*
 * A leaf with a non-empty gap whose start g has a zero bit in -g (every start but 1); the
 * lowest such bit goes to *bit. A summary's start mask with that bit set claims it is set in
 * -(start) of every gap below: false for this gap [I5].
 */
static bool mask_gap(const wtree *t, const struct wt_leaf *l, uint64_t *bit) {
    for (uint64_t h = l->holes; h; h &= h - 1) { /* the non-empty gaps [I3] */
        uint32_t g = (uint32_t)__builtin_ctzll(h);
        uint64_t m = 0 - (g ? leaf_last(t, l, g - 1) + 1 : l->gs);
        if (m != UINT64_MAX) {
            *bit = ~m & (0 - ~m); /* the lowest zero bit of -g0 */
            return true;
        }
    }
    return false;
}

/* From the k-th leaf on, round the tree: one with a mask_gap(). */
static bool leaf_with_mask_gap(const wtree *t, uint32_t k, struct tleaf *out, uint64_t *bit) {
    uint32_t i = k, z = 0;
    return find_leaf(t, t->root, 0, &i, NULL, 0, mask_gap, bit, out) ||
           find_leaf(t, t->root, 0, &z, NULL, 0, mask_gap, bit, out);
}

/*
 * Paged entry e of l kept as wide: pages[] says 0 and the wide table holds its last byte
 * where a lookup finds it (the first free slot from its home, as wtree.c's wide_put puts it),
 * the table's count one more. The entry covers the same bytes, so no sum, overlap or device
 * disagrees: only [I9]'s "a wide entry's size does not fit pages[]" sees it. False when the
 * table has no room (it stays at most half full).
 */
static bool paged_as_wide(wtree *t, struct wt_leaf *l, uint32_t e, struct patch *p) {
    _Static_assert(sizeof(struct wt_wide_slot) <= sizeof p->also[0].saved, "a slot fits");
    struct wt_wide *w = &t->wide;
    if (!w->cap || (uint64_t)(w->n + 1) * 2 > w->cap)
        return false;
    uint64_t first = l->first[e], last = leaf_last(t, l, e);
    uint32_t i = wt_wide_home(w, first);
    while (!wt_wide_free(&w->slot[i]))
        i = (i + 1) & (w->cap - 1);
    also(p, &w->slot[i], sizeof w->slot[i]);
    also(p, &w->n, sizeof w->n);
    w->slot[i] = (struct wt_wide_slot){first, last};
    w->n++;
    set_u32(p, &l->pages[e], 0, "leaf entry kept as wide, its size fits pages[] [I9]");
    return true;
}

/*
 * A node pool whose free list no longer holds exactly its free nodes [I6] (kind 52, byte 3 of
 * 128 or more; its bit 0 picks the inner nodes' pool when the tree has any): the list's head
 * a node of the tree, a pointer into a node or outside every page (the validator must check
 * a link before it follows it), a free node not marked free, the list cut short, or a node
 * of the tree marked free; or a child pointer of the tree into a node (checked likewise), or
 * the root itself (byte 2 % 8 = 7). The counts stay as they are, but for a lost node (byte
 * 2 % 8 = 4 with bit 3 of byte 3): the list's head taken off with nfree, so the list and its
 * count agree and only the pool's total (live + nfree against its pages) shows it.
 */
static bool corrupt_pool(wtree *t, const uint8_t c[CORRUPT_SPEC_SIZE], uint32_t k,
                         struct patch *p) {
    struct wt_inner *in = NULL; /* the k-th inner node, if the tree has any */
    if (t->height > 0) {
        uint32_t i = k % t->inners.live;
        in = nth_inner(t->root, 0, t->height, &i);
    }
    bool inner = (c[3] & 1u) && in;
    struct wt_pool *pool = inner ? &t->inners : &t->leaves;
    void *live = NULL; /* a node of the tree */
    uint32_t *live_n = NULL, *free_n = NULL;
    struct tleaf tl;
    if (inner) {
        live = in, live_n = &in->n;
        if (pool->free)
            free_n = &((struct wt_inner *)pool->free)->n;
    } else {
        uint32_t i = k % t->leaves.live;
        if (find_leaf(t, t->root, 0, &i, NULL, 0, NULL, NULL, &tl))
            live = tl.leaf, live_n = &tl.leaf->n;
        if (pool->free)
            free_n = &((struct wt_leaf *)pool->free)->n;
    }
    if (!live)
        return false;
    switch (c[2] % 8u) {
    case 0:
        save(p, &pool->free, sizeof pool->free,
             "free node list (its head a node of the tree) [I6]");
        pool->free = live;
        return true;
    case 1:
        save(p, &pool->free, sizeof pool->free, "free node list (its head inside a node) [I6]");
        pool->free = (char *)live + 8;
        return true;
    case 2:
        save(p, &pool->free, sizeof pool->free,
             "free node list (its head outside every page of the pool) [I6]");
        pool->free = &t->root_sum;
        return true;
    case 3:
        if (!free_n)
            return false;
        set_u32(p, free_n, 0, "count of a free node (not marked free) [I6]");
        return true;
    case 4:
        if (!pool->free)
            return false;
        if (c[3] & 8u) { /* a node lost: off the list and its count, and in no tree */
            void *next;
            memcpy(&next, pool->free, sizeof next);
            save(p, &pool->free, sizeof pool->free,
                 "free node list (its head taken off, nfree with it: a lost node) [I6]");
            also(p, &pool->nfree, sizeof pool->nfree);
            pool->free = next;
            pool->nfree--;
            return true;
        }
        save(p, &pool->free, sizeof pool->free, "free node list (cut short) [I6]");
        pool->free = NULL;
        return true;
    case 5:
        set_u32(p, live_n, WT_FREE_MARK, "count of a node of the tree (marked free) [I6]");
        return true;
    case 7:
        save(p, &t->root, sizeof t->root, "root of the tree (inside a node) [I6]");
        t->root = (char *)t->root + 64;
        return true;
    default: {
        if (!in)
            return false;
        void **ch = &in->child[c[1] % in->n];
        save(p, ch, sizeof *ch, "child of an inner row (inside a node) [I6]");
        *ch = (char *)*ch + 64;
        return true;
    }
    }
}

/*
 * Kind 53, byte 3 >= 128: the record index of leaf entry e (the tree's dev word) names
 * something other than its device (byte 3 % 6): the first index past the records, the first
 * index of the record page after the last (no page holds it), a free record, another placed
 * device, an empty device: the record no longer names the entry's leaf [I8] (the window
 * tree's validator sees that first) nor holds the device [S8]; or its fast-lookup mark
 * flipped [S8].
 */
static bool corrupt_entry_dev(const memdev_space *sp, struct wt_leaf *l, uint32_t e,
                              const uint8_t c[CORRUPT_SPEC_SIZE], struct patch *p) {
    uint32_t *w = &l->dev[e], fast = *w & DEV_FAST;
    const struct dev *v;
    switch (c[3] % 6u) {
    case 0:
        set_u32(p, w, sp->dev_used | fast,
                "record index of a leaf entry (past the records) [I8] [S8]");
        return true;
    case 1: {
        uint32_t next_page = (sp->dev_used + DEV_PAGE - 1) / DEV_PAGE * DEV_PAGE;
        if (next_page >= DEV_PAGE * 64u) /* far beyond any test's devices: keep it in range */
            return false;
        set_u32(p, w, next_page | fast,
                "record index of a leaf entry (on a record page that does not exist) [I8] [S8]");
        return true;
    }
    case 2:
        if (sp->dev_free == DEV_NIL)
            return false;
        set_u32(p, w, sp->dev_free | fast,
                "record index of a leaf entry (a free record) [I8] [S8]");
        return true;
    case 3:
        if (!(v = pick_dev(sp, c[1] + 1u, placed)) || index_of(sp, v) == DEV_INDEX(*w))
            return false;
        set_u32(p, w, index_of(sp, v) | fast,
                "record index of a leaf entry (another placed device) [I8] [S8]");
        return true;
    case 4:
        if (!(v = pick_dev(sp, c[1], empty)))
            return false;
        set_u32(p, w, index_of(sp, v) | fast,
                "record index of a leaf entry (an empty device) [I8] [S8]");
        return true;
    default:
        set_u32(p, w, *w ^ DEV_FAST, "fast-lookup mark of a leaf entry [S8]");
        return true;
    }
}

static bool corrupt_tree(memdev_space *sp, const uint8_t c[CORRUPT_SPEC_SIZE], uint64_t d,
                         struct patch *p) {
    wtree *t = &sp->tree;
    struct tleaf tl;
    uint64_t bit;
    uint32_t k = c[1];
    if (!t->root)
        return false; /* an empty window: nothing below the counters to disagree with */
    switch (corrupt_kind(c)) {
    case 47:
        if (c[2] % 4u == 3 && t->wide.cap) { /* the wide table's own accounting [I9] */
            struct wt_wide *w = &t->wide;
            if (c[3] % 2u == 0) {
                add_u32(p, &w->n, d, "wide table entry count [I9]");
                return true;
            }
            for (uint32_t s = 0; s < w->cap; s++) { /* at most half full: a slot is free */
                struct wt_wide_slot *ws = &w->slot[(s + k) & (w->cap - 1)];
                if (wt_wide_free(ws)) {
                    save(p, ws, sizeof *ws, "wide table slot that no entry holds [I9]");
                    uint64_t span = t->last - t->base; /* a byte of the window */
                    ws->first = ws->last = t->base + (span == UINT64_MAX ? d : d % (span + 1u));
                    return true;
                }
            }
            return false;
        }
        add_u32(p, &t->count, d, "window tree entry count [I1]");
        return true;
    case 48:
        add_u64(p, &t->max_last, d, "window tree last byte of the last entry [I1]");
        return true;
    case 49:
        add_u64(p, &t->root_sum.s[c[2] % WT_K], d, "window tree root gap summary [I4]");
        return true;
    case 50:
        if (!leaf_with_mask_gap(t, k % t->leaves.live, &tl, &bit))
            return false;
        set_u64(p, &t->root_sum.a, t->root_sum.a | bit, "window tree root start mask [I5]");
        return true;
    case 51:
        set_u32(p, &t->height, WT_MAXH + c[2] % 8u, "window tree height (past its bound) [I2]");
        return true;
    case 52:
        if (c[3] >= 128u)
            return corrupt_pool(t, c, k, p);
        switch (c[2] % 4u) {
        case 0:
            add_u32(p, &t->leaves.live, d, "live leaf count [I6]");
            break;
        case 1:
            add_u32(p, &t->leaves.nfree, d, "free leaf count [I6]");
            break;
        case 2:
            add_u32(p, &t->inners.live, d, "live inner node count [I6]");
            break;
        default:
            add_u32(p, &t->inners.nfree, d, "free inner node count [I6]");
        }
        return true;
    }
    /* one leaf */
    if (corrupt_kind(c) <= 57) {
        uint32_t i = k % t->leaves.live;
        if (!find_leaf(t, t->root, 0, &i, NULL, 0, NULL, NULL, &tl))
            return false;
        struct wt_leaf *l = tl.leaf;
        uint32_t e = c[2] % l->n;
        switch (corrupt_kind(c)) {
        case 53:
            if (c[3] >= 128u)
                return corrupt_entry_dev(sp, l, e, c, p);
            set_u32(p, &l->n, (c[2] & 1) ? 0 : WT_LB + 1u + c[3] % 4u,
                    "entry count of a leaf (out of range) [I2]");
            return true;
        case 54:
            add_u64(p, &l->gs, d, "gap start of a leaf [I3]");
            return true;
        case 55:
            if (l->n >= WT_LB)
                return false;
            set_u64(p, &l->first[l->n + c[2] % (WT_LB - l->n)], c[3],
                    "unused slot of a leaf (not a sentinel) [I2]");
            return true;
        case 56: {
            struct wt_wide_slot *w = l->pages[e] ? NULL : wide_slot(t, l->first[e]);
            /*
             * A wide entry's last byte is found by its first: moving it also breaks [I9]. An
             * entry whose last byte moves moves the gap after it: the first check to see it
             * may be an overlap or the last byte [I1], the holes mask [I3], a summary [I4] or
             * start mask [I5] above, the device's size [S8] or the wide count [I9]. Byte 3
             * % 32 = 8 moves a paged entry so high that its last byte would be 2^64 [I1].
             */
            if (c[3] % 8u == 4 && l->pages[e] && paged_as_wide(t, l, e, p))
                return true;
            if (c[3] % 32u == 8 && l->pages[e]) { /* its last byte one past 2^64 - 1 */
                set_u64(p, &l->first[e],
                        UINT64_MAX - (((uint64_t)l->pages[e] << WT_PAGE_SHIFT) - 2u),
                        "leaf entry (its size runs past 2^64) [I1]");
                return true;
            }
            if (e > 0 && c[3] % 4u == 1)
                set_u64(p, &l->first[e], leaf_last(t, l, e - 1),
                        w ? "wide leaf entry (overlaps the one before) [I1] [I9]"
                          : "leaf entry (overlaps the one before) [I1]");
            else if (c[3] % 4u == 2 && t->base > 0 && l->first[e] >= t->base)
                set_u64(p, &l->first[e], t->base - 1u,
                        w ? "wide leaf entry (below the window) [I1] [I9]"
                          : "leaf entry (below the window) [I1]");
            else if (c[3] % 4u == 3 && l->pages[e])
                set_u32(p, &l->pages[e], l->pages[e] == UINT32_MAX ? 1u : l->pages[e] + 1u,
                        "size of a leaf entry (not its device's) [I1] [I3] [I4] [I5] [S8]");
            else if (c[3] % 4u == 3 && w && t->last < UINT64_MAX) /* (a size that fits pages) */
                set_u64(p, &w->last, t->last + 1u, "wide leaf entry (past the window) [I1] [I9]");
            else if (l->pages[e])
                set_u32(p, &l->pages[e], 0, "leaf entry marked wide, not in the wide table [I9]");
            else
                set_u32(p, &l->pages[e], 1,
                        "wide leaf entry marked paged [I9] [I1] [I3] [I4] [I5]");
            return true;
        }
        default:
            set_u64(p, &l->holes, l->holes ^ (1ull << e), "gaps a leaf marks non-empty [I3]");
            return true;
        }
    }
    /* one inner node */
    if (t->height == 0)
        return false;
    if (corrupt_kind(c) == 61) {
        if (!leaf_with_mask_gap(t, k % t->leaves.live, &tl, &bit))
            return false;
        uint64_t *a = &tl.parent->row[tl.row].a;
        set_u64(p, a, *a | bit, "start mask of an inner row [I5]");
        return true;
    }
    uint32_t i = k % t->inners.live;
    struct wt_inner *in = nth_inner(t->root, 0, t->height, &i);
    if (!in)
        return false;
    uint32_t r = c[2] % WT_IB;
    bool used = r < in->n;
    switch (corrupt_kind(c)) {
    case 58:
        set_u32(p, &in->n, (c[2] & 1) ? 1u : WT_IB + 1u + c[3] % 4u,
                "child count of an inner node (out of range) [I2]");
        return true;
    case 59:
        if (used)
            add_u64(p, &in->sep[r], d, "separator of an inner row [I3]");
        else
            set_u64(p, &in->sep[r], c[3], "separator of an unused inner row (not a sentinel) [I2]");
        return true;
    default:
        if (used)
            add_u64(p, &in->row[r].s[c[3] % WT_K], d, "gap summary of an inner row [I4]");
        else
            set_u64(p, &in->row[r].s[c[3] % WT_K], d, "gap summary of an unused inner row [I7]");
        return true;
    }
}

/* Applies corruption c to sp; false when it does not apply to this state. */
static bool corrupt(memdev_space *sp, const uint8_t c[CORRUPT_SPEC_SIZE], struct patch *p) {
    uint64_t d = (uint64_t)c[3] + 1; /* never 0: every corruption changes the field */
    struct dev *v;
    switch (corrupt_kind(c)) {
    case 0:
        add_u64(p, &sp->used_size, d, "used_size [S2]");
        return true;
    case 1:
        add_u64(p, &sp->plugged_size, d, "plugged_size");
        return true;
    case 2:
        add_u32(p, &sp->required, d, "required memslots [S3]");
        return true;
    case 3:
        add_u32(p, &sp->used, d, "used memslots [S3]");
        return true;
    case 4:
        add_u32(p, &sp->ndevices, d, "device count");
        return true;
    case 5:
        add_u32(p, &sp->n_multi, d, "multi-memslot count");
        return true;
    case 6:
        if (c[2] == 3 && sp->n_empty > 0) { /* byte 2 = 3: one dropped, the list still valid */
            set_u32(p, &sp->n_empty, sp->n_empty - 1u, "empty-device count (one dropped)");
            return true;
        }
        add_u32(p, &sp->n_empty, d, "empty-device count");
        return true;
    case 7:
        add_u32(p, &sp->dimm_used, d, "DIMM slots used");
        return true;
    case 8: {
        uint64_t *w = &sp->slot_map[(c[1] / 64u) % (MEMDEV_MAX_DIMM_SLOTS / 64)];
        p->at = w, p->len = sizeof *w, p->what = "DIMM slot map [S5]";
        memcpy(p->saved, w, sizeof *w);
        *w ^= 1ull << (c[1] % 64u);
        return true;
    }
    case 9:
        add_u64(p, &sp->vhost_min_max, d, "cached vhost minimum [S8]");
        return true;
    case 10:
        add_u64(p, &sp->vhost_min_cap, d, "cached vhost capacity [S8]");
        return true;
    case 11:
        if (!(v = pick_dev(sp, c[1], placed)))
            return false;
        add_u64(p, &v->addr, d << (c[2] % 40u), "device address [S8]");
        return true;
    case 12:
        if (!(v = pick_dev(sp, c[1], placed)))
            return false;
        add_u64(p, &v->size, d << (c[2] % 40u), "device size [S8]");
        return true;
    case 13: /* a slot where none belongs, or none where one does */
        if (!(v = pick_dev(sp, c[1], placed)))
            return false;
        save_dev(p, v, "device slot [S5]");
        v->slot1 = (v->kind == MEMDEV_DIMM || v->kind == MEMDEV_NVDIMM) ? 0 : 1;
        return true;
    case 14:
        if (!(v = pick_dev(sp, c[1], placed)))
            return false;
        save_dev(p, v, "device kind");
        v->kind = (unsigned)(MEMDEV_KIND_COUNT + c[2] % (8u - MEMDEV_KIND_COUNT)) & 7u;
        return true;
    case 15:
        if (!(v = pick_dev(sp, c[1], with_x)))
            return false;
        add_u64(p, &v->x->plugged, d << (c[2] % 30u), "plugged bytes of a device");
        return true;
    case 16:
        if (!(v = pick_dev(sp, c[1], with_x)))
            return false;
        if (c[2] == 0 && v->x->nmapped > 0) {
            /* byte 2 = 0: one mapped memslot less, and one less in the space's count, so the
               totals agree and only the device's own count of its mapped memslots sees it */
            set_u32(p, &v->x->nmapped, v->x->nmapped - 1u,
                    "mapped memslots of a device, the space's count with it [S3]");
            also(p, &sp->used, sizeof sp->used);
            sp->used--;
            return true;
        }
        add_u32(p, &v->x->nmapped, d, "mapped memslots of a device");
        return true;
    case 17:
        if (!(v = pick_dev(sp, c[1], decided)))
            return false;
        add_u64(p, &v->x->fill[c[2] % v->x->nslots], d, "memslot fill of a device [S3] [S4]");
        return true;
    case 18: {
        static struct xt_node beyond; /* an empty leaf with no links (variants 13 and 15) */
        if (!(v = pick_dev(sp, c[1], with_ext)))
            return false;
        struct xt_node *l = NULL;
        uint32_t j = 0, i = 0;
        struct extent *e = nth_ext(v, c[2], &l, &j);
        struct xt_node *r, *x = some_inner(v, c[2], &i, &r);
        struct xtree *t = &v->x->ext;
        switch (c[3] % 16u) {
        case 1: /* a key past the first start on its right, or below the last end on its left */
            if (x && (c[2] & 1)) {
                set_u64(p, &x->u.in.key[i], r->u.lf.e[0].start + 1,
                        "virtio-mem extent tree key (past the start on its right) [S4] [X4]");
                return true;
            }
            if (x) {
                const struct xt_node *lf = r->u.lf.prev; /* the last leaf on the key's left */
                set_u64(p, &x->u.in.key[i], lf->u.lf.e[lf->n - 1].end - 1,
                        "virtio-mem extent tree key (below the end on its left) [S4] [X4]");
                return true;
            }
            break;
        case 2: /* a leaf that holds one extent less than it says */
            set_u32(p, &l->n, l->n - 1, "virtio-mem extent leaf count [S4] [X1] [X2]");
            return true;
        case 3:
            add_u32(p, &t->nodes, d, "virtio-mem extent tree node count [S4] [X1]");
            return true;
        case 4: /* a back link that is not the leaf before (none, or the one after); a lone
                   root leaf: a short-leaf flag that is neither 0 nor 1 */
            if (l->u.lf.prev || l->u.lf.next) {
                save(p, &l->u.lf.prev, sizeof l->u.lf.prev,
                     "virtio-mem extent leaf chain (a back link) [S4] [X5]");
                l->u.lf.prev = l->u.lf.prev ? NULL : l->u.lf.next;
                return true;
            }
            set_u32(p, &l->tiny, 2u + (c[2] & 1u),
                    "virtio-mem extent leaf short flag (neither 0 nor 1) [S4] [X7]");
            return true;
        case 5: /* a leaf under its minimum, or else an inner node under its own */
            if (x && l->n >= XT_LMIN) {
                set_u32(p, &l->n, XT_LMIN - 1,
                        "virtio-mem extent leaf count (under the minimum) [S4] [X2]");
                return true;
            }
            break;
        case 6: /* the unused key 0 of an inner node */
            if (x) {
                set_u64(p, &x->u.in.key[0], 1 + (d & 0xFFFF),
                        "virtio-mem extent tree inner key 0 [S4] [X4]");
                return true;
            }
            break;
        case 7: /* an inner node that counts fewer children than it may, or the spare stock */
            if (x && (c[2] & 1)) {
                set_u32(p, &x->n, x == t->root ? 1u : XT_IMIN - 1,
                        "virtio-mem extent tree children of an inner node [S4] [X2]");
                return true;
            }
            add_u32(p, &t->nspare, d, "virtio-mem extent tree spare count [S4] [X6]");
            return true;
        /* 8-15: counts past their bounds and links the validator checks before it reads
           through them (a count above a node's capacity, a NULL child, the spare stock's
           length) or never follows (the leaves' forward links), so the corrupted tree is never
           read out of bounds */
        case 8: /* a leaf that counts more extents than it can hold (a short root: XT_TINY) */
            set_u32(p, &l->n, (l->tiny ? (uint32_t)XT_TINY : (uint32_t)XT_LEAF) + 1u + c[2] % 4u,
                    "virtio-mem extent leaf count (over its capacity) [S4] [X2]");
            return true;
        case 9: /* fewer nodes counted than the tree has: the walk meets one too many */
            set_u32(p, &t->nodes, t->nodes - 1,
                    "virtio-mem extent tree node count (one short) [S4] [X1]");
            return true;
        case 10: /* an inner node that counts more children than it can hold */
            if (x) {
                set_u32(p, &x->n, XT_FAN + 1 + c[2] % 4u,
                        "virtio-mem extent tree children of an inner node (over its capacity) "
                        "[S4] [X2]");
                return true;
            }
            break;
        case 11: /* a NULL child */
            if (x) {
                save(p, &x->u.in.c[i], sizeof x->u.in.c[i],
                     "virtio-mem extent tree child (NULL) [S4] [X1]");
                x->u.in.c[i] = NULL;
                return true;
            }
            break;
        case 12: /* the height against the root and the count: too high, or no extents */
            if (c[2] & 1)
                set_u32(p, &t->height, XT_MAXH + 1 + c[2] % 8u,
                        "virtio-mem extent tree height (past the bound) [S4] [X1]");
            else
                set_u32(p, &t->n, 0, "virtio-mem extent tree count (none with a root) [S4] [X1]");
            return true;
        case 13: { /* the last leaf with a next: an empty leaf that ends the chain (a link
                      back into the tree would make a validator that misses it loop for ever
                      in the walks after it, where this one lets it pass) */
            struct xt_node *ll = last_leaf(v);
            save(p, &ll->u.lf.next, sizeof ll->u.lf.next,
                 "virtio-mem extent leaf chain (the last leaf's next) [S4] [X5]");
            ll->u.lf.next = &beyond;
            return true;
        }
        case 14: /* the spare stock in a cycle: the validator's walk of it must stop */
            if (t->spare) {
                save(p, &t->spare->u.lf.next, sizeof t->spare->u.lf.next,
                     "virtio-mem extent tree spare stock (a cycle) [S4] [X6]");
                t->spare->u.lf.next = t->spare;
                return true;
            }
            break;
        case 15: /* a forward link that skips the leaf whose back link names the leaf before:
                    to the same empty leaf, which ends the walks after the validator; the first
                    leaf of a taller tree, or (byte 2 odd) an inner node: marked short, which
                    only a root leaf may be */
            if (l->u.lf.prev) {
                save(p, &l->u.lf.prev->u.lf.next, sizeof l->u.lf.prev->u.lf.next,
                     "virtio-mem extent leaf chain (a forward link) [S4] [X5]");
                l->u.lf.prev->u.lf.next = &beyond;
                return true;
            }
            if (x && (c[2] & 1)) { /* or the inner node on the way down */
                set_u32(p, &x->tiny, 1, "virtio-mem extent tree inner node short flag [S4] [X7]");
                return true;
            }
            if (x) {
                set_u32(p, &l->tiny, 1,
                        "virtio-mem extent leaf short flag (not the root) [S4] [X7]");
                return true;
            }
            break;
        }
        add_u64(p, &e->end, (uint64_t)1 << v->block_log2, "plugged extent of a virtio-mem [S4]");
        return true;
    }
    /* The configuration the devices must fit: budget [S2], window [S1], memslot limits [S3]. */
    case 19:
        if (sp->used_size == 0)
            return false;
        set_u64(p, &sp->cfg.budget, sp->used_size - 1, "budget (below the used size) [S2]");
        return true;
    case 20: {
        const struct dev *lo = extreme(sp, false);
        if (!lo || lo->addr == UINT64_MAX)
            return false;
        set_u64(p, &sp->cfg.base, lo->addr + 1, "window base (above a device) [S1]");
        return true;
    }
    case 21: {
        const struct dev *hi = extreme(sp, true);
        if (!hi || hi->addr + (hi->size - 1) == 0)
            return false;
        set_u64(p, &sp->wlast, hi->addr + (hi->size - 1) - 1, "window end (below a device) [S1]");
        return true;
    }
    case 22: {
        if (sp->n_vhost == 0 || sp->required == 0)
            return false;
        memdev_limit *l = &sp->vhost[c[2] % sp->n_vhost];
        set_u32(p, &l->other, l->max - sp->required + 1, "vhost memslots used by others [S3]");
        return true;
    }
    case 23:
        if (!sp->cfg.has_kvm || sp->required == 0)
            return false;
        set_u32(p, &sp->cfg.kvm.other, sp->cfg.kvm.max - sp->required + 1,
                "KVM memslots used by others [S3]");
        return true;
    /* One device record: its alignment, slot, flags, id, kind state. */
    case 24: { /* (the alignment is a 6-bit field: it cannot go past 2^63 any more) */
        struct dev *w = pick_dev(sp, c[2], placed);
        if (!(v = pick_dev(sp, c[1], placed)))
            return false;
        save(p, &v->leaf, sizeof v->leaf, "window tree leaf named by a device [I8]");
        /* another device's leaf, or a value no leaf has: the validator compares it only */
        v->leaf = w && w->leaf != v->leaf ? w->leaf : (const void *)((uintptr_t)v->leaf ^ 64u);
        return true;
    }
    case 25:
        if (!(v = pick_dev(sp, c[1], misalignable)))
            return false;
        save_dev(p, v, "device alignment (the address no longer meets it) [S1]");
        v->align_log2 = ((unsigned)__builtin_ctzll(v->addr) + 1u) & 63u;
        return true;
    case 26:
        if (!(v = pick_dev(sp, c[1], slotted)))
            return false;
        save_dev(p, v, "DIMM slot (past the slots there are) [S5]");
        v->slot1 = (sp->cfg.dimm_slots + 1u + c[2] % 4u) & 511u;
        return true;
    case 27: {
        struct dev *w;
        if (!(v = pick_dev(sp, c[1], slotted)) || !(w = pick_dev(sp, c[1] + 1u, slotted)) || v == w)
            return false;
        save_dev(p, v, "DIMM slot (one held by another device) [S5]");
        v->slot1 = w->slot1;
        return true;
    }
    case 28:
        if (!(v = pick_dev(sp, c[1], placed_short)))
            return false;
        save_dev(p, v, "decided flag (the tree's fast mark) [S8]");
        v->flags ^= DF_DECIDED;
        return true;
    case 29:
        if (!(v = pick_dev(sp, c[1], placed)))
            return false;
        save_dev(p, v, "live flag of a placed device [S8]");
        v->flags = v->flags & ~(unsigned)DF_LIVE & 0xffu;
        return true;
    case 30:
        if (!(v = pick_dev(sp, c[1], placed)))
            return false;
        save_dev(p, v, "empty flag of a placed device [S8]");
        v->flags |= DF_EMPTY;
        return true;
    case 31:
        if (c[2] == 3) { /* byte 2 = 3: past what a space may hand out (no page holds them) */
            set_u32(p, &sp->dev_used, DEV_LIMIT + 1u + c[3] % 4u, "record count (past the limit)");
            return true;
        }
        if (!(v = pick_dev(sp, c[1], placed)))
            return false;
        set_u32(p, &sp->dev_used, index_of(sp, v), "record count (below a placed device) [I8]");
        return true;
    case 32:
        if (!(v = pick_dev(sp, c[1], short_id)))
            return false;
        set_u8(p, (uint8_t *)&v->id[0], v->id[0] == 'x' ? 'y' : 'x',
               "id of a device (its hash no longer matches)");
        return true;
    case 33: {
        if (!(v = pick_dev(sp, c[1], empty)))
            return false;
        unsigned k = c[2] % MEMDEV_KIND_COUNT;
        if (k == MEMDEV_HV_BALLOON)
            k = (k + 1) % MEMDEV_KIND_COUNT;
        save_dev(p, v, "kind of an empty device");
        v->kind = k & 7u;
        return true;
    }
    case 34:
        if (!(v = pick_dev(sp, c[1], empty_x)))
            return false;
        switch (c[2] % 4u) {
        case 0:
            add_u32(p, &v->x->nslots, d, "memslots of an empty hv-balloon");
            break;
        case 1:
            add_u64(p, &v->x->plugged, d, "mapped bytes of an empty hv-balloon");
            break;
        case 2:
            add_u32(p, &v->x->ext.n, d, "extents of an empty hv-balloon");
            break;
        default:
            save_dev(p, v, "decided flag of an empty hv-balloon");
            v->flags |= DF_DECIDED;
        }
        return true;
    case 35:
        if (!(v = pick_dev(sp, c[1], needs_x)))
            return false;
        save(p, &v->x, sizeof v->x, "kind state of a device that needs it");
        v->x = NULL;
        return true;
    case 36:
        if (!(v = pick_dev(sp, c[1], placed_x)))
            return false;
        set_u32(p, &v->x->nslots, 0, "memslot count of a device (0) [S3]");
        return true;
    case 37:
        if (!(v = pick_dev(sp, c[1], placed_x)))
            return false;
        if (v->x->nslots == 1)
            add_u64(p, &v->x->memslot_size, d, "memslot size of a one-memslot device [S3]");
        else
            set_u64(p, &v->x->memslot_size, (c[2] & 1) ? v->size : 0,
                    "memslot size of a multi-memslot device [S3]");
        return true;
    case 38: {
        if (!(v = pick_dev(sp, c[1], balloon_mapped)))
            return false;
        uint32_t i = c[2] % v->x->nslots;
        while (v->x->fill[i] != 1)
            i = (i + 1) % v->x->nslots;
        set_u64(p, &v->x->fill[i], 2u + c[3], "memslot state of an hv-balloon (not 0 or 1) [S3]");
        return true;
    }
    case 39: {
        if (!(v = pick_dev(sp, c[1], vmem)))
            return false;
        unsigned ctz = (unsigned)__builtin_ctzll(v->size);
        /* (the block exponent is a 6-bit field: it cannot go past 2^63 any more) */
        if (c[2] % 3u == 2 && v->block_log2 > 0) {
            save_dev(p, v, "virtio-mem alignment (below its block) [S4]");
            v->align_log2 = (v->block_log2 - 1u) & 63u;
        } else if (c[2] % 3u == 0 || ctz >= 63) {
            save_dev(p, v, "virtio-mem block (below 1 MiB) [S4]");
            v->block_log2 = (c[3] % 20u) & 63u;
        } else {
            save_dev(p, v, "virtio-mem block (size not a multiple) [S4]");
            v->block_log2 = (ctz + 1u) & 63u;
        }
        return true;
    }
    case 40: {
        if (!(v = pick_dev(sp, c[1], vmem)))
            return false;
        uint64_t block = (uint64_t)1 << v->block_log2;
        if ((c[2] & 1) && v->size <= UINT64_MAX - block)
            set_u64(p, &v->requested, v->size + block,
                    "virtio-mem requested size (above the size) [S4]");
        else
            add_u64(p, &v->requested, block / 2,
                    "virtio-mem requested size (not whole blocks) [S4]");
        return true;
    }
    case 41: {
        if (!(v = pick_dev(sp, c[1], with_ext)))
            return false;
        struct xt_node *l = NULL, *ll;
        uint32_t i = 0;
        struct extent *e = nth_ext(v, c[2], &l, &i);
        ll = last_leaf(v);
        struct extent *last = &ll->u.lf.e[ll->n - 1];
        uint64_t block = (uint64_t)1 << v->block_log2;
        switch (c[3] % 5u) {
        case 4:
            if (i + 1u < l->n) {
                /*
                 * The boundary between this extent and the next moved off the block grid,
                 * their sum kept: one end of each is off the grid, the other on it.
                 */
                save(p, &e->end, 2 * sizeof e->end,
                     "virtio-mem extent boundary (off the block grid) [S4]");
                e[0].end += block / 2;
                e[1].start += block / 2;
                break;
            }
            set_u64(p, &e->end, e->end - block / 2, "virtio-mem extent end (not on a block) [S4]");
            break;
        case 1:
            /*
             * Moved past the device whole, its length kept: the plugged bytes still add up,
             * so only the bound on the extent sees it (behind it, a decided device's memslot
             * fill).
             */
            if (last->end <= UINT64_MAX - v->size) { /* no extent after it to be out of order */
                save(p, last, sizeof *last, "virtio-mem extent (moved past the device) [S4]");
                last->start += v->size;
                last->end += v->size;
                break;
            }
            /* fall through */
        case 2:
            add_u64(p, &e->start, 1, "virtio-mem extent start (not on a block) [S4]");
            break;
        case 3:
            if (i > 0) {
                set_u64(p, &e->start, e[-1].end, "virtio-mem extents (not merged) [S4]");
                break;
            }
            /* fall through */
        default:
            if ((c[3] & 8u) && ll->n < (ll->tiny ? (uint32_t)XT_TINY : (uint32_t)XT_LEAF) &&
                v->size >= 2 * block && last->end <= v->size - 2 * block) {
                /*
                 * An empty extent added behind the last, one block after it, in its leaf's
                 * spare room (a short root leaf has XT_TINY slots): sorted, on the grid, inside the
                 * device, the plugged bytes and the memslot fill kept, so only the check of an
                 * extent's length sees it.
                 */
                struct extent *ne = &ll->u.lf.e[ll->n];
                save(p, &ll->n, sizeof ll->n,
                     "virtio-mem extent (an empty one added, the plugged bytes kept) [S4]");
                also(p, ne, sizeof *ne);
                also(p, &v->x->ext.n, sizeof v->x->ext.n);
                ne->start = ne->end = last->end + block;
                ll->n++;
                v->x->ext.n++;
                break;
            }
            set_u64(p, &e->start, e->end, "virtio-mem extent (empty) [S4]");
        }
        return true;
    }
    /* The space's own lists: empty devices, the id table, free records. */
    case 42:
        set_u32(p, &sp->n_empty, sp->empty_cap + 1u + c[3], "empty-device count (past its room)");
        return true;
    case 43: {
        if (sp->n_empty == 0)
            return false;
        uint32_t *e = &sp->empties[c[2] % sp->n_empty];
        v = pick_dev(sp, c[1], placed);
        set_u32(p, e, v && (c[3] & 1) ? index_of(sp, v) : sp->dev_used + c[3],
                "empty-device list entry");
        return true;
    }
    case 44:
    case 45: {
        /* 44: a tag on a free slot; 45: a used slot's tag changed */
        bool used = corrupt_kind(c) == 45;
        for (uint32_t n = 0; n < sp->nbuckets; n++) {
            struct id_bucket *bk = &sp->itab[(c[1] * 131u + n) % sp->nbuckets];
            for (uint32_t j = 0; j < ID_SLOTS; j++) {
                uint8_t *t = &bk->tag[(c[2] + j) % ID_SLOTS];
                if (used && *t) {
                    set_u8(p, t, (uint8_t)(*t % 255u + 1u), "id table tag of a device");
                    return true;
                }
                if (!used && !*t) {
                    /* byte 2 = 200, 201: the slot also names a record past the records, or a
                       free record, which the validator must not read as a device */
                    bool past = c[2] == 200, freed = c[2] == 201;
                    uint32_t di = freed ? sp->dev_free : sp->dev_used + (c[3] & 7u);
                    if (freed && di == DEV_NIL)
                        return false;
                    set_u8(p, t, (uint8_t)(1u + c[3] % 255u),
                           past    ? "id table slot naming a record past the records"
                           : freed ? "id table slot naming a free record"
                                   : "id table tag on a free slot");
                    if (past || freed) {
                        uint32_t s = (c[2] + j) % ID_SLOTS;
                        also(p, bk->dev[s], 3);
                        id_slot_set(bk, s, di);
                    }
                    return true;
                }
            }
        }
        return false;
    }
    case 46:
        if (c[2] == 3 && sp->dev_free != DEV_NIL) { /* byte 2 = 3: a record leaked */
            set_u32(p, &sp->dev_free, (uint32_t)space_dev(sp, sp->dev_free)->addr,
                    "free record list (its first record dropped: leaked)");
            return true;
        }
        if (c[2] == 2) { /* byte 2 = 2: a head one past the last record */
            set_u32(p, &sp->dev_free, sp->dev_used, "free record list (its head past the records)");
            return true;
        }
        if (c[2] >= 200 && c[2] <= 202) { /* byte 2 = 200..202: a link past the head */
            if (sp->dev_free == DEV_NIL)
                return false;
            struct dev *h = space_dev(sp, sp->dev_free);
            if (c[2] == 200) {
                if (!(v = pick_dev(sp, c[1], placed)))
                    return false;
                set_u64(p, &h->addr, index_of(sp, v),
                        "free record list (a live record past its head)");
            } else if (c[2] == 201) {
                set_u64(p, &h->addr, sp->dev_used, "free record list (a link past the records)");
            } else {
                set_u64(p, &h->addr, sp->dev_free, "free record list (a cycle)");
            }
            return true;
        }
        if (!(v = pick_dev(sp, c[1], placed)))
            return false;
        set_u32(p, &sp->dev_free, index_of(sp, v), "free record list (a live record in it)");
        return true;
    default:
        return corrupt_tree(sp, c, d, p);
    }
}

/*
 * A corruption's description ends with the invariants it breaks ("[S3]", "[I1] [I9]"); the
 * validator's message must name one of them. A validator that sees a corruption only through
 * a later check (its own check for it gone) is a weaker validator, and this is where it shows.
 * Descriptions without a tag break a record or list of the space that no numbered invariant
 * covers: any message passes, but for the id table's, whose message must name the id table
 * (it has a check of its own, see the end of this function). The extent tree's corruptions name
 * [S4] and the tree's own [X1]..[X7]; the validator wraps every failure of a tree in [S4], so there
 * only an [X] tag counts (with [S4] matching, a tree check that was gone passed when a later one
 * saw it).
 */
static bool names_invariant(const char *what, const char *msg) {
    bool tagged = false, xtree = strstr(what, "[X") != NULL;
    for (const char *s = strchr(what, '['); s; s = strchr(s + 1, '[')) {
        const char *e = strchr(s, ']');
        if (!e || e - s > 4 || (s[1] != 'S' && s[1] != 'I' && s[1] != 'X'))
            continue;
        if (xtree && s[1] != 'X')
            continue;
        char tag[8];
        memcpy(tag, s, (size_t)(e - s) + 1);
        tag[e - s + 1] = 0;
        tagged = true;
        if (strstr(msg, tag))
            return true;
    }
    /* The id table has no numbered invariant, but a check of its own: a corruption of it must
       be found there (with the tag check gone from check_id_table, a changed tag was seen only
       later, as a device its id no longer finds, and passed). */
    if (!tagged && strncmp(what, "id table", 8) == 0)
        return strstr(msg, "id table") != NULL;
    return !tagged;
}

const char *corrupt_check(memdev_space *sp, const uint8_t spec[CORRUPT_SPEC_SIZE], char *why,
                          size_t cap) {
    struct patch p;
    char msg[512];
    memset(&p, 0, sizeof p);
    if (!corrupt(sp, spec, &p))
        return NULL; /* nothing of that kind in this state */
    int rc = memdev_validate(sp, msg, sizeof msg);
    restore(&p);
    if (rc != MEMDEV_EINVARIANT) {
        snprintf(why, cap, "memdev_validate passed a space with a corrupted %s (%s)", p.what,
                 memdev_error_name(rc));
        return why;
    }
    if (!msg[0]) {
        snprintf(why, cap, "memdev_validate found the corrupted %s but said nothing", p.what);
        return why;
    }
    if (!names_invariant(p.what, msg)) {
        snprintf(why, cap, "memdev_validate found the corrupted %s under another invariant: %s",
                 p.what, msg);
        return why;
    }
    if (getenv("MEMDEV_FUZZ_VERBOSE"))
        fprintf(stderr, "corrupt: a corrupted %s: memdev_validate says: %s\n", p.what, msg);
    if (memdev_validate(sp, msg, sizeof msg) != 0) {
        snprintf(why, cap, "after restoring the %s, memdev_validate still fails: %s", p.what, msg);
        return why;
    }
    return NULL;
}
