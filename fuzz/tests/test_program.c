/* SPDX-License-Identifier: MIT */
/*
 * test_program.c - the fuzz decoder's bounds (fuzz/program.h): how many operations an input
 * gives. program_next stops at the end of the input (a trailing partial record is ignored),
 * after PROGRAM_MAX_OPS records, or after PROGRAM_MAX_STEPS operations with bulk records
 * expanded (twice that in deep mode, after the prefill). The bounds keep every input's run
 * short: without the step bound, 256 bulk records give over 10,000 plugs, and the fuzzers'
 * executions per second fall with no test of the results noticing (a mutation sample of
 * fuzz/program.c found that nothing checked it).
 *
 * And the edges the decoder documents, which no result check can miss when they go: the same
 * sample found that the decoder could stop making the wrapping hint 2^64 - alignment, hints
 * at devices past the 32nd, sizes that are a part of the window, virtio-mem requests inside a
 * run of blocks (an unplug that splits an extent), the search for such a run after a block
 * in the other state (on a program written by hand), and every lookup but the raw ones, with
 * every test and every planted bug still passing (the checker's own probes find what those
 * operands would). So random deep-mode inputs are decoded against a real space (each op
 * executed by the library), and each edge must be made. The header's window tables are
 * pinned value by value (header_windows).
 *
 * A second sample of the decoder (round 31: 20 mutants, with the planted bugs) left more such
 * changes: the pick among the devices of a kind always taking the first, the requested size
 * not read back (so "the blocks the requested size leaves" became one block), lengths of "k
 * blocks less a fraction" one block shorter, requests from exactly a device's end never made,
 * the search for a memslot in the other state skipped, a bulk's ids no longer kept apart from
 * the 64 ids single plug records name, the budget "2 MiB below the size" above it, the limit
 * byte's "other" class read past its table, the allocator bit inverted, and two malformations
 * that became valid plugs. Each is now an edge below, a pinned table (header_windows,
 * header_limits) or malformations' answers.
 *
 * A third (round 45: 20 mutants of program.c, harness.c and corrupt.c, with the planted bugs)
 * left six more: plug records always hinted (no first fit), empty virtio-mem requests never
 * made, a run search that went on past the device's end, a hinted bulk laid out downwards, the
 * deep prefix not reset between inputs (an input then decodes after the last input's bytes:
 * a finding that does not replay alone), and a lookup's offset missing from the expect lines
 * memdev-decode writes. Each is now an edge below, decoding_forgets or expect_lines.
 *
 * A fourth sample (round 47, seed 4704: 30 mutants of program.c, harness.c, decode.c and
 * format_check.c, with the planted bugs) left eleven: a bulk's plugs no longer "the device
 * plugged last", malformation 11 without its memdev name, raw hints never aligned down,
 * lookups of a free range's first byte only (never its last), the offset "one block lower"
 * one block higher, and the vhost-add limit "other > max" cut to the max or made the max - 1:
 * the edge never made, and the checker agrees with every answer to what is made instead.
 * Each is now an edge below, hand_last_plugged, hand_request, malformations or vhost_limits;
 * the harness's report of a leak at the end is test_trace_target's; three change nothing
 * (tests/mutate-equivalent.txt: deep mode's vhost pointer, with no backend to point at, and
 * two search bounds whose one step more changes no answer).
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "lockstep.h"
#include "program.h"

#define MAX_INPUT (PROGRAM_DEEP_PREFIX + PROGRAM_HEADER_SIZE + 400 * PROGRAM_RECORD_SIZE + 8)

static program_decoder dec; /* about 200 KiB: not on the stack */

/* An input of `records` copies of the record r after a zero header (and a deep prefix of
   `prefix` when mode is deep), plus `tail` stray bytes. */
static size_t make_input(uint8_t *buf, program_mode mode, uint8_t prefix, size_t records,
                         const uint8_t r[PROGRAM_RECORD_SIZE], size_t tail) {
    size_t n = 0;
    if (mode == PROGRAM_DEEP) {
        memset(buf, 0, PROGRAM_DEEP_PREFIX);
        buf[0] = prefix;
        n = PROGRAM_DEEP_PREFIX;
    }
    memset(buf + n, 0, PROGRAM_HEADER_SIZE);
    n += PROGRAM_HEADER_SIZE;
    for (size_t i = 0; i < records; i++, n += PROGRAM_RECORD_SIZE)
        memcpy(buf + n, r, PROGRAM_RECORD_SIZE);
    memset(buf + n, 0x0f, tail);
    return n + tail;
}

struct counts {
    uint32_t ops, prefill, of_type, records;
};

/* Decodes the whole input with no space (the decoder's state stays empty) and counts the
   operations, those in the prefill, and those of type t after it. */
static struct counts decode(const uint8_t *buf, size_t size, program_mode mode,
                            enum trace_op_type t) {
    struct counts c = {0, 0, 0, 0};
    struct trace_op op;
    program_decoder_init(&dec, buf, size, mode);
    while (c.ops < 100000 && program_next(&dec, NULL, &op)) {
        c.ops++;
        if (program_in_prefill(&dec))
            c.prefill++;
        else if (op.type == t)
            c.of_type++;
    }
    c.records = dec.ops;
    return c;
}

