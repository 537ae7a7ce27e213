/* SPDX-License-Identifier: MIT */
/*
 * sbuf.c - the growable text buffer the formatter and the runner print into. An allocation
 * failure truncates the output and is remembered (oom); it never crashes.
 */
#include "trace_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sb_reserve(struct sbuf *sb, size_t extra) {
    if (sb->oom || extra < sb->cap - sb->len)
        return;
    size_t want = sb->len + extra + 1;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < want && cap < SIZE_MAX / 2)
        cap *= 2;
    char *np = cap < want ? NULL : realloc(sb->p, cap); /* past SIZE_MAX / 2: no memory */
    if (!np) {
        sb->oom = true;
        return;
    }
    sb->p = np;
    sb->cap = cap;
}

void sb_add(struct sbuf *sb, const char *s, size_t n) {
    sb_reserve(sb, n);
    if (sb->oom)
        return;
    memcpy(sb->p + sb->len, s, n);
    sb->len += n;
    sb->p[sb->len] = '\0';
}

void sb_str(struct sbuf *sb, const char *s) {
    sb_add(sb, s, strlen(s));
}

void sb_addf(struct sbuf *sb, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        sb_add(sb, small, (size_t)n);
        return;
    }
    sb_reserve(sb, (size_t)n);
    if (sb->oom)
        return;
    va_start(ap, fmt);
    vsnprintf(sb->p + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void sb_free(struct sbuf *sb) {
    free(sb->p);
    memset(sb, 0, sizeof *sb);
}
