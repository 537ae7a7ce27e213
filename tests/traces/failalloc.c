/* SPDX-License-Identifier: MIT */
/*
 * failalloc.c - an LD_PRELOAD library for check-oom.sh: malloc, calloc and realloc fail at
 * the N-th call of the process (MEMDEV_FAIL_AT=N; unset or 0: never), counted from the
 * first, the C library's own start-up included. When it fails one, it creates the file
 * MEMDEV_FAIL_REPORT names (if set), so the caller knows the run met allocation N, and sets
 * errno to ENOMEM as the C library's allocator does (not with MEMDEV_FAIL_ERRNO=0, as some
 * replacement allocators do not: a caller must not read a failure as success). Only for
 * builds without a sanitizer (they bring their own allocator).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

static long fail_at = -1, calls;

static int fail_now(void) {
    if (fail_at < 0) {
        const char *s = getenv("MEMDEV_FAIL_AT");
        fail_at = s ? atol(s) : 0;
    }
    if (fail_at == 0 || ++calls != fail_at)
        return 0;
    const char *report = getenv("MEMDEV_FAIL_REPORT");
    int fd = report ? open(report, O_WRONLY | O_CREAT | O_TRUNC, 0600) : -1;
    if (fd >= 0)
        close(fd);
    const char *set = getenv("MEMDEV_FAIL_ERRNO");
    if (!set || *set != '0')
        errno = ENOMEM; /* as the C library's allocator does (MEMDEV_FAIL_ERRNO=0: not) */
    return 1;
}

void *malloc(size_t n) {
    return fail_now() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t size) {
    return fail_now() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t n) {
    return fail_now() ? NULL : __libc_realloc(p, n);
}

void free(void *p) {
    __libc_free(p);
}
