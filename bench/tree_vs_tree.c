/* SPDX-License-Identifier: MIT */
/*
 * tree_vs_tree.c - the two placement structures alone, without memdev's API around the window
 * tree: core/src/wtree (white-box) against bench/augtree on the same workload in the same
 * process. n devices of 2..32 MiB with alignments 4 KiB, 2 MiB, 1 GiB fill a window; then
 * churn: remove a random device, first-fit plug a new one. Rounds alternate (wtree, augtree)
 * with the same seeds; both must place every device at the same address (checked), so the
 * ratio compares equal work. Usage: tree_vs_tree N [OPS]. Prints ns per remove+plug pair,
 * the ratio, and bytes per device of each structure. Not a test: nothing is asserted on time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "augtree.h"
#include "bench.h"
#include "wtree.h"

static double now(void) {
    struct timespec t;
    timespec_get(&t, TIME_UTC); /* C11; the runs are short enough for wall-clock time */
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t rng;

static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void spec(uint64_t *size, uint64_t *align) {
    static const uint64_t aligns[] = {2u << 20, 2u << 20, 1u << 30, 4096};
    *align = aligns[next() % 4];
    *size = (1 + next() % 16) * (2u << 20);
    if (*size % *align)
        *size = *align;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: tree_vs_tree N [OPS]\n");
        return 2;
    }
    uint32_t n = (uint32_t)strtoul(argv[1], NULL, 0);
    uint32_t ops = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 100000;
    const uint64_t base = 1ull << 32, size = 1ull << 50;
    wtree t;
    augtree *a = NULL;
    uint64_t *wa = calloc(n, sizeof *wa), *aa = calloc(n, sizeof *aa), sz, align;
    if (!n || !wa || !aa || augtree_create(base, size, &a))
        return 2;
    wtree_init(&t, bench_libc_allocator(), base, base + size - 1);
    rng = 12345;
    for (uint32_t i = 0; i < n; i++) {
        spec(&sz, &align);
        wt_pos pos;
        if (wtree_reserve(&t, sz) || wtree_first_fit(&t, sz, align, &wa[i], &pos))
            return 2;
        wtree_insert(&t, &pos, wa[i], wa[i] + sz - 1, i);
    }
    rng = 12345;
    for (uint32_t i = 0; i < n; i++) {
        spec(&sz, &align);
        if (augtree_plug(a, sz, align, i, &aa[i]))
            return 2;
    }
    double tw = 0, ta = 0;
    for (int round = 0; round < 6; round++) {
        double t0 = now();
        rng = 777u + (uint64_t)round;
        for (uint32_t k = 0; k < ops; k++) {
            uint32_t i = (uint32_t)(next() % n);
            wtree_remove(&t, wa[i]);
            spec(&sz, &align);
            wt_pos pos;
            if (wtree_reserve(&t, sz) || wtree_first_fit(&t, sz, align, &wa[i], &pos))
                return 2;
            wtree_insert(&t, &pos, wa[i], wa[i] + sz - 1, i);
        }
        tw += now() - t0;
        t0 = now();
        rng = 777u + (uint64_t)round;
        for (uint32_t k = 0; k < ops; k++) {
            uint32_t i = (uint32_t)(next() % n);
            augtree_unplug(a, aa[i]);
            spec(&sz, &align);
            if (augtree_plug(a, sz, align, i, &aa[i]))
                return 2;
        }
        ta += now() - t0;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (wa[i] != aa[i]) {
            fprintf(stderr, "device %u placed differently: wtree 0x%llx, augtree 0x%llx\n", i,
                    (unsigned long long)wa[i], (unsigned long long)aa[i]);
            return 1;
        }
    }
    printf("n=%-8u churn pair: wtree %.0f ns, augtree %.0f ns, augtree/wtree x%.2f; "
           "bytes/device: wtree %.0f, augtree %.0f\n",
           n, tw / (6.0 * ops) * 1e9, ta / (6.0 * ops) * 1e9, ta / tw, (double)wtree_memory(&t) / n,
           (double)augtree_memory(a) / n);
    wtree_fini(&t);
    augtree_destroy(a);
    free(wa);
    free(aa);
    return 0;
}
