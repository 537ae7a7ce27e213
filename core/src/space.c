/* SPDX-License-Identifier: MIT */
/*
 * space.c - creating a space, plugging and unplugging devices, adding vhost backends.
 *
 * Every mutating operation has three phases: check (spec section 3's checks, in order, the
 * first failure wins), reserve (every allocation the change needs: device record, hash slot,
 * strings, memslot array, tree nodes), commit (infallible). So a failure, including
 * MEMDEV_ENOMEM at any allocation, returns before anything logical changed.
 */
#include "space.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* ---- allocation and errors ------------------------------------------------------------- */

static void *libc_realloc(void *ctx, void *p, size_t n) {
    (void)ctx;
    return realloc(p, n ? n : 1);
}

static void libc_free(void *ctx, void *p) {
    (void)ctx;
    free(p);
}

void *space_alloc(memdev_space *sp, size_t size) {
    return sp->al.realloc(sp->al.ctx, NULL, size);
}

void space_release(memdev_space *sp, void *p) {
    if (p)
        sp->al.free(sp->al.ctx, p);
}

int space_fail(memdev_space *sp, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sp->err, sizeof sp->err, fmt, ap);
    va_end(ap);
    return code;
}

void space_ok(memdev_space *sp) {
    sp->err[0] = '\0';
}

const char *memdev_last_error(const memdev_space *sp) {
    return sp->err;
}

