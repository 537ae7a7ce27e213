/* SPDX-License-Identifier: MIT */
/*
 * validate.c - memdev_validate(): recomputes every counter and cached summary from the
 * device records and checks the invariants of spec section 8, naming the first violation.
 * It trusts nothing it checks: indices are bounds-checked before use, so a corrupted space
 * yields a message, not a crash. Invariant numbers [S1]..[S8] are the spec's; a virtio-mem
 * device's extent tree is checked by xt_validate ([X1]..[X7] of xtree.c) under [S4].
 */
#include "space.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct vctx {
    char *msg;
    size_t cap;
};

static int bad(struct vctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int bad(struct vctx *c, const char *fmt, ...) {
    if (c->msg && c->cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->msg, c->cap, fmt, ap);
        va_end(ap);
    }
    return MEMDEV_EINVARIANT;
}

#define X(v) ((unsigned long long)(v))

/* Which devices must keep kind state (struct dev_x); any other may (a backend name, a
   virtio-mem after its first block request). */
static bool kind_needs_x(const struct dev *v) {
    return !dev_empty(v) &&
           (dev_decided(v) || v->kind == MEMDEV_NVDIMM || v->kind == MEMDEV_HV_BALLOON);
}

/* [S3] [S4]: memslot geometry, mapped state and plugged bytes of one device. */
static int check_memslots(struct vctx *c, const struct dev *d) {
    if (!d->x && kind_needs_x(d))
        return bad(c, "device '%s' (%s) lacks its kind state", dev_id(d),
                   memdev_kind_name((memdev_kind)d->kind));
    if (!d->x || dev_empty(d))
        return 0; /* one memslot covering the region, mapped while plugged (none when empty) */
    const struct dev_x *v = d->x;
    if (!dev_decided(d) && v->plugged != (d->kind == MEMDEV_VIRTIO_MEM ? v->plugged : d->size))
        return bad(c, "device '%s' records 0x%llx plugged bytes of 0x%llx", dev_id(d),
                   X(v->plugged), X(d->size));
    if (v->nslots < 1)
        return bad(c, "device '%s' has %u memslots [S3]", dev_id(d), v->nslots);
    if (v->nslots == 1
            ? v->memslot_size != d->size
            : (v->memslot_size == 0 ||
               d->size / v->memslot_size + (d->size % v->memslot_size != 0) != v->nslots))
        return bad(c, "device '%s': %u memslots of 0x%llx do not cut 0x%llx bytes [S3]", dev_id(d),
                   v->nslots, X(v->memslot_size), X(d->size));
    if (!dev_decided(d))
        return v->nmapped == 1 ? 0
                               : bad(c, "device '%s' has %u memslots mapped, 1 expected [S3]",
                                     dev_id(d), v->nmapped);
    uint32_t mapped = 0;
    for (uint32_t i = 0; i < v->nslots; i++)
        mapped += v->fill[i] != 0;
    if (mapped != v->nmapped)
        return bad(c, "device '%s' counts %u mapped memslots, %u are [S3]", dev_id(d), v->nmapped,
                   mapped);
    if (d->kind == MEMDEV_HV_BALLOON) {
        uint64_t bytes = 0;
        for (uint32_t i = 0; i < v->nslots; i++) {
            if (v->fill[i] > 1)
                return bad(c, "hv-balloon '%s' memslot %u state %llu [S3]", dev_id(d), i,
                           X(v->fill[i]));
            bytes += v->fill[i] ? memslot_bytes(d, i) : 0;
        }
        if (bytes != v->plugged)
            return bad(c, "hv-balloon '%s' maps 0x%llx bytes, records 0x%llx", dev_id(d), X(bytes),
                       X(v->plugged));
    }
    return 0;
}

