/* SPDX-License-Identifier: MIT */
/*
 * program_trace.c - a decoded fuzz program as memdev trace text (`memdev-decode`,
 * `fuzz/repro`), and the reference model's side of executing one decoded op.
 *
 * The trace is built from the same lock-step decoding the fuzz targets do (the library's
 * state folds the operands), so it contains exactly the operations the target ran. The
 * optional `expect` lines come from the reference model, not from the library: a trace made
 * from a crash of a buggy library then fails on that library and passes once it is fixed,
 * which is what a committed regression case must do.
 */
#include "corrupt.h"
#include "program.h"

#include "harness.h"
#include "lockstep.h"

#include <stdlib.h>
#include <string.h>

/* Ops whose result a trace `expect` can state. */
static bool has_expect(const struct trace_op *op) {
    return op->type != TRACE_OP_STATS && op->type != TRACE_OP_LIST && op->type != TRACE_OP_INFO;
}

/* 1 when written, 0 when the op cannot be trace text (a comment says so), -1 on an error. */
static int print_op(FILE *out, const struct trace_op *op) {
    char line[1024];
    int n = trace_format_op(op, line, sizeof(line));
    if (n < 0 || (size_t)n >= sizeof(line))
        return fprintf(out, "# (op not expressible as trace text: an empty id, an unknown kind "
                            "number or field bit)\n") < 0
                   ? -1
                   : 0;
    return fprintf(out, "%s\n", line) < 0 ? -1 : 1;
}

static int print_expect(FILE *out, const struct trace_op *op, const lockstep_result *res) {
    char line[1024]; /* an expect for a lookup names the id: up to 255 bytes */
    memdev_lookup_result lk = res->lookup;
    if (!has_expect(op) ||
        program_format_expect(op, res->rc, &res->plug, &lk, res->addr, line, sizeof(line)) <= 0)
        return 0;
    return fprintf(out, "%s\n", line) < 0 ? -1 : 0;
}

/* `fail-alloc [mask=M]` before an op (or the space) whose allocations the oom target fails. */
static int print_fail_alloc(FILE *out, uint8_t mask) {
    struct trace_op fa;
    memset(&fa, 0, sizeof(fa));
    fa.type = TRACE_OP_FAIL_ALLOC;
    fa.fail_mask = mask;
    return print_op(out, &fa);
}

static int to_trace(const uint8_t *data, size_t size, const uint8_t *schedule, program_mode mode,
                    FILE *out, bool with_expect);

int program_to_trace(const uint8_t *data, size_t size, program_mode mode, FILE *out,
                     bool with_expect) {
    return to_trace(data, size, NULL, mode, out, with_expect);
}

int program_to_trace_oom(const uint8_t *data, size_t size, const uint8_t *schedule, FILE *out,
                         bool with_expect) {
    return to_trace(data, size, schedule, PROGRAM_OPS, out, with_expect);
}

/*
 * The library runs alone (it folds the operands, exactly as in the targets, and takes the
 * injected failures); the model runs beside it only to write the expect lines. An op whose
 * injected failures made the library answer no-memory is written three times over: the
 * fail-alloc line, the op with `expect error no-memory`, and the op again (the target's
 * retry) with the model's result.
 */
