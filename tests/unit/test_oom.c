/* SPDX-License-Identifier: MIT */
/*
 * test_oom.c - allocation-failure test. Every operation of a seeded sequence (plugs of every
 * kind growing the device table, id hash and tree through many splits, a quarter of the
 * dimms, nvdimms and virtio-pmem devices of sizes that are no whole number of pages, which go
 * through the tree's wide table [I9]; virtio-mem requests
 * that split extents; vhost backends; unplugs; one id in four longer than the 15 bytes a record
 * holds inline) is first run with the k-th allocation failing,
 * for k = 1, 2, ... until it no longer fails with no-memory. Each failure must return
 * MEMDEV_ENOMEM, must actually have been injected, and must leave the digest unchanged and
 * the space valid (and, at the end, destroying the space frees every block it took:
 * nothing a failure let go of leaked, even in a build without the leak sanitizer); the final
 * attempt must give the same result and the same state as a twin space that never fails an
 * allocation. Space creation is tested the same way.
 */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "memdev.h"

#define GiB (1ull << 30)
#define MiB (1ull << 20)

struct op {
    int type; /* 0 plug, 1 unplug, 2 vmem, 3 vhost */
    memdev_device_desc d;
    char id[48];
    bool plug;
    uint64_t off, len;
    memdev_limit limit;
};

static int apply(memdev_space *sp, struct op *o, memdev_plug_result *res) {
    switch (o->type) {
    case 0:
        return memdev_plug(sp, &o->d, res);
    case 1:
        return memdev_unplug(sp, o->id);
    case 2:
        return memdev_vmem_request(sp, o->id, o->plug, o->off, o->len);
    default:
        return memdev_vhost_add(sp, o->limit);
    }
}

/* Device i's id: one in four is longer than the 15 bytes a record holds inline (a heap copy). */
static void dev_name(char *buf, size_t cap, uint32_t i) {
    snprintf(buf, cap, i % 4 == 1 ? "dimm-node%u-slot-with-a-long-id" : "d%u", i);
}

static void make_op(uint64_t *rng, struct op *o, uint32_t i) {
    memset(o, 0, sizeof *o);
    uint64_t r = rng_below(rng, 100);
    snprintf(o->id, sizeof o->id, "v%u", (unsigned)rng_below(rng, 400));
    if (r < 55) {
        o->type = 0;
        dev_name(o->id, sizeof o->id, i);
        o->d.id = o->id;
        o->d.kind = (memdev_kind)rng_below(rng, MEMDEV_KIND_COUNT);
        o->d.size = 2 * MiB * (1 + rng_below(rng, 64));
        o->d.align = 2 * MiB;
        o->d.fields = MEMDEV_F_MEMDEV;
        o->d.memdev = "backend";
        if (o->d.kind == MEMDEV_VIRTIO_MEM) {
            snprintf(o->id, sizeof o->id, "v%u", i % 400);
            o->d.size = GiB * (1 + rng_below(rng, 4));
            o->d.fields |= MEMDEV_F_REQUESTED | MEMDEV_F_DYNAMIC;
            o->d.requested = o->d.size;
            o->d.dynamic = rng_below(rng, 2);
        } else if (o->d.kind == MEMDEV_HV_BALLOON) {
            o->d.fields |= rng_below(rng, 2) ? MEMDEV_F_EMPTY : 0;
            o->d.size = 128 * MiB * (1 + rng_below(rng, 8));
        } else if (rng_below(rng, 4) == 0) {
            /* a size of no whole number of pages, at alignment 1: the window tree keeps its
               last byte in the wide table, allocated with the first such plug [I9] */
            o->d.size += 4096 * rng_below(rng, 16) + 1 + rng_below(rng, 4095);
            o->d.align = 1;
        }
    } else if (r < 70) {
        o->type = 1;
        dev_name(o->id, sizeof o->id, (uint32_t)rng_below(rng, i + 1));
    } else if (r < 97) {
        o->type = 2;
        o->plug = rng_below(rng, 4) != 0;
        o->off = 2 * MiB * rng_below(rng, 512);
        o->len = 2 * MiB * (1 + rng_below(rng, 3));
    } else {
        o->type = 3;
        o->limit =
            (memdev_limit){(uint32_t)(509 + rng_below(rng, 600)), (uint32_t)rng_below(rng, 8)};
    }
}

int main(int argc, char **argv) {
    uint64_t seed = check_seed(argc, argv, 0x00a11c);
    uint64_t rng = seed | 1;
    printf("test_oom: seed 0x%llx\n", (unsigned long long)seed);
    const memdev_config cfg = {.base = 4 * GiB,
                               .size = 1ull << 44,
                               .budget = 1ull << 43,
                               .dimm_slots = 256,
                               .has_kvm = true,
                               .kvm = {32764, 10}};
    struct check_inject in = {0};
    const memdev_allocator al = {check_inject_realloc, check_inject_free, &in};
    memdev_space *sp = NULL, *ref = NULL;
    long fired_create = 0, failures_checked = 0, ops = 0, wide_checked = 0, long_checked = 0;
    char msg[512];

    for (in.fail_at = 1;; in.fail_at++) {
        in.calls = 0;
        int rc = memdev_space_create(&cfg, &al, &sp);
        if (rc != MEMDEV_ENOMEM)
            break;
        CHECK(sp == NULL);
        fired_create++;
    }
    CHECK(sp != NULL);
    CHECK(fired_create >= 1);
    CHECK_RC(memdev_space_create(&cfg, NULL, &ref), 0);
    if (!sp || !ref)
        return check_report("test_oom");

    for (uint32_t i = 0; i < 3000 && !check_failures; i++) {
        struct op o;
        make_op(&rng, &o, i);
        memdev_plug_result want = {0}, got = {0};
        int want_rc = apply(ref, &o, &want), rc;
        for (in.fail_at = 1;; in.fail_at++) {
            uint64_t before = memdev_digest(sp);
            in.calls = 0;
            in.fired = 0;
            rc = apply(sp, &o, &got);
            if (rc != MEMDEV_ENOMEM || in.fired == 0)
                break;
            failures_checked++;
            wide_checked += o.type == 0 && (o.d.size & 4095);
            long_checked += o.type == 0 && strlen(o.id) > 15;
            CHECK_U64(memdev_digest(sp), before);
            if (memdev_validate(sp, msg, sizeof msg)) {
                fprintf(stderr, "op %u, allocation %ld failed: %s\n", i, in.fail_at, msg);
                check_failures++;
            }
        }
        /* It ran out of allocations to fail: the result must be the twin's. */
        CHECK_RC(rc, want_rc);
        CHECK_U64(memdev_digest(sp), memdev_digest(ref));
        if (!rc && o.type == 0)
            CHECK(got.addr == want.addr && got.slot == want.slot && got.memslots == want.memslots);
        ops++;
    }
    in.fail_at = 0;
    CHECK(failures_checked > 1000);
    CHECK(wide_checked > 20);
    CHECK(long_checked > 100);
    printf("test_oom: %ld operations, %ld injected allocation failures checked (%ld at create, "
           "%ld in plugs of wide sizes, %ld in plugs of long ids)\n",
           ops, failures_checked, fired_create, wide_checked, long_checked);
    memdev_space_destroy(sp);
    memdev_space_destroy(ref);
    /* A failed operation may keep room it reserved for the next one, but every block it took
       belongs to the space: destroying it gives all of them back. */
    if (in.live != 0)
        fprintf(stderr, "test_oom: %ld heap blocks leaked\n", in.live);
    CHECK(in.live == 0);
    return check_report("test_oom");
}
