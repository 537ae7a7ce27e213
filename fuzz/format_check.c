/* SPDX-License-Identifier: MIT */
/*
 * format_check.c - trace_format_op against trace_parse_line (see format_check.h). The comparison
 * is by meaning: the members each op type uses, strings by content, a desc's optional
 * members only where its `fields` has their bit, and `fail-alloc` without a mask equal to
 * mask=0xff (both fail every allocation).
 */
#include "format_check.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define FORMAT_CHECK_MAX_LINE (1u << 16)

static bool str_same(const char *a, const char *b) {
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The first member that differs, or NULL. */
static const char *space_diff(const struct trace_op *a, const struct trace_op *b) {
    const memdev_config *x = &a->config, *y = &b->config;
    if (x->base != y->base)
        return "space base";
    if (x->size != y->size)
        return "space size";
    if (x->budget != y->budget)
        return "space budget";
    if (x->dimm_slots != y->dimm_slots)
        return "space slots";
    if (x->has_kvm != y->has_kvm ||
        (x->has_kvm && (x->kvm.max != y->kvm.max || x->kvm.other != y->kvm.other)))
        return "space kvm";
    if (x->n_vhost != y->n_vhost)
        return "space vhost count";
    for (uint32_t i = 0; i < x->n_vhost && i < TRACE_MAX_VHOST; i++)
        if (a->vhost[i].max != b->vhost[i].max || a->vhost[i].other != b->vhost[i].other)
            return "space vhost";
    return NULL;
}

static const char *plug_diff(const struct trace_op *a, const struct trace_op *b) {
    const memdev_device_desc *x = &a->desc, *y = &b->desc;
    uint32_t f = x->fields;
    if (!str_same(x->id, y->id))
        return "plug id";
    if (x->kind != y->kind)
        return "plug kind";
    if (x->kind == MEMDEV_KIND_COUNT && !str_same(a->kind_text, b->kind_text))
        return "plug kind name";
    if (f != y->fields)
        return "plug fields (the options given)";
    if (x->size != y->size)
        return "plug size";
    if (x->align != y->align)
        return "plug align";
    if ((f & MEMDEV_F_ADDR) && x->addr != y->addr)
        return "plug addr";
    if ((f & MEMDEV_F_SLOT) && x->slot != y->slot)
        return "plug slot";
    if ((f & MEMDEV_F_BLOCK) && x->block != y->block)
        return "plug block";
    if ((f & MEMDEV_F_DYNAMIC) && x->dynamic != y->dynamic)
        return "plug dynamic-memslots";
    if ((f & MEMDEV_F_REQUESTED) && x->requested != y->requested)
        return "plug requested";
    if ((f & MEMDEV_F_LABEL) && x->label != y->label)
        return "plug label";
    if ((f & MEMDEV_F_NODE) && x->node != y->node)
        return "plug node";
    if ((f & MEMDEV_F_MEMDEV) && !str_same(x->memdev, y->memdev))
        return "plug memdev";
    return NULL;
}

static const char *expect_diff(const struct trace_expect *x, const struct trace_expect *y) {
    if (x->code != y->code)
        return "expect error code";
    if (x->code != 0)
        return NULL;
    if (x->none != y->none)
        return "expect none";
    if (x->none)
        return NULL;
    if (x->empty != y->empty)
        return "expect empty";
    if (!str_same(x->id, y->id))
        return "expect id";
    if (x->fields != y->fields)
        return "expect keys";
    for (int i = 0; i < TRACE_EXP_COUNT; i++)
        if ((x->fields & (1u << i)) && x->value[i] != y->value[i])
            return "expect value";
    return NULL;
}

static const char *op_diff(const struct trace_op *a, const struct trace_op *b) {
    if (a->type != b->type)
        return "operation type";
    switch (a->type) {
    case TRACE_OP_SPACE:
        return space_diff(a, b);
    case TRACE_OP_PLUG:
        return plug_diff(a, b);
    case TRACE_OP_EXPECT:
        return expect_diff(&a->expect, &b->expect);
    case TRACE_OP_FAIL_ALLOC: {
        unsigned ma = a->fail_mask ? a->fail_mask : 0xFFu, mb = b->fail_mask ? b->fail_mask : 0xFFu;
        return ma != mb ? "fail-alloc mask" : NULL;
    }
    case TRACE_OP_VHOST_ADD:
        return a->limit.max != b->limit.max || a->limit.other != b->limit.other ? "vhost-add limit"
                                                                                : NULL;
    case TRACE_OP_LOOKUP:
        return a->gpa != b->gpa ? "lookup address" : NULL;
    case TRACE_OP_FREE:
        return a->size != b->size ? "free size" : a->align != b->align ? "free align" : NULL;
    case TRACE_OP_UNPLUG:
    case TRACE_OP_VMEM:
    case TRACE_OP_RESIZE:
    case TRACE_OP_MAP:
    case TRACE_OP_UNMAP:
        if (!str_same(a->id, b->id))
            return "id";
        if (a->type == TRACE_OP_VMEM && a->vmem_plug != b->vmem_plug)
            return "vmem plug/unplug";
        if (a->type == TRACE_OP_VMEM && (a->offset != b->offset || a->length != b->length))
            return "vmem range";
        if (a->type == TRACE_OP_RESIZE && a->requested != b->requested)
            return "resize requested";
        if ((a->type == TRACE_OP_MAP || a->type == TRACE_OP_UNMAP) && a->index != b->index)
            return "memslot index";
        return NULL;
    default:
        return NULL; /* none, stats, list, info: the type is all there is */
    }
}

int format_check_op(const struct trace_op *op, char *why, size_t cap) {
    static char text[FORMAT_CHECK_MAX_LINE];
    if (op->type == TRACE_OP_NONE) /* a blank or comment line: nothing to print */
        return 0;
    int n = trace_format_op(op, text, sizeof text);
    if (n < 0 || (size_t)n >= sizeof text)
        return 0; /* no trace text for it (or a line longer than any input) */
    /* parsed into the same op every time: its storage is allocated once, not per line */
    static struct trace_op back;
    struct trace_diag diag;
    if (trace_parse_line(&back, text, (size_t)n, 1, &diag) != 0) {
        if (strstr(diag.msg, "out of memory")) /* the parser's storage: nothing to compare */
            return 0;
        snprintf(why, cap, "the formatted line does not parse (column %zu: %s): %.300s", diag.col,
                 diag.msg, text);
        return -1;
    }
    /* (no second print to compare: the formatter reads only members compared here) */
    const char *what = op_diff(op, &back);
    if (what) {
        snprintf(why, cap, "%s differs after printing and parsing again: %.300s", what, text);
        return -1;
    }
    return 0;
}
