/* SPDX-License-Identifier: MIT */
/*
 * space.h - internal layout of a memdev_space: the device table (arena + id hash), the
 * counters kept incrementally so no query walks the devices, and the window tree.
 */
#ifndef MEMDEV_SPACE_H
#define MEMDEV_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "memdev.h"
#include "wtree.h"
#include "xtree.h"

#define DEV_NIL UINT32_MAX
#define UNBOUNDED UINT64_MAX

/*
 * Kind state, only for the devices that need it: decided memslots (dynamic virtio-mem,
 * hv-balloon), nvdimm (label, the size asked), a virtio-mem with plugged blocks (allocated by
 * its first block request), and any device given a backend name.
 */
struct dev_x {
    char *memdev;      /* backend name or NULL */
    uint64_t req_size; /* size as asked (nvdimm: with label) */
    uint64_t label;
    uint64_t memslot_size; /* s */
    uint64_t plugged;      /* virtio-mem: plugged bytes; hv-balloon: mapped bytes */
    struct xtree ext;      /* virtio-mem plugged extents (xtree.h) */
    uint32_t nslots, nmapped;
    uint64_t fill[]; /* decided: per memslot, plugged bytes (vmem) or 0/1 (balloon) */
};

#define ID_INLINE 16 /* an id of up to 15 bytes lives in the record */

enum dev_flag {
    DF_LIVE = 1,      /* the record holds a plugged device */
    DF_EMPTY = 2,     /* hv-balloon without a backend */
    DF_DECIDED = 4,   /* memslot count decided at plug */
    DF_DYNAMIC = 8,   /* virtio-mem dynamic-memslots=on */
    DF_HAS_NODE = 16, /* node given */
    DF_LONG_ID = 32,  /* id is on the heap: its pointer is in id[0..7] */
};

/*
 * A device record: one cache line, everything a plug, an unplug or a lookup of a dimm,
 * virtio-pmem or plain virtio-mem needs, the id included (up to 15 bytes), and the window
 * tree leaf that holds its entry, so an unplug fetches the leaf as soon as it has the record
 * (wtree.c [I8]). The small fields share one word; the id's hash is not kept (it is computed
 * again from the id where needed: the id table's growth and the validator). While free,
 * `addr` links the free list.
 */
struct dev {
    char id[ID_INLINE];  /* NUL-padded; or (DF_LONG_ID) a heap pointer in the first 8 bytes */
    uint64_t addr, size; /* region: placed and budgeted */
    uint64_t requested;  /* virtio-mem requested size */
    struct dev_x *x;     /* NULL unless the kind state above is needed */
    const void *leaf;    /* placed: the window tree leaf holding the entry [I8] */
    uint32_t node;
    unsigned slot1 : 9;      /* DIMM slot + 1; 0: none (dev_slot) */
    unsigned kind : 3;       /* memdev_kind */
    unsigned align_log2 : 6; /* placement alignment = 1 << align_log2 */
    unsigned block_log2 : 6; /* virtio-mem block = 1 << block_log2 */
    unsigned flags : 8;      /* DF_* */
};

_Static_assert(MEMDEV_MAX_DIMM_SLOTS < 511 && MEMDEV_KIND_COUNT <= 8,
               "slot + 1 fits 9 bits, a kind 3 bits");

_Static_assert(sizeof(struct dev) == 64, "a device record is one cache line");

#define DEV_PAGE 1024 /* records per page (64 KiB) */

static inline const char *dev_id(const struct dev *v) {
    if (v->flags & DF_LONG_ID) {
        const char *p;
        memcpy(&p, v->id, sizeof p);
        return p;
    }
    return v->id;
}

/* The DIMM slot, or -1. */
static inline int dev_slot(const struct dev *v) {
    return (int)v->slot1 - 1;
}

static inline bool dev_empty(const struct dev *v) {
    return v->flags & DF_EMPTY;
}

static inline bool dev_decided(const struct dev *v) {
    return v->flags & DF_DECIDED;
}

/* The common view of a record, whatever its kind. */
static inline uint32_t dev_nslots(const struct dev *v) {
    return v->x ? v->x->nslots : !dev_empty(v);
}

static inline uint32_t dev_nmapped(const struct dev *v) {
    return v->x ? v->x->nmapped : !dev_empty(v);
}

static inline uint64_t dev_memslot_size(const struct dev *v) {
    return v->x ? v->x->memslot_size : v->size;
}

static inline uint64_t dev_plugged(const struct dev *v) {
    if (v->x)
        return v->x->plugged;
    return v->kind == MEMDEV_VIRTIO_MEM || dev_empty(v) ? 0 : v->size;
}

static inline uint64_t dev_align(const struct dev *v) {
    return dev_empty(v) ? 0 : 1ull << v->align_log2;
}

static inline uint64_t dev_block(const struct dev *v) {
    return v->kind == MEMDEV_VIRTIO_MEM ? 1ull << v->block_log2 : 0;
}

static inline const char *dev_memdev(const struct dev *v) {
    return v->x ? v->x->memdev : NULL;
}

