/* SPDX-License-Identifier: MIT */
/*
 * program.c - the total fuzz decoder (see program.h for why it folds operands from the state).
 *
 * Layout of an input (all tables below; a short input is zero-padded, a trailing partial
 * record is ignored, at most PROGRAM_MAX_OPS records are used):
 *
 *   header, 16 bytes
 *     h0  low nibble: window base class, high nibble: window size class
 *     h1  low nibble: budget class, high nibble: small multiplier k (unaligned base, budget)
 *     h2  DIMM slots (< 0xE0: h2 % 9, else a table up to 256 and beyond)
 *     h3  bit 7: KVM present; bits 0-3: KVM max class; bits 4-6: KVM other class
 *     h4  bits 0-1: vhost backends (0..3); bit 2: keep an invalid configuration as is;
 *         bit 3: the space allocates with the library's own allocator (ops target);
 *         bits 4-5: the window tree's kernels (0 the best the CPU has, 1 scalar, 2 AVX2,
 *         3 AVX-512; one the CPU lacks: the best)
 *     h5..h7  vhost backend i: bits 0-3 max class, bits 4-6 other class
 *     h8..h15 "jitter": a raw little-endian 64-bit value used by the "raw" table entries
 *   records, 8 bytes each: r0 low nibble = operation (op_tab), r0 high nibble = variant,
 *     r1 = device selector or plug id, r2..r7 = operands (see each decode_* function);
 *     a bulk record expands into up to 71 plugs or 64 unplugs (decode_bulk).
 *
 * Every choice is a table lookup or a fold (value % count) so that a one-byte mutation moves
 * to a neighbouring meaningful program instead of an invalid one.
 */
#include "program.h"

#include <string.h>

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define TIB (1ull << 40)

/*
 * "d0000" .. "d7777": string constants, so ops can point at them and stay valid when copied.
 * Every eighth (octal last digit 7) is named as a VMM names its devices, with a long common
 * prefix: "virtio-mem-pci-node0-d0007" (26 bytes). So an eighth of all plugs, and several
 * plugs of every bulk, have ids the record cannot hold inline (on the heap, hashed whole,
 * compared with strcmp) and that share their first 22 bytes with each other: a table that
 * compared or hashed only a prefix would take two of them for one.
 */
#define LONG_ID_PREFIX "virtio-mem-pci-node0-"
#define ID8(p)                                                                                     \
    "d" p "0", "d" p "1", "d" p "2", "d" p "3", "d" p "4", "d" p "5", "d" p "6",                   \
        LONG_ID_PREFIX "d" p "7"
#define ID64(p)                                                                                    \
    ID8(p "0"), ID8(p "1"), ID8(p "2"), ID8(p "3"), ID8(p "4"), ID8(p "5"), ID8(p "6"), ID8(p "7")
#define ID512(p)                                                                                   \
    ID64(p "0"), ID64(p "1"), ID64(p "2"), ID64(p "3"), ID64(p "4"), ID64(p "5"), ID64(p "6"),     \
        ID64(p "7")
static const char *const id_pool[PROGRAM_ID_POOL] = {
    ID512("0"), ID512("1"), ID512("2"), ID512("3"), ID512("4"), ID512("5"), ID512("6"), ID512("7")};
/*
 * Ids at the edges, plugged when r1 bit 6 is set: the longest the library takes (255 bytes),
 * one byte more (invalid-argument), one byte, one with the bytes the info JSON must escape
 * (a quote, a backslash, a byte >= 0x80), VMM-like ones, and the longest id the record holds
 * inline and the shortest it cannot. They are pool entries 4088..4095 (in place of
 * d7770..d7777), so the shadow tracks them like any other id.
 */
#define A32 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define A256 A32 A32 A32 A32 A32 A32 A32 A32
#define SPECIAL_IDS 8u
static const char *const special_id[SPECIAL_IDS] = {
    &A256[1], /* 255 bytes */
    A256,     /* 256 bytes: invalid-argument */
    "x",
    "q\"\\\xc3\xa9",
    "vmem-node1-7",     /* as a VMM names them; 8..15 bytes stay inline in the record */
    "dimm-0123456789",  /* 15 bytes: the longest inline id */
    "dimm-01234567890", /* 16 bytes: the shortest on the heap */
    "pc-dimm3",         /* 8 bytes */
};
#undef A32
#undef A256

/* An id outside the pool: never plugged, so always unknown-id. */
static const char unknown_id[] = "zz";

static const uint32_t limit_tab[16] = {8,   16,  32,   64,   128,   256, 508, 509,
                                       510, 512, 1024, 4096, 32764, 2,   1,   0};
static const uint32_t other_tab[8] = {0, 1, 2, 5, 16, 64, 500, UINT32_MAX /* = max */};
static const uint32_t slots_tab[32] = {16,  32,  64,  128, 255, 256, 257, 1000, 0,  1,  2,
                                       3,   4,   5,   6,   7,   8,   10,  12,   24, 31, 33,
                                       100, 200, 250, 254, 255, 256, 256, 256,  1,  2};
static const uint64_t vblock_tab[8] = {1 * MIB, 2 * MIB, 4 * MIB,  128 * MIB,
                                       1 * GIB, 2 * MIB, 32 * MIB, 2 * GIB};
static const uint64_t label_tab[4] = {128 * KIB, 256 * KIB, 2 * MIB, 1 * MIB};

enum {
    OP_PLUG,
    OP_UNPLUG,
    OP_VMEM_PLUG,
    OP_VMEM_UNPLUG,
    OP_RESIZE,
    OP_MAP,
    OP_UNMAP,
    OP_VHOST,
    OP_LOOKUP,
    OP_FREE,
    OP_QUERY,
    OP_BULK
};
static const uint8_t op_tab[16] = {
    OP_PLUG,        OP_PLUG,   OP_PLUG, OP_BULK,  OP_UNPLUG, OP_UNPLUG, OP_VMEM_PLUG, OP_VMEM_PLUG,
    OP_VMEM_UNPLUG, OP_RESIZE, OP_MAP,  OP_UNMAP, OP_VHOST,  OP_LOOKUP, OP_FREE,      OP_QUERY};

static void next_gen(program_decoder *d);
static uint64_t min_u64(uint64_t a, uint64_t b) {
    return a < b ? a : b;
}
static uint64_t max_u64(uint64_t a, uint64_t b) {
    return a > b ? a : b;
}
static uint64_t align_down(uint64_t x, uint64_t a) {
    return a ? x - x % a : x;
}
/* align_up that saturates to the largest multiple instead of wrapping (operands only). */
static uint64_t align_up_sat(uint64_t x, uint64_t a) {
    if (a == 0 || x % a == 0)
        return x;
    uint64_t r = a - x % a;
    return x > UINT64_MAX - r ? align_down(x, a) : x + r;
}

/* ---------------------------------------------------------------------------------------- */
/* Header                                                                                   */

static uint64_t window_size(unsigned cls, uint64_t jitter) {
    static const uint64_t tab[16] = {2 * MIB,  64 * MIB, 1 * GIB, 2 * GIB,  6 * GIB,    16 * GIB,
                                     18 * GIB, 64 * GIB, 1 * TIB, 64 * TIB, 1ull << 63, 0,
                                     33 * GIB, 0,        9 * GIB, 256 * GIB};
    if (cls == 11)
        return UINT64_MAX; /* "the rest of the address space", clamped by the caller */
    if (cls == 13)
        return jitter;
    return tab[cls];
}

