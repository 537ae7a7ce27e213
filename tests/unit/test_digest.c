/* SPDX-License-Identifier: MIT */
/*
 * test_digest.c - memdev_digest() sees every part of the logical state, and only that.
 *
 * The digest is what every "a failed call changes nothing" check compares (the differential
 * and out-of-memory tests, the fuzzers' lock-step checker), so a field it forgot is a field
 * whose corruption nobody would see. One scenario builds a space with a device of every kind
 * and every optional field; each variant changes exactly one thing (one configuration value,
 * one field of one device, one guest request) and must change the digest. Spaces that reach
 * the same state by other routes (other plug orders, devices plugged and unplugged again,
 * requests undone) must have the same digest.
 */
#include "check.h"
#include "memdev.h"

#include <stdbool.h>

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* What the scenario does; the variants change one member each. */
struct knobs {
    memdev_config cfg;
    memdev_limit vhost; /* added with memdev_vhost_add unless max is 0 */
    uint64_t dimm_addr, dimm_size, dimm_align;
    uint32_t dimm_slot, dimm_node;
    bool dimm_has_node;
    const char *dimm_id, *dimm_memdev;
    uint64_t nv_label, nv_size;
    uint64_t vm_block, vm_requested, vm_resize;
    bool vm_dynamic;
    uint64_t vm_plug_off, vm_plug_len;   /* guest request, none when len is 0 */
    uint64_t vm_plug2_off, vm_plug2_len; /* a second one, apart from the first */
    uint32_t hv_map;                     /* memslot the balloon maps, UINT32_MAX: none */
    uint64_t pmem_align;
    bool with_empty; /* an empty hv-balloon */
    int route;       /* 0: straight; 1: other order, extra plug and unplug, undone requests */
};

static struct knobs base_knobs(void) {
    static const memdev_limit cfg_vhost[1] = {{.max = 509, .other = 7}};
    struct knobs k = {
        .cfg = {.base = 4 * GiB,
                .size = 1024 * GiB,
                .budget = 512 * GiB,
                .dimm_slots = 8,
                .has_kvm = true,
                .kvm = {.max = 32764, .other = 12},
                .n_vhost = 1,
                .vhost = cfg_vhost},
        .vhost = {.max = 600, .other = 3},
        .dimm_addr = 0,
        .dimm_size = 2 * GiB,
        .dimm_align = 2 * MiB,
        .dimm_slot = 3,
        .dimm_node = 1,
        .dimm_has_node = true,
        .dimm_id = "dimm3",
        .dimm_memdev = "mem-dimm3",
        .nv_label = 128 * KiB,
        .nv_size = 4 * GiB,
        .vm_block = 2 * MiB,
        .vm_requested = 64 * MiB,
        .vm_resize = 0,
        .vm_dynamic = true,
        .vm_plug_off = 4 * MiB,
        .vm_plug_len = 8 * MiB,
        .vm_plug2_off = 24 * MiB,
        .vm_plug2_len = 4 * MiB,
        .hv_map = 1,
        .pmem_align = 2 * MiB,
        .with_empty = true,
    };
    return k;
}

static int plug_dimm(memdev_space *sp, const struct knobs *k) {
    memdev_device_desc d = {.id = k->dimm_id,
                            .kind = MEMDEV_DIMM,
                            .size = k->dimm_size,
                            .align = k->dimm_align,
                            .fields = MEMDEV_F_SLOT | MEMDEV_F_MEMDEV,
                            .slot = k->dimm_slot,
                            .node = k->dimm_node,
                            .memdev = k->dimm_memdev};
    if (k->dimm_has_node)
        d.fields |= MEMDEV_F_NODE;
    if (k->dimm_addr)
        d.fields |= MEMDEV_F_ADDR, d.addr = k->dimm_addr;
    return memdev_plug(sp, &d, NULL);
}

static int plug_nvdimm(memdev_space *sp, const struct knobs *k) {
    memdev_device_desc d = {.id = "nv0",
                            .kind = MEMDEV_NVDIMM,
                            .size = k->nv_size,
                            .align = 2 * MiB,
                            .fields = MEMDEV_F_LABEL,
                            .label = k->nv_label};
    return memdev_plug(sp, &d, NULL);
}

static int plug_vmem(memdev_space *sp, const struct knobs *k) {
    memdev_device_desc d = {.id = "vmem-node1-7",
                            .kind = MEMDEV_VIRTIO_MEM,
                            .size = 4 * GiB,
                            .align = 2 * MiB,
                            .fields = MEMDEV_F_BLOCK | MEMDEV_F_REQUESTED | MEMDEV_F_DYNAMIC,
                            .block = k->vm_block,
                            .requested = k->vm_requested,
                            .dynamic = k->vm_dynamic};
    return memdev_plug(sp, &d, NULL);
}