/* The edges made by random deep-mode inputs (see the top). */
struct edges {
    unsigned wrap_hint;       /* a plug's hint 2^64 - its placement alignment */
    unsigned far_hint;        /* a plug's hint at the middle of a device past the 32nd */
    unsigned window_part;     /* a plug's size: the window's size / 2^k, 1 <= k <= 7 */
    unsigned vmem_inside;     /* a virtio-mem request strictly inside a run of blocks in the state
                                 it changes (an unplug that splits an extent) */
    unsigned look_first;      /* a lookup of a device's first byte */
    unsigned look_last;       /* ... of its last byte */
    unsigned look_after;      /* ... of the byte after it */
    unsigned look_below;      /* ... of the byte below the window */
    unsigned look_window_end; /* ... of the window's last byte */
    unsigned look_top;        /* ... of 2^64 - 1 */
    unsigned later_of_kind;   /* a virtio-mem request naming a virtio-mem that is not the first
                                 live one (select_dev's pick among the devices of the kind) */
    unsigned to_requested;    /* a virtio-mem plug request of form 2 (r4 & 7), kept as decoded:
                                 the blocks the requested size leaves, two or more of them */
    unsigned minus_fraction;  /* a length of form 7 (r4 bits 4-6): k + 1 blocks less a fraction
                                 b / 2^j, k >= 1 */
    unsigned bulk_high;       /* the first plug of a plugging bulk record takes an id at pool
                                 index 64 or above (decode_bulk's cursor starts there) ... */
    unsigned bulk_low;        /* ... and never one below, which single plug records name */
    unsigned at_end;          /* a virtio-mem request of form 6 (r4 & 7) from the device's end
                                 exactly (r3 even), two blocks long */
    unsigned smaller_gap;     /* a plug's size: the length of a free range smaller than the
                                 largest (size class 3, r3 bit 4 clear: the range gsel picks) */
    unsigned map_moved;       /* a map (unmap) of an hv-balloon memslot whose record names one
                                 already mapped (unmapped): the decoder takes the next one in
                                 the other state instead (r3 bit 7 clear) */
    unsigned long_pair;       /* a plug of a long pool id (virtio-mem-pci-node0-d...7) while
                                 another one, sharing its first 22 bytes, is plugged */
    unsigned balloon_64g;     /* an hv-balloon plug asking for 64 GiB, twice its kind's
                                 minimum alignment (align form 6) */
    unsigned hint_last_byte;  /* a plug's hint on a device's last byte (hint form 2, j bit 4:
                                 the last aligned place before a free range; alignment 1) */
    unsigned unhinted;        /* a plug record (not a bulk's) without a hint: first fit, r2
                                 bit 3 clear (and no hint in the plug's own fields) */
    unsigned empty_request;   /* a virtio-mem request of form 5 (r4 & 7), kept as decoded and
                                 not perturbed: length 0 */
    unsigned bulk_next;       /* a hinted plug of a bulk (r5 bit 1) after its first ... */
    unsigned bulk_back;       /* ... hinted below the end of the bulk's plug before it (never:
                                 a hinted bulk lays its devices out upwards, holes between) */
    uint64_t bulk_prev_end;   /* (the end of the last hinted bulk plug, 0 after a wrap) */
    unsigned run_request;     /* a virtio-mem request of form 0 that looks for a run of blocks
                                 in the state it changes (r4 bit 7), not perturbed ... */
    unsigned run_past_end;    /* ... starting at or past the device's end (never: with no such
                                 run within 64 blocks it keeps its decoded range) */
    unsigned raw_odd;         /* a plug's raw hint (form 7, selector j & 15 >= 2) for an odd j,
                                 not a multiple of the placement alignment (kept raw) ... */
    unsigned raw_even;        /* ... for an even j, folded down to that alignment ... */
    unsigned raw_even_off;    /* ... or not (never) */
    unsigned look_gap_first;  /* a lookup of form 3 (r2 & 7) of a free range's first byte (r2
                                 bit 3 clear) ... */
    unsigned look_gap_last;   /* ... and of its last byte (bit 3 set) */
};

/* Whether id is one of the pool's long ids (index with octal last digit 7, below the edge ids
   at 4088..4095). */
static bool long_pool_id(const char *id) {
    int ix = program_pool_index(id);
    return ix % 8 == 7 && ix < 4088;
}

/* The placement alignment the decoder folds a plug's hint to (as decode_plug). */
static uint64_t placement_align(const memdev_device_desc *p) {
    uint64_t min = p->kind == MEMDEV_HV_BALLOON ? 32ull << 30 : 1;
    if (p->kind == MEMDEV_VIRTIO_MEM)
        min = (p->fields & MEMDEV_F_BLOCK) ? p->block : MEMDEV_DEFAULT_BLOCK;
    uint64_t a = p->align > min ? p->align : min;
    return a & (a - 1) ? 2ull << 20 : a;
}

/* The state of [off, off + len) of virtio-mem `id` (0, 1, 2 mixed, -1 not a range of it). */
static int vmem_state(const memdev_space *sp, const char *id, uint64_t off, uint64_t len) {
    int st = -1;
    return memdev_vmem_state(sp, id, off, len, &st) == MEMDEV_OK ? st : -1;
}

/* Record form "r4 bit 7, r3 bits 4-5 = 3, no length or offset change" (decode_vmem): a run
   of blocks in the state the request changes, all but its end blocks: the range is in that
   state, so are the blocks on either side of it, and the blocks beyond those are not (or are
   past the device). */
static bool vmem_inside(const program_decoder *d, const memdev_space *sp, const uint8_t *r,
                        const struct trace_op *op) {
    if (!(r[4] & 0x80) || ((r[3] >> 4) & 3) != 3 || ((r[4] >> 4) & 7) != 0 || (r[5] & 7) != 0)
        return false;
    uint64_t b = 0, size = 0;
    for (uint32_t i = 0; i < d->n_live; i++)
        if (d->live[i].id == op->id)
            b = d->live[i].block, size = d->live[i].size;
    int want = op->vmem_plug ? 0 : 1;
    uint64_t off = op->offset, end = op->offset + op->length;
    return b && op->length && off >= b && end <= size - b &&
           vmem_state(sp, op->id, off, op->length) == want &&
           vmem_state(sp, op->id, off - b, b) == want &&
           (off == b || vmem_state(sp, op->id, off - 2 * b, b) != want) &&
           vmem_state(sp, op->id, end, b) == want &&
           (end + b == size || vmem_state(sp, op->id, end + b, b) != want);
}

