/* SPDX-License-Identifier: MIT */
/*
 * test_xtree.c - white-box randomized test of a virtio-mem device's extent tree (xtree.c)
 * against a bitmap of blocks: plug and unplug checks, the requests themselves (merging with
 * either neighbour, both, or none; cutting an extent in two; removing one), the plugged bytes
 * of any range, the order of the extents through the leaf chain, xt_validate() after every
 * request, and allocation failures (a failed reservation leaves the tree as it was). Runs
 * devices small enough for a root leaf and large enough for four levels, with single blocks
 * and runs; the short root leaf [X7] as it grows and shrinks back (short_root, and devices of
 * 8 blocks). xt_memory must be the bytes the tree holds through the allocator. Seeded;
 * --seed N reproduces.
 */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "memdev.h"
#include "xtree.h"

/*
 * The device of single-block requests: 60000 blocks reach four levels with the real node
 * sizes. With nodes of 4 (unit.test_xtree_small), 20000 reach eight: 60000 reached ten, but
 * xt_validate() over their 15000 extents after each of 150000 requests was 83 % of the test's
 * time (33 s in release, 196 s under MSan). Under MSan the real node sizes take 20000 blocks
 * too (three levels: every kind of node and link the fourth level has; the test took 91 s in
 * CI's msan preset, and 126 s -> 17 s here with a mutation run beside it): MSan looks for reads
 * of unwritten memory, not for deep trees, which unit.test_xtree_small reaches there.
 */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if XT_LEAF < 8 || __has_feature(memory_sanitizer)
#define SINGLE_NB 20000u
#else
#define SINGLE_NB 60000u
#endif

static uint64_t rng_state = 1;

