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
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "corrupt.h"
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

static uint8_t input[1 << 16];
static size_t input_len;

static void run_target(void *arg) {
    lie = *(const bool *)arg;
    LLVMFuzzerTestOneInput(input, input_len);
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
    bool l = false;
    expect_child("truth", run_target, &l, NULL, NULL);
    char signature[48];
    snprintf(signature, sizeof signature, "validator corrupt-%u", corrupt_kind(input));
    l = true;
    expect_child("a validator that passes everything", run_target, &l, signature,
                 "memdev_validate passed a space with a corrupted ");
    return check_report("test_corrupt_target");
}