static void note_edges(const program_decoder *d, const memdev_space *sp, const struct trace_op *op,
                       struct edges *e) {
    const memdev_config *c = &d->config;
    /* a plug record's own hint (r0 low nibble 0..2; not a bulk's nor the prefill's, which
       place devices one after the other), and its form (r5 & 7, pick_hint) */
    const uint8_t *r =
        d->pos >= PROGRAM_RECORD_SIZE ? d->data + d->pos - PROGRAM_RECORD_SIZE : NULL;
    memdev_device_info in;
    /* a plug of a record (r0 low nibble 0..2) or of a bulk (3), not of the prefill */
    bool plug = op->type == TRACE_OP_PLUG && !program_in_prefill(d) && r;
    bool single = plug && (r[0] & 15) <= 2, bulk = plug && (r[0] & 15) == 3;
    if (single && (op->desc.fields & MEMDEV_F_ADDR)) {
        uint64_t pa = placement_align(&op->desc);
        /* size form 5 (r3 >> 5, pick_size): fractions of the window */
        for (unsigned k = 1; (r[3] >> 5) == 5 && k <= 7; k++)
            e->window_part += op->desc.size == c->size >> k;
        /* form 7: raw values, and the wrapping one (r2 bit 4: a malformed plug; a raw value
           aligned to 2^63 is 2^64 - 2^63 too) */
        e->wrap_hint +=
            (r[5] & 7) == 7 && !(r[2] & 0x10) && pa < (1ull << 62) && op->desc.addr == 0 - pa;
        memdev_stats st;
        e->smaller_gap += (r[3] >> 5) == 3 && !(r[3] & 16) && (r[3] & 7) == 5 && !(r[2] & 0x10) &&
                          memdev_stats_get(sp, &st) == MEMDEV_OK && op->desc.size < st.largest_gap;
        for (uint32_t i = 0; (r[5] & 7) == 2 && (op->desc.fields & MEMDEV_F_ADDR) && i < d->n_live;
             i++)
            e->hint_last_byte += !d->live[i].empty && d->live[i].size > 1 &&
                                 op->desc.addr == d->live[i].addr + (d->live[i].size - 1);
        /* form 7 with the selector's low nibble 2..15 (0 and 1 are 0 and 2^64 - alignment):
           the jitter mixed with the selector, as is for an odd selector, else aligned down
           (a hint that is a multiple of the alignment half the time, anywhere in 2^64) */
        uint32_t j = (uint32_t)(r[5] >> 3) | (uint32_t)(r[7] & 15) << 5;
        if ((r[5] & 7) == 7 && !(r[2] & 0x10) && (j & 15) >= 2 && pa > 1) {
            bool aligned = op->desc.addr % pa == 0;
            e->raw_odd += (j & 1) && !aligned;
            e->raw_even += !(j & 1) && aligned;
            e->raw_even_off += !(j & 1) && !aligned;
        }
        uint32_t placed = 0;
        for (uint32_t i = 0; (r[5] & 7) == 3 && i < d->n_live; i++) {
            const program_dev *v = &d->live[i];
            if (v->empty)
                continue;
            /* form 3: the middle of a device the selector names */
            if (placed++ >= 32 && op->desc.addr == v->addr + (v->size / 2 - v->size / 2 % pa))
                e->far_hint++;
        }
    }
    e->unhinted += single && !(op->desc.fields & MEMDEV_F_ADDR);
    if (bulk && (r[5] & 2) && (op->desc.fields & MEMDEV_F_ADDR)) {
        /* (unless the next aligned place is past 2^64: the hint saturates) */
        if (d->bulk_i >= 2 && e->bulk_prev_end &&
            e->bulk_prev_end <= UINT64_MAX - op->desc.align - (32ull << 30)) {
            e->bulk_next++;
            e->bulk_back += op->desc.addr < e->bulk_prev_end;
        }
        uint64_t end = op->desc.addr + op->desc.size; /* 0 or below: it wrapped */
        e->bulk_prev_end = end > op->desc.addr && end < UINT64_MAX - (32ull << 30) ? end : 0;
    }
    if (bulk && d->bulk_i == 1) {
        int ix = program_pool_index(op->desc.id);
        e->bulk_high += ix >= 64;
        e->bulk_low += ix >= 0 && ix < 64;
    }
    e->balloon_64g += op->type == TRACE_OP_PLUG && op->desc.kind == MEMDEV_HV_BALLOON &&
                      op->desc.align == 64ull << 30;
    if (op->type == TRACE_OP_PLUG && long_pool_id(op->desc.id)) {
        bool other = false; /* another long pool id (the same 22-byte prefix) plugged */
        for (uint32_t i = 0; !other && i < d->n_live; i++)
            other = long_pool_id(d->live[i].id) && strcmp(d->live[i].id, op->desc.id) != 0;
        e->long_pair += other;
    }
    if ((op->type == TRACE_OP_MAP || op->type == TRACE_OP_UNMAP) && r && r[2] < 0xF0 &&
        !(r[3] & 0x80) && memdev_device_get(sp, op->id, &in) == MEMDEV_OK && in.memslots > 1) {
        bool named, taken;
        bool map = op->type == TRACE_OP_MAP;
        e->map_moved += memdev_memslot_mapped(sp, op->id, r[2] % in.memslots, &named) == 0 &&
                        named == map && op->index != r[2] % in.memslots &&
                        memdev_memslot_mapped(sp, op->id, op->index, &taken) == 0 && taken != map;
    }
    if (op->type == TRACE_OP_VMEM && r && vmem_inside(d, sp, r, op))
        e->vmem_inside++;
    if (op->type == TRACE_OP_VMEM && r && (r[0] & 15) >= 6 && (r[0] & 15) <= 8 &&
        memdev_device_get(sp, op->id, &in) == MEMDEV_OK && in.kind == MEMDEV_VIRTIO_MEM) {
        const program_dev *first = NULL;
        for (uint32_t i = 0; !first && i < d->n_live; i++)
            if (d->live[i].kind == MEMDEV_VIRTIO_MEM)
                first = &d->live[i];
        e->later_of_kind += r[1] < 0xD0 && first && strcmp(first->id, op->id) != 0;
        uint64_t b = in.block;
        e->to_requested += op->vmem_plug && (r[4] & 0x8f) == 0x0a && (r[5] & 7) == 0 &&
                           in.requested > in.plugged && op->length >= 2 * b &&
                           op->length == in.requested - in.plugged;
        e->empty_request += (r[4] & 0x7f) == 0x0d && (r[5] & 7) == 0 && op->length == 0;
        bool run = (r[4] & 0xf7) == 0x80 && (r[5] & 7) == 0;
        e->run_request += run;
        e->run_past_end += run && op->offset >= in.size;
        e->at_end += (r[4] & 0xf7) == 6 && (r[5] & 7) == 0 && !(r[3] & 1) &&
                     op->offset == in.size && op->length == 2 * b;
        unsigned k = r[3] >> 4, j = r[3] & 3u;
        e->minus_fraction +=
            ((r[4] >> 4) & 7) == 7 && k >= 1 && op->length == b * (k + 1) - (b >> (1 + j));
    }
    if (op->type != TRACE_OP_LOOKUP)
        return;
    e->look_below += op->gpa == c->base - 1;
    e->look_window_end += op->gpa == c->base + (c->size - 1);
    e->look_top += op->gpa == UINT64_MAX;
    for (uint32_t i = 0; r && (r[2] & 7) == 3 && i < d->n_gaps; i++) {
        e->look_gap_first += !(r[2] & 8) && op->gpa == d->gaps[i].first;
        e->look_gap_last += (r[2] & 8) && op->gpa == d->gaps[i].last;
    }
    for (uint32_t i = 0; i < d->n_live; i++) {
        const program_dev *v = &d->live[i];
        if (v->empty || v->size == 0)
            continue;
        /* each by its own form (r2 & 7, decode_lookup): another form makes one now and then */
        e->look_first += r && (r[2] & 7) == 0 && op->gpa == v->addr;
        e->look_last += r && (r[2] & 7) == 1 && op->gpa == v->addr + (v->size - 1);
        e->look_after += r && (r[2] & 7) == 2 && op->gpa == v->addr + v->size;
    }
}

/*
 * Decodes in (deep mode) with the decoder `dec` the tests share and executes every op on the
 * library as the targets do, calling each(op, space, ctx) before the op runs.
 */
static void run_deep(const uint8_t *in, size_t n,
                     void (*each)(const struct trace_op *op, memdev_space *sp, void *ctx),
                     void *ctx) {
    program_decoder_init(&dec, in, n, PROGRAM_DEEP);
    memdev_space *sp = NULL;
    if (memdev_space_create(&dec.config, NULL, &sp) != MEMDEV_OK)
        return;
    struct trace_op op;
    lockstep_result res;
    while (program_next(&dec, sp, &op)) {
        each(&op, sp, ctx);
        lockstep_exec_library(sp, &op, &res);
    }
    memdev_space_destroy(sp);
}

