/* SPDX-License-Identifier: MIT */
/*
 * query.c - read-only views of a space (spec section 7): lookup, free, stats, the device
 * list, QMP-shaped JSON, and the digest that tests and fuzzers use to prove that a failed
 * operation changed nothing.
 */
#include "space.h"

#include <stdio.h>
#include <string.h>

/*
 * The hot path of address translation. A device with one memslot (always mapped while
 * plugged) and an inline id is marked DEV_FAST in the tree: the answer is then the tree's
 * alone, and the id's address is computed, not loaded. Others read their record.
 */
int memdev_lookup(const memdev_space *sp, uint64_t gpa, memdev_lookup_result *out) {
    uint32_t word;
    uint64_t first, last;
    if (!wtree_find(&sp->tree, gpa, &word, &first, &last)) {
        *out = (memdev_lookup_result){.found = false};
        return 0;
    }
    const struct dev *v = space_dev(sp, DEV_INDEX(word));
    if (word & DEV_FAST) {
        *out = (memdev_lookup_result){.found = true,
                                      .id = v->id,
                                      .addr = first,
                                      .offset = gpa - first,
                                      .memslot = 0,
                                      .mapped = true};
        return 0;
    }
    uint64_t off = gpa - first, idx = off / dev_memslot_size(v);
    uint32_t slot = idx >= dev_nslots(v) ? dev_nslots(v) - 1 : (uint32_t)idx;
    *out = (memdev_lookup_result){.found = true,
                                  .id = dev_id(v),
                                  .addr = first,
                                  .offset = off,
                                  .memslot = slot,
                                  .mapped = memslot_is_mapped(v, slot)};
    (void)last;
    return 0;
}

int memdev_free(memdev_space *sp, uint64_t size, uint64_t align, uint64_t *addr) {
    uint64_t start;
    if (size == 0 || !is_pow2(align))
        return space_fail(sp, MEMDEV_EINVAL, "size must be > 0 and align a power of two");
    if (!wt_align_up(sp->cfg.base, align, &start) || size - 1 > UINT64_MAX - start)
        return space_fail(sp, MEMDEV_ETOOBIG,
                          "0x%llx bytes aligned to 0x%llx cannot fit below 2^64",
                          (unsigned long long)size, (unsigned long long)align);
    if (wtree_first_fit(&sp->tree, size, align, addr, NULL))
        return space_fail(sp, MEMDEV_EFRAGMENTED,
                          "no free range of 0x%llx bytes aligned to 0x%llx in the window",
                          (unsigned long long)size, (unsigned long long)align);
    space_ok(sp);
    return 0;
}

int memdev_stats_get(const memdev_space *sp, memdev_stats *out) {
    memset(out, 0, sizeof *out);
    out->used_size = sp->used_size;
    out->plugged_size = sp->plugged_size;
    out->budget = sp->cfg.budget;
    out->required = sp->required;
    out->used = sp->used;
    out->reserved = sp->required - sp->used;
    out->has_kvm = sp->cfg.has_kvm;
    if (sp->cfg.has_kvm)
        out->kvm_free = sp->cfg.kvm.max - sp->cfg.kvm.other - sp->used;
    out->n_vhost = sp->n_vhost;
    if (sp->n_vhost)
        out->vhost_free = (uint32_t)(sp->vhost_min_cap - sp->used);
    out->devices = sp->ndevices;
    out->dimm_slots_used = sp->dimm_used;
    out->largest_gap = wtree_largest_gap(&sp->tree);
    return 0;
}

void dev_info(const memdev_space *sp, const struct dev *v, memdev_device_info *o) {
    (void)sp;
    memset(o, 0, sizeof *o);
    o->id = dev_id(v);
    o->kind = (memdev_kind)v->kind;
    o->empty = dev_empty(v);
    o->addr = v->addr;
    o->size = v->size;
    o->requested_size = v->x ? v->x->req_size : v->size;
    o->align = dev_align(v);
    o->slot = dev_slot(v);
    o->memslots = dev_nslots(v);
    o->memslot_size = dev_empty(v) ? 0 : dev_memslot_size(v);
    o->mapped = dev_nmapped(v);
    o->decided = dev_decided(v);
    o->plugged = dev_empty(v) ? 0 : dev_plugged(v);
    o->block = dev_empty(v) ? 0 : dev_block(v);
    o->requested = v->requested;
    o->label = v->x ? v->x->label : 0;
    o->has_node = v->flags & DF_HAS_NODE;
    o->node = v->node;
    o->memdev = dev_memdev(v);
}

