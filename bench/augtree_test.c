/* SPDX-License-Identifier: MIT */
/*
 * augtree_test.c - the benchmarks' augmented-tree baseline must place exactly like memdev, or
 * its timings compare different work. Seeded random operations run on the tree and on two
 * oracles: a brute-force first fit over the spec's candidate set (align_up(base) and
 * align_up(end(D)) for every device D, spec section 3) on a sorted array, and the reference
 * model (core/model) driven with virtio-mem / virtio-pmem devices. Every result is compared
 * and augtree_validate() runs after every operation. Prints the seed; argv[1] overrides it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "augtree.h"
#include "memdev.h"
#include "model.h"

#define MAXDEV 1024

struct dev {
    uint64_t start, size;
    bool unpluggable;
    char id[16];
};

static struct dev devs[MAXDEV]; /* sorted by start */
static size_t ndev;
static uint64_t rng_state;

static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The spec's brute-force oracle: the minimum feasible candidate, or false. */
static bool oracle_fit(uint64_t base, uint64_t wlast, uint64_t size, uint64_t align,
                       uint64_t *out) {
    bool found = false;
    for (size_t c = 0; c <= ndev; c++) {
        uint64_t from = c == 0 ? base : devs[c - 1].start + devs[c - 1].size;
        if (c > 0 && devs[c - 1].start + devs[c - 1].size - 1 == wlast)
            continue;
        uint64_t a = (from + align - 1) & ~(align - 1);
        if (a < from || a > wlast || wlast - a < size - 1)
            continue;
        bool clash = false;
        for (size_t i = 0; i < ndev && !clash; i++)
            clash = devs[i].start <= a + (size - 1) && a <= devs[i].start + (devs[i].size - 1);
        if (!clash && (!found || a < *out)) {
            *out = a;
            found = true;
        }
    }
    return found;
}

static void add_dev(uint64_t start, uint64_t size, bool unpluggable, const char *id) {
    size_t i = ndev;
    while (i > 0 && devs[i - 1].start > start) {
        devs[i] = devs[i - 1];
        i--;
    }
    devs[i] = (struct dev){start, size, unpluggable, {0}};
    snprintf(devs[i].id, sizeof devs[i].id, "%s", id);
    ndev++;
}

static int fail(const char *what, uint64_t a, uint64_t b, unsigned step) {
    fprintf(stderr, "FAIL step %u seed %" PRIu64 ": %s: tree 0x%" PRIx64 " oracle 0x%" PRIx64 "\n",
            step, rng_state, what, a, b);
    return 1;
}

static const uint64_t K4 = 4096, M1 = 1ull << 20, G1 = 1ull << 30;

/* One random plug through first fit; small alignments only on non-unpluggable pmem. */
static int step_plug(augtree *t, model_space *m, uint64_t base, uint64_t wlast, unsigned step) {
    static const uint64_t aligns[] = {4096, 65536, 1ull << 20, 2ull << 20, 1ull << 30};
    uint64_t align = aligns[rnd() % 5];
    bool vmem = align >= M1;
    uint64_t unit = vmem ? M1 : K4;
    uint64_t size = unit * (1 + rnd() % 700);
    if (rnd() % 16 == 0)
        size = G1 + unit * (rnd() % 3);
    if (size % align) /* memdev needs size % align == 0 */
        size = align * (1 + rnd() % 3);
    char id[16];
    snprintf(id, sizeof id, "d%u", step);
    memdev_device_desc d = {.id = id,
                            .kind = vmem ? MEMDEV_VIRTIO_MEM : MEMDEV_VIRTIO_PMEM,
                            .size = size,
                            .align = align};
    if (vmem) {
        d.fields = MEMDEV_F_BLOCK;
        d.block = M1;
    }
    uint64_t ta = 0, oa = 0;
    memdev_plug_result mr;
    int trc = augtree_plug(t, size, align, step, &ta);
    int mrc = model_plug(m, &d, &mr);
    bool ok = oracle_fit(base, wlast, size, align, &oa);
    if ((trc == 0) != ok || (mrc == 0) != ok)
        return fail("plug success differs (model rc in low bits)", (uint64_t)trc, (uint64_t)mrc,
                    step);
    if (!ok)
        return trc == MEMDEV_EFRAGMENTED ? 0 : fail("plug error", (uint64_t)trc, 0, step);
    if (ta != oa || mr.addr != oa)
        return fail("plug address (model in oracle column if tree agrees)", ta,
                    ta != oa ? oa : mr.addr, step);
    add_dev(ta, size, vmem, id);
    return 0;
}

