/* SPDX-License-Identifier: MIT */
/*
 * test_wtree.c - white-box randomized test of the window tree against a sorted array and
 * QEMU's linear sweep: first fit (registered and unregistered alignments), fixed inserts,
 * removals, lookups, overlap queries and the largest gap, with wtree_validate() after every
 * operation (every 8th under MSan, and at the end). Windows include ones that end exactly at 2^64.
 * Seeded; --seed N reproduces.
 */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "memdev.h"
#include "wtree.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
/* How often run() and phased() validate the whole tree: after every operation, but under MSan every
   8th (the validator's walk was 64 % of this test's 5 minutes there, which kept it out of the msan
   preset; a broken summary stays broken, so it is still caught a few operations later, and
   every operation still runs under MSan's checks). */
#if __has_feature(memory_sanitizer)
#define VALIDATE_EVERY 8u
#else
#define VALIDATE_EVERY 1u
#endif

struct range {
    uint64_t first, last;
};

struct ref {
    struct range *r;
    uint32_t n;
};

static void *t_realloc(void *ctx, void *p, size_t n) {
    (void)ctx;
    return realloc(p, n);
}

static void t_free(void *ctx, void *p) {
    (void)ctx;
    free(p);
}

/* QEMU's sweep: jump past every overlapping range; false when nothing fits. */
static bool sweep(const struct ref *f, uint64_t base, uint64_t wlast, uint64_t size, uint64_t align,
                  uint64_t *out) {
    uint64_t a;
    if (!wt_align_up(base, align, &a) || size - 1 > UINT64_MAX - a)
        return false;
    for (uint32_t i = 0; i < f->n; i++) {
        if (f->r[i].last < a)
            continue;
        if (f->r[i].first > a + (size - 1))
            break;
        if (f->r[i].last == UINT64_MAX || !wt_align_up(f->r[i].last + 1, align, &a) ||
            size - 1 > UINT64_MAX - a)
            return false;
    }
    if (a + (size - 1) > wlast)
        return false;
    *out = a;
    return true;
}

static void ref_insert(struct ref *f, uint64_t first, uint64_t last) {
    uint32_t i = 0;
    while (i < f->n && f->r[i].first < first)
        i++;
    memmove(&f->r[i + 1], &f->r[i], (f->n - i) * sizeof f->r[0]);
    f->r[i] = (struct range){first, last};
    f->n++;
}

static bool ref_overlap(const struct ref *f, uint64_t first, uint64_t last, uint32_t *idx) {
    for (uint32_t i = 0; i < f->n; i++)
        if (f->r[i].last >= first && f->r[i].first <= last) {
            *idx = i;
            return true;
        }
    return false;
}

static uint64_t ref_largest(const struct ref *f, uint64_t base, uint64_t wlast) {
    uint64_t m = 0, g0 = base;
    bool open = true; /* g0 is a valid gap start */
    for (uint32_t i = 0; i < f->n; i++) {
        if (open && f->r[i].first > g0 && f->r[i].first - g0 > m)
            m = f->r[i].first - g0;
        open = f->r[i].last != UINT64_MAX;
        g0 = f->r[i].last + 1;
    }
    if (open && g0 <= wlast && wlast - g0 + 1 > m)
        m = wlast - g0 + 1;
    return m;
}

struct scenario {
    uint64_t base, size, unit;
};

static uint64_t pick_align(uint64_t *rng, uint64_t unit) {
    static const uint64_t common[] = {1, 4096, 2u << 20, 1u << 30};
    uint64_t r = rng_below(rng, 10);
    if (r < 6)
        return common[r % 4] > unit * 64 ? unit : common[r % 4];
    return unit << rng_below(rng, 12); /* many distinct alignments: exercises the fallback */
}

/* Whether align is one of the alignment classes whose summaries the tree keeps. */
static bool is_class(uint64_t align) {
    for (uint32_t k = 0; k < WT_K; k++)
        if (align == 1ull << wt_class_log2[k])
            return true;
    return false;
}

/* Every kernel tier this CPU runs: portable, AVX2, AVX-512. */
static uint8_t use_simd;

/* The owner's side of the leaf hints [I8]: one per dev word, checked by wtree_validate. */
struct hints {
    const void **leaf;
    uint32_t n;
};

static void hint_placed(void *ctx, const uint32_t *dev, uint32_t n, const void *leaf) {
    struct hints *h = ctx;
    for (uint32_t i = 0; i < n; i++) {
        if (dev[i] < h->n)
            h->leaf[dev[i]] = leaf;
        else
            check_failures++;
    }
}

static const void *hint_get(const void *ctx, uint32_t dev) {
    const struct hints *h = ctx;
    return dev < h->n ? h->leaf[dev] : NULL;
}

/*
 * wtree_reserve, checked to take exactly what an insert needs: afterwards a free leaf and
 * height + 1 free inner nodes, and a new page only for a pool that had fewer (a page more
 * would be memory no insert needs, and a plug that fails with no-memory when the allocator
 * fails though the tree had every node it needed).
 */
