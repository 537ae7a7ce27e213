/* SPDX-License-Identifier: MIT */
/*
 * model.c - the reference model of a memdev space: the spec, transcribed as literally as
 * possible, so that a disagreement with the real library points at one of the two.
 *
 * Why it is built this way: the library keeps an augmented tree and cached counters for speed;
 * the model keeps one array of devices in list order (empty devices first in plug order, then
 * the others by address) and recomputes every counter from that array whenever it needs one.
 * Every address sum is done in unsigned 128-bit arithmetic, so "wraps past 2^64" is a plain
 * comparison with 2^64 and no remaining-space trick has to be trusted. Placement is QEMU's
 * linear sweep (spec section 3), memslot decisions are rules 1-5 of spec section 4 in order,
 * and a virtio-mem device's plugged blocks are a sorted array of merged byte extents (never a
 * per-block bitmap, which could not exist for huge devices). Every mutating operation checks
 * everything and allocates everything first, then commits, so a failed call changes nothing.
 */
#include "model.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define TWO64 ((u128)1 << 64)
#define NVDIMM_LABEL_MIN (128ull << 10)
#define HV_MIN_ALIGN (32ull << 30)
#define HV_MEMSLOT_ALIGN (128ull << 20)
#define VMEM_MIN_BLOCK MIB
#define VMEM_MIN_MEMSLOT GIB

/* Plugged bytes [lo, hi) of a virtio-mem device, offsets into the device; sorted, merged. */
typedef struct model_ext {
    uint64_t lo, hi;
} model_ext;

typedef struct model_dev {
    char *id;
    uint32_t id_hash; /* id_hash(id): the id scans compare it first */
    memdev_kind kind;
    bool empty;
    uint64_t addr;
    uint64_t size;           /* placed and budgeted region size (nvdimm: mapped size) */
    uint64_t requested_size; /* size given at plug */
    uint64_t align;          /* placement alignment */
    int32_t slot;
    uint32_t n;       /* memslots */
    uint64_t ms_size; /* memslot i covers [i*ms_size, min((i+1)*ms_size, size)) */
    bool decided;
    bool *mapped; /* n entries */
    uint64_t block, requested, label;
    model_ext *ext;
    size_t n_ext;
    size_t ext_cap;
    model_ext *spare; /* the array a request writes the new extents into, then swaps with ext */
    size_t spare_cap;
    bool has_node;
    uint32_t node;
    char *memdev;
} model_dev;

struct model_space {
    uint64_t base, size, budget;
    uint32_t dimm_slots;
    bool has_kvm;
    memdev_limit kvm;
    memdev_limit *vhost;
    uint32_t n_vhost;
    model_dev *devs;         /* list order: empty devices in plug order, then by address */
    size_t n_devs, cap_devs; /* cap_devs grows by doubling (a realloc per plug copied them all) */
};

/* Everything check 0 derives from a descriptor. */
typedef struct model_prep {
    bool empty;
    uint64_t size, requested_size, align, block, requested, label;
    bool dynamic, decided;
} model_prep;

/* ---------------------------------------------------------------------------------------- */
/* Small helpers                                                                            */

static bool is_pow2(uint64_t x) {
    return x != 0 && (x & (x - 1)) == 0;
}

static u128 align_up(u128 x, uint64_t a) {
    return (x + a - 1) / a * a;
}

static u128 dev_end(const model_dev *d) {
    return (u128)d->addr + d->size;
}

static u128 win_end(const model_space *m) {
    return (u128)m->base + m->size;
}

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static bool id_ok(const char *id) {
    size_t n = 0;
    if (!id)
        return false;
    while (n <= MEMDEV_MAX_ID_LEN && id[n] != '\0')
        n++;
    return n >= 1 && n <= MEMDEV_MAX_ID_LEN;
}

/*
 * String equality without strcmp: the fuzz engines intercept strcmp and record every unequal
 * pair for their mutations, which made the model's id scans a tenth of a fuzz run's time.
 */