static int step_other(augtree *t, model_space *m, uint64_t base, uint64_t wlast, unsigned step) {
    unsigned op = (unsigned)(rnd() % 3);
    if (op == 0 && ndev > 0) { /* unplug an unpluggable device */
        size_t i = (size_t)(rnd() % ndev);
        if (!devs[i].unpluggable)
            return 0;
        if (augtree_unplug(t, devs[i].start) != 0 || model_unplug(m, devs[i].id) != 0)
            return fail("unplug failed", devs[i].start, 0, step);
        if (augtree_unplug(t, devs[i].start) != MEMDEV_EUNKNOWNID)
            return fail("second unplug succeeded", devs[i].start, 0, step);
        memmove(&devs[i], &devs[i + 1], (ndev - i - 1) * sizeof devs[0]);
        ndev--;
        return 0;
    }
    if (op == 1) { /* fixed-address plug, 1 GiB granules: conflicts and successes */
        uint64_t a = base + G1 * (rnd() % ((wlast - base) / G1));
        uint64_t size = G1 / 2;
        bool clash = false;
        for (size_t i = 0; i < ndev; i++)
            clash |= devs[i].start <= a + size - 1 && a <= devs[i].start + devs[i].size - 1;
        char id[16];
        snprintf(id, sizeof id, "f%u", step);
        memdev_device_desc d = {.id = id,
                                .kind = MEMDEV_VIRTIO_PMEM,
                                .size = size,
                                .align = M1,
                                .fields = MEMDEV_F_ADDR,
                                .addr = a};
        int rc = augtree_plug_at(t, a, size, step);
        int mrc = model_plug(m, &d, NULL);
        if (rc != (clash ? MEMDEV_ECONFLICT : 0) || mrc != rc)
            return fail("plug_at result (tree, model)", (uint64_t)rc, (uint64_t)mrc, step);
        if (!clash)
            add_dev(a, size, false, id);
        return 0;
    }
    uint64_t gpa = base + rnd() % (wlast - base + 1);
    uint32_t dev;
    uint64_t start = UINT64_MAX, expect = UINT64_MAX;
    bool hit = augtree_lookup(t, gpa, &dev, &start);
    for (size_t i = 0; i < ndev; i++)
        if (devs[i].start <= gpa && gpa - devs[i].start < devs[i].size)
            expect = devs[i].start;
    if (hit != (expect != UINT64_MAX) || (hit && start != expect))
        return fail("lookup", start, expect, step);
    return 0;
}

/* The node with the highest start (the last in address order). */
static aug_node *highest(aug_node *x) {
    while (x && x->right)
        x = x->right;
    return x;
}

/*
 * augtree_validate finds each broken invariant of a tree of 64 devices, names it, and passes
 * the tree again once it is mended (the validate benchmark times it against memdev's: a
 * validator that checked less would also take less time).
 */