static int reserve(wtree *t, uint64_t size) {
    uint32_t leaves = t->leaves.nfree, inners = t->inners.nfree, lp = t->leaves.npages,
             ip = t->inners.npages, need = t->height + 1;
    int rc = wtree_reserve(t, size);
    if (rc == 0) {
        CHECK(t->leaves.nfree >= 1 && t->inners.nfree >= need);
        CHECK(leaves < 1 || t->leaves.npages == lp);
        CHECK(inners < need || t->inners.npages == ip);
    }
    return rc;
}

static void run(uint64_t seed, const struct scenario *sc, uint32_t ops, uint32_t maxn) {
    const memdev_allocator al = {t_realloc, t_free, NULL};
    uint64_t rng = seed | 1, wlast = sc->base + (sc->size - 1);
    wtree t;
    struct ref f = {calloc(maxn + 1, sizeof(struct range)), 0};
    char msg[512];
    struct hints h = {calloc(ops, sizeof(void *)), ops}; /* dev word: the op's number */
    wtree_init(&t, &al, sc->base, wlast);
    wtree_set_hints(&t, hint_placed, hint_get, &h);
    t.simd = use_simd;
    for (uint32_t op = 0; op < ops && !check_failures; op++) {
        uint32_t kind = (uint32_t)rng_below(&rng, 100);
        uint64_t size = sc->unit * (1 + rng_below(&rng, rng_below(&rng, 4) ? 8 : 300));
        if (kind < 45 && f.n < maxn) { /* first fit */
            uint64_t align = pick_align(&rng, sc->unit), want = 0, got = 0;
            bool ok = sweep(&f, sc->base, wlast, size, align, &want);
            uint64_t start;
            if (!wt_align_up(sc->base, align, &start) || size - 1 > UINT64_MAX - start)
                continue; /* too-big: the caller's check, not the tree's */
            wt_pos pos;
            int rc = wtree_first_fit(&t, size, align, &got, &pos);
            CHECK_RC(rc, ok ? 0 : MEMDEV_EFRAGMENTED);
            /* a class alignment goes straight down its class's summaries to one leaf */
            CHECK(!is_class(align) || pos.searched <= 1);
            if (ok && !rc) {
                CHECK_U64(got, want);
                if (reserve(&t, size) == 0) {
                    /* half the inserts reuse the search's position, half descend again */
                    wtree_insert(&t, rng_below(&rng, 2) ? &pos : NULL, got, got + (size - 1), op);
                    ref_insert(&f, got, got + (size - 1));
                }
            }
        } else if (kind < 60 && f.n < maxn) { /* fixed address inside a gap or at an edge */
            uint64_t at = rng_below(&rng, 3) == 0
                              ? wlast - (size - 1)
                              : sc->base + rng_below(&rng, sc->size / sc->unit) * sc->unit;
            if (size - 1 > wlast - at || at < sc->base)
                continue;
            uint32_t idx, got_dev;
            wt_pos pos;
            bool want = ref_overlap(&f, at, at + (size - 1), &idx);
            bool got = wtree_first_overlap(&t, at, at + (size - 1), &got_dev, &pos);
            CHECK(want == got);
            if (!want && reserve(&t, size) == 0) {
                wtree_insert(&t, rng_below(&rng, 2) ? &pos : NULL, at, at + (size - 1), op);
                ref_insert(&f, at, at + (size - 1));
            } else if (want && got) {
                uint64_t first, last;
                uint32_t dev;
                CHECK(wtree_find(&t, f.r[idx].first, &dev, &first, &last));
                CHECK_U64(first, f.r[idx].first);
                CHECK_U64(last, f.r[idx].last);
            }
        } else if (kind < 85 && f.n) { /* remove */
            uint32_t i = (uint32_t)rng_below(&rng, f.n), before = t.count;
            if (rng_below(&rng, 8) == 0 && f.r[i].last > f.r[i].first) {
                wtree_remove(&t, f.r[i].first + 1); /* no entry starts there: nothing goes */
                CHECK_U64(t.count, before);
            }
            wtree_remove(&t, f.r[i].first);
            memmove(&f.r[i], &f.r[i + 1], (f.n - i - 1) * sizeof f.r[0]);
            f.n--;
        } else { /* lookups near edges */
            uint64_t gpa = sc->base + rng_below(&rng, sc->size);
            if (f.n && rng_below(&rng, 2)) {
                const struct range *r = &f.r[rng_below(&rng, f.n)];
                uint64_t pick[4] = {r->first, r->last, r->first - 1, r->last + 1};
                gpa = pick[rng_below(&rng, 4)];
            }
            uint32_t dev = 0;
            uint64_t first = 0, last = 0;
            bool got = wtree_find(&t, gpa, &dev, &first, &last), want = false;
            for (uint32_t i = 0; i < f.n; i++)
                if (f.r[i].first <= gpa && gpa <= f.r[i].last) {
                    want = true;
                    CHECK(got && first == f.r[i].first);
                }
            CHECK(want == got);
        }
        CHECK_U64(wtree_largest_gap(&t), ref_largest(&f, sc->base, wlast));
        if (op % VALIDATE_EVERY == 0 && wtree_validate(&t, msg, sizeof msg)) {
            fprintf(stderr, "seed 0x%llx op %u: %s\n", (unsigned long long)seed, op, msg);
            check_failures++;
        }
        CHECK_U64(t.count, f.n);
    }
    if (VALIDATE_EVERY > 1 && wtree_validate(&t, msg, sizeof msg)) {
        fprintf(stderr, "seed 0x%llx after the operations: %s\n", (unsigned long long)seed, msg);
        check_failures++;
    }
    /* In-order iteration equals the array. */
    wt_iter it;
    uint64_t first, last;
    uint32_t dev, i = 0;
    wtree_iter_begin(&t, &it);
    while (wtree_iter_next(&t, &it, &first, &last, &dev) && i < f.n) {
        CHECK_U64(first, f.r[i].first);
        CHECK_U64(last, f.r[i].last);
        i++;
    }
    CHECK_U64(i, f.n);
    /* Drain: every removal keeps the tree valid down to empty. */
    while (f.n && !check_failures) {
        uint32_t k = (uint32_t)rng_below(&rng, f.n);
        wtree_remove(&t, f.r[k].first);
        memmove(&f.r[k], &f.r[k + 1], (f.n - k - 1) * sizeof f.r[0]);
        f.n--;
        if (f.n % VALIDATE_EVERY == 0 && wtree_validate(&t, msg, sizeof msg)) {
            fprintf(stderr, "seed 0x%llx drain: %s\n", (unsigned long long)seed, msg);
            check_failures++;
        }
    }
    CHECK_U64(t.count, 0);
    wtree_fini(&t);
    free(f.r);
    free(h.leaf);
}