static void edges_of_op(const struct trace_op *op, memdev_space *sp, void *e) {
    note_edges(&dec, sp, op, e);
}

static void edges_of_random_inputs(struct edges *e) {
    static uint8_t in[PROGRAM_DEEP_PREFIX + PROGRAM_HEADER_SIZE + 128 * PROGRAM_RECORD_SIZE];
    uint64_t seed = 0x5eed;
    memset(e, 0, sizeof *e);
    for (int input = 0; input < 960; input++) {
        for (size_t i = 0; i < sizeof in; i++)
            in[i] = (uint8_t)rng_next(&seed);
        in[0] &= 0xfc; /* the shortest prefill (256 devices) */
        /* half the virtio-mem requests (r0 6..8) in the form "inside a run" (vmem_inside), an
           eighth in form 2 and a sixteenth in form 6, which random bytes rarely make */
        for (size_t at = PROGRAM_DEEP_PREFIX + PROGRAM_HEADER_SIZE; at < sizeof in;
             at += PROGRAM_RECORD_SIZE) {
            uint8_t *r = in + at;
            bool vmem = (r[0] & 15) >= 6 && (r[0] & 15) <= 8;
            if (vmem && (r[7] & 1)) {
                r[3] |= 0x30;
                r[4] = (uint8_t)((r[4] & 0x0f) | 0x80);
                r[5] &= 0xf8;
            } else if (vmem && (r[7] & 6) == 2) {
                r[4] = 0x0a; /* form 2 (what the requested size leaves), not nudged */
                r[5] &= 0xf8;
            } else if (vmem && (r[7] & 0x0e) == 4) {
                r[4] = 0x06; /* form 6 (past the device's end), no change of length or offset */
                r[5] &= 0xf8;
            }
        }
        run_deep(in, sizeof in, edges_of_op, e);
    }
}

/*
 * Virtio-mem requests that random inputs rarely make (or whose operands they cannot tell
 * apart), on a program written by hand (ops mode): a 128 MiB virtio-mem of 2 MiB blocks whose
 * requested size is its size, blocks 0..3 plugged, then a plug request of record bytes r2..r5
 * (r2 the first block, r3 the length, r4 the form, r5 the offset's change; decoded, not
 * executed; the first two records must succeed). The plug must be offset + length.
 */
static void hand_request(uint8_t r2, uint8_t r3, uint8_t r4, uint8_t r5, uint64_t offset,
                         uint64_t length) {
    uint8_t in[PROGRAM_HEADER_SIZE + 3 * PROGRAM_RECORD_SIZE] = {
        0x22, 0, 0,    0,    0,  0,  0,    0,
        0,    0, 0,    0,    0,  0,  0,    0,  /* 1 GiB at 4 GiB, budget all */
        0x00, 0, 0x83, 0x20, 0,  0,  0x18, 0,  /* plug virtio-mem 128 MiB, requested */
        0x06, 0, 0,    0x03, 0,  0,  0,    0,  /* vmem plug blocks 0..3 */
        0x06, 0, r2,   r3,   r4, r5, 0,    0}; /* vmem plug: the request */
    struct trace_op op;
    lockstep_result res;
    memdev_space *sp = NULL;
    program_decoder_init(&dec, in, sizeof in, PROGRAM_OPS);
    CHECK_RC(memdev_space_create(&dec.config, NULL, &sp), MEMDEV_OK);
    for (int i = 0; sp && i < 2; i++) {
        CHECK(program_next(&dec, sp, &op));
        lockstep_exec_library(sp, &op, &res);
        CHECK_RC(res.rc, MEMDEV_OK);
    }
    CHECK(sp && program_next(&dec, sp, &op));
    CHECK(op.type == TRACE_OP_VMEM && op.vmem_plug);
    CHECK_U64(op.offset, offset);
    CHECK_U64(op.length, length);
    memdev_space_destroy(sp);
}

/*
 * A selector r1 of 0xD0..0xDF names the device plugged last (select_dev), by a plug record or
 * by a bulk (its last plug), on a program written by hand (ops mode, each op executed): a bulk
 * of 8 virtio-mem devices of 2 MiB, a resize naming 0xD0, a plug record of d0005, a resize
 * naming 0xDF. A mutation sample left a bulk's plugs out of "plugged last" and every test
 * passed (the selector then names the plug before the bulk, or a free id: answers the checker
 * agrees with).
 */
static void hand_last_plugged(void) {
    static const uint8_t in[PROGRAM_HEADER_SIZE + 4 * PROGRAM_RECORD_SIZE] = {
        0x22, 0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 1 GiB at 4 GiB, budget all */
        0x03, 0,    3, 0, 0, 0, 0, 0,  /* bulk: 8 virtio-mem of 2 MiB (first fit) */
        0x09, 0xD0, 0, 0, 0, 0, 0, 0,  /* resize the device plugged last */
        0x00, 5,    3, 0, 0, 0, 0, 0,  /* plug d0005: virtio-mem of 2 MiB */
        0x09, 0xDF, 0, 0, 0, 0, 0, 0}; /* resize the device plugged last */
    struct trace_op op;
    lockstep_result res;
    memdev_space *sp = NULL;
    const char *last = NULL;
    unsigned plugs = 0, resizes = 0;
    program_decoder_init(&dec, in, sizeof in, PROGRAM_OPS);
    CHECK_RC(memdev_space_create(&dec.config, NULL, &sp), MEMDEV_OK);
    while (sp && program_next(&dec, sp, &op)) {
        if (op.type == TRACE_OP_RESIZE) {
            resizes++;
            CHECK(last && strcmp(op.id, last) == 0);
            if (last && strcmp(op.id, last) != 0)
                fprintf(stderr, "resize %u names %s, not %s (plugged last)\n", resizes, op.id,
                        last);
        }
        lockstep_exec_library(sp, &op, &res);
        if (op.type == TRACE_OP_PLUG) {
            plugs++;
            last = op.desc.id;
            CHECK_RC(res.rc, MEMDEV_OK);
        }
    }
    CHECK_U64(plugs, 9);
    CHECK_U64(resizes, 2);
    memdev_space_destroy(sp);
}

/* The header's window tables (program.c, window_size and window_base; fuzz/README "The
   decoder"), pinned value by value: a table value changed to another with the same alignment
   passes every result check (a mutation sample changed "2 MiB below 4 GiB" to 2 MiB above
   it unnoticed), but it is a change of the documented layout. The bases with a 2 MiB window
   and k = 3; the sizes with base 0 (h0 = size class << 4 | base class). */