static int plug_hv(memdev_space *sp, const char *id, bool empty) {
    memdev_device_desc d = {
        .id = id, .kind = MEMDEV_HV_BALLOON, .size = 64 * GiB, .align = 4 * KiB};
    if (empty)
        d.fields = MEMDEV_F_EMPTY, d.size = 0;
    return memdev_plug(sp, &d, NULL);
}

static int plug_pmem(memdev_space *sp, const struct knobs *k) {
    memdev_device_desc d = {
        .id = "pmem0", .kind = MEMDEV_VIRTIO_PMEM, .size = 6 * GiB, .align = k->pmem_align};
    return memdev_plug(sp, &d, NULL);
}

static int plug_spare(memdev_space *sp) {
    memdev_device_desc d = {.id = "spare", .kind = MEMDEV_DIMM, .size = 1 * GiB, .align = 2 * MiB};
    return memdev_plug(sp, &d, NULL);
}

/* The vhost backend and the placed devices, in address order of their first fits. */
static int plug_devices(memdev_space *sp, const struct knobs *k, int *step) {
    int rc = 0;
    if (k->vhost.max && (++*step, rc = memdev_vhost_add(sp, k->vhost)))
        return rc;
    if ((++*step, rc = plug_dimm(sp, k)) || (++*step, rc = plug_nvdimm(sp, k)) ||
        (++*step, rc = plug_vmem(sp, k)) || (++*step, rc = plug_hv(sp, "hv0", false)))
        return rc;
    return ++*step, plug_pmem(sp, k);
}

/* The scenario; NULL when a step fails (that is a test failure: every step must succeed). */
static memdev_space *build(const struct knobs *k, const char *what) {
    memdev_space *sp = NULL;
    int rc = memdev_space_create(&k->cfg, NULL, &sp);
    if (rc) {
        fprintf(stderr, "%s: create: %s\n", what, memdev_error_name(rc));
        return NULL;
    }
    int step = 0;
#define STEP(call)                                                                                 \
    do {                                                                                           \
        step++;                                                                                    \
        if ((rc = (call)) != 0)                                                                    \
            goto fail;                                                                             \
    } while (0)
    if (k->route == 0) {
        if ((rc = plug_devices(sp, k, &step)) != 0)
            goto fail;
        if (k->with_empty)
            STEP(plug_hv(sp, "hv-empty", true));
    } else {
        /* the same state by another route: the empty device first, a device that comes and
           goes before the others (its record and DIMM slot are reused), requests undone */
        STEP(plug_spare(sp));
        if (k->with_empty)
            STEP(plug_hv(sp, "hv-empty", true));
        STEP(memdev_unplug(sp, "spare"));
        if ((rc = plug_devices(sp, k, &step)) != 0)
            goto fail;
        STEP(memdev_vmem_request(sp, "vmem-node1-7", true, 0, 2 * k->vm_block));
        STEP(memdev_vmem_request(sp, "vmem-node1-7", false, 0, 2 * k->vm_block));
        STEP(memdev_vmem_resize(sp, "vmem-node1-7", 0));
        STEP(memdev_vmem_resize(sp, "vmem-node1-7", k->vm_requested));
        STEP(memdev_balloon_map(sp, "hv0", 0, true));
        STEP(memdev_balloon_map(sp, "hv0", 0, false));
    }
    if (k->vm_plug_len)
        STEP(memdev_vmem_request(sp, "vmem-node1-7", true, k->vm_plug_off, k->vm_plug_len));
    if (k->vm_plug2_len)
        STEP(memdev_vmem_request(sp, "vmem-node1-7", true, k->vm_plug2_off, k->vm_plug2_len));
    if (k->vm_resize)
        STEP(memdev_vmem_resize(sp, "vmem-node1-7", k->vm_resize));
    if (k->hv_map != UINT32_MAX)
        STEP(memdev_balloon_map(sp, "hv0", k->hv_map, true));
#undef STEP
    return sp;
fail:
    fprintf(stderr, "%s: step %d: %s (%s)\n", what, step, memdev_error_name(rc),
            memdev_last_error(sp));
    memdev_space_destroy(sp);
    return NULL;
}

static uint64_t digest_of(const struct knobs *k, const char *what) {
    memdev_space *sp = build(k, what);
    CHECK(sp != NULL);
    if (!sp)
        return 0;
    char msg[256];
    CHECK_RC(memdev_validate(sp, msg, sizeof msg), 0);
    uint64_t d = memdev_digest(sp);
    memdev_space_destroy(sp);
    return d;
}

