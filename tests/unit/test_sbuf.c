/* SPDX-License-Identifier: MIT */
/*
 * test_sbuf.c - the trace language's text buffer (core/trace/sbuf.c, white-box), which every
 * result line, block and report goes through: appends of every length from every fill level,
 * including the ones that end exactly at the buffer's capacity, by sb_add, sb_str and sb_addf
 * (below and above its 256-byte stack buffer). After each: the text is exactly what was
 * appended, terminated, and the capacity keeps a byte for the terminator (a buffer filled to
 * the last byte would have written its NUL past the end: visible here in any build, not only
 * under the address sanitizer).
 */
#include <string.h>

#include "check.h"
#include "trace_impl.h"

static char expect[4096];

static void check_buf(const struct sbuf *sb, size_t want_len, const char *what, size_t a,
                      size_t b) {
    bool ok = !sb->oom && sb->len == want_len && sb->p && sb->cap > sb->len &&
              sb->p[sb->len] == '\0' && memcmp(sb->p, expect, want_len) == 0;
    if (!ok)
        fprintf(stderr, "%s: %zu then %zu bytes: len %zu (want %zu), cap %zu, oom %d\n", what, a, b,
                sb->len, want_len, sb->cap, (int)sb->oom);
    CHECK(ok);
}

int main(void) {
    for (size_t i = 0; i < sizeof expect; i++)
        expect[i] = (char)('a' + i % 26);
    /* a first append of a bytes, then b more: every sum up to 1100 crosses 256 and 512 */
    for (size_t a = 0; a <= 600; a += (a < 270 ? 1 : 37)) {
        for (size_t b = 0; b <= 600; b += (b < 270 ? 1 : 41)) {
            struct sbuf sb = {0};
            sb_add(&sb, expect, a);
            sb_add(&sb, expect + a, b);
            check_buf(&sb, a + b, "sb_add", a, b);
            sb_free(&sb);

            /* the same through sb_addf: short ones by its stack buffer, long ones in place */
            sb_addf(&sb, "%.*s", (int)a, expect);
            sb_addf(&sb, "%.*s", (int)b, expect + a);
            check_buf(&sb, a + b, "sb_addf", a, b);
            sb_free(&sb);
        }
    }
    /* many small appends, a flush-like reset in between, and sb_str */
    struct sbuf sb = {0};
    size_t len = 0;
    for (int round = 0; round < 3; round++) {
        for (size_t k = 1; len + k < sizeof expect && k < 90; k++) {
            char piece[100];
            memcpy(piece, expect + len, k);
            piece[k] = '\0';
            sb_str(&sb, piece);
            len += k;
            check_buf(&sb, len, "sb_str", len - k, k);
        }
        sb.len = 0; /* what the runner's flush does */
        len = 0;
    }
    sb_free(&sb);
    CHECK(sb.p == NULL && sb.len == 0 && sb.cap == 0);
    return check_report("test_sbuf");
}
