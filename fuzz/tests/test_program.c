/* SPDX-License-Identifier: MIT */
/*
 * test_program.c - the fuzz decoder's bounds (fuzz/program.h): how many operations an input
 * gives. program_next stops at the end of the input (a trailing partial record is ignored),
 * after PROGRAM_MAX_OPS records, or after PROGRAM_MAX_STEPS operations with bulk records
 * expanded (twice that in deep mode, after the prefill). The bounds keep every input's run
 * short: without the step bound, 256 bulk records give over 10,000 plugs, and the fuzzers'
 * executions per second fall with no test of the results noticing (a mutation sample of
 * fuzz/program.c found that nothing checked it).
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
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
    return check_report("test_program");
}