static bool str_eq(const char *a, const char *b) {
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* FNV-1a of an id: equal ids have equal hashes, so a differing hash skips the string. */
static uint32_t id_hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static const model_dev *find_dev(const model_space *m, const char *id) {
    if (!id)
        return NULL;
    uint32_t h = id_hash(id);
    for (size_t i = 0; i < m->n_devs; i++)
        if (m->devs[i].id_hash == h && str_eq(m->devs[i].id, id))
            return &m->devs[i];
    return NULL;
}

static model_dev *find_dev_mut(model_space *m, const char *id) {
    return (model_dev *)find_dev(m, id);
}

static uint64_t memslot_len(const model_dev *d, uint32_t i) {
    u128 lo = (u128)i * d->ms_size, hi = lo + d->ms_size;
    if (hi > d->size)
        hi = d->size;
    return (uint64_t)(hi - lo);
}

static uint32_t dev_mapped(const model_dev *d) {
    uint32_t c = 0;
    for (uint32_t i = 0; i < d->n; i++)
        c += d->mapped[i] ? 1u : 0u;
    return c;
}

/* Plugged bytes of a virtio-mem device inside [lo, hi). */
static uint64_t ext_covered(const model_dev *d, uint64_t lo, uint64_t hi) {
    uint64_t sum = 0;
    for (size_t i = 0; i < d->n_ext; i++) {
        uint64_t a = d->ext[i].lo > lo ? d->ext[i].lo : lo;
        uint64_t b = d->ext[i].hi < hi ? d->ext[i].hi : hi;
        if (a < b)
            sum += b - a;
    }
    return sum;
}

/* Spec section 7: bytes given to the guest. */
static uint64_t dev_plugged(const model_dev *d) {
    uint64_t sum = 0;
    if (d->empty)
        return 0;
    switch (d->kind) {
    case MEMDEV_VIRTIO_MEM:
        return ext_covered(d, 0, d->size);
    case MEMDEV_HV_BALLOON:
        for (uint32_t i = 0; i < d->n; i++)
            if (d->mapped[i])
                sum += memslot_len(d, i);
        return sum;
    default:
        return d->size;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Counters, recomputed from the device array every time                                    */

typedef struct model_counts {
    u128 used_size;
    uint64_t required, used, reserved;
    uint32_t slots_used;
} model_counts;

static void count(const model_space *m, model_counts *c) {
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < m->n_devs; i++) {
        const model_dev *d = &m->devs[i];
        if (d->empty)
            continue;
        c->used_size += d->size;
        c->required += d->n;
        c->used += dev_mapped(d);
        if (d->kind == MEMDEV_DIMM || d->kind == MEMDEV_NVDIMM)
            c->slots_used++;
    }
    c->reserved = c->required - c->used;
}

/* The sum of the plugged sizes alone (the budget check needs nothing else of count()). */
static u128 used_size(const model_space *m) {
    u128 sum = 0;
    for (size_t i = 0; i < m->n_devs; i++)
        if (!m->devs[i].empty)
            sum += m->devs[i].size;
    return sum;
}

/* max_slots: minimum of kvm.max and every vhost max; false when unbounded. */
static bool max_slots(const model_space *m, int64_t *out) {
    bool bounded = false;
    int64_t v = INT64_MAX;
    if (m->has_kvm) {
        bounded = true;
        v = m->kvm.max;
    }
    for (uint32_t i = 0; i < m->n_vhost; i++) {
        bounded = true;
        if ((int64_t)m->vhost[i].max < v)
            v = m->vhost[i].max;
    }
    *out = v;
    return bounded;
}

static int64_t limit_free(memdev_limit l, uint64_t used) {
    return (int64_t)l.max - (int64_t)l.other - (int64_t)used;
}

/* free_slots: minimum of kvm_free and every vhost free; false when unbounded. */
static bool free_slots(const model_space *m, uint64_t used, int64_t *out) {
    bool bounded = false;
    int64_t v = INT64_MAX;
    if (m->has_kvm) {
        bounded = true;
        v = limit_free(m->kvm, used);
    }
    for (uint32_t i = 0; i < m->n_vhost; i++) {
        bounded = true;
        if (limit_free(m->vhost[i], used) < v)
            v = limit_free(m->vhost[i], used);
    }
    *out = v;
    return bounded;
}

/* ---------------------------------------------------------------------------------------- */
/* Space                                                                                    */

int model_space_create(const memdev_config *cfg, model_space **out) {
    model_space *m;
    if (!cfg || !out || cfg->size == 0 || (u128)cfg->base + cfg->size > TWO64 ||
        cfg->dimm_slots > MEMDEV_MAX_DIMM_SLOTS ||
        (cfg->has_kvm && cfg->kvm.other > cfg->kvm.max) || (cfg->n_vhost > 0 && !cfg->vhost))
        return MEMDEV_EINVAL;
    for (uint32_t i = 0; i < cfg->n_vhost; i++)
        if (cfg->vhost[i].other > cfg->vhost[i].max)
            return MEMDEV_EINVAL;
    m = calloc(1, sizeof *m);
    if (!m)
        return MEMDEV_ENOMEM;
    if (cfg->n_vhost > 0) {
        m->vhost = malloc(cfg->n_vhost * sizeof *m->vhost);
        if (!m->vhost) {
            free(m);
            return MEMDEV_ENOMEM;
        }
        memcpy(m->vhost, cfg->vhost, cfg->n_vhost * sizeof *m->vhost);
    }
    m->n_vhost = cfg->n_vhost;
    m->base = cfg->base;
    m->size = cfg->size;
    m->budget = cfg->budget;
    m->dimm_slots = cfg->dimm_slots;
    m->has_kvm = cfg->has_kvm;
    m->kvm = cfg->has_kvm ? cfg->kvm : (memdev_limit){0, 0};
    *out = m;
    return 0;
}

static void dev_release(model_dev *d) {
    free(d->id);
    free(d->memdev);
    free(d->mapped);
    free(d->ext);
    free(d->spare);
}

void model_space_destroy(model_space *m) {
    if (!m)
        return;
    for (size_t i = 0; i < m->n_devs; i++)
        dev_release(&m->devs[i]);
    free(m->devs);
    free(m->vhost);
    free(m);
}

/* ---------------------------------------------------------------------------------------- */
/* Plug                                                                                     */

static uint32_t kind_fields(memdev_kind k) {
    const uint32_t all = MEMDEV_F_ADDR | MEMDEV_F_NODE | MEMDEV_F_MEMDEV;
    switch (k) {
    case MEMDEV_DIMM:
        return all | MEMDEV_F_SLOT;
    case MEMDEV_NVDIMM:
        return all | MEMDEV_F_SLOT | MEMDEV_F_LABEL;
    case MEMDEV_VIRTIO_PMEM:
        return all;
    case MEMDEV_VIRTIO_MEM:
        return all | MEMDEV_F_BLOCK | MEMDEV_F_REQUESTED | MEMDEV_F_DYNAMIC;
    case MEMDEV_HV_BALLOON:
        return all | MEMDEV_F_EMPTY;
    default:
        return 0;
    }
}

/* Kind-specific part of check 0 for a non-empty device; fills p->size and p->align. */
static int check_kind_fields(const memdev_device_desc *d, model_prep *p) {
    uint64_t a = d->align;
    p->size = d->size;
    p->align = a;
    if (d->kind == MEMDEV_VIRTIO_MEM) {
        p->block = (d->fields & MEMDEV_F_BLOCK) ? d->block : MEMDEV_DEFAULT_BLOCK;
        p->requested = (d->fields & MEMDEV_F_REQUESTED) ? d->requested : 0;
        p->dynamic = (d->fields & MEMDEV_F_DYNAMIC) && d->dynamic;
        if (!is_pow2(p->block) || p->block < VMEM_MIN_BLOCK || d->size % p->block != 0 ||
            p->requested % p->block != 0 || p->requested > d->size)
            return MEMDEV_EINVAL;
        p->align = p->block > a ? p->block : a;
    } else if (d->kind == MEMDEV_NVDIMM) {
        p->label = (d->fields & MEMDEV_F_LABEL) ? d->label : 0;
        if (p->label >= 1 && p->label < NVDIMM_LABEL_MIN)
            return MEMDEV_EINVAL;
        p->size = p->label >= d->size ? 0 : (d->size - p->label) & ~(a - 1);
        if (p->size == 0)
            return MEMDEV_EINVAL;
    } else if (d->kind == MEMDEV_HV_BALLOON) {
        p->align = HV_MIN_ALIGN > a ? HV_MIN_ALIGN : a;
    }
    p->decided = (d->kind == MEMDEV_VIRTIO_MEM && p->dynamic) || d->kind == MEMDEV_HV_BALLOON;
    return 0;
}

/* Check 0 (malformed request). */
static int check_desc(const memdev_device_desc *d, model_prep *p) {
    memset(p, 0, sizeof *p);
    if (!d || (unsigned)d->kind >= (unsigned)MEMDEV_KIND_COUNT)
        return MEMDEV_EINVAL;
    if ((d->fields & ~kind_fields(d->kind)) != 0)
        return MEMDEV_EINVAL;
    p->empty = (d->fields & MEMDEV_F_EMPTY) != 0;
    if (p->empty && (d->fields & MEMDEV_F_ADDR))
        return MEMDEV_EINVAL;
    if (!id_ok(d->id))
        return MEMDEV_EINVAL;
    if (p->empty)
        return 0;
    if (d->size == 0 || !is_pow2(d->align))
        return MEMDEV_EINVAL;
    p->requested_size = d->size;
    return check_kind_fields(d, p);
}

static bool slot_taken(const model_space *m, int32_t slot) {
    for (size_t i = 0; i < m->n_devs; i++)
        if (!m->devs[i].empty && m->devs[i].slot == slot &&
            (m->devs[i].kind == MEMDEV_DIMM || m->devs[i].kind == MEMDEV_NVDIMM))
            return true;
    return false;
}

/* Checks 1, 1', 1''. */
static int pick_slot(const model_space *m, const memdev_device_desc *d, int32_t *slot) {
    *slot = -1;
    if (d->kind != MEMDEV_DIMM && d->kind != MEMDEV_NVDIMM)
        return 0;
    if ((d->fields & MEMDEV_F_SLOT) && d->slot >= m->dimm_slots)
        return MEMDEV_EINVALSLOT;
    if (m->dimm_slots == 0)
        return MEMDEV_ENOSLOTS;
    if (d->fields & MEMDEV_F_SLOT) {
        if (slot_taken(m, (int32_t)d->slot))
            return MEMDEV_ESLOTBUSY;
        *slot = (int32_t)d->slot;
        return 0;
    }
    for (uint32_t s = 0; s < m->dimm_slots; s++) {
        if (!slot_taken(m, (int32_t)s)) {
            *slot = (int32_t)s;
            return 0;
        }
    }
    return MEMDEV_ENOFREESLOT;
}

/* Spec section 4, decision limit rules 1-5, on the state before the plug. */
static uint64_t decision_limit(const model_space *m, uint64_t size) {
    model_counts c;
    int64_t maxs, frees;
    uint64_t lim;
    u128 avail;

    count(m, &c);
    if (max_slots(m, &maxs) && maxs < (int64_t)MEMDEV_SAFE_MEMSLOTS)
        return 1;
    if (c.required >= MEMDEV_SOFT_MEMSLOTS)
        return 1;
    lim = MEMDEV_SOFT_MEMSLOTS - c.required;
    if (free_slots(m, c.used, &frees)) {
        if (frees < (int64_t)c.reserved)
            return 1;
        if ((uint64_t)frees - c.reserved < lim)
            lim = (uint64_t)frees - c.reserved;
        if (lim < 1)
            return 1;
    }
    if (size == m->budget)
        return lim;
    avail = c.used_size >= m->budget ? 0 : m->budget - c.used_size;
    if (avail == 0 || size > avail)
        return 1;
    avail = (u128)lim * size / avail;
    return avail < 1 ? 1 : (uint64_t)avail;
}

/* Memslot count n and memslot size of a device about to be plugged. */
static void decide_memslots(const model_space *m, const memdev_device_desc *d, const model_prep *p,
                            uint32_t *n, uint64_t *ms) {
    uint64_t limit;
    u128 s, cnt;

    *n = 1;
    *ms = p->size;
    if (!p->decided)
        return;
    limit = decision_limit(m, p->size);
    if (d->kind == MEMDEV_VIRTIO_MEM) {
        if (limit <= 1)
            return;
        s = align_up(p->size / limit, p->block);
        if (s < p->block)
            s = p->block;
        if (s < VMEM_MIN_MEMSLOT)
            s = VMEM_MIN_MEMSLOT;
    } else {
        s = align_up(p->size / limit, HV_MEMSLOT_ALIGN);
        if (s >= TWO64)
            return;
        if (s < HV_MEMSLOT_ALIGN)
            s = HV_MEMSLOT_ALIGN;
    }
    cnt = ((u128)p->size + s - 1) / s;
    if (cnt > 1) {
        *n = (uint32_t)cnt;
        *ms = (uint64_t)s;
    }
}

/* Checks 2 and 3. */
static int admit(const model_space *m, uint32_t n) {
    model_counts c;
    int64_t need;

    if (!m->has_kvm && m->n_vhost == 0)
        return 0; /* no hypervisor or vhost limit to admit against */
    count(m, &c);
    need = (int64_t)n + (int64_t)c.reserved;
    if (m->has_kvm && limit_free(m->kvm, c.used) < need)
        return MEMDEV_EKVMSLOTS;
    for (uint32_t i = 0; i < m->n_vhost; i++)
        if (limit_free(m->vhost[i], c.used) < need)
            return MEMDEV_EVHOSTSLOTS;
    return 0;
}

/* QEMU's linear sweep (spec section 3) with alignment a; too-big / fragmented. */
static int first_fit(const model_space *m, uint64_t size, uint64_t a, uint64_t *addr) {
    u128 cand = align_up(m->base, a);
    if (cand >= TWO64 || cand + size > TWO64)
        return MEMDEV_ETOOBIG;
    for (size_t i = 0; i < m->n_devs; i++) {
        const model_dev *d = &m->devs[i];
        if (d->empty)
            continue;
        if (cand < dev_end(d) && (u128)d->addr < cand + size) {
            cand = align_up(dev_end(d), a);
            if (cand >= TWO64 || cand + size > TWO64)
                return MEMDEV_EFRAGMENTED;
        }
    }
    if (cand < m->base || cand + size > win_end(m))
        return MEMDEV_EFRAGMENTED;
    *addr = (uint64_t)cand;
    return 0;
}

/* Checks 6-9. */
static int place(const model_space *m, const memdev_device_desc *d, const model_prep *p,
                 uint64_t *addr) {
    uint64_t h = d->addr;
    if (!(d->fields & MEMDEV_F_ADDR))
        return first_fit(m, p->size, p->align, addr);
    if (h % p->align != 0)
        return MEMDEV_EHINTALIGN;
    if ((u128)h + p->size > TWO64 || h < m->base || (u128)h + p->size > win_end(m))
        return MEMDEV_EHINTRANGE;
    for (size_t i = 0; i < m->n_devs; i++) {
        const model_dev *o = &m->devs[i];
        if (!o->empty && (u128)h < dev_end(o) && o->addr < (u128)h + p->size)
            return MEMDEV_ECONFLICT;
    }
    *addr = h;
    return 0;
}

/* Builds the device record (all allocations) without touching the space. */
static int build_dev(const memdev_device_desc *d, const model_prep *p, uint32_t n, model_dev *nd) {
    memset(nd, 0, sizeof *nd);
    nd->id = dup_str(d->id);
    nd->id_hash = nd->id ? id_hash(nd->id) : 0;
    if ((d->fields & MEMDEV_F_MEMDEV) && d->memdev)
        nd->memdev = dup_str(d->memdev);
    nd->mapped = calloc(n > 0 ? n : 1, sizeof *nd->mapped);
    if (!nd->id || !nd->mapped || ((d->fields & MEMDEV_F_MEMDEV) && d->memdev && !nd->memdev)) {
        dev_release(nd);
        return MEMDEV_ENOMEM;
    }
    nd->kind = d->kind;
    nd->empty = p->empty;
    nd->slot = -1;
    nd->has_node = (d->fields & MEMDEV_F_NODE) != 0;
    nd->node = nd->has_node ? d->node : 0;
    if (p->empty)
        return 0;
    nd->size = p->size;
    nd->requested_size = p->requested_size;
    nd->align = p->align;
    nd->decided = p->decided;
    nd->block = d->kind == MEMDEV_VIRTIO_MEM ? p->block : 0;
    nd->requested = p->requested;
    nd->label = p->label;
    return 0;
}

/* Inserts nd at its list position (array already has room). */
static void insert_dev(model_space *m, const model_dev *nd) {
    size_t pos = 0;
    if (nd->empty) {
        while (pos < m->n_devs && m->devs[pos].empty)
            pos++;
    } else {
        while (pos < m->n_devs && (m->devs[pos].empty || m->devs[pos].addr < nd->addr))
            pos++;
    }
    memmove(&m->devs[pos + 1], &m->devs[pos], (m->n_devs - pos) * sizeof *m->devs);
    m->devs[pos] = *nd;
    m->n_devs++;
}

/* Runs checks 0'..9 for a non-empty device; fills slot, n, ms, addr. */
static int plug_checks(const model_space *m, const memdev_device_desc *d, const model_prep *p,
                       int32_t *slot, uint32_t *n, uint64_t *ms, uint64_t *addr) {
    int rc = pick_slot(m, d, slot);
    if (rc)
        return rc;
    decide_memslots(m, d, p, n, ms);
    rc = admit(m, *n);
    if (rc)
        return rc;
    if (used_size(m) + p->size > m->budget)
        return MEMDEV_ENOSPACE;
    if (p->size % d->align != 0)
        return MEMDEV_ESIZEALIGN;
    return place(m, d, p, addr);
}

int model_plug(model_space *m, const memdev_device_desc *d, memdev_plug_result *out) {
    model_prep p;
    model_dev nd;
    model_dev *grown;
    int32_t slot = -1;
    uint32_t n = 0;
    uint64_t ms = 0, addr = 0;
    int rc = check_desc(d, &p);

    if (rc)
        return rc;
    if (find_dev(m, d->id))
        return MEMDEV_EDUPID;
    if (!p.empty) {
        rc = plug_checks(m, d, &p, &slot, &n, &ms, &addr);
        if (rc)
            return rc;
    }
    rc = build_dev(d, &p, n, &nd);
    if (rc)
        return rc;
    if (m->n_devs == m->cap_devs) {
        size_t cap = m->cap_devs ? 2 * m->cap_devs : 16;
        grown = realloc(m->devs, cap * sizeof *m->devs);
        if (!grown) {
            dev_release(&nd);
            return MEMDEV_ENOMEM;
        }
        m->devs = grown;
        m->cap_devs = cap;
    }
    nd.addr = addr;
    nd.slot = slot;
    nd.n = n;
    nd.ms_size = ms;
    if (!p.empty && !p.decided)
        nd.mapped[0] = true;
    insert_dev(m, &nd);
    if (out) {
        out->addr = addr;
        out->slot = slot;
        out->memslots = n;
        out->empty = p.empty;
    }
    return 0;
}

int model_unplug(model_space *m, const char *id) {
    model_dev *d = find_dev_mut(m, id);
    size_t pos;
    if (!d)
        return MEMDEV_EUNKNOWNID;
    if (d->kind == MEMDEV_NVDIMM || d->kind == MEMDEV_VIRTIO_PMEM || d->kind == MEMDEV_HV_BALLOON)
        return MEMDEV_ENOTUNPLUGGABLE;
    if (d->kind == MEMDEV_VIRTIO_MEM && (d->n_ext > 0 || d->requested != 0))
        return MEMDEV_EBUSY;
    pos = (size_t)(d - m->devs);
    dev_release(d);
    memmove(&m->devs[pos], &m->devs[pos + 1], (m->n_devs - pos - 1) * sizeof *m->devs);
    m->n_devs--;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Remap                                                                                    */

/*
 * The array a request writes its new extents into, with room for n (the old array is kept
 * until the request succeeds, then the two swap): grown by doubling, so a device of a thousand
 * extents does not allocate at every request (a fresh block and a sort per request made the
 * deep target's 760-extent prefill cost 44 ms an input under ASan, now 10 ms); NULL when out
 * of memory.
 */
static model_ext *ext_room(model_dev *d, size_t n) {
    if (d->spare_cap < n) {
        size_t cap = d->spare_cap ? 2 * d->spare_cap : 8;
        while (cap < n)
            cap *= 2;
        model_ext *e = realloc(d->spare, cap * sizeof *e);
        if (!e)
            return NULL;
        d->spare = e;
        d->spare_cap = cap;
    }
    return d->spare;
}

/* e = old + [lo, hi), sorted and merged; the count. e has room for n_ext + 1. */
static size_t ext_add(const model_dev *d, uint64_t lo, uint64_t hi, model_ext *e) {
    size_t k = 0, at = d->n_ext;
    if (d->n_ext > 0)
        memcpy(e, d->ext, d->n_ext * sizeof *e);
    /* the old extents are sorted by lo: the new one goes in at its place (no sort) */
    for (; at > 0 && e[at - 1].lo > lo; at--)
        e[at] = e[at - 1];
    e[at] = (model_ext){lo, hi};
    for (size_t i = 0; i < d->n_ext + 1; i++) {
        if (k > 0 && e[i].lo <= e[k - 1].hi) {
            if (e[i].hi > e[k - 1].hi)
                e[k - 1].hi = e[i].hi;
        } else {
            e[k++] = e[i];
        }
    }
    return k;
}

/* e = old minus [lo, hi); the count. e has room for n_ext + 1. */
static size_t ext_sub(const model_dev *d, uint64_t lo, uint64_t hi, model_ext *e) {
    size_t k = 0;
    for (size_t i = 0; i < d->n_ext; i++) {
        model_ext x = d->ext[i];
        if (x.hi <= lo || x.lo >= hi) {
            e[k++] = x;
            continue;
        }
        if (x.lo < lo)
            e[k++] = (model_ext){x.lo, lo};
        if (x.hi > hi)
            e[k++] = (model_ext){hi, x.hi};
    }
    return k;
}

/* Dynamic memslots: memslot i mapped exactly when a plugged byte lies inside it. */
static void vmem_remap(model_dev *d) {
    if (!d->decided)
        return;
    for (uint32_t i = 0; i < d->n; i++) {
        uint64_t lo = (uint64_t)((u128)i * d->ms_size);
        d->mapped[i] = ext_covered(d, lo, lo + memslot_len(d, i)) > 0;
    }
}

/* Range rules of a virtio-mem request (remap-range). */
static bool vmem_range_ok(const model_dev *d, uint64_t off, uint64_t len) {
    return off % d->block == 0 && len % d->block == 0 && len > 0 && (u128)off + len <= d->size;
}

int model_vmem_request(model_space *m, const char *id, bool plug, uint64_t offset, uint64_t len) {
    model_dev *d = find_dev_mut(m, id);
    model_ext *e;
    uint64_t covered;

    if (!d)
        return MEMDEV_EUNKNOWNID;
    if (d->kind != MEMDEV_VIRTIO_MEM || d->empty)
        return MEMDEV_EINVAL;
    if (!vmem_range_ok(d, offset, len))
        return MEMDEV_EREMAPRANGE;
    if (plug && (u128)dev_plugged(d) + len > d->requested)
        return MEMDEV_EREMAPLIMIT;
    covered = ext_covered(d, offset, offset + len);
    if (plug ? covered != 0 : covered != len)
        return MEMDEV_EREMAPSTATE;
    e = ext_room(d, d->n_ext + 1);
    if (!e)
        return MEMDEV_ENOMEM;
    size_t n_e = plug ? ext_add(d, offset, offset + len, e) : ext_sub(d, offset, offset + len, e);
    size_t cap = d->spare_cap;
    d->spare = d->ext;
    d->spare_cap = d->ext_cap;
    d->ext = e;
    d->ext_cap = cap;
    d->n_ext = n_e;
    vmem_remap(d);
    return 0;
}

int model_vmem_resize(model_space *m, const char *id, uint64_t requested) {
    model_dev *d = find_dev_mut(m, id);
    if (!d)
        return MEMDEV_EUNKNOWNID;
    if (d->kind != MEMDEV_VIRTIO_MEM || d->empty || requested % d->block != 0 ||
        requested > d->size)
        return MEMDEV_EINVAL;
    d->requested = requested;
    return 0;
}

int model_balloon_map(model_space *m, const char *id, uint32_t index, bool map) {
    model_dev *d = find_dev_mut(m, id);
    if (!d)
        return MEMDEV_EUNKNOWNID;
    if (d->kind != MEMDEV_HV_BALLOON || d->empty)
        return MEMDEV_EINVAL;
    if (index >= d->n)
        return MEMDEV_EREMAPRANGE;
    if (d->mapped[index] == map)
        return MEMDEV_EREMAPSTATE;
    d->mapped[index] = map;
    return 0;
}

int model_vhost_add(model_space *m, memdev_limit limit) {
    model_counts c;
    memdev_limit *grown;

    if (limit.other > limit.max)
        return MEMDEV_EINVAL;
    count(m, &c);
    if (c.used + c.reserved > (uint64_t)limit.max - limit.other)
        return MEMDEV_EVHOSTCONFLICT;
    if (limit.max < MEMDEV_SAFE_MEMSLOTS)
        for (size_t i = 0; i < m->n_devs; i++)
            if (m->devs[i].decided && m->devs[i].n > 1)
                return MEMDEV_EVHOSTCONFLICT;
    grown = realloc(m->vhost, ((size_t)m->n_vhost + 1) * sizeof *grown);
    if (!grown)
        return MEMDEV_ENOMEM;
    m->vhost = grown;
    m->vhost[m->n_vhost++] = limit;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Queries                                                                                  */

/* Devices [from, to) that may contain gpa: the first that does answers. */
static void lookup_in(const model_space *m, size_t from, size_t to, uint64_t gpa,
                      memdev_lookup_result *out) {
    memset(out, 0, sizeof *out);
    for (size_t i = from; i < to && i < m->n_devs; i++) {
        const model_dev *d = &m->devs[i];
        uint64_t idx;
        if (d->empty || gpa < d->addr || gpa - d->addr >= d->size)
            continue;
        out->found = true;
        out->id = d->id;
        out->addr = d->addr;
        out->offset = gpa - d->addr;
        idx = out->offset / d->ms_size;
        out->memslot = idx >= d->n ? d->n - 1 : (uint32_t)idx;
        out->mapped = d->mapped[out->memslot];
        return;
    }
}

int model_lookup(const model_space *m, uint64_t gpa, memdev_lookup_result *out) {
    lookup_in(m, 0, m->n_devs, gpa, out);
    return 0;
}

int model_free(const model_space *m, uint64_t size, uint64_t align, uint64_t *addr) {
    if (size == 0 || !is_pow2(align))
        return MEMDEV_EINVAL;
    return first_fit(m, size, align, addr);
}

static uint64_t largest_gap(const model_space *m) {
    u128 cur = m->base, best = 0;
    for (size_t i = 0; i < m->n_devs; i++) {
        const model_dev *d = &m->devs[i];
        if (d->empty)
            continue;
        if (d->addr > cur && d->addr - cur > best)
            best = d->addr - cur;
        if (dev_end(d) > cur)
            cur = dev_end(d);
    }
    if (win_end(m) > cur && win_end(m) - cur > best)
        best = win_end(m) - cur;
    return (uint64_t)best;
}

int model_stats_get(const model_space *m, memdev_stats *out) {
    model_counts c;
    count(m, &c);
    memset(out, 0, sizeof *out);
    out->used_size = (uint64_t)c.used_size;
    for (size_t i = 0; i < m->n_devs; i++)
        out->plugged_size += dev_plugged(&m->devs[i]);
    out->budget = m->budget;
    out->required = (uint32_t)c.required;
    out->used = (uint32_t)c.used;
    out->reserved = (uint32_t)c.reserved;
    out->has_kvm = m->has_kvm;
    if (m->has_kvm)
        out->kvm_free = (uint32_t)limit_free(m->kvm, c.used);
    out->n_vhost = m->n_vhost;
    for (uint32_t i = 0; i < m->n_vhost; i++) {
        uint32_t f = (uint32_t)limit_free(m->vhost[i], c.used);
        if (i == 0 || f < out->vhost_free)
            out->vhost_free = f;
    }
    out->devices = (uint32_t)m->n_devs;
    out->dimm_slots_used = c.slots_used;
    out->largest_gap = largest_gap(m);
    return 0;
}

static void fill_info(const model_dev *d, memdev_device_info *o) {
    memset(o, 0, sizeof *o);
    o->id = d->id;
    o->kind = d->kind;
    o->empty = d->empty;
    o->addr = d->addr;
    o->size = d->size;
    o->requested_size = d->requested_size;
    o->align = d->align;
    o->slot = d->slot;
    o->memslots = d->n;
    o->memslot_size = d->ms_size;
    o->mapped = dev_mapped(d);
    o->decided = d->decided;
    o->block = d->block;
    o->requested = d->requested;
    o->plugged = dev_plugged(d);
    o->label = d->label;
    o->has_node = d->has_node;
    o->node = d->node;
    o->memdev = d->memdev;
}

int model_device_get(const model_space *m, const char *id, memdev_device_info *out) {
    const model_dev *d = find_dev(m, id);
    if (!d)
        return MEMDEV_EUNKNOWNID;
    fill_info(d, out);
    return 0;
}

int model_foreach(const model_space *m, memdev_visit_fn fn, void *ctx) {
    memdev_device_info info;
    for (size_t i = 0; i < m->n_devs; i++) {
        int rc;
        fill_info(&m->devs[i], &info);
        rc = fn(ctx, &info);
        if (rc)
            return rc;
    }
    return 0;
}

int model_memslot_mapped(const model_space *m, const char *id, uint32_t index, bool *mapped) {
    const model_dev *d = find_dev(m, id);
    if (!d)
        return MEMDEV_EUNKNOWNID;
    if (index >= d->n)
        return MEMDEV_EREMAPRANGE;
    *mapped = d->mapped[index];
    return 0;
}

int model_vmem_state(const model_space *m, const char *id, uint64_t off, uint64_t len, int *state) {
    const model_dev *d = find_dev(m, id);
    uint64_t c;
    if (!d)
        return MEMDEV_EUNKNOWNID;
    if (d->kind != MEMDEV_VIRTIO_MEM || d->empty)
        return MEMDEV_EINVAL;
    /* A query, not a request: byte granular, only len > 0 and inside the device. */
    if (len == 0 || (u128)off + len > d->size)
        return MEMDEV_EREMAPRANGE;
    c = ext_covered(d, off, off + len);
    *state = c == 0 ? 0 : c == len ? 1 : 2;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Comparison with the library                                                              */

__attribute__((format(printf, 3, 4))) static int diff(char *msg, size_t cap, const char *fmt, ...) {
    va_list ap;
    if (msg && cap > 0) {
        va_start(ap, fmt);
        vsnprintf(msg, cap, fmt, ap);
        va_end(ap);
    }
    return MEMDEV_EINVARIANT;
}

static const char *str_or_null(const char *s) {
    return s ? s : "(null)";
}

/* One compared field: model value a, library value b. */
typedef struct field_cmp {
    const char *name;
    uint64_t a, b;
    bool is_signed;
} field_cmp;

/* Returns the index of the first differing field, or n. */
static size_t first_diff(const field_cmp *t, size_t n) {
    size_t i = 0;
    while (i < n && t[i].a == t[i].b)
        i++;
    return i;
}

static int report_field(const char *where, const field_cmp *t, char *msg, size_t cap) {
    if (t->is_signed)
        return diff(msg, cap, "%s%s: model=%" PRId64 " library=%" PRId64, where, t->name,
                    (int64_t)t->a, (int64_t)t->b);
    return diff(msg, cap,
                "%s%s: model=%" PRIu64 " (0x%" PRIx64 ") library=%" PRIu64 " (0x%" PRIx64 ")",
                where, t->name, t->a, t->a, t->b, t->b);
}

static int cmp_stats(const model_space *m, const memdev_space *sp, char *msg, size_t cap) {
    memdev_stats a, b;
    size_t n, i;
    model_stats_get(m, &a);
    memset(&b, 0, sizeof b);
    memdev_stats_get(sp, &b);
    {
        /* kvm_free / vhost_free are only defined when the limit exists (memdev.h). */
        field_cmp t[] = {
            {"used_size", a.used_size, b.used_size, false},
            {"plugged_size", a.plugged_size, b.plugged_size, false},
            {"budget", a.budget, b.budget, false},
            {"required", a.required, b.required, false},
            {"used", a.used, b.used, false},
            {"reserved", a.reserved, b.reserved, false},
            {"has_kvm", a.has_kvm, b.has_kvm, false},
            {"kvm_free", a.kvm_free, a.has_kvm ? b.kvm_free : a.kvm_free, false},
            {"n_vhost", a.n_vhost, b.n_vhost, false},
            {"vhost_free", a.vhost_free, a.n_vhost ? b.vhost_free : a.vhost_free, false},
            {"devices", a.devices, b.devices, false},
            {"dimm_slots_used", a.dimm_slots_used, b.dimm_slots_used, false},
            {"largest_gap", a.largest_gap, b.largest_gap, false},
        };
        n = sizeof t / sizeof t[0];
        i = first_diff(t, n);
        return i < n ? report_field("stats.", &t[i], msg, cap) : 0;
    }
}

static int cmp_info(const memdev_device_info *a, const memdev_device_info *b, size_t idx, char *msg,
                    size_t cap) {
    char where[300];
    size_t n, i;
    field_cmp t[] = {
        {"kind", (uint64_t)a->kind, (uint64_t)b->kind, false},
        {"empty", a->empty, b->empty, false},
        {"addr", a->addr, b->addr, false},
        {"size", a->size, b->size, false},
        {"requested_size", a->requested_size, b->requested_size, false},
        {"align", a->align, b->align, false},
        {"slot", (uint64_t)(int64_t)a->slot, (uint64_t)(int64_t)b->slot, true},
        {"memslots", a->memslots, b->memslots, false},
        {"memslot_size", a->memslot_size, b->memslot_size, false},
        {"mapped", a->mapped, b->mapped, false},
        {"decided", a->decided, b->decided, false},
        {"block", a->block, b->block, false},
        {"requested", a->requested, b->requested, false},
        {"plugged", a->plugged, b->plugged, false},
        {"label", a->label, b->label, false},
        {"has_node", a->has_node, b->has_node, false},
        {"node", a->node, b->node, false}, /* 0 when not given (the info JSON's node) */
    };
    if (!b->id || !str_eq(a->id, b->id))
        return diff(msg, cap, "device #%zu id: model='%s' library='%s'", idx, a->id,
                    str_or_null(b->id));
    n = sizeof t / sizeof t[0];
    i = first_diff(t, n);
    bool memdev_differs =
        (a->memdev == NULL) != (b->memdev == NULL) || (a->memdev && !str_eq(a->memdev, b->memdev));
    if (i == n && !memdev_differs)
        return 0; /* the message is formatted only when something differs */
    snprintf(where, sizeof where, "device #%zu '%s' ", idx, a->id);
    if (i < n)
        return report_field(where, &t[i], msg, cap);
    return diff(msg, cap, "%smemdev: model='%s' library='%s'", where, str_or_null(a->memdev),
                str_or_null(b->memdev));
}

typedef struct cmp_ctx {
    const model_space *m;
    size_t idx;
    char *msg;
    size_t cap;
    int rc;
} cmp_ctx;

static int cmp_visit(void *vctx, const memdev_device_info *lib) {
    cmp_ctx *c = vctx;
    memdev_device_info mine;
    if (c->idx >= c->m->n_devs) {
        c->rc = diff(c->msg, c->cap, "device list: library has extra device #%zu '%s'", c->idx,
                     str_or_null(lib->id));
        return 1;
    }
    fill_info(&c->m->devs[c->idx], &mine);
    c->rc = cmp_info(&mine, lib, c->idx, c->msg, c->cap);
    c->idx++;
    return c->rc ? 1 : 0;
}

/* memdev_foreach's early stop: fn returns non-zero at device #at, the walk ends there. */
typedef struct stop_ctx {
    const model_space *m;
    size_t at, seen;
    bool wrong;
} stop_ctx;

static int stop_visit(void *vctx, const memdev_device_info *lib) {
    stop_ctx *s = vctx;
    if (s->seen >= s->m->n_devs || !lib->id || !str_eq(lib->id, s->m->devs[s->seen].id))
        s->wrong = true;
    return s->seen++ == s->at ? 17 + (int)(s->at % 1000) : 0;
}

static int cmp_stop(const model_space *m, const memdev_space *sp, size_t at, char *msg,
                    size_t cap) {
    stop_ctx s = {m, at, 0, false};
    int rc = memdev_foreach(sp, stop_visit, &s), want = 17 + (int)(at % 1000);
    if (rc != want || s.seen != at + 1 || s.wrong)
        return diff(msg, cap,
                    "memdev_foreach stopped at device #%zu: returned %d (want %d), "
                    "%zu devices visited (want %zu)%s",
                    at, rc, want, s.seen, at + 1, s.wrong ? ", not in list order" : "");
    return 0;
}

static int cmp_list(const model_space *m, const memdev_space *sp, char *msg, size_t cap) {
    cmp_ctx c = {m, 0, msg, cap, 0};
    int rc = memdev_foreach(sp, cmp_visit, &c);
    if (c.rc)
        return c.rc;
    if (c.idx != m->n_devs)
        return diff(msg, cap,
                    "device list: model has %zu devices, library listed %zu (first "
                    "missing: '%s')",
                    m->n_devs, c.idx, m->devs[c.idx].id);
    if (rc != 0)
        return diff(msg, cap, "memdev_foreach returned %d, its callback always 0", rc);
    /* at the first device (an empty one when there is one) and at the first placed one (the
     * walk's two loops), each in O(its index): the full walk above is the only O(n) one */
    size_t placed = 0;
    while (placed < m->n_devs && m->devs[placed].empty)
        placed++;
    if (m->n_devs && (rc = cmp_stop(m, sp, 0, msg, cap)))
        return rc;
    if (placed > 0 && placed < m->n_devs && (rc = cmp_stop(m, sp, placed, msg, cap)))
        return rc;
    return 0;
}

/*
 * The mapped state of the memslots of d: every one, or with [lo, hi) a byte range of the
 * device, those of a device with at most 16 and else the ones that overlap the range and
 * the first, the middle and the last (an operation changes only the memslots of its range;
 * model_compare passes the whole device).
 */
static int cmp_memslots(const model_dev *d, const memdev_space *sp, uint64_t lo, uint64_t hi,
                        char *msg, size_t cap) {
    bool b = false;
    int rc;
    for (uint32_t i = 0; i < d->n; i++) {
        u128 s0 = (u128)i * d->ms_size, s1 = s0 + memslot_len(d, i);
        if (d->n > 16 && i != 0 && i != d->n / 2 && i + 1 != d->n && (s1 <= lo || s0 >= hi))
            continue;
        rc = memdev_memslot_mapped(sp, d->id, i, &b);
        if (rc != 0)
            return diff(msg, cap, "memslot_mapped('%s', %u): model=ok library=%s", d->id, i,
                        memdev_error_name(rc));
        if (b != d->mapped[i])
            return diff(msg, cap, "memslot %u of '%s' mapped: model=%d library=%d", i, d->id,
                        d->mapped[i], b);
    }
    rc = memdev_memslot_mapped(sp, d->id, d->n, &b);
    if (rc != MEMDEV_EREMAPRANGE)
        return diff(msg, cap,
                    "memslot_mapped('%s', %u) (one past the last): model=%s "
                    "library=%s",
                    d->id, d->n, memdev_error_name(MEMDEV_EREMAPRANGE), memdev_error_name(rc));
    return 0;
}

static int cmp_vmem_range(const model_dev *d, const memdev_space *sp, uint64_t lo, uint64_t hi,
                          int want, char *msg, size_t cap) {
    int got = -1;
    int rc = memdev_vmem_state(sp, d->id, lo, hi - lo, &got);
    if (rc != 0 || got != want)
        return diff(msg, cap,
                    "vmem_state('%s', 0x%" PRIx64 ", 0x%" PRIx64 "): model=%d "
                    "library=%d (rc %s)",
                    d->id, lo, hi - lo, want, got, memdev_error_name(rc));
    return 0;
}

/* The library's plugged blocks equal the model's extents exactly. */
static int cmp_extents(const model_dev *d, const memdev_space *sp, char *msg, size_t cap) {
    uint64_t cur = 0;
    int rc;
    for (size_t i = 0; i < d->n_ext; i++) {
        if (d->ext[i].lo > cur) {
            rc = cmp_vmem_range(d, sp, cur, d->ext[i].lo, 0, msg, cap);
            if (rc)
                return rc;
        }
        rc = cmp_vmem_range(d, sp, d->ext[i].lo, d->ext[i].hi, 1, msg, cap);
        if (rc)
            return rc;
        cur = d->ext[i].hi;
    }
    return cur < d->size ? cmp_vmem_range(d, sp, cur, d->size, 0, msg, cap) : 0;
}

/*
 * Compares a lookup of gpa. The probes of model_compare lie in or next to device `near`, so
 * only it and its neighbours in address order can contain them: a scan of those three keeps
 * model_compare O(devices + memslots) (a full scan per probe made --check cubic).
 */
static int cmp_lookup(const model_space *m, size_t near, const memdev_space *sp, uint64_t gpa,
                      char *msg, size_t cap) {
    memdev_lookup_result a, b;
    lookup_in(m, near ? near - 1 : 0, near + 2, gpa, &a);
    memset(&b, 0, sizeof b);
    memdev_lookup(sp, gpa, &b);
    if (a.found != b.found)
        return diff(msg, cap, "lookup(0x%" PRIx64 ") found: model=%d ('%s') library=%d ('%s')", gpa,
                    a.found, a.found ? a.id : "", b.found, b.found ? str_or_null(b.id) : "");
    if (!a.found)
        return 0;
    if (!b.id || !str_eq(a.id, b.id) || a.addr != b.addr || a.offset != b.offset ||
        a.memslot != b.memslot || a.mapped != b.mapped)
        return diff(msg, cap,
                    "lookup(0x%" PRIx64 "): model='%s' addr=0x%" PRIx64 " offset=0x%" PRIx64
                    " memslot=%u mapped=%d; library='%s' addr=0x%" PRIx64 " offset=0x%" PRIx64
                    " memslot=%u mapped=%d",
                    gpa, a.id, a.addr, a.offset, a.memslot, a.mapped, str_or_null(b.id), b.addr,
                    b.offset, b.memslot, b.mapped);
    return 0;
}

/* Lookups at the first and the last byte of memslot i of device di. */
static int cmp_memslot_lookups(const model_space *m, size_t di, const memdev_space *sp, uint32_t i,
                               char *msg, size_t cap) {
    const model_dev *d = &m->devs[di];
    uint64_t off = (uint64_t)((u128)i * d->ms_size);
    int rc = cmp_lookup(m, di, sp, d->addr + off, msg, cap);
    if (!rc && i + 1 < d->n) /* the last memslot's last byte is the device's, looked up already */
        rc = cmp_lookup(m, di, sp, d->addr + off + memslot_len(d, i) - 1, msg, cap);
    return rc;
}

/*
 * Lookups around a device (the byte before, its last byte, the byte after) and at memslot
 * boundaries: every memslot of a device with at most 4, else the first, the second, the
 * middle, the last and one that moves with the state. A device may decide 256 memslots:
 * the mapped state of every one is compared directly (cmp_memslots); the lookups check the
 * index arithmetic, which these samples cover at a fraction of the cost.
 */
static int cmp_dev_lookups(const model_space *m, size_t di, const memdev_space *sp, char *msg,
                           size_t cap) {
    const model_dev *d = &m->devs[di];
    int rc = 0;
    if (d->addr > 0)
        rc = cmp_lookup(m, di, sp, d->addr - 1, msg, cap);
    if (!rc)
        rc = cmp_lookup(m, di, sp, d->addr + d->size - 1, msg, cap);
    if (!rc && dev_end(d) < TWO64)
        rc = cmp_lookup(m, di, sp, (uint64_t)dev_end(d), msg, cap);
    if (d->n <= 4) {
        for (uint32_t i = 0; !rc && i < d->n; i++)
            rc = cmp_memslot_lookups(m, di, sp, i, msg, cap);
        return rc;
    }
    const uint32_t pick[5] = {0, 1, d->n / 2, d->n - 1,
                              (uint32_t)((m->n_devs * 31u + di * 7u + d->n_ext) % d->n)};
    for (unsigned k = 0; !rc && k < 5; k++)
        rc = cmp_memslot_lookups(m, di, sp, pick[k], msg, cap);
    return rc;
}

int model_compare(const model_space *m, const memdev_space *sp, char *msg, size_t cap) {
    int rc = cmp_stats(m, sp, msg, cap);
    if (!rc)
        rc = cmp_list(m, sp, msg, cap);
    for (size_t i = 0; !rc && i < m->n_devs; i++) {
        const model_dev *d = &m->devs[i];
        if (d->empty) {
            rc = cmp_memslots(d, sp, 0, UINT64_MAX, msg, cap);
            continue;
        }
        rc = cmp_memslots(d, sp, 0, UINT64_MAX, msg, cap);
        if (!rc && d->kind == MEMDEV_VIRTIO_MEM)
            rc = cmp_extents(d, sp, msg, cap);
        if (!rc)
            rc = cmp_dev_lookups(m, i, sp, msg, cap);
    }
    if (!rc) { /* the window base, by a full scan */
        memdev_lookup_result a, b;
        model_lookup(m, m->base, &a);
        memdev_lookup(sp, m->base, &b);
        if (a.found != b.found || (a.found && !str_eq(a.id, str_or_null(b.id))))
            rc = diff(msg, cap, "lookup(window base): model found=%d library found=%d", a.found,
                      b.found);
    }
    if (!rc && msg && cap > 0)
        msg[0] = '\0';
    return rc;
}

/* Everything of one device, then lookups around it: O(memslots + extents + devices). */
/*
 * memdev_vmem_state at the edges of its contract, against model_vmem_state: an empty range,
 * ranges that end past the device or wrap, a range across the first plugged extent's start
 * (a mixed answer), and any device of another kind (invalid-argument).
 */
static int cmp_vmem_queries(const model_space *m, const model_dev *d, const memdev_space *sp,
                            char *msg, size_t cap) {
    uint64_t probe[][2] = {{0, 0},          {0, d->size + 1}, {d->size, 1},
                           {UINT64_MAX, 2}, {1, 1},           {0, d->size}};
    size_t n = sizeof probe / sizeof probe[0];
    if (d->kind == MEMDEV_VIRTIO_MEM && d->n_ext > 0 && d->ext[0].lo > 0)
        probe[n - 2][0] = d->ext[0].lo - 1, probe[n - 2][1] = 2;
    for (size_t k = 0; k < n; k++) {
        int a = -1, b = -1;
        int ra = model_vmem_state(m, d->id, probe[k][0], probe[k][1], &a);
        int rb = memdev_vmem_state(sp, d->id, probe[k][0], probe[k][1], &b);
        if (ra != rb || (ra == 0 && a != b))
            return diff(msg, cap,
                        "vmem_state('%s', 0x%" PRIx64 ", 0x%" PRIx64 "): model=%s "
                        "state %d library=%s state %d",
                        d->id, probe[k][0], probe[k][1], memdev_error_name(ra), a,
                        memdev_error_name(rb), b);
        if (d->kind != MEMDEV_VIRTIO_MEM || d->empty)
            break; /* one probe tells invalid-argument */
    }
    return 0;
}

static int cmp_one(const model_space *m, size_t i, const memdev_space *sp, uint64_t lo, uint64_t hi,
                   char *msg, size_t cap) {
    const model_dev *d = &m->devs[i];
    memdev_device_info mine, lib;
    int rc = memdev_device_get(sp, d->id, &lib);
    if (rc != 0)
        return diff(msg, cap, "device_get('%s'): model=ok library=%s", d->id,
                    memdev_error_name(rc));
    fill_info(d, &mine);
    rc = cmp_info(&mine, &lib, i, msg, cap);
    if (!rc)
        rc = cmp_memslots(d, sp, lo, hi, msg, cap);
    if (!rc && !d->empty && d->kind == MEMDEV_VIRTIO_MEM)
        rc = cmp_extents(d, sp, msg, cap);
    if (!rc)
        rc = cmp_vmem_queries(m, d, sp, msg, cap);
    if (!rc && !d->empty)
        rc = cmp_dev_lookups(m, i, sp, msg, cap);
    return rc;
}

int model_compare_device(const model_space *m, const memdev_space *sp, const char *id, uint64_t lo,
                         uint64_t hi, char *msg, size_t cap) {
    if (msg && cap > 0)
        msg[0] = '\0';
    const model_dev *d = find_dev(m, id);
    if (d)
        return cmp_one(m, (size_t)(d - m->devs), sp, lo, hi, msg, cap);
    memdev_device_info lib;
    bool mapped;
    int state;
    int rc = memdev_device_get(sp, id, &lib);
    if (rc == MEMDEV_EUNKNOWNID)
        rc = memdev_memslot_mapped(sp, id, 0, &mapped);
    if (rc == MEMDEV_EUNKNOWNID)
        rc = memdev_vmem_state(sp, id, 0, 1, &state);
    if (rc != MEMDEV_EUNKNOWNID)
        return diff(msg, cap,
                    "device_get/memslot_mapped/vmem_state('%s'): model=unknown-id "
                    "library=%s",
                    id, memdev_error_name(rc));
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Dump                                                                                     */

static const char *kind_str(memdev_kind k) {
    static const char *const names[] = {"dimm", "nvdimm", "virtio-pmem", "virtio-mem",
                                        "hv-balloon"};
    return (unsigned)k < (unsigned)MEMDEV_KIND_COUNT ? names[k] : "?";
}

static void dump_dev(const model_dev *d, FILE *f) {
    memdev_device_info o;
    fill_info(d, &o);
    fprintf(f,
            "  '%s' %s%s addr=0x%" PRIx64 " size=0x%" PRIx64 " requested_size=0x%" PRIx64
            " align=0x%" PRIx64 " slot=%" PRId32 "\n",
            d->id, kind_str(d->kind), d->empty ? " empty" : "", o.addr, o.size, o.requested_size,
            o.align, o.slot);
    fprintf(f,
            "    memslots=%u memslot_size=0x%" PRIx64 " mapped=%u decided=%d block=0x%" PRIx64
            " requested=0x%" PRIx64 " plugged=0x%" PRIx64 " label=0x%" PRIx64
            " node=%s%u memdev=%s\n",
            o.memslots, o.memslot_size, o.mapped, o.decided, o.block, o.requested, o.plugged,
            o.label, o.has_node ? "" : "(none)", o.node, str_or_null(o.memdev));
    if (d->n > 0) {
        fprintf(f, "    map ");
        for (uint32_t i = 0; i < d->n; i++)
            fputc(d->mapped[i] ? '1' : '0', f);
        fputc('\n', f);
    }
    for (size_t i = 0; i < d->n_ext && i < 16; i++)
        fprintf(f, "    plugged [0x%" PRIx64 ", 0x%" PRIx64 ")\n", d->ext[i].lo, d->ext[i].hi);
    if (d->n_ext > 16)
        fprintf(f, "    ... %zu extents in all\n", d->n_ext);
}

void model_dump(const model_space *m, FILE *f) {
    memdev_stats s;
    model_stats_get(m, &s);
    fprintf(
        f, "model: window base=0x%" PRIx64 " size=0x%" PRIx64 " budget=0x%" PRIx64 " dimm_slots=%u",
        m->base, m->size, m->budget, m->dimm_slots);
    if (m->has_kvm)
        fprintf(f, " kvm=%u/%u", m->kvm.max, m->kvm.other);
    for (uint32_t i = 0; i < m->n_vhost; i++)
        fprintf(f, " vhost=%u/%u", m->vhost[i].max, m->vhost[i].other);
    fprintf(f,
            "\n  used_size=0x%" PRIx64 " plugged_size=0x%" PRIx64 " required=%u used=%u"
            " reserved=%u kvm_free=%u vhost_free=%u devices=%u dimm_slots_used=%u"
            " largest_gap=0x%" PRIx64 "\n",
            s.used_size, s.plugged_size, s.required, s.used, s.reserved, s.kvm_free, s.vhost_free,
            s.devices, s.dimm_slots_used, s.largest_gap);
    for (size_t i = 0; i < m->n_devs; i++)
        dump_dev(&m->devs[i], f);
}
