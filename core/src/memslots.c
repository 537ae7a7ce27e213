/* SPDX-License-Identifier: MIT */
/*
 * memslots.c - the memslot decision of spec section 4: how many KVM/vhost memslots a device
 * that decides its own (virtio-mem with dynamic memslots, hv-balloon) may use, and how its
 * region is cut into memslots. Everything is exact integer arithmetic that cannot overflow
 * for any 64-bit size (QEMU uses a double and can be off by one, or wrap and abort).
 */
#include "space.h"

#define GiB (1ull << 30)
#define BALLOON_GRAIN (128ull << 20)

uint64_t space_max_slots(const memdev_space *sp) {
    uint64_t m = sp->vhost_min_max;
    if (sp->cfg.has_kvm && sp->cfg.kvm.max < m)
        m = sp->cfg.kvm.max;
    return m;
}

/* Minimum over kvm and the vhost backends of max - other - used; UNBOUNDED when none. */
uint64_t space_free_slots(const memdev_space *sp) {
    uint64_t cap = sp->vhost_min_cap;
    if (sp->cfg.has_kvm && (uint64_t)sp->cfg.kvm.max - sp->cfg.kvm.other < cap)
        cap = (uint64_t)sp->cfg.kvm.max - sp->cfg.kvm.other;
    if (cap == UNBOUNDED)
        return UNBOUNDED;
    return cap > sp->used ? cap - sp->used : 0;
}

/* floor(m * x / d) for x <= d, d > 0, without a 128-bit type: m repeated additions of x. */
static uint64_t muldiv_small(uint64_t m, uint64_t x, uint64_t d) {
    uint64_t q = 0, r = 0;
    for (uint64_t i = 0; i < m; i++) {
        if (r >= d - x) { /* r + x >= d, computed without overflow */
            r -= d - x;
            q++;
        } else {
            r += x;
        }
    }
    return q;
}

/* Decision limit on the state before the plug: rules 1-5 of spec section 4. */
uint32_t memslots_limit(const memdev_space *sp, uint64_t size) {
    if (space_max_slots(sp) < MEMDEV_SAFE_MEMSLOTS)
        return 1;
    if (sp->required >= MEMDEV_SOFT_MEMSLOTS)
        return 1;
    uint64_t m = MEMDEV_SOFT_MEMSLOTS - sp->required;
    uint64_t free_slots = space_free_slots(sp);
    uint64_t reserved = sp->required - sp->used;
    if (free_slots < reserved)
        return 1;
    if (free_slots - reserved < m)
        m = free_slots - reserved;
    if (m < 1)
        return 1;
    if (size == sp->cfg.budget)
        return (uint32_t)m;
    uint64_t avail = sp->cfg.budget - sp->used_size;
    if (avail == 0 || size > avail)
        return 1;
    uint64_t r = muldiv_small(m, size, avail);
    return r < 1 ? 1 : (uint32_t)r;
}

static uint32_t cut(uint64_t size, uint64_t s, uint64_t *slot_size) {
    uint64_t n = size / s + (size % s != 0);
    *slot_size = n == 1 ? size : s;
    return (uint32_t)n;
}

uint32_t memslots_vmem(uint64_t size, uint64_t block, uint32_t limit, uint64_t *slot_size) {
    if (limit <= 1) {
        *slot_size = size;
        return 1;
    }
    /* size is a multiple of block, so align_up(size / limit, block) <= size: no wrap. */
    uint64_t s = size;
    wt_align_up(size / limit, block, &s);
    if (s < block)
        s = block;
    if (s < GiB)
        s = GiB;
    return cut(size, s, slot_size);
}

uint32_t memslots_balloon(uint64_t size, uint32_t limit, uint64_t *slot_size) {
    uint64_t s;
    if (!wt_align_up(size / limit, BALLOON_GRAIN, &s)) {
        *slot_size = size;
        return 1;
    }
    if (s < BALLOON_GRAIN)
        s = BALLOON_GRAIN;
    return cut(size, s, slot_size);
}

uint64_t memslot_bytes(const struct dev *d, uint32_t i) {
    if (dev_nslots(d) <= 1)
        return d->size;
    uint64_t s = d->x->memslot_size, start = (uint64_t)i * s;
    uint64_t rest = d->size - start;
    return rest < s ? rest : s;
}

bool memslot_is_mapped(const struct dev *d, uint32_t i) {
    if (dev_empty(d) || i >= dev_nslots(d))
        return false;
    if (!dev_decided(d))
        return true;
    return d->x->fill[i] != 0;
}