/*
 * Phases that reshape the tree the way uniform random operations rarely do: dense fixed
 * inserts into one region (leaf and inner-node splits there), then removal of most entries
 * of a neighbouring region (merges, and borrows between an underfull node and a full
 * sibling on either side). Validated after every operation; the reference is which slots
 * hold an entry (the sorted array the sweep reads is built from it at the end of each round:
 * kept sorted by array inserts and scans, it was most of this test's time under ASan).
 */
static void phased(uint64_t seed, uint32_t rounds) {
    const memdev_allocator al = {t_realloc, t_free, NULL};
    const uint64_t base = 1ull << 32, slots = 1u << 16; /* entry i lives at base + 4 * i */
    uint64_t rng = seed | 1;
    char msg[512];
    wtree t;
    uint32_t since = 0, n = 0;
    uint8_t *present = calloc(slots, 1);
    struct ref f = {calloc(slots + 1, sizeof(struct range)), 0};
    struct hints h = {calloc(slots, sizeof(void *)), (uint32_t)slots}; /* dev word: the slot */
    wtree_init(&t, &al, base, base + 4 * slots - 1);
    wtree_set_hints(&t, hint_placed, hint_get, &h);
    t.simd = use_simd;
    for (uint32_t round = 0; round < rounds && !check_failures; round++) {
        uint64_t lo = rng_below(&rng, slots), len = 64 + rng_below(&rng, 4096);
        bool grow = rng_below(&rng, 3) != 0;
        for (uint64_t i = lo; i < lo + len && i < slots && !check_failures; i++) {
            uint64_t at = base + 4 * i;
            if (grow && !present[i] && rng_below(&rng, 4) && wtree_reserve(&t, 2) == 0) {
                wtree_insert(&t, NULL, at, at + 1, (uint32_t)i);
                present[i] = 1, n++;
            } else if (!grow && present[i] && rng_below(&rng, 8)) {
                wtree_remove(&t, at);
                present[i] = 0, n--;
            } else {
                continue;
            }
            /* Every operation while small; every 32nd once large (O(n) each; a broken
               summary stays broken, so it is still caught, a few operations later); under
               MSan VALIDATE_EVERY times fewer. */
            if (++since < (n > 2048 ? 32 : 1) * VALIDATE_EVERY)
                continue;
            since = 0;
            if (wtree_validate(&t, msg, sizeof msg)) {
                fprintf(stderr, "phased seed 0x%llx round %u: %s\n", (unsigned long long)seed,
                        round, msg);
                check_failures++;
            }
        }
        uint64_t want = 0, got = 0, size = 1 + rng_below(&rng, 64),
                 align = 1ull << rng_below(&rng, 6);
        f.n = 0;
        for (uint64_t i = 0; i < slots; i++)
            if (present[i])
                f.r[f.n++] = (struct range){base + 4 * i, base + 4 * i + 1};
        bool ok = sweep(&f, base, base + 4 * slots - 1, size, align, &want);
        CHECK_RC(wtree_first_fit(&t, size, align, &got, NULL), ok ? 0 : MEMDEV_EFRAGMENTED);
        if (ok)
            CHECK_U64(got, want);
        CHECK_U64(t.count, f.n);
        if (wtree_validate(&t, msg, sizeof msg)) {
            fprintf(stderr, "phased seed 0x%llx end of round %u: %s\n", (unsigned long long)seed,
                    round, msg);
            check_failures++;
        }
    }
    wtree_fini(&t);
    free(f.r);
    free(present);
    free(h.leaf);
}

