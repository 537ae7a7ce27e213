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
};

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
    if (op->type == TRACE_OP_PLUG && !program_in_prefill(d) && r && (r[0] & 15) <= 2 &&
        (op->desc.fields & MEMDEV_F_ADDR)) {
        uint64_t pa = placement_align(&op->desc);
        /* size form 5 (r3 >> 5, pick_size): fractions of the window */
        for (unsigned k = 1; (r[3] >> 5) == 5 && k <= 7; k++)
            e->window_part += op->desc.size == c->size >> k;
        /* form 7: raw values, and the wrapping one (r2 bit 4: a malformed plug; a raw value
           aligned to 2^63 is 2^64 - 2^63 too) */
        e->wrap_hint +=
            (r[5] & 7) == 7 && !(r[2] & 0x10) && pa < (1ull << 62) && op->desc.addr == 0 - pa;
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
    if (op->type == TRACE_OP_VMEM && r && vmem_inside(d, sp, r, op))
        e->vmem_inside++;
    if (op->type != TRACE_OP_LOOKUP)
        return;
    e->look_below += op->gpa == c->base - 1;
    e->look_window_end += op->gpa == c->base + (c->size - 1);
    e->look_top += op->gpa == UINT64_MAX;
    for (uint32_t i = 0; i < d->n_live; i++) {
        const program_dev *v = &d->live[i];
        if (v->empty || v->size == 0)
            continue;
        e->look_first += op->gpa == v->addr;
        e->look_last += op->gpa == v->addr + (v->size - 1);
        e->look_after += op->gpa == v->addr + v->size;
    }
}

static void edges_of_random_inputs(struct edges *e) {
    static uint8_t in[PROGRAM_DEEP_PREFIX + PROGRAM_HEADER_SIZE + 128 * PROGRAM_RECORD_SIZE];
    uint64_t seed = 0x5eed;
    memset(e, 0, sizeof *e);
    for (int input = 0; input < 240; input++) {
        for (size_t i = 0; i < sizeof in; i++)
            in[i] = (uint8_t)rng_next(&seed);
        in[0] &= 0xfc; /* the shortest prefill (256 devices) */
        /* half the virtio-mem requests (r0 6..8) in the form "inside a run" (vmem_inside) */
        for (size_t at = PROGRAM_DEEP_PREFIX + PROGRAM_HEADER_SIZE; at < sizeof in;
             at += PROGRAM_RECORD_SIZE) {
            uint8_t *r = in + at;
            if ((r[0] & 15) >= 6 && (r[0] & 15) <= 8 && (r[7] & 1)) {
                r[3] |= 0x30;
                r[4] = (uint8_t)((r[4] & 0x0f) | 0x80);
                r[5] &= 0xf8;
            }
        }
        program_decoder_init(&dec, in, sizeof in, PROGRAM_DEEP);
        memdev_space *sp = NULL;
        if (memdev_space_create(&dec.config, NULL, &sp) != MEMDEV_OK)
            continue;
        struct trace_op op;
        lockstep_result res;
        while (program_next(&dec, sp, &op)) {
            note_edges(&dec, sp, &op, e);
            lockstep_exec_library(sp, &op, &res);
        }
        memdev_space_destroy(sp);
    }
}

/*
 * A virtio-mem request whose first block is in the other state: the decoder searches for the
 * run after it (vmem_run). Random inputs rarely have plugged blocks when a request is decoded,
 * so this program is written by hand (ops mode): a 128 MiB virtio-mem of 2 MiB blocks whose
 * requested size is its size, blocks 0..3 plugged, then a plug request "the run at block 0"
 * (r4 bit 7): block 0 is plugged, so the run is the unplugged blocks 4..63.
 */
static void run_found_after_first_block(void) {
    static const uint8_t in[PROGRAM_HEADER_SIZE + 3 * PROGRAM_RECORD_SIZE] = {
        0x22, 0, 0,    0,    0,    0, 0,    0,
        0,    0, 0,    0,    0,    0, 0,    0,  /* 1 GiB at 4 GiB, budget all */
        0x00, 0, 0x83, 0x20, 0,    0, 0x18, 0,  /* plug virtio-mem 128 MiB, requested */
        0x06, 0, 0,    0x03, 0,    0, 0,    0,  /* vmem plug blocks 0..3 */
        0x06, 0, 0,    0x00, 0x80, 0, 0,    0}; /* vmem plug: the run at block 0 */
    struct trace_op op;
    lockstep_result res;
    memdev_space *sp = NULL;
    program_decoder_init(&dec, in, sizeof in, PROGRAM_OPS);
    CHECK_RC(memdev_space_create(&dec.config, NULL, &sp), MEMDEV_OK);
    for (int i = 0; sp && i < 3; i++) {
        CHECK(program_next(&dec, sp, &op));
        if (i == 2) {
            CHECK(op.type == TRACE_OP_VMEM && op.vmem_plug);
            CHECK_U64(op.offset, 4 * (2ull << 20));
            CHECK_U64(op.length, 60 * (2ull << 20));
        }
        lockstep_exec_library(sp, &op, &res);
        CHECK_RC(res.rc, MEMDEV_OK);
    }
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
}

int main(void) {
    static uint8_t buf[MAX_INPUT];
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

    run_found_after_first_block();
    struct edges e;
    edges_of_random_inputs(&e);
    printf("edges in 240 random deep inputs: wrapping hints %u, hints past the 32nd device %u, "
           "sizes of a window's part %u, virtio-mem requests inside a run %u, "
           "lookups of a first byte %u, last byte %u, byte after %u, below the window %u, "
           "window end %u, 2^64 - 1 %u\n",
           e.wrap_hint, e.far_hint, e.window_part, e.vmem_inside, e.look_first, e.look_last,
           e.look_after, e.look_below, e.look_window_end, e.look_top);
    CHECK(e.wrap_hint > 0);
    CHECK(e.far_hint > 0);
    CHECK(e.window_part > 0);
    CHECK(e.vmem_inside >= 20); /* other forms make one now and then */
    CHECK(e.look_first > 0);
    CHECK(e.look_last > 0);
    CHECK(e.look_after > 0);
    CHECK(e.look_below > 0);
    CHECK(e.look_window_end > 0);
    CHECK(e.look_top > 0);
    header_windows();
    return check_report("test_program");
}