static char *dup_str(memdev_space *sp, const char *s) {
    size_t n = strlen(s) + 1;
    char *p = space_alloc(sp, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* ---- create / destroy ------------------------------------------------------------------ */

static int config_fail(char *msg, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int config_fail(char *msg, size_t cap, const char *fmt, ...) {
    if (msg && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, cap, fmt, ap);
        va_end(ap);
    }
    return MEMDEV_EINVAL;
}

int memdev_config_check(const memdev_config *cfg, char *msg, size_t cap) {
    if (msg && cap)
        msg[0] = '\0';
    if (!cfg)
        return config_fail(msg, cap, "no configuration");
    if (cfg->size == 0)
        return config_fail(msg, cap, "window size is 0");
    if (cfg->size - 1 > UINT64_MAX - cfg->base)
        return config_fail(msg, cap, "window [0x%llx, +0x%llx) wraps past 2^64",
                           (unsigned long long)cfg->base, (unsigned long long)cfg->size);
    if (cfg->dimm_slots > MEMDEV_MAX_DIMM_SLOTS)
        return config_fail(msg, cap, "%u DIMM slots, at most %u", cfg->dimm_slots,
                           MEMDEV_MAX_DIMM_SLOTS);
    if (cfg->has_kvm && cfg->kvm.other > cfg->kvm.max)
        return config_fail(msg, cap, "kvm: %u other memslots exceed the maximum %u", cfg->kvm.other,
                           cfg->kvm.max);
    if (cfg->n_vhost && !cfg->vhost)
        return config_fail(msg, cap, "%u vhost backends but no list", cfg->n_vhost);
    for (uint32_t i = 0; i < cfg->n_vhost; i++)
        if (cfg->vhost[i].other > cfg->vhost[i].max)
            return config_fail(msg, cap,
                               "vhost backend %u: %u other memslots exceed the maximum %u", i,
                               cfg->vhost[i].other, cfg->vhost[i].max);
    return 0;
}

int memdev_space_create(const memdev_config *cfg, const memdev_allocator *alloc,
                        memdev_space **out) {
    static const memdev_allocator libc_alloc = {libc_realloc, libc_free, NULL};
    const memdev_allocator *al = alloc ? alloc : &libc_alloc;
    if (!out || !al->realloc || !al->free)
        return MEMDEV_EINVAL;
    *out = NULL;
    if (memdev_config_check(cfg, NULL, 0))
        return MEMDEV_EINVAL;
    memdev_space *sp = al->realloc(al->ctx, NULL, sizeof *sp);
    if (!sp)
        return MEMDEV_ENOMEM;
    memset(sp, 0, sizeof *sp);
    sp->al = *al;
    sp->cfg = *cfg;
    sp->wlast = cfg->base + (cfg->size - 1);
    sp->vhost_min_max = sp->vhost_min_cap = UNBOUNDED;
    sp->dev_free = DEV_NIL;
    if (cfg->n_vhost) {
        sp->vhost = space_alloc(sp, cfg->n_vhost * sizeof *sp->vhost);
        if (!sp->vhost) {
            al->free(al->ctx, sp);
            return MEMDEV_ENOMEM;
        }
        sp->vhost_cap = sp->n_vhost = cfg->n_vhost;
        for (uint32_t i = 0; i < cfg->n_vhost; i++) {
            sp->vhost[i] = cfg->vhost[i];
            if (cfg->vhost[i].max < sp->vhost_min_max)
                sp->vhost_min_max = cfg->vhost[i].max;
            if ((uint64_t)cfg->vhost[i].max - cfg->vhost[i].other < sp->vhost_min_cap)
                sp->vhost_min_cap = (uint64_t)cfg->vhost[i].max - cfg->vhost[i].other;
        }
    }
    sp->cfg.vhost = sp->vhost;
    wtree_init(&sp->tree, &sp->al, cfg->base, sp->wlast);
    *out = sp;
    return 0;
}

static void dev_free_fields(memdev_space *sp, struct dev *d) {
    space_release(sp, d->id);
    space_release(sp, d->memdev);
    if (d->x)
        space_release(sp, d->x->ext);
    space_release(sp, d->x);
    d->id = d->memdev = NULL;
    d->x = NULL;
}

void memdev_space_destroy(memdev_space *sp) {
    if (!sp)
        return;
    for (uint32_t i = 0; i < sp->dev_used; i++)
        if (sp->devs[i].id)
            dev_free_fields(sp, &sp->devs[i]);
    space_release(sp, sp->devs);
    space_release(sp, sp->htab);
    space_release(sp, sp->empties);
    space_release(sp, sp->vhost);
    wtree_fini(&sp->tree);
    sp->al.free(sp->al.ctx, sp);
}

/* ---- id hash ------------------------------------------------------------------------------ */

static uint32_t hash_id(const char *s) {
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then a final mix */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return (uint32_t)(h ^ (h >> 32));
}

uint32_t space_find(const memdev_space *sp, const char *id) {
    if (!sp->hcap || !id)
        return DEV_NIL;
    uint32_t h = hash_id(id);
    for (uint32_t i = h & (sp->hcap - 1);; i = (i + 1) & (sp->hcap - 1)) {
        uint32_t di = sp->htab[i];
        if (di == DEV_NIL)
            return DEV_NIL;
        if (sp->devs[di].hash == h && strcmp(sp->devs[di].id, id) == 0)
            return di;
    }
}

static void hash_put(memdev_space *sp, uint32_t di) {
    uint32_t i = sp->devs[di].hash & (sp->hcap - 1);
    while (sp->htab[i] != DEV_NIL)
        i = (i + 1) & (sp->hcap - 1);
    sp->htab[i] = di;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void hash_del(memdev_space *sp, uint32_t di) {
    uint32_t mask = sp->hcap - 1, i = sp->devs[di].hash & mask;
    while (sp->htab[i] != di)
        i = (i + 1) & mask;
    for (uint32_t j = (i + 1) & mask; sp->htab[j] != DEV_NIL; j = (j + 1) & mask) {
        uint32_t home = sp->devs[sp->htab[j]].hash & mask;
        /* entry j may move to i when its home is not in the cyclic range (i, j] */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            sp->htab[i] = sp->htab[j];
            i = j;
        }
    }
    sp->htab[i] = DEV_NIL;
}

/* Room for one more device: record and hash slot (load factor <= 1/2). */
static int reserve_device(memdev_space *sp) {
    if (sp->dev_free == DEV_NIL && sp->dev_used == sp->dev_cap) {
        uint64_t ncap = sp->dev_cap ? (uint64_t)sp->dev_cap * 2 : 16;
        if (ncap >= DEV_NIL)
            return MEMDEV_ENOMEM;
        struct dev *nd = sp->al.realloc(sp->al.ctx, sp->devs, (size_t)ncap * sizeof *nd);
        if (!nd)
            return MEMDEV_ENOMEM;
        sp->devs = nd;
        sp->dev_cap = (uint32_t)ncap;
    }
    if ((uint64_t)(sp->ndevices + 1) * 2 > sp->hcap) {
        uint64_t ncap = sp->hcap ? (uint64_t)sp->hcap * 2 : 32;
        if (ncap > UINT32_MAX)
            return MEMDEV_ENOMEM;
        uint32_t *nt = space_alloc(sp, (size_t)ncap * sizeof *nt);
        if (!nt)
            return MEMDEV_ENOMEM;
        memset(nt, 0xff, (size_t)ncap * sizeof *nt);
        uint32_t *old = sp->htab, ocap = sp->hcap;
        sp->htab = nt;
        sp->hcap = (uint32_t)ncap;
        for (uint32_t i = 0; i < ocap; i++)
            if (old[i] != DEV_NIL)
                hash_put(sp, old[i]);
        space_release(sp, old);
    }
    return 0;
}

static uint32_t dev_take(memdev_space *sp) {
    uint32_t di;
    if (sp->dev_free != DEV_NIL) {
        di = sp->dev_free;
        sp->dev_free = sp->devs[di].next_free;
    } else {
        di = sp->dev_used++;
    }
    memset(&sp->devs[di], 0, sizeof sp->devs[di]);
    sp->devs[di].next_free = DEV_NIL;
    return di;
}

static void dev_give_back(memdev_space *sp, uint32_t di) {
    dev_free_fields(sp, &sp->devs[di]);
    sp->devs[di].next_free = sp->dev_free;
    sp->dev_free = di;
}

/* ---- plug ------------------------------------------------------------------------------- */

/* What a plug will do, decided entirely before anything changes. */
struct plan {
    uint64_t size, align, addr, block, requested, label, s;
    uint32_t n;
    int32_t slot;
    bool decided, dynamic;
};

static const uint32_t kind_fields[MEMDEV_KIND_COUNT] = {
    [MEMDEV_DIMM] = MEMDEV_F_ADDR | MEMDEV_F_SLOT,
    [MEMDEV_NVDIMM] = MEMDEV_F_ADDR | MEMDEV_F_SLOT | MEMDEV_F_LABEL,
    [MEMDEV_VIRTIO_PMEM] = MEMDEV_F_ADDR,
    [MEMDEV_VIRTIO_MEM] = MEMDEV_F_ADDR | MEMDEV_F_BLOCK | MEMDEV_F_REQUESTED | MEMDEV_F_DYNAMIC,
    [MEMDEV_HV_BALLOON] = MEMDEV_F_ADDR | MEMDEV_F_EMPTY,
};

static const char *const field_names[] = {
    "addr", "slot", "block", "requested", "label", "dynamic-memslots", "empty", "node", "memdev"};

/* Check 0 for the fields every kind shares; fills the kind-independent part of the plan. */
static int check_form(memdev_space *sp, const memdev_device_desc *d) {
    if (!d->id || !d->id[0])
        return space_fail(sp, MEMDEV_EINVAL, "the device id is empty");
    size_t idlen = 0;
    while (idlen <= MEMDEV_MAX_ID_LEN && d->id[idlen])
        idlen++;
    if (idlen > MEMDEV_MAX_ID_LEN)
        return space_fail(sp, MEMDEV_EINVAL, "the device id is longer than %u bytes",
                          MEMDEV_MAX_ID_LEN);
    if ((unsigned)d->kind >= MEMDEV_KIND_COUNT)
        return space_fail(sp, MEMDEV_EINVAL, "unknown device kind %d", (int)d->kind);
    uint32_t allowed = kind_fields[d->kind] | MEMDEV_F_NODE | MEMDEV_F_MEMDEV;
    uint32_t bad = d->fields & ~allowed;
    if (bad) {
        unsigned bit = 0;
        while (!(bad & (1u << bit)))
            bit++;
        if (bit < sizeof field_names / sizeof field_names[0])
            return space_fail(sp, MEMDEV_EINVAL, "a %s takes no '%s'", memdev_kind_name(d->kind),
                              field_names[bit]);
        return space_fail(sp, MEMDEV_EINVAL, "unknown field bit 0x%x", 1u << bit);
    }
    if ((d->fields & MEMDEV_F_EMPTY) && (d->fields & MEMDEV_F_ADDR))
        return space_fail(sp, MEMDEV_EINVAL, "an empty device takes no address");
    if (d->fields & MEMDEV_F_EMPTY)
        return 0;
    if (d->size == 0)
        return space_fail(sp, MEMDEV_EINVAL, "size is 0");
    if (!is_pow2(d->align))
        return space_fail(sp, MEMDEV_EINVAL, "align 0x%llx is not a power of two",
                          (unsigned long long)d->align);
    return 0;
}

/* Check 0 for the kind fields; sets size, align, block, requested, label of the plan. */
static int check_kind(memdev_space *sp, const memdev_device_desc *d, struct plan *p) {
    p->size = d->size;
    p->align = d->align;
    if (d->kind == MEMDEV_VIRTIO_MEM) {
        p->block = (d->fields & MEMDEV_F_BLOCK) ? d->block : MEMDEV_DEFAULT_BLOCK;
        p->requested = (d->fields & MEMDEV_F_REQUESTED) ? d->requested : 0;
        p->dynamic = (d->fields & MEMDEV_F_DYNAMIC) && d->dynamic;
        if (!is_pow2(p->block) || p->block < MiB)
            return space_fail(sp, MEMDEV_EINVAL,
                              "block 0x%llx is not a power of two of at least 1 MiB",
                              (unsigned long long)p->block);
        if (d->size % p->block)
            return space_fail(sp, MEMDEV_EINVAL, "size 0x%llx is not a multiple of block 0x%llx",
                              (unsigned long long)d->size, (unsigned long long)p->block);
        if (p->requested % p->block || p->requested > d->size)
            return space_fail(sp, MEMDEV_EINVAL,
                              "requested 0x%llx is not a multiple of block 0x%llx up to size",
                              (unsigned long long)p->requested, (unsigned long long)p->block);
        if (p->block > p->align)
            p->align = p->block;
    } else if (d->kind == MEMDEV_NVDIMM) {
        p->label = (d->fields & MEMDEV_F_LABEL) ? d->label : 0;
        if (p->label && p->label < 128 * KiB)
            return space_fail(sp, MEMDEV_EINVAL, "label 0x%llx is below 128 KiB",
                              (unsigned long long)p->label);
        p->size = p->label >= d->size ? 0 : (d->size - p->label) & ~(d->align - 1);
        if (p->size == 0)
            return space_fail(sp, MEMDEV_EINVAL, "nvdimm size minus label leaves nothing to map");
    } else if (d->kind == MEMDEV_HV_BALLOON) {
        if (p->align < 32 * GiB)
            p->align = 32 * GiB;
    }
    return 0;
}

/* Checks 1, 1', 1'': the DIMM slot. */
static int check_slot(memdev_space *sp, const memdev_device_desc *d, struct plan *p) {
    p->slot = -1;
    if (d->kind != MEMDEV_DIMM && d->kind != MEMDEV_NVDIMM)
        return 0;
    uint32_t nslots = sp->cfg.dimm_slots;
    if ((d->fields & MEMDEV_F_SLOT) && d->slot >= nslots)
        return space_fail(sp, MEMDEV_EINVALSLOT, "slot %u is outside [0, %u)", d->slot, nslots);
    if (nslots == 0)
        return space_fail(sp, MEMDEV_ENOSLOTS, "the machine has no DIMM slots");
    if (d->fields & MEMDEV_F_SLOT) {
        if (sp->slot_map[d->slot / 64] >> (d->slot % 64) & 1)
            return space_fail(sp, MEMDEV_ESLOTBUSY, "slot %u is in use", d->slot);
        p->slot = (int32_t)d->slot;
        return 0;
    }
    for (uint32_t w = 0; w * 64 < nslots; w++) {
        uint64_t freebits = ~sp->slot_map[w];
        if (freebits) {
            uint32_t s = w * 64 + (uint32_t)__builtin_ctzll(freebits);
            if (s >= nslots)
                break;
            p->slot = (int32_t)s;
            return 0;
        }
    }
    return space_fail(sp, MEMDEV_ENOFREESLOT, "all %u DIMM slots are in use", nslots);
}

/* Checks 2 and 3: memslot decision and admission. */
static int check_memslots(memdev_space *sp, const memdev_device_desc *d, struct plan *p) {
    p->decided = d->kind == MEMDEV_HV_BALLOON || (d->kind == MEMDEV_VIRTIO_MEM && p->dynamic);
    p->n = 1;
    p->s = p->size;
    if (p->decided) {
        uint32_t limit = memslots_limit(sp, p->size);
        p->n = d->kind == MEMDEV_HV_BALLOON ? memslots_balloon(p->size, limit, &p->s)
                                            : memslots_vmem(p->size, p->block, limit, &p->s);
    }
    uint64_t want = (uint64_t)p->n + (sp->required - sp->used);
    if (sp->cfg.has_kvm) {
        uint64_t kfree = (uint64_t)sp->cfg.kvm.max - sp->cfg.kvm.other - sp->used;
        if (kfree < want)
            return space_fail(
                sp, MEMDEV_EKVMSLOTS, "needs %llu memslots (%u + %u reserved), KVM has %llu free",
                (unsigned long long)want, p->n, sp->required - sp->used, (unsigned long long)kfree);
    }
    if (sp->vhost_min_cap != UNBOUNDED && sp->vhost_min_cap - sp->used < want)
        return space_fail(sp, MEMDEV_EVHOSTSLOTS,
                          "needs %llu memslots (%u + %u reserved), a vhost backend has %llu free",
                          (unsigned long long)want, p->n, sp->required - sp->used,
                          (unsigned long long)(sp->vhost_min_cap - sp->used));
    return 0;
}

/* Checks 6, 7, 8 (hint) or 7', 9 (first fit). */
static int check_place(memdev_space *sp, const memdev_device_desc *d, struct plan *p) {
    uint64_t a = p->align, size = p->size;
    if (d->fields & MEMDEV_F_ADDR) {
        uint64_t hint = d->addr;
        if (hint & (a - 1))
            return space_fail(sp, MEMDEV_EHINTALIGN, "address 0x%llx is not a multiple of 0x%llx",
                              (unsigned long long)hint, (unsigned long long)a);
        if (size - 1 > UINT64_MAX - hint || hint < sp->cfg.base || hint + (size - 1) > sp->wlast)
            return space_fail(sp, MEMDEV_EHINTRANGE,
                              "[0x%llx, +0x%llx) is not inside the window [0x%llx, +0x%llx)",
                              (unsigned long long)hint, (unsigned long long)size,
                              (unsigned long long)sp->cfg.base, (unsigned long long)sp->cfg.size);
        uint32_t other;
        if (wtree_first_overlap(&sp->tree, hint, hint + (size - 1), &other))
            return space_fail(sp, MEMDEV_ECONFLICT, "overlaps device '%s' at 0x%llx",
                              sp->devs[other].id, (unsigned long long)sp->devs[other].addr);
        p->addr = hint;
        return 0;
    }
    uint64_t start;
    if (!wt_align_up(sp->cfg.base, a, &start) || size - 1 > UINT64_MAX - start)
        return space_fail(sp, MEMDEV_ETOOBIG,
                          "0x%llx bytes aligned to 0x%llx cannot fit below 2^64",
                          (unsigned long long)size, (unsigned long long)a);
    if (wtree_first_fit(&sp->tree, size, a, &p->addr))
        return space_fail(sp, MEMDEV_EFRAGMENTED,
                          "no free range of 0x%llx bytes aligned to 0x%llx in the window",
                          (unsigned long long)size, (unsigned long long)a);
    return 0;
}

static int run_checks(memdev_space *sp, const memdev_device_desc *d, struct plan *p) {
    int rc = check_form(sp, d);
    if (!rc && !(d->fields & MEMDEV_F_EMPTY))
        rc = check_kind(sp, d, p);
    if (rc)
        return rc;
    if (space_find(sp, d->id) != DEV_NIL)
        return space_fail(sp, MEMDEV_EDUPID, "a device '%s' is already plugged", d->id);
    if (d->fields & MEMDEV_F_EMPTY)
        return 0;
    if ((rc = check_slot(sp, d, p)) || (rc = check_memslots(sp, d, p)))
        return rc;
    if (p->size > sp->cfg.budget - sp->used_size)
        return space_fail(sp, MEMDEV_ENOSPACE, "0x%llx bytes exceed the 0x%llx left of the budget",
                          (unsigned long long)p->size,
                          (unsigned long long)(sp->cfg.budget - sp->used_size));
    if (p->size & (d->align - 1))
        return space_fail(sp, MEMDEV_ESIZEALIGN, "size 0x%llx is not a multiple of align 0x%llx",
                          (unsigned long long)p->size, (unsigned long long)d->align);
    return check_place(sp, d, p);
}

/* Every allocation of the plug; on failure everything taken is given back. */
/* Whether a kind keeps a struct dev_x (it has kind fields or memslot state). */
static bool needs_x(const memdev_device_desc *d) {
    return !(d->fields & MEMDEV_F_EMPTY) && d->kind != MEMDEV_DIMM && d->kind != MEMDEV_VIRTIO_PMEM;
}

static int reserve_plug(memdev_space *sp, const memdev_device_desc *d, const struct plan *p,
                        char **id, char **memdev, struct dev_x **x) {
    bool empty = d->fields & MEMDEV_F_EMPTY;
    int rc = reserve_device(sp);
    if (!rc && !empty)
        rc = wtree_reserve(&sp->tree);
    if (!rc && empty && sp->n_empty == sp->empty_cap) {
        uint64_t ncap = sp->empty_cap ? (uint64_t)sp->empty_cap * 2 : 8;
        uint32_t *ne = ncap > UINT32_MAX
                           ? NULL
                           : sp->al.realloc(sp->al.ctx, sp->empties, (size_t)ncap * sizeof *ne);
        if (!ne)
            return MEMDEV_ENOMEM;
        sp->empties = ne;
        sp->empty_cap = (uint32_t)ncap;
    }
    if (rc)
        return rc;
    *id = dup_str(sp, d->id);
    *memdev = (d->fields & MEMDEV_F_MEMDEV) && d->memdev ? dup_str(sp, d->memdev) : NULL;
    size_t xsize = sizeof **x + (p->decided ? p->n * sizeof(uint64_t) : 0);
    *x = needs_x(d) ? space_alloc(sp, xsize) : NULL;
    if (!*id || (!*memdev && (d->fields & MEMDEV_F_MEMDEV) && d->memdev) || (!*x && needs_x(d))) {
        space_release(sp, *id);
        space_release(sp, *memdev);
        space_release(sp, *x);
        return MEMDEV_ENOMEM;
    }
    if (*x)
        memset(*x, 0, xsize);
    return 0;
}

int memdev_plug(memdev_space *sp, const memdev_device_desc *d, memdev_plug_result *out) {
    struct plan p;
    memset(&p, 0, sizeof p);
    if (!d)
        return space_fail(sp, MEMDEV_EINVAL, "no device description");
    int rc = run_checks(sp, d, &p);
    char *id, *memdev;
    struct dev_x *x;
    if (!rc && (rc = reserve_plug(sp, d, &p, &id, &memdev, &x)))
        space_fail(sp, rc, "out of memory while plugging '%s'", d->id);
    if (rc)
        return rc;

    uint32_t di = dev_take(sp);
    struct dev *v = &sp->devs[di];
    v->id = id;
    v->memdev = memdev;
    v->hash = hash_id(id);
    v->kind = (uint8_t)d->kind;
    v->has_node = d->fields & MEMDEV_F_NODE;
    v->node = d->node;
    v->slot = -1;
    hash_put(sp, di);
    sp->ndevices++;
    if (d->fields & MEMDEV_F_EMPTY) {
        v->empty = true;
        sp->empties[sp->n_empty++] = di;
        if (out)
            *out = (memdev_plug_result){.addr = 0, .slot = -1, .memslots = 0, .empty = true};
        space_ok(sp);
        return 0;
    }
    v->addr = p.addr;
    v->size = p.size;
    v->align_log2 = (uint8_t)__builtin_ctzll(p.align);
    v->dynamic = p.dynamic;
    v->decided = p.decided;
    v->slot = (int16_t)p.slot;
    v->x = x;
    if (x) {
        x->req_size = d->size;
        x->label = p.label;
        x->block = p.block;
        x->requested = p.requested;
        x->nslots = p.n;
        x->memslot_size = p.s;
        x->nmapped = !p.decided;
        x->plugged = d->kind == MEMDEV_NVDIMM ? p.size : 0;
    }
    if (p.slot >= 0) {
        sp->slot_map[p.slot / 64] |= 1ull << (p.slot % 64);
        sp->dimm_used++;
    }
    sp->used_size += p.size;
    sp->plugged_size += dev_plugged(v);
    sp->required += p.n;
    sp->used += dev_nmapped(v);
    if (p.decided && p.n > 1)
        sp->n_multi++;
    wtree_insert(&sp->tree, p.addr, p.addr + (p.size - 1), di);
    if (out)
        *out = (memdev_plug_result){.addr = p.addr, .slot = p.slot, .memslots = p.n};
    space_ok(sp);
    return 0;
}

/* ---- unplug --------------------------------------------------------------------------------- */

int memdev_unplug(memdev_space *sp, const char *id) {
    uint32_t di = space_find(sp, id);
    if (di == DEV_NIL)
        return space_fail(sp, MEMDEV_EUNKNOWNID, "no device '%s' is plugged", id ? id : "");
    struct dev *v = &sp->devs[di];
    if (v->kind != MEMDEV_DIMM && v->kind != MEMDEV_VIRTIO_MEM)
        return space_fail(sp, MEMDEV_ENOTUNPLUGGABLE, "a %s cannot be unplugged",
                          memdev_kind_name((memdev_kind)v->kind));
    if (v->kind == MEMDEV_VIRTIO_MEM && (v->x->plugged || v->x->requested))
        return space_fail(sp, MEMDEV_EBUSY, "'%s' has 0x%llx bytes plugged and 0x%llx requested",
                          id, (unsigned long long)v->x->plugged,
                          (unsigned long long)v->x->requested);
    wtree_remove(&sp->tree, v->addr);
    if (v->slot >= 0) {
        sp->slot_map[v->slot / 64] &= ~(1ull << (v->slot % 64));
        sp->dimm_used--;
    }
    sp->used_size -= v->size;
    sp->plugged_size -= dev_plugged(v);
    sp->required -= dev_nslots(v);
    sp->used -= dev_nmapped(v);
    if (v->decided && dev_nslots(v) > 1)
        sp->n_multi--;
    sp->ndevices--;
    hash_del(sp, di);
    dev_give_back(sp, di);
    space_ok(sp);
    return 0;
}

/* ---- vhost ---------------------------------------------------------------------------------- */

int memdev_vhost_add(memdev_space *sp, memdev_limit l) {
    if (l.other > l.max)
        return space_fail(sp, MEMDEV_EINVAL, "vhost backend uses %u of its %u memslots elsewhere",
                          l.other, l.max);
    if (sp->required > (uint64_t)l.max - l.other)
        return space_fail(sp, MEMDEV_EVHOSTCONFLICT,
                          "devices need %u memslots, the backend offers %u", sp->required,
                          l.max - l.other);
    if (l.max < MEMDEV_SAFE_MEMSLOTS && sp->n_multi)
        return space_fail(sp, MEMDEV_EVHOSTCONFLICT,
                          "%u device(s) decided more than one memslot; a backend with %u < %u "
                          "memslots cannot serve them",
                          sp->n_multi, l.max, MEMDEV_SAFE_MEMSLOTS);
    if (sp->n_vhost == sp->vhost_cap) {
        uint64_t ncap = sp->vhost_cap ? (uint64_t)sp->vhost_cap * 2 : 4;
        memdev_limit *nv = ncap > UINT32_MAX
                               ? NULL
                               : sp->al.realloc(sp->al.ctx, sp->vhost, (size_t)ncap * sizeof *nv);
        if (!nv)
            return space_fail(sp, MEMDEV_ENOMEM, "out of memory adding a vhost backend");
        sp->vhost = nv;
        sp->vhost_cap = (uint32_t)ncap;
    }
    sp->vhost[sp->n_vhost++] = l;
    sp->cfg.vhost = sp->vhost;
    sp->cfg.n_vhost = sp->n_vhost;
    if (l.max < sp->vhost_min_max)
        sp->vhost_min_max = l.max;
    if ((uint64_t)l.max - l.other < sp->vhost_min_cap)
        sp->vhost_min_cap = (uint64_t)l.max - l.other;
    space_ok(sp);
    return 0;
}