/* Plugs `size` bytes at the first fit (alignment 1) after its reserve; false when either
   failed (already counted). */
static bool place(wtree *t, uint64_t size, uint32_t dev, uint64_t *addr) {
    wt_pos pos;
    CHECK_RC(wtree_reserve(t, size), 0);
    CHECK_RC(wtree_first_fit(t, size, 1, addr, &pos), 0);
    if (check_failures)
        return false;
    wtree_insert(t, &pos, *addr, *addr + (size - 1), dev);
    return true;
}

/* wtree_validate must pass; what names the test in the failure. */
static void check_valid(const wtree *t, const char *what) {
    char msg[512];
    if (wtree_validate(t, msg, sizeof msg)) {
        fprintf(stderr, "%s: %s\n", what, msg);
        check_failures++;
    }
}

/*
 * Sizes at the edges of pages[] [I9]: a byte short of and past whole pages, one byte, 2^32
 * pages (wide) and one page less (not), each plugged after its own wtree_reserve(), which
 * must make room in the wide table for exactly the wide ones; the wide table holds exactly
 * those (a size of 2^32 - 1 pages stored wide would pass every lookup and the validator,
 * whose [I9] check asks the same question); then every other one removed.
 */
static void wide_edges(void) {
    static const uint64_t sizes[] = {
        4095, 4097, 8191, 1, 3 * 4096 - 1, 1ull << 44, (1ull << 44) - 4096, (1ull << 44) + 4096,
        4096};
    enum { ROUNDS = 40, N = ROUNDS * sizeof sizes / sizeof sizes[0] };
    const memdev_allocator al = {t_realloc, t_free, NULL};
    static uint64_t first[N];
    char msg[512];
    wtree t;
    wtree_init(&t, &al, 4096, (1ull << 52) - 1);
    t.simd = use_simd;
    uint32_t n = 0, nwide = 0;
    for (uint32_t round = 0; round < ROUNDS && !check_failures; round++) {
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && !check_failures; i++) {
            uint64_t addr = 0;
            if (!place(&t, sizes[i], n, &addr))
                break;
            first[n++] = addr;
            /* wide exactly when the size is no whole number of pages below 2^32 pages */
            bool wide = sizes[i] % 4096 || sizes[i] / 4096 > UINT32_MAX;
            nwide += wide;
            CHECK_U64(t.wide.n, nwide);
            if (wtree_validate(&t, msg, sizeof msg)) {
                fprintf(stderr, "wide edges, size 0x%llx: %s\n", (unsigned long long)sizes[i], msg);
                check_failures++;
            }
        }
    }
    for (uint32_t i = 0; i < n && !check_failures; i += 2) {
        wtree_remove(&t, first[i]);
        if (wtree_validate(&t, msg, sizeof msg)) {
            fprintf(stderr, "wide edges, removing 0x%llx: %s\n", (unsigned long long)first[i], msg);
            check_failures++;
        }
    }
    CHECK_U64(t.count, n / 2);
    wtree_fini(&t);

    /* The wide table is made only for a wide size [I9]: none for whole pages, then one for a
       first wide size two bytes short of whole pages (whose reserve must see it as wide) */
    wtree_init(&t, &al, 4096, (1ull << 52) - 1);
    t.simd = use_simd;
    static const uint64_t then[] = {4096, 2 * 4096, 1ull << 30, 2 * 4096 - 2};
    for (size_t i = 0; i < sizeof then / sizeof then[0] && !check_failures; i++) {
        uint64_t addr = 0;
        bool wide = then[i] % 4096 != 0;
        if (!place(&t, then[i], (uint32_t)i, &addr))
            break;
        CHECK_U64(t.wide.cap > 0, wide); /* made by the reserve, only now */
        CHECK_U64(t.wide.n, wide);
        check_valid(&t, "wide table on demand");
    }
    wtree_fini(&t);
}

/*
 * Wide entries at starts aligned to a large power of two (4,000 devices of 16 TiB, one every
 * 64 TiB) spread over the wide table: the longest probe, from an entry's home slot to its own,
 * stays short. The home was bits 32 and up of the hash's product, the same for every start
 * aligned to 2^(32 + log2 cap): these all went to slot 0 (a probe of up to 3,999 slots).
 */