static uint64_t window_base(unsigned cls, unsigned k, uint64_t size, uint64_t jitter) {
    static const uint64_t tab[16] = {
        0, 1 * GIB, 4 * GIB,    5 * GIB,           6 * GIB, 0, 4 * GIB - 2 * MIB, 1 * TIB,
        0, 0,       1ull << 63, 1 * MIB + 4 * KIB, 0,       0, 4 * GIB,           6 * GIB};
    switch (cls) {
    case 5:
        return 6 * GIB + (uint64_t)k * 4 * KIB; /* unaligned base */
    case 8:
        return size == UINT64_MAX ? 0 - TIB : 0 - size; /* ends at 2^64 */
    case 9:
        return (size >= (0 - 2 * MIB) ? 0 : 0 - size - 2 * MIB); /* 2 MiB below 2^64 */
    case 12:
        return jitter;
    case 13:
        return 0 - (uint64_t)(k + 1) * GIB;
    default:
        return tab[cls];
    }
}

static uint64_t budget_of(unsigned cls, unsigned k, uint64_t size, uint64_t jitter) {
    switch (cls) {
    case 0:
        return size;
    case 1:
        return size / 2;
    case 2:
        return 0;
    case 3:
        return 2 * MIB;
    case 4:
        return 1 * GIB;
    case 5:
        return 4 * GIB;
    case 6:
        return 12 * GIB;
    case 7:
        return 16 * GIB;
    case 8:
        return size > UINT64_MAX / 2 ? UINT64_MAX : size * 2;
    case 9:
        return UINT64_MAX;
    case 10:
        return size > 2 * MIB ? size - 2 * MIB : size;
    case 11:
        return size > UINT64_MAX - 2 * MIB ? size : size + (uint64_t)(k + 1) * 2 * MIB;
    case 12:
        return 1 * TIB;
    case 13:
        return 8 * GIB;
    case 14:
        return jitter;
    default:
        return 64 * GIB;
    }
}

static memdev_limit limit_of(uint8_t b, bool keep_invalid) {
    memdev_limit l = {limit_tab[b & 15], other_tab[(b >> 4) & 7]};
    if (l.other == UINT32_MAX)
        l.other = l.max;
    if (l.other > l.max && !keep_invalid)
        l.other = l.max;
    return l;
}

/*
 * Deep mode: a window with room for the prefill (1 PiB at a base chosen by h0, unaligned ones
 * included), the budget of the window, no hypervisor or vhost limit (vhost-add records may add
 * one later), DIMM slots from h2. The prefill comes from the prefix (decode_prefill).
 */
static void deep_config(program_decoder *d, const uint8_t *h) {
    static const uint64_t bases[8] = {4 * GIB, 6 * GIB, 1 * TIB,           4 * GIB + 4 * KIB,
                                      0,       1 * GIB, 6 * GIB + 2 * MIB, 64 * GIB};
    memdev_config *c = &d->config;
    c->base = bases[h[0] & 7];
    c->size = 1ull << 50;
    c->budget = c->size;
    c->dimm_slots = h[2] % 9u;
    c->vhost = d->vhost;
    static const uint32_t counts[4] = {256, 384, 512, 1040}; /* 1040: a second record page */
    /* p0 bits 6-7: a last virtio-mem device with this many plugged extents (0: none) */
    static const uint32_t extents[4] = {0, 48, 760, 1100}; /* see decode_prefill_extent */
    uint32_t e = extents[d->deep[0] >> 6];
    d->prefill_devs = counts[d->deep[0] & 3u];
    d->prefill_extents = e;
    d->prefill_left = d->prefill_devs + (e ? 1 + e : 0);
    d->prefill_next = c->base;
}

void program_decoder_init(program_decoder *d, const uint8_t *data, size_t size, program_mode mode) {
    uint8_t h[PROGRAM_HEADER_SIZE] = {0};
    size_t skip = mode == PROGRAM_DEEP ? PROGRAM_DEEP_PREFIX : 0;
    /* Only the small state: live[], gaps[] and the id map are rebuilt by refresh (the id map
     * by generation), so setting up a decoder per input clears a few hundred bytes. */
    d->mode = mode;
    d->ops = d->steps = 0;
    d->max_steps = mode == PROGRAM_DEEP ? 2 * PROGRAM_MAX_STEPS : PROGRAM_MAX_STEPS;
    d->bulk_left = d->bulk_i = d->bulk_cursor = 0;
    d->bulk_next = 0;
    d->prefill_left = d->prefill_i = d->prefill_devs = d->prefill_extents = 0;
    d->prefill_xoff = 0;
    d->in_prefill = d->checkpoint = d->library_allocator = false;
    d->kernels = 0;
    d->jitter = 0;
    memset(&d->config, 0, sizeof(d->config));
    memset(d->vhost, 0, sizeof(d->vhost));
    memset(&d->stats, 0, sizeof(d->stats));
    d->n_live = d->n_gaps = 0;
    next_gen(d);
    d->fresh = false;
    d->last_type = TRACE_OP_NONE;
    d->last_plugged = NULL;
    memset(d->deep, 0, sizeof(d->deep));
    memcpy(d->deep, data, min_u64(size, skip));
    data += min_u64(size, skip);
    size -= min_u64(size, skip);
    memcpy(h, data, min_u64(size, PROGRAM_HEADER_SIZE));
    d->data = data;
    d->size = size;
    d->pos = PROGRAM_HEADER_SIZE;
    for (unsigned i = 0; i < 8; i++)
        d->jitter |= (uint64_t)h[8 + i] << (8 * i);
    d->kernels = (uint8_t)((h[4] >> 4) & 3u); /* both modes */
    if (mode == PROGRAM_DEEP) {
        deep_config(d, h);
        return;
    }

    bool keep_invalid = (h[4] & 4) != 0;
    d->library_allocator = (h[4] & 8) != 0;
    unsigned k = h[1] >> 4;
    memdev_config *c = &d->config;
    c->size = window_size(h[0] >> 4, d->jitter);
    c->base = window_base(h[0] & 15, k, c->size, d->jitter);
    if (!keep_invalid) {
        if (c->size == 0)
            c->size = 1 * GIB;
        if (c->base + c->size < c->base && c->base + c->size != 0)
            c->size = 0 - c->base; /* clamp to end exactly at 2^64 */
        if (c->size == 0)          /* base 0 and "the rest": all but the last byte */
            c->size = UINT64_MAX;
    }
    c->budget = budget_of(h[1] & 15, k, c->size, d->jitter);
    c->dimm_slots = h[2] < 0xE0 ? h[2] % 9u : slots_tab[h[2] - 0xE0];
    if (c->dimm_slots > MEMDEV_MAX_DIMM_SLOTS && !keep_invalid)
        c->dimm_slots = MEMDEV_MAX_DIMM_SLOTS;
    c->has_kvm = (h[3] & 0x80) != 0;
    c->kvm = limit_of(h[3], keep_invalid);
    c->n_vhost = h[4] & 3u;
    for (unsigned i = 0; i < c->n_vhost; i++)
        d->vhost[i] = limit_of(h[5 + i], keep_invalid);
    c->vhost = d->vhost;
}

void program_space_op(const program_decoder *d, struct trace_op *op) {
    memset(op, 0, sizeof(*op));
    op->type = TRACE_OP_SPACE;
    op->config = d->config;
    op->config.vhost = NULL;
    for (unsigned i = 0; i < d->config.n_vhost; i++)
        op->vhost[i] = d->vhost[i];
}

/* ---------------------------------------------------------------------------------------- */
/* Shadow of the space                                                                      */

