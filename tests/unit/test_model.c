/* SPDX-License-Identifier: MIT */
/*
 * model_selftest.c - checks the reference model against the spec's own numbers, so that the
 * model can be trusted as the oracle of the differential tests and fuzzers.
 *
 * Every expected value here is taken from the spec text (memory-devices.md): the board table of
 * section 1, the budget/fragmented example and the check order of section 3, every memslot
 * example of section 4, the remap rules of section 5, and the 2^64 edge cases that sections 1,
 * 3 and 10 call out. A seeded randomized part compares the model's first fit with the
 * brute-force oracle the spec describes (minimum over align_up(base) and align_up(end(D))).
 * Each failed check prints the model's value, the expected value and a dump of the model.
 * Usage: model_selftest [seed]
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define TIB (1ull << 40)
#define TOP (~0ull) /* 2^64 - 1 */

typedef struct st {
    int checks, fails;
    const char *test;
    const model_space *cur; /* dumped on the first failure of a test */
    bool dumped;
} st;

static void fail_dump(st *t) {
    if (t->cur && !t->dumped) {
        model_dump(t->cur, stderr);
        t->dumped = true;
    }
}

static void chk(st *t, int line, const char *what, uint64_t got, uint64_t want) {
    t->checks++;
    if (got == want)
        return;
    t->fails++;
    fprintf(stderr,
            "FAIL %s (line %d): %s: model=%" PRIu64 " (0x%" PRIx64 ") expected=%" PRIu64
            " (0x%" PRIx64 ")\n",
            t->test, line, what, got, got, want, want);
    fail_dump(t);
}

static void chk_rc(st *t, int line, const char *what, int got, int want) {
    t->checks++;
    if (got == want)
        return;
    t->fails++;
    fprintf(stderr, "FAIL %s (line %d): %s: model=%s expected=%s\n", t->test, line, what,
            memdev_error_name(got), memdev_error_name(want));
    fail_dump(t);
}

#define CHECK(t, what, got, want) chk((t), __LINE__, (what), (uint64_t)(got), (uint64_t)(want))
#define CHECK_RC(t, what, got, want) chk_rc((t), __LINE__, (what), (got), (want))

static void begin(st *t, const char *name) {
    t->test = name;
    t->cur = NULL;
    t->dumped = false;
}

static memdev_config cfg_of(uint64_t base, uint64_t size, uint64_t budget, uint32_t slots) {
    memdev_config c;
    memset(&c, 0, sizeof c);
    c.base = base;
    c.size = size;
    c.budget = budget;
    c.dimm_slots = slots;
    return c;
}

/* Creates a space (must succeed) and makes it the one dumped on failure. */
static model_space *mk_cfg(st *t, const memdev_config *c) {
    model_space *m = NULL;
    int rc = model_space_create(c, &m);
    CHECK_RC(t, "space_create", rc, 0);
    if (rc) {
        fprintf(stderr, "cannot continue %s\n", t->test);
        exit(1);
    }
    t->cur = m;
    return m;
}

static model_space *mk(st *t, uint64_t base, uint64_t size, uint64_t budget, uint32_t slots) {
    memdev_config c = cfg_of(base, size, budget, slots);
    return mk_cfg(t, &c);
}

static memdev_device_desc dsc(const char *id, memdev_kind k, uint64_t size, uint64_t align) {
    memdev_device_desc d;
    memset(&d, 0, sizeof d);
    d.id = id;
    d.kind = k;
    d.size = size;
    d.align = align;
    return d;
}

static memdev_device_desc vmem(const char *id, uint64_t size, bool dyn) {
    memdev_device_desc d = dsc(id, MEMDEV_VIRTIO_MEM, size, 2 * MIB);
    d.fields = MEMDEV_F_DYNAMIC;
    d.dynamic = dyn;
    return d;
}

static memdev_device_desc hinted(memdev_device_desc d, uint64_t addr) {
    d.fields |= MEMDEV_F_ADDR;
    d.addr = addr;
    return d;
}

/* Plugs d, expects success at addr with n memslots; returns the result. */
static memdev_plug_result plug_ok(st *t, int line, model_space *m, memdev_device_desc d,
                                  uint64_t addr, uint32_t n) {
    memdev_plug_result r;
    memset(&r, 0, sizeof r);
    chk_rc(t, line, d.id, model_plug(m, &d, &r), 0);
    chk(t, line, "plug addr", r.addr, addr);
    chk(t, line, "plug memslots", r.memslots, n);
    return r;
}
#define PLUG_OK(t, m, d, addr, n) plug_ok((t), __LINE__, (m), (d), (addr), (n))

static int plug(model_space *m, memdev_device_desc d) {
    return model_plug(m, &d, NULL);
}

static memdev_stats stats(const model_space *m) {
    memdev_stats s;
    model_stats_get(m, &s);
    return s;
}

static memdev_device_info info(st *t, const model_space *m, const char *id) {
    memdev_device_info i;
    memset(&i, 0, sizeof i);
    CHECK_RC(t, id, model_device_get(m, id, &i), 0);
    return i;
}

static void done(st *t, model_space *m) {
    model_space_destroy(m);
    t->cur = NULL;
}

/* ---------------------------------------------------------------------------------------- */

static void test_config(st *t) {
    memdev_config c;
    memdev_limit bad = {4, 5};
    model_space *m = NULL;
    begin(t, "config");
    c = cfg_of(0, 0, 1, 0);
    CHECK_RC(t, "size 0", model_space_create(&c, &m), MEMDEV_EINVAL);
    c = cfg_of(TOP - GIB + 2, GIB, GIB, 0);
    CHECK_RC(t, "wrapping window", model_space_create(&c, &m), MEMDEV_EINVAL);
    c = cfg_of(0, 1, 1, 257);
    CHECK_RC(t, "257 slots", model_space_create(&c, &m), MEMDEV_EINVAL);
    c.has_kvm = true;
    c.kvm = bad;
    c.dimm_slots = 256;
    CHECK_RC(t, "kvm other > max", model_space_create(&c, &m), MEMDEV_EINVAL);
    c.has_kvm = false; /* ignored without kvm */
    CHECK_RC(t, "256 slots, kvm absent", model_space_create(&c, &m), 0);
    model_space_destroy(m);
    c.n_vhost = 1;
    c.vhost = &bad;
    CHECK_RC(t, "vhost other > max", model_space_create(&c, &m), MEMDEV_EINVAL);
    c = cfg_of(TOP - GIB + 1, GIB, GIB, 0); /* ends exactly at 2^64 */
    m = mk_cfg(t, &c);
    CHECK(t, "largest_gap of a window ending at 2^64", stats(m).largest_gap, GIB);
    done(t, m);
    c = cfg_of(0, TOP, TOP, 0);
    m = mk_cfg(t, &c);
    CHECK(t, "largest_gap of the largest window", stats(m).largest_gap, TOP);
    done(t, m);
}