static int to_trace(const uint8_t *data, size_t size, const uint8_t *schedule, program_mode mode,
                    FILE *out, bool with_expect) {
    program_decoder *d = calloc(1, sizeof(*d));
    struct trace_op op;
    lockstep *lib = NULL;
    model_space *m = NULL;
    int n = 0, rc = -1;
    if (!d)
        return -1;
    program_decoder_init(d, data, size, mode);
    program_space_op(d, &op);
    uint8_t cmask = schedule ? schedule[0] : 0;
    if (fprintf(out, "# memdev trace decoded from a %zu-byte fuzz input\n", size) < 0)
        goto out;
    lockstep_options lo = {.check = false, .create_fail_mask = cmask};
    int crc = lockstep_create(&d->config, NULL, &lo, &lib);
    if (crc == MEMDEV_ENOMEM && cmask && lib) {
        if (print_fail_alloc(out, cmask) < 0 || print_op(out, &op) < 0 ||
            fprintf(out, "expect error no-memory\n") < 0)
            goto out;
        lockstep_destroy(lib);
        lo.create_fail_mask = 0;
        crc = lockstep_create(&d->config, NULL, &lo, &lib);
    }
    if (print_op(out, &op) < 0)
        goto out;
    if (crc != 0) {
        rc = fprintf(out, "# the library rejects this space: %s\n", memdev_error_name(crc)) < 0 ? -1
                                                                                                : 0;
        goto out;
    }
    if (with_expect && model_space_create(&d->config, &m) != 0)
        with_expect = false;
    while (program_next(d, lockstep_space(lib), &op)) {
        lockstep_result res, mres;
        uint8_t mask = schedule ? schedule[(uint32_t)(n + 1) % HARNESS_SCHEDULE_SIZE] : 0;
        int shown = 1;
        if (mask) {
            if (print_fail_alloc(out, mask) < 0 || (shown = print_op(out, &op)) < 0)
                goto out;
            lockstep_step(lib, &op, LOCKSTEP_FAIL_ALLOC(mask), &res);
            if (res.rc == MEMDEV_ENOMEM) {
                if (shown && fprintf(out, "expect error no-memory\n") < 0)
                    goto out;
                mask = 0; /* the retry below */
            }
        }
        if (!mask) {
            if ((shown = print_op(out, &op)) < 0)
                goto out;
            lockstep_step(lib, &op, 0, &res);
        }
        if (with_expect) {
            lockstep_exec_model(m, &op, &mres);
            if (shown && print_expect(out, &op, &mres) < 0)
                goto out;
        }
        n++;
    }
    rc = n;
out:
    model_space_destroy(m);
    lockstep_destroy(lib);
    free(d);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* memdev-decode                                                                            */

static const char program_decode_help[] =
    "usage: memdev-decode [--target ops|oom|trace|deep|corrupt] [--no-expect] FILE...\n"
    "\n"
    "Prints a fuzz input (a corpus file, a crash from libFuzzer or AFL++) as the equivalent\n"
    "memdev trace: the space line and one line per decoded operation, each followed by an\n"
    "'expect' line with the reference model's result, so the output replays with\n"
    "'memdev run --check' and, committed under tests/traces, is a regression case.\n"
    "The target decides the layout: ops = the whole input is a program; oom = 8 bytes of\n"
    "allocation-failure schedule, then a program (the schedule becomes fail-alloc lines);\n"
    "trace = the input already is trace text and is printed as it is; deep = 4 bytes that\n"
    "describe a prefill (printed as its plugs), then a program; corrupt = 4 bytes that\n"
    "choose a corruption of the end state (a comment: no trace can corrupt a space; replay\n"
    "the input with fuzz_corrupt_replay), then a program. Without --target the\n"
    "target is the first directory name in FILE's path that is a target name, else ops.\n"
    "Exit status: 0, 2 on bad usage or an unreadable file.\n";

static const char *const decode_targets[] = {"ops", "oom", "trace", "deep", "corrupt"};

static const char *target_from_path(const char *path) {
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

static uint8_t *read_all(const char *path, size_t *len) {
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

static int decode_one(const char *path, const char *target, bool expect) {
    size_t len;
    uint8_t *buf = read_all(path, &len);
    if (!buf) {
        fprintf(stderr, "memdev-decode: cannot read %s\n", path);
        return 2;
    }
    int rc = 0;
    printf("# memdev-decode --target %s %s\n", target, path);
    if (strcmp(target, "trace") == 0) {
        rc = fwrite(buf, 1, len, stdout) == len ? 0 : -1;
    } else if (strcmp(target, "oom") == 0) {
        uint8_t sched[HARNESS_SCHEDULE_SIZE] = {0};
        size_t n = len < sizeof(sched) ? len : sizeof(sched);
        memcpy(sched, buf, n);
        printf("# oom schedule: space creation mask 0x%02x\n", sched[0]);
        rc = program_to_trace_oom(buf + n, len - n, sched, stdout, expect);
    } else if (strcmp(target, "corrupt") == 0) {
        uint8_t spec[CORRUPT_SPEC_SIZE] = {0};
        size_t n = len < sizeof(spec) ? len : sizeof(spec);
        memcpy(spec, buf, n);
        printf("# corrupt: after the program, corruption %u of %u (bytes %02x %02x %02x %02x, "
               "fuzz/corrupt.c) and memdev_validate; a trace cannot express it, "
               "fuzz_corrupt_replay replays it\n",
               corrupt_kind(spec), CORRUPT_KINDS, spec[0], spec[1], spec[2], spec[3]);
        rc = program_to_trace(buf + n, len - n, PROGRAM_OPS, stdout, expect);
    } else {
        rc = program_to_trace(buf, len, strcmp(target, "deep") == 0 ? PROGRAM_DEEP : PROGRAM_OPS,
                              stdout, expect);
    }
    free(buf);
    return rc < 0 ? 2 : 0;
}

int program_decode_main(int argc, char **argv) {
    /* Pass 0 checks the whole command line, pass 1 decodes: bad usage anywhere prints no
       trace at all. */
    int rc = 0, files = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *target = NULL;
        bool expect = true;
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
                    fprintf(stderr,
                            "memdev-decode: unknown target '%s' (ops, oom, trace, deep, corrupt)\n",
                            target);
                    return 2;
                }
            } else if (a[0] == '-' && a[1]) {
                fprintf(stderr, "memdev-decode: unknown option %s\nTry 'memdev-decode --help'.\n",
                        a);
                return 2;
            } else if (pass == 0) {
                files++;
            } else {
                int r = decode_one(a, target ? target : target_from_path(a), expect);
                rc = r > rc ? r : rc;
            }
        }
        if (pass == 0 && !files) {
            fprintf(stderr, "memdev-decode: no FILE given\nTry 'memdev-decode --help'.\n");
            return 2;
        }
    }
    return rc;
}
