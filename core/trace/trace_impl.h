/* SPDX-License-Identifier: MIT */
/*
 * trace_impl.h - internals shared by the files of the trace language (not installed, not
 * used outside core/trace): the growable text buffer, the key vocabulary and the pieces of
 * the formatter the runner prints with.
 */
#ifndef MEMDEV_TRACE_IMPL_H
#define MEMDEV_TRACE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* Growable output text; an allocation failure sets oom and truncates, never crashes. */
struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
};

void sb_add(struct sbuf *sb, const char *s, size_t n);
void sb_str(struct sbuf *sb, const char *s);
PRINTF_LIKE(2, 3) void sb_addf(struct sbuf *sb, const char *fmt, ...);
void sb_free(struct sbuf *sb);

enum key_id {
    K_BASE,
    K_SIZE,
    K_BUDGET,
    K_SLOTS,
    K_KVM,
    K_VHOST,
    K_ALIGN,
    K_ADDR,
    K_SLOT,
    K_BLOCK,
    K_DYNAMIC,
    K_REQUESTED,
    K_LABEL,
    K_NODE,
    K_MEMDEV,
    K_EMPTY,
    K_MEMSLOTS,
    /* expect-only extensions */
    K_OFFSET,
    K_MEMSLOT,
    K_MAPPED,
    K_ID,
    K_USED_SIZE,
    K_PLUGGED_SIZE,
    K_REQUIRED,
    K_USED,
    K_RESERVED,
    K_KVM_FREE,
    K_VHOST_FREE,
    K_DEVICES,
    K_DIMM_SLOTS_USED,
    K_LARGEST_GAP,
    K_MASK, /* fail-alloc */
    K_COUNT
};
_Static_assert(K_COUNT <= 32, "key bits must fit a uint32_t");

extern const char *const trace_op_names[TRACE_OP_TYPE_COUNT];
extern const char *const trace_key_names[K_COUNT];

/* Expect keys: the key_id of each trace_expect_key, and whether it prints in hex. */
struct trace_expect_key_info {
    enum key_id key;
    bool hex;
};
extern const struct trace_expect_key_info trace_expect_keys[TRACE_EXP_COUNT];

#define KB(k) (1u << (k))

/* Positional operand names and allowed keys of each op (expect is special-cased). */
struct op_syntax {
    unsigned n_operands;
    const char *operands[4];
    uint32_t keys;
};
extern const struct op_syntax trace_op_syntax[TRACE_OP_TYPE_COUNT];

/* The trace_expect_key of an option key, or -1. */
int expect_index(enum key_id key);
/* Appends " key=value" for an expect key. */
void add_expect_value(struct sbuf *sb, int idx, uint64_t v);

/* format.c: an op / an expect as trace text; 0, or -1 when it cannot be written. */
int format_into(struct sbuf *sb, const struct trace_op *op);
int format_expect(struct sbuf *sb, const struct trace_expect *e);

#endif /* MEMDEV_TRACE_IMPL_H */
