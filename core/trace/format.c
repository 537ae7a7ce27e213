/* SPDX-License-Identifier: MIT */
/*
 * format.c - prints an op back as one trace line that the parser reads back as the same op
 * (numbers in hex, options in a fixed order). The fuzz decoder uses it to turn inputs into
 * reproducer traces; the runner uses it in divergence reports.
 */
#include "trace_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* A token the parser would read back unchanged: non-empty, no whitespace, '#', control. */
static bool token_ok(const char *s, bool allow_eq) {
    if (!s || !*s)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || *p == '#' || (*p == '=' && !allow_eq))
            return false;
    return true;
}

static int format_space(struct sbuf *sb, const struct trace_op *op) {
    const memdev_config *cfg = &op->config;
    if (cfg->n_vhost > TRACE_MAX_VHOST)
        return -1;
    sb_addf(sb, "space base=0x%" PRIx64 " size=0x%" PRIx64 " budget=0x%" PRIx64 " slots=%" PRIu32,
            cfg->base, cfg->size, cfg->budget, cfg->dimm_slots);
    if (cfg->has_kvm)
        sb_addf(sb, " kvm=%" PRIu32 "/%" PRIu32, cfg->kvm.max, cfg->kvm.other);
    for (uint32_t i = 0; i < cfg->n_vhost; i++)
        sb_addf(sb, " vhost=%" PRIu32 "/%" PRIu32, op->vhost[i].max, op->vhost[i].other);
    return 0;
}

static int format_plug(struct sbuf *sb, const struct trace_op *op) {
    const memdev_device_desc *d = &op->desc;
    const char *kind = memdev_kind_name(d->kind);
    if (!kind && d->kind == MEMDEV_KIND_COUNT && token_ok(op->kind_text, false))
        kind = op->kind_text;
    /* a field bit the API does not define has no trace syntax (the fuzz decoder makes them) */
    if (!kind || !token_ok(d->id, false) || (d->fields & ~((unsigned)MEMDEV_F_MEMDEV * 2 - 1)))
        return -1;
    sb_addf(sb, "plug %s %s", d->id, kind);
    if (!(d->fields & MEMDEV_F_EMPTY) || d->size)
        sb_addf(sb, " size=0x%" PRIx64, d->size);
    sb_addf(sb, " align=0x%" PRIx64, d->align);
    if (d->fields & MEMDEV_F_ADDR)
        sb_addf(sb, " addr=0x%" PRIx64, d->addr);
    if (d->fields & MEMDEV_F_SLOT)
        sb_addf(sb, " slot=%" PRIu32, d->slot);
    if (d->fields & MEMDEV_F_BLOCK)
        sb_addf(sb, " block=0x%" PRIx64, d->block);
    if (d->fields & MEMDEV_F_DYNAMIC)
        sb_addf(sb, " dynamic-memslots=%s", d->dynamic ? "on" : "off");
    if (d->fields & MEMDEV_F_REQUESTED)
        sb_addf(sb, " requested=0x%" PRIx64, d->requested);
    if (d->fields & MEMDEV_F_LABEL)
        sb_addf(sb, " label=0x%" PRIx64, d->label);
    if (d->fields & MEMDEV_F_NODE)
        sb_addf(sb, " node=%" PRIu32, d->node);
    if (d->fields & MEMDEV_F_MEMDEV) {
        if (!token_ok(d->memdev, true))
            return -1;
        sb_addf(sb, " memdev=%s", d->memdev);
    }
    if (d->fields & MEMDEV_F_EMPTY)
        sb_str(sb, " empty");
    return 0;
}

int format_expect(struct sbuf *sb, const struct trace_expect *e) {
    if (e->code != 0) {
        if (e->code >= 0 || e->code < MEMDEV_ENOMEM)
            return -1;
        sb_addf(sb, "expect error %s", memdev_error_name(e->code));
        return 0;
    }
    if (e->none) {
        sb_str(sb, "expect none");
        return 0;
    }
    sb_str(sb, "expect ok");
    if (e->empty)
        sb_str(sb, " empty");
    if (e->id) {
        if (!token_ok(e->id, true))
            return -1;
        sb_addf(sb, " id=%s", e->id);
    }
    for (int i = 0; i < TRACE_EXP_COUNT; i++)
        if (e->fields & (1u << i))
            add_expect_value(sb, i, e->value[i]);
    return 0;
}

int format_into(struct sbuf *sb, const struct trace_op *op) {
    const char *name = trace_op_name(op->type);
    switch (op->type) {
    case TRACE_OP_NONE:
        return 0;
    case TRACE_OP_SPACE:
        return format_space(sb, op);
    case TRACE_OP_PLUG:
        return format_plug(sb, op);
    case TRACE_OP_EXPECT:
        return format_expect(sb, &op->expect);
    case TRACE_OP_STATS:
    case TRACE_OP_LIST:
    case TRACE_OP_INFO:
        sb_str(sb, name);
        return 0;
    case TRACE_OP_FAIL_ALLOC:
        sb_str(sb, name);
        if (op->fail_mask && op->fail_mask != 0xFF)
            sb_addf(sb, " mask=0x%x", (unsigned)op->fail_mask);
        return 0;
    case TRACE_OP_VHOST_ADD:
        sb_addf(sb, "vhost-add %" PRIu32 "/%" PRIu32, op->limit.max, op->limit.other);
        return 0;
    case TRACE_OP_LOOKUP:
        sb_addf(sb, "lookup 0x%" PRIx64, op->gpa);
        return 0;
    case TRACE_OP_FREE:
        sb_addf(sb, "free 0x%" PRIx64 " align=0x%" PRIx64, op->size, op->align);
        return 0;
    default:
        break;
    }
    if ((unsigned)op->type >= TRACE_OP_TYPE_COUNT || !token_ok(op->id, false))
        return -1;
    sb_addf(sb, "%s %s", name, op->id);
    switch (op->type) {
    case TRACE_OP_VMEM:
        sb_addf(sb, " %s 0x%" PRIx64 " 0x%" PRIx64, op->vmem_plug ? "plug" : "unplug", op->offset,
                op->length);
        break;
    case TRACE_OP_RESIZE:
        sb_addf(sb, " requested=0x%" PRIx64, op->requested);
        break;
    case TRACE_OP_MAP:
    case TRACE_OP_UNMAP:
        sb_addf(sb, " %" PRIu32, op->index);
        break;
    default:
        break;
    }
    return 0;
}

int trace_format_op(const struct trace_op *op, char *buf, size_t cap) {
    struct sbuf sb = {0};
    int rc = format_into(&sb, op);
    if (rc == 0 && (sb.oom || sb.len > (size_t)INT32_MAX))
        rc = -1;
    if (rc == 0) {
        if (cap > 0) {
            size_t n = sb.len < cap - 1 ? sb.len : cap - 1;
            if (n)
                memcpy(buf, sb.p, n);
            buf[n] = '\0';
        }
        rc = (int)sb.len;
    } else if (cap > 0) {
        buf[0] = '\0';
    }
    sb_free(&sb);
    return rc;
}