/* Spec section 1 board table: a 1 GiB DIMM lands at the base, budget is exact. */
static void test_boards(st *t) {
    static const struct {
        const char *name;
        uint64_t base, size, budget;
        uint32_t slots;
    } rows[] = {
        {"q35 -m 4G,slots=4,maxmem=16G", 6 * GIB, 16 * GIB, 12 * GIB, 4},
        {"q35 -m 4G,slots=2,maxmem=20G", 6 * GIB, 18 * GIB, 16 * GIB, 2},
        {"q35 -m 2G,slots=1,maxmem=3G", 4 * GIB, 2 * GIB, 1 * GIB, 1},
        {"pc -m 4G,slots=2,maxmem=8G", 5 * GIB, 6 * GIB, 4 * GIB, 2},
        {"arm virt -m 4G,slots=2,maxmem=8G", 5 * GIB, 6 * GIB, 4 * GIB, 2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        model_space *m;
        memdev_plug_result r;
        memdev_stats s;
        begin(t, rows[i].name);
        m = mk(t, rows[i].base, rows[i].size, rows[i].budget, rows[i].slots);
        r = PLUG_OK(t, m, dsc("d0", MEMDEV_DIMM, GIB, 2 * MIB), rows[i].base, 1);
        CHECK(t, "slot", r.slot, 0);
        if (rows[i].budget > GIB) {
            PLUG_OK(t, m, dsc("d1", MEMDEV_VIRTIO_PMEM, rows[i].budget - GIB, 2 * MIB),
                    rows[i].base + GIB, 1);
        }
        CHECK_RC(t, "over budget", plug(m, dsc("d2", MEMDEV_VIRTIO_PMEM, 2 * MIB, 2 * MIB)),
                 MEMDEV_ENOSPACE);
        s = stats(m);
        CHECK(t, "used_size", s.used_size, rows[i].budget);
        CHECK(t, "largest_gap", s.largest_gap, rows[i].size - rows[i].budget);
        CHECK(t, "dimm_slots_used", s.dimm_slots_used, 1);
        done(t, m);
    }
}

/* Spec section 3: window [6G, 15G), budget 8 GiB, two 4 GiB devices aligned to 4 GiB. */
static void test_budget_fragmented(st *t) {
    model_space *m;
    uint64_t a = 0;
    begin(t, "budget/fragmented example");
    m = mk(t, 6 * GIB, 9 * GIB, 8 * GIB, 2);
    PLUG_OK(t, m, dsc("a", MEMDEV_DIMM, 4 * GIB, 4 * GIB), 8 * GIB, 1);
    CHECK_RC(t, "free 4G/4G", model_free(m, 4 * GIB, 4 * GIB, &a), MEMDEV_EFRAGMENTED);
    CHECK_RC(t, "second", plug(m, dsc("b", MEMDEV_DIMM, 4 * GIB, 4 * GIB)), MEMDEV_EFRAGMENTED);
    CHECK(t, "nothing changed: devices", stats(m).devices, 1);
    CHECK(t, "nothing changed: used_size", stats(m).used_size, 4 * GIB);
    CHECK(t, "nothing changed: slots", stats(m).dimm_slots_used, 1);
    CHECK(t, "largest gap", stats(m).largest_gap, 3 * GIB);
    CHECK_RC(t, "free 2G/2M", model_free(m, 2 * GIB, 2 * MIB, &a), 0);
    CHECK(t, "free 2G/2M addr", a, 6 * GIB);
    done(t, m);
}

/* First fit walks past a device lying in the alignment hole before the candidate. */
static void test_first_fit_hole(st *t) {
    model_space *m;
    begin(t, "first fit: device in the alignment hole");
    m = mk(t, 0, 32 * GIB, 32 * GIB, 0);
    PLUG_OK(t, m, hinted(dsc("d1", MEMDEV_VIRTIO_PMEM, GIB, 2 * MIB), GIB), GIB, 1);
    PLUG_OK(t, m, hinted(dsc("d2", MEMDEV_VIRTIO_PMEM, GIB / 2, 2 * MIB), 3 * GIB), 3 * GIB, 1);
    PLUG_OK(t, m, hinted(dsc("d3", MEMDEV_VIRTIO_PMEM, GIB, 2 * MIB), 5 * GIB), 5 * GIB, 1);
    PLUG_OK(t, m, dsc("big", MEMDEV_VIRTIO_PMEM, 4 * GIB, 4 * GIB), 8 * GIB, 1);
    PLUG_OK(t, m, dsc("small", MEMDEV_VIRTIO_PMEM, GIB, 2 * MIB), 0, 1);
    PLUG_OK(t, m, dsc("mid", MEMDEV_VIRTIO_PMEM, GIB, 2 * MIB), 2 * GIB, 1);
    CHECK(t, "largest_gap", stats(m).largest_gap, 20 * GIB);
    done(t, m);
}

/* Spec section 4 examples. */
static void test_memslot_examples(st *t) {
    memdev_config c;
    memdev_limit vh64 = {64, 0};
    memdev_device_info i;
    model_space *m;
    memdev_stats s;

    begin(t, "memslots: 16 GiB in a 64 GiB budget -> 16");
    m = mk(t, 4 * GIB, 64 * GIB, 64 * GIB, 0);
    PLUG_OK(t, m, vmem("v", 16 * GIB, true), 4 * GIB, 16);
    i = info(t, m, "v");
    CHECK(t, "memslot_size", i.memslot_size, GIB);
    CHECK(t, "decided", i.decided, true);
    CHECK(t, "mapped", i.mapped, 0);
    s = stats(m);
    CHECK(t, "required", s.required, 16);
    CHECK(t, "used", s.used, 0);
    CHECK(t, "reserved", s.reserved, 16);
    CHECK_RC(t, "vhost-add 64 after a decision > 1", model_vhost_add(m, vh64),
             MEMDEV_EVHOSTCONFLICT);
    CHECK_RC(t, "vhost-add 520/510 (16 > 10)", model_vhost_add(m, (memdev_limit){520, 510}),
             MEMDEV_EVHOSTCONFLICT);
    CHECK_RC(t, "vhost-add 5/6", model_vhost_add(m, (memdev_limit){5, 6}), MEMDEV_EINVAL);
    CHECK_RC(t, "vhost-add 600/584 (16 <= 16)", model_vhost_add(m, (memdev_limit){600, 584}), 0);
    s = stats(m);
    CHECK(t, "n_vhost", s.n_vhost, 1);
    CHECK(t, "vhost_free", s.vhost_free, 16);
    CHECK_RC(t, "vhost full", plug(m, dsc("d", MEMDEV_VIRTIO_PMEM, 2 * MIB, 2 * MIB)),
             MEMDEV_EVHOSTSLOTS);
    done(t, m);

    begin(t, "memslots: vhost max 64 -> limit 1");
    c = cfg_of(4 * GIB, 64 * GIB, 64 * GIB, 0);
    c.n_vhost = 1;
    c.vhost = &vh64;
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, vmem("v", 16 * GIB, true), 4 * GIB, 1);
    i = info(t, m, "v");
    CHECK(t, "memslot_size", i.memslot_size, 16 * GIB);
    CHECK(t, "decided", i.decided, true);
    CHECK(t, "mapped", i.mapped, 0);
    CHECK(t, "reserved", stats(m).reserved, 1);
    CHECK(t, "vhost_free", stats(m).vhost_free, 64);
    CHECK_RC(t, "vhost-add 64 after a decision of 1", model_vhost_add(m, vh64), 0);
    done(t, m);
}

static void test_memslot_examples_sizes(st *t) {
    memdev_config c;
    memdev_limit kvm3 = {512, 509};
    model_space *m;

    begin(t, "memslots: 1 TiB with limit 256 -> 4 GiB x 256");
    m = mk(t, 0, TIB, TIB, 0);
    PLUG_OK(t, m, vmem("v", TIB, true), 0, 256);
    CHECK(t, "memslot_size", info(t, m, "v").memslot_size, 4 * GIB);
    done(t, m);

    begin(t, "memslots: 100 GiB with limit 64 -> 1600 MiB x 64");
    m = mk(t, 0, 400 * GIB, 400 * GIB, 0);
    PLUG_OK(t, m, vmem("v", 100 * GIB, true), 0, 64);
    CHECK(t, "memslot_size", info(t, m, "v").memslot_size, 1600 * MIB);
    done(t, m);

    begin(t, "memslots: 10 GiB with limit 3 (kvm 512/509) -> 3414 MiB x 3");
    c = cfg_of(0, 16 * GIB, 10 * GIB, 0);
    c.has_kvm = true;
    c.kvm = kvm3;
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, vmem("v", 10 * GIB, true), 0, 3);
    CHECK(t, "memslot_size", info(t, m, "v").memslot_size, 3414 * MIB);
    CHECK(t, "kvm_free", stats(m).kvm_free, 3);
    CHECK_RC(t, "resize", model_vmem_resize(m, "v", 10 * GIB), 0);
    CHECK_RC(t, "plug last block", model_vmem_request(m, "v", true, 10 * GIB - 2 * MIB, 2 * MIB),
             0);
    {
        bool mp = false;
        CHECK_RC(t, "memslot 2", model_memslot_mapped(m, "v", 2, &mp), 0);
        CHECK(t, "memslot 2 mapped", mp, true);
        CHECK_RC(t, "memslot 1", model_memslot_mapped(m, "v", 1, &mp), 0);
        CHECK(t, "memslot 1 mapped", mp, false);
    }
    CHECK(t, "kvm_free after a map", stats(m).kvm_free, 2);
    CHECK(t, "reserved after a map", stats(m).reserved, 2);
    CHECK_RC(t, "kvm full", plug(m, dsc("p", MEMDEV_VIRTIO_PMEM, 2 * MIB, 2 * MIB)),
             MEMDEV_EKVMSLOTS);
    done(t, m);

    begin(t, "memslots: 10 GiB in an 800 GiB budget -> limit 3");
    m = mk(t, 0, 800 * GIB, 800 * GIB, 0);
    PLUG_OK(t, m, vmem("v", 10 * GIB, true), 0, 3);
    CHECK(t, "memslot_size", info(t, m, "v").memslot_size, 3414 * MIB);
    {
        memdev_lookup_result l;
        model_lookup(m, 10 * GIB - 1, &l);
        CHECK(t, "lookup last byte memslot", l.memslot, 2);
        CHECK(t, "lookup last byte offset", l.offset, 10 * GIB - 1);
        model_lookup(m, 2 * 3414 * MIB - 1, &l);
        CHECK(t, "lookup end of memslot 1", l.memslot, 1);
        model_lookup(m, 2 * 3414 * MIB, &l);
        CHECK(t, "lookup start of memslot 2", l.memslot, 2);
    }
    done(t, m);
}