static void wide_spread(void) {
    enum { N = 4000 };
    const memdev_allocator al = {t_realloc, t_free, NULL};
    wtree t;
    wtree_init(&t, &al, 0, UINT64_MAX);
    for (uint64_t m = 0; m < N && !check_failures; m++) {
        if (reserve(&t, 1ull << 44) != 0)
            break;
        wtree_insert(&t, NULL, m << 46, (m << 46) + ((1ull << 44) - 1), (uint32_t)m);
    }
    CHECK_U64(t.wide.n, N);
    uint32_t longest = 0, mask = t.wide.cap - 1;
    for (uint32_t i = 0; i < t.wide.cap; i++)
        if (!wt_wide_free(&t.wide.slot[i])) {
            uint32_t d = (i - wt_wide_home(&t.wide, t.wide.slot[i].first)) & mask;
            longest = d > longest ? d : longest;
        }
    printf("  %u wide entries at 64 TiB steps: table of %u slots, longest probe %u\n", t.wide.n,
           t.wide.cap, longest);
    CHECK(longest <= 64);
    check_valid(&t, "wide entries at 64 TiB steps");
    uint64_t first, last;
    uint32_t dev;
    CHECK(wtree_find(&t, (1234ull << 46) + 5, &dev, &first, &last) && dev == 1234 &&
          last == (1234ull << 46) + ((1ull << 44) - 1));
    wtree_fini(&t);
}

/*
 * The tail after the last entry, up to the window's last byte (2^64 - 1 in the third window):
 * a size that fills it exactly fits, one byte more does not, at alignment 1 and at an
 * alignment the tail's start meets.
 */
static void tail_edges(void) {
    static const struct {
        uint64_t base, last;
    } win[] = {{0, 4095}, {4096, (1ull << 30) - 1}, {0ull - (1ull << 20), UINT64_MAX}};
    const memdev_allocator al = {t_realloc, t_free, NULL};
    for (size_t w = 0; w < sizeof win / sizeof win[0]; w++) {
        wtree t;
        uint64_t base = win[w].base, addr = 0, tail = win[w].last - (base + 100) + 1;
        wtree_init(&t, &al, base, win[w].last);
        t.simd = use_simd;
        CHECK_RC(wtree_reserve(&t, 100), 0);
        wtree_insert(&t, NULL, base, base + 99, 0);
        for (uint64_t align = 1; align <= 4; align *= 4) {
            CHECK_RC(wtree_first_fit(&t, tail, align, &addr, NULL), 0);
            CHECK_U64(addr, base + 100);
            CHECK_RC(wtree_first_fit(&t, tail + 1, align, &addr, NULL), MEMDEV_EFRAGMENTED);
        }
        wtree_fini(&t);
    }
}

/* A tree over [0, 1 TiB) with the kernel tier under test (the spill tests' window). */
static void tib_tree(wtree *t) {
    const memdev_allocator al = {t_realloc, t_free, NULL};
    wtree_init(t, &al, 0, (1ull << 40) - 1);
    t->simd = use_simd;
}

/*
 * An alignment that is no class (8 MiB: between the 2 MiB and 128 MiB classes) is searched
 * under a bound, u_j <= s_k - (mask & bits k..j-1) (the file comment of wtree.c): first fit
 * must skip the rows whose gaps all start misaligned, not walk every leaf. N gaps of 12 MiB,
 * each starting 2 MiB past a multiple of 8 MiB (6 MiB usable at 8 MiB alignment), between
 * 4 MiB entries: an 8 MiB request at 8 MiB fits none of them, and the bound at the root says
 * so (no leaf searched, the tail taken); with one larger gap at the end of the same kind, only
 * its leaf is searched. A bound without the mask (s_k alone) is still exact, but here it
 * searches every leaf in front of the fit (59 of them): the O(n) step issue 9 forbids. (The
 * mask is the AND over a row's gaps, so gaps misaligned by different amounts can still let a
 * row through; bench's align_new measures a fragmented window of mixed alignments.)
 */