int memdev_device_get(const memdev_space *sp, const char *id, memdev_device_info *out) {
    uint32_t di = space_find(sp, id);
    if (di == DEV_NIL)
        return MEMDEV_EUNKNOWNID;
    dev_info(sp, space_dev(sp, di), out);
    return 0;
}

/* Every device record in list order: empty ones in plug order, then by address. */
typedef int (*dev_visit_fn)(void *ctx, const memdev_space *sp, const struct dev *v);

static int walk(const memdev_space *sp, dev_visit_fn fn, void *ctx) {
    for (uint32_t i = 0; i < sp->n_empty; i++) {
        int rc = fn(ctx, sp, space_dev(sp, sp->empties[i]));
        if (rc)
            return rc;
    }
    wt_iter it;
    uint64_t first, last;
    uint32_t di;
    wtree_iter_begin(&sp->tree, &it);
    while (wtree_iter_next(&sp->tree, &it, &first, &last, &di)) {
        int rc = fn(ctx, sp, space_dev(sp, DEV_INDEX(di)));
        if (rc)
            return rc;
    }
    return 0;
}

struct visit_ctx {
    memdev_visit_fn fn;
    void *ctx;
};

static int visit_info(void *ctx, const memdev_space *sp, const struct dev *v) {
    const struct visit_ctx *vc = ctx;
    memdev_device_info info;
    dev_info(sp, v, &info);
    return vc->fn(vc->ctx, &info);
}

int memdev_foreach(const memdev_space *sp, memdev_visit_fn fn, void *ctx) {
    struct visit_ctx vc = {fn, ctx};
    return walk(sp, visit_info, &vc);
}

int memdev_memslot_mapped(const memdev_space *sp, const char *id, uint32_t index, bool *mapped) {
    uint32_t di = space_find(sp, id);
    if (di == DEV_NIL)
        return MEMDEV_EUNKNOWNID;
    const struct dev *v = space_dev(sp, di);
    if (index >= dev_nslots(v))
        return MEMDEV_EREMAPRANGE;
    *mapped = memslot_is_mapped(v, index);
    return 0;
}

int memdev_vmem_state(const memdev_space *sp, const char *id, uint64_t off, uint64_t len,
                      int *state) {
    uint32_t di = space_find(sp, id);
    if (di == DEV_NIL)
        return MEMDEV_EUNKNOWNID;
    const struct dev *d = space_dev(sp, di);
    if (d->kind != MEMDEV_VIRTIO_MEM || dev_empty(d))
        return MEMDEV_EINVAL;
    if (len == 0 || len > d->size || off > d->size - len)
        return MEMDEV_EREMAPRANGE;
    uint64_t covered = d->x ? xt_bytes_in(&d->x->ext, off, off + len) : 0;
    *state = covered == 0 ? 0 : covered == len ? 1 : 2;
    return 0;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

struct jbuf {
    char *buf;
    size_t cap, len;
};

static void jput(struct jbuf *j, const char *s, size_t n) {
    if (j->len < j->cap) {
        size_t room = j->cap - j->len;
        memcpy(j->buf + j->len, s, n < room ? n : room);
    }
    j->len += n;
}

static void jstr(struct jbuf *j, const char *s) {
    jput(j, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\', esc[1] = (char)*p;
            jput(j, esc, 2);
        } else if (*p < 0x20 || *p >= 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            jput(j, esc, 6);
        } else {
            jput(j, (const char *)p, 1);
        }
    }
    jput(j, "\"", 1);
}

/* Keys are the fixed ASCII names below: nothing to escape. */
static void jkey(struct jbuf *j, const char *key, bool *first) {
    if (!*first)
        jput(j, ", ", 2);
    *first = false;
    jput(j, "\"", 1);
    jput(j, key, strlen(key));
    jput(j, "\": ", 3);
}