static void test_memslot_examples_hv(st *t) {
    memdev_config c;
    memdev_limit kvm100 = {609, 509};
    memdev_device_info i;
    model_space *m;

    begin(t, "memslots: hv-balloon 40 GiB with limit 100 (kvm 609/509) -> 512 MiB x 80");
    c = cfg_of(GIB, 128 * GIB, 40 * GIB, 0);
    c.has_kvm = true;
    c.kvm = kvm100;
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, dsc("hv", MEMDEV_HV_BALLOON, 40 * GIB, 2 * MIB), 32 * GIB, 80);
    i = info(t, m, "hv");
    CHECK(t, "memslot_size", i.memslot_size, 512 * MIB);
    CHECK(t, "align", i.align, 32 * GIB);
    CHECK(t, "plugged", i.plugged, 0);
    done(t, m);

    begin(t, "memslots: hv-balloon 40 GiB in a 102 GiB budget -> limit 100 -> 80");
    m = mk(t, GIB, 128 * GIB, 102 * GIB, 0);
    PLUG_OK(t, m, dsc("hv", MEMDEV_HV_BALLOON, 40 * GIB, 2 * MIB), 32 * GIB, 80);
    done(t, m);
}

/* Decision rules 1, 2 and 5, admission order. */
static void test_memslot_rules(st *t) {
    memdev_config c;
    model_space *m;
    char id[16];

    begin(t, "rule 1: kvm max 508 -> 1, 509 -> not limited");
    c = cfg_of(0, 64 * GIB, 64 * GIB, 0);
    c.has_kvm = true;
    c.kvm = (memdev_limit){508, 0};
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, vmem("v", 16 * GIB, true), 0, 1);
    done(t, m);
    c.kvm = (memdev_limit){509, 0};
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, vmem("v", 16 * GIB, true), 0, 16);
    CHECK(t, "kvm_free", stats(m).kvm_free, 509);
    done(t, m);

    begin(t, "rule 2: 256 memslots required -> 1");
    m = mk(t, 0, 64 * GIB, 64 * GIB, 0);
    for (int k = 0; k < 256; k++) {
        snprintf(id, sizeof id, "p%d", k);
        CHECK_RC(t, id, plug(m, dsc(id, MEMDEV_VIRTIO_PMEM, 2 * MIB, 2 * MIB)), 0);
    }
    PLUG_OK(t, m, vmem("v", 16 * GIB, true), 512 * MIB, 1);
    CHECK(t, "required", stats(m).required, 257);
    CHECK(t, "used", stats(m).used, 256);
    PLUG_OK(t, m, vmem("w", 4 * GIB, true), 512 * MIB + 16 * GIB, 1); /* required 257 > 256 */
    done(t, m);

    begin(t, "rule 2/5: second device gets its share of what is left");
    m = mk(t, 0, 64 * GIB, 64 * GIB, 0);
    PLUG_OK(t, m, vmem("v", 16 * GIB, true), 0, 16);
    /* m = 240, avail 48 GiB, 240 * 40 / 48 = 200 -> 40 GiB / 200 = 204.8 MiB -> 1 GiB -> 40 */
    PLUG_OK(t, m, vmem("w", 40 * GIB, true), 16 * GIB, 40);
    /* m = 200, avail 8 GiB = size -> rule 5: 200 * 8 / 8 = 200 -> 1 GiB memslots -> 8 */
    PLUG_OK(t, m, vmem("x", 8 * GIB, true), 56 * GIB, 8);
    done(t, m);
}

static void test_memslot_rules_budget(st *t) {
    memdev_config c;
    model_space *m;

    begin(t, "rule 5: over budget -> limit 1 -> no-space; kvm checked first");
    c = cfg_of(0, 64 * GIB, 4 * GIB, 0);
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, dsc("d", MEMDEV_VIRTIO_PMEM, 4 * GIB, 2 * MIB), 0, 1);
    CHECK_RC(t, "vmem over budget", plug(m, vmem("v", 2 * GIB, true)), MEMDEV_ENOSPACE);
    done(t, m);
    c.has_kvm = true;
    c.kvm = (memdev_limit){600, 599};
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, dsc("d", MEMDEV_VIRTIO_PMEM, 4 * GIB, 2 * MIB), 0, 1);
    CHECK(t, "kvm_free", stats(m).kvm_free, 0);
    CHECK_RC(t, "kvm before budget", plug(m, vmem("v", 2 * GIB, true)), MEMDEV_EKVMSLOTS);
    done(t, m);

    begin(t, "rule 5: larger than the remaining budget -> limit 1, not a huge limit");
    c = cfg_of(0, 128 * GIB, 4 * GIB, 0);
    c.has_kvm = true;
    c.kvm = (memdev_limit){520, 504};
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, dsc("d", MEMDEV_VIRTIO_PMEM, 2 * GIB, 2 * MIB), 0, 1);
    CHECK_RC(t, "no-space, not kvm-memslots", plug(m, vmem("v", 64 * GIB, true)), MEMDEV_ENOSPACE);
    done(t, m);

    begin(t, "rule 4 with used_size > 0; hv-balloon n may exceed the limit by one");
    /* kvm_free 2 after d -> m = 2; size == budget -> limit 2 (rule 5 would give 1);
     * s = align_up(floor((256M + 1) / 2), 128M) = 128M -> n = 3 > limit: the spec's formula
     * taken literally, so admission fails with kvm-memslots before the budget check. */
    c = cfg_of(0, 128 * GIB, 256 * MIB + 1, 0);
    c.has_kvm = true;
    c.kvm = (memdev_limit){512, 509};
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, dsc("d", MEMDEV_VIRTIO_PMEM, 2 * MIB, 2 * MIB), 0, 1);
    CHECK_RC(t, "hv n = 3 > kvm_free 2", plug(m, dsc("hv", MEMDEV_HV_BALLOON, 256 * MIB + 1, 1)),
             MEMDEV_EKVMSLOTS);
    done(t, m);
    c.kvm = (memdev_limit){513, 509};
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, dsc("hv", MEMDEV_HV_BALLOON, 256 * MIB + 1, 1), 0, 3);
    CHECK(t, "last memslot is 1 byte", info(t, m, "hv").memslot_size, 128 * MIB);
    CHECK_RC(t, "map 2", model_balloon_map(m, "hv", 2, true), 0);
    CHECK(t, "plugged 1 byte", stats(m).plugged_size, 1);
    done(t, m);

    begin(t, "size == budget with used_size > 0 -> rule 4 limit m");
    m = mk(t, 0, 64 * GIB, 16 * GIB, 0);
    PLUG_OK(t, m, dsc("d", MEMDEV_VIRTIO_PMEM, 2 * MIB, 2 * MIB), 0, 1);
    CHECK_RC(t, "vmem = budget", plug(m, vmem("v", 16 * GIB, true)), MEMDEV_ENOSPACE);
    CHECK(t, "nothing changed", stats(m).required, 1);
    done(t, m);
}