static void header_windows(void) {
    static const uint64_t jitter = 0x123456789000ull;
    const uint64_t base[16] = {0,
                               1ull << 30,
                               4ull << 30,
                               5ull << 30,
                               6ull << 30,
                               (6ull << 30) + 3 * 4096,
                               (4ull << 30) - (2ull << 20),
                               1ull << 40,
                               0 - (2ull << 20) /* ends at 2^64 */,
                               0 - (4ull << 20) /* ends 2 MiB below 2^64 */,
                               1ull << 63,
                               (1ull << 20) + 4096,
                               jitter /* raw */,
                               0 - (4ull << 30) /* (k + 1) GiB below 2^64 */,
                               4ull << 30,
                               6ull << 30};
    const uint64_t size[16] = {
        2ull << 20,  64ull << 20,      1ull << 30,  2ull << 30,
        6ull << 30,  16ull << 30,      18ull << 30, 64ull << 30,
        1ull << 40,  64ull << 40,      1ull << 63,  UINT64_MAX /* the rest */,
        33ull << 30, jitter /* raw */, 9ull << 30,  256ull << 30};
    uint8_t h[PROGRAM_HEADER_SIZE] = {0};
    for (unsigned i = 0; i < 8; i++)
        h[8 + i] = (uint8_t)(jitter >> (8 * i));
    for (unsigned cls = 0; cls < 16; cls++) {
        h[0] = (uint8_t)cls; /* size class 0: 2 MiB */
        h[1] = 3u << 4;      /* k = 3 */
        program_decoder_init(&dec, h, sizeof(h), PROGRAM_OPS);
        CHECK_U64(dec.config.base, base[cls]);
        CHECK_U64(dec.config.size, 2ull << 20);
        h[0] = (uint8_t)(cls << 4); /* base class 0 */
        h[1] = 0;
        program_decoder_init(&dec, h, sizeof(h), PROGRAM_OPS);
        CHECK_U64(dec.config.base, 0);
        CHECK_U64(dec.config.size, size[cls]);
    }
    /* the budgets (h1 low nibble), for a 64 GiB window (size class 7) and k = 3; the two
       relative to the size also at its ends (2 MiB, class 0; 2^64 - 1, class 11) */
    const uint64_t budget[16] = {64ull << 30,
                                 32ull << 30,
                                 0,
                                 2ull << 20,
                                 1ull << 30,
                                 4ull << 30,
                                 12ull << 30,
                                 16ull << 30,
                                 128ull << 30,
                                 UINT64_MAX,
                                 (64ull << 30) - (2ull << 20),
                                 (64ull << 30) + 4 * (2ull << 20),
                                 1ull << 40,
                                 8ull << 30,
                                 jitter,
                                 64ull << 30};
    for (unsigned cls = 0; cls < 16; cls++) {
        h[0] = 7u << 4; /* 64 GiB at base 0 */
        h[1] = (uint8_t)(3u << 4 | cls);
        program_decoder_init(&dec, h, sizeof(h), PROGRAM_OPS);
        CHECK_U64(dec.config.budget, budget[cls]);
    }
    const struct {
        uint8_t h0, h1;
        uint64_t budget;
    } edge[] = {{0x00, 0x0a, 2ull << 20}, /* 2 MiB less 2 MiB: the size itself */
                {0x00, 0x0b, 4ull << 20}, /* 2 MiB + (k + 1) 2 MiB, k = 0 */
                {0xb0, 0x0a, UINT64_MAX - (2ull << 20)},
                {0xb0, 0x0b, UINT64_MAX}, /* no room above: the size */
                {0xb0, 0x08, UINT64_MAX}};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        h[0] = edge[i].h0;
        h[1] = edge[i].h1;
        program_decoder_init(&dec, h, sizeof(h), PROGRAM_OPS);
        CHECK_U64(dec.config.budget, edge[i].budget);
    }
}

/* The header's limit and flag bytes (program.c, limit_of and decode_header; fuzz/README "The
   decoder"), pinned the same way: h3 (KVM) and h5.. (vhost) are a limit class in bits 0-3 and
   an "other memslots" class in bits 4-6 (an other above the max is cut to it unless h4 bit 2
   keeps invalid values), h4 bits 0-1 the vhost count, bit 3 the library's own allocator. A
   mutation sample read bits 4-7 of the limit byte (other_tab[15], past the table) and inverted
   the allocator bit, and every test and planted bug passed. */
static const uint32_t limit_max[16] = {8,   16,  32,   64,   128,   256, 508, 509,
                                       510, 512, 1024, 4096, 32764, 2,   1,   0};

static void header_limits(void) {
    static const uint32_t other[8] = {0, 1, 2, 5, 16, 64, 500, UINT32_MAX /* = max */};
    uint8_t h[PROGRAM_HEADER_SIZE] = {0};
    for (unsigned b = 0; b < 256; b++) {
        for (unsigned keep = 0; keep < 2; keep++) {
            h[3] = (uint8_t)b;
            h[4] = (uint8_t)(2u | (keep ? 4u : 0u) | (b & 1 ? 8u : 0u)); /* two vhost backends */
            h[5] = (uint8_t)b;
            h[6] = (uint8_t)(b ^ 0x80); /* bit 7 is no part of a limit */
            program_decoder_init(&dec, h, sizeof(h), PROGRAM_OPS);
            uint32_t mx = limit_max[b & 15], ot = other[(b >> 4) & 7];
            ot = ot == UINT32_MAX || (ot > mx && !keep) ? mx : ot;
            const memdev_config *c = &dec.config;
            int failed = check_failures;
            CHECK(c->has_kvm == ((b & 0x80) != 0));
            CHECK_U64(c->kvm.max, mx);
            CHECK_U64(c->kvm.other, ot);
            CHECK_U64(c->n_vhost, 2);
            CHECK_U64(c->vhost[0].max, mx);
            CHECK_U64(c->vhost[0].other, ot);
            CHECK_U64(c->vhost[1].max, mx);
            CHECK_U64(c->vhost[1].other, ot);
            CHECK(dec.library_allocator == ((b & 1) != 0));
            if (check_failures != failed) { /* the first byte that decodes otherwise, alone */
                printf("header_limits: the failures above are limit byte 0x%02x, keep-invalid %u\n",
                       b, keep);
                return;
            }
        }
    }
}

/* The vhost-add records' limits (decode_vhost): r2 a max class (the header's table), r3 & 7
   the "other" form: 0, 1, 5, 64 (at most the max), the max less the memslots the devices hold
   (exactly fits), one more (one too many; cut to the max when that is past it), the max, the
   max + 1 (invalid). Pinned with no space (nothing held), and the three edge forms answered
   by the library on a space whose devices hold memslots. A mutation sample cut form 7 to the
   max (form 5's cut applied to every form) or made it the max - 1, and every test passed: the
   edge "other > max" was never made. */
