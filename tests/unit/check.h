/* SPDX-License-Identifier: MIT */
/*
 * check.h - the few assertion macros the unit tests share: each failure prints the
 * expression, both sides and the location, counts, and the test exits non-zero at the end.
 */
#ifndef MEMDEV_CHECK_H
#define MEMDEV_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static long check_count;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        check_count++;                                                                             \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);               \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

#define CHECK_U64(a, b)                                                                            \
    do {                                                                                           \
        uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);                               \
        check_count++;                                                                             \
        if (check_a_ != check_b_) {                                                                \
            fprintf(stderr,                                                                        \
                    "%s:%d: %s == %s failed: 0x%" PRIx64 " (%" PRIu64 ") vs 0x%" PRIx64            \
                    " (%" PRIu64 ")\n",                                                            \
                    __FILE__, __LINE__, #a, #b, check_a_, check_a_, check_b_, check_b_);           \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

#define CHECK_RC(a, b)                                                                             \
    do {                                                                                           \
        int check_a_ = (a), check_b_ = (b);                                                        \
        check_count++;                                                                             \
        if (check_a_ != check_b_) {                                                                \
            fprintf(stderr, "%s:%d: %s returned %s (%d), expected %s (%d)\n", __FILE__, __LINE__,  \
                    #a, memdev_error_name(check_a_), check_a_, memdev_error_name(check_b_),        \
                    check_b_);                                                                     \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

static inline int check_report(const char *name) {
    printf("%s: %ld checks, %d failed\n", name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

/* xorshift64*: the tests' seeded generator (reproducible from the printed seed). */
static inline uint64_t rng_next(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static inline uint64_t rng_below(uint64_t *s, uint64_t n) {
    return n ? rng_next(s) % n : 0;
}

/* Seed from argv ("--seed N"), else from MEMDEV_SEED, else the given default. */
static inline uint64_t check_seed(int argc, char **argv, uint64_t dflt) {
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--seed"))
            return strtoull(argv[i + 1], NULL, 0);
    const char *e = getenv("MEMDEV_SEED");
    return e ? strtoull(e, NULL, 0) : dflt;
}

/*
 * An allocator hook (memdev_allocator's realloc and free, ctx = struct check_inject *) that
 * fails the fail_at-th allocation (1-based; 0: none), or one of exactly refuse_size bytes, or
 * one above refuse_above (each 0: none), keeps the largest size asked for and counts the
 * blocks it hands out.
 */
struct check_inject {
    long calls;          /* allocations so far */
    long fail_at;        /* 1-based allocation to fail; 0 = never */
    long fired;          /* allocations failed */
    long live;           /* blocks allocated and not freed */
    size_t refuse_size;  /* an allocation of exactly this many bytes fails; 0 = none */
    size_t refuse_above; /* an allocation of more bytes than this fails; 0 = none */
    size_t largest;      /* the most bytes one allocation asked for */
};

static inline void *check_inject_realloc(void *ctx, void *p, size_t n) {
    struct check_inject *in = ctx;
    in->largest = n > in->largest ? n : in->largest;
    if (++in->calls == in->fail_at || (in->refuse_size && n == in->refuse_size) ||
        (in->refuse_above && n > in->refuse_above)) {
        in->fired++;
        return NULL;
    }
    void *q = realloc(p, n);
    in->live += q && !p;
    return q;
}

static inline void check_inject_free(void *ctx, void *p) {
    struct check_inject *in = ctx;
    in->live -= p != NULL;
    free(p);
}

/* Text written through a (ctx, bytes, length) callback, such as the trace runner's outputs:
   kept NUL-terminated, cut at the buffer's end. */
struct check_text {
    char s[8192];
    size_t len;
};

static inline void check_text_out(void *ctx, const char *s, size_t n) {
    struct check_text *t = ctx;
    size_t room = sizeof t->s - 1 - t->len;
    n = n < room ? n : room;
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

#endif /* MEMDEV_CHECK_H */
