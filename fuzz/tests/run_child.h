/* SPDX-License-Identifier: MIT */
/*
 * run_child.h - for the tests of a fuzz target's own checks (test_trace_target.c,
 * test_corrupt_target.c): a target reports a finding by aborting (harness_fail), so each run
 * goes into a child process whose stderr the test reads (run_child), and expect_child gives
 * the verdict on it. Include check.h first.
 */
#ifndef MEMDEV_FUZZ_TESTS_RUN_CHILD_H
#define MEMDEV_FUZZ_TESTS_RUN_CHILD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn(arg) in a child (which then exits 0); its stderr into err (cap bytes, NUL-terminated,
 * the rest drained). Returns the child's wait status, or -1 when no child could be made. */
static inline int run_child(void (*fn)(void *), void *arg, char *err, size_t cap) {
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        fn(arg);
        _exit(0);
    }
    close(fd[1]);
    size_t len = 0;
    ssize_t n;
    while (len < cap - 1 && (n = read(fd[0], err + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    err[len] = '\0';
    char drop[256];
    while (read(fd[0], drop, sizeof drop) > 0) /* what did not fit */
        ;
    close(fd[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

/*
 * One CHECK on fn(arg) run by run_child: with signature NULL, the child returned and reported
 * nothing; else it aborted with the line "memdev-fuzz: SIGNATURE: <signature>" and, when also
 * is given, that text on its stderr too. Prints "ok"/"FAIL" with name, and the child's stderr
 * when it fails.
 */
static inline void expect_child(const char *name, void (*fn)(void *), void *arg,
                                const char *signature, const char *also) {
    static char err[1 << 16];
    char line[128]; /* the whole signature line */
    snprintf(line, sizeof line, "memdev-fuzz: SIGNATURE: %s\n", signature ? signature : "");
    int status = run_child(fn, arg, err, sizeof err);
    bool aborted = status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
    bool ok = signature ? aborted && strstr(err, line) != NULL
                        : status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                              !strstr(err, "FAILURE");
    if (ok && also)
        ok = strstr(err, also) != NULL;
    CHECK(ok);
    fprintf(stderr, "%s %s: %s%s%s\n", ok ? "ok  " : "FAIL", name,
            signature ? signature : "nothing reported", also ? ", and: " : "", also ? also : "");
    if (!ok)
        fprintf(stderr, "  status 0x%x, stderr:\n%.4000s\n", (unsigned)status, err);
}

#endif
