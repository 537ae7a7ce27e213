/* SPDX-License-Identifier: MIT */
/*
 * test_xtree.c - white-box randomized test of a virtio-mem device's extent tree (xtree.c)
 * against a bitmap of blocks: plug and unplug checks, the requests themselves (merging with
 * either neighbour, both, or none; cutting an extent in two; removing one), the plugged bytes
 * of any range, the order of the extents through the leaf chain, xt_validate() after every
 * request, and allocation failures (a failed reservation leaves the tree as it was). Runs
 * devices small enough for a root leaf and large enough for four levels, with single blocks
 * and runs. Seeded; --seed N reproduces.
 */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "memdev.h"
#include "xtree.h"

static uint64_t rng_state = 1;

static uint64_t rnd(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static long allocs_left = -1; /* < 0: never fail */
static long live_blocks;

static void *t_realloc(void *ctx, void *p, size_t n) {
    (void)ctx;
    if (!p && allocs_left == 0)
        return NULL;
    if (!p && allocs_left > 0)
        allocs_left--;
    void *q = realloc(p, n);
    live_blocks += !p && q;
    return q;
}

static void t_free(void *ctx, void *p) {
    (void)ctx;
    live_blocks -= p != NULL;
    free(p);
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
    uint32_t max_height = 0, cuts = 0, joins = 0, fails = 0, applied = 0;
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
                    free(x);
                    live_blocks--;
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
        if (plug) {
            xt_plug(&t, &al, off, end, &path);
            joins += joins_left && joins_right;
        } else {
            xt_unplug(&t, &al, off, end, &path);
            cuts += inserts;
        }
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
        CHECK_U64(xt_memory(&t), ((size_t)t.nodes + t.nspare) * sizeof(struct xt_node));
        CHECK(live_blocks == (long)t.nodes + (long)t.nspare);
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
    CHECK(live_blocks == 0);
    xt_destroy(&t, &al);
    printf("  %u blocks, %u ops, runs up to %u%s: %u applied, height up to %u, %u cuts, %u double "
           "joins, %u failed reservations\n",
           nb, ops, maxrun, oom ? ", failing allocations" : "", applied, max_height, cuts, joins,
           fails);
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
    run(40, 4000, 3, false);       /* a root leaf, mostly */
    run(2000, 60000, 4, false);    /* two or three levels */
    run(60000, 300000, 1, false);  /* single blocks: four levels */
    run(60000, 200000, 64, false); /* long runs */
    BLOCK = 1;
    run(2000, 60000, 4, false); /* extents of single bytes */
    BLOCK = 4096;
    run(3000, 60000, 3, true); /* failing reservations */
    destroy_full();
    stock_overfull();
    return check_report("test_xtree");
}
