/* SPDX-License-Identifier: MIT */
/*
 * test_format_check.c - the trace target's formatter check (fuzz/format_check.h), both ways:
 * every op type with every option it takes, parsed from text, passes; ops the formatter
 * cannot print are skipped; and two hand-built ops that the formatter prints as a different
 * op (a kind name that is a known kind, a `mapped` value other than 0 or 1) are reported,
 * naming what differs, so the check is seen to fail when the printed op is not the op.
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

    return check_report("test_format_check");
}