/* Check 0: malformed requests, field presence by bitmask. */
static void test_check0(st *t) {
    char long_id[MEMDEV_MAX_ID_LEN + 2];
    memdev_device_desc d;
    model_space *m;
    begin(t, "check 0");
    m = mk(t, 4 * GIB, 64 * GIB, 64 * GIB, 4);
    CHECK_RC(t, "size 0", plug(m, dsc("a", MEMDEV_DIMM, 0, 2 * MIB)), MEMDEV_EINVAL);
    CHECK_RC(t, "align 0", plug(m, dsc("a", MEMDEV_DIMM, GIB, 0)), MEMDEV_EINVAL);
    CHECK_RC(t, "align 3M", plug(m, dsc("a", MEMDEV_DIMM, 3 * MIB, 3 * MIB)), MEMDEV_EINVAL);
    CHECK_RC(t, "kind 5", plug(m, dsc("a", MEMDEV_KIND_COUNT, GIB, 2 * MIB)), MEMDEV_EINVAL);
    CHECK_RC(t, "id empty", plug(m, dsc("", MEMDEV_DIMM, GIB, 2 * MIB)), MEMDEV_EINVAL);
    CHECK_RC(t, "id NULL", plug(m, dsc(NULL, MEMDEV_DIMM, GIB, 2 * MIB)), MEMDEV_EINVAL);
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    CHECK_RC(t, "id 256 bytes", plug(m, dsc(long_id, MEMDEV_DIMM, GIB, 2 * MIB)), MEMDEV_EINVAL);
    long_id[MEMDEV_MAX_ID_LEN] = '\0';
    CHECK_RC(t, "id 255 bytes", plug(m, dsc(long_id, MEMDEV_DIMM, GIB, 2 * MIB)), 0);
    d = dsc("a", MEMDEV_VIRTIO_PMEM, GIB, 2 * MIB);
    d.fields = MEMDEV_F_SLOT; /* value 0, still a field pmem does not take */
    CHECK_RC(t, "slot on pmem", plug(m, d), MEMDEV_EINVAL);
    d.kind = MEMDEV_DIMM;
    d.fields = MEMDEV_F_BLOCK;
    d.block = 2 * MIB;
    CHECK_RC(t, "block on dimm", plug(m, d), MEMDEV_EINVAL);
    d.fields = MEMDEV_F_REQUESTED;
    CHECK_RC(t, "requested on dimm", plug(m, d), MEMDEV_EINVAL);
    d.fields = MEMDEV_F_DYNAMIC;
    CHECK_RC(t, "dynamic on dimm", plug(m, d), MEMDEV_EINVAL);
    d.fields = MEMDEV_F_LABEL;
    CHECK_RC(t, "label on dimm", plug(m, d), MEMDEV_EINVAL);
    d.fields = MEMDEV_F_EMPTY;
    CHECK_RC(t, "empty on dimm", plug(m, d), MEMDEV_EINVAL);
    d.kind = MEMDEV_HV_BALLOON;
    d.fields = MEMDEV_F_EMPTY | MEMDEV_F_ADDR;
    CHECK_RC(t, "addr on empty", plug(m, d), MEMDEV_EINVAL);
    d.fields = MEMDEV_F_EMPTY | MEMDEV_F_SLOT;
    CHECK_RC(t, "slot on empty hv-balloon", plug(m, d), MEMDEV_EINVAL);
    d.fields = MEMDEV_F_EMPTY | MEMDEV_F_NODE | MEMDEV_F_MEMDEV;
    d.size = 0;
    d.align = 3;
    d.id = "";
    CHECK_RC(t, "empty with bad id", plug(m, d), MEMDEV_EINVAL);
    d.id = "e";
    CHECK_RC(t, "empty ignores size and align", plug(m, d), 0);
    done(t, m);
}

static void test_check0_vmem(st *t) {
    memdev_device_desc d;
    model_space *m;
    begin(t, "check 0: virtio-mem");
    m = mk(t, 4 * GIB, 64 * GIB, 64 * GIB, 4);

    d = vmem("v", 4 * GIB, false);
    d.fields |= MEMDEV_F_BLOCK;
    d.block = 512 * KIB;
    CHECK_RC(t, "block 512K", plug(m, d), MEMDEV_EINVAL);
    d.block = 3 * MIB;
    CHECK_RC(t, "block 3M", plug(m, d), MEMDEV_EINVAL);
    d.block = 1 * MIB;
    d.size = 4 * GIB + MIB;
    d.align = MIB;
    CHECK_RC(t, "block 1M ok", plug(m, d), 0);
    d.id = "v2";
    d.block = 2 * MIB;
    CHECK_RC(t, "size not a multiple of block", plug(m, d), MEMDEV_EINVAL);
    d.size = 4 * GIB;
    d.fields |= MEMDEV_F_REQUESTED;
    d.requested = MIB;
    CHECK_RC(t, "requested not a multiple of block", plug(m, d), MEMDEV_EINVAL);
    d.requested = 6 * GIB;
    CHECK_RC(t, "requested > size", plug(m, d), MEMDEV_EINVAL);
    d.requested = 4 * GIB;
    CHECK_RC(t, "requested = size", plug(m, d), 0);
    CHECK(t, "requested", info(t, m, "v2").requested, 4 * GIB);
    CHECK(t, "dynamic=false is off", info(t, m, "v2").decided, false);
    CHECK(t, "dynamic=false memslots", info(t, m, "v2").memslots, 1);
    CHECK(t, "dynamic=false mapped", info(t, m, "v2").mapped, 1);
    done(t, m);
}

static void test_nvdimm(st *t) {
    memdev_device_desc d;
    memdev_device_info i;
    model_space *m;
    begin(t, "nvdimm label and mapped size");
    m = mk(t, 4 * GIB, 64 * GIB, 64 * GIB, 2);
    d = dsc("n", MEMDEV_NVDIMM, GIB + 128 * KIB, 2 * MIB);
    d.fields = MEMDEV_F_LABEL;
    d.label = 64 * KIB;
    CHECK_RC(t, "label 64K", plug(m, d), MEMDEV_EINVAL);
    d.label = 1;
    CHECK_RC(t, "label 1", plug(m, d), MEMDEV_EINVAL);
    d.label = d.size;
    CHECK_RC(t, "label = size", plug(m, d), MEMDEV_EINVAL);
    d.label = 2 * d.size;
    CHECK_RC(t, "label > size", plug(m, d), MEMDEV_EINVAL);
    d.fields = 0;
    d.size = MIB;
    CHECK_RC(t, "mapped size 0", plug(m, d), MEMDEV_EINVAL);
    d.size = GIB + 128 * KIB; /* not a multiple of 2 MiB: check 5 uses the mapped size */
    d.fields = MEMDEV_F_LABEL;
    d.label = 128 * KIB;
    PLUG_OK(t, m, d, 4 * GIB, 1);
    i = info(t, m, "n");
    CHECK(t, "info.size", i.size, GIB);
    CHECK(t, "info.requested_size", i.requested_size, GIB + 128 * KIB);
    CHECK(t, "info.label", i.label, 128 * KIB);
    CHECK(t, "info.plugged", i.plugged, GIB);
    CHECK(t, "info.slot", i.slot, 0);
    CHECK(t, "used_size", stats(m).used_size, GIB);
    d = dsc("n2", MEMDEV_NVDIMM, 3 * GIB + 4 * MIB, 2 * GIB);
    PLUG_OK(t, m, d, 6 * GIB, 1);
    CHECK(t, "n2 size", info(t, m, "n2").size, 2 * GIB);
    CHECK(t, "n2 slot", info(t, m, "n2").slot, 1);
    CHECK_RC(t, "unplug nvdimm", model_unplug(m, "n"), MEMDEV_ENOTUNPLUGGABLE);
    done(t, m);
}

/* Checks 0' to 9 in table order: each request fails exactly one later check. */
static void test_check_order(st *t) {
    memdev_config c;
    memdev_device_desc d;
    model_space *m;

    begin(t, "check order: duplicate id, slots");
    c = cfg_of(6 * GIB, 16 * GIB, 12 * GIB, 0);
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, dsc("p", MEMDEV_VIRTIO_PMEM, GIB, 2 * MIB), 6 * GIB, 1);
    CHECK_RC(t, "duplicate before no-slots", plug(m, dsc("p", MEMDEV_DIMM, GIB, 2 * MIB)),
             MEMDEV_EDUPID);
    d = dsc("d", MEMDEV_DIMM, GIB, 2 * MIB);
    d.fields = MEMDEV_F_SLOT;
    CHECK_RC(t, "explicit slot 0 with 0 slots", plug(m, d), MEMDEV_EINVALSLOT);
    CHECK_RC(t, "automatic with 0 slots", plug(m, dsc("d", MEMDEV_DIMM, GIB, 2 * MIB)),
             MEMDEV_ENOSLOTS);
    done(t, m);
}