/*
 * The id table: buckets of one cache line, 16 one-byte tags (compared at once) and 16 record
 * indices of 3 bytes each. Each id has two buckets (cuckoo hashing, the second derived from
 * the first and the tag), so a lookup reads at most two lines and a removal moves nothing.
 * Tag 0 marks a free slot. The 3-byte indices are why a space holds at most
 * MEMDEV_MAX_DEVICES records (DEV_LIMIT).
 */
#define ID_SLOTS 16
struct id_bucket {
    uint8_t tag[ID_SLOTS];
    uint8_t dev[ID_SLOTS][3]; /* little-endian record indices */
};

_Static_assert(sizeof(struct id_bucket) == 64, "an id bucket is one cache line");

/*
 * Records a space may hand out (indices 0 .. DEV_LIMIT - 1): MEMDEV_MAX_DEVICES, or less in
 * a test build (tests/unit test_dev_limit) so that the limit is reached in a moment.
 */
#ifndef DEV_LIMIT
#define DEV_LIMIT MEMDEV_MAX_DEVICES
#endif
_Static_assert(DEV_LIMIT >= 1 && DEV_LIMIT <= 1u << 24, "a record index fits 3 bytes");

/*
 * Record index of slot i. One 4-byte load that ends with the slot (the byte before it, a tag
 * or the previous slot, is still in the bucket) instead of three loads.
 */
static inline uint32_t id_slot_dev(const struct id_bucket *bk, uint32_t i) {
    uint32_t w;
    memcpy(&w, (const unsigned char *)bk + offsetof(struct id_bucket, dev) + 3 * i - 1, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap32(w);
#endif
    return w >> 8;
}

static inline void id_slot_set(struct id_bucket *bk, uint32_t i, uint32_t di) {
    bk->dev[i][0] = (uint8_t)di;
    bk->dev[i][1] = (uint8_t)(di >> 8);
    bk->dev[i][2] = (uint8_t)(di >> 16);
}

/* An id's tag (1..255) and its two buckets, from the 32-bit hash of its bytes. */
static inline uint8_t id_tag(uint32_t h) {
    uint8_t t = (uint8_t)((h * 0x9e3779b1u) >> 24);
    return t ? t : 1;
}

/* h * nb >> 32: uniform over [0, nb) for any nb, a power of two or not. */
static inline uint32_t id_bucket1(uint32_t h, uint32_t nb) {
    return (uint32_t)(((uint64_t)h * nb) >> 32);
}

/* The other bucket: (c(tag) - b) mod nb with c(tag) in [0, nb), its own inverse for any nb. */
static inline uint32_t id_bucket_alt(uint32_t b, uint8_t tag, uint32_t nb) {
    uint32_t c = (uint32_t)(((uint64_t)(tag * 0x9e3779b1u) * nb) >> 32);
    return c >= b ? c - b : c + nb - b;
}

struct memdev_space {
    memdev_allocator al;
    memdev_config cfg; /* cfg.vhost NULL, cfg.n_vhost 0: the backends are vhost[] below */
    uint64_t wlast;    /* last byte of the window */
    memdev_limit *vhost;
    uint32_t n_vhost, vhost_cap;
    uint64_t vhost_min_max; /* minimum vhost max (UNBOUNDED when none) */
    uint64_t vhost_min_cap; /* minimum vhost max - other (UNBOUNDED when none) */

    struct dev **dpage; /* records, DEV_PAGE per page, 64-byte aligned */
    void **draw;        /* what the allocator returned for each page */
    uint32_t dpages, dpage_cap;
    uint32_t dev_used, dev_free; /* records handed out; free list (DEV_NIL) */
    struct id_bucket *itab;      /* nbuckets buckets, 64-byte aligned */
    void *itab_raw;              /* what the allocator returned for them */
    uint32_t nbuckets;
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

static inline struct dev *space_dev(const memdev_space *sp, uint32_t di) {
    return &sp->dpage[di / DEV_PAGE][di % DEV_PAGE];
}

/*
 * The tree's dev word: the record index, with DEV_FAST set when a lookup needs nothing of
 * the record but its id's address (one memslot, always mapped, id inline).
 */
#define DEV_FAST 0x80000000u
#define DEV_INDEX(w) ((w) & ~DEV_FAST)

/* space.c */
uint32_t space_find(const memdev_space *sp, const char *id);
/* The 32-bit hash of a record's id (its buckets and tag in the id table). */
uint32_t space_id_hash(const struct dev *v);
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
/* A virtio-mem device's kind state, allocated on first need: 0 or MEMDEV_ENOMEM. */
int space_vmem_x(memdev_space *sp, struct dev *d);

/* memslots.c */
uint32_t memslots_limit(const memdev_space *sp, uint64_t size);
uint32_t memslots_vmem(uint64_t size, uint64_t block, uint32_t limit, uint64_t *slot_size);
uint32_t memslots_balloon(uint64_t size, uint32_t limit, uint64_t *slot_size);
/* Bytes of memslot i of a device (the last may be shorter). */
uint64_t memslot_bytes(const struct dev *d, uint32_t i);
bool memslot_is_mapped(const struct dev *d, uint32_t i);

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