/* [S4]: virtio-mem extents, plugged bytes, and per-memslot fill (mapped <=> plugged inside). */
static int check_vmem(struct vctx *c, const struct dev *d) {
    uint64_t block = dev_block(d); /* block_log2 is a 6-bit field: no shift past 63 */
    if (block < (1ull << 20) || d->size % block || d->requested % block || d->requested > d->size ||
        dev_align(d) < block)
        return bad(c, "virtio-mem '%s': block 0x%llx, size 0x%llx, requested 0x%llx [S4]",
                   dev_id(d), X(block), X(d->size), X(d->requested));
    const struct dev_x *v = d->x;
    if (!v)
        return 0; /* no block was ever plugged */
    char why[160];
    if (xt_validate(&v->ext, why, sizeof why))
        return bad(c, "virtio-mem '%s': plugged extents: %s [S4]", dev_id(d), why);
    uint64_t sum = 0;
    uint32_t i = 0;
    for (const struct xt_node *l = xt_first_leaf(&v->ext); l; l = l->u.lf.next)
        for (uint32_t j = 0; j < l->n; j++, i++) {
            const struct extent *e = &l->u.lf.e[j];
            if (e->end > d->size || e->start % block || e->end % block)
                return bad(c,
                           "virtio-mem '%s': plugged extent %u [0x%llx, 0x%llx) lies off the "
                           "block grid or past the device [S4]",
                           dev_id(d), i, X(e->start), X(e->end));
            sum += e->end - e->start;
        }
    if (sum != v->plugged)
        return bad(c, "virtio-mem '%s' records 0x%llx plugged bytes, extents hold 0x%llx [S4]",
                   dev_id(d), X(v->plugged), X(sum));
    for (uint32_t s = 0; dev_decided(d) && s < v->nslots; s++) {
        uint64_t s0 = (uint64_t)s * v->memslot_size;
        uint64_t in = xt_bytes_in(&v->ext, s0, s0 + memslot_bytes(d, s));
        if (in != v->fill[s])
            return bad(c,
                       "virtio-mem '%s' memslot %u holds 0x%llx plugged bytes, records 0x%llx "
                       "(mapped must mean a plugged block inside) [S4]",
                       dev_id(d), s, X(in), X(v->fill[s]));
    }
    return 0;
}

struct totals {
    uint64_t used_size, plugged;
    uint64_t required, used;
    uint32_t devices, multi, dimms, placed, empties;
    uint64_t slots[MEMDEV_MAX_DIMM_SLOTS / 64];
};

/* [S1] [S5] and the per-kind checks of one live record. */
static int check_dev(struct vctx *c, const memdev_space *sp, uint32_t di, struct totals *t) {
    const struct dev *v = space_dev(sp, di);
    if (v->kind >= MEMDEV_KIND_COUNT)
        return bad(c, "device '%s' has kind %u", dev_id(v), v->kind);
    if (space_find(sp, dev_id(v)) != di)
        return bad(c, "device '%s' cannot be found by its id", dev_id(v));
    if ((strlen(dev_id(v)) >= ID_INLINE) != ((v->flags & DF_LONG_ID) != 0))
        return bad(c, "device '%s' keeps its id %s", dev_id(v),
                   v->flags & DF_LONG_ID ? "on the heap though it is short" : "inline though long");
    t->devices++;
    if (dev_empty(v)) {
        t->empties++;
        if (v->kind != MEMDEV_HV_BALLOON)
            return bad(c, "empty device '%s' is a %s", dev_id(v),
                       memdev_kind_name((memdev_kind)v->kind));
        /* its kind state, if any, holds only the backend name: no memslots, nothing mapped */
        if (v->x && (v->x->nslots || v->x->nmapped || v->x->plugged || v->x->ext.n ||
                     v->x->ext.root || dev_decided(v)))
            return bad(c, "empty hv-balloon '%s' has %u memslots, %u mapped, 0x%llx plugged",
                       dev_id(v), v->x->nslots, v->x->nmapped, X(v->x->plugged));
        return 0;
    }
    uint64_t align = dev_align(v); /* align_log2 is a 6-bit field: no shift past 63 */
    if (v->size == 0 || v->addr & (align - 1) || v->addr < sp->cfg.base || v->addr > sp->wlast ||
        v->size - 1 > sp->wlast - v->addr) /* (wlast - addr wraps for an address past the end) */
        return bad(c,
                   "device '%s' at [0x%llx, +0x%llx) align 0x%llx is not an aligned range "
                   "inside the window [S1]",
                   dev_id(v), X(v->addr), X(v->size), X(align));
    bool has_slot = v->kind == MEMDEV_DIMM || v->kind == MEMDEV_NVDIMM;
    int slot = dev_slot(v);
    if (has_slot != (slot >= 0) || (has_slot && (uint32_t)slot >= sp->cfg.dimm_slots))
        return bad(c, "device '%s' has slot %d of %u [S5]", dev_id(v), slot, sp->cfg.dimm_slots);
    if (has_slot) {
        uint64_t bit = 1ull << (slot % 64);
        if (t->slots[slot / 64] & bit)
            return bad(c, "slot %d is held by two devices, one is '%s' [S5]", slot, dev_id(v));
        t->slots[slot / 64] |= bit;
        t->dimms++;
    }
    int rc = check_memslots(c, v);
    if (!rc && v->kind == MEMDEV_VIRTIO_MEM)
        rc = check_vmem(c, v);
    if (rc)
        return rc;
    t->used_size += v->size;
    t->plugged += dev_plugged(v);
    t->required += dev_nslots(v);
    t->used += dev_nmapped(v);
    t->multi += dev_decided(v) && dev_nslots(v) > 1;
    return 0;
}