static uint64_t rnd(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static long allocs_left = -1; /* < 0: never fail */
static long live_blocks;
static size_t live_bytes; /* what the blocks held were asked for with (a 16-byte header each) */

static void *t_realloc(void *ctx, void *p, size_t n) {
    (void)ctx;
    if (!p && allocs_left == 0)
        return NULL;
    if (!p && allocs_left > 0)
        allocs_left--;
    char *h = p ? (char *)p - 16 : NULL;
    size_t old = 0;
    if (h)
        memcpy(&old, h, sizeof old);
    char *q = realloc(h, n + 16);
    if (!q)
        return NULL;
    memcpy(q, &n, sizeof n);
    live_blocks += !p;
    live_bytes += n - old;
    return q + 16;
}

static void t_free(void *ctx, void *p) {
    (void)ctx;
    if (!p)
        return;
    size_t n;
    memcpy(&n, (char *)p - 16, sizeof n);
    live_blocks--;
    live_bytes -= n;
    free((char *)p - 16);
}

static const memdev_allocator al = {t_realloc, t_free, NULL};

static uint64_t BLOCK = 4096; /* the tree knows no blocks: one run uses bytes */

/* The extents the bitmap holds must be the leaves' extents, in order. */
static void check_same(const struct xtree *t, const uint8_t *bit, uint32_t nb) {
    const struct xt_node *l = xt_first_leaf(t);
    uint32_t j = 0, n = 0;
    for (uint32_t b = 0; b < nb;) {
        if (!bit[b]) {
            b++;
            continue;
        }
        uint32_t e = b;
        while (e < nb && bit[e])
            e++;
        while (l && j == l->n)
            l = l->u.lf.next, j = 0;
        CHECK(l != NULL);
        if (!l)
            return;
        CHECK_U64(l->u.lf.e[j].start, (uint64_t)b * BLOCK);
        CHECK_U64(l->u.lf.e[j].end, (uint64_t)e * BLOCK);
        j++, n++;
        b = e;
    }
    CHECK_U64(t->n, n);
}

static uint64_t bits_in(const uint8_t *bit, uint32_t b0, uint32_t b1) {
    uint64_t in = 0;
    for (uint32_t b = b0; b < b1; b++)
        in += bit[b];
    return in * BLOCK;
}

static void run(uint32_t nb, uint32_t ops, uint32_t maxrun, bool oom) {
    struct xtree t = {0};
    uint8_t *bit = calloc(nb, 1);
    char why[200];
    uint32_t max_height = 0, cuts = 0, joins = 0, fails = 0, applied = 0, shorts = 0;
    for (uint32_t op = 0; op < ops; op++) {
        uint32_t len = 1 + (uint32_t)(rnd() % maxrun), b0 = (uint32_t)(rnd() % nb);
        if (len > nb - b0)
            len = nb - b0;
        uint64_t off = (uint64_t)b0 * BLOCK, end = off + (uint64_t)len * BLOCK;
        bool plug = rnd() % 2;
        uint32_t nodes = 0;
        /* what the bitmap says */
        uint64_t in = bits_in(bit, b0, b0 + len);
        bool ok = plug ? in == 0 : in == (uint64_t)len * BLOCK;
        bool joins_left = b0 > 0 && bit[b0 - 1], joins_right = b0 + len < nb && bit[b0 + len];
        bool inserts = plug ? !joins_left && !joins_right : joins_left && joins_right;
        struct xt_path path;
        bool got = plug ? xt_plug_check(&t, off, end, &nodes, &path)
                        : xt_unplug_check(&t, off, end, &nodes, &path);
        CHECK(got == ok);
        if (!ok)
            continue;
        CHECK(nodes == 0 || inserts);
        CHECK(nodes <= t.height + 1);
        /* the stock holds exactly what the check asked for: a miscount takes a node it lacks */
        if (t.nspare > nodes) {
            struct xtree trim = t;
            trim.nspare = 0, trim.spare = NULL;
            for (struct xt_node *x = t.spare; x;) {
                struct xt_node *next = x->u.lf.next;
                if (trim.nspare < nodes) {
                    x->u.lf.next = trim.spare, trim.spare = x, trim.nspare++;
                } else {
                    t_free(NULL, x);
                }
                x = next;
            }
            t = trim;
        }
        if (nodes) {
            long blocks = live_blocks;
            struct xtree before = t;
            if (oom) {
                allocs_left = (long)(rnd() % 5);
                int rc = xt_reserve(&t, &al, nodes);
                allocs_left = -1;
                if (rc) {
                    fails++;
                    CHECK_RC(rc, MEMDEV_ENOMEM);
                    CHECK(memcmp(&before, &t, sizeof t) == 0);
                    CHECK(live_blocks == blocks);
                    continue;
                }
            } else {
                CHECK_RC(xt_reserve(&t, &al, nodes), 0);
            }
        }
        uint32_t stock = t.nspare;
        /* the request itself allocates only to make a root leaf short again, and goes on
         * without it when that fails */
        if (oom)
            allocs_left = (long)(rnd() % 2);
        if (plug) {
            xt_plug(&t, &al, off, end, &path);
            joins += joins_left && joins_right;
        } else {
            xt_unplug(&t, &al, off, end, &path);
            cuts += inserts;
        }
        allocs_left = -1;
        memset(bit + b0, plug, len);
        applied++;
        /* the check counted exactly what the insert took (the stock held just that) */
        if (nodes)
            CHECK_U64(t.nspare, stock - nodes);
        if (xt_validate(&t, why, sizeof why)) {
            fprintf(stderr, "op %u (%s [%u, +%u)): %s\n", op, plug ? "plug" : "unplug", b0, len,
                    why);
            CHECK(false); /* xt_validate failed: its reason is above */
            break;
        }
        if (nb <= 4000 || op % 101 == 0)
            check_same(&t, bit, nb);
        uint32_t q0 = (uint32_t)(rnd() % nb), q1 = q0 + (uint32_t)(rnd() % (nb - q0)) + 1;
        CHECK_U64(xt_bytes_in(&t, (uint64_t)q0 * BLOCK, (uint64_t)q1 * BLOCK),
                  bits_in(bit, q0, q1));
        CHECK_U64(xt_memory(&t), live_bytes);
        CHECK(live_blocks == (long)t.nodes + (long)t.nspare);
        /* a root leaf down to XT_TINY / 2 extents is short, unless an allocation failed [X7] */
        CHECK(oom || t.height != 1 || t.n > XT_TINY / 2 || t.root->tiny);
        shorts += t.height == 1 && t.root->tiny;
        if (t.height > max_height)
            max_height = t.height;
        if (check_failures)
            break;
    }
    /* empty it: every node goes back when the last extent does */
    for (uint32_t b = 0; b < nb && !check_failures; b++)
        if (bit[b]) {
            uint32_t e = b;
            while (e < nb && bit[e])
                e++;
            uint32_t nodes;
            struct xt_path path;
            CHECK(xt_unplug_check(&t, (uint64_t)b * BLOCK, (uint64_t)e * BLOCK, &nodes, &path));
            CHECK(nodes == 0);
            xt_unplug(&t, &al, (uint64_t)b * BLOCK, (uint64_t)e * BLOCK, &path);
            memset(bit + b, 0, e - b);
            CHECK(xt_validate(&t, why, sizeof why) == 0);
        }
    CHECK(t.root == NULL && t.n == 0 && t.height == 0);
    CHECK(live_blocks == 0 && live_bytes == 0);
    xt_destroy(&t, &al);
    printf("  %u blocks, %u ops, runs up to %u%s: %u applied, height up to %u, %u cuts, %u double "
           "joins, %u failed reservations, %u with a short root\n",
           nb, ops, maxrun, oom ? ", failing allocations" : "", applied, max_height, cuts, joins,
           fails, shorts);
    free(bit);
}

/*
 * The split of a node that gets one more entry at its very end (ascending plugs): it keeps all
 * but the minimum its new right neighbour needs, so every node but the last of its level holds
 * XT_LEAF + 1 - XT_LMIN extents or XT_FAN + 1 - XT_IMIN children (an even split, or one more or
 * one less on the left, would leave valid trees of another shape that only memory shows).
 */
static void check_append_shape(const struct xt_node *x, uint32_t level, bool last) {
    if (!last)
        CHECK_U64(x->n, level ? XT_FAN + 1 - XT_IMIN : XT_LEAF + 1 - XT_LMIN);
    if (level)
        for (uint32_t i = 0; i < x->n && !check_failures; i++)
            check_append_shape(x->u.in.c[i], level - 1, last && i + 1 == x->n);
}

/* The validator counts the spare stock past its bound: a full stock (XT_MAXH + 1 nodes) with
 * one more node on its list than its count is caught [X6]. */
static void stock_overfull(void) {
    struct xtree t = {0};
    char why[200];
    uint32_t nodes;
    struct xt_path path;
    CHECK(xt_plug_check(&t, 0, BLOCK, &nodes, &path)); /* an empty tree's stock is one short leaf */
    CHECK_RC(xt_reserve(&t, &al, nodes), 0);
    xt_plug(&t, &al, 0, BLOCK, &path);
    CHECK_RC(xt_reserve(&t, &al, XT_MAXH + 1), 0);
    CHECK(xt_validate(&t, why, sizeof why) == 0);
    struct xt_node *x = al.realloc(al.ctx, NULL, sizeof *x);
    CHECK(x != NULL);
    if (!x)
        return;
    x->u.lf.next = t.spare; /* on the list, not in the count */
    t.spare = x;
    CHECK(xt_validate(&t, why, sizeof why) != 0);
    CHECK(strstr(why, "[X6]") != NULL);
    t.spare = x->u.lf.next;
    al.free(al.ctx, x);
    xt_destroy(&t, &al);
    CHECK(live_blocks == 0);
}

/* One request on the tree and its checks: the reservation may fail (allocs_left), the request
 * itself never does. */
static void req(struct xtree *t, bool plug, uint64_t b0, uint64_t b1, uint32_t want_nodes) {
    uint32_t nodes;
    struct xt_path path;
    char why[200];
    CHECK(plug ? xt_plug_check(t, b0 * BLOCK, b1 * BLOCK, &nodes, &path)
               : xt_unplug_check(t, b0 * BLOCK, b1 * BLOCK, &nodes, &path));
    CHECK_U64(nodes, want_nodes);
    CHECK_RC(xt_reserve(t, &al, nodes), 0);
    if (plug)
        xt_plug(t, &al, b0 * BLOCK, b1 * BLOCK, &path);
    else
        xt_unplug(t, &al, b0 * BLOCK, b1 * BLOCK, &path);
    CHECK(xt_validate(t, why, sizeof why) == 0);
    CHECK_U64(xt_memory(t), live_bytes);
}

/*
 * The short root leaf [X7]: the first extent takes XT_TINY_BYTES, not a node; one extent more
 * than XT_TINY takes one full node (the check says so); down to XT_TINY / 2 extents, by an
 * unplug or by a plug that joins two, it is short again and the stock is given back; and
 * when that short block cannot be had, the full leaf stays and the request still succeeds.
 */
static void short_root(void) {
    struct xtree t = {0};
    char why[200];
    /* a new extent in a one-leaf tree takes a short leaf (empty tree) or a full node (a full
     * short leaf), else nothing */
#define NEW_EXTENT_NODES (!t.root ? 1u : t.root->tiny && t.n == XT_TINY ? 1u : 0u)
    for (uint64_t k = 0; k < XT_TINY; k++) /* extents at 0, 2, ..., 2 (XT_TINY - 1) */
        req(&t, true, 2 * k, 2 * k + 1, NEW_EXTENT_NODES);
    CHECK(t.root->tiny == 1 && t.n == XT_TINY && t.nspare == 0);
    CHECK_U64(live_bytes, XT_TINY_BYTES);
    req(&t, true, 2 * XT_TINY, 2 * XT_TINY + 1, 1); /* one more: a full node, the short goes */
    CHECK(t.root->tiny == 0 && t.height == 1 && t.n == XT_TINY + 1);
    CHECK_U64(live_bytes, sizeof(struct xt_node));
    CHECK_U64(xt_bytes_in(&t, 0, 100 * BLOCK), (XT_TINY + 1) * BLOCK);
    /* unplugs from the top: full until XT_TINY / 2 extents are left, then short */
    while (t.n > XT_TINY / 2) {
        CHECK(t.root->tiny == 0);
        req(&t, false, 2 * (t.n - 1), 2 * (t.n - 1) + 1, 0);
    }
    CHECK(t.root->tiny == 1 && t.nspare == 0);
    CHECK_U64(live_bytes, XT_TINY_BYTES);
    /* full again, then plugs that join two extents: short again at XT_TINY / 2 */
    while (t.n <= XT_TINY)
        req(&t, true, 2 * t.n, 2 * t.n + 1, NEW_EXTENT_NODES);
    CHECK(t.root->tiny == 0);
    uint64_t plugged = (XT_TINY + 1) * BLOCK;
    for (uint64_t k = 0; t.n > XT_TINY / 2; k++, plugged += BLOCK) {
        CHECK(t.root->tiny == 0);
        req(&t, true, 2 * k + 1, 2 * k + 2, 0); /* the hole after extent k: a join */
    }
    CHECK(t.root->tiny == 1);
    CHECK_U64(live_bytes, XT_TINY_BYTES);
    CHECK_U64(xt_bytes_in(&t, 0, 100 * BLOCK), plugged);
    /* the short block cannot be had: the full leaf stays, the request succeeds */
    xt_destroy(&t, &al);
    while (t.n <= XT_TINY)
        req(&t, true, 2 * t.n, 2 * t.n + 1, NEW_EXTENT_NODES);
    while (t.n > XT_TINY / 2 + 1)
        req(&t, false, 2 * (t.n - 1), 2 * (t.n - 1) + 1, 0);
    CHECK(t.root->tiny == 0);
    allocs_left = 0;
    req(&t, false, 2 * (t.n - 1), 2 * (t.n - 1) + 1, 0);
    allocs_left = -1;
    CHECK(t.root->tiny == 0 && t.n == XT_TINY / 2);
    CHECK_U64(live_bytes, sizeof(struct xt_node));
    CHECK(xt_validate(&t, why, sizeof why) == 0);
#undef NEW_EXTENT_NODES
    /* a short reservation that fails leaves the empty tree as it was */
    xt_destroy(&t, &al);
    uint32_t nodes;
    struct xt_path path;
    CHECK(xt_plug_check(&t, 0, BLOCK, &nodes, &path) && nodes == 1);
    allocs_left = 0;
    CHECK_RC(xt_reserve(&t, &al, nodes), MEMDEV_ENOMEM);
    allocs_left = -1;
    CHECK(t.root == NULL && t.spare == NULL && t.nspare == 0 && live_blocks == 0);
    /* a reservation fills a stock: on the empty tree, one of no nodes takes nothing and a
       second one takes nothing more (the short block it has is the one a first plug uses) */
    CHECK_RC(xt_reserve(&t, &al, 0), 0);
    CHECK(t.spare == NULL && t.nspare == 0 && live_blocks == 0);
    CHECK_RC(xt_reserve(&t, &al, 1), 0);
    CHECK_RC(xt_reserve(&t, &al, 1), 0);
    CHECK(t.nspare == 1 && live_blocks == 1);
    CHECK_U64(live_bytes, XT_TINY_BYTES);
    xt_destroy(&t, &al);
    CHECK(live_blocks == 0 && live_bytes == 0);
    printf("  a short root leaf: %zu bytes for up to %d extents (a full node: %zu)\n",
           (size_t)XT_TINY_BYTES, XT_TINY, sizeof(struct xt_node));
}

/* A tree built then destroyed while full gives every node back. */
static void destroy_full(void) {
    struct xtree t = {0};
    for (uint64_t b = 0; b < 20000; b += 2) {
        uint32_t nodes;
        struct xt_path path;
        CHECK(xt_plug_check(&t, b * BLOCK, (b + 1) * BLOCK, &nodes, &path));
        CHECK_RC(xt_reserve(&t, &al, nodes), 0);
        xt_plug(&t, &al, b * BLOCK, (b + 1) * BLOCK, &path);
    }
    char why[200];
    CHECK(xt_validate(&t, why, sizeof why) == 0);
    CHECK(t.height >= 3);
    CHECK_U64(xt_bytes_in(&t, 0, 20000ull * BLOCK), 10000ull * BLOCK);
    check_append_shape(t.root, t.height - 1, true);
    /* ascending plugs leave full leaves behind (an even split would leave them half full) */
    if (XT_LEAF == 30)
        CHECK(xt_memory(&t) < 24u * 10000u);
    printf("  10000 ascending extents: %.1f bytes each\n", (double)xt_memory(&t) / 10000);
    xt_destroy(&t, &al);
    CHECK(live_blocks == 0);
    CHECK(t.root == NULL && t.nspare == 0);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--seed") == 0)
        rng_state = strtoull(argv[2], NULL, 0);
    printf("test_xtree: seed %llu\n", (unsigned long long)rng_state);
    run(40, 4000, 3, false);    /* a root leaf, mostly */
    run(2000, 60000, 4, false); /* two or three levels */
    /* single blocks: four levels (three under MSan, eight when small) */
    run(SINGLE_NB, SINGLE_NB * 5, 1, false);
    run(60000, 200000, 64, false); /* long runs */
    BLOCK = 1;
    run(2000, 60000, 4, false); /* extents of single bytes */
    BLOCK = 4096;
    run(3000, 60000, 3, true); /* failing reservations */
    run(8, 20000, 2, false);   /* a root leaf of a few extents: short, full, short again */
    run(8, 20000, 2, true);    /* ... with failing reservations and short leaves not had */
    destroy_full();
    stock_overfull();
    short_root();
    return check_report("test_xtree");
}
