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
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "corrupt.h"

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

/* Runs the target on input in a child, lying or not; its stderr into err. Its wait status. */
static int run_child(bool l, char *err, size_t cap) {
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        lie = l;
        LLVMFuzzerTestOneInput(input, input_len);
        _exit(0);
    }
    close(fd[1]);
    size_t len = 0;
    ssize_t n;
    while (len < cap - 1 && (n = read(fd[0], err + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    err[len] = '\0';
    while (read(fd[0], &(char){0}, 1) > 0) /* drain what did not fit */
        ;
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
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
    static char err[1 << 16];
    int status = run_child(false, err, sizeof err);
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !strstr(err, "FAILURE");
    CHECK(ok);
    fprintf(stderr, "%s truth: nothing reported\n", ok ? "ok  " : "FAIL");
    if (!ok)
        fprintf(stderr, "  status 0x%x, stderr:\n%.4000s\n", (unsigned)status, err);

    char want[64];
    snprintf(want, sizeof want, "memdev-fuzz: SIGNATURE: validator corrupt-%u\n",
             corrupt_kind(input));
    status = run_child(true, err, sizeof err);
    ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && strstr(err, want) &&
         strstr(err, "memdev_validate passed a space with a corrupted ");
    CHECK(ok);
    fprintf(stderr, "%s a validator that passes everything: %.*s\n", ok ? "ok  " : "FAIL",
            (int)strlen(want) - 1, want);
    if (!ok)
        fprintf(stderr, "  status 0x%x, stderr:\n%.4000s\n", (unsigned)status, err);
    return check_report("test_corrupt_target");
}