static void vhost_limits(void) {
    static uint8_t in[PROGRAM_HEADER_SIZE + 128 * PROGRAM_RECORD_SIZE];
    struct trace_op op;
    memset(in, 0, sizeof in);
    for (unsigned i = 0; i < 128; i++) {
        uint8_t *r = in + PROGRAM_HEADER_SIZE + i * PROGRAM_RECORD_SIZE;
        r[0] = 0x0c;                    /* vhost-add */
        r[2] = (uint8_t)(i / 8);        /* max class */
        r[3] = (uint8_t)(0xf8 | i % 8); /* the form (the bits above it are no part of it) */
    }
    program_decoder_init(&dec, in, sizeof in, PROGRAM_OPS);
    for (unsigned i = 0; i < 128 && program_next(&dec, NULL, &op); i++) {
        uint32_t mx = limit_max[i / 8];
        const uint32_t other[8] = {0, 1, 5, mx < 64 ? mx : 64, mx, mx, mx, mx + 1};
        int failed = check_failures;
        CHECK(op.type == TRACE_OP_VHOST_ADD);
        CHECK_U64(op.limit.max, mx);
        CHECK_U64(op.limit.other, other[i % 8]);
        if (check_failures != failed)
            printf("vhost_limits: the failures above are max class %u, form %u\n", i / 8, i % 8);
    }
    CHECK_U64(dec.steps, 128);
    /* a virtio-mem device of 2 MiB, then forms 5, 7 and 4 of max class 3 (64 memslots) */
    static const uint8_t prog[PROGRAM_HEADER_SIZE + 4 * PROGRAM_RECORD_SIZE] = {
        0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 1 GiB at 4 GiB, budget all */
        0x00, 0, 3, 0, 0, 0, 0, 0,                         /* plug virtio-mem 2 MiB */
        0x0c, 0, 3, 5, 0, 0, 0, 0,                         /* one too many */
        0x0c, 0, 3, 7, 0, 0, 0, 0,                         /* other > max */
        0x0c, 0, 3, 4, 0, 0, 0, 0};                        /* exactly fits */
    static const int want_rc[3] = {MEMDEV_EVHOSTCONFLICT, MEMDEV_EINVAL, MEMDEV_OK};
    memdev_space *sp = NULL;
    lockstep_result res;
    memdev_stats st = {0};
    program_decoder_init(&dec, prog, sizeof prog, PROGRAM_OPS);
    CHECK_RC(memdev_space_create(&dec.config, NULL, &sp), MEMDEV_OK);
    for (int i = 0; sp && i < 4; i++) {
        CHECK(program_next(&dec, sp, &op));
        lockstep_exec_library(sp, &op, &res);
        if (i == 0) {
            CHECK_RC(res.rc, MEMDEV_OK);
            memdev_stats_get(sp, &st);
            CHECK(st.used + st.reserved > 0);
            continue;
        }
        uint32_t busy = st.used + st.reserved;
        const uint32_t other[3] = {64 - busy + 1, 64 + 1, 64 - busy};
        CHECK(op.type == TRACE_OP_VHOST_ADD);
        CHECK_U64(op.limit.max, 64);
        CHECK_U64(op.limit.other, other[i - 1]);
        CHECK_RC(res.rc, want_rc[i - 1]);
    }
    memdev_space_destroy(sp);
}

/* A query record asks for the full comparison after it with r1's top bit (program_checkpoint,
   which the harness turns into LOCKSTEP_FULL), and only that record does: the next one is no
   checkpoint. A mutation sample dropped the flag and every other test passed (the checker's
   periodic and final full comparisons hid it). */
static void checkpoints(void) {
    static const uint8_t r1[4] = {0x80, 0x7f, 0xff, 0x00};
    static uint8_t in[PROGRAM_HEADER_SIZE + 4 * PROGRAM_RECORD_SIZE];
    struct trace_op op;
    memset(in, 0, sizeof in);
    for (unsigned i = 0; i < 4; i++) {
        uint8_t *r = in + PROGRAM_HEADER_SIZE + i * PROGRAM_RECORD_SIZE;
        r[0] = 0x0f; /* a query: stats */
        r[1] = r1[i];
    }
    program_decoder_init(&dec, in, sizeof in, PROGRAM_OPS);
    for (unsigned i = 0; i < 4; i++) {
        CHECK(program_next(&dec, NULL, &op));
        CHECK(op.type == TRACE_OP_STATS);
        CHECK_U64(program_checkpoint(&dec), (r1[i] & 0x80) != 0);
    }
}

/* Lookup form 6 (r2's low bits) asks for a memslot boundary of a device, the window's base when
   no device is placed; r2 bit 3 asks for the byte below it (a sample dropped that byte and every
   other test passed). */
static void lookup_below_boundary(void) {
    static const uint8_t in[PROGRAM_HEADER_SIZE + 2 * PROGRAM_RECORD_SIZE] = {
        0x22, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 1 GiB at 4 GiB */
        0x0d, 0, 6,  0, 0, 0, 0, 0,                         /* lookup: form 6 */
        0x0d, 0, 14, 0, 0, 0, 0, 0};                        /* ... the byte below */
    struct trace_op op;
    program_decoder_init(&dec, in, sizeof in, PROGRAM_OPS);
    CHECK(program_next(&dec, NULL, &op) && op.type == TRACE_OP_LOOKUP);
    CHECK_U64(op.gpa, dec.config.base);
    CHECK(program_next(&dec, NULL, &op) && op.type == TRACE_OP_LOOKUP);
    CHECK_U64(op.gpa, dec.config.base - 1);
}

/* The plug malformations (plug_malform, r2 bit 4 with r7's low nibble): each of 0-10 and 12-14
   breaks one rule of spec check 0 for every kind, so the library must answer invalid-argument
   whatever the space; 11 gives every value without its flag, which must change nothing (ok).
   A mutation sample turned malformation 3 (a field the kind does not take) and malformation 8
   for an hv-balloon (empty with an address) into valid plugs, and every other test passed. */