/* Decimal digits by hand: snprintf was most of the cost of a device's JSON. */
static void jnum(struct jbuf *j, const char *key, uint64_t v, bool *first) {
    char num[24];
    size_t n = sizeof num;
    jkey(j, key, first);
    do {
        num[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    jput(j, num + n, sizeof num - n);
}

static void jbool(struct jbuf *j, const char *key, bool v, bool *first) {
    jkey(j, key, first);
    jput(j, v ? "true" : "false", v ? 4 : 5);
}

static void jmemdev(struct jbuf *j, const memdev_device_info *d, bool *first) {
    jkey(j, "memdev", first);
    jstr(j, d->memdev ? d->memdev : "");
}

static int info_one(void *ctx, const memdev_device_info *d) {
    struct jbuf *j = ctx;
    bool first = true;
    if (j->len > 1)
        jput(j, ",\n ", 3);
    jput(j, "{\"type\": ", 9);
    jstr(j, memdev_kind_name(d->kind));
    jput(j, ", \"data\": {", 11);
    jkey(j, "id", &first);
    jstr(j, d->id);
    switch (d->kind) {
    case MEMDEV_DIMM:
    case MEMDEV_NVDIMM:
        jnum(j, "addr", d->addr, &first);
        jnum(j, "size", d->size, &first);
        jnum(j, "slot", (uint64_t)d->slot, &first);
        jnum(j, "node", d->node, &first);
        jmemdev(j, d, &first);
        jbool(j, "hotplugged", true, &first);
        jbool(j, "hotpluggable", true, &first);
        break;
    case MEMDEV_VIRTIO_PMEM:
        jnum(j, "memaddr", d->addr, &first);
        jnum(j, "size", d->size, &first);
        jmemdev(j, d, &first);
        break;
    case MEMDEV_VIRTIO_MEM:
        jnum(j, "memaddr", d->addr, &first);
        jnum(j, "requested-size", d->requested, &first);
        jnum(j, "size", d->plugged, &first);
        jnum(j, "max-size", d->size, &first);
        jnum(j, "block-size", d->block, &first);
        jnum(j, "node", d->node, &first);
        jmemdev(j, d, &first);
        break;
    default:
        if (!d->empty)
            jnum(j, "memaddr", d->addr, &first);
        jnum(j, "max-size", d->empty ? 0 : d->size, &first);
        if (!d->empty)
            jmemdev(j, d, &first);
        break;
    }
    jput(j, "}}", 2);
    return 0;
}

int memdev_info_json(const memdev_space *sp, char *buf, size_t cap, size_t *len) {
    struct jbuf j = {buf, cap ? cap - 1 : 0, 0};
    jput(&j, "[", 1);
    memdev_foreach(sp, info_one, &j);
    jput(&j, "]", 1);
    if (cap)
        buf[j.len < cap ? j.len : cap - 1] = '\0';
    if (len)
        *len = j.len;
    return j.len < cap ? 0 : MEMDEV_EINVAL;
}

/* ---- digest --------------------------------------------------------------------------------- */

static void mix(uint64_t *h, uint64_t x) {
    *h ^= x + 0x9e3779b97f4a7c15ull + (*h << 6) + (*h >> 2);
    *h *= 0xff51afd7ed558ccdull;
    *h ^= *h >> 33;
}

static void mix_str(uint64_t *h, const char *s) {
    if (!s) {
        mix(h, 0xfeedull);
        return;
    }
    uint64_t n = 0;
    for (; *s; s++, n++)
        mix(h, (unsigned char)*s);
    mix(h, n);
}

/* Kinds whose state goes into the digest beyond the common fields (whether or not the record
   has allocated its struct dev_x yet: that is not logical state). */
static bool digest_kind_state(const struct dev *v) {
    return !dev_empty(v) && (v->kind == MEMDEV_NVDIMM || v->kind == MEMDEV_VIRTIO_MEM ||
                             v->kind == MEMDEV_HV_BALLOON);
}

static void digest_dev(uint64_t *h, const struct dev *v) {
    mix_str(h, dev_id(v));
    mix_str(h, dev_memdev(v));
    const uint64_t words[] = {v->kind,
                              dev_empty(v),
                              v->addr,
                              v->size,
                              dev_align(v),
                              (v->flags & DF_DYNAMIC) != 0,
                              dev_decided(v),
                              dev_nslots(v),
                              dev_nmapped(v),
                              (uint64_t)(int64_t)dev_slot(v),
                              (v->flags & DF_HAS_NODE) != 0,
                              v->node};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        mix(h, words[i]);
    if (!digest_kind_state(v))
        return;
    const struct dev_x *x = v->x;
    const uint64_t xw[] = {
        x ? x->req_size : v->size, x ? x->label : 0, dev_block(v),    v->requested,
        dev_memslot_size(v),       dev_plugged(v),   x ? x->ext.n : 0};
    for (size_t i = 0; i < sizeof xw / sizeof xw[0]; i++)
        mix(h, xw[i]);
    if (!x)
        return;
    for (uint32_t i = 0; dev_decided(v) && i < x->nslots; i++)
        mix(h, x->fill[i]);
    for (const struct xt_node *l = xt_first_leaf(&x->ext); l; l = l->u.lf.next)
        for (uint32_t i = 0; i < l->n; i++) {
            mix(h, l->u.lf.e[i].start);
            mix(h, l->u.lf.e[i].end);
        }
}

static int digest_one(void *ctx, const memdev_space *sp, const struct dev *v) {
    (void)sp;
    digest_dev(ctx, v);
    return 0;
}

uint64_t memdev_digest(const memdev_space *sp) {
    uint64_t h = 0x6d656d646576ull;
    const uint64_t words[] = {
        sp->cfg.base,    sp->cfg.size,     sp->cfg.budget,    sp->cfg.dimm_slots,
        sp->cfg.has_kvm, sp->cfg.kvm.max,  sp->cfg.kvm.other, sp->n_vhost,
        sp->used_size,   sp->plugged_size, sp->required,      sp->used,
        sp->ndevices,    sp->n_multi,      sp->dimm_used,     sp->n_empty};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        mix(&h, words[i]);
    for (uint32_t i = 0; i < sp->n_vhost; i++) {
        mix(&h, sp->vhost[i].max);
        mix(&h, sp->vhost[i].other);
    }
    for (size_t i = 0; i < sizeof sp->slot_map / sizeof sp->slot_map[0]; i++)
        mix(&h, sp->slot_map[i]);
    walk(sp, digest_one, &h);
    return h;
}

/* Bytes of a record's own heap blocks (long id, kind state, backend name, extents). */
static size_t dev_heap_bytes(const struct dev *v) {
    size_t n = 0;
    if (v->flags & DF_LONG_ID)
        n += strlen(dev_id(v)) + 1;
    if (v->x)
        n += sizeof *v->x + (dev_decided(v) ? v->x->nslots * sizeof v->x->fill[0] : 0) +
             xt_memory(&v->x->ext) + (v->x->memdev ? strlen(v->x->memdev) + 1 : 0);
    return n;
}

size_t memdev_memory_bytes(const memdev_space *sp) {
    size_t n = sizeof *sp + wtree_memory(&sp->tree) + (size_t)sp->dev_used * sizeof(struct dev) +
               (size_t)sp->dpages * 63 + (size_t)sp->dpage_cap * 2 * sizeof sp->dpage[0] +
               (sp->nbuckets ? (size_t)sp->nbuckets * sizeof(struct id_bucket) + 63 : 0) +
               (size_t)sp->empty_cap * sizeof(uint32_t) +
               (size_t)sp->vhost_cap * sizeof sp->vhost[0];
    for (uint32_t di = 0; di < sp->dev_used; di++) {
        const struct dev *v = space_dev(sp, di);
        if (v->flags & DF_LIVE)
            n += dev_heap_bytes(v);
    }
    return n;
}

/* The blocks a tree walks (window tree, extent tree), each given to fn with one owner. */
struct owned_blocks {
    space_block_fn fn;
    void *ctx;
    enum space_owner owner;
};

static void owned_block(void *ctx, const void *block) {
    const struct owned_blocks *ob = ctx;
    ob->fn(ob->ctx, block, ob->owner);
}

void space_blocks(const memdev_space *sp, space_block_fn fn, void *ctx) {
    fn(ctx, sp, OWNER_OTHER);
    if (sp->vhost)
        fn(ctx, sp->vhost, OWNER_OTHER);
    struct owned_blocks tb = {fn, ctx, OWNER_INDEX};
    wtree_blocks(&sp->tree, owned_block, &tb);
    if (sp->itab_raw)
        fn(ctx, sp->itab_raw, OWNER_INDEX);
    if (sp->dpage)
        fn(ctx, sp->dpage, OWNER_RECORDS);
    if (sp->draw)
        fn(ctx, sp->draw, OWNER_RECORDS);
    for (uint32_t i = 0; i < sp->dpages; i++)
        fn(ctx, sp->draw[i], OWNER_RECORDS);
    if (sp->empties)
        fn(ctx, sp->empties, OWNER_RECORDS);
    for (uint32_t di = 0; di < sp->dev_used; di++) {
        const struct dev *v = space_dev(sp, di);
        if (!(v->flags & DF_LIVE))
            continue;
        if (v->flags & DF_LONG_ID)
            fn(ctx, dev_id(v), OWNER_RECORDS);
        if (v->x) {
            fn(ctx, v->x, OWNER_RECORDS);
            if (v->x->memdev)
                fn(ctx, v->x->memdev, OWNER_RECORDS);
            struct owned_blocks ob = {fn, ctx, OWNER_RECORDS};
            xt_blocks(&v->x->ext, owned_block, &ob);
        }
    }
}
