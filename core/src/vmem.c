/* SPDX-License-Identifier: MIT */
/*
 * vmem.c - run-time remapping (spec section 5): virtio-mem block requests and resize, and
 * hv-balloon memslot map/unmap.
 *
 * virtio-mem plugged blocks are kept as sorted, merged extents rather than QEMU's bitmap:
 * a device may be as large as the window (a bitmap of 2^44 bits is not an option), guests
 * plug in long runs, and a request is then O(log e) to check. Each memslot of a device with
 * dynamic memslots counts its plugged bytes, so "mapped <=> a plugged block inside" is an
 * O(1) test per memslot.
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

/* Index of the first extent that ends after off (n_ext if none). */
static uint32_t ext_search(const struct dev_x *v, uint64_t off) {
    uint32_t lo = 0, hi = v->n_ext;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v->ext[mid].end > off)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

uint64_t vmem_bytes_in(const struct dev_x *v, uint64_t s0, uint64_t s1) {
    uint64_t in = 0;
    for (uint32_t i = 0; i < v->n_ext && v->ext[i].start < s1; i++) {
        uint64_t lo = v->ext[i].start > s0 ? v->ext[i].start : s0;
        uint64_t hi = v->ext[i].end < s1 ? v->ext[i].end : s1;
        in += lo < hi ? hi - lo : 0;
    }
    return in;
}

static int ext_reserve(memdev_space *sp, struct dev_x *v) {
    if (v->n_ext < v->ext_cap)
        return 0;
    uint64_t ncap = v->ext_cap ? (uint64_t)v->ext_cap * 2 : 4;
    struct extent *ne =
        ncap > UINT32_MAX ? NULL : sp->al.realloc(sp->al.ctx, v->ext, (size_t)ncap * sizeof *ne);
    if (!ne)
        return MEMDEV_ENOMEM;
    v->ext = ne;
    v->ext_cap = (uint32_t)ncap;
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

static void ext_plug(struct dev_x *v, uint32_t i, uint64_t off, uint64_t end) {
    bool left = i > 0 && v->ext[i - 1].end == off;
    bool right = i < v->n_ext && v->ext[i].start == end;
    if (left && right) {
        v->ext[i - 1].end = v->ext[i].end;
        memmove(&v->ext[i], &v->ext[i + 1], (v->n_ext - i - 1) * sizeof v->ext[0]);
        v->n_ext--;
    } else if (left) {
        v->ext[i - 1].end = end;
    } else if (right) {
        v->ext[i].start = off;
    } else {
        memmove(&v->ext[i + 1], &v->ext[i], (v->n_ext - i) * sizeof v->ext[0]);
        v->ext[i] = (struct extent){off, end};
        v->n_ext++;
    }
}

static void ext_unplug(struct dev_x *v, uint32_t i, uint64_t off, uint64_t end) {
    struct extent e = v->ext[i];
    if (e.start == off && e.end == end) {
        memmove(&v->ext[i], &v->ext[i + 1], (v->n_ext - i - 1) * sizeof v->ext[0]);
        v->n_ext--;
    } else if (e.start == off) {
        v->ext[i].start = end;
    } else if (e.end == end) {
        v->ext[i].end = off;
    } else {
        memmove(&v->ext[i + 2], &v->ext[i + 1], (v->n_ext - i - 1) * sizeof v->ext[0]);
        v->ext[i].end = off;
        v->ext[i + 1] = (struct extent){end, e.end};
        v->n_ext++;
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
    struct dev_x *v = d->x;
    uint32_t i = v ? ext_search(v, off) : 0, n_ext = v ? v->n_ext : 0;
    bool need_room;
    if (plug) {
        if (i < n_ext && v->ext[i].start < end)
            return space_fail(sp, MEMDEV_EREMAPSTATE,
                              "some blocks in [0x%llx, +0x%llx) are "
                              "already plugged",
                              (unsigned long long)off, (unsigned long long)len);
        need_room = !(i > 0 && v->ext[i - 1].end == off) && !(i < n_ext && v->ext[i].start == end);
    } else {
        if (i == n_ext || v->ext[i].start > off || v->ext[i].end < end)
            return space_fail(sp, MEMDEV_EREMAPSTATE,
                              "some blocks in [0x%llx, +0x%llx) are "
                              "not plugged",
                              (unsigned long long)off, (unsigned long long)len);
        need_room = v->ext[i].start < off && v->ext[i].end > end;
    }
    /* A plug may need the kind state (the first one) and room for an extent. */
    if (need_room && (space_vmem_x(sp, d) || ext_reserve(sp, d->x)))
        return space_fail(sp, MEMDEV_ENOMEM, "out of memory recording plugged blocks");
    v = d->x;
    if (plug) {
        ext_plug(v, i, off, end);
        v->plugged += len;
        sp->plugged_size += len;
    } else {
        ext_unplug(v, i, off, end);
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