static int broken_trees(void) {
    augtree *t;
    uint64_t base = 4 * G1, at;
    if (augtree_create(base, 64 * G1, &t))
        return fail("create", 0, 0, 0);
    for (uint32_t i = 0; i < 64; i++)
        if (augtree_plug(t, (1 + i % 5) * 2 * M1, i % 3 ? 2 * M1 : G1, i, &at))
            return fail("plug", i, 0, 0);
    for (uint32_t i = 0; i < 64; i += 3) /* holes, so gaps are not all 0 */
        if (augtree_lookup(t, base + (uint64_t)i * 8 * M1, &(uint32_t){0}, &at))
            augtree_unplug(t, at);
    aug_node *r = t->root, *hi = highest(t->root), *lo = t->root;
    while (lo->left)
        lo = lo->left;
    aug_node *second = lo->right ? lo->right : r; /* a node after the lowest */
    while (second->left && second->left != lo)
        second = second->left;
    struct {
        const char *name, *says;
        uint64_t *field;
        int32_t *h;
        size_t *count;
        int64_t by;
    } cases[] = {
        {"the root's height + 1", "(I4)", NULL, &r->height, NULL, 1},
        {"the root's max gap + 1", "(I3)", &r->max_gap, NULL, NULL, 1},
        {"the highest device's gap + 4 KiB", "(I2)", &hi->gap, NULL, NULL, 4096},
        {"the highest device's last byte - 4 KiB", "(I5)", &hi->last, NULL, NULL, -4096},
        {"the highest device's last byte past the window", "(I1)", &hi->last, NULL, NULL,
         (int64_t)(t->wlast - hi->last + 1)},
        {"a device starting at the lowest one's last byte", "(I1)", &second->start, NULL, NULL,
         (int64_t)(lo->last - second->start)},
        {"the count + 1", "count", NULL, NULL, &t->count, 1},
    };
    int rc = 0;
    char msg[256];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0] && rc == 0; k++) {
        for (int round = 0; round < 2; round++) {
            int64_t by = round ? -cases[k].by : cases[k].by;
            if (cases[k].field)
                *cases[k].field += (uint64_t)by;
            else if (cases[k].h)
                *cases[k].h += (int32_t)by;
            else
                *cases[k].count += (size_t)by;
            msg[0] = '\0';
            int v = augtree_validate(t, msg, sizeof msg);
            if (round == 0 && (v != MEMDEV_EINVARIANT || !strstr(msg, cases[k].says))) {
                fprintf(stderr, "FAIL broken tree, %s: validate %d, '%s' (should name %s)\n",
                        cases[k].name, v, msg, cases[k].says);
                rc = 1;
            } else if (round == 1 && v != 0) {
                fprintf(stderr, "FAIL broken tree, %s, mended: validate %d, '%s'\n", cases[k].name,
                        v, msg);
                rc = 1;
            }
        }
    }
    augtree_destroy(t);
    if (rc == 0)
        printf("ok: %zu broken trees found and named\n", sizeof cases / sizeof cases[0]);
    return rc;
}

int main(int argc, char **argv) {
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 20261124;
    printf("augtree_test seed %" PRIu64 "\n", seed);
    rng_state = seed | 1;
    /* Window base not 1 GiB aligned, so the first alignment hole matters. */
    uint64_t base = 6 * G1 + 3 * M1, size = 64 * G1, wlast = base + size - 1;
    memdev_config cfg = {.base = base, .size = size, .budget = size};
    augtree *t;
    model_space *m;
    if (augtree_create(base, size, &t) || model_space_create(&cfg, &m)) {
        fprintf(stderr, "FAIL: create\n");
        return 1;
    }
    char msg[256];
    int rc = 0;
    if (augtree_largest_gap(t) != size) /* the empty window is one gap */
        rc = fail("largest gap of the empty window", augtree_largest_gap(t), size, 0);
    for (unsigned step = 0; step < 20000 && rc == 0; step++) {
        bool plug = ndev < 500 && rnd() % 2;
        rc = plug ? step_plug(t, m, base, wlast, step) : step_other(t, m, base, wlast, step);
        if (rc == 0 && augtree_validate(t, msg, sizeof msg) != 0) {
            fprintf(stderr, "FAIL step %u: %s\n", step, msg);
            rc = 1;
        }
        if (rc == 0 && augtree_count(t) != ndev)
            rc = fail("count", augtree_count(t), ndev, step);
    }
    /* The largest gap agrees with a scan of the oracle's array. */
    uint64_t lg = 0, prev = base;
    for (size_t i = 0; i < ndev; i++) {
        lg = devs[i].start - prev > lg ? devs[i].start - prev : lg;
        prev = devs[i].start + devs[i].size;
    }
    if (wlast - prev + 1 > lg)
        lg = wlast - prev + 1;
    if (rc == 0 && augtree_largest_gap(t) != lg)
        rc = fail("largest gap", augtree_largest_gap(t), lg, 0);
    augtree_destroy(t);
    model_space_destroy(m);
    printf("%s (%zu devices at the end)\n", rc ? "FAILED" : "ok", ndev);
    return rc ? rc : broken_trees();
}
