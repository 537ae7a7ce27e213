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

#include "harness.h"

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
    return program_to_trace_oom(data, size, NULL, out, with_expect);
}

int program_to_trace_oom(const uint8_t *data, size_t size, const uint8_t *schedule, FILE *out,
                         bool with_expect)
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
        uint8_t mask = schedule ? schedule[(uint32_t)(n + 1) % HARNESS_SCHEDULE_SIZE] : 0;
        if (mask && fprintf(out, "# oom: allocations failing in the next op: mask 0x%02x (the "
                                 "target then checks no-memory and retries)\n", mask) < 0)
            goto out;
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

/* ---------------------------------------------------------------------------------------- */
/* memdev decode                                                                            */

const char program_decode_help[] =
    "usage: memdev decode [--target ops|oom|trace] [--no-expect] FILE...\n"
    "\n"
    "Prints a fuzz input (a corpus file, a crash from libFuzzer or AFL++) as the equivalent\n"
    "memdev trace: the space line and one line per decoded operation, each followed by an\n"
    "'expect' line with the reference model's result, so the output replays with\n"
    "'memdev run --check' and, committed under tests/traces, is a regression case.\n"
    "The target decides the layout: ops = the whole input is a program; oom = 8 bytes of\n"
    "allocation-failure schedule, then a program (the schedule is shown as comments);\n"
    "trace = the input already is trace text and is printed as it is. Without --target the\n"
    "target is the first directory name in FILE's path that is a target name, else ops.\n"
    "Exit status: 0, 2 on bad usage or an unreadable file.\n";

static const char *const decode_targets[] = {"ops", "oom", "trace"};

static const char *target_from_path(const char *path)
{
    const char *best = NULL;
    for (const char *p = path; *p; p++) {
        if (p != path && p[-1] != '/')
            continue;
        for (size_t t = 0; t < sizeof(decode_targets) / sizeof(decode_targets[0]); t++) {
            size_t n = strlen(decode_targets[t]);
            if (strncmp(p, decode_targets[t], n) == 0 && p[n] == '/')
                best = decode_targets[t];
        }
    }
    return best ? best : "ops";
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t cap = 4096, n;
    uint8_t *buf = f ? malloc(cap) : NULL;
    *len = 0;
    while (buf && (n = fread(buf + *len, 1, cap - *len, f)) > 0) {
        *len += n;
        if (*len == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    if (f && (ferror(f) || !buf)) {
        free(buf);
        buf = NULL;
    }
    if (f && f != stdin)
        fclose(f);
    return buf;
}

static int decode_one(const char *path, const char *target, bool expect)
{
    size_t len;
    uint8_t *buf = read_all(path, &len);
    if (!buf) {
        fprintf(stderr, "memdev decode: cannot read %s\n", path);
        return 2;
    }
    int rc = 0;
    printf("# memdev decode --target %s %s\n", target, path);
    if (strcmp(target, "trace") == 0) {
        rc = fwrite(buf, 1, len, stdout) == len ? 0 : -1;
    } else if (strcmp(target, "oom") == 0) {
        uint8_t sched[HARNESS_SCHEDULE_SIZE] = {0};
        size_t n = len < sizeof(sched) ? len : sizeof(sched);
        memcpy(sched, buf, n);
        printf("# oom schedule: space creation mask 0x%02x\n", sched[0]);
        rc = program_to_trace_oom(buf + n, len - n, sched, stdout, expect);
    } else {
        rc = program_to_trace(buf, len, stdout, expect);
    }
    free(buf);
    return rc < 0 ? 2 : 0;
}

int program_decode_main(int argc, char **argv)
{
    const char *target = NULL;
    bool expect = true;
    int rc = 0, files = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(program_decode_help, stdout);
            return 0;
        }
        if (strcmp(a, "--no-expect") == 0) {
            expect = false;
        } else if (strcmp(a, "--target") == 0 && i + 1 < argc) {
            target = argv[++i];
            bool known = false;
            for (size_t t = 0; t < sizeof(decode_targets) / sizeof(decode_targets[0]); t++)
                known |= strcmp(target, decode_targets[t]) == 0;
            if (!known) {
                fprintf(stderr, "memdev decode: unknown target '%s' (ops, oom, trace)\n", target);
                return 2;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "memdev decode: unknown option %s\nTry 'memdev decode --help'.\n", a);
            return 2;
        } else {
            files++;
            int r = decode_one(a, target ? target : target_from_path(a), expect);
            rc = r > rc ? r : rc;
        }
    }
    if (!files) {
        fprintf(stderr, "memdev decode: no FILE given\nTry 'memdev decode --help'.\n");
        return 2;
    }
    return rc;
}