static void test_check_order_slots(st *t) {
    memdev_config c = cfg_of(6 * GIB, 16 * GIB, 12 * GIB, 2);
    memdev_device_desc d;
    model_space *m;

    begin(t, "check order: slots, kvm");
    c.has_kvm = true;
    c.kvm = (memdev_limit){3, 1};
    m = mk_cfg(t, &c);
    d = dsc("d1", MEMDEV_DIMM, GIB, 2 * MIB);
    d.fields = MEMDEV_F_SLOT;
    d.slot = 1;
    CHECK(t, "explicit slot", PLUG_OK(t, m, d, 6 * GIB, 1).slot, 1);
    d.id = "d2";
    CHECK_RC(t, "slot busy", plug(m, d), MEMDEV_ESLOTBUSY);
    d.slot = 2;
    CHECK_RC(t, "slot 2 of 2", plug(m, d), MEMDEV_EINVALSLOT);
    CHECK(t, "automatic = lowest free",
          PLUG_OK(t, m, dsc("d2", MEMDEV_DIMM, GIB, 2 * MIB), 7 * GIB, 1).slot, 0);
    CHECK(t, "kvm_free", stats(m).kvm_free, 0);
    CHECK_RC(t, "no free slot before kvm", plug(m, dsc("d3", MEMDEV_DIMM, GIB, 2 * MIB)),
             MEMDEV_ENOFREESLOT);
    CHECK_RC(t, "kvm before vhost and budget",
             plug(m, dsc("p", MEMDEV_VIRTIO_PMEM, 64 * GIB, 2 * MIB)), MEMDEV_EKVMSLOTS);
    CHECK_RC(t, "unplug d1", model_unplug(m, "d1"), 0);
    CHECK(t, "slot 1 freed: lowest is 1",
          PLUG_OK(t, m, dsc("d4", MEMDEV_DIMM, GIB, 2 * MIB), 6 * GIB, 1).slot, 1);
    done(t, m);
}

static void test_check_order_place(st *t) {
    memdev_config c;
    memdev_device_desc d;
    model_space *m;
    uint64_t a = 0;

    begin(t, "check order: vhost, budget, placement");
    c = cfg_of(6 * GIB, 16 * GIB, 12 * GIB, 0);
    c.n_vhost = 1;
    c.vhost = &(memdev_limit){2, 1};
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, dsc("p", MEMDEV_VIRTIO_PMEM, GIB, 2 * MIB), 6 * GIB, 1);
    CHECK_RC(t, "vhost before budget", plug(m, dsc("q", MEMDEV_VIRTIO_PMEM, 64 * GIB, 2 * MIB)),
             MEMDEV_EVHOSTSLOTS);
    done(t, m);

    m = mk(t, 6 * GIB, 12 * GIB, 12 * GIB, 0);
    PLUG_OK(t, m, dsc("p", MEMDEV_VIRTIO_PMEM, 4 * GIB, 2 * MIB), 6 * GIB, 1);
    d = hinted(dsc("q", MEMDEV_VIRTIO_PMEM, 8 * GIB + MIB, 2 * MIB), 7 * GIB + MIB);
    CHECK_RC(t, "budget before size-alignment", plug(m, d), MEMDEV_ENOSPACE);
    d.size = 8 * GIB - MIB;
    CHECK_RC(t, "size-alignment before hint-alignment", plug(m, d), MEMDEV_ESIZEALIGN);
    d.size = 8 * GIB;
    CHECK_RC(t, "hint-alignment before hint-range", plug(m, d), MEMDEV_EHINTALIGN);
    d.addr = 20 * GIB;
    CHECK_RC(t, "hint-range before conflict", plug(m, d), MEMDEV_EHINTRANGE);
    d.addr = 4 * GIB;
    CHECK_RC(t, "hint below the window", plug(m, d), MEMDEV_EHINTRANGE);
    d.addr = 8 * GIB;
    CHECK_RC(t, "conflict", plug(m, d), MEMDEV_ECONFLICT);
    d.addr = 10 * GIB;
    PLUG_OK(t, m, d, 10 * GIB, 1);
    CHECK(t, "hinted device ends at the window end", stats(m).largest_gap, 0);
    CHECK_RC(t, "free", model_free(m, 2 * MIB, 2 * MIB, &a), MEMDEV_EFRAGMENTED);
    CHECK_RC(t, "free size 0", model_free(m, 0, 2 * MIB, &a), MEMDEV_EINVAL);
    CHECK_RC(t, "free align 0", model_free(m, 2 * MIB, 0, &a), MEMDEV_EINVAL);
    CHECK_RC(t, "free align 6M", model_free(m, 2 * MIB, 6 * MIB, &a), MEMDEV_EINVAL);
    done(t, m);
}

/* Empty hv-balloon, list order, unplug refusals and round trips. */
static int collect(void *ctx, const memdev_device_info *i) {
    char *buf = ctx;
    strcat(buf, i->id);
    strcat(buf, " ");
    return strcmp(i->id, "stop") == 0 ? 7 : 0;
}

static void test_list_and_unplug(st *t) {
    memdev_device_desc e = dsc("e1", MEMDEV_HV_BALLOON, 0, 0);
    memdev_stats before, after;
    memdev_plug_result r;
    model_space *m;
    char buf[256] = "";

    begin(t, "list order, empty devices, unplug");
    m = mk(t, 4 * GIB, 64 * GIB, 64 * GIB, 3);
    PLUG_OK(t, m, hinted(dsc("high", MEMDEV_DIMM, GIB, 2 * MIB), 10 * GIB), 10 * GIB, 1);
    e.fields = MEMDEV_F_EMPTY;
    memset(&r, 0xff, sizeof r);
    CHECK_RC(t, "empty", model_plug(m, &e, &r), 0);
    CHECK(t, "empty addr", r.addr, 0);
    CHECK(t, "empty slot", r.slot, -1);
    CHECK(t, "empty memslots", r.memslots, 0);
    CHECK(t, "empty flag", r.empty, true);
    CHECK_RC(t, "empty duplicate", model_plug(m, &e, &r), MEMDEV_EDUPID);
    PLUG_OK(t, m, dsc("low", MEMDEV_DIMM, GIB, 2 * MIB), 4 * GIB, 1);
    e.id = "e0";
    CHECK_RC(t, "second empty", model_plug(m, &e, &r), 0);
    CHECK_RC(t, "foreach", model_foreach(m, collect, buf), 0);
    if (strcmp(buf, "e1 e0 low high ") != 0) {
        t->fails++;
        fprintf(stderr, "FAIL %s: list order: model='%s' expected='e1 e0 low high '\n", t->test,
                buf);
    }
    before = stats(m);
    CHECK(t, "devices include empty", before.devices, 4);
    CHECK(t, "empty counts nothing: used_size", before.used_size, 2 * GIB);
    CHECK(t, "empty counts nothing: required", before.required, 2);
    CHECK_RC(t, "unplug empty", model_unplug(m, "e0"), MEMDEV_ENOTUNPLUGGABLE);
    CHECK_RC(t, "map on empty", model_balloon_map(m, "e0", 0, true), MEMDEV_EINVAL);
    CHECK_RC(t, "vmem on dimm", model_vmem_request(m, "low", true, 0, 2 * MIB), MEMDEV_EINVAL);
    CHECK_RC(t, "resize on empty", model_vmem_resize(m, "e0", 0), MEMDEV_EINVAL);
    CHECK_RC(t, "vmem on unknown", model_vmem_request(m, "zz", true, 0, 2 * MIB),
             MEMDEV_EUNKNOWNID);
    CHECK_RC(t, "map on unknown", model_balloon_map(m, "zz", 0, true), MEMDEV_EUNKNOWNID);
    CHECK_RC(t, "unplug unknown", model_unplug(m, "zz"), MEMDEV_EUNKNOWNID);
    PLUG_OK(t, m, dsc("mid", MEMDEV_DIMM, GIB, 2 * MIB), 5 * GIB, 1);
    CHECK_RC(t, "slots full", plug(m, dsc("x", MEMDEV_DIMM, GIB, 2 * MIB)), MEMDEV_ENOFREESLOT);
    CHECK_RC(t, "unplug mid", model_unplug(m, "mid"), 0);
    after = stats(m);
    CHECK(t, "round trip used_size", after.used_size, before.used_size);
    CHECK(t, "round trip required", after.required, before.required);
    CHECK(t, "round trip used", after.used, before.used);
    CHECK(t, "round trip slots", after.dimm_slots_used, before.dimm_slots_used);
    CHECK(t, "round trip gap", after.largest_gap, before.largest_gap);
    CHECK(t, "round trip devices", after.devices, before.devices);
    e.id = "stop";
    CHECK_RC(t, "third empty", model_plug(m, &e, &r), 0);
    buf[0] = '\0';
    CHECK_RC(t, "foreach stops with fn's value", model_foreach(m, collect, buf), 7);
    done(t, m);
}

