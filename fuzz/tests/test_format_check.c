/* SPDX-License-Identifier: MIT */
/*
 * test_format_check.c - the trace target's formatter check (fuzz/format_check.h), both ways:
 * every op type with every option it takes, parsed from text, passes; ops the formatter
 * cannot print are skipped; and two hand-built ops that the formatter prints as a different
 * op (a kind name that is a known kind, a `mapped` value other than 0 or 1) are reported,
 * naming what differs, so the check is seen to fail when the printed op is not the op.
 *
 * And every comparison, one at a time: trace_parse_line is wrapped at link time
 * (-Wl,--wrap=trace_parse_line) so that the op parsed back from the printed text has one
 * member changed, as a formatter that garbled that member would give. The check must name
 * that member; a change to a member the op's type does not use (an addr not given, a vmem
 * range on an unplug, the values of an `expect error`) must pass, as it means nothing.
 */
#include "check.h"
#include "format_check.h"
#include "trace.h"

static const char *const lines[] = {
    "space base=0x100000000 size=0x40000000000 budget=0x8000000000 slots=8",
    "space base=4294967296 size=0x1000000000 budget=0x1000000000 slots=0 kvm=509/2 vhost=64/0 "
    "vhost=510/100 vhost=1/1",
    "plug dimm0 dimm size=0x40000000",
    "plug dimm1 dimm size=0x40000000 align=0x40000000 addr=0x140000000 slot=3 node=0 "
    "memdev=mem-dimm1",
    "plug nv0 nvdimm size=0x40020000 label=0x20000 node=1",
    "plug vm0 virtio-mem size=0x100000000 block=0x200000 requested=0x40000000 "
    "dynamic-memslots=on",
    "plug vm1 virtio-mem size=0x100000000 dynamic-memslots=off",
    "plug pm0 virtio-pmem size=0x40000000 align=0x1000",
    "plug hv0 hv-balloon empty",
    "plug hv1 hv-balloon size=0x40000000 empty",
    "plug hv2 hv-balloon size=0x40000000 memdev=be=x",
    "plug x0 virtio-foo size=0x1000",
    "unplug dimm0",
    "vmem vm0 plug 0x0 0x200000",
    "vmem vm0 unplug 0x200000 0x400000",
    "resize vm0 requested=0x0",
    "map vm0 3",
    "unmap vm0 0",
    "vhost-add 509/0",
    "lookup 0x140000000",
    "free 0x40000000",
    "free 0x1000 align=0x1000",
    "stats",
    "list",
    "info",
    "fail-alloc",
    "fail-alloc mask=0x1",
    "fail-alloc mask=0xff",
    "expect ok",
    "expect ok addr=0x100000000 slot=0 memslots=1",
    "expect ok empty memslots=0",
    "expect ok id=dimm1 offset=0x10 memslot=0 mapped=no",
    "expect none",
    "expect error busy",
    "expect error no-memory",
};

/* ---- the parsed-back op with one member changed ---------------------------------------- */

int __real_trace_parse_line(struct trace_op *op, const char *text, size_t len, size_t lineno,
                            struct trace_diag *diag);
int __wrap_trace_parse_line(struct trace_op *op, const char *text, size_t len, size_t lineno,
                            struct trace_diag *diag);

enum tamper {
    T_NONE,
    T_TYPE,
    T_BASE,
    T_SIZE,
    T_BUDGET,
    T_SLOTS,
    T_HAS_KVM,
    T_KVM_MAX,
    T_KVM_OTHER,
    T_NVHOST,
    T_VHOST1_MAX,
    T_VHOST0_OTHER,
    T_PLUG_ID,
    T_KIND,
    T_KIND_TEXT,
    T_FIELDS,
    T_DSIZE,
    T_DALIGN,
    T_ADDR,
    T_SLOT,
    T_BLOCK,
    T_DYNAMIC,
    T_REQUESTED,
    T_LABEL,
    T_NODE,
    T_MEMDEV,
    T_CODE,
    T_NONE_FLAG,
    T_EMPTY,
    T_EXP_ID,
    T_KEYS,
    T_VALUE_ADDR,
    T_VALUE_OFFSET,
    T_MASK,
    T_LIMIT_MAX,
    T_LIMIT_OTHER,
    T_GPA,
    T_FREE_SIZE,
    T_FREE_ALIGN,
    T_ID,
    T_VMEM_PLUG,
    T_OFFSET,
    T_LENGTH,
    T_RESIZE,
    T_INDEX
};
static enum tamper tamper_now;