static void malformations(void) {
    uint8_t in[PROGRAM_HEADER_SIZE + PROGRAM_RECORD_SIZE] = {0x27, 0x0c}; /* 1 TiB at 4 GiB */
    in[2] = 2;                                                            /* DIMM slots */
    for (uint8_t kind = 0; kind < 5; kind++) {
        for (uint8_t sel = 0; sel < 15; sel++) {
            uint8_t *r = in + PROGRAM_HEADER_SIZE;
            memset(r, 0, PROGRAM_RECORD_SIZE);
            r[2] = (uint8_t)(kind | 0x10); /* plug of kind_tab[kind], malformed */
            r[3] = 1;                      /* 4 MiB */
            r[7] = sel;
            struct trace_op op;
            lockstep_result res = {.rc = -1};
            memdev_space *sp = NULL;
            program_decoder_init(&dec, in, sizeof in, PROGRAM_OPS);
            CHECK_RC(memdev_space_create(&dec.config, NULL, &sp), MEMDEV_OK);
            if (sp && program_next(&dec, sp, &op) && op.type == TRACE_OP_PLUG)
                lockstep_exec_library(sp, &op, &res);
            int failed = check_failures;
            CHECK_RC(res.rc, sel == 11 ? MEMDEV_OK : MEMDEV_EINVAL);
            if (sel == 11) { /* every value the plug has no flag for is set (none may count) */
                const memdev_device_desc *p = &op.desc;
                CHECK_U64(p->fields, 0);
                CHECK(p->addr != 0 && p->slot != 0 && p->block != 0 && p->requested != 0);
                CHECK(p->label != 0 && p->dynamic && p->node != 0 && p->memdev != NULL);
            }
            if (check_failures != failed)
                printf("malformations: the failure above is kind_tab[%u], malformation %u\n", kind,
                       sel);
            memdev_space_destroy(sp);
        }
    }
}

/*
 * The `expect` lines memdev-decode and fuzz/repro write (from the model's results) state every
 * field of a result: a committed regression trace checks only what its expect lines say, so
 * a field left out is a result nobody checks again (a mutation sample of fuzz/, seed 4504,
 * dropped a lookup's offset and every test passed).
 */