/* [S1] [S8]: the tree holds exactly the placed devices, at their addresses. */
static int check_tree_devices(struct vctx *c, const memdev_space *sp, struct totals *t) {
    wt_iter it;
    uint64_t first, last;
    uint32_t di;
    wtree_iter_begin(&sp->tree, &it);
    while (wtree_iter_next(&sp->tree, &it, &first, &last, &di)) {
        uint32_t idx = DEV_INDEX(di);
        const struct dev *v = idx < sp->dev_used ? space_dev(sp, idx) : NULL;
        if (!v || !(v->flags & DF_LIVE) || dev_empty(v))
            return bad(c, "window tree entry [0x%llx, 0x%llx] refers to no placed device [S8]",
                       X(first), X(last));
        bool fast = !dev_decided(v) && !(v->flags & DF_LONG_ID);
        if (((di & DEV_FAST) != 0) != fast)
            return bad(c, "window tree entry of '%s' is %smarked for the fast lookup [S8]",
                       dev_id(v), fast ? "not " : "");
        if (v->addr != first || v->size - 1 != last - first)
            return bad(c,
                       "window tree holds '%s' at [0x%llx, 0x%llx], the device says "
                       "[0x%llx, +0x%llx) [S8]",
                       dev_id(v), X(first), X(last), X(v->addr), X(v->size));
        t->placed++;
    }
    return 0;
}

static int check_counters(struct vctx *c, const memdev_space *sp, const struct totals *t) {
    if (t->used_size != sp->used_size || sp->used_size > sp->cfg.budget)
        return bad(c, "used_size is 0x%llx, devices sum to 0x%llx, budget 0x%llx [S2]",
                   X(sp->used_size), X(t->used_size), X(sp->cfg.budget));
    if (t->required != sp->required || t->used != sp->used || sp->used > sp->required)
        return bad(c, "memslots: required %u used %u, devices sum to %llu and %llu [S3]",
                   sp->required, sp->used, X(t->required), X(t->used));
    if (t->plugged != sp->plugged_size)
        return bad(c, "plugged_size is 0x%llx, devices sum to 0x%llx", X(sp->plugged_size),
                   X(t->plugged));
    if (t->devices != sp->ndevices || t->multi != sp->n_multi || t->empties != sp->n_empty ||
        t->placed + t->empties != t->devices || t->dimms != sp->dimm_used)
        return bad(c,
                   "device counts: %u devices (%u found), %u empty (%u), %u placed, %u "
                   "multi-memslot (%u), %u DIMM slots (%u)",
                   sp->ndevices, t->devices, sp->n_empty, t->empties, t->placed, sp->n_multi,
                   t->multi, sp->dimm_used, t->dimms);
    if (memcmp(t->slots, sp->slot_map, sizeof t->slots))
        return bad(c, "the DIMM slot map differs from the slots the devices hold [S5]");
    uint64_t min_max = UNBOUNDED, min_cap = UNBOUNDED;
    for (uint32_t i = 0; i < sp->n_vhost; i++) {
        uint64_t cap = (uint64_t)sp->vhost[i].max - sp->vhost[i].other;
        min_max = sp->vhost[i].max < min_max ? sp->vhost[i].max : min_max;
        min_cap = cap < min_cap ? cap : min_cap;
        if (sp->required > cap)
            return bad(c, "vhost backend %u offers %llu memslots, devices require %u [S3]", i,
                       X(cap), sp->required);
    }
    if (min_max != sp->vhost_min_max || min_cap != sp->vhost_min_cap)
        return bad(c, "cached vhost minima differ from their recomputation [S8]");
    if (sp->cfg.has_kvm && sp->required > (uint64_t)sp->cfg.kvm.max - sp->cfg.kvm.other)
        return bad(c, "KVM offers %u memslots, devices require %u [S3]",
                   sp->cfg.kvm.max - sp->cfg.kvm.other, sp->required);
    return 0;
}