int program_pool_index(const char *id) {
    int ix = 0;
    bool long_form = strncmp(id, LONG_ID_PREFIX, sizeof LONG_ID_PREFIX - 1) == 0;
    if (long_form)
        id += sizeof LONG_ID_PREFIX - 1;
    bool octal = id[0] == 'd';
    for (int i = 1; octal && i < 5; i++) {
        octal = id[i] >= '0' && id[i] <= '7';
        ix = ix * 8 + (id[i] - '0');
    }
    if (octal && id[5] == '\0' && long_form == (ix % 8 == 7) &&
        ix < (int)(PROGRAM_ID_POOL - SPECIAL_IDS))
        return ix;
    for (unsigned k = 0; k < SPECIAL_IDS; k++)
        if (strcmp(id, special_id[k]) == 0)
            return (int)(PROGRAM_ID_POOL - SPECIAL_IDS + k);
    return -1;
}

static const char *pool_id(unsigned ix) {
    return ix >= PROGRAM_ID_POOL - SPECIAL_IDS ? special_id[ix - (PROGRAM_ID_POOL - SPECIAL_IDS)]
                                               : id_pool[ix];
}

static int collect(void *ctx, const memdev_device_info *info) {
    program_decoder *d = ctx;
    int ix = program_pool_index(info->id);
    if (ix < 0 || d->n_live >= PROGRAM_MAX_LIVE)
        return 0;
    d->live_gen[ix] = d->gen;
    d->live_idx[ix] = (uint16_t)d->n_live;
    program_dev *v = &d->live[d->n_live++];
    v->id = pool_id((unsigned)ix);
    v->kind = info->kind;
    v->empty = info->empty;
    v->addr = info->addr;
    v->size = info->size;
    v->align = info->align;
    v->slot = info->slot;
    v->memslots = info->memslots;
    v->mapped = info->mapped;
    v->memslot_size = info->memslot_size ? info->memslot_size : info->size;
    v->block = info->block;
    v->requested = info->requested;
    v->plugged = info->plugged;
    return 0;
}

/* The free ranges of the window, from the shadow (non-empty devices are in address order). */
static void find_gaps(program_decoder *d) {
    const memdev_config *c = &d->config;
    uint64_t wlast = c->base + (c->size - 1), next = c->base;
    bool open = true; /* `next` is a free byte (false once a device ends at 2^64 - 1) */
    d->n_gaps = 0;
    for (uint32_t i = 0; i < d->n_live; i++) {
        const program_dev *v = &d->live[i];
        if (v->empty || v->size == 0)
            continue;
        if (open && v->addr > next)
            d->gaps[d->n_gaps++] = (program_gap){next, v->addr - 1};
        uint64_t last = v->addr + (v->size - 1);
        open = last < wlast;
        next = last + 1;
    }
    if (open && next <= wlast)
        d->gaps[d->n_gaps++] = (program_gap){next, wlast};
}

/* A new generation of the id map: every earlier entry is stale (0 is never a generation). */
static void next_gen(program_decoder *d) {
    if (++d->gen == 0) {
        memset(d->live_gen, 0, sizeof(d->live_gen));
        d->gen = 1;
    }
}

/* Rebuilds the shadow when the state may have changed since the last refresh. */
static void refresh(program_decoder *d, const memdev_space *sp) {
    memdev_stats st;
    if (!sp) {
        d->n_live = 0;
        d->n_gaps = 0;
        next_gen(d);
        memset(&d->stats, 0, sizeof(d->stats));
        return;
    }
    memdev_stats_get(sp, &st);
    /* A resize changes only a device's requested size: the one change stats do not show. */
    if (d->fresh && d->last_type != TRACE_OP_RESIZE && memcmp(&st, &d->stats, sizeof(st)) == 0)
        return;
    d->stats = st;
    d->n_live = 0;
    next_gen(d);
    memdev_foreach(sp, collect, d);
    find_gaps(d);
    d->fresh = true;
}

static const program_dev *find_live(const program_decoder *d, const char *id) {
    int ix = program_pool_index(id);
    return ix >= 0 && d->live_gen[ix] == d->gen ? &d->live[d->live_idx[ix]] : NULL;
}

/* A pool id that is not plugged, from index i on; unknown_id when every one is. */
static const char *free_id(const program_decoder *d, unsigned i) {
    for (unsigned n = 0; n < PROGRAM_ID_POOL; n++) {
        const char *id = pool_id((i + n) % PROGRAM_ID_POOL);
        if (!find_live(d, id))
            return id;
    }
    return unknown_id;
}

/* Non-empty live devices. */
static uint32_t n_placed(const program_decoder *d) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < d->n_live; i++)
        n += !d->live[i].empty;
    return n;
}

/* The j-th non-empty live device (j taken modulo their number), or NULL. */
static const program_dev *placed(const program_decoder *d, uint32_t j) {
    uint32_t n = n_placed(d);
    if (n == 0)
        return NULL;
    j %= n;
    for (uint32_t i = 0; i < d->n_live; i++)
        if (!d->live[i].empty && j-- == 0)
            return &d->live[i];
    return NULL;
}

/*
 * The device an operation targets, from selector s (and hi, which widens the choice to
 * deep trees): mostly a live device of the wanted kind (want < 0: any non-empty), sometimes
 * the one plugged last, any live one (wrong kind), or an id that is not plugged.
 */