int main(void) {
    const struct knobs base = base_knobs();
    const uint64_t ref = digest_of(&base, "base");

    /* the same state: the same route again, and another route */
    CHECK_U64(digest_of(&base, "base again"), ref);
    struct knobs other = base;
    other.route = 1;
    CHECK_U64(digest_of(&other, "other route"), ref);

    /* one change each: the digest must differ from the base and from every other variant */
    static const memdev_limit cfg_vhost_max[1] = {{.max = 510, .other = 7}};
    static const memdev_limit cfg_vhost_other[1] = {{.max = 509, .other = 8}};
    struct variant {
        const char *name;
        struct knobs k;
    } v[40];
    int n = 0;
#define VARIANT(label, stmt)                                                                       \
    do {                                                                                           \
        struct knobs k_ = base;                                                                    \
        stmt;                                                                                      \
        v[n].name = label;                                                                         \
        v[n].k = k_;                                                                               \
        n++;                                                                                       \
    } while (0)
    VARIANT("window base", k_.cfg.base = 8 * GiB);
    VARIANT("window size", k_.cfg.size = 1025 * GiB);
    VARIANT("budget", k_.cfg.budget = 513 * GiB);
    VARIANT("dimm slots", k_.cfg.dimm_slots = 9);
    VARIANT("kvm max", k_.cfg.kvm.max = 32765);
    VARIANT("kvm other", k_.cfg.kvm.other = 13);
    VARIANT("no kvm", k_.cfg.has_kvm = false);
    VARIANT("configured vhost max", k_.cfg.vhost = cfg_vhost_max);
    VARIANT("configured vhost other", k_.cfg.vhost = cfg_vhost_other);
    VARIANT("added vhost max", k_.vhost.max = 601);
    VARIANT("added vhost other", k_.vhost.other = 4);
    VARIANT("no added vhost", k_.vhost.max = 0);
    VARIANT("dimm address", k_.dimm_addr = 100 * GiB);
    VARIANT("dimm size", k_.dimm_size = 4 * GiB);
    VARIANT("dimm alignment", k_.dimm_align = 4 * MiB);
    VARIANT("dimm slot", k_.dimm_slot = 4);
    VARIANT("dimm node", k_.dimm_node = 2);
    VARIANT("dimm without node", k_.dimm_has_node = false);
    /* node 0 given against no node (above): only whether a node was given differs */
    VARIANT("dimm node 0", k_.dimm_node = 0);
    VARIANT("dimm id", k_.dimm_id = "dimm4");
    VARIANT("dimm memdev", k_.dimm_memdev = "mem-dimm4");
    VARIANT("dimm without memdev", k_.dimm_memdev = NULL);
    /* "dimm3" + "mem-dimm3" and "dimm3m" + "em-dimm3": the same bytes, only split otherwise
       (a digest of the strings' bytes without their lengths saw nothing) */
    VARIANT("dimm id and memdev split otherwise",
            (k_.dimm_id = "dimm3m", k_.dimm_memdev = "em-dimm3"));
    VARIANT("nvdimm label", k_.nv_label = 256 * KiB);
    VARIANT("nvdimm size, same region", k_.nv_size = 4 * GiB + 64 * KiB);
    VARIANT("virtio-mem block", k_.vm_block = 4 * MiB);
    VARIANT("virtio-mem requested", k_.vm_requested = 128 * MiB);
    VARIANT("virtio-mem resized", k_.vm_resize = 32 * MiB);
    VARIANT("virtio-mem static memslots", k_.vm_dynamic = false);
    VARIANT("virtio-mem plugged blocks moved", k_.vm_plug_off = 6 * MiB);
    VARIANT("virtio-mem plugged blocks longer", k_.vm_plug_len = 10 * MiB);
    /* the same starts, the same bytes plugged, the same number of extents: only ends differ */
    VARIANT("virtio-mem extents' ends", (k_.vm_plug_len = 4 * MiB, k_.vm_plug2_len = 8 * MiB));
    /* the first extent, the bytes plugged, the extent count and each memslot's fill the same:
       only the second extent differs (a digest that stopped after the first saw nothing) */
    VARIANT("virtio-mem second extent moved", k_.vm_plug2_off = 26 * MiB);
    VARIANT("virtio-mem nothing plugged", k_.vm_plug_len = 0);
    VARIANT("hv-balloon memslot mapped", k_.hv_map = 2);
    VARIANT("hv-balloon nothing mapped", k_.hv_map = UINT32_MAX);
    VARIANT("virtio-pmem alignment", k_.pmem_align = 4 * MiB);
    VARIANT("no empty device", k_.with_empty = false);
#undef VARIANT
    uint64_t dig[40];
    for (int i = 0; i < n; i++) {
        dig[i] = digest_of(&v[i].k, v[i].name);
        check_count++;
        if (dig[i] == ref) {
            fprintf(stderr, "digest does not see: %s\n", v[i].name);
            check_failures++;
        }
        for (int j = 0; j < i; j++) {
            check_count++;
            if (dig[i] == dig[j]) {
                fprintf(stderr, "same digest for '%s' and '%s'\n", v[i].name, v[j].name);
                check_failures++;
            }
        }
        /* and the variant reached by the other route has the variant's digest */
        struct knobs o = v[i].k;
        o.route = 1;
        CHECK_U64(digest_of(&o, v[i].name), dig[i]);
    }
    printf("%d variants\n", n);
    return check_report("test_digest");
}