static void bounded_prunes(bool last_fits) {
    const uint64_t MiB = 1ull << 20;
    enum { N = 2000 };
    wtree t;
    tib_tree(&t);
    CHECK_RC(wtree_reserve(&t, 2 * MiB), 0);
    wtree_insert(&t, NULL, 0, 2 * MiB - 1, 0);
    uint64_t end = 2 * MiB; /* one past the last entry: each gap starts here */
    for (uint32_t i = 1; i <= N; i++) {
        uint64_t gap = i == N && last_fits ? 18 * MiB : 12 * MiB;
        uint64_t len = i == N && last_fits ? 6 * MiB : 4 * MiB; /* keeps end at 2 MiB mod 8 */
        CHECK_RC(wtree_reserve(&t, len), 0);
        wtree_insert(&t, NULL, end + gap, end + gap + len - 1, i);
        if (i < N || !last_fits)
            end += gap + len;
    }
    CHECK_U64(t.leaves.live > 2 * WT_IB, 1); /* more than one inner level of leaves */
    check_valid(&t, "bounded first fit");
    wt_pos pos;
    uint64_t addr = 0;
    CHECK_RC(wtree_first_fit(&t, 8 * MiB, 8 * MiB, &addr, &pos), 0);
    CHECK_U64(addr, end + 6 * MiB); /* the larger gap, or the tail after the last entry */
    CHECK_U64(pos.searched, last_fits ? 1 : 0);
    /* the same bound lets a request that fits the first gap through at once */
    CHECK_RC(wtree_first_fit(&t, 6 * MiB, 8 * MiB, &addr, &pos), 0);
    CHECK_U64(addr, 8 * MiB);
    CHECK_U64(pos.searched, 1);
    /* a class alignment searches one leaf, as ever */
    CHECK_RC(wtree_first_fit(&t, 12 * MiB, 2 * MiB, &addr, &pos), 0);
    CHECK_U64(addr, 2 * MiB);
    CHECK_U64(pos.searched, 1);
    /* A gap filled up to the entry behind it leaves no gap behind, so no new start for the
       masks [I5]: 8 MiB at the front of gap 5, then 2 MiB at its back (not the leaf's largest
       gap, so no re-summary), leave a 2 MiB gap misaligned by 6 MiB like the others, and the
       bound still prunes (an insert that took entry 5's start into the mask, 2 MiB past a
       multiple of 4 MiB, made first fit search that leaf: mutation sample 5303) */
    const uint64_t s5 = 2 * MiB + 4 * 16 * MiB;
    CHECK_RC(wtree_reserve(&t, 8 * MiB), 0);
    wtree_insert(&t, NULL, s5, s5 + 8 * MiB - 1, N + 1);
    CHECK_RC(wtree_reserve(&t, 2 * MiB), 0);
    wtree_insert(&t, NULL, s5 + 10 * MiB, s5 + 12 * MiB - 1, N + 2);
    check_valid(&t, "a gap filled up to the entry behind it");
    CHECK_RC(wtree_first_fit(&t, 8 * MiB, 8 * MiB, &addr, &pos), 0);
    CHECK_U64(addr, end + 6 * MiB);
    CHECK_U64(pos.searched, last_fits ? 1 : 0);
    wtree_fini(&t);
}

/*
 * A full leaf hands entries to a sibling with room instead of splitting (leaf_spill): to the
 * left one, and to the right one when there is no left one. Two full leaves of one-page
 * entries on every other page; four entries removed from one of them; then an entry inserted
 * into the other, full one must leave the number of leaves as it was, and the tree valid.
 * (Results alone cannot see a split where a spill belongs: only the tree's density changes.)
 */
static void spill(bool to_left) {
    const uint64_t pg = 4096;
    wtree t;
    tib_tree(&t);
    for (uint32_t k = 0; k < 2 * WT_LB; k++) {
        CHECK_RC(wtree_reserve(&t, pg), 0);
        wtree_insert(&t, NULL, 2 * k * pg, 2 * k * pg + pg - 1, k);
    }
    CHECK_U64(t.height, 1);
    CHECK_U64(t.leaves.live, 2);
    if (check_failures) {
        wtree_fini(&t);
        return;
    }
    const struct wt_inner *root = t.root;
    const struct wt_leaf *l0 = root->child[0], *l1 = root->child[1];
    CHECK_U64(l0->n, WT_LB);
    CHECK_U64(l1->n, WT_LB);
    /* room in the sibling: four entries of the left leaf (or of the right one) go */
    uint32_t from = to_left ? 0 : 2 * WT_LB - 4;
    for (uint32_t k = from; k < from + 4; k++)
        wtree_remove(&t, 2 * k * pg);
    CHECK_U64(t.leaves.live, 2);
    CHECK_U64((to_left ? l0 : l1)->n, WT_LB - 4);
    /* an odd page inside the full leaf: between its 10th and 11th entries */
    uint64_t at = (2u * ((to_left ? WT_LB : 0u) + 10u) + 1u) * pg;
    CHECK_RC(wtree_reserve(&t, pg), 0);
    wtree_insert(&t, NULL, at, at + pg - 1, 2 * WT_LB);
    CHECK_U64(t.leaves.live, 2);
    CHECK_U64(t.count, 2 * WT_LB - 3);
    check_valid(&t, to_left ? "spill left" : "spill right");
    wtree_fini(&t);
}

/*
 * A spill under a full inner node whose gaps are all one byte: the node's summary is summed
 * again from its WT_IB rows, and from nothing past them (the node's count follows the last
 * row and would read as a gap of WT_IB bytes: only gaps under that size show it).
 */
