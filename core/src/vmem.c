/* SPDX-License-Identifier: MIT */
/*
 * vmem.c - run-time remapping (spec section 5): virtio-mem block requests and resize, and
 * hv-balloon memslot map/unmap.
 *
 * virtio-mem plugged blocks are kept as sorted, merged extents rather than QEMU's bitmap:
 * a device may be as large as the window (a bitmap of 2^44 bits is not an option) and guests
 * plug in long runs. The extents are a B+tree (xtree.c), so a request is O(log e) to check
 * and to apply however scattered the blocks are (a sorted array moved O(e) bytes per
 * request). Each memslot of a device with dynamic memslots counts its plugged bytes, so
 * "mapped <=> a plugged block inside" is an O(1) test per memslot.
 */
#include "space.h"

#include <string.h>

/* The plugged device `id` of kind `kind`, non-empty; or the error. */
static int find_kind(memdev_space *sp, const char *id, memdev_kind kind, struct dev **out) {
    uint32_t di = space_find(sp, id);
    if (di == DEV_NIL)
        return space_fail(sp, MEMDEV_EUNKNOWNID, "no device '%s' is plugged", id ? id : "");
    struct dev *v = space_dev(sp, di);
    if (v->kind != kind || dev_empty(v))
        return space_fail(sp, MEMDEV_EINVAL, "'%s' is %s%s, not a %s", id,
                          dev_empty(v) ? "an empty " : "a ", memdev_kind_name((memdev_kind)v->kind),
                          memdev_kind_name(kind));
    *out = v;
    return 0;
}

/* Adds (plug) or removes the bytes [off, end) to/from the memslot fill counters. */
static void fill_update(memdev_space *sp, struct dev *d, uint64_t off, uint64_t end, bool plug) {
    struct dev_x *v = d->x;
    if (!dev_decided(d))
        return;
    for (uint32_t i = (uint32_t)(off / v->memslot_size); i < v->nslots; i++) {
        uint64_t s0 = (uint64_t)i * v->memslot_size;
        if (s0 >= end)
            break;
        uint64_t s1 = s0 + memslot_bytes(d, i);
        uint64_t lo = off > s0 ? off : s0, hi = end < s1 ? end : s1;
        bool was = v->fill[i] != 0;
        v->fill[i] = plug ? v->fill[i] + (hi - lo) : v->fill[i] - (hi - lo);
        if (was != (v->fill[i] != 0)) {
            if (was) {
                v->nmapped--;
                sp->used--;
            } else {
                v->nmapped++;
                sp->used++;
            }
        }
    }
}

int memdev_vmem_request(memdev_space *sp, const char *id, bool plug, uint64_t off, uint64_t len) {
    struct dev *d = NULL;
    int rc = find_kind(sp, id, MEMDEV_VIRTIO_MEM, &d);
    if (rc)
        return rc;
    uint64_t size = d->size, block = dev_block(d), plugged = dev_plugged(d);
    if (off % block || len % block || len == 0 || len > size || off > size - len)
        return space_fail(sp, MEMDEV_EREMAPRANGE,
                          "[0x%llx, +0x%llx) is not a block-aligned range inside the 0x%llx-byte "
                          "device (block 0x%llx)",
                          (unsigned long long)off, (unsigned long long)len,
                          (unsigned long long)size, (unsigned long long)block);
    if (plug && (plugged > d->requested || len > d->requested - plugged))
        return space_fail(
            sp, MEMDEV_EREMAPLIMIT,
            "plugging 0x%llx more bytes exceeds the requested 0x%llx (0x%llx plugged)",
            (unsigned long long)len, (unsigned long long)d->requested, (unsigned long long)plugged);
    uint64_t end = off + len;
    static const struct xtree none;
    const struct xtree *t = d->x ? &d->x->ext : &none;
    uint32_t nodes;
    struct xt_path path;
    if (plug ? !xt_plug_check(t, off, end, &nodes, &path)
             : !xt_unplug_check(t, off, end, &nodes, &path))
        return space_fail(sp, MEMDEV_EREMAPSTATE, "some blocks in [0x%llx, +0x%llx) are %s",
                          (unsigned long long)off, (unsigned long long)len,
                          plug ? "already plugged" : "not plugged");
    /* The first plug needs the kind state; a new extent in a full leaf needs nodes. */
    if (nodes && (space_vmem_x(sp, d) || xt_reserve(&d->x->ext, &sp->al, nodes)))
        return space_fail(sp, MEMDEV_ENOMEM, "out of memory recording plugged blocks");
    struct dev_x *v = d->x;
    if (plug) {
        xt_plug(&v->ext, &sp->al, off, end, &path);
        v->plugged += len;
        sp->plugged_size += len;
    } else {
        xt_unplug(&v->ext, &sp->al, off, end, &path);
        v->plugged -= len;
        sp->plugged_size -= len;
    }
    fill_update(sp, d, off, end, plug);
    space_ok(sp);
    return 0;
}

int memdev_vmem_resize(memdev_space *sp, const char *id, uint64_t requested) {
    struct dev *d = NULL;
    int rc = find_kind(sp, id, MEMDEV_VIRTIO_MEM, &d);
    if (rc)
        return rc;
    if (requested % dev_block(d) || requested > d->size)
        return space_fail(sp, MEMDEV_EINVAL,
                          "requested 0x%llx is not a multiple of block 0x%llx up to size 0x%llx",
                          (unsigned long long)requested, (unsigned long long)dev_block(d),
                          (unsigned long long)d->size);
    d->requested = requested;
    space_ok(sp);
    return 0;
}

int memdev_balloon_map(memdev_space *sp, const char *id, uint32_t index, bool map) {
    struct dev *d = NULL;
    int rc = find_kind(sp, id, MEMDEV_HV_BALLOON, &d);
    if (rc)
        return rc;
    struct dev_x *v = d->x;
    if (index >= v->nslots)
        return space_fail(sp, MEMDEV_EREMAPRANGE, "memslot %u is outside [0, %u)", index,
                          v->nslots);
    if ((v->fill[index] != 0) == map)
        return space_fail(sp, MEMDEV_EREMAPSTATE, "memslot %u is already %s", index,
                          map ? "mapped" : "unmapped");
    uint64_t bytes = memslot_bytes(d, index);
    v->fill[index] = map;
    if (map) {
        v->nmapped++;
        sp->used++;
        v->plugged += bytes;
        sp->plugged_size += bytes;
    } else {
        v->nmapped--;
        sp->used--;
        v->plugged -= bytes;
        sp->plugged_size -= bytes;
    }
    space_ok(sp);
    return 0;
}