static const program_dev *select_dev(const program_decoder *d, uint8_t s, uint8_t hi, int want,
                                     const char **id) {
    if (d->n_live > 0 && s < 0xD0) {
        uint32_t match = 0;
        for (uint32_t i = 0; i < d->n_live; i++)
            match += want < 0 ? !d->live[i].empty : d->live[i].kind == (memdev_kind)want;
        if (match > 0) {
            uint32_t pick = ((uint32_t)hi * 0xD0u + s) % match;
            for (uint32_t i = 0; i < d->n_live; i++) {
                bool ok = want < 0 ? !d->live[i].empty : d->live[i].kind == (memdev_kind)want;
                if (ok && pick-- == 0) {
                    *id = d->live[i].id;
                    return &d->live[i];
                }
            }
        }
        *id = d->live[s % d->n_live].id;
        return &d->live[s % d->n_live];
    }
    if (s < 0xE0 && d->last_plugged && find_live(d, d->last_plugged)) {
        *id = d->last_plugged;
        return find_live(d, d->last_plugged);
    }
    if ((s & 1) && d->n_live > 0) {
        *id = d->live[(s >> 1) % d->n_live].id;
        return &d->live[(s >> 1) % d->n_live];
    }
    *id = s == 0xFE ? unknown_id : free_id(d, (s >> 1) & 63u);
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Sizes, alignments, hints                                                                 */

/* Usable size of a free range for alignment a (0 when no aligned byte is in it). */
static uint64_t gap_usable(const program_gap *g, uint64_t a) {
    uint64_t s = align_up_sat(g->first, a);
    if (s < g->first || s > g->last)
        return 0;
    return g->last - s + 1;
}

/* The free range a gap selector picks (the whole window when nothing is plugged). */
static program_gap pick_gap(const program_decoder *d, uint32_t sel) {
    if (d->n_gaps == 0) {
        program_gap w = {d->config.base, d->config.base + (d->config.size - 1)};
        return w;
    }
    return d->gaps[sel % d->n_gaps];
}

/*
 * A region size from byte b: multiples of common units; sizes relative to a free range (the
 * one gsel picks, or the largest): its usable size for the alignment and its length, each
 * exactly, one byte more or less, one alignment unit more or less; the remaining budget;
 * fractions of the window; sizes near 2^64; sizes that are not page multiples.
 */
static uint64_t pick_size(const program_decoder *d, uint8_t b, uint64_t align, uint32_t gsel) {
    uint64_t k = (b & 31u) + 1;
    uint64_t left =
        d->config.budget > d->stats.used_size ? d->config.budget - d->stats.used_size : 0;
    uint64_t v;
    switch (b >> 5) {
    case 0:
        return k * 2 * MIB;
    case 1:
        return k * 128 * MIB;
    case 2:
        return k * GIB;
    case 3: {
        program_gap g = pick_gap(d, gsel);
        if ((b & 16) && d->stats.largest_gap) /* the largest free range, by its size */
            g.last = g.first + (d->stats.largest_gap - 1);
        uint64_t len = g.last - g.first + 1 ? g.last - g.first + 1 : UINT64_MAX;
        uint64_t u = gap_usable(&g, align);
        switch (b & 7) {
        case 0:
            v = u;
            break;
        case 1:
            v = u - 1;
            break;
        case 2:
            v = u + 1;
            break;
        case 3:
            v = u > align ? u - align : u;
            break;
        case 4:
            v = u <= UINT64_MAX - align ? u + align : u;
            break;
        case 5:
            v = len;
            break;
        case 6:
            v = len - 1;
            break;
        default:
            v = len + 1;
            break;
        }
        return v ? v : align;
    }
    case 4:
        v = (k & 1) ? left : left + 2 * MIB;
        return v ? v : 4 * MIB;
    case 5:
        v = d->config.size >> (k & 7);
        return v ? v : 2 * MIB;
    case 6:
        return (k & 1) ? 0 - k * 2 * MIB : 1ull << (63 - (k & 15));
    default:
        if (k == 1)
            return 0;
        return k * 4 * KIB + ((k & 4) ? 1 : 0);
    }
}

static uint64_t pick_align(uint8_t b) {
    unsigned e = b >> 3;
    switch (b & 7) {
    case 1:
        return 4 * KIB;
    case 3:
        return 1 * GIB;
    case 4:
        return 1ull << (e * 2 > 63 ? 63 : e * 2);
    case 5:
        return 64 * KIB;
    case 6: /* hv-balloon's minimum, twice it (a balloon asks for more), 2^63 */
        return (e & 1) ? 1ull << 63 : (e & 2) ? 64 * GIB : 32 * GIB;
    case 7:
        return 1ull << e;
    default:
        return 2 * MIB;
    }
}

/*
 * A fixed address from byte b (form b & 7) and selector j (a device or a free range): the
 * first-fit answer, a free range's first byte (as is and aligned, or the last aligned place
 * before it: in the device before the range, its last byte when the alignment is 1), the
 * last aligned place a device of this size fits in a free range (and one unit further,
 * overlapping the next device), the middle of a device, the window's edges, raw and
 * wrapping values.
 */
static uint64_t pick_hint(const program_decoder *d, memdev_space *sp, uint8_t b, uint32_t j,
                          uint64_t size, uint64_t palign) {
    const memdev_config *c = &d->config;
    const program_dev *v = placed(d, j);
    program_gap g = pick_gap(d, j);
    uint64_t a = 0;
    switch (b & 7) {
    case 0:
        if (sp && memdev_free(sp, size ? size : 1, palign, &a) == 0)
            return a;
        return align_up_sat(c->base, palign);
    case 1:
        return g.first;
    case 2:
        if ((j >> 4) & 1 && g.first > 0)
            return align_down(g.first - 1, palign);
        return align_up_sat(g.first, palign);
    case 3:
        return v ? v->addr + align_down(v->size / 2, palign) : c->base;
    case 4:
        return align_up_sat(c->base, palign);
    case 5:
        return align_down(c->base + c->size - size, palign);
    case 6:
        a = align_down(g.last - (size ? size - 1 : 0), palign);
        return (j >> 4) & 1 ? a + palign : a;
    default:
        if ((j & 15) == 0)
            return 0;
        if ((j & 15) == 1)
            return 0 - palign;
        a = d->jitter ^ ((uint64_t)j * 0x9e3779b97f4a7c15ull);
        return (j & 1) ? a : align_down(a, palign);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Plug                                                                                     */

static const memdev_kind kind_tab[8] = {MEMDEV_DIMM,       MEMDEV_NVDIMM,     MEMDEV_VIRTIO_PMEM,
                                        MEMDEV_VIRTIO_MEM, MEMDEV_HV_BALLOON, MEMDEV_VIRTIO_MEM,
                                        MEMDEV_DIMM,       MEMDEV_HV_BALLOON};

/* Kind-specific fields from r2 bits 5-7 and r6. */
static void plug_kind_fields(const program_decoder *d, const uint8_t *r, memdev_device_desc *p) {
    uint8_t f = r[2] >> 5;
    switch (p->kind) {
    case MEMDEV_DIMM:
    case MEMDEV_NVDIMM:
        if (f & 1) {
            p->fields |= MEMDEV_F_SLOT;
            p->slot = r[6] % (d->config.dimm_slots + 2u);
            for (uint32_t i = 0, n = 0; (r[6] & 0x80) && i < d->n_live; i++)
                if (d->live[i].slot >= 0 && n++ == (r[6] & 0x7fu) % 4u)
                    p->slot = (uint32_t)d->live[i].slot; /* a busy slot */
        }
        if (p->kind == MEMDEV_NVDIMM && (f & 2)) {
            p->fields |= MEMDEV_F_LABEL;
            p->label = label_tab[r[6] & 3];
        }
        break;
    case MEMDEV_VIRTIO_MEM: {
        uint64_t block = MEMDEV_DEFAULT_BLOCK;
        if (f & 2) {
            p->fields |= MEMDEV_F_BLOCK;
            block = p->block = vblock_tab[r[6] & 7];
        }
        p->size = align_up_sat(p->size, block);
        if (f & 1) {
            p->fields |= MEMDEV_F_DYNAMIC;
            p->dynamic = true;
        }
        if (f & 4) {
            unsigned m = r[6] >> 3;
            p->fields |= MEMDEV_F_REQUESTED;
            p->requested = m == 0   ? 0
                           : m == 1 ? block
                           : m == 2 ? align_down(p->size / 2, block)
                           : m == 3 ? p->size
                                    : min_u64(p->size, align_down((uint64_t)m * block, block));
        }
        break;
    }
    case MEMDEV_HV_BALLOON:
        if (f & 1)
            p->fields |= MEMDEV_F_EMPTY;
        break;
    default:
        break;
    }
}

/* Spec check 0: one malformation per selector, so every invalid-argument rule is reachable;
 * and (11) values without their flags, which must change nothing. */
static void plug_malform(program_decoder *d, uint8_t sel, memdev_device_desc *p, const char **id) {
    bool vmem = p->kind == MEMDEV_VIRTIO_MEM, dimm = p->kind <= MEMDEV_NVDIMM;
    uint64_t block = (p->fields & MEMDEV_F_BLOCK) ? p->block : MEMDEV_DEFAULT_BLOCK;
    switch (sel) {
    case 0:
        p->size = 0;
        break;
    case 1:
        p->align = 0;
        break;
    case 2:
        p->align = 3 * 4 * KIB;
        break;
    case 3:
        p->fields |= dimm ? MEMDEV_F_BLOCK : MEMDEV_F_SLOT;
        p->block = dimm ? 2 * MIB : p->block;
        break;
    case 4:
        p->fields |= MEMDEV_F_BLOCK;
        p->block = vmem ? 512 * KIB : 2 * MIB;
        break;
    case 5:
        p->fields |= MEMDEV_F_REQUESTED;
        p->requested = vmem ? p->size + block : 0;
        break;
    case 6:
        p->fields |= MEMDEV_F_LABEL;
        p->label = p->kind == MEMDEV_NVDIMM ? 64 * KIB : 128 * KIB;
        break;
    case 7:
        if (vmem) {
            p->fields |= MEMDEV_F_BLOCK;
            p->block = 3 * MIB;
        } else {
            p->fields |= MEMDEV_F_DYNAMIC;
            p->dynamic = true;
        }
        break;
    case 8:
        p->fields |= MEMDEV_F_EMPTY;
        if (p->kind == MEMDEV_HV_BALLOON)
            p->fields |= MEMDEV_F_ADDR; /* addr on an empty device */
        break;
    case 9:
        if (vmem)
            p->size += 1 * MIB;
        else if (p->kind == MEMDEV_NVDIMM) {
            p->fields |= MEMDEV_F_LABEL;
            p->label = p->size; /* mapped size 0 */
        } else
            p->size = 0;
        break;
    case 10:
        if (vmem) {
            p->fields |= MEMDEV_F_REQUESTED;
            p->requested = block / 2;
        } else if (p->kind == MEMDEV_NVDIMM) {
            p->fields |= MEMDEV_F_LABEL;
            p->label = 1;
        } else
            p->align = 0;
        break;
    case 11: /* every value without its flag: none may count (a VMM's stale struct) */
        if (!(p->fields & MEMDEV_F_ADDR))
            p->addr = 0x123456789000ull;
        if (!(p->fields & MEMDEV_F_SLOT))
            p->slot = 7;
        if (!(p->fields & MEMDEV_F_BLOCK))
            p->block = 3 * MIB; /* not a power of two: refused if it counted */
        if (!(p->fields & MEMDEV_F_REQUESTED))
            p->requested = p->size;
        if (!(p->fields & MEMDEV_F_LABEL))
            p->label = 64 * KIB; /* below the minimum: refused if it counted */
        if (!(p->fields & MEMDEV_F_DYNAMIC))
            p->dynamic = true;
        if (!(p->fields & MEMDEV_F_NODE))
            p->node = 9;
        if (!(p->fields & MEMDEV_F_MEMDEV))
            p->memdev = "unflagged";
        break;
    case 12:
        p->fields |= 1u << 12;
        break; /* a field bit the API does not define */
    case 13:
        p->kind = (memdev_kind)(MEMDEV_KIND_COUNT + 2);
        break; /* no such kind */
    case 14:
        *id = "";
        break; /* an empty id */
    default:
        if (d->n_live > 0) /* the id of a plugged device */
            *id = d->live[sel % d->n_live].id;
        break;
    }
}

static void decode_plug(program_decoder *d, memdev_space *sp, const uint8_t *r,
                        struct trace_op *op) {
    memdev_device_desc *p = &op->desc;
    const char *id = (r[1] & 0x40) ? special_id[r[1] & 7u] : id_pool[r[1] & 63u];
    bool malformed = (r[2] & 0x10) != 0;
    /* which device or free range hints and gap-relative sizes refer to: 9 bits, or 5 when
     * r7's low nibble selects a malformation */
    uint32_t sel = (uint32_t)(r[5] >> 3) | (malformed ? 0u : (uint32_t)(r[7] & 15u) << 5);
    if (!(r[1] & 0xC0)) /* bit 7: keep a plugged id (duplicate-id); bit 6: an edge id */
        id = find_live(d, id) ? free_id(d, r[1] & 63u) : id;
    op->type = TRACE_OP_PLUG;
    p->kind = kind_tab[r[2] & 7];
    p->align = pick_align(r[4]);
    uint64_t minalign = p->kind == MEMDEV_HV_BALLOON ? 32 * GIB : 1;
    p->size = pick_size(d, r[3], max_u64(p->align, minalign), sel);
    plug_kind_fields(d, r, p);
    if (r[7] >> 4) {
        p->fields |= MEMDEV_F_NODE;
        p->node = (r[7] >> 4) - 1u;
        if ((r[7] >> 4) == 15) {
            p->fields |= MEMDEV_F_MEMDEV;
            p->memdev = "mem0";
        }
    }
    if (malformed)
        plug_malform(d, r[7] & 15u, p, &id);
    if (p->kind == MEMDEV_VIRTIO_MEM)
        minalign = (p->fields & MEMDEV_F_BLOCK) ? p->block : MEMDEV_DEFAULT_BLOCK;
    uint64_t palign = max_u64(p->align, minalign);
    if (palign & (palign - 1))
        palign = 2 * MIB;
    if ((r[2] & 0x08) || (p->fields & MEMDEV_F_ADDR)) {
        p->fields |= MEMDEV_F_ADDR;
        p->addr = pick_hint(d, sp, r[5], sel, p->size, palign);
    }
    p->id = id;
    d->last_plugged = id;
}

/* ---------------------------------------------------------------------------------------- */
/* Other operations                                                                         */

/* Moves [off, off+len) (len in blocks) toward blocks that are all in state `want`. */
static void vmem_nudge(const memdev_space *sp, const char *id, uint64_t block, uint64_t nb,
                       int want, uint64_t *off, uint64_t *len) {
    int st = -1;
    if (!sp || memdev_vmem_state(sp, id, *off, *len, &st) != 0 || st == want)
        return;
    uint64_t idx = *off / block;
    for (uint64_t n = 0; n < 64 && n < nb; n++) {
        uint64_t i = (idx + n) % nb;
        if (memdev_vmem_state(sp, id, i * block, block, &st) == 0 && st == want) {
            *off = i * block;
            *len = block;
            return;
        }
    }
}

/*
 * The run of blocks in state `want` (0 unplugged, 1 plugged) at or after block idx, at most
 * 64 blocks looked at each way, as [*s, *e) in blocks; false when none was found. Its edges
 * are where the device's plugged extents begin and end (or the device's ends).
 */
static bool vmem_run(const memdev_space *sp, const char *id, uint64_t block, uint64_t nb, int want,
                     uint64_t idx, uint64_t *s, uint64_t *e) {
    int st = -1;
    uint64_t n = 0;
    if (!sp)
        return false;
    while (n < 64 && idx < nb &&
           !(memdev_vmem_state(sp, id, idx * block, block, &st) == 0 && st == want))
        idx++, n++;
    if (n == 64 || idx >= nb)
        return false;
    *s = idx, *e = idx + 1;
    for (n = 0; n < 64 && *s > 0; n++, --*s)
        if (memdev_vmem_state(sp, id, (*s - 1) * block, block, &st) != 0 || st != want)
            break;
    for (n = 0; n < 64 && *e < nb; n++, ++*e)
        if (memdev_vmem_state(sp, id, *e * block, block, &st) != 0 || st != want)
            break;
    return true;
}

/*
 * A virtio-mem guest request: r1 (and r6) select the device, r2 the first block, r3 the
 * length in blocks, r4 bits 0-2 the form (block runs, memslot-sized runs, what the requested
 * size leaves, the whole device, unaligned, empty, past the end, wrapping), bit 3 keeps the
 * range as decoded instead of nudging it to blocks in the opposite state, bits 4-6 perturb
 * the length and r5 the offset (one byte, 4 KiB, half a block more or less, ranges that end
 * past the device or wrap), so every legal and illegal range is reachable.
 * r4 bit 7: the range is cut from the run of blocks in the opposite state at or after the
 * first block (the gap between two plugged extents for a plug, an extent for an unplug):
 * r3 bits 4-5 take all of it, its last k blocks, its first k, or all but its end blocks
 * (k = r3 % 16 + 1), so plugs that join the extents on both sides or one side, and
 * unplugs of an extent's tail or middle (which split it) are made on purpose.
 */
static void decode_vmem(program_decoder *d, const memdev_space *sp, const uint8_t *r, bool plug,
                        struct trace_op *op) {
    const program_dev *v = select_dev(d, r[1], r[6], MEMDEV_VIRTIO_MEM, &op->id);
    uint64_t size = v ? v->size : 1 * GIB;
    uint64_t b = v && v->block ? v->block : MEMDEV_DEFAULT_BLOCK;
    uint64_t nb = size / b ? size / b : 1;
    uint64_t idx = nb > 256 ? (r[2] * nb) >> 8 : r[2] % nb;
    uint64_t off = idx * b, len = min_u64((r[3] & 15u) + 1u, nb - idx) * b;
    uint64_t ms = v && v->memslot_size ? v->memslot_size : size;
    switch (r[4] & 7) {
    case 1:
        off = (r[2] % (v && v->memslots ? v->memslots : 1u)) * ms;
        len = off < size ? min_u64(ms, size - off) : b;
        break;
    case 2: {
        uint64_t room = v && v->requested > v->plugged ? v->requested - v->plugged : b;
        len = align_down(min_u64(room, size - off), b);
        len = len ? len : b;
        break;
    }
    case 3:
        off = 0, len = size;
        break;
    case 4:
        off += 4 * KIB * ((r[3] & 7u) + 1u), len = b;
        break;
    case 5:
        len = 0;
        break;
    case 6:
        off = size - b * (r[3] & 1u), len = 2 * b;
        break;
    case 7:
        if (r[3] & 1)
            off = b, len = 0 - b;
        else
            off = 0 - b, len = 2 * b;
        break;
    default:
        break;
    }
    uint64_t rs, re;
    if ((r[4] & 0x80) && vmem_run(sp, op->id, b, nb, plug ? 0 : 1, idx, &rs, &re)) {
        uint64_t k = min_u64((r[3] & 15u) + 1u, re - rs);
        switch ((r[3] >> 4) & 3) {
        case 1:
            rs = re - k;
            break;
        case 2:
            re = rs + k;
            break;
        case 3:
            if (re - rs >= 3)
                rs++, re--;
            break;
        default:
            break;
        }
        off = rs * b, len = (re - rs) * b;
    } else if ((r[4] & 7) <= 2 && !(r[4] & 8)) {
        vmem_nudge(sp, op->id, b, nb, plug ? 0 : 1, &off, &len);
    }
    switch ((r[4] >> 4) & 7) {
    case 1:
        len += 1;
        break;
    case 2:
        len -= 1;
        break;
    case 3:
        len += 4 * KIB;
        break;
    case 4:
        len -= 4 * KIB;
        break;
    case 5:
        len += b / 2;
        break;
    case 6:
        len = off < size ? size - off + b : b;
        break;
    case 7:
        len = b * ((r[3] >> 4) + 1u) - (b >> (1 + (r[3] & 3u)));
        break;
    default:
        break;
    }
    switch (r[5] & 7) {
    case 1:
        off += 1;
        break;
    case 2:
        off -= 1;
        break;
    case 3:
        off += 4 * KIB;
        break;
    case 4:
        off = off >= b ? off - b : off;
        break;
    case 5:
        off = size;
        break;
    case 6:
        off = size - len + b;
        break;
    case 7:
        off = UINT64_MAX - len / 2;
        break;
    default:
        break;
    }
    op->type = TRACE_OP_VMEM;
    op->vmem_plug = plug;
    op->offset = off;
    op->length = len;
}

static void decode_resize(program_decoder *d, const uint8_t *r, struct trace_op *op) {
    const program_dev *v = select_dev(d, r[1], r[4], MEMDEV_VIRTIO_MEM, &op->id);
    uint64_t size = v ? v->size : 1 * GIB;
    uint64_t b = v && v->block ? v->block : MEMDEV_DEFAULT_BLOCK;
    uint64_t req;
    switch (r[2] & 7) {
    case 0:
        req = 0;
        break;
    case 1:
        req = min_u64(b * ((uint64_t)r[3] + 1), size);
        break;
    case 2:
        req = size;
        break;
    case 3:
        req = align_down(size / 2, b);
        break;
    case 4:
        req = v ? v->plugged : 0;
        break;
    case 5:
        req = size + b;
        break;
    case 6:
        req = b / 2;
        break;
    default:
        req = (uint64_t)r[3] * MIB;
        break;
    }
    op->type = TRACE_OP_RESIZE;
    op->requested = req;
}

static void decode_map(program_decoder *d, const memdev_space *sp, const uint8_t *r, bool map,
                       struct trace_op *op) {
    const program_dev *v = select_dev(d, r[1], r[4], MEMDEV_HV_BALLOON, &op->id);
    uint32_t n = v && v->memslots ? v->memslots : 1;
    uint32_t idx;
    if (r[2] >= 0xF0) {
        idx = r[2] == 0xFF ? UINT32_MAX : n + (r[2] - 0xF0u);
    } else {
        idx = r[2] % n;
        bool m;
        for (uint32_t k = 0; sp && !(r[3] & 0x80) && k < 64 && k < n; k++) {
            uint32_t i = (idx + k) % n;
            if (memdev_memslot_mapped(sp, op->id, i, &m) == 0 && m != map) {
                idx = i;
                break;
            }
        }
    }
    op->type = map ? TRACE_OP_MAP : TRACE_OP_UNMAP;
    op->index = idx;
}

static void decode_vhost(program_decoder *d, const uint8_t *r, struct trace_op *op) {
    memdev_limit l = {limit_tab[r[2] & 15], 0};
    uint32_t busy = d->stats.used + d->stats.reserved;
    switch (r[3] & 7) {
    case 0:
        l.other = 0;
        break;
    case 1:
        l.other = 1;
        break;
    case 2:
        l.other = 5;
        break;
    case 3:
        l.other = 64 < l.max ? 64 : l.max;
        break;
    case 4:
        l.other = l.max >= busy ? l.max - busy : 0;
        break; /* exactly fits */
    case 5:
        l.other = l.max >= busy ? l.max - busy + 1 : l.max;
        break; /* one too many */
    case 6:
        l.other = l.max;
        break;
    default:
        l.other = l.max + 1;
        break; /* other > max */
    }
    if ((r[3] & 7) == 5 && l.other > l.max)
        l.other = l.max;
    op->type = TRACE_OP_VHOST_ADD;
    op->limit = l;
}

static void decode_lookup(program_decoder *d, const uint8_t *r, struct trace_op *op) {
    const memdev_config *c = &d->config;
    const program_dev *v = placed(d, (uint32_t)r[3] | (uint32_t)r[4] << 8);
    program_gap g = pick_gap(d, (uint32_t)r[3] | (uint32_t)r[4] << 8);
    uint64_t g0;
    switch (r[2] & 7) {
    case 0:
        g0 = v ? v->addr : c->base;
        break;
    case 1:
        g0 = v ? v->addr + v->size - 1 : c->base;
        break;
    case 2:
        g0 = v ? v->addr + v->size : c->base;
        break;
    case 3:
        g0 = (r[2] & 8) ? g.last : g.first;
        break;
    case 4:
        g0 = c->base - 1;
        break;
    case 5:
        g0 = c->base + c->size - 1;
        break;
    case 6:
        g0 = v ? v->addr + ((r[3] >> 4) % (v->memslots ? v->memslots : 1u)) * v->memslot_size
               : c->base;
        g0 -= (r[2] & 8) ? 1 : 0;
        break;
    default:
        g0 = r[3] == 0 ? 0 : r[3] == 255 ? UINT64_MAX : d->jitter ^ (r[3] * 0x9e3779b97f4a7c15ull);
        break;
    }
    op->type = TRACE_OP_LOOKUP;
    op->gpa = g0;
}

static void decode_free(program_decoder *d, const uint8_t *r, struct trace_op *op) {
    op->type = TRACE_OP_FREE;
    op->align = pick_align(r[4]);
    if (r[2] & 1)
        op->align = (r[2] & 2) ? 0 : 3 * MIB;
    op->size = pick_size(d, r[3], op->align, r[5]);
}

/*
 * A bulk record (r0 variant v = r0 >> 4) builds or thins out a large tree within the record
 * limit. v even: plugs 8 + r1 % 32 devices (deep mode: % 64) of one shape (kind r2, size r3,
 * alignment r4); r5 bit 0: every other one twice as large; bit 1: placed by hints, each
 * r6-selected hole after the previous one (holes anywhere, not only alignment holes); bit 2:
 * every other one aligned to 1 GiB; ids from d0100 on. v odd: r1 % 64 + 1 unplugs of every
 * (r2 % 8)-th device of the list, starting at r3 (and r4 for deep trees); the shadow loses an
 * unplugged device by moving its last one into the place, so stride 1 is a run of neighbours
 * in address order and stride 0 takes the device at r3, then the highest ones. Each expanded
 * operation is decoded from the state at that moment, like any other.
 */
static uint32_t bulk_count(const program_decoder *d, const uint8_t *r) {
    if ((r[0] >> 4) & 1)
        return (r[1] & 63u) + 1u;
    return (r[1] & (d->mode == PROGRAM_DEEP ? 63u : 31u)) + 8u;
}

static uint64_t hole_size(uint8_t b, uint32_t i) {
    static const uint64_t unit[4] = {4 * KIB, 2 * MIB, 1 * GIB, 4 * KIB + 1};
    return unit[b & 3] * (((b >> 2) + i) % 5u);
}

static void decode_bulk(program_decoder *d, struct trace_op *op) {
    const uint8_t *r = d->bulk;
    if ((r[0] >> 4) & 1) {
        uint32_t start = (uint32_t)r[3] | (uint32_t)r[4] << 8;
        op->type = TRACE_OP_UNPLUG;
        if (d->n_live == 0) {
            op->id = unknown_id;
            return;
        }
        uint32_t i = (start + d->bulk_i * (r[2] % 8u)) % d->n_live;
        op->id = d->live[i].id;
        if (d->live[i].kind == MEMDEV_VIRTIO_MEM || d->live[i].kind == MEMDEV_DIMM) {
            /* unpluggable kinds: as if it went (the refresh after the bulk tells); the last
             * entry takes its place, so the shadow's order is not address order meanwhile */
            d->live_gen[program_pool_index(op->id)] = 0;
            d->live[i] = d->live[--d->n_live];
            if (i < d->n_live)
                d->live_idx[program_pool_index(d->live[i].id)] = (uint16_t)i;
        }
        return;
    }
    memdev_device_desc *p = &op->desc;
    op->type = TRACE_OP_PLUG;
    p->kind = kind_tab[r[2] & 7];
    p->align = pick_align(r[4]);
    if ((r[5] & 4) && (d->bulk_i & 1))
        p->align = 1 * GIB;
    p->size = pick_size(d, r[3], p->align, d->bulk_i);
    if ((r[5] & 1) && (d->bulk_i & 1) && p->size <= UINT64_MAX / 2)
        p->size *= 2;
    if (p->kind == MEMDEV_VIRTIO_MEM)
        p->size = align_up_sat(p->size, MEMDEV_DEFAULT_BLOCK);
    if (r[5] & 2) {
        uint64_t palign =
            p->kind == MEMDEV_VIRTIO_MEM ? max_u64(p->align, MEMDEV_DEFAULT_BLOCK) : p->align;
        if (d->bulk_i == 0)
            d->bulk_next = d->n_gaps ? d->gaps[d->n_gaps - 1].first : d->config.base;
        p->fields |= MEMDEV_F_ADDR;
        p->addr = align_up_sat(d->bulk_next, palign ? palign : 1);
        d->bulk_next = p->addr + p->size + hole_size(r[6], d->bulk_i);
    }
    /* Ids after the cursor that were free when the bulk began: the shadow is not refreshed
     * between the plugs of one bulk (an O(n) walk each), so the cursor keeps them distinct. */
    p->id = free_id(d, d->bulk_cursor);
    d->bulk_cursor = (uint32_t)(program_pool_index(p->id) + 1) % PROGRAM_ID_POOL;
    d->last_plugged = p->id;
}

/* ---------------------------------------------------------------------------------------- */
/* Deep mode: the prefill                                                                   */

static uint64_t mix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/*
 * The prefill's last device (p0 bits 6-7, deep_config) and its extents: a virtio-mem device
 * of 3 * E blocks of 2 MiB, requested size all of it, then E plug requests of one block each in
 * ascending order, one or two blocks apart (by the hash): E extents, so an extent tree of
 * two leaves (48), of two inner levels whose right node is at its minimum of children right
 * after the root split (760: a leaf merge under it merges the two inner nodes and collapses
 * the root), or with room on both sides (1100). Nothing else builds the 751 extents an inner
 * split needs (xtree.c: leaves of 30, split 24 | 7 at the end) within a program's operations.
 * With p0 bit 4 the extents are 3 blocks long, one free block apart (a device of 4 * E
 * blocks): single blocks can only join, but an unplug of a long extent's middle block splits
 * it in two, so the extents can grow in number under one inner node, which then splits in its
 * middle, or grows beyond what a merge with its neighbour fits, which then borrows from it.
 */
static void decode_prefill_extent(program_decoder *d, uint32_t i, uint64_t h, struct trace_op *op) {
    uint32_t e = d->prefill_extents;
    bool runs = (d->deep[0] >> 4) & 1u; /* extents of 3 blocks, 4 blocks apart */
    const char *id = id_pool[512 + d->prefill_devs];
    if (i == d->prefill_devs) {
        memdev_device_desc *dd = &op->desc;
        op->type = TRACE_OP_PLUG;
        dd->kind = MEMDEV_VIRTIO_MEM;
        dd->size = (runs ? 4ull : 3ull) * e * MEMDEV_DEFAULT_BLOCK;
        dd->align = MEMDEV_DEFAULT_BLOCK;
        dd->requested = dd->size;
        dd->fields = MEMDEV_F_ADDR | MEMDEV_F_REQUESTED;
        dd->addr = align_up_sat(d->prefill_next, dd->align);
        dd->id = id;
        return;
    }
    op->type = TRACE_OP_VMEM;
    op->id = id;
    op->vmem_plug = true;
    op->offset = d->prefill_xoff;
    op->length = (runs ? 3u : 1u) * MEMDEV_DEFAULT_BLOCK;
    d->prefill_xoff += MEMDEV_DEFAULT_BLOCK * (runs ? 4u : 2u + ((h >> 40) & 1u));
}

/*
 * Prefill plug i: p0 bits 0-1 the count (256, 384, 512, 1040), bits 2-3 the share of virtio-pmem
 * (permanent) among virtio-mem (unpluggable) devices; p1 the size unit (4 KiB, 2 MiB, 64 MiB,
 * 1 GiB) and spread; p2 how often a hole follows and its unit; p3 the alignment mix (4 KiB,
 * 2 MiB, 1 GiB). Addresses ascend, so the model's conflict scan is the only O(n) part. Then,
 * when p0 bits 6-7 ask for it, a virtio-mem device with many extents, of one block or (bit 4)
 * three (decode_prefill_extent).
 */
static void decode_prefill(program_decoder *d, struct trace_op *op) {
    static const uint64_t unit[4] = {4 * KIB, 2 * MIB, 64 * MIB, 1 * GIB};
    static const uint64_t aligns[4] = {4 * KIB, 2 * MIB, 2 * MIB, 1 * GIB};
    const uint8_t *p = d->deep;
    uint32_t i = d->prefill_i;
    uint64_t h = mix64(((uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3]) ^
                       ((uint64_t)i << 32));
    if (i >= d->prefill_devs) {
        decode_prefill_extent(d, i, h, op);
        return;
    }
    memdev_device_desc *dd = &op->desc;
    op->type = TRACE_OP_PLUG;
    bool pmem = (h & 3u) < ((p[0] >> 2) & 3u);
    dd->kind = pmem ? MEMDEV_VIRTIO_PMEM : MEMDEV_VIRTIO_MEM;
    uint64_t u = unit[p[1] & 3];
    dd->size = u * (1 + (h >> 8) % (1u + ((p[1] >> 2) & 7u)));
    dd->align = aligns[((h >> 16) & 3u) < (p[3] & 3u) ? (h >> 20) & 3u : 1];
    if (!pmem) {
        dd->size = align_up_sat(dd->size, MEMDEV_DEFAULT_BLOCK);
        dd->align = max_u64(dd->align, MEMDEV_DEFAULT_BLOCK);
    }
    dd->size = align_up_sat(dd->size, dd->align); /* spec check 5 */
    dd->fields = MEMDEV_F_ADDR;
    dd->addr = align_up_sat(d->prefill_next, dd->align);
    uint64_t hole =
        ((h >> 24) & 7u) < (p[2] & 7u) ? unit[(p[2] >> 3) & 3] * (1 + ((h >> 28) & 3u)) : 0;
    d->prefill_next = dd->addr + dd->size + hole;
    dd->id = id_pool[512 + i];
}

static void decode_record(program_decoder *d, memdev_space *sp, const uint8_t *r,
                          struct trace_op *op) {
    switch (op_tab[r[0] & 15]) {
    case OP_PLUG:
        decode_plug(d, sp, r, op);
        break;
    case OP_UNPLUG:
        select_dev(d, r[1], r[2], (r[0] & 0x10) ? MEMDEV_VIRTIO_MEM : -1, &op->id);
        op->type = TRACE_OP_UNPLUG;
        break;
    case OP_VMEM_PLUG:
        decode_vmem(d, sp, r, true, op);
        break;
    case OP_VMEM_UNPLUG:
        decode_vmem(d, sp, r, false, op);
        break;
    case OP_RESIZE:
        decode_resize(d, r, op);
        break;
    case OP_MAP:
        decode_map(d, sp, r, true, op);
        break;
    case OP_UNMAP:
        decode_map(d, sp, r, false, op);
        break;
    case OP_VHOST:
        decode_vhost(d, r, op);
        break;
    case OP_LOOKUP:
        decode_lookup(d, r, op);
        break;
    case OP_FREE:
        decode_free(d, r, op);
        break;
    default:
        op->type = (r[0] >> 4) < 5    ? TRACE_OP_STATS
                   : (r[0] >> 4) < 10 ? TRACE_OP_LIST
                                      : TRACE_OP_INFO;
        d->checkpoint = (r[1] & 0x80) != 0; /* the input asks for the full check here */
        break;
    }
}

/* The next record, starting a bulk expansion when it is one; false at the end. */
static bool next_record(program_decoder *d) {
    if (d->ops >= PROGRAM_MAX_OPS || d->pos > d->size || d->size - d->pos < PROGRAM_RECORD_SIZE)
        return false;
    const uint8_t *r = d->data + d->pos;
    d->pos += PROGRAM_RECORD_SIZE;
    d->ops++;
    if (op_tab[r[0] & 15] == OP_BULK) {
        memcpy(d->bulk, r, PROGRAM_RECORD_SIZE);
        d->bulk_left = bulk_count(d, r);
        d->bulk_i = 0;
        d->bulk_cursor = 64;
    }
    return true;
}

bool program_next(program_decoder *d, memdev_space *sp, struct trace_op *op) {
    d->checkpoint = false;
    d->in_prefill = false;
    /* never a space or an expect: the rest of the op is not read (a third of its size) */
    memset(op, 0, TRACE_OP_COMMON_SIZE);
    if (d->prefill_left > 0) {
        decode_prefill(d, op);
        d->prefill_left--;
        d->prefill_i++;
        d->in_prefill = true;
        d->last_type = op->type;
        d->fresh = false;
        return true;
    }
    if (d->steps >= d->max_steps)
        return false;
    if (d->bulk_left == 0 && !next_record(d))
        return false;
    /* A later plug of a plugging bulk: counters only, see decode_bulk. */
    /* Inside a bulk the shadow is not rebuilt (an O(n) walk per op): a plugging bulk reads
     * the counters only, an unplugging one drops each device it names from the shadow. */
    if (d->bulk_left > 0 && d->bulk_i > 0) {
        if (sp)
            memdev_stats_get(sp, &d->stats);
        d->fresh = false;
    } else {
        refresh(d, sp);
    }
    if (d->bulk_left > 0) {
        decode_bulk(d, op);
        d->bulk_left--;
        d->bulk_i++;
    } else {
        decode_record(d, sp, d->data + d->pos - PROGRAM_RECORD_SIZE, op);
    }
    d->steps++;
    d->last_type = op->type;
    return true;
}

bool program_checkpoint(const program_decoder *d) {
    return d->checkpoint;
}

bool program_in_prefill(const program_decoder *d) {
    return d->in_prefill;
}

/* ---------------------------------------------------------------------------------------- */
/* Execution and printing                                                                   */

int program_format_expect(const struct trace_op *op, int rc, const memdev_plug_result *plug,
                          const memdev_lookup_result *look, uint64_t addr, char *buf, size_t cap) {
    struct trace_op e;
    struct trace_expect *x = &e.expect;
    memset(&e, 0, sizeof(e));
    e.type = TRACE_OP_EXPECT;
    x->code = rc;
#define SET_(key, v) (x->fields |= 1u << (key), x->value[key] = (v))
    if (rc == 0 && op->type == TRACE_OP_PLUG && !plug->empty) {
        SET_(TRACE_EXP_ADDR, plug->addr);
        SET_(TRACE_EXP_MEMSLOTS, plug->memslots);
        if (plug->slot >= 0)
            SET_(TRACE_EXP_SLOT, (uint64_t)plug->slot);
    } else if (rc == 0 && op->type == TRACE_OP_FREE) {
        SET_(TRACE_EXP_ADDR, addr);
    } else if (op->type == TRACE_OP_LOOKUP && !look->found) {
        x->none = true;
    } else if (op->type == TRACE_OP_LOOKUP) {
        x->id = look->id;
        SET_(TRACE_EXP_ADDR, look->addr);
        SET_(TRACE_EXP_OFFSET, look->offset);
        SET_(TRACE_EXP_MEMSLOT, look->memslot);
        SET_(TRACE_EXP_MAPPED, look->mapped ? 1u : 0u);
    }
#undef SET_
    return trace_format_op(&e, buf, cap);
}