static void spill_full_node(void) {
    const uint64_t pg = 4096;
    wtree t;
    tib_tree(&t);
    const uint32_t n = (WT_IB - 1) * WT_LB + 1; /* WT_IB - 1 full leaves and one of one entry */
    for (uint32_t k = 0; k < n; k++) {
        CHECK_RC(wtree_reserve(&t, pg), 0);
        wtree_insert(&t, NULL, k * (pg + 1), k * (pg + 1) + pg - 1, k); /* gaps of a byte */
    }
    CHECK_U64(t.height, 1);
    CHECK_U64(t.leaves.live, WT_IB);
    CHECK_U64(t.root_sum.s[0], 1);
    /* a byte in a gap of the last full leaf: it hands entries to the last leaf, no split */
    uint64_t at = ((WT_IB - 2) * WT_LB + 5) * (pg + 1) + pg;
    CHECK_RC(wtree_reserve(&t, 1), 0);
    wtree_insert(&t, NULL, at, at, n);
    CHECK_U64(t.leaves.live, WT_IB);
    CHECK_U64(t.root_sum.s[0], 1);
    check_valid(&t, "spill under a full node");
    wtree_fini(&t);
}

/*
 * A full inner node splits where its new row goes (split_point): WT_IB full leaves of
 * one-page entries on every other page under the root, then an entry inside the full leaf of
 * row WT_IB - 4 (its siblings are full too: no spill), so the leaf splits and its new row goes
 * to row WT_IB - 3 of the full root. The left node keeps the rows up to the new one (WT_IB - 2
 * rows), the right one takes the other three; the leaf, whose new entry is in its left half,
 * splits evenly. (Results cannot see where a node splits: only the tree's density.)
 */
static void inner_split_point(void) {
    const uint64_t pg = 4096;
    wtree t;
    tib_tree(&t);
    for (uint32_t k = 0; k < WT_IB * WT_LB; k++) {
        CHECK_RC(wtree_reserve(&t, pg), 0);
        wtree_insert(&t, NULL, 2 * k * pg, 2 * k * pg + pg - 1, k);
    }
    CHECK_U64(t.height, 1);
    CHECK_U64(t.leaves.live, WT_IB);
    if (check_failures) {
        wtree_fini(&t);
        return;
    }
    /* between the 10th and 11th entries of the leaf of row WT_IB - 4 */
    uint64_t at = (2u * ((WT_IB - 4u) * WT_LB + 10u) + 1u) * pg;
    CHECK_RC(wtree_reserve(&t, pg), 0);
    wtree_insert(&t, NULL, at, at + pg - 1, WT_IB * WT_LB);
    CHECK_U64(t.height, 2);
    CHECK_U64(t.leaves.live, WT_IB + 1);
    if (t.height == 2) {
        const struct wt_inner *root = t.root;
        CHECK_U64(root->n, 2);
        const struct wt_inner *left = root->child[0];
        CHECK_U64(left->n, WT_IB - 2);
        CHECK_U64(((const struct wt_inner *)root->child[1])->n, 3);
        /* the leaf split at its 11th of WT_LB + 1 entries, in its left half: evenly, the left
           half one larger when the count is odd (split_point; a mutation sample moved the
           even point two entries left, and every result stayed the same) */
        if (left->n == WT_IB - 2) {
            const struct wt_leaf *a = left->child[WT_IB - 4], *b = left->child[WT_IB - 3];
            CHECK_U64(a->n + b->n, WT_LB + 1);
            CHECK_U64(a->n - b->n, (WT_LB + 1) % 2);
        }
    }
    check_valid(&t, "inner split at the new row");
    wtree_fini(&t);
}

/*
 * The start masks [I5] after a leaf split whose new gap goes to the new right leaf. Two full
 * leaves of 12 KiB entries every 32 KiB: every gap starts 4 KiB past a multiple of 8 KiB, so
 * bit 12 of -(start) is set in every gap and in every mask. Then 4 KiB at the start of the gap
 * in front of leaf 0's entry j (a split: both leaves are full): the gap behind it starts at a
 * multiple of 8 KiB, so the masks of the rows above must lose bit 12. For j near the leaf's
 * end the split keeps the new entry on the left and the gap behind it on the right, and the
 * parent's mask must take the new row's in (inner_add_row): a mask that kept the bit passes
 * every placement (masks only bound the search, the leaves decide) and only the validator's
 * [I5] check sees it.
 */
static void split_mask(void) {
    const uint64_t kib = 1024, step = 32 * kib;
    const uint32_t at[] = {1, WT_LB / 2, WT_LB - 2, WT_LB - 1};
    for (size_t a = 0; a < sizeof at / sizeof at[0]; a++) {
        wtree t;
        tib_tree(&t);
        for (uint32_t k = 0; k < 2 * WT_LB; k++) {
            CHECK_RC(wtree_reserve(&t, 12 * kib), 0);
            wtree_insert(&t, NULL, k * step, k * step + 12 * kib - 1, k);
        }
        CHECK_U64(t.leaves.live, 2);
        CHECK(t.root_sum.a & (4 * kib));
        uint64_t first = (at[a] - 1) * step + 12 * kib; /* the gap in front of entry at[a] */
        CHECK_RC(wtree_reserve(&t, 4 * kib), 0);
        wtree_insert(&t, NULL, first, first + 4 * kib - 1, 2 * WT_LB);
        CHECK_U64(t.leaves.live, 3);
        CHECK(!(t.root_sum.a & (4 * kib)));
        check_valid(&t, "masks after a split");
        wtree_fini(&t);
    }
}

