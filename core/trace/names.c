/* SPDX-License-Identifier: MIT */
/*
 * names.c - the vocabulary of memdev trace v1: operation names, option keys, the keys an
 * `expect` can check, and which operands and keys each operation takes. Shared by the
 * parser (parse.c), the formatter (format.c) and the runner (run.c).
 */
#include "trace_impl.h"

#include <inttypes.h>

const char *const trace_op_names[TRACE_OP_TYPE_COUNT] = {
    [TRACE_OP_NONE] = NULL,
    [TRACE_OP_SPACE] = "space",
    [TRACE_OP_PLUG] = "plug",
    [TRACE_OP_UNPLUG] = "unplug",
    [TRACE_OP_VMEM] = "vmem",
    [TRACE_OP_RESIZE] = "resize",
    [TRACE_OP_MAP] = "map",
    [TRACE_OP_UNMAP] = "unmap",
    [TRACE_OP_VHOST_ADD] = "vhost-add",
    [TRACE_OP_LOOKUP] = "lookup",
    [TRACE_OP_FREE] = "free",
    [TRACE_OP_STATS] = "stats",
    [TRACE_OP_LIST] = "list",
    [TRACE_OP_INFO] = "info",
    [TRACE_OP_EXPECT] = "expect",
    [TRACE_OP_FAIL_ALLOC] = "fail-alloc",
};

const char *trace_op_name(enum trace_op_type type) {
    if ((unsigned)type >= TRACE_OP_TYPE_COUNT)
        return NULL;
    return trace_op_names[type];
}

const char *const trace_key_names[K_COUNT] = {
    "base",
    "size",
    "budget",
    "slots",
    "kvm",
    "vhost",
    "align",
    "addr",
    "slot",
    "block",
    "dynamic-memslots",
    "requested",
    "label",
    "node",
    "memdev",
    "empty",
    "memslots",
    "offset",
    "memslot",
    "mapped",
    "id",
    "used_size",
    "plugged_size",
    "required",
    "used",
    "reserved",
    "kvm_free",
    "vhost_free",
    "devices",
    "dimm_slots_used",
    "largest_gap",
    "mask",
};

/* Expect keys: the key_id of each trace_expect_key, and whether it prints in hex. */
const struct trace_expect_key_info trace_expect_keys[TRACE_EXP_COUNT] = {
    [TRACE_EXP_ADDR] = {K_ADDR, true},
    [TRACE_EXP_SLOT] = {K_SLOT, false},
    [TRACE_EXP_MEMSLOTS] = {K_MEMSLOTS, false},
    [TRACE_EXP_OFFSET] = {K_OFFSET, true},
    [TRACE_EXP_MEMSLOT] = {K_MEMSLOT, false},
    [TRACE_EXP_MAPPED] = {K_MAPPED, false},
    [TRACE_EXP_USED_SIZE] = {K_USED_SIZE, true},
    [TRACE_EXP_PLUGGED_SIZE] = {K_PLUGGED_SIZE, true},
    [TRACE_EXP_REQUIRED] = {K_REQUIRED, false},
    [TRACE_EXP_USED] = {K_USED, false},
    [TRACE_EXP_RESERVED] = {K_RESERVED, false},
    [TRACE_EXP_KVM_FREE] = {K_KVM_FREE, false},
    [TRACE_EXP_VHOST_FREE] = {K_VHOST_FREE, false},
    [TRACE_EXP_DEVICES] = {K_DEVICES, false},
    [TRACE_EXP_DIMM_SLOTS_USED] = {K_DIMM_SLOTS_USED, false},
    [TRACE_EXP_LARGEST_GAP] = {K_LARGEST_GAP, true},
};

int expect_index(enum key_id key) {
    for (int i = 0; i < TRACE_EXP_COUNT; i++)
        if (trace_expect_keys[i].key == key)
            return i;
    return -1;
}

/* Appends " key=value" for an expect key. */
void add_expect_value(struct sbuf *sb, int idx, uint64_t v) {
    const char *name = trace_key_names[trace_expect_keys[idx].key];
    if (idx == TRACE_EXP_MAPPED)
        sb_addf(sb, " %s=%s", name, v ? "yes" : "no");
    else if (trace_expect_keys[idx].hex)
        sb_addf(sb, " %s=0x%" PRIx64, name, v);
    else
        sb_addf(sb, " %s=%" PRIu64, name, v);
}

/* Positional operand names and allowed keys of each op (expect is special-cased). */
const struct op_syntax trace_op_syntax[TRACE_OP_TYPE_COUNT] = {
    [TRACE_OP_SPACE] =
        {0, {NULL}, KB(K_BASE) | KB(K_SIZE) | KB(K_BUDGET) | KB(K_SLOTS) | KB(K_KVM) | KB(K_VHOST)},
    [TRACE_OP_PLUG] = {2,
                       {"ID", "KIND"},
                       KB(K_SIZE) | KB(K_ALIGN) | KB(K_ADDR) | KB(K_SLOT) | KB(K_BLOCK) |
                           KB(K_DYNAMIC) | KB(K_REQUESTED) | KB(K_LABEL) | KB(K_NODE) |
                           KB(K_MEMDEV) | KB(K_EMPTY)},
    [TRACE_OP_UNPLUG] = {1, {"ID"}, 0},
    [TRACE_OP_VMEM] = {4, {"ID", "plug|unplug", "OFFSET", "LEN"}, 0},
    [TRACE_OP_RESIZE] = {1, {"ID"}, KB(K_REQUESTED)},
    [TRACE_OP_MAP] = {2, {"ID", "SLOT"}, 0},
    [TRACE_OP_UNMAP] = {2, {"ID", "SLOT"}, 0},
    [TRACE_OP_VHOST_ADD] = {1, {"MAX[/OTHER]"}, 0},
    [TRACE_OP_LOOKUP] = {1, {"GPA"}, 0},
    [TRACE_OP_FREE] = {1, {"SIZE"}, KB(K_ALIGN)},
    [TRACE_OP_STATS] = {0, {NULL}, 0},
    [TRACE_OP_LIST] = {0, {NULL}, 0},
    [TRACE_OP_INFO] = {0, {NULL}, 0},
    [TRACE_OP_EXPECT] = {1,
                         {"ok|error|none"},
                         KB(K_ADDR) | KB(K_SLOT) | KB(K_MEMSLOTS) | KB(K_OFFSET) | KB(K_MEMSLOT) |
                             KB(K_MAPPED) | KB(K_ID) | KB(K_USED_SIZE) | KB(K_PLUGGED_SIZE) |
                             KB(K_REQUIRED) | KB(K_USED) | KB(K_RESERVED) | KB(K_KVM_FREE) |
                             KB(K_VHOST_FREE) | KB(K_DEVICES) | KB(K_DIMM_SLOTS_USED) |
                             KB(K_LARGEST_GAP)},
    [TRACE_OP_FAIL_ALLOC] = {0, {NULL}, KB(K_MASK)},
};
