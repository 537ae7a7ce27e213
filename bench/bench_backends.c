/* SPDX-License-Identifier: MIT */
/*
 * bench_backends.c - adapters that put memdev, the reference model and the augmented-tree
 * baseline behind the same function table, so one scenario body drives all three. The
 * adapters add nothing but argument shuffling; the augtree adapter derives the placement
 * alignment the way spec section 2 does (max of the kind's minimum and the region's align).
 */
#include "augtree.h"
#include "bench.h"
#include "model.h"

/* ---- memdev ----------------------------------------------------------------------------- */

static int md_create(const memdev_config *cfg, void **out)
{
    memdev_space *sp = NULL;
    int rc = memdev_space_create(cfg, NULL, &sp);
    *out = sp;
    return rc;
}

static void md_destroy(void *s)
{
    memdev_space_destroy(s);
}

static int md_plug(void *s, const memdev_device_desc *d, uint32_t handle, uint64_t *addr)
{
    (void)handle;
    memdev_plug_result r;
    int rc = memdev_plug(s, d, &r);
    if (rc == 0 && addr)
        *addr = r.addr;
    return rc;
}

static int md_unplug(void *s, const char *id, uint64_t addr)
{
    (void)addr;
    return memdev_unplug(s, id);
}

static int md_lookup(void *s, uint64_t gpa, uint64_t *start)
{
    memdev_lookup_result r;
    memdev_lookup(s, gpa, &r);
    *start = r.addr;
    return r.found;
}

static int md_free(void *s, uint64_t size, uint64_t align, uint64_t *addr)
{
    return memdev_free(s, size, align, addr);
}

static int md_vmem(void *s, const char *id, bool plug, uint64_t off, uint64_t len)
{
    return memdev_vmem_request(s, id, plug, off, len);
}

static int md_validate(void *s, char *msg, size_t cap)
{
    return memdev_validate(s, msg, cap);
}

static size_t md_memory(const void *s)
{
    return memdev_memory_bytes(s);
}

/* ---- reference model -------------------------------------------------------------------- */

static int mo_create(const memdev_config *cfg, void **out)
{
    model_space *m = NULL;
    int rc = model_space_create(cfg, &m);
    *out = m;
    return rc;
}

static void mo_destroy(void *s)
{
    model_space_destroy(s);
}

static int mo_plug(void *s, const memdev_device_desc *d, uint32_t handle, uint64_t *addr)
{
    (void)handle;
    memdev_plug_result r;
    int rc = model_plug(s, d, &r);
    if (rc == 0 && addr)
        *addr = r.addr;
    return rc;
}

static int mo_unplug(void *s, const char *id, uint64_t addr)
{
    (void)addr;
    return model_unplug(s, id);
}

static int mo_lookup(void *s, uint64_t gpa, uint64_t *start)
{
    memdev_lookup_result r;
    model_lookup(s, gpa, &r);
    *start = r.addr;
    return r.found;
}

static int mo_free(void *s, uint64_t size, uint64_t align, uint64_t *addr)
{
    return model_free(s, size, align, addr);
}

static int mo_vmem(void *s, const char *id, bool plug, uint64_t off, uint64_t len)
{
    return model_vmem_request(s, id, plug, off, len);
}

/* ---- augmented AVL tree ----------------------------------------------------------------- */

static int at_create(const memdev_config *cfg, void **out)
{
    augtree *t = NULL;
    int rc = augtree_create(cfg->base, cfg->size, &t);
    *out = t;
    return rc;
}

static void at_destroy(void *s)
{
    augtree_destroy(s);
}

static uint64_t placement_align(const memdev_device_desc *d)
{
    uint64_t a = d->align;
    if (d->kind == MEMDEV_VIRTIO_MEM) {
        uint64_t b = (d->fields & MEMDEV_F_BLOCK) ? d->block : MEMDEV_DEFAULT_BLOCK;
        a = b > a ? b : a;
    } else if (d->kind == MEMDEV_HV_BALLOON && a < (32ull << 30)) {
        a = 32ull << 30;
    }
    return a;
}

static int at_plug(void *s, const memdev_device_desc *d, uint32_t handle, uint64_t *addr)
{
    if (d->fields & MEMDEV_F_ADDR) {
        int rc = augtree_plug_at(s, d->addr, d->size, handle);
        if (rc == 0 && addr)
            *addr = d->addr;
        return rc;
    }
    return augtree_plug(s, d->size, placement_align(d), handle, addr);
}

static int at_unplug(void *s, const char *id, uint64_t addr)
{
    (void)id;
    return augtree_unplug(s, addr);
}

static int at_lookup(void *s, uint64_t gpa, uint64_t *start)
{
    uint32_t dev;
    return augtree_lookup(s, gpa, &dev, start) ? 1 : 0;
}

static int at_free(void *s, uint64_t size, uint64_t align, uint64_t *addr)
{
    return augtree_first_fit(s, size, align, addr);
}

static int at_validate(void *s, char *msg, size_t cap)
{
    return augtree_validate(s, msg, cap);
}

static size_t at_memory(const void *s)
{
    return augtree_memory(s);
}

const bench_backend bench_backends[BK_COUNT] = {
    [BK_MEMDEV] = {"memdev", md_create, md_destroy, md_plug, md_unplug, md_lookup, md_free,
                   md_vmem, md_validate, md_memory},
    [BK_MODEL] = {"model", mo_create, mo_destroy, mo_plug, mo_unplug, mo_lookup, mo_free,
                  mo_vmem, NULL, NULL},
    [BK_AUGTREE] = {"augtree", at_create, at_destroy, at_plug, at_unplug, at_lookup, at_free,
                    NULL, at_validate, at_memory},
};