int __wrap_trace_parse_line(struct trace_op *op, const char *text, size_t len, size_t lineno,
                            struct trace_diag *diag) {
    int rc = __real_trace_parse_line(op, text, len, lineno, diag);
    if (rc != 0)
        return rc;
    memdev_config *c = &op->config;
    memdev_device_desc *d = &op->desc;
    struct trace_expect *e = &op->expect;
    switch (tamper_now) {
    case T_NONE:
        break;
    case T_TYPE:
        op->type = op->type == TRACE_OP_STATS ? TRACE_OP_LIST : TRACE_OP_STATS;
        break;
    case T_BASE:
        c->base += 1u << 21;
        break;
    case T_SIZE:
        c->size += 1u << 21;
        break;
    case T_BUDGET:
        c->budget += 1u << 21;
        break;
    case T_SLOTS:
        c->dimm_slots++;
        break;
    case T_HAS_KVM:
        c->has_kvm = !c->has_kvm;
        break;
    case T_KVM_MAX:
        c->kvm.max++;
        break;
    case T_KVM_OTHER:
        c->kvm.other++;
        break;
    case T_NVHOST:
        c->n_vhost--;
        break;
    case T_VHOST1_MAX:
        op->vhost[1].max++;
        break;
    case T_VHOST0_OTHER:
        op->vhost[0].other++;
        break;
    case T_PLUG_ID:
        d->id = "other";
        break;
    case T_KIND:
        d->kind = d->kind == MEMDEV_DIMM ? MEMDEV_NVDIMM : MEMDEV_DIMM;
        break;
    case T_KIND_TEXT:
        op->kind_text = "virtio-bar";
        break;
    case T_FIELDS:
        d->fields ^= MEMDEV_F_LABEL;
        break;
    case T_DSIZE:
        d->size += 1u << 21;
        break;
    case T_DALIGN:
        d->align <<= 1;
        break;
    case T_ADDR:
        d->addr += 1u << 30;
        break;
    case T_SLOT:
        d->slot++;
        break;
    case T_BLOCK:
        d->block <<= 1;
        break;
    case T_DYNAMIC:
        d->dynamic = !d->dynamic;
        break;
    case T_REQUESTED:
        d->requested += 1u << 21;
        break;
    case T_LABEL:
        d->label += 1u << 17;
        break;
    case T_NODE:
        d->node++;
        break;
    case T_MEMDEV:
        d->memdev = "other";
        break;
    case T_CODE:
        e->code = e->code ? 0 : MEMDEV_EBUSY;
        break;
    case T_NONE_FLAG:
        e->none = !e->none;
        break;
    case T_EMPTY:
        e->empty = !e->empty;
        break;
    case T_EXP_ID:
        e->id = "other";
        break;
    case T_KEYS:
        e->fields ^= 1u << TRACE_EXP_OFFSET;
        break;
    case T_VALUE_ADDR:
        e->value[TRACE_EXP_ADDR]++;
        break;
    case T_VALUE_OFFSET:
        e->value[TRACE_EXP_OFFSET]++;
        break;
    case T_MASK:
        op->fail_mask = (uint8_t)(op->fail_mask == 1 ? 2 : 1);
        break;
    case T_LIMIT_MAX:
        op->limit.max++;
        break;
    case T_LIMIT_OTHER:
        op->limit.other++;
        break;
    case T_GPA:
        op->gpa++;
        break;
    case T_FREE_SIZE:
        op->size += 1u << 21;
        break;
    case T_FREE_ALIGN:
        op->align <<= 1;
        break;
    case T_ID:
        op->id = "other";
        break;
    case T_VMEM_PLUG:
        op->vmem_plug = !op->vmem_plug;
        break;
    case T_OFFSET:
        op->offset += 1u << 21;
        break;
    case T_LENGTH:
        op->length += 1u << 21;
        break;
    case T_RESIZE:
        op->requested += 1u << 21;
        break;
    case T_INDEX:
        op->index++;
        break;
    }
    return rc;
}