static void expect_lines(void) {
    struct trace_op op;
    char line[512];
    memdev_plug_result plug = {.addr = UINT64_C(0x140000000), .slot = 3, .memslots = 2};
    memdev_lookup_result look = {true, "vm1", UINT64_C(0x180000000), 0x2345, 7, true};
    static const struct {
        enum trace_op_type type;
        int rc;
        bool found;
        const char *want;
    } rows[] = {
        {TRACE_OP_LOOKUP, 0, true,
         "expect ok id=vm1 addr=0x180000000 offset=0x2345 memslot=7 mapped=yes"},
        {TRACE_OP_LOOKUP, 0, false, "expect none"},
        {TRACE_OP_PLUG, 0, true, "expect ok addr=0x140000000 slot=3 memslots=2"},
        {TRACE_OP_FREE, 0, true, "expect ok addr=0x1c0000000"},
        {TRACE_OP_PLUG, MEMDEV_EFRAGMENTED, true, "expect error fragmented"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        memset(&op, 0, sizeof op);
        op.type = rows[i].type;
        look.found = rows[i].found;
        int n = program_format_expect(&op, rows[i].rc, &plug, &look, UINT64_C(0x1c0000000), line,
                                      sizeof line);
        bool ok = n > 0 && (size_t)n < sizeof line && strcmp(line, rows[i].want) == 0;
        if (!ok)
            fprintf(stderr, "expect line %zu: '%s' (want '%s')\n", i, n > 0 ? line : "",
                    rows[i].want);
        CHECK(ok);
    }
}

/* FNV-1a of every op an input decodes to in deep mode (each as trace text), each executed by
   the library as the targets do; the decoder is the one static `dec` the tests share. */
static void digest_op(const struct trace_op *op, memdev_space *sp, void *ctx) {
    (void)sp;
    uint64_t *h = ctx;
    char line[1024];
    int len = trace_format_op(op, line, sizeof line);
    for (int i = 0; i < len && (size_t)i < sizeof line; i++)
        *h = (*h ^ (uint8_t)line[i]) * 0x100000001b3ull;
    *h = (*h ^ '\n') * 0x100000001b3ull;
}

static uint64_t deep_ops_digest(const uint8_t *in, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    run_deep(in, n, digest_op, &h);
    return h;
}

/*
 * An input decodes to the same operations whatever the decoder decoded before (the targets
 * keep one decoder for every input, and a finding must replay alone): an input shorter than
 * the deep prefix gets zeros for its missing bytes, not the last input's (a mutation sample of
 * fuzz/, seed 4504, dropped the prefix's reset and every test passed).
 */
static void decoding_forgets(void) {
    static uint8_t big[PROGRAM_DEEP_PREFIX + PROGRAM_HEADER_SIZE + 16 * PROGRAM_RECORD_SIZE];
    static const uint8_t shorts[][PROGRAM_DEEP_PREFIX - 1] = {{0}, {1, 2, 3}};
    for (size_t k = 0; k < sizeof shorts / sizeof shorts[0]; k++) {
        uint64_t h[2];
        for (int round = 0; round < 2; round++) {
            memset(big, round ? 0xff : 0x00, sizeof big);
            deep_ops_digest(big, sizeof big);
            for (size_t n = 1; n <= sizeof shorts[k]; n++)
                h[round] = deep_ops_digest(shorts[k], n);
        }
        if (h[0] != h[1])
            fprintf(stderr, "short deep input %zu decodes after the last input's prefix\n", k);
        CHECK_U64(h[0], h[1]);
    }
}

int main(void) {
    static uint8_t buf[MAX_INPUT];
    expect_lines();
    decoding_forgets();
    checkpoints();
    lookup_below_boundary();
    /* r0 low nibble: 15 a query, 3 a bulk; a bulk's high nibble bit 0: unplugs; r1: count */
    static const uint8_t query[PROGRAM_RECORD_SIZE] = {0x0f, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t bulk_plug[PROGRAM_RECORD_SIZE] = {0x03, 31, 0, 0, 0, 0, 0, 0};
    static const uint8_t bulk_unplug[PROGRAM_RECORD_SIZE] = {0x13, 63, 0, 0, 0, 0, 0, 0};
    struct counts c;
    size_t n;

    /* records up to the end; a partial record and a short header give nothing more */
    n = make_input(buf, PROGRAM_OPS, 0, 3, query, 5);
    c = decode(buf, n, PROGRAM_OPS, TRACE_OP_STATS);
    CHECK_U64(c.ops, 3);
    CHECK_U64(c.records, 3);
    c = decode(buf, PROGRAM_HEADER_SIZE - 1, PROGRAM_OPS, TRACE_OP_STATS);
    CHECK_U64(c.ops, 0);
    c = decode(buf, PROGRAM_HEADER_SIZE + PROGRAM_RECORD_SIZE - 1, PROGRAM_OPS, TRACE_OP_STATS);
    CHECK_U64(c.ops, 0);

    /* at most PROGRAM_MAX_OPS records */
    n = make_input(buf, PROGRAM_OPS, 0, 300, query, 0);
    c = decode(buf, n, PROGRAM_OPS, TRACE_OP_STATS);
    CHECK_U64(c.ops, PROGRAM_MAX_OPS);
    CHECK_U64(c.records, PROGRAM_MAX_OPS);
    CHECK_U64(c.of_type, PROGRAM_MAX_OPS);

    /* bulk records: 39 plugs (ops mode: r1 % 32 + 8) or 64 unplugs each, cut at the step bound
       in the middle of a record */
    n = make_input(buf, PROGRAM_OPS, 0, 100, bulk_plug, 0);
    c = decode(buf, n, PROGRAM_OPS, TRACE_OP_PLUG);
    CHECK_U64(c.ops, PROGRAM_MAX_STEPS);
    CHECK_U64(c.of_type, PROGRAM_MAX_STEPS);
    CHECK_U64(c.records, (PROGRAM_MAX_STEPS + 38) / 39);
    n = make_input(buf, PROGRAM_OPS, 0, 100, bulk_unplug, 0);
    c = decode(buf, n, PROGRAM_OPS, TRACE_OP_UNPLUG);
    CHECK_U64(c.ops, PROGRAM_MAX_STEPS);
    CHECK_U64(c.of_type, PROGRAM_MAX_STEPS);
    CHECK_U64(c.records, PROGRAM_MAX_STEPS / 64);

    /* a bulk record that ends the input still gives all its operations */
    n = make_input(buf, PROGRAM_OPS, 0, 2, bulk_plug, 0);
    c = decode(buf, n, PROGRAM_OPS, TRACE_OP_PLUG);
    CHECK_U64(c.ops, 2 * 39);

    /* deep mode: the prefill (prefix byte 0 % 4: 256, 384, 512 or 1040 plugs) does not count;
       after it twice the steps, bulk plugs there 71 each (r1 % 64 + 8) */
    static const uint32_t prefill[4] = {256, 384, 512, 1040};
    static const uint8_t deep_bulk[PROGRAM_RECORD_SIZE] = {0x03, 63, 0, 0, 0, 0, 0, 0};
    for (uint8_t k = 0; k < 4; k++) {
        n = make_input(buf, PROGRAM_DEEP, k, 100, deep_bulk, 0);
        c = decode(buf, n, PROGRAM_DEEP, TRACE_OP_PLUG);
        CHECK_U64(c.prefill, prefill[k]);
        CHECK_U64(c.ops, prefill[k] + 2 * PROGRAM_MAX_STEPS);
        CHECK_U64(c.of_type, 2 * PROGRAM_MAX_STEPS);
        CHECK_U64(c.records, (2 * PROGRAM_MAX_STEPS + 70) / 71);
    }
    /* a deep input with no record after its header: the prefill alone */
    n = make_input(buf, PROGRAM_DEEP, 3, 0, query, 0);
    c = decode(buf, n, PROGRAM_DEEP, TRACE_OP_STATS);
    CHECK_U64(c.ops, 1040);
    CHECK_U64(c.prefill, 1040);

    /* a request whose first block is in the other state: the decoder searches for the run
       after it (vmem_run, r4 bit 7): block 0 is plugged, so the run is blocks 4..63 */
    hand_request(0, 0, 0x80, 0, 4 * (2ull << 20), 60 * (2ull << 20));
    /* form 2 (r4 & 7; bit 3: not nudged): the blocks the requested size leaves, read back
       from the library (random inputs make only a few with room for two blocks or more) */
    hand_request(0, 0, 0x0a, 0, 0, 60 * (2ull << 20));
    /* offset form 4 (r5 & 7): one block below the first block r2 names (block 10, 2 blocks
       long, form 0 kept as decoded: r4 bit 3), but never below the device's start */
    hand_request(10, 1, 0x08, 4, 9 * (2ull << 20), 2 * (2ull << 20));
    hand_request(0, 1, 0x08, 4, 0, 2 * (2ull << 20));
    hand_last_plugged();
    struct edges e;
    edges_of_random_inputs(&e);
    printf("edges in 960 random deep inputs: wrapping hints %u, hints past the 32nd device %u, "
           "sizes of a window's part %u, sizes of a free range not the largest %u, "
           "virtio-mem requests inside a run %u, "
           "lookups of a first byte %u, last byte %u, byte after %u, below the window %u, "
           "window end %u, 2^64 - 1 %u; "
           "virtio-mem requests naming a later device of the kind %u, "
           "up to the requested size %u, of k blocks less a fraction %u, "
           "from the device's end %u; "
           "first plugs of a bulk at pool index 64 or above %u, below %u; "
           "memslot maps moved to one in the other state %u; "
           "plugs of a long id beside another %u, of an hv-balloon aligned to 64 GiB %u, "
           "hinted at a device's last byte %u; plug records without a hint (first fit) %u; empty "
           "virtio-mem requests %u; hinted bulk plugs after the first %u, below the one before "
           "%u; run requests %u, past the end %u; raw hints of an odd selector unaligned %u, of "
           "an even one aligned %u, unaligned %u; lookups of a free range's first byte %u, last "
           "byte %u\n",
           e.wrap_hint, e.far_hint, e.window_part, e.smaller_gap, e.vmem_inside, e.look_first,
           e.look_last, e.look_after, e.look_below, e.look_window_end, e.look_top, e.later_of_kind,
           e.to_requested, e.minus_fraction, e.at_end, e.bulk_high, e.bulk_low, e.map_moved,
           e.long_pair, e.balloon_64g, e.hint_last_byte, e.unhinted, e.empty_request, e.bulk_next,
           e.bulk_back, e.run_request, e.run_past_end, e.raw_odd, e.raw_even, e.raw_even_off,
           e.look_gap_first, e.look_gap_last);
    CHECK(e.wrap_hint > 0);
    CHECK(e.far_hint > 0);
    CHECK(e.window_part > 0);
    CHECK(e.smaller_gap > 0);
    CHECK(e.vmem_inside >= 20); /* other forms make one now and then */
    CHECK(e.look_first > 0);
    CHECK(e.look_last > 0);
    CHECK(e.look_after > 0);
    CHECK(e.look_below > 0);
    CHECK(e.look_window_end > 0);
    CHECK(e.look_top > 0);
    CHECK(e.later_of_kind > 0);
    CHECK(e.to_requested > 0);
    CHECK(e.minus_fraction > 0);
    CHECK(e.at_end > 0);
    CHECK(e.bulk_high > 0);
    CHECK_U64(e.bulk_low, 0);
    CHECK(e.map_moved > 0);
    CHECK(e.long_pair > 0);
    CHECK(e.balloon_64g > 0);
    CHECK(e.hint_last_byte > 0);
    CHECK(e.unhinted > 0);
    CHECK(e.empty_request > 0);
    CHECK(e.bulk_next > 0);
    CHECK_U64(e.bulk_back, 0);
    CHECK(e.run_request > 0);
    CHECK_U64(e.run_past_end, 0);
    CHECK(e.raw_odd > 0);
    CHECK(e.raw_even > 0);
    CHECK_U64(e.raw_even_off, 0);
    CHECK(e.look_gap_first > 0);
    CHECK(e.look_gap_last > 0);
    header_windows();
    header_limits();
    vhost_limits();
    malformations();
    return check_report("test_program");
}