/*
 * The validator's own check of the node pages' order [I6] (its binary search for a node's
 * page relies on it): two pages swapped must be reported, and pass again once swapped back.
 */
static void pages_order(void) {
    const uint64_t pg = 4096;
    char msg[512];
    wtree t;
    tib_tree(&t);
    for (uint32_t k = 0; t.leaves.npages < 2 && k < 8 * WT_LPAGE * WT_LB; k++) {
        CHECK_RC(wtree_reserve(&t, pg), 0);
        wtree_insert(&t, NULL, 2 * k * pg, 2 * k * pg + pg - 1, k);
    }
    CHECK(t.leaves.npages >= 2);
    if (t.leaves.npages >= 2) {
        void *p0 = t.leaves.page[0];
        t.leaves.page[0] = t.leaves.page[1];
        t.leaves.page[1] = p0;
        CHECK_RC(wtree_validate(&t, msg, sizeof msg), MEMDEV_EINVARIANT);
        CHECK(strstr(msg, "not in address order [I6]") != NULL);
        t.leaves.page[1] = t.leaves.page[0];
        t.leaves.page[0] = p0;
    }
    check_valid(&t, "pages in order");
    wtree_fini(&t);
}

/*
 * The validator's own check that an entry's size does not run past 2^64 [I1]: a window that
 * ends at 2^64 - 1 with a device at its top, whose size is made one page larger, must be
 * reported as wrapping (the later "not inside the window" check would name [I1] too, but not
 * why), and pass again once restored.
 */
static void wrap_entry(void) {
    const uint64_t pg = 4096, top = 0ull - 4 * pg;
    char msg[512];
    wtree t;
    const memdev_allocator al = {t_realloc, t_free, NULL};
    wtree_init(&t, &al, 0ull - (1ull << 36), UINT64_MAX);
    CHECK_RC(wtree_reserve(&t, pg), 0);
    wtree_insert(&t, NULL, top, UINT64_MAX, 1);
    check_valid(&t, "a device at the top of the address space");
    struct wt_leaf *l = t.root;
    CHECK(t.height == 0 && l->n == 1 && l->pages[0] == 4);
    if (t.height == 0 && l->n == 1) {
        static const uint32_t grown[] = {5, UINT32_MAX}; /* one page more; the most */
        for (size_t i = 0; i < sizeof grown / sizeof grown[0]; i++) {
            l->pages[0] = grown[i];
            CHECK_RC(wtree_validate(&t, msg, sizeof msg), MEMDEV_EINVARIANT);
            CHECK(strstr(msg, "wraps past 2^64 [I1]") != NULL);
        }
        l->pages[0] = 4;
    }
    check_valid(&t, "the top device restored");
    wtree_fini(&t);
}

int main(int argc, char **argv) {
    uint64_t seed = check_seed(argc, argv, 0x5eed1234);
    printf("test_wtree: seed 0x%llx (reproduce with --seed 0x%llx)\n", (unsigned long long)seed,
           (unsigned long long)seed);
    const struct scenario sc[] = {
        {6ull << 30, 16ull << 30, 2u << 20},         /* q35 board, 2 MiB units */
        {0, 1ull << 40, 4096},                       /* starts at 0 */
        {0ull - (1ull << 36), 1ull << 36, 1u << 20}, /* ends exactly at 2^64 */
        {(1ull << 30) + 4096, 1ull << 34, 4096},     /* base not aligned to big alignments */
        {0xfff, 1ull << 30, 1},                      /* byte units, odd base */
    };
    static const char *const names[] = {"portable", "AVX2", "AVX-512"};
    {
        /* a new tree takes the best kernels this CPU has (the passes below set them by hand) */
        const memdev_allocator al = {t_realloc, t_free, NULL};
        wtree t;
        wtree_init(&t, &al, 0, UINT64_MAX);
        CHECK_U64(t.simd, wtree_simd_available());
        wtree_fini(&t);
    }
    for (uint8_t pass = WT_SCALAR; pass <= wtree_simd_available(); pass++) {
        /* The same operations with each kernel tier this CPU has. */
        use_simd = pass;
        printf("test_wtree: %s kernels\n", names[pass]);
        uint64_t rng = seed;
        for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++) {
            run(rng_next(&rng), &sc[i], 6000, 60);    /* small: dense, shallow */
            run(rng_next(&rng), &sc[i], 12000, 3000); /* deep trees, many splits and merges */
        }
        for (int i = 0; i < 4; i++)
            phased(rng_next(&rng), 40);
        wide_edges();
        tail_edges();
        spill(true);
        spill(false);
        spill_full_node();
        inner_split_point();
        split_mask();
        bounded_prunes(false);
        bounded_prunes(true);
    }
    pages_order();
    wrap_entry();
    wide_spread();
    return check_report("test_wtree");
}