static int vstate(const model_space *m, const char *id, uint64_t off, uint64_t len) {
    int s = -1;
    int rc = model_vmem_state(m, id, off, len, &s);
    return rc ? rc : s;
}

/* Request range checks, in spec order: remap-range before remap-limit before remap-state. */
static void vmem_range_errors(st *t, model_space *m) {
    CHECK_RC(t, "offset 1M", model_vmem_request(m, "v", true, MIB, 2 * MIB), MEMDEV_EREMAPRANGE);
    CHECK_RC(t, "len 1M", model_vmem_request(m, "v", true, 0, MIB), MEMDEV_EREMAPRANGE);
    CHECK_RC(t, "len 0", model_vmem_request(m, "v", true, 0, 0), MEMDEV_EREMAPRANGE);
    CHECK_RC(t, "offset = size", model_vmem_request(m, "v", true, 16 * GIB, 2 * MIB),
             MEMDEV_EREMAPRANGE);
    CHECK_RC(t, "wrap", model_vmem_request(m, "v", true, TOP - 2 * MIB + 1, 4 * MIB),
             MEMDEV_EREMAPRANGE);
    CHECK_RC(t, "range before limit", model_vmem_request(m, "v", true, 0, 32 * GIB),
             MEMDEV_EREMAPRANGE);
    CHECK_RC(t, "limit before state", model_vmem_request(m, "v", true, 0, 4 * GIB + 2 * MIB),
             MEMDEV_EREMAPLIMIT);
}

/* Spec section 5, virtio-mem. */
static void test_vmem_remap(st *t) {
    memdev_stats s0;
    model_space *m;
    begin(t, "virtio-mem remap");
    m = mk(t, 4 * GIB, 64 * GIB, 64 * GIB, 0);
    s0 = stats(m);
    PLUG_OK(t, m, vmem("v", 16 * GIB, true), 4 * GIB, 16);
    CHECK_RC(t, "limit at requested 0", model_vmem_request(m, "v", true, 0, 2 * MIB),
             MEMDEV_EREMAPLIMIT);
    CHECK_RC(t, "resize 3M", model_vmem_resize(m, "v", 3 * MIB), MEMDEV_EINVAL);
    CHECK_RC(t, "resize 32G", model_vmem_resize(m, "v", 32 * GIB), MEMDEV_EINVAL);
    CHECK_RC(t, "resize 4G", model_vmem_resize(m, "v", 4 * GIB), 0);
    vmem_range_errors(t, m);
    CHECK_RC(t, "unplug unplugged", model_vmem_request(m, "v", false, 0, 2 * MIB),
             MEMDEV_EREMAPSTATE);
    CHECK_RC(t, "plug [0,2M)", model_vmem_request(m, "v", true, 0, 2 * MIB), 0);
    CHECK(t, "used", stats(m).used, 1);
    CHECK(t, "reserved", stats(m).reserved, 15);
    CHECK(t, "plugged", stats(m).plugged_size, 2 * MIB);
    CHECK_RC(t, "plug again", model_vmem_request(m, "v", true, 0, 2 * MIB), MEMDEV_EREMAPSTATE);
    CHECK_RC(t, "plug partly plugged", model_vmem_request(m, "v", true, 0, 4 * MIB),
             MEMDEV_EREMAPSTATE);
    CHECK_RC(t, "unplug partly plugged", model_vmem_request(m, "v", false, 0, 4 * MIB),
             MEMDEV_EREMAPSTATE);
    CHECK_RC(t, "plug across memslots 0/1",
             model_vmem_request(m, "v", true, GIB - 2 * MIB, 4 * MIB), 0);
    CHECK(t, "used", stats(m).used, 2);
    CHECK(t, "state [0, 1G+2M)", vstate(m, "v", 0, GIB + 2 * MIB), 2);
    CHECK(t, "state [1G-2M, 1G+2M)", vstate(m, "v", GIB - 2 * MIB, 4 * MIB), 1);
    CHECK(t, "state [2G, 3G)", vstate(m, "v", 2 * GIB, GIB), 0);
    CHECK(t, "state len 0", vstate(m, "v", 0, 0), MEMDEV_EREMAPRANGE);
    CHECK(t, "state past the end", vstate(m, "v", 16 * GIB - 1, 2), MEMDEV_EREMAPRANGE);
    CHECK(t, "state byte granular: plugged byte", vstate(m, "v", GIB - 1, 1), 1);
    CHECK(t, "state byte granular: straddling", vstate(m, "v", GIB + 2 * MIB - 1, 2), 2);
    CHECK_RC(t, "unplug [0,2M)", model_vmem_request(m, "v", false, 0, 2 * MIB), 0);
    CHECK(t, "memslot 0 still mapped", stats(m).used, 2);
    CHECK_RC(t, "unplug [1G-2M,1G)", model_vmem_request(m, "v", false, GIB - 2 * MIB, 2 * MIB), 0);
    CHECK(t, "memslot 0 unmapped", stats(m).used, 1);
    CHECK_RC(t, "plug to the limit", model_vmem_request(m, "v", true, 8 * GIB, 4 * GIB - 2 * MIB),
             0);
    CHECK(t, "plugged at the limit", stats(m).plugged_size, 4 * GIB);
    CHECK_RC(t, "over the limit", model_vmem_request(m, "v", true, 0, 2 * MIB), MEMDEV_EREMAPLIMIT);
    CHECK_RC(t, "lower requested", model_vmem_resize(m, "v", 0), 0);
    CHECK(t, "lowering does not unplug", stats(m).plugged_size, 4 * GIB);
    CHECK_RC(t, "unplug busy", model_unplug(m, "v"), MEMDEV_EBUSY);
    CHECK_RC(t, "unplug all but [1G,1G+2M)",
             model_vmem_request(m, "v", false, 8 * GIB, 4 * GIB - 2 * MIB), 0);
    CHECK_RC(t, "unplug busy with one block", model_unplug(m, "v"), MEMDEV_EBUSY);
    CHECK_RC(t, "unplug last block", model_vmem_request(m, "v", false, GIB, 2 * MIB), 0);
    CHECK(t, "used 0", stats(m).used, 0);
    CHECK_RC(t, "resize 2M", model_vmem_resize(m, "v", 2 * MIB), 0);
    CHECK_RC(t, "unplug busy with requested", model_unplug(m, "v"), MEMDEV_EBUSY);
    CHECK_RC(t, "resize 0", model_vmem_resize(m, "v", 0), 0);
    CHECK_RC(t, "unplug", model_unplug(m, "v"), 0);
    CHECK(t, "round trip used_size", stats(m).used_size, s0.used_size);
    CHECK(t, "round trip required", stats(m).required, s0.required);
    CHECK(t, "round trip gap", stats(m).largest_gap, s0.largest_gap);
    done(t, m);
}

static void test_vmem_static(st *t) {
    model_space *m;
    begin(t, "virtio-mem without dynamic memslots");
    m = mk(t, 4 * GIB, 64 * GIB, 64 * GIB, 0);
    PLUG_OK(t, m, vmem("s", 4 * GIB, false), 4 * GIB, 1);
    CHECK(t, "static memslot mapped at plug", stats(m).used, 1);
    CHECK_RC(t, "resize", model_vmem_resize(m, "s", 4 * GIB), 0);
    CHECK_RC(t, "plug", model_vmem_request(m, "s", true, 0, 2 * MIB), 0);
    CHECK_RC(t, "unplug", model_vmem_request(m, "s", false, 0, 2 * MIB), 0);
    CHECK(t, "static memslot stays mapped", stats(m).used, 1);
    CHECK(t, "memslot_size", info(t, m, "s").memslot_size, 4 * GIB);
    done(t, m);
}

