/* SPDX-License-Identifier: MIT */
/*
 * program_trace.c - a decoded fuzz program as memdev trace text (`memdev decode`,
 * `fuzz/repro`), and the reference model's side of executing one decoded op.
 *
 * The trace is built from the same lock-step decoding the fuzz targets do (the library's
 * state folds the operands), so it contains exactly the operations the target ran. The
 * optional `expect` lines come from the reference model, not from the library: a trace made
 * from a crash of a buggy library then fails on that library and passes once it is fixed,
 * which is what a committed regression case must do.
 */
#include "program.h"

#include <stdlib.h>
#include <string.h>

int program_exec_model(model_space *m, const struct trace_op *op, memdev_plug_result *plug,
                       memdev_lookup_result *look, uint64_t *addr)
{
    switch (op->type) {
    case TRACE_OP_PLUG: return model_plug(m, &op->desc, plug);
    case TRACE_OP_UNPLUG: return model_unplug(m, op->id);
    case TRACE_OP_VMEM:
        return model_vmem_request(m, op->id, op->vmem_plug, op->offset, op->length);
    case TRACE_OP_RESIZE: return model_vmem_resize(m, op->id, op->requested);
    case TRACE_OP_MAP:
    case TRACE_OP_UNMAP:
        return model_balloon_map(m, op->id, op->index, op->type == TRACE_OP_MAP);
    case TRACE_OP_VHOST_ADD: return model_vhost_add(m, op->limit);
    case TRACE_OP_LOOKUP: return model_lookup(m, op->gpa, look);
    case TRACE_OP_FREE: return model_free(m, op->size, op->align, addr);
    default: return 0;
    }
}

/* Ops whose result a trace `expect` can state. */
static bool has_expect(const struct trace_op *op)
{
    return op->type != TRACE_OP_STATS && op->type != TRACE_OP_LIST && op->type != TRACE_OP_INFO;
}

static int print_op(FILE *out, const struct trace_op *op)
{
    char line[1024];
    int n = trace_format_op(op, line, sizeof(line));
    if (n < 0 || (size_t)n >= sizeof(line))
        return fprintf(out, "# (op not expressible as trace text)\n") < 0 ? -1 : 0;
    return fprintf(out, "%s\n", line) < 0 ? -1 : 0;
}

int program_to_trace(const uint8_t *data, size_t size, FILE *out, bool with_expect)
{
    program_decoder *d = calloc(1, sizeof(*d));
    struct trace_op op;
    memdev_space *sp = NULL;
    model_space *m = NULL;
    int n = 0, rc = -1;
    if (!d)
        return -1;
    program_decoder_init(d, data, size);
    program_space_op(d, &op);
    if (fprintf(out, "# memdev trace decoded from a %zu-byte fuzz input\n", size) < 0 ||
        print_op(out, &op) < 0)
        goto out;
    int crc = memdev_space_create(&d->config, NULL, &sp);
    if (crc != 0) {
        rc = fprintf(out, "# the library rejects this space: %s\n", memdev_error_name(crc)) < 0
                 ? -1
                 : 0;
        goto out;
    }
    if (with_expect && model_space_create(&d->config, &m) != 0)
        with_expect = false;
    while (program_next(d, sp, &op)) {
        memdev_plug_result pr, mpr = {0};
        memdev_lookup_result lr, mlr = {0};
        uint64_t a, ma = 0;
        char line[256];
        if (print_op(out, &op) < 0)
            goto out;
        program_exec(sp, &op, &pr, &lr, &a);
        if (with_expect) {
            int mrc = program_exec_model(m, &op, &mpr, &mlr, &ma);
            if (has_expect(&op) &&
                program_format_expect(&op, mrc, &mpr, &mlr, ma, line, sizeof(line)) > 0 &&
                fprintf(out, "%s\n", line) < 0)
                goto out;
        }
        n++;
    }
    rc = n;
out:
    model_space_destroy(m);
    memdev_space_destroy(sp);
    free(d);
    return rc;
}
