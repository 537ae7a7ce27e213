/* SPDX-License-Identifier: MIT */
/*
 * test_memslots.c - the memslot arithmetic of spec section 4, white-box: every worked
 * example of the spec, the 2^64 edges (no overflow, no wrap, no division by zero), and for
 * seeded random inputs the properties 1 <= n, memslots tile the region, virtio-mem n <= limit,
 * and the decision limit equals an independent 128-bit computation.
 */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "memdev.h"
#include "space.h"

#define GiB (1ull << 30)
#define MiB (1ull << 20)
#define TiB (1ull << 40)

static void example_counts(void) {
    uint64_t s;
    /* 16 GiB, block 2 MiB, limit 64 -> 256 MiB raised to 1 GiB -> 16 */
    CHECK_U64(memslots_vmem(16 * GiB, 2 * MiB, 64, &s), 16);
    CHECK_U64(s, GiB);
    CHECK_U64(memslots_vmem(16 * GiB, 2 * MiB, 1, &s), 1); /* vhost max 64 -> limit 1 */
    CHECK_U64(s, 16 * GiB);
    CHECK_U64(memslots_vmem(TiB, 2 * MiB, 256, &s), 256);
    CHECK_U64(s, 4 * GiB);
    CHECK_U64(memslots_vmem(100 * GiB, 2 * MiB, 64, &s), 64);
    CHECK_U64(s, 1600 * MiB);
    CHECK_U64(memslots_vmem(10 * GiB, 2 * MiB, 3, &s), 3);
    CHECK_U64(s, 3414 * MiB);
    CHECK_U64(memslots_balloon(40 * GiB, 100, &s), 80);
    CHECK_U64(s, 512 * MiB);
    /* Sizes within 128 MiB of 2^64: align_up would wrap -> one memslot. */
    CHECK_U64(memslots_balloon(UINT64_MAX - 5, 1, &s), 1);
    CHECK_U64(s, UINT64_MAX - 5);
    uint64_t big = UINT64_MAX & ~(MiB - 1);
    CHECK(memslots_vmem(big, MiB, 256, &s) <= 256);
}

/* The limit through the API: no hypervisor, budget 64 GiB, virtio-mem 16 GiB -> n = 16. */
static void example_plug(void) {
    const memdev_config cfg = {.base = 4 * GiB, .size = 128 * GiB, .budget = 64 * GiB};
    memdev_space *sp;
    CHECK_RC(memdev_space_create(&cfg, NULL, &sp), 0);
    memdev_device_desc d = {.id = "vm0",
                            .kind = MEMDEV_VIRTIO_MEM,
                            .size = 16 * GiB,
                            .align = 2 * MiB,
                            .fields = MEMDEV_F_DYNAMIC,
                            .dynamic = true};
    memdev_plug_result r;
    CHECK_RC(memdev_plug(sp, &d, &r), 0);
    CHECK_U64(r.memslots, 16);
    CHECK_U64(memslots_limit(sp, 48 * GiB), 240); /* size == remaining: 256-16 scaled by 48/48 */
    memdev_stats st;
    memdev_stats_get(sp, &st);
    CHECK_U64(st.required, 16);
    CHECK_U64(st.used, 0);
    CHECK_U64(st.reserved, 16);
    CHECK_RC(memdev_vhost_add(sp, (memdev_limit){64, 0}), MEMDEV_EVHOSTCONFLICT);
    CHECK_RC(memdev_vhost_add(sp, (memdev_limit){509, 0}), 0);
    memdev_space_destroy(sp);
}

/* floor(m * size / avail) with a 128-bit type, as an independent oracle. */
static uint64_t limit_oracle(uint64_t m, uint64_t size, uint64_t avail) {
    __extension__ typedef unsigned __int128 u128;
    u128 q = (u128)m * size / avail;
    return q < 1 ? 1 : (uint64_t)q;
}

static void random_properties(uint64_t seed) {
    uint64_t rng = seed | 1;
    for (int i = 0; i < 200000; i++) {
        uint64_t block = MiB << rng_below(&rng, 12);
        uint64_t size = (rng_next(&rng) >> rng_below(&rng, 64)) & ~(block - 1);
        uint32_t limit = (uint32_t)(1 + rng_below(&rng, 256)), n;
        uint64_t s;
        if (!size)
            continue;
        n = memslots_vmem(size, block, limit, &s);
        CHECK(n >= 1 && n <= limit);
        CHECK(n == 1 ? s == size : s % block == 0 && s >= GiB && (n - 1) * s < size);
        uint64_t any = rng_next(&rng) >> rng_below(&rng, 64);
        if (any) {
            n = memslots_balloon(any, limit, &s);
            CHECK(n >= 1 && (n == 1 ? s == any : (n - 1) * s < any && any - (n - 1) * s <= s));
        }
    }
    /* The limit of rule 5 through a space: used_size 0, so avail = budget. */
    for (int i = 0; i < 2000; i++) {
        uint64_t budget = 1 + (rng_next(&rng) >> rng_below(&rng, 64));
        uint64_t size = 1 + rng_below(&rng, budget);
        const memdev_config cfg = {.base = 0, .size = UINT64_MAX, .budget = budget};
        memdev_space *sp;
        if (memdev_space_create(&cfg, NULL, &sp))
            continue;
        uint64_t want = size == budget ? 256 : limit_oracle(256, size, budget);
        CHECK_U64(memslots_limit(sp, size), want);
        memdev_space_destroy(sp);
    }
}

int main(int argc, char **argv) {
    uint64_t seed = check_seed(argc, argv, 0x51075);
    printf("test_memslots: seed 0x%llx\n", (unsigned long long)seed);
    example_counts();
    example_plug();
    random_properties(seed);
    return check_report("test_memslots");
}