/*
 * The id table: every used slot names a live record, from one of the record's two buckets
 * and with its tag; as many slots as devices (each live one is found by its id in
 * check_dev, so none is missing and none is there twice).
 */
static int check_id_table(struct vctx *c, const memdev_space *sp) {
    uint64_t used = 0;
    for (uint32_t b = 0; b < sp->nbuckets; b++) {
        const struct id_bucket *bk = &sp->itab[b];
        for (uint32_t i = 0; i < ID_SLOTS; i++) {
            if (!bk->tag[i])
                continue;
            uint32_t di = id_slot_dev(bk, i);
            const struct dev *v = di < sp->dev_used ? space_dev(sp, di) : NULL;
            if (!v || !(v->flags & DF_LIVE))
                return bad(c, "id table bucket %u slot %u refers to no device", b, i);
            uint32_t hash = space_id_hash(v), home = id_bucket1(hash, sp->nbuckets);
            if (bk->tag[i] != id_tag(hash) ||
                (b != home && b != id_bucket_alt(home, id_tag(hash), sp->nbuckets)))
                return bad(c, "id table bucket %u slot %u holds '%s' out of its place", b, i,
                           dev_id(v));
            used++;
        }
    }
    if (used != sp->ndevices)
        return bad(c, "id table holds %llu devices, %u are plugged", X(used), sp->ndevices);
    return 0;
}

/* Records: live ones counted by the caller; the free list holds exactly the others. */
static int check_free_records(struct vctx *c, const memdev_space *sp) {
    uint32_t live = 0, free = 0;
    if (sp->dev_used > DEV_LIMIT)
        return bad(c, "%u records, more than the %u a space may hand out", sp->dev_used,
                   (uint32_t)DEV_LIMIT);
    for (uint32_t di = 0; di < sp->dev_used; di++)
        live += (space_dev(sp, di)->flags & DF_LIVE) != 0;
    for (uint32_t di = sp->dev_free; di != DEV_NIL; free++) {
        if (di >= sp->dev_used || free > sp->dev_used || (space_dev(sp, di)->flags & DF_LIVE))
            return bad(c, "the free record list is broken at record %u", di);
        di = (uint32_t)space_dev(sp, di)->addr;
    }
    if (live != sp->ndevices || live + free != sp->dev_used)
        return bad(c, "%u live records and %u free of %u, %u devices plugged", live, free,
                   sp->dev_used, sp->ndevices);
    return 0;
}

int memdev_validate(const memdev_space *sp, char *msg, size_t cap) {
    struct vctx c = {msg, cap};
    struct totals t;
    memset(&t, 0, sizeof t);
    if (msg && cap)
        msg[0] = '\0';
    int rc = wtree_validate(&sp->tree, msg, cap);
    if (rc)
        return rc;
    if ((rc = check_tree_devices(&c, sp, &t)))
        return rc;
    if ((rc = check_id_table(&c, sp)) || (rc = check_free_records(&c, sp)))
        return rc;
    for (uint32_t di = 0; di < sp->dev_used; di++)
        if ((space_dev(sp, di)->flags & DF_LIVE) && (rc = check_dev(&c, sp, di, &t)))
            return rc;
    if (sp->n_empty > sp->empty_cap)
        return bad(&c, "%u empty devices listed in room for %u", sp->n_empty, sp->empty_cap);
    for (uint32_t i = 0; i < sp->n_empty; i++)
        if (sp->empties[i] >= sp->dev_used || !dev_empty(space_dev(sp, sp->empties[i])))
            return bad(&c, "empty-device list entry %u is not an empty device", i);
    return check_counters(&c, sp, &t);
}
