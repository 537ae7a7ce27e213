/* SPDX-License-Identifier: MIT */
/*
 * test_corrupt_target.c SEED - the corrupt target's own signature (fuzz/fuzz_corrupt.c), which
 * only a validator bug sets off, so no seed reaches it on a correct library: the target is
 * linked with memdev_validate wrapped at link time (-Wl,--wrap=memdev_validate) and run in a
 * child on SEED (a committed corrupt seed), once with the truth (nothing reported) and once
 * with a validator that passes every space: the corrupted space then passes, and the finding
 * must be signed "validator corrupt-K" with K the seed's corruption kind, so that two kinds
 * the validator misses are two findings. A mutation sample of fuzz/fuzz_corrupt.c (round 26)
 * found the kind could go from the signature without a failing test.
 *
 * The split of an input, too: the program is the bytes after the corruption spec, all of them
 * (harness_run_ex wrapped at link time records its arguments instead of running). Round 27's
 * run of that sample found the program could start before the input (data - n) or run past
 * its end (size + n) with every seed still doing its job: nothing else looks at the bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "corrupt.h"
#include "harness.h"
#include "run_child.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool lie;

int __real_memdev_validate(const memdev_space *sp, char *msg, size_t cap);
int __wrap_memdev_validate(const memdev_space *sp, char *msg, size_t cap);
int __wrap_memdev_validate(const memdev_space *sp, char *msg, size_t cap) {
    if (!lie)
        return __real_memdev_validate(sp, msg, cap);
    if (msg && cap)
        msg[0] = '\0';
    return 0;
}

/* With probe set, harness_run_ex only records what the target gave it. */
static bool probe;
static struct {
    const uint8_t *data, *schedule;
    size_t size;
    program_mode mode;
    bool at_end, ctx;
} got;

void __real_harness_run_ex(const uint8_t *data, size_t size, const uint8_t *schedule,
                           program_mode mode, harness_end_fn at_end, void *ctx);
void __wrap_harness_run_ex(const uint8_t *data, size_t size, const uint8_t *schedule,
                           program_mode mode, harness_end_fn at_end, void *ctx);
void __wrap_harness_run_ex(const uint8_t *data, size_t size, const uint8_t *schedule,
                           program_mode mode, harness_end_fn at_end, void *ctx) {
    if (!probe) {
        __real_harness_run_ex(data, size, schedule, mode, at_end, ctx);
        return;
    }
    got.data = data;
    got.size = size;
    got.schedule = schedule;
    got.mode = mode;
    got.at_end = at_end != NULL;
    got.ctx = ctx != NULL;
}

static uint8_t input[1 << 16];
static size_t input_len;

static void run_target(void *arg) {
    lie = *(const bool *)arg;
    LLVMFuzzerTestOneInput(input, input_len);
}

/* The program the target runs for the first len bytes of input: from byte min(len, spec size),
 * to the end, in ops mode, with no allocation schedule and the validator's check at the end. */
static void check_split(size_t len) {
    size_t at = len < CORRUPT_SPEC_SIZE ? len : CORRUPT_SPEC_SIZE;
    memset(&got, 0, sizeof got);
    probe = true;
    LLVMFuzzerTestOneInput(input, len);
    probe = false;
    bool ok = got.data == input + at && got.size == len - at && !got.schedule &&
              got.mode == PROGRAM_OPS && got.at_end && got.ctx;
    CHECK(ok);
    fprintf(stderr, "%s split of %zu bytes: program at byte %zu, %zu bytes%s\n",
            ok ? "ok  " : "FAIL", len, at, len - at, ok ? "" : " (it was not)");
    if (!ok)
        fprintf(stderr, "  got: program at byte %td, %zu bytes, schedule %s, mode %d, %s\n",
                got.data ? got.data - input : (ptrdiff_t)-1, got.size,
                got.schedule ? "given" : "none", (int)got.mode,
                got.at_end && got.ctx ? "the end check" : "no end check");
}

int main(int argc, char **argv) {
    FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;
    if (!f) {
        fprintf(stderr, "usage: test_corrupt_target SEED (a corrupt seed that applies)\n");
        return 2;
    }
    input_len = fread(input, 1, sizeof input, f);
    fclose(f);
    if (input_len < CORRUPT_SPEC_SIZE) {
        fprintf(stderr, "test_corrupt_target: %s is shorter than a corruption\n", argv[1]);
        return 2;
    }
    check_split(input_len);
    check_split(CORRUPT_SPEC_SIZE);
    check_split(CORRUPT_SPEC_SIZE - 1);
    bool l = false;
    expect_child("truth", run_target, &l, NULL, NULL);
    char signature[48];
    snprintf(signature, sizeof signature, "validator corrupt-%u", corrupt_kind(input));
    l = true;
    expect_child("a validator that passes everything", run_target, &l, signature,
                 "memdev_validate passed a space with a corrupted ");
    return check_report("test_corrupt_target");
}
