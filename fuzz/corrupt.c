/* SPDX-License-Identifier: MIT */
/*
 * corrupt.c - the validator's own test (white-box): one field of a valid space is corrupted
 * in a way that breaks an invariant by construction, memdev_validate() must then report a
 * violation (and not crash), and once the field is restored it must pass again.
 *
 * Only value fields are corrupted (counters, addresses, sizes, slots, kinds, cached
 * summaries, plugged bytes), never pointers or indices the validator needs to walk the
 * structure, and each corruption is one the invariants forbid whatever the rest of the
 * state is: a counter that no longer equals the sum it caches, a device whose address or
 * size no longer matches its tree entry, a gap summary larger or smaller than any gap below
 * it. A corruption that does not apply to the state (no device of that kind) is skipped.
 */
#include "corrupt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "space.h"

/* One corruption: where (a pointer and a width) and what it was. */
struct patch {
    void *at;
    size_t len;
    unsigned char saved[16];
    const char *what;
};

static void add_u64(struct patch *p, uint64_t *f, uint64_t d, const char *what)
{
    p->at = f, p->len = sizeof *f, p->what = what;
    memcpy(p->saved, f, sizeof *f);
    *f += d ? d : 1;
}

static void add_u32(struct patch *p, uint32_t *f, uint64_t d, const char *what)
{
    p->at = f, p->len = sizeof *f, p->what = what;
    memcpy(p->saved, f, sizeof *f);
    *f += (uint32_t)(d % UINT32_MAX) ? (uint32_t)(d % UINT32_MAX) : 1u;
}

/* The k-th live record (k taken modulo their number) that want() accepts, or NULL. */
static struct dev *pick_dev(const memdev_space *sp, unsigned k, bool (*want)(const struct dev *))
{
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

static bool placed(const struct dev *v) { return !dev_empty(v); }
static bool with_x(const struct dev *v) { return v->x != NULL; }
static bool decided(const struct dev *v) { return v->x && dev_decided(v) && v->x->nslots > 0; }
static bool with_ext(const struct dev *v) { return v->x && v->x->n_ext > 0; }

/* Applies corruption c to sp; false when it does not apply to this state. */
static bool corrupt(memdev_space *sp, const uint8_t c[CORRUPT_SPEC_SIZE], struct patch *p)
{
    uint64_t d = (uint64_t)c[3] + 1; /* never 0: every corruption changes the field */
    struct dev *v;
    switch (c[0] % CORRUPT_KINDS) {
    case 0: add_u64(p, &sp->used_size, d, "used_size"); return true;
    case 1: add_u64(p, &sp->plugged_size, d, "plugged_size"); return true;
    case 2: add_u32(p, &sp->required, d, "required memslots"); return true;
    case 3: add_u32(p, &sp->used, d, "used memslots"); return true;
    case 4: add_u32(p, &sp->ndevices, d, "device count"); return true;
    case 5: add_u32(p, &sp->n_multi, d, "multi-memslot count"); return true;
    case 6: add_u32(p, &sp->n_empty, d, "empty-device count"); return true;
    case 7: add_u32(p, &sp->dimm_used, d, "DIMM slots used"); return true;
    case 8: {
        uint64_t *w = &sp->slot_map[(c[1] / 64u) % (MEMDEV_MAX_DIMM_SLOTS / 64)];
        p->at = w, p->len = sizeof *w, p->what = "DIMM slot map";
        memcpy(p->saved, w, sizeof *w);
        *w ^= 1ull << (c[1] % 64u);
        return true;
    }
    case 9: add_u64(p, &sp->vhost_min_max, d, "cached vhost minimum"); return true;
    case 10: add_u64(p, &sp->vhost_min_cap, d, "cached vhost capacity"); return true;
    case 11:
        if (!(v = pick_dev(sp, c[1], placed)))
            return false;
        add_u64(p, &v->addr, d << (c[2] % 40u), "device address");
        return true;
    case 12:
        if (!(v = pick_dev(sp, c[1], placed)))
            return false;
        add_u64(p, &v->size, d << (c[2] % 40u), "device size");
        return true;
    case 13: /* a slot where none belongs, or none where one does */
        if (!(v = pick_dev(sp, c[1], placed)))
            return false;
        p->at = &v->slot, p->len = sizeof v->slot, p->what = "device slot";
        memcpy(p->saved, &v->slot, sizeof v->slot);
        v->slot = (v->kind == MEMDEV_DIMM || v->kind == MEMDEV_NVDIMM) ? -1 : 0;
        return true;
    case 14:
        if (!(v = pick_dev(sp, c[1], placed)))
            return false;
        p->at = &v->kind, p->len = sizeof v->kind, p->what = "device kind";
        memcpy(p->saved, &v->kind, sizeof v->kind);
        v->kind = (uint8_t)(MEMDEV_KIND_COUNT + c[2] % 8u);
        return true;
    case 15:
        if (!(v = pick_dev(sp, c[1], with_x)))
            return false;
        add_u64(p, &v->x->plugged, d << (c[2] % 30u), "plugged bytes of a device");
        return true;
    case 16:
        if (!(v = pick_dev(sp, c[1], with_x)))
            return false;
        add_u32(p, &v->x->nmapped, d, "mapped memslots of a device");
        return true;
    case 17:
        if (!(v = pick_dev(sp, c[1], decided)))
            return false;
        add_u64(p, &v->x->fill[c[2] % v->x->nslots], d, "memslot fill of a device");
        return true;
    default: {
        if (!(v = pick_dev(sp, c[1], with_ext)))
            return false;
        struct extent *e = &v->x->ext[c[2] % v->x->n_ext];
        add_u64(p, &e->end, (uint64_t)1 << v->block_log2, "plugged extent of a virtio-mem");
        return true;
    }
    }
}

const char *corrupt_check(memdev_space *sp, const uint8_t spec[CORRUPT_SPEC_SIZE], char *why,
                          size_t cap)
{
    struct patch p;
    char msg[512];
    memset(&p, 0, sizeof p);
    if (!corrupt(sp, spec, &p))
        return NULL; /* nothing of that kind in this state */
    int rc = memdev_validate(sp, msg, sizeof msg);
    memcpy(p.at, p.saved, p.len);
    if (rc != MEMDEV_EINVARIANT) {
        snprintf(why, cap, "memdev_validate passed a space with a corrupted %s (%s)", p.what,
                 memdev_error_name(rc));
        return why;
    }
    if (!msg[0]) {
        snprintf(why, cap, "memdev_validate found the corrupted %s but said nothing", p.what);
        return why;
    }
    if (getenv("MEMDEV_FUZZ_VERBOSE"))
        fprintf(stderr, "corrupt: a corrupted %s: memdev_validate says: %s\n", p.what, msg);
    if (memdev_validate(sp, msg, sizeof msg) != 0) {
        snprintf(why, cap, "after restoring the %s, memdev_validate still fails: %s", p.what,
                 msg);
        return why;
    }
    return NULL;
}