#define SPACE_KVM                                                                                  \
    "space base=0x100000000 size=0x1000000000 budget=0x800000000 slots=4 kvm=509/2 "               \
    "vhost=64/1 vhost=510/100"
#define SPACE_BARE "space base=0x100000000 size=0x1000000000 budget=0x800000000"
#define PLUG_ALL                                                                                   \
    "plug dimm1 dimm size=0x40000000 align=0x40000000 addr=0x140000000 slot=3 "                    \
    "node=1 memdev=mem-dimm1"
#define PLUG_BARE "plug dimm0 dimm size=0x40000000"
#define PLUG_VMEM                                                                                  \
    "plug vm0 virtio-mem size=0x100000000 block=0x200000 requested=0x40000000 "                    \
    "dynamic-memslots=on"
#define EXPECT_PLUG "expect ok addr=0x100000000 slot=0 memslots=1"

/* what: the start of the check's message ("<what> differs"), or NULL: the change means nothing */
static const struct {
    const char *line;
    enum tamper t;
    const char *what;
} tampered[] = {
    {"stats", T_TYPE, "operation type"},
    {"stats", T_GPA, NULL},
    {SPACE_KVM, T_BASE, "space base"},
    {SPACE_KVM, T_SIZE, "space size"},
    {SPACE_KVM, T_BUDGET, "space budget"},
    {SPACE_KVM, T_SLOTS, "space slots"},
    {SPACE_KVM, T_HAS_KVM, "space kvm"},
    {SPACE_KVM, T_KVM_MAX, "space kvm"},
    {SPACE_KVM, T_KVM_OTHER, "space kvm"},
    {SPACE_KVM, T_NVHOST, "space vhost count"},
    {SPACE_KVM, T_VHOST1_MAX, "space vhost"},
    {SPACE_KVM, T_VHOST0_OTHER, "space vhost"},
    {SPACE_BARE, T_HAS_KVM, "space kvm"},
    {SPACE_BARE, T_KVM_MAX, NULL}, /* no kvm= on either side: its numbers mean nothing */
    {SPACE_BARE, T_KVM_OTHER, NULL},
    {SPACE_BARE, T_VHOST0_OTHER, NULL},
    {PLUG_ALL, T_PLUG_ID, "plug id"},
    {PLUG_ALL, T_KIND, "plug kind"},
    {PLUG_ALL, T_KIND_TEXT, NULL}, /* a known kind is printed by its number, not its text */
    {"plug x0 virtio-foo size=0x1000", T_KIND_TEXT, "plug kind name"},
    {PLUG_ALL, T_FIELDS, "plug fields (the options given)"},
    {PLUG_ALL, T_DSIZE, "plug size"},
    {PLUG_ALL, T_DALIGN, "plug align"},
    {PLUG_ALL, T_ADDR, "plug addr"},
    {PLUG_ALL, T_SLOT, "plug slot"},
    {PLUG_ALL, T_NODE, "plug node"},
    {PLUG_ALL, T_MEMDEV, "plug memdev"},
    {PLUG_VMEM, T_BLOCK, "plug block"},
    {PLUG_VMEM, T_DYNAMIC, "plug dynamic-memslots"},
    {PLUG_VMEM, T_REQUESTED, "plug requested"},
    {"plug nv0 nvdimm size=0x40020000 label=0x20000", T_LABEL, "plug label"},
    /* options not given: their values mean nothing */
    {PLUG_BARE, T_ADDR, NULL},
    {PLUG_BARE, T_SLOT, NULL},
    {PLUG_BARE, T_BLOCK, NULL},
    {PLUG_BARE, T_DYNAMIC, NULL},
    {PLUG_BARE, T_REQUESTED, NULL},
    {PLUG_BARE, T_LABEL, NULL},
    {PLUG_BARE, T_NODE, NULL},
    {PLUG_BARE, T_MEMDEV, NULL},
    {EXPECT_PLUG, T_CODE, "expect error code"},
    {EXPECT_PLUG, T_NONE_FLAG, "expect none"},
    {EXPECT_PLUG, T_EMPTY, "expect empty"},
    {EXPECT_PLUG, T_EXP_ID, "expect id"},
    {EXPECT_PLUG, T_KEYS, "expect keys"},
    {EXPECT_PLUG, T_VALUE_ADDR, "expect value"},
    {EXPECT_PLUG, T_VALUE_OFFSET, NULL}, /* a key not given */
    {"expect ok id=dimm1 offset=0x10 memslot=0 mapped=no", T_EXP_ID, "expect id"},
    {"expect error busy", T_CODE, "expect error code"},
    {"expect error busy", T_NONE_FLAG, NULL}, /* an error has no values */
    {"expect error busy", T_VALUE_ADDR, NULL},
    {"expect none", T_NONE_FLAG, "expect none"},
    {"expect none", T_EMPTY, NULL},
    {"expect none", T_EXP_ID, NULL},
    {"fail-alloc mask=0x1", T_MASK, "fail-alloc mask"},
    {"fail-alloc", T_MASK, "fail-alloc mask"},
    {"vhost-add 509/0", T_LIMIT_MAX, "vhost-add limit"},
    {"vhost-add 509/0", T_LIMIT_OTHER, "vhost-add limit"},
    {"lookup 0x140000000", T_GPA, "lookup address"},
    {"free 0x1000 align=0x1000", T_FREE_SIZE, "free size"},
    {"free 0x1000 align=0x1000", T_FREE_ALIGN, "free align"},
    {"unplug dimm0", T_ID, "id"},
    {"unplug dimm0", T_VMEM_PLUG, NULL}, /* members of other operations */
    {"unplug dimm0", T_OFFSET, NULL},
    {"unplug dimm0", T_LENGTH, NULL},
    {"unplug dimm0", T_RESIZE, NULL},
    {"unplug dimm0", T_INDEX, NULL},
    {"vmem vm0 plug 0x0 0x200000", T_ID, "id"},
    {"vmem vm0 plug 0x0 0x200000", T_VMEM_PLUG, "vmem plug/unplug"},
    {"vmem vm0 unplug 0x200000 0x400000", T_OFFSET, "vmem range"},
    {"vmem vm0 unplug 0x200000 0x400000", T_LENGTH, "vmem range"},
    {"vmem vm0 plug 0x0 0x200000", T_RESIZE, NULL},
    {"vmem vm0 plug 0x0 0x200000", T_INDEX, NULL},
    {"resize vm0 requested=0x0", T_RESIZE, "resize requested"},
    {"resize vm0 requested=0x0", T_VMEM_PLUG, NULL},
    {"resize vm0 requested=0x0", T_OFFSET, NULL},
    {"resize vm0 requested=0x0", T_INDEX, NULL},
    {"map vm0 3", T_INDEX, "memslot index"},
    {"map vm0 3", T_ID, "id"},
    {"map vm0 3", T_OFFSET, NULL},
    {"unmap vm0 0", T_INDEX, "memslot index"},
    {"unmap vm0 0", T_RESIZE, NULL},
};

