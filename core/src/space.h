/* SPDX-License-Identifier: MIT */
/*
 * space.h - internal layout of a memdev_space: the device table (arena + id hash), the
 * counters kept incrementally so no query walks the devices, and the window tree.
 */
#ifndef MEMDEV_SPACE_H
#define MEMDEV_SPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "memdev.h"
#include "wtree.h"

#define DEV_NIL UINT32_MAX
#define UNBOUNDED UINT64_MAX

/* A run of plugged virtio-mem bytes [start, end), offsets into the device. */
struct extent {
    uint64_t start, end;
};

/*
 * Kind-specific state, allocated only for the kinds that need it (nvdimm, virtio-mem,
 * hv-balloon), so the common record stays one cache line.
 */
struct dev_x {
    uint64_t req_size; /* size as asked (nvdimm: with label) */
    uint64_t label, block, requested;
    uint64_t memslot_size; /* s */
    uint64_t plugged;      /* virtio-mem: plugged bytes; hv-balloon: mapped bytes */
    struct extent *ext;    /* virtio-mem plugged extents, sorted, merged */
    uint32_t n_ext, ext_cap;
    uint32_t nslots, nmapped;
    uint64_t fill[]; /* decided: per memslot, plugged bytes (vmem) or 0/1 (balloon) */
};

struct dev {
    char *id; /* NULL when the record is free */
    char *memdev;
    struct dev_x *x;     /* NULL for dimm, virtio-pmem and empty devices */
    uint64_t addr, size; /* region: placed and budgeted */
    uint32_t hash;
    uint32_t next_free; /* free-list link */
    uint32_t node;
    int16_t slot;
    uint8_t kind, align_log2; /* placement alignment = 1 << align_log2 */
    bool empty, decided, dynamic, has_node;
};

_Static_assert(sizeof(struct dev) <= 64, "a device record is one cache line");

/* The common view of a record, whatever its kind. */
static inline uint32_t dev_nslots(const struct dev *v) {
    return v->x ? v->x->nslots : !v->empty;
}

static inline uint32_t dev_nmapped(const struct dev *v) {
    return v->x ? v->x->nmapped : !v->empty;
}

static inline uint64_t dev_memslot_size(const struct dev *v) {
    return v->x ? v->x->memslot_size : v->size;
}

static inline uint64_t dev_plugged(const struct dev *v) {
    return v->x ? v->x->plugged : v->size;
}

static inline uint64_t dev_align(const struct dev *v) {
    return v->empty ? 0 : 1ull << v->align_log2;
}

struct memdev_space {
    memdev_allocator al;
    memdev_config cfg; /* cfg.vhost points at vhost[] below */
    uint64_t wlast;    /* last byte of the window */
    memdev_limit *vhost;
    uint32_t n_vhost, vhost_cap;
    uint64_t vhost_min_max; /* minimum vhost max (UNBOUNDED when none) */
    uint64_t vhost_min_cap; /* minimum vhost max - other (UNBOUNDED when none) */

    struct dev *devs;
    uint32_t dev_cap, dev_used, dev_free;
    uint32_t *htab;    /* open addressing, linear probing, DEV_NIL = empty */
    uint32_t hcap;     /* power of two */
    uint32_t *empties; /* empty devices in plug order */
    uint32_t n_empty, empty_cap;

    uint64_t used_size, plugged_size;
    uint32_t required, used;
    uint32_t ndevices, n_multi; /* n_multi: devices that decided more than one memslot */
    uint32_t dimm_used;
    uint64_t slot_map[MEMDEV_MAX_DIMM_SLOTS / 64];

    wtree tree;
    char err[256];
};

/* space.c */
uint32_t space_find(const memdev_space *sp, const char *id);
int space_fail(memdev_space *sp, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void space_ok(memdev_space *sp);
uint64_t space_free_slots(const memdev_space *sp);
uint64_t space_max_slots(const memdev_space *sp);
void *space_alloc(memdev_space *sp, size_t size);
void space_release(memdev_space *sp, void *p);

/* memslots.c */
uint32_t memslots_limit(const memdev_space *sp, uint64_t size);
uint32_t memslots_vmem(uint64_t size, uint64_t block, uint32_t limit, uint64_t *slot_size);
uint32_t memslots_balloon(uint64_t size, uint32_t limit, uint64_t *slot_size);
/* Bytes of memslot i of a device (the last may be shorter). */
uint64_t memslot_bytes(const struct dev *d, uint32_t i);
bool memslot_is_mapped(const struct dev *d, uint32_t i);

/* vmem.c: plugged bytes of a virtio-mem device inside [s0, s1) (offsets into the device). */
uint64_t vmem_bytes_in(const struct dev_x *v, uint64_t s0, uint64_t s1);

/* query.c */
void dev_info(const memdev_space *sp, const struct dev *d, memdev_device_info *out);

/*
 * Every heap block the space holds, with its owner, for the benchmarks' memory split by
 * owner (measured through a counting allocator hook): the index (window tree, id table),
 * the records (device records and what hangs off them) and the rest (the space header).
 */
enum space_owner { OWNER_INDEX, OWNER_RECORDS, OWNER_OTHER };
typedef void (*space_block_fn)(void *ctx, const void *block, enum space_owner owner);
void space_blocks(const memdev_space *sp, space_block_fn fn, void *ctx);

static inline bool is_pow2(uint64_t x) {
    return x && !(x & (x - 1));
}

#endif /* MEMDEV_SPACE_H */