/* Spec section 5, hv-balloon; last memslot shorter. */
static void test_hv_map(st *t) {
    memdev_config c = cfg_of(GIB, 128 * GIB, 10 * GIB, 0);
    memdev_limit kvm3 = {512, 509};
    memdev_lookup_result l;
    model_space *m;
    begin(t, "hv-balloon map");
    c.has_kvm = true;
    c.kvm = kvm3;
    m = mk_cfg(t, &c);
    /* limit 3: 10 GiB / 3 = 3413.3 MiB -> 3456 MiB (27 x 128 MiB) -> n = 3, last 3328 MiB */
    PLUG_OK(t, m, dsc("hv", MEMDEV_HV_BALLOON, 10 * GIB, 2 * MIB), 32 * GIB, 3);
    CHECK(t, "memslot_size", info(t, m, "hv").memslot_size, 3456 * MIB);
    CHECK_RC(t, "index 3", model_balloon_map(m, "hv", 3, true), MEMDEV_EREMAPRANGE);
    CHECK_RC(t, "unmap unmapped", model_balloon_map(m, "hv", 1, false), MEMDEV_EREMAPSTATE);
    CHECK_RC(t, "map 2", model_balloon_map(m, "hv", 2, true), 0);
    CHECK_RC(t, "map 2 again", model_balloon_map(m, "hv", 2, true), MEMDEV_EREMAPSTATE);
    CHECK(t, "plugged = last memslot", stats(m).plugged_size, 3328 * MIB);
    CHECK(t, "info plugged", info(t, m, "hv").plugged, 3328 * MIB);
    CHECK(t, "info mapped", info(t, m, "hv").mapped, 1);
    CHECK(t, "kvm_free", stats(m).kvm_free, 2);
    model_lookup(m, 32 * GIB + 10 * GIB - 1, &l);
    CHECK(t, "lookup last byte found", l.found, true);
    CHECK(t, "lookup last byte memslot", l.memslot, 2);
    CHECK(t, "lookup last byte mapped", l.mapped, true);
    model_lookup(m, 32 * GIB, &l);
    CHECK(t, "lookup first byte mapped", l.mapped, false);
    model_lookup(m, 32 * GIB + 10 * GIB, &l);
    CHECK(t, "lookup past the end", l.found, false);
    CHECK_RC(t, "resize on hv", model_vmem_resize(m, "hv", 0), MEMDEV_EINVAL);
    CHECK_RC(t, "vmem state on hv", model_vmem_state(m, "hv", 0, 2 * MIB, &(int){0}),
             MEMDEV_EINVAL);
    CHECK_RC(t, "unplug", model_unplug(m, "hv"), MEMDEV_ENOTUNPLUGGABLE);
    CHECK_RC(t, "unmap 2", model_balloon_map(m, "hv", 2, false), 0);
    CHECK(t, "plugged 0", stats(m).plugged_size, 0);
    done(t, m);
}

/* Windows and devices ending exactly at 2^64, wrap-around in every search. */
static void test_top_of_space(st *t) {
    memdev_lookup_result l;
    model_space *m;
    uint64_t a = 0;

    begin(t, "2^64: window [2^64-8G, 2^64)");
    m = mk(t, TOP - 8 * GIB + 1, 8 * GIB, 8 * GIB, 0);
    PLUG_OK(t, m, hinted(dsc("top", MEMDEV_VIRTIO_PMEM, 4 * GIB, 4 * GIB), TOP - 4 * GIB + 1),
            TOP - 4 * GIB + 1, 1);
    model_lookup(m, TOP, &l);
    CHECK(t, "lookup 2^64-1 found", l.found, true);
    CHECK(t, "lookup 2^64-1 offset", l.offset, 4 * GIB - 1);
    CHECK_RC(t, "free 8G: jump past a device ending at 2^64", model_free(m, 8 * GIB, 2 * MIB, &a),
             MEMDEV_EFRAGMENTED);
    CHECK_RC(t, "free 4G/8G", model_free(m, 4 * GIB, 8 * GIB, &a), 0);
    CHECK(t, "free 4G/8G addr", a, TOP - 8 * GIB + 1);
    CHECK_RC(t, "free 2M after the top device", model_free(m, 2 * MIB, 4 * GIB, &a), 0);
    CHECK(t, "free 2M/4G addr", a, TOP - 8 * GIB + 1);
    CHECK_RC(t, "free 16G: too big", model_free(m, 16 * GIB, 2 * MIB, &a), MEMDEV_ETOOBIG);
    CHECK_RC(t, "hint wraps",
             plug(m, hinted(dsc("w", MEMDEV_VIRTIO_PMEM, 4 * GIB, 2 * MIB), TOP - 2 * GIB + 1)),
             MEMDEV_EHINTRANGE);
    CHECK_RC(t, "hint conflict at the top",
             plug(m, hinted(dsc("w", MEMDEV_VIRTIO_PMEM, 2 * GIB, 2 * MIB), TOP - 2 * GIB + 1)),
             MEMDEV_ECONFLICT);
    PLUG_OK(t, m, dsc("low", MEMDEV_VIRTIO_PMEM, 4 * GIB, 2 * MIB), TOP - 8 * GIB + 1, 1);
    CHECK(t, "full: largest_gap", stats(m).largest_gap, 0);
    CHECK_RC(t, "unplug is refused for pmem", model_unplug(m, "low"), MEMDEV_ENOTUNPLUGGABLE);
    done(t, m);

    begin(t, "2^64: too-big when align_up(base) wraps");
    m = mk(t, TOP - GIB + 1, GIB, GIB, 1);
    CHECK_RC(t, "free 1G/2G", model_free(m, GIB, 2 * GIB, &a), MEMDEV_ETOOBIG);
    CHECK_RC(t, "free 2G/1G", model_free(m, 2 * GIB, GIB, &a), MEMDEV_ETOOBIG);
    CHECK_RC(t, "plug 2G/2G", plug(m, dsc("d", MEMDEV_DIMM, 2 * GIB, 2 * GIB)), MEMDEV_ENOSPACE);
    CHECK_RC(t, "hv-balloon: 32G alignment wraps",
             plug(m, dsc("h", MEMDEV_HV_BALLOON, GIB / 2, 2 * MIB)), MEMDEV_ETOOBIG);
    PLUG_OK(t, m, dsc("d", MEMDEV_DIMM, GIB, GIB), TOP - GIB + 1, 1);
    done(t, m);

    begin(t, "2^64: used_size + size wraps -> no-space");
    m = mk(t, 0, TOP, TOP, 0);
    PLUG_OK(t, m, dsc("a", MEMDEV_VIRTIO_PMEM, 1ull << 63, 1ull << 63), 0, 1);
    CHECK_RC(t, "second half", plug(m, dsc("b", MEMDEV_VIRTIO_PMEM, 1ull << 63, 2 * MIB)),
             MEMDEV_ENOSPACE);
    PLUG_OK(t, m, dsc("c", MEMDEV_VIRTIO_PMEM, (1ull << 63) - 2 * MIB, 2 * MIB), 1ull << 63, 1);
    CHECK(t, "used_size", stats(m).used_size, TOP - 2 * MIB + 1);
    CHECK(t, "largest_gap", stats(m).largest_gap, 2 * MIB - 1);
    CHECK_RC(t, "free 2M", model_free(m, 2 * MIB, 2 * MIB, &a), MEMDEV_EFRAGMENTED);
    CHECK_RC(t, "free 1M/1M", model_free(m, MIB, MIB, &a), 0);
    CHECK(t, "free 1M addr", a, TOP - 2 * MIB + 1);
    done(t, m);
}