static void check_tampered(void) {
    struct trace_op op;
    struct trace_diag diag;
    char why[768], want[64];
    trace_op_init(&op);
    for (size_t i = 0; i < sizeof tampered / sizeof tampered[0]; i++) {
        const char *line = tampered[i].line, *what = tampered[i].what;
        tamper_now = T_NONE;
        int rc = trace_parse_line(&op, line, strlen(line), 1, &diag);
        CHECK(rc == 0);
        if (rc != 0) {
            fprintf(stderr, "does not parse: %s (%s)\n", line, diag.msg);
            continue;
        }
        why[0] = '\0';
        tamper_now = tampered[i].t;
        rc = format_check_op(&op, why, sizeof why);
        tamper_now = T_NONE;
        snprintf(want, sizeof want, "%s differs", what ? what : "");
        bool ok = what ? rc == -1 && strncmp(why, want, strlen(want)) == 0 : rc == 0;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "case %zu, '%s' with member %d changed: %s (want %s)\n", i, line,
                    (int)tampered[i].t, rc ? why : "passed", what ? want : "a pass");
    }
    trace_op_release(&op);
}

int main(void) {
    struct trace_op op;
    struct trace_diag diag;
    char why[768];

    trace_op_init(&op);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        int rc = trace_parse_line(&op, lines[i], strlen(lines[i]), i + 1, &diag);
        CHECK(rc == 0);
        if (rc != 0) {
            fprintf(stderr, "does not parse: %s (%s)\n", lines[i], diag.msg);
            continue;
        }
        rc = format_check_op(&op, why, sizeof why);
        CHECK(rc == 0);
        if (rc != 0)
            fprintf(stderr, "%s: %s\n", lines[i], why);
    }
    trace_op_release(&op);

    /* by hand: no trace text (an empty id, a field bit the API does not define): skipped */
    struct trace_op h;
    trace_op_init(&h);
    h.type = TRACE_OP_PLUG;
    h.desc = (memdev_device_desc){.id = "", .kind = MEMDEV_DIMM, .size = 1u << 30};
    CHECK(format_check_op(&h, why, sizeof why) == 0);
    /* the formatter itself: -1 and an empty string, whatever the buffer held */
    char text[64];
    memset(text, 'x', sizeof text);
    CHECK(trace_format_op(&h, text, sizeof text) == -1);
    CHECK(text[0] == '\0');
    h.desc.id = "d";
    h.desc.fields = 1u << 20;
    CHECK(format_check_op(&h, why, sizeof why) == 0);

    /* by hand: a fail-alloc mask of 0 is every allocation, as 0xff */
    trace_op_init(&h);
    h.type = TRACE_OP_FAIL_ALLOC;
    CHECK(format_check_op(&h, why, sizeof why) == 0);

    /* the check fails: an unknown kind whose name is a known kind prints as that kind */
    trace_op_init(&h);
    h.type = TRACE_OP_PLUG;
    h.desc = (memdev_device_desc){.id = "d", .kind = MEMDEV_KIND_COUNT, .size = 1u << 30};
    h.kind_text = "dimm";
    why[0] = '\0';
    CHECK(format_check_op(&h, why, sizeof why) == -1);
    CHECK(strstr(why, "plug kind differs") != NULL);
    CHECK(strstr(why, "plug d dimm size=0x40000000") != NULL);
    fprintf(stderr, "reported as it should be: %s\n", why);

    /* the check fails: mapped=2 prints as yes, which reads back as 1 */
    trace_op_init(&h);
    h.type = TRACE_OP_EXPECT;
    h.expect.fields = 1u << TRACE_EXP_MAPPED;
    h.expect.value[TRACE_EXP_MAPPED] = 2;
    why[0] = '\0';
    CHECK(format_check_op(&h, why, sizeof why) == -1);
    CHECK(strstr(why, "expect value differs") != NULL);
    fprintf(stderr, "reported as it should be: %s\n", why);

    /* an operation type past the last one is no trace text */
    trace_op_init(&h);
    h.type = TRACE_OP_TYPE_COUNT;
    h.id = "d";
    CHECK(trace_format_op(&h, text, sizeof text) == -1);
    h.type = (enum trace_op_type)(TRACE_OP_TYPE_COUNT + 1);
    CHECK(trace_format_op(&h, text, sizeof text) == -1);

    /* `expect error CODE` with a code the library does not have is no trace text */
    const int codes[] = {1, 5, MEMDEV_ENOMEM - 1, -1000};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        trace_op_init(&h);
        h.type = TRACE_OP_EXPECT;
        h.expect.code = codes[i];
        CHECK(trace_format_op(&h, text, sizeof text) == -1);
    }
    h.expect.code = MEMDEV_ENOMEM; /* the last code there is */
    memset(text, 'x', sizeof text);
    CHECK(trace_format_op(&h, text, sizeof text) > 0 &&
          strcmp(text, "expect error no-memory") == 0);
    /* like snprintf: a short buffer gets a terminated prefix, and the full length comes back */
    memset(text, 'x', sizeof text);
    CHECK(trace_format_op(&h, text, 7) == (int)strlen("expect error no-memory"));
    CHECK(strcmp(text, "expect") == 0);
    CHECK(trace_format_op(&h, text, 0) == (int)strlen("expect error no-memory"));
    CHECK(strcmp(text, "expect") == 0); /* cap 0: nothing written */

    check_tampered();
    return check_report("test_format_check");
}