/* Memslot arithmetic for sizes near 2^64. */
static void test_huge_memslots(st *t) {
    memdev_config c = cfg_of(0, TOP, TOP, 0);
    memdev_limit vh64 = {64, 0};
    memdev_device_desc d;
    memdev_lookup_result l;
    model_space *m;

    begin(t, "2^64: hv-balloon within 128 MiB of 2^64, limit 1 -> n = 1");
    c.n_vhost = 1;
    c.vhost = &vh64;
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, dsc("hv", MEMDEV_HV_BALLOON, TOP - MIB + 1, MIB), 0, 1);
    CHECK(t, "memslot_size", info(t, m, "hv").memslot_size, TOP - MIB + 1);
    CHECK_RC(t, "map 0", model_balloon_map(m, "hv", 0, true), 0);
    CHECK(t, "plugged", stats(m).plugged_size, TOP - MIB + 1);
    done(t, m);

    begin(t, "2^64: hv-balloon 2^64-32G, limit 256");
    c = cfg_of(32 * GIB, TOP - 32 * GIB + 1, TOP - 32 * GIB + 1, 0);
    m = mk_cfg(t, &c);
    PLUG_OK(t, m, dsc("hv", MEMDEV_HV_BALLOON, TOP - 32 * GIB + 1, 2 * MIB), 32 * GIB, 256);
    CHECK(t, "memslot_size", info(t, m, "hv").memslot_size, (1ull << 56) - 128 * MIB);
    CHECK_RC(t, "map 255", model_balloon_map(m, "hv", 255, true), 0);
    model_lookup(m, TOP, &l);
    CHECK(t, "lookup 2^64-1 memslot", l.memslot, 255);
    CHECK(t, "lookup 2^64-1 mapped", l.mapped, true);
    done(t, m);

    begin(t, "2^64: virtio-mem 2^64-2M, limit 256");
    c = cfg_of(0, TOP, TOP - 2 * MIB + 1, 0);
    m = mk_cfg(t, &c);
    d = vmem("v", TOP - 2 * MIB + 1, true);
    d.fields |= MEMDEV_F_REQUESTED;
    d.requested = d.size;
    PLUG_OK(t, m, d, 0, 256);
    CHECK(t, "memslot_size", info(t, m, "v").memslot_size, 1ull << 56);
    CHECK_RC(t, "plug last block", model_vmem_request(m, "v", true, TOP - 4 * MIB + 1, 2 * MIB), 0);
    CHECK_RC(t, "plug whole device but the last block",
             model_vmem_request(m, "v", true, 0, TOP - 4 * MIB + 1), 0);
    CHECK(t, "plugged", stats(m).plugged_size, TOP - 2 * MIB + 1);
    CHECK(t, "used", stats(m).used, 256);
    model_lookup(m, TOP - 2 * MIB, &l);
    CHECK(t, "lookup last byte memslot", l.memslot, 255);
    model_lookup(m, TOP, &l);
    CHECK(t, "lookup beyond the device", l.found, false);
    CHECK(t, "state whole", vstate(m, "v", 0, TOP - 2 * MIB + 1), 1);
    done(t, m);
}

/* ---------------------------------------------------------------------------------------- */
/* Randomized: first fit against the spec's brute-force oracle                              */

__extension__ typedef unsigned __int128 u128;

static uint64_t rnd(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

typedef struct layout {
    uint64_t addr[64], size[64];
    size_t n;
} layout;

static int collect_layout(void *ctx, const memdev_device_info *i) {
    layout *l = ctx;
    if (!i->empty && l->n < 64) {
        l->addr[l->n] = i->addr;
        l->size[l->n] = i->size;
        l->n++;
    }
    return 0;
}

static bool fits(const layout *l, u128 c, uint64_t size, uint64_t base, u128 wend) {
    if (c >= ((u128)1 << 64) || c < base || c + size > wend)
        return false;
    for (size_t i = 0; i < l->n; i++)
        if (c < (u128)l->addr[i] + l->size[i] && l->addr[i] < c + size)
            return false;
    return true;
}

/* The spec's oracle: the minimum over align_up(base) and align_up(end(D)) that fits. */
static int oracle_free(const layout *l, uint64_t base, uint64_t wsize, uint64_t size,
                       uint64_t align, uint64_t *addr) {
    u128 wend = (u128)base + wsize, start = ((u128)base + align - 1) / align * align;
    u128 best = (u128)1 << 64;
    if (start >= ((u128)1 << 64) || start + size > ((u128)1 << 64))
        return MEMDEV_ETOOBIG;
    if (fits(l, start, size, base, wend))
        best = start;
    for (size_t i = 0; i < l->n; i++) {
        u128 c = ((u128)l->addr[i] + l->size[i] + align - 1) / align * align;
        if (c < best && fits(l, c, size, base, wend))
            best = c;
    }
    if (best == ((u128)1 << 64))
        return MEMDEV_EFRAGMENTED;
    *addr = (uint64_t)best;
    return 0;
}

static void random_round(st *t, uint64_t *s) {
    uint64_t wsize = (1 + rnd(s) % 256) * MIB;
    uint64_t base = (rnd(s) & 1) ? (rnd(s) % 64) * MIB : TOP - wsize + 1 - (rnd(s) % 3) * MIB;
    model_space *m = mk(t, base, wsize, TOP, 0);
    char id[16];
    for (int k = 0; k < 24; k++) {
        layout l = {{0}, {0}, 0};
        uint64_t size = (1 + rnd(s) % 32) * MIB, align = MIB << (rnd(s) % 7);
        uint64_t want = 0, got = 0;
        int rc_want, rc_got;
        memdev_device_desc d;
        model_foreach(m, collect_layout, &l);
        rc_want = oracle_free(&l, base, wsize, size, align, &want);
        rc_got = model_free(m, size, align, &got);
        CHECK_RC(t, "free vs oracle", rc_got, rc_want);
        if (rc_want == 0)
            CHECK(t, "free addr vs oracle", got, want);
        snprintf(id, sizeof id, "r%d", k);
        d = dsc(id, MEMDEV_VIRTIO_PMEM, size * align / MIB, align);
        if (rnd(s) % 4 == 0) {
            d = hinted(d, base + (rnd(s) % wsize) / align * align);
            model_plug(m, &d, NULL);
            continue;
        }
        rc_want = oracle_free(&l, base, wsize, d.size, align, &want);
        rc_got = model_plug(m, &d, NULL);
        CHECK_RC(t, "plug vs oracle", rc_got, rc_want);
        if (rc_want == 0 && rc_got == 0)
            CHECK(t, "plug addr vs oracle", info(t, m, id).addr, want);
    }
    done(t, m);
}

static void test_random_first_fit(st *t, uint64_t seed) {
    uint64_t s = seed ? seed : 1;
    int fails = t->fails;
    begin(t, "random first fit vs oracle");
    for (int round = 0; round < 300 && t->fails == fails; round++)
        random_round(t, &s);
    if (t->fails != fails)
        fprintf(stderr, "random first fit failed with seed %" PRIu64 "\n", seed);
}

/*
 * model_dump, what the checker prints of the model when library and model part: every memslot's
 * mapped state in the map line and every plugged extent (a mutation sample of core/model,
 * seed 3001, made the map line print only the first memslot and nothing failed).
 */
static void test_dump(st *t) {
    memdev_config c = cfg_of(0, 16 * GIB, 10 * GIB, 0);
    c.has_kvm = true;
    c.kvm = (memdev_limit){512, 509};
    begin(t, "model_dump: the memslot map and the extents");
    model_space *m = mk_cfg(t, &c);
    PLUG_OK(t, m, vmem("v", 10 * GIB, true), 0, 3);
    CHECK_RC(t, "resize", model_vmem_resize(m, "v", 4 * MIB), 0);
    CHECK_RC(t, "first block", model_vmem_request(m, "v", true, 0, 2 * MIB), 0);
    CHECK_RC(t, "last block", model_vmem_request(m, "v", true, 10 * GIB - 2 * MIB, 2 * MIB), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK(t, "open_memstream", f != NULL, 1);
    if (f) {
        int before = t->fails;
        model_dump(m, f);
        fclose(f);
        CHECK(t, "map line: memslots 0 and 2 mapped, 1 not",
              strstr(text, "\n    map 101\n") != NULL, 1);
        CHECK(t, "first extent", strstr(text, "plugged [0x0, 0x200000)\n") != NULL, 1);
        CHECK(t, "last extent", strstr(text, "plugged [0x27fe00000, 0x280000000)\n") != NULL, 1);
        if (t->fails > before)
            fprintf(stderr, "%s", text);
        free(text);
    }
    done(t, m);
}

int main(int argc, char **argv) {
    st t = {0, 0, NULL, NULL, false};
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 20261124;
    if (argc > 2 || (argc > 1 && strcmp(argv[1], "--help") == 0)) {
        fprintf(stderr, "usage: model_selftest [seed]\n"
                        "Checks the reference model against the spec's worked examples.\n");
        return 2;
    }
    test_config(&t);
    test_boards(&t);
    test_budget_fragmented(&t);
    test_first_fit_hole(&t);
    test_memslot_examples(&t);
    test_memslot_examples_sizes(&t);
    test_memslot_examples_hv(&t);
    test_memslot_rules(&t);
    test_memslot_rules_budget(&t);
    test_check0(&t);
    test_check0_vmem(&t);
    test_nvdimm(&t);
    test_check_order(&t);
    test_check_order_slots(&t);
    test_check_order_place(&t);
    test_list_and_unplug(&t);
    test_vmem_remap(&t);
    test_vmem_static(&t);
    test_hv_map(&t);
    test_top_of_space(&t);
    test_huge_memslots(&t);
    test_dump(&t);
    test_random_first_fit(&t, seed);
    printf("model_selftest: %d checks, %d failures (seed %" PRIu64 ")\n", t.checks, t.fails, seed);
    return t.fails ? 1 : 0;
}
