/* SPDX-License-Identifier: MIT */
/*
 * wtree.c - gap-augmented B+tree over the window's devices (see wtree.h).
 *
 * Why a B+tree: a node is a few cache lines, so a plug costs height (3 at 1k, 6 at 1M
 * devices) dependent node visits instead of the 10-20 of a binary tree, and the upper levels
 * stay in cache. Why alignment classes: a plain "largest gap" summary cannot answer "is there
 * an A-aligned hole of S bytes" exactly, so every inner row keeps, for each of WT_K fixed
 * alignments A_k, the largest *usable* size u_k(gap) = end(gap) - align_up(start(gap), A_k)
 * of the gaps below it, in one cache line. The first row whose summary is >= S provably holds
 * the lowest fit, so the search never backtracks and equals QEMU's linear sweep. Seven
 * classes and a row's mask (below) fill one cache line.
 *
 * Gaps live in leaves: gap i of a leaf is the free range in front of entry i, gap 0 starts
 * at the leaf's gs (the previous leaf's last entry + 1, or the window base), so every gap but
 * the tail (after the last entry) belongs to exactly one leaf and no summary straddles a node
 * boundary. A plug inserts one entry, an unplug removes one. Inner nodes have 8 children: a
 * node's separators and children are one cache line each, and a fuzzer with a few hundred
 * devices reaches every split and merge.
 *
 *              inner:  sep[r] child[r] row[r] = {sum[0..K-1], mask}
 *                     /            |             \
 *     leaf: gs | gap0 [first,last] gap1 [first,last] ... gap n-1 [first,last]
 *
 * Any other power of two A = 2^j (not a class) is answered exactly from the largest class
 * below it and a mask per row: with k that class and M = bits k..j-1, every gap has
 * u_j = max(0, u_k - ((-start) & M)) (the padding to 2^j is the padding to 2^k plus bits
 * k..j-1 of -start), so max u_j <= sum_k - (mask & M), where the row's mask has the bits set in
 * -(start) of every non-empty gap below. Rows are visited in address order, skipped when that
 * bound is below S and searched otherwise; leaves are scanned exactly. Where all gap starts
 * agree on bits k..j-1 (a window of equal devices) the bound is exact and the search does not
 * leave its path; in general it costs a descent per row that passes the bound without a fit.
 * No step ever walks the whole tree to learn a new alignment: there is nothing to learn.
 *
 * Invariants (checked by wtree_validate, cited below as [In]):
 *  [I1] entries are inside the window, first <= last, strictly increasing and disjoint in
 *       in-order; count is their number and max_last the last byte of the last one.
 *  [I2] all leaves are at depth `height`; inner nodes have 2..WT_IB children, leaves
 *       1..WT_LB entries (an underfull node, below WT_IB / 4 or WT_LB / 4, is merged with a
 *       sibling or refilled from it on the way up). Unused slots hold sentinels
 *       (first = sep = UINT64_MAX) so searches need not read n.
 *  [I3] a leaf's gs is the previous leaf's last entry + 1, the window base for the first leaf;
 *       sep[r] is the gs of the first leaf below row r; bit i of a leaf's holes is set exactly
 *       when its gap i is not empty.
 *  [I4] row[r].s[k] is the largest u_k over the non-empty gaps of the leaves below row r, and
 *       root_sum.s[k] that over all leaves (the tail gap is in no summary).
 *  [I5] row[r].a has only bits that are set in -(start) of every non-empty gap below row r
 *       (it may have fewer than the exact AND: bits come back when a summary is recomputed);
 *       likewise root_sum.a.
 *  [I6] node accounting: live nodes + free-list nodes = nodes handed out, per pool; every node
 *       of the tree and of a free list is a node of its pool's pages (kept in address order),
 *       the free list holds nfree of them, each marked free (n = WT_FREE_MARK), and no node
 *       of the tree is marked free.
 *  [I7] the unused rows n..WT_IB-1 of an inner node have all-zero class summaries, so a
 *       first fit, which tests every row's summary against a size >= 1, never takes one and
 *       need not read n (a line of its own).
 *  [I8] with hints (wtree_set_hints), the owner's hint for every entry's dev word is the
 *       leaf that holds the entry: every placement and every move between leaves is reported.
 *  [I9] an entry's pages[] is its size in pages when that is a whole number below 2^32, else
 *       0 ("wide"), and then the wide table holds its first and last byte; the table holds
 *       exactly the wide entries (n of them) and is at most half full. Sizes of pages, the
 *       common case, keep an entry to 16 bytes; any other size costs a table probe.
 */
#include "wtree.h"

#include <stdio.h>
#include <string.h>

/* MEMDEV_PORTABLE: the scalar kernels only, as on a machine that is no x86-64 (tests/run's
   `portable` preset). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(MEMDEV_PORTABLE)
#define WT_AVX2 1
#include <immintrin.h>
#endif

#define WT_LMIN (WT_LB / 4)
#define WT_IMIN (WT_IB / 4)
#define NONE UINT64_MAX

const uint8_t wt_class_log2[WT_K] = {
    0,  /* 1 byte: plain length, the largest gap */
    12, /* 4 KiB: base pages, memfd / tmpfs backends */
    20, /* 1 MiB: virtio-mem's smallest block */
    21, /* 2 MiB: x86-64 huge pages, virtio-mem's default block */
    27, /* 128 MiB: Linux's memory block on x86-64, a common virtio-mem block */
    30, /* 1 GiB: gigantic huge pages */
    35, /* 32 GiB: hv-balloon's alignment */
};

/* Alignment masks (2^j - 1) of the classes; the eighth lane is the row's mask, not a class. */
static const uint64_t cls_mask[WT_K + 1] = {0,
                                            (1ull << 12) - 1,
                                            (1ull << 20) - 1,
                                            (1ull << 21) - 1,
                                            (1ull << 27) - 1,
                                            (1ull << 30) - 1,
                                            (1ull << 35) - 1,
                                            0};

static inline uint64_t max64(uint64_t a, uint64_t b) {
    return a > b ? a : b;
}

static inline uint32_t ctz32(uint32_t x) {
    return (uint32_t)__builtin_ctz(x);
}

static inline uint32_t ctz64(uint64_t x) {
    return (uint32_t)__builtin_ctzll(x);
}

/* ---- gaps ------------------------------------------------------------------------------ */

/*
 * Usable size for alignment mask m (2^j - 1) of the non-empty gap [g0, g0 + len): the
 * padding to the next multiple is (-g0) & m; it cannot wrap when it is below len, since the
 * gap ends below 2^64.
 */
static inline uint64_t usable(uint64_t g0, uint64_t len, uint64_t m) {
    uint64_t pad = (0 - g0) & m;
    return pad < len ? len - pad : 0;
}

/* The tail [g0, glast] may end at 2^64 - 1: inclusive form. */
static inline uint64_t usable_incl(uint64_t g0, uint64_t glast, uint64_t m) {
    uint64_t a = (g0 + m) & ~m;
    return a < g0 || a > glast ? 0 : glast - a + 1;
}

/* ---- entries ----------------------------------------------------------------------------- */

/* pages[] of the entry [first, last]: its size in pages, or 0 when it is wide. */
static inline uint32_t pages_of(uint64_t first, uint64_t last) {
    uint64_t size = last - first + 1; /* 0: the whole 2^64 */
    uint64_t pages = size >> WT_PAGE_SHIFT;
    return (size & ((1ull << WT_PAGE_SHIFT) - 1)) || pages > UINT32_MAX ? 0 : (uint32_t)pages;
}

/* The slot of the wide entry at `first`, or NULL. */
static const struct wt_wide_slot *wide_find(const struct wt_wide *w, uint64_t first) {
    for (uint32_t i = w->cap ? wt_wide_home(w, first) : 0, k = 0; k < w->cap;
         i = (i + 1) & (w->cap - 1), k++) {
        const struct wt_wide_slot *s = &w->slot[i];
        if (wt_wide_free(s))
            break;
        if (s->first == first)
            return s;
    }
    return NULL;
}

/* The last byte of the wide entry at `first` (itself when missing: only on corruption, which
   the validator reports [I9]). */
static uint64_t wide_last(const wtree *t, uint64_t first) {
    const struct wt_wide_slot *s = wide_find(&t->wide, first);
    return s ? s->last : first;
}

static void wide_put(struct wt_wide *w, uint64_t first, uint64_t last) {
    uint32_t i = wt_wide_home(w, first);
    while (!wt_wide_free(&w->slot[i]))
        i = (i + 1) & (w->cap - 1);
    w->slot[i] = (struct wt_wide_slot){first, last};
    w->n++;
}

/* Removes the entry at `first` (present), shifting back the ones its slot displaced. */
static void wide_del(struct wt_wide *w, uint64_t first) {
    const struct wt_wide_slot *at = wide_find(w, first);
    if (!at)
        return; /* only on corruption */
    uint32_t mask = w->cap - 1, i = (uint32_t)(at - w->slot);
    for (uint32_t j = (i + 1) & mask; !wt_wide_free(&w->slot[j]); j = (j + 1) & mask) {
        uint32_t h = wt_wide_home(w, w->slot[j].first);
        if (((j - h) & mask) >= ((j - i) & mask)) { /* its home is at or before the hole */
            w->slot[i] = w->slot[j];
            i = j;
        }
    }
    w->slot[i] = (struct wt_wide_slot){1, 0};
    w->n--;
}

/* Room for one more wide entry, the table at most half full: 0 or MEMDEV_ENOMEM. */
static int wide_reserve(wtree *t) {
    struct wt_wide *w = &t->wide;
    if ((uint64_t)(w->n + 1) * 2 <= w->cap)
        return 0;
    if (w->cap > UINT32_MAX / 4)
        return MEMDEV_ENOMEM;
    uint32_t cap = w->cap ? w->cap * 2 : 8;
    struct wt_wide_slot *slot = t->al.realloc(t->al.ctx, NULL, cap * sizeof *slot);
    if (!slot)
        return MEMDEV_ENOMEM;
    struct wt_wide old = *w;
    for (uint32_t i = 0; i < cap; i++)
        slot[i] = (struct wt_wide_slot){1, 0};
    *w = (struct wt_wide){slot, cap, 0};
    for (uint32_t i = 0; i < old.cap; i++)
        if (!wt_wide_free(&old.slot[i]))
            wide_put(w, old.slot[i].first, old.slot[i].last);
    if (old.slot)
        t->al.free(t->al.ctx, old.slot);
    return 0;
}

/* The last byte of entry i of l. */
static inline uint64_t ent_last(const wtree *t, const struct wt_leaf *l, uint32_t i) {
    uint32_t p = l->pages[i];
    return p ? l->first[i] + ((uint64_t)p << WT_PAGE_SHIFT) - 1 : wide_last(t, l->first[i]);
}

static inline uint64_t gap_start(const wtree *t, const struct wt_leaf *l, uint32_t i) {
    return i ? ent_last(t, l, i - 1) + 1 : l->gs;
}

static void sum_zero(struct wt_sum *s) {
    memset(s->s, 0, sizeof s->s);
    s->a = NONE;
}

/*
 * Adds the non-empty gap [g0, g0 + len) to a summary. Classes are nested (u_0 >= u_1 >= ...,
 * so every summary is non-increasing in k): the classes whose best already reaches the gap's
 * length are a prefix and cannot change, and once the gap is unusable for a class it is for
 * every larger one.
 */
static void sum_add_gap_scalar(struct wt_sum *s, uint64_t g0, uint64_t len) {
    s->a &= 0 - g0;
    uint32_t k = 0;
    while (k < WT_K && len <= s->s[k])
        k++;
    for (; k < WT_K; k++) {
        uint64_t u = usable(g0, len, cls_mask[k]);
        if (u == 0)
            break;
        s->s[k] = max64(s->s[k], u);
    }
}

#ifdef WT_AVX2
/*
 * The AVX2 kernels: the seven classes of a gap in two registers (the eighth lane is the mask,
 * kept apart: it is ANDed, not maximised). AVX2 compares signed 64-bit lanes only, so values
 * are compared with their top bit flipped (bias); running maxima are kept biased. Same
 * results as the scalar code, lane for lane.
 */
#define AVX2 __attribute__((target("avx2")))

AVX2 static inline __m256i bias_v(void) {
    return _mm256_set1_epi64x(INT64_MIN);
}

/* acc (biased) = max(acc, the gap's usable sizes) for the classes of mask vector m. */
AVX2 static inline __m256i gap_max(__m256i accb, __m256i negv, __m256i lenv, __m256i lenb,
                                   __m256i m) {
    __m256i pad = _mm256_and_si256(negv, m);
    __m256i ok = _mm256_cmpgt_epi64(lenb, _mm256_xor_si256(pad, bias_v()));
    __m256i ub = _mm256_xor_si256(_mm256_and_si256(_mm256_sub_epi64(lenv, pad), ok), bias_v());
    return _mm256_blendv_epi8(accb, ub, _mm256_cmpgt_epi64(ub, accb));
}

/* A summary's eight lanes, biased, and back (the caller sets the mask lane apart). */
AVX2 static inline void sum_load_b(const struct wt_sum *s, __m256i *lo, __m256i *hi) {
    *lo = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)s->s), bias_v());
    *hi = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(s->s + 4)), bias_v());
}

AVX2 static inline void sum_store_b(struct wt_sum *s, __m256i lo, __m256i hi, uint64_t a) {
    _mm256_storeu_si256((__m256i *)s->s, _mm256_xor_si256(lo, bias_v()));
    _mm256_storeu_si256((__m256i *)(s->s + 4), _mm256_xor_si256(hi, bias_v()));
    s->a = a;
}

AVX2 static inline __m256i mask_lo(void) {
    return _mm256_loadu_si256((const __m256i *)cls_mask);
}

AVX2 static inline __m256i mask_hi(void) {
    return _mm256_loadu_si256((const __m256i *)(cls_mask + 4));
}

AVX2 static void sum_add_gap_avx2(struct wt_sum *s, uint64_t g0, uint64_t len) {
    __m256i lo, hi, negv = _mm256_set1_epi64x((long long)(0 - g0));
    __m256i lenv = _mm256_set1_epi64x((long long)len), lenb = _mm256_xor_si256(lenv, bias_v());
    sum_load_b(s, &lo, &hi);
    lo = gap_max(lo, negv, lenv, lenb, mask_lo());
    hi = gap_max(hi, negv, lenv, lenb, mask_hi());
    sum_store_b(s, lo, hi, s->a & (0 - g0));
}

AVX2 static void leaf_summary_avx2(const wtree *t, const struct wt_leaf *l, struct wt_sum *s) {
    __m256i lo = bias_v(), hi = bias_v(), ml = mask_lo(), mh = mask_hi();
    uint64_t a = NONE;
    for (uint64_t h = l->holes; h; h &= h - 1) {
        uint32_t i = ctz64(h);
        uint64_t g0 = gap_start(t, l, i), len = l->first[i] - g0;
        __m256i negv = _mm256_set1_epi64x((long long)(0 - g0));
        __m256i lenv = _mm256_set1_epi64x((long long)len), lenb = _mm256_xor_si256(lenv, bias_v());
        a &= 0 - g0;
        lo = gap_max(lo, negv, lenv, lenb, ml);
        hi = gap_max(hi, negv, lenv, lenb, mh);
    }
    sum_store_b(s, lo, hi, a);
}

/* Biased maxima over rows 0..n-1 of an inner node (the mask lane is the caller's). */
AVX2 static void rows_max_avx2(const struct wt_inner *p, __m256i *lo, __m256i *hi) {
    __m256i l = bias_v(), h = bias_v();
    for (uint32_t r = 0; r < p->n; r++) {
        __m256i x, y;
        sum_load_b(&p->row[r], &x, &y);
        l = _mm256_blendv_epi8(l, x, _mm256_cmpgt_epi64(x, l));
        h = _mm256_blendv_epi8(h, y, _mm256_cmpgt_epi64(y, h));
    }
    *lo = l;
    *hi = h;
}

AVX2 static void inner_summary_avx2(const struct wt_inner *p, struct wt_sum *s) {
    __m256i lo, hi;
    rows_max_avx2(p, &lo, &hi);
    uint64_t a = NONE;
    for (uint32_t r = 0; r < p->n; r++)
        a &= p->row[r].a;
    sum_store_b(s, lo, hi, a);
}

AVX2 static bool row_update_avx2(struct wt_inner *p, uint32_t r, const struct wt_sum *ns,
                                 struct wt_sum *ps) {
    const __m256i classes_hi = _mm256_set_epi64x(0, -1, -1, -1); /* lane 7: the mask */
    __m256i nl, nh, ol, oh, pl, ph;
    sum_load_b(ns, &nl, &nh);
    sum_load_b(&p->row[r], &ol, &oh);
    sum_load_b(ps, &pl, &ph);
    p->row[r] = *ns;
    /* A class whose maximum was this row's old value and shrank is recomputed. */
    __m256i rl = _mm256_and_si256(_mm256_cmpgt_epi64(ol, nl), _mm256_cmpeq_epi64(ol, pl));
    __m256i rh = _mm256_and_si256(_mm256_cmpgt_epi64(oh, nh), _mm256_cmpeq_epi64(oh, ph));
    rh = _mm256_and_si256(rh, classes_hi);
    __m256i ql = _mm256_blendv_epi8(pl, nl, _mm256_cmpgt_epi64(nl, pl));
    __m256i qh = _mm256_blendv_epi8(ph, nh, _mm256_cmpgt_epi64(nh, ph));
    if (!_mm256_testz_si256(_mm256_or_si256(rl, rh), _mm256_or_si256(rl, rh))) {
        __m256i ml, mh;
        rows_max_avx2(p, &ml, &mh);
        ql = _mm256_blendv_epi8(ql, ml, rl);
        qh = _mm256_blendv_epi8(qh, mh, rh);
    }
    __m256i dl = _mm256_xor_si256(ql, pl),
            dh = _mm256_and_si256(_mm256_xor_si256(qh, ph), classes_hi);
    uint64_t a = ps->a & ns->a;
    bool changed =
        !_mm256_testz_si256(_mm256_or_si256(dl, dh), _mm256_or_si256(dl, dh)) || a != ps->a;
    sum_store_b(ps, ql, qh, a);
    return changed;
}
#endif

#ifdef WT_AVX2
/*
 * The AVX-512 kernels: a summary is one register (seven classes and the mask lane, which a
 * lane mask keeps out of the maxima), with unsigned compares and maxima of their own.
 */
#define AVX512 __attribute__((target("avx512f,avx512bw")))
#define CLASSES ((__mmask8)0x7f)

AVX512 static inline __m512i gap_max512(__m512i acc, uint64_t g0, uint64_t len) {
    __m512i negv = _mm512_set1_epi64((long long)(0 - g0)), lenv = _mm512_set1_epi64((long long)len);
    __m512i pad = _mm512_and_si512(negv, _mm512_loadu_si512((const void *)cls_mask));
    __mmask8 ok = _mm512_mask_cmplt_epu64_mask(CLASSES, pad, lenv);
    return _mm512_mask_max_epu64(acc, ok, acc, _mm512_sub_epi64(lenv, pad));
}

AVX512 static void sum_add_gap_avx512(struct wt_sum *s, uint64_t g0, uint64_t len) {
    uint64_t a = s->a & (0 - g0);
    _mm512_storeu_si512((void *)s, gap_max512(_mm512_loadu_si512((const void *)s), g0, len));
    s->a = a;
}

AVX512 static void leaf_summary_avx512(const wtree *t, const struct wt_leaf *l, struct wt_sum *s) {
    __m512i acc = _mm512_setzero_si512();
    uint64_t a = NONE;
    for (uint64_t h = l->holes; h; h &= h - 1) {
        uint32_t i = ctz64(h);
        uint64_t g0 = gap_start(t, l, i);
        a &= 0 - g0;
        acc = gap_max512(acc, g0, l->first[i] - g0);
    }
    _mm512_storeu_si512((void *)s, acc);
    s->a = a;
}

AVX512 static __m512i rows_max512(const struct wt_inner *p) {
    __m512i m = _mm512_setzero_si512();
    for (uint32_t r = 0; r < p->n; r++)
        m = _mm512_max_epu64(m, _mm512_loadu_si512((const void *)&p->row[r]));
    return m;
}

AVX512 static void inner_summary_avx512(const struct wt_inner *p, struct wt_sum *s) {
    uint64_t a = NONE;
    for (uint32_t r = 0; r < p->n; r++)
        a &= p->row[r].a;
    _mm512_storeu_si512((void *)s, rows_max512(p));
    s->a = a;
}

AVX512 static bool row_update_avx512(struct wt_inner *p, uint32_t r, const struct wt_sum *ns,
                                     struct wt_sum *ps) {
    __m512i nv = _mm512_loadu_si512((const void *)ns), ov = _mm512_loadu_si512((void *)&p->row[r]);
    __m512i pv = _mm512_loadu_si512((const void *)ps);
    _mm512_storeu_si512((void *)&p->row[r], nv);
    __mmask8 redo = _mm512_mask_cmpgt_epu64_mask(CLASSES, ov, nv) &
                    _mm512_mask_cmpeq_epu64_mask(CLASSES, ov, pv);
    __m512i qv = _mm512_max_epu64(pv, nv);
    if (redo)
        qv = _mm512_mask_mov_epi64(qv, redo, rows_max512(p));
    uint64_t a = ps->a & ns->a;
    bool changed = _mm512_mask_cmpneq_epu64_mask(CLASSES, qv, pv) || a != ps->a;
    _mm512_storeu_si512((void *)ps, qv);
    ps->a = a;
    return changed;
}
#endif

uint8_t wtree_simd_available(void) {
#ifdef WT_AVX2
    __builtin_cpu_init();
#ifndef WT_NO_AVX512
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
        return WT_AVX512;
#endif
    if (__builtin_cpu_supports("avx2"))
        return WT_AVX2;
#endif
    return WT_SCALAR;
}

static inline void sum_add_gap(const wtree *t, struct wt_sum *s, uint64_t g0, uint64_t len) {
#ifdef WT_AVX2
    if (t->simd == WT_AVX512) {
        sum_add_gap_avx512(s, g0, len);
        return;
    }
    if (t->simd == WT_AVX2) {
        sum_add_gap_avx2(s, g0, len);
        return;
    }
#endif
    (void)t;
    sum_add_gap_scalar(s, g0, len);
}

/* Which gaps of a leaf are not empty (leaf->holes), from scratch. */
static uint64_t leaf_holes(const wtree *t, const struct wt_leaf *l) {
    uint64_t h = 0, g0 = l->gs;
    for (uint32_t i = 0; i < l->n; i++) {
        h |= (uint64_t)(l->first[i] != g0) << i;
        g0 = ent_last(t, l, i) + 1;
    }
    return h;
}

/* A leaf's summary from scratch: only its non-empty gaps count. */
static void leaf_summary(const wtree *t, const struct wt_leaf *l, struct wt_sum *s) {
#ifdef WT_AVX2
    if (t->simd == WT_AVX512) {
        leaf_summary_avx512(t, l, s);
        return;
    }
    if (t->simd == WT_AVX2) {
        leaf_summary_avx2(t, l, s);
        return;
    }
#endif
    sum_zero(s);
    for (uint64_t h = l->holes; h; h &= h - 1) {
        uint32_t i = ctz64(h);
        uint64_t g0 = gap_start(t, l, i);
        sum_add_gap_scalar(s, g0, l->first[i] - g0);
    }
}

/* An inner node's summary from its rows. */
static void inner_summary(const wtree *t, const struct wt_inner *p, struct wt_sum *s) {
#ifdef WT_AVX2
    if (t->simd == WT_AVX512) {
        inner_summary_avx512(p, s);
        return;
    }
    if (t->simd == WT_AVX2) {
        inner_summary_avx2(p, s);
        return;
    }
#endif
    (void)t;
    sum_zero(s);
    for (uint32_t r = 0; r < p->n; r++) {
        for (uint32_t k = 0; k < WT_K; k++)
            s->s[k] = max64(s->s[k], p->row[r].s[k]);
        s->a &= p->row[r].a;
    }
}

/* ---- node pools ------------------------------------------------------------------------- */

void wtree_init(wtree *t, const memdev_allocator *al, uint64_t base, uint64_t last) {
    memset(t, 0, sizeof *t);
    t->al = *al;
    t->base = base;
    t->last = last;
    t->simd = wtree_simd_available();
    sum_zero(&t->root_sum);
}

void wtree_set_hints(wtree *t, wt_placed_fn placed, wt_hint_fn hint, void *ctx) {
    t->placed = placed;
    t->hint = hint;
    t->hint_ctx = ctx;
}

/* Entries from..from+m-1 of l are now in l: the owner is told [I8]. */
static void report(const wtree *t, const struct wt_leaf *l, uint32_t from, uint32_t m) {
    if (t->placed && m)
        t->placed(t->hint_ctx, &l->dev[from], m, l);
}

static void pool_fini(wtree *t, struct wt_pool *p) {
    for (uint32_t i = 0; i < p->npages; i++)
        t->al.free(t->al.ctx, p->page[i]);
    t->al.free(t->al.ctx, p->page);
    memset(p, 0, sizeof *p);
}

void wtree_fini(wtree *t) {
    pool_fini(t, &t->leaves);
    pool_fini(t, &t->inners);
    if (t->wide.slot)
        t->al.free(t->al.ctx, t->wide.slot);
    memset(&t->wide, 0, sizeof t->wide);
}

/* What a pool holds: nodes to a page, their size, where each keeps its count n, a name. */
struct pool_kind {
    uint32_t per_page;
    size_t size, n_off;
    const char *name;
};

static const struct pool_kind leaf_kind = {WT_LPAGE, sizeof(struct wt_leaf),
                                           offsetof(struct wt_leaf, n), "leaf"};
static const struct pool_kind inner_kind = {WT_IPAGE, sizeof(struct wt_inner),
                                            offsetof(struct wt_inner, n), "inner node"};

/* n of a node on the free list [I6]. */
static void mark_free(void *node, const struct pool_kind *k) {
    const uint32_t mark = WT_FREE_MARK;
    memcpy((char *)node + k->n_off, &mark, sizeof mark);
}

/*
 * Adds a page of nodes to the free list: 0 or MEMDEV_ENOMEM. Pages are kept in address
 * order, so the validator finds a node's page by binary search [I6]. Never inlined: its
 * branches follow heap addresses, and fuzz/coverage-denylist.txt keeps them out of coverage.
 */
static __attribute__((noinline)) int pool_add_page(wtree *t, struct wt_pool *p,
                                                   const struct pool_kind *k) {
    if (p->npages == p->cap) {
        uint32_t ncap = p->cap ? p->cap * 2 : 8;
        void **np = t->al.realloc(t->al.ctx, p->page, ncap * sizeof *np);
        if (!np)
            return MEMDEV_ENOMEM;
        p->page = np;
        p->cap = ncap;
    }
    void *raw = t->al.realloc(t->al.ctx, NULL, k->per_page * k->size + 63);
    if (!raw)
        return MEMDEV_ENOMEM;
    uint32_t at = p->npages;
    while (at > 0 && (uintptr_t)p->page[at - 1] > (uintptr_t)raw)
        at--;
    memmove(&p->page[at + 1], &p->page[at], (p->npages - at) * sizeof *p->page);
    p->page[at] = raw;
    p->npages++;
    char *node = (char *)(((uintptr_t)raw + 63) & ~(uintptr_t)63) + k->per_page * k->size;
    for (uint32_t i = 0; i < k->per_page; i++) {
        node -= k->size;
        memcpy(node, &p->free, sizeof p->free);
        mark_free(node, k);
        p->free = node;
        p->nfree++;
    }
    return 0;
}

/* Makes `need` nodes available on the free list: 0 or MEMDEV_ENOMEM (every plug calls it). */
static inline int pool_reserve(wtree *t, struct wt_pool *p, uint32_t need,
                               const struct pool_kind *k) {
    int rc = 0;
    while (!rc && p->nfree < need)
        rc = pool_add_page(t, p, k);
    return rc;
}

int wtree_reserve(wtree *t, uint64_t size) {
    /* An insert needs at most one leaf, one inner node per level and a new root, and a wide
       entry a slot in the wide table. */
    if (t->height + 2 >= WT_MAXH)
        return MEMDEV_ENOMEM;
    int rc = pool_reserve(t, &t->leaves, 1, &leaf_kind);
    if (!rc)
        rc = pool_reserve(t, &t->inners, t->height + 1, &inner_kind);
    if (!rc && pages_of(0, size - 1) == 0)
        rc = wide_reserve(t);
    return rc;
}

/*
 * A free node's first word (a leaf's first[0], a node's sep[0]) links the free list, and its
 * n is WT_FREE_MARK.
 */
static void *pool_take(struct wt_pool *p) {
    void *node = p->free, *next;
    memcpy(&next, node, sizeof next);
    p->free = next;
    p->nfree--;
    p->live++;
    return node;
}

static void pool_give(struct wt_pool *p, void *node, const struct pool_kind *k) {
    memcpy(node, &p->free, sizeof p->free);
    mark_free(node, k);
    p->free = node;
    p->nfree++;
    p->live--;
}

static struct wt_leaf *leaf_alloc(wtree *t) {
    struct wt_leaf *l = pool_take(&t->leaves);
    memset(l->first, 0xff, sizeof l->first);
    l->n = 0;
    l->holes = 0;
    return l;
}

static struct wt_inner *inner_alloc(wtree *t) {
    struct wt_inner *p = pool_take(&t->inners);
    memset(p->sep, 0xff, sizeof p->sep);
    memset(p->row, 0, sizeof p->row); /* [I7] */
    p->n = 0;
    return p;
}

/* ---- rows ------------------------------------------------------------------------------- */

static void row_put(struct wt_inner *p, uint32_t r, uint64_t sep, void *child,
                    const struct wt_sum *s) {
    p->sep[r] = sep;
    p->child[r] = child;
    p->row[r] = *s;
}

/* Copies m rows of src from row `from` to dst from row `to` (may overlap). */
static void rows_move(struct wt_inner *dst, uint32_t to, const struct wt_inner *src, uint32_t from,
                      uint32_t m) {
    memmove(&dst->sep[to], &src->sep[from], m * sizeof dst->sep[0]);
    memmove(&dst->child[to], &src->child[from], m * sizeof dst->child[0]);
    memmove(&dst->row[to], &src->row[from], m * sizeof dst->row[0]);
}

/* Marks rows n.. unused: sentinel separators [I2], zero summaries [I7]. */
static void rows_clear_tail(struct wt_inner *p) {
    for (uint32_t r = p->n; r < WT_IB; r++) {
        p->sep[r] = NONE;
        memset(p->row[r].s, 0, sizeof p->row[r].s);
    }
}

static void entries_clear_tail(struct wt_leaf *l) {
    for (uint32_t i = l->n; i < WT_LB; i++)
        l->first[i] = NONE;
}

/* Copies m entries of src from `from` to dst from `to` (may overlap; holes are the caller's). */
static void ents_move(struct wt_leaf *dst, uint32_t to, const struct wt_leaf *src, uint32_t from,
                      uint32_t m) {
    memmove(&dst->first[to], &src->first[from], m * sizeof dst->first[0]);
    memmove(&dst->pages[to], &src->pages[from], m * sizeof dst->pages[0]);
    memmove(&dst->dev[to], &src->dev[from], m * sizeof dst->dev[0]);
}

/*
 * Row r of p takes the child's new summary ns; *ps is p's summary before, brought up to date
 * incrementally: a class that rose takes the new value, one whose maximum shrank is
 * recomputed over the rows. Masks only tighten ([I5]). Returns whether *ps changed.
 */
static bool row_update(const wtree *t, struct wt_inner *p, uint32_t r, const struct wt_sum *ns,
                       struct wt_sum *ps) {
#ifdef WT_AVX2
    if (t->simd == WT_AVX512)
        return row_update_avx512(p, r, ns, ps);
    if (t->simd == WT_AVX2)
        return row_update_avx2(p, r, ns, ps);
#endif
    (void)t;
    uint32_t redo = 0;
    bool changed = false;
    for (uint32_t k = 0; k < WT_K; k++) {
        uint64_t old = p->row[r].s[k], now = ns->s[k];
        p->row[r].s[k] = now;
        if (now > ps->s[k]) {
            ps->s[k] = now;
            changed = true;
        } else if (now < old && old == ps->s[k]) {
            redo |= 1u << k;
        }
    }
    for (; redo; redo &= redo - 1) {
        uint32_t k = ctz32(redo);
        uint64_t m = 0;
        for (uint32_t i = 0; i < p->n; i++)
            m = max64(m, p->row[i].s[k]);
        changed |= m != ps->s[k];
        ps->s[k] = m;
    }
    p->row[r].a = ns->a;
    changed |= (ps->a & ns->a) != ps->a;
    ps->a &= ns->a;
    return changed;
}

/* ---- descent ----------------------------------------------------------------------------- */

/*
 * Last row whose sep <= key (0 if none): the child where key belongs. Separators of rows
 * 1..n-1 are sorted and unused rows hold UINT64_MAX, so counting the separators <= key over
 * all WT_IB rows needs neither n nor a branch on the data: one vector compare of the line
 * (AVX-512, AVX2) or three dependent steps of arithmetic. Only key = 2^64 - 1 can pass a
 * sentinel, and is clamped. (A compiler turns `if (c) r += step` into jumps: mispredicted
 * half the time, which costs more than the search.)
 */
#ifdef WT_AVX2
AVX512 static inline uint32_t child_for_avx512(const struct wt_inner *p, uint64_t key) {
    __m512i k = _mm512_set1_epi64((long long)key);
    uint32_t r = 0; /* rows 1.. with sep <= key (a key below row 0: row 0) */
    for (uint32_t j = 0; j < WT_IB; j += 8)
        r += (uint32_t)__builtin_popcount(_mm512_mask_cmple_epu64_mask(
            j ? 0xff : 0xfe, _mm512_loadu_si512((const void *)&p->sep[j]), k));
    return r;
}

AVX2 static inline uint32_t child_for_avx2(const struct wt_inner *p, uint64_t key) {
    __m256i k = _mm256_set1_epi64x((long long)(key ^ (1ull << 63)));
    uint32_t gt = 0;
    for (uint32_t j = 0; j < WT_IB; j += 4) {
        __m256i a = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)&p->sep[j]), bias_v());
        gt |= (uint32_t)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(a, k))) << j;
    }
    return WT_IB - 1 - (uint32_t)__builtin_popcount(gt & ~1u); /* a key below row 0: row 0 */
}

/* A leaf's entries with first <= key: first[] compared eight entries at a time, the five
   masks joined into one word and counted once. */
AVX512 static inline uint32_t leaf_rank_avx512(const struct wt_leaf *l, uint64_t key) {
    __m512i k = _mm512_set1_epi64((long long)key);
    uint64_t m = 0;
    for (uint32_t j = 0; j < WT_LB / 8; j++)
        m |=
            (uint64_t)_mm512_cmple_epu64_mask(_mm512_loadu_si512((const void *)&l->first[8 * j]), k)
            << (8 * j);
    const __mmask8 rest = (__mmask8)((1u << (WT_LB % 8)) - 1);
    m |= (uint64_t)_mm512_mask_cmple_epu64_mask(
             rest, _mm512_maskz_loadu_epi64(rest, &l->first[WT_LB / 8 * 8]), k)
         << (WT_LB / 8 * 8);
    return (uint32_t)__builtin_popcountll(m);
}

_Static_assert(WT_LB % 8 != 0 && WT_LB < 64, "leaf_rank_avx512 reads a partial last line");

/* The same count with AVX2: four entries a compare (biased, as AVX2 compares signed), the
   compares' all-ones lanes summed as -1 each (no mask to move out per compare), the
   entries past the last whole vector one by one. Every load is independent of the others, so
   a leaf not in the cache costs one miss's latency, not one per step of a binary search. */
AVX2 static inline uint32_t leaf_rank_avx2(const struct wt_leaf *l, uint64_t key) {
    __m256i k = _mm256_set1_epi64x((long long)(key ^ (1ull << 63)));
    __m256i gt = _mm256_setzero_si256(); /* minus the entries with first > key, per lane */
    for (uint32_t j = 0; j < WT_LB / 4 * 4; j += 4) {
        __m256i a = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)&l->first[j]), bias_v());
        gt = _mm256_add_epi64(gt, _mm256_cmpgt_epi64(a, k));
    }
    __m128i h = _mm_add_epi64(_mm256_castsi256_si128(gt), _mm256_extracti128_si256(gt, 1));
    h = _mm_add_epi64(h, _mm_unpackhi_epi64(h, h));
    uint32_t r = WT_LB / 4 * 4 + (uint32_t)_mm_cvtsi128_si64(h);
    for (uint32_t j = WT_LB / 4 * 4; j < WT_LB; j++)
        r += (uint32_t)(l->first[j] <= key);
    return r;
}
#endif

static inline uint32_t child_for_scalar(const struct wt_inner *p, uint64_t key) {
    uint32_t r = 0;
    for (uint32_t step = WT_IB / 2; step; step >>= 1)
        r |= (uint32_t)(p->sep[r | step] <= key) * step;
    return r;
}

_Static_assert((WT_IB & (WT_IB - 1)) == 0 && WT_IB >= 8 && WT_IB <= 16,
               "WT_IB is 8 or 16 (row masks are 32-bit)");

static inline uint32_t child_for(const wtree *t, const struct wt_inner *p, uint64_t key) {
    uint32_t r;
#ifdef WT_AVX2
    if (t->simd == WT_AVX512)
        r = child_for_avx512(p, key);
    else if (t->simd == WT_AVX2)
        r = child_for_avx2(p, key);
    else
#endif
        r = child_for_scalar(p, key);
    (void)t;
    if (key == NONE && r >= p->n)
        r = p->n - 1;
    return r;
}

/*
 * Entries of l with first <= key. Binary lifting over the sorted entries and sentinels, each
 * step a compare turned into arithmetic (an index past the array is clamped, and its compare
 * masked out), or one compare per line (AVX-512) or per half line (AVX2).
 */
static inline uint32_t leaf_rank(const wtree *t, const struct wt_leaf *l, uint64_t key) {
    uint32_t i;
#ifdef WT_AVX2
    if (t->simd == WT_AVX512) {
        i = leaf_rank_avx512(l, key);
    } else if (t->simd == WT_AVX2) {
        i = leaf_rank_avx2(l, key);
    } else
#endif
    {
        i = 0;
        for (uint32_t step = 32; step; step >>= 1) {
            uint32_t j = i + step - 1, in = j < WT_LB;
            j = in ? j : WT_LB - 1;
            i += step & (0u - (in & (uint32_t)(l->first[j] <= key)));
        }
    }
    (void)t;
    if (key == NONE && i > l->n)
        i = l->n;
    return i;
}

/* The lines of a node a descent reads next: a node's separators and children, a leaf's
   entries (lookups), or the whole leaf (updates), fetched together instead of one by one. */
static inline void prefetch_inner(const struct wt_inner *p) {
    __builtin_prefetch(p->sep);
    __builtin_prefetch(p->child);
}

static inline void prefetch_leaf(const struct wt_leaf *l, bool whole) {
    const char *c = (const char *)l;
    uint32_t lines = whole ? sizeof *l / 64 : (WT_LB * sizeof l->first[0] + 63) / 64;
    for (uint32_t i = 0; i < lines; i++)
        __builtin_prefetch(c + 64 * i);
}

/*
 * Records the path to the leaf where key belongs, for an update: the leaf and the rows on
 * the path (which the update rewrites) are fetched on the way down. pos is the caller's.
 */
static void descend(const wtree *t, uint64_t key, wt_pos *path) {
    void *cur = t->root;
    for (uint32_t lvl = 0; lvl < t->height; lvl++) {
        struct wt_inner *p = cur;
        uint32_t r = child_for(t, p, key);
        __builtin_prefetch(&p->row[r]);
        path->node[lvl] = p;
        path->idx[lvl] = r;
        cur = p->child[r];
        if (lvl + 1 < t->height)
            prefetch_inner(cur);
    }
    prefetch_leaf(cur, true);
    path->leaf = cur;
}

/* The summary the parent (or the root) holds for the node at depth lvl of path. */
static void held_sum(const wtree *t, const wt_pos *path, uint32_t lvl, struct wt_sum *s) {
    if (lvl == 0)
        *s = t->root_sum;
    else
        *s = path->node[lvl - 1]->row[path->idx[lvl - 1]];
}

/*
 * The node at depth lvl of path has the new summary s (its parent row still holds the old
 * one): updates the rows above, stopping where nothing changes any more.
 */
static void propagate(wtree *t, const wt_pos *path, uint32_t lvl, const struct wt_sum *ns) {
    struct wt_sum s = *ns;
    while (lvl > 0) {
        lvl--;
        struct wt_sum ps;
        held_sum(t, path, lvl, &ps);
        if (!row_update(t, path->node[lvl], path->idx[lvl], &s, &ps))
            return; /* nothing above can change [I4] [I5] */
        s = ps;
    }
    t->root_sum = s;
}

/* The first leaf below row idx[lvl] of path now starts at gs: separators up the path [I3]. */
static void set_sep(const wt_pos *path, uint32_t lvl, uint64_t gs) {
    while (lvl-- > 0) {
        path->node[lvl]->sep[path->idx[lvl]] = gs;
        if (path->idx[lvl] != 0)
            return;
    }
}

/* ---- insert ------------------------------------------------------------------------------ */

/* The new entry: its range, pages[] and dev word. */
struct wt_new {
    uint64_t first, last;
    uint32_t pages, dev;
};

/*
 * The holes of l's entries with x at position i (l unchanged): bit j for gap j of the n + 1
 * entries. Gap i splits: the part in front keeps bit i, the part behind becomes gap i + 1
 * (none when x goes last: the gap behind it is the tail). Splits, spills and borrows cut
 * such masks apart instead of comparing every entry again: a gap between two entries stays
 * the gap between them, whichever leaf holds the second.
 */
static inline uint64_t low_bits(uint32_t m) {
    return (1ull << m) - 1; /* m < 64 */
}

static uint64_t holes_with(const wtree *t, const struct wt_leaf *l, uint32_t i,
                           const struct wt_new *x) {
    uint64_t low = low_bits(i);
    uint64_t front = x->first != gap_start(t, l, i);
    uint64_t behind = i < l->n && l->first[i] != x->last + 1;
    return (l->holes & low) | ((l->holes >> i >> 1) << (i + 2)) | front << i | behind << (i + 1);
}

/* Opens a slot at position i of l and writes x there. */
static void leaf_put(const wtree *t, struct wt_leaf *l, uint32_t i, const struct wt_new *x) {
    uint32_t m = l->n - i;
    l->holes = holes_with(t, l, i, x);
    ents_move(l, i + 1, l, i, m);
    l->first[i] = x->first;
    l->pages[i] = x->pages;
    l->dev[i] = x->dev;
    l->n++;
}

/*
 * The summary of l after [first, last] went into gap i = [g0, g0 + len), from the summary s
 * before: the gap split in two smaller ones, so a class only changes when that gap was its
 * maximum and neither part keeps it; then the leaf is summed again (which also tightens the
 * mask). A tail insert (the gap was the tail) adds the part in front as a new leaf gap.
 */
static void leaf_sum_after_insert(const wtree *t, const struct wt_leaf *l, struct wt_sum *s,
                                  uint64_t g0, uint64_t len, uint64_t first, uint64_t last,
                                  bool tail) {
    if (tail) {
        if (first != g0)
            sum_add_gap(t, s, g0, first - g0);
        return;
    }
    uint64_t ge = g0 + len;
    for (uint32_t k = 0; k < WT_K; k++) {
        uint64_t m = cls_mask[k], was = usable(g0, len, m);
        if (was == 0)
            break; /* and for every larger class */
        if (was != s->s[k])
            continue;
        uint64_t left = first > g0 ? usable(g0, first - g0, m) : 0;
        uint64_t right = ge > last + 1 ? usable(last + 1, ge - last - 1, m) : 0;
        if (max64(left, right) < was) {
            leaf_summary(t, l, s);
            return;
        }
    }
    if (ge > last + 1) /* the part behind is a gap with a new start [I5] */
        s->a &= 0 - (last + 1);
}

/*
 * Where a full node splits when its new entry (or row) goes to position i of cap + 1: the
 * left keeps the returned count. First fit fills a window bottom-up and fills the holes in
 * front of the last entries, so the insert point is usually near the end: splitting there
 * leaves a full left node and a short right one that takes the next inserts (even halves
 * would leave half-empty nodes behind). An insert in the left half splits evenly. The right
 * node gets at least min_right.
 *
 *    [a b c d] + x at 3  ->  [a b c x] [d]      [a b c d] + x at 1  ->  [a x b] [c d]
 */
static uint32_t split_point(uint32_t i, uint32_t cap, uint32_t min_right) {
    uint32_t keep = i + 1, even = (cap + 2) / 2, most = cap + 1 - min_right;
    return keep < even ? even : keep > most ? most : keep;
}

/* The WT_LB entries of a full leaf with [first, last] at position i: WT_LB + 1 entries. */
struct wt_run {
    uint64_t first[WT_LB + 1];
    uint32_t pages[WT_LB + 1];
    uint32_t dev[WT_LB + 1];
};

static void run_of(const struct wt_leaf *l, uint32_t i, const struct wt_new *x, struct wt_run *u) {
    memcpy(u->first, l->first, i * sizeof u->first[0]);
    memcpy(u->pages, l->pages, i * sizeof u->pages[0]);
    memcpy(u->dev, l->dev, i * sizeof u->dev[0]);
    u->first[i] = x->first;
    u->pages[i] = x->pages;
    u->dev[i] = x->dev;
    memcpy(u->first + i + 1, l->first + i, (WT_LB - i) * sizeof u->first[0]);
    memcpy(u->pages + i + 1, l->pages + i, (WT_LB - i) * sizeof u->pages[0]);
    memcpy(u->dev + i + 1, l->dev + i, (WT_LB - i) * sizeof u->dev[0]);
}

/* Writes m entries of the run from `from` to position `at` of l (l->n is the caller's). */
static void run_put(struct wt_leaf *l, uint32_t at, const struct wt_run *u, uint32_t from,
                    uint32_t m) {
    memcpy(&l->first[at], &u->first[from], m * sizeof u->first[0]);
    memcpy(&l->pages[at], &u->pages[from], m * sizeof u->pages[0]);
    memcpy(&l->dev[at], &u->dev[from], m * sizeof u->dev[0]);
}

/* Splits the full leaf l, the new entry going to position i; returns the new right leaf. */
static struct wt_leaf *leaf_split(wtree *t, struct wt_leaf *l, uint32_t i, const struct wt_new *x) {
    uint32_t keep = split_point(i, WT_LB, 1);
    struct wt_leaf *r = leaf_alloc(t);
    struct wt_run u;
    uint64_t h = holes_with(t, l, i, x);
    run_of(l, i, x, &u);
    run_put(l, 0, &u, 0, keep);
    l->n = keep;
    entries_clear_tail(l);
    r->n = WT_LB + 1 - keep;
    run_put(r, 0, &u, keep, r->n);
    r->gs = ent_last(t, l, keep - 1) + 1;
    l->holes = h & low_bits(keep);
    r->holes = h >> keep;
    report(t, r, 0, r->n);
    if (i < keep)
        report(t, l, i, 1);
    return r;
}

/*
 * The full leaf at row r of p takes [first, last] at position i by handing entries to a
 * sibling with room (half of that room, at least one) instead of splitting: the tree stays
 * dense (B*-trees do the same). Both rows are summed again. False when neither sibling has
 * room.
 *
 *    [a b] [c d e f] + x at 1  ->  [a b c x] [d e f]
 */
static bool leaf_spill(wtree *t, struct wt_inner *p, uint32_t r, uint32_t i,
                       const struct wt_new *x) {
    struct wt_leaf *l = p->child[r], *s;
    struct wt_run u;
    struct wt_sum ss;
    uint64_t h; /* the run's holes: gap 0 of l is the gap behind the left sibling's last */
    if (r > 0 && (s = p->child[r - 1])->n < WT_LB) {
        uint32_t m = (WT_LB - s->n + 1) / 2;
        h = holes_with(t, l, i, x);
        run_of(l, i, x, &u);
        run_put(s, s->n, &u, 0, m);
        report(t, s, s->n, m);
        s->n += m;
        l->n = WT_LB + 1 - m;
        run_put(l, 0, &u, m, l->n);
        if (i >= m)
            report(t, l, i - m, 1);
        entries_clear_tail(l);
        l->gs = ent_last(t, s, s->n - 1) + 1;
        s->holes |= (h & low_bits(m)) << (s->n - m);
        l->holes = h >> m;
        leaf_summary(t, s, &ss);
        row_put(p, r - 1, p->sep[r - 1], s, &ss);
        p->sep[r] = l->gs;
    } else if (r + 1 < p->n && (s = p->child[r + 1])->n < WT_LB) {
        uint32_t m = (WT_LB - s->n + 1) / 2;
        h = holes_with(t, l, i, x);
        run_of(l, i, x, &u);
        ents_move(s, m, s, 0, s->n);
        l->n = WT_LB + 1 - m;
        run_put(s, 0, &u, l->n, m);
        report(t, s, 0, m);
        s->n += m;
        run_put(l, 0, &u, 0, l->n);
        if (i < l->n)
            report(t, l, i, 1);
        entries_clear_tail(l);
        s->gs = ent_last(t, l, l->n - 1) + 1;
        s->holes = (h >> l->n) | (s->holes << m); /* its old gap 0 follows the moved ones */
        l->holes = h & low_bits(l->n);
        leaf_summary(t, s, &ss);
        row_put(p, r + 1, s->gs, s, &ss);
    } else {
        return false;
    }
    leaf_summary(t, l, &ss);
    row_put(p, r, p->sep[r], l, &ss);
    return true;
}

/*
 * Adds row (sep, child, s) after row r of p (whose row r was just updated). Returns NULL, or
 * the new right sibling when p was full and split (its own summary in *qs, p's in *ps). When
 * there was room, *ps is p's summary brought up to date.
 */
static struct wt_inner *inner_add_row(wtree *t, struct wt_inner *p, uint32_t r, uint64_t sep,
                                      void *child, const struct wt_sum *s, struct wt_sum *ps,
                                      struct wt_sum *qs) {
    if (p->n < WT_IB) {
        rows_move(p, r + 2, p, r + 1, p->n - r - 1);
        row_put(p, r + 1, sep, child, s);
        p->n++;
        for (uint32_t k = 0; k < WT_K; k++)
            ps->s[k] = max64(ps->s[k], s->s[k]);
        ps->a &= s->a;
        return NULL;
    }
    /* Full: WT_IB + 1 rows split at the new row when it is in the right half (see
       split_point), else evenly; the right node gets two rows at least, so that every inner
       node can pair an underfull child with a sibling [I2]. */
    const uint32_t keep = split_point(r + 1, WT_IB, 2);
    struct wt_inner *q = inner_alloc(t);
    if (r + 1 >= keep) {
        uint32_t at = r + 1 - keep;
        rows_move(q, 0, p, keep, at);
        row_put(q, at, sep, child, s);
        rows_move(q, at + 1, p, r + 1, WT_IB - r - 1);
    } else {
        rows_move(q, 0, p, keep - 1, WT_IB - keep + 1);
        rows_move(p, r + 2, p, r + 1, keep - 2 - r);
        row_put(p, r + 1, sep, child, s);
    }
    q->n = WT_IB + 1 - keep;
    p->n = keep;
    rows_clear_tail(p);
    inner_summary(t, p, ps);
    inner_summary(t, q, qs);
    return q;
}

/* Grows the tree by one level: a new root over the old one and its new right sibling. */
static void new_root(wtree *t, void *right, uint64_t rsep, const struct wt_sum *ls,
                     const struct wt_sum *rs) {
    struct wt_inner *p = inner_alloc(t);
    row_put(p, 0, t->base, t->root, ls);
    row_put(p, 1, rsep, right, rs);
    p->n = 2;
    t->root = p;
    t->height++;
    inner_summary(t, p, &t->root_sum);
}

static void insert_first(wtree *t, const struct wt_new *x) {
    struct wt_leaf *l = leaf_alloc(t);
    l->gs = t->base;
    leaf_put(t, l, 0, x);
    report(t, l, 0, 1);
    t->root = l;
    t->height = 0;
    t->count = 1;
    t->max_last = x->last;
    leaf_summary(t, l, &t->root_sum);
}

void wtree_insert(wtree *t, const wt_pos *pos, uint64_t first, uint64_t last, uint32_t dev) {
    const struct wt_new x = {first, last, pages_of(first, last), dev};
    if (!x.pages)
        wide_put(&t->wide, first, last); /* before the entry's last byte is read */
    if (!t->root) {
        insert_first(t, &x);
        return;
    }
    wt_pos own; /* the caller's path is used in place (a copy is 300 bytes) */
    const wt_pos *path = pos;
    if (!pos) {
        descend(t, first, &own);
        own.pos = leaf_rank(t, own.leaf, first);
        path = &own;
    }
    struct wt_leaf *l = path->leaf;
    uint32_t i = path->pos;
    bool tail = i == l->n; /* only in the last leaf: the gap after it is the tail */
    uint64_t g0 = gap_start(t, l, i), len = tail ? 0 : l->first[i] - g0;
    t->count++;
    if (tail)
        t->max_last = last;
    struct wt_sum ls;
    held_sum(t, path, t->height, &ls);
    if (l->n < WT_LB) {
        leaf_put(t, l, i, &x);
        report(t, l, i, 1);
        leaf_sum_after_insert(t, l, &ls, g0, len, first, last, tail);
        propagate(t, path, t->height, &ls);
        return;
    }
    if (t->height > 0) {
        uint32_t lvl = t->height - 1;
        struct wt_inner *p = path->node[lvl];
        if (leaf_spill(t, p, path->idx[lvl], i, &x)) {
            struct wt_sum ps;
            inner_summary(t, p, &ps);
            propagate(t, path, lvl, &ps);
            return;
        }
    }
    struct wt_leaf *rl = leaf_split(t, l, i, &x);
    void *extra = rl;
    struct wt_sum rs;
    leaf_summary(t, l, &ls);
    leaf_summary(t, rl, &rs);
    uint64_t rsep = rl->gs;
    for (uint32_t lvl = t->height; lvl-- > 0;) {
        struct wt_inner *p = path->node[lvl];
        uint32_t r = path->idx[lvl];
        struct wt_sum ps, qs;
        held_sum(t, path, lvl, &ps);
        row_update(t, p, r, &ls, &ps);
        struct wt_inner *q = inner_add_row(t, p, r, rsep, extra, &rs, &ps, &qs);
        if (!q) {
            propagate(t, path, lvl, &ps);
            return;
        }
        extra = q;
        ls = ps;
        rs = qs;
        rsep = q->sep[0];
    }
    new_root(t, extra, rsep, &ls, &rs);
}

/* ---- remove ------------------------------------------------------------------------------ */

/*
 * Rebalances leaves r and r + 1 of p: merges them into the left one when they fit, else
 * deals their entries evenly. Both rows' summaries are recomputed.
 *
 *    merge:   [a b] [c]      ->  [a b c]          (right freed, row r + 1 removed)
 *    borrow:  [a] [b c d e]  ->  [a b c] [d e]
 */
static void leaf_pair(wtree *t, struct wt_inner *p, uint32_t r) {
    struct wt_leaf *a = p->child[r], *b = p->child[r + 1];
    uint32_t total = a->n + b->n;
    struct wt_sum s;
    if (total <= WT_LB) {
        ents_move(a, a->n, b, 0, b->n);
        a->holes |= b->holes << a->n; /* b's gap 0 is the gap behind a's last */
        report(t, a, a->n, b->n);
        a->n = total;
        pool_give(&t->leaves, b, &leaf_kind);
        rows_move(p, r + 1, p, r + 2, p->n - r - 2);
        p->n--;
        rows_clear_tail(p);
    } else {
        uint32_t na = (total + 1) / 2;
        if (a->n < na) { /* b's first entries go to a's end */
            uint32_t m = na - a->n;
            ents_move(a, a->n, b, 0, m);
            a->holes |= (b->holes & low_bits(m)) << a->n;
            b->holes >>= m;
            report(t, a, a->n, m);
            ents_move(b, 0, b, m, b->n - m);
            b->n -= m;
        } else { /* a's last entries go to b's front */
            uint32_t m = a->n - na;
            ents_move(b, m, b, 0, b->n);
            ents_move(b, 0, a, na, m);
            b->holes = (b->holes << m) | (a->holes >> na);
            a->holes &= low_bits(na);
            report(t, b, 0, m);
            b->n += m;
        }
        a->n = na;
        b->gs = ent_last(t, a, na - 1) + 1;
        entries_clear_tail(b);
        leaf_summary(t, b, &s);
        row_put(p, r + 1, b->gs, b, &s);
    }
    entries_clear_tail(a);
    leaf_summary(t, a, &s);
    row_put(p, r, p->sep[r], a, &s);
}

/* The same for two inner children (their rows move with their summaries). */
static void inner_pair(wtree *t, struct wt_inner *p, uint32_t r) {
    struct wt_inner *a = p->child[r], *b = p->child[r + 1];
    uint32_t total = a->n + b->n;
    struct wt_sum s;
    if (total <= WT_IB) {
        rows_move(a, a->n, b, 0, b->n);
        a->n = total;
        pool_give(&t->inners, b, &inner_kind);
        rows_move(p, r + 1, p, r + 2, p->n - r - 2);
        p->n--;
        rows_clear_tail(p);
    } else {
        uint32_t na = (total + 1) / 2;
        if (a->n < na) {
            uint32_t m = na - a->n;
            rows_move(a, a->n, b, 0, m);
            rows_move(b, 0, b, m, b->n - m);
            b->n -= m;
        } else {
            uint32_t m = a->n - na;
            rows_move(b, m, b, 0, b->n);
            rows_move(b, 0, a, na, m);
            b->n += m;
        }
        a->n = na;
        rows_clear_tail(b);
        inner_summary(t, b, &s);
        row_put(p, r + 1, b->sep[0], b, &s);
    }
    rows_clear_tail(a);
    inner_summary(t, a, &s);
    row_put(p, r, p->sep[r], a, &s);
}

static uint32_t node_count(const void *node, bool leaf) {
    return leaf ? ((const struct wt_leaf *)node)->n : ((const struct wt_inner *)node)->n;
}

/*
 * After the node at depth lvl of path changed to summary s: fixes the rows from depth lvl - 1
 * up, merging or refilling underfull children on the way, and shrinks the root.
 */
static void fix_up(wtree *t, const wt_pos *path, uint32_t lvl, struct wt_sum s) {
    while (lvl-- > 0) {
        struct wt_inner *p = path->node[lvl];
        uint32_t r = path->idx[lvl];
        bool leafkids = lvl + 1 == t->height;
        uint32_t min = leafkids ? WT_LMIN : WT_IMIN;
        struct wt_sum ps;
        held_sum(t, path, lvl, &ps);
        if (node_count(p->child[r], leafkids) < min && p->n >= 2) {
            uint32_t left = r ? r - 1 : 0;
            row_put(p, r, p->sep[r], p->child[r], &s);
            if (leafkids)
                leaf_pair(t, p, left);
            else
                inner_pair(t, p, left);
            inner_summary(t, p, &ps);
        } else if (!row_update(t, p, r, &s, &ps)) {
            break; /* nothing above changes; only the root may need shrinking */
        }
        s = ps;
        if (lvl == 0)
            t->root_sum = s;
    }
    /* [I2]: an inner root keeps at least two children. */
    while (t->height > 0 && ((struct wt_inner *)t->root)->n == 1) {
        struct wt_inner *old = t->root;
        t->root = old->child[0];
        pool_give(&t->inners, old, &inner_kind);
        t->height--;
    }
}

/*
 * The leaf after the one losing its last entry now starts its gap 0 at gs: its gap 0 grew,
 * its separators move down [I3]. Found by descending to its old gap start.
 */
static void next_leaf_grows(wtree *t, uint64_t old_gs, uint64_t gs) {
    wt_pos path;
    descend(t, old_gs, &path); /* its separators still say old_gs */
    struct wt_leaf *r = path.leaf;
    struct wt_sum s;
    held_sum(t, &path, t->height, &s);
    r->gs = gs;
    r->holes |= 1;
    sum_add_gap(t, &s, gs, r->first[0] - gs);
    set_sep(&path, t->height, gs);
    propagate(t, &path, t->height, &s);
}

void wtree_remove(wtree *t, uint64_t first) {
    wt_pos path;
    if (!t->root)
        return;
    descend(t, first, &path);
    struct wt_leaf *l = path.leaf;
    uint32_t i = leaf_rank(t, l, first);
    if (i == 0 || l->first[i - 1] != first)
        return; /* not present (callers never ask): nothing changes */
    i--;
    uint64_t g0 = gap_start(t, l, i), last = ent_last(t, l, i);
    bool last_of_all = last == t->max_last;
    if (i == l->n - 1 && !last_of_all) /* the next leaf takes gap i with its own gap 0 */
        next_leaf_grows(t, last + 1, g0);
    if (!l->pages[i])
        wide_del(&t->wide, first);
    struct wt_sum s;
    held_sum(t, &path, t->height, &s);
    bool merge = i + 1 < l->n; /* gaps i and i + 1 and the entry become one gap */
    uint64_t ge = merge ? l->first[i + 1] : 0;
    l->holes = (l->holes & low_bits(i)) | (uint64_t)merge << i | ((l->holes >> i >> 2) << (i + 1));
    ents_move(l, i, l, i + 1, l->n - i - 1);
    l->n--;
    l->first[l->n] = NONE;
    t->count--;
    if (last_of_all)
        t->max_last = g0 - 1; /* the previous entry's last byte (meaningless when empty) */
    if (t->count == 0) {
        pool_give(&t->leaves, l, &leaf_kind);
        t->root = NULL;
        t->height = 0;
        sum_zero(&t->root_sum);
        return;
    }
    if (merge)
        sum_add_gap(t, &s, g0, ge - g0); /* a class can only rise */
    else
        leaf_summary(t, l, &s); /* the leaf lost its last gap: sum it again */
    if (t->height == 0) {
        t->root_sum = s;
        return;
    }
    fix_up(t, &path, t->height, s);
}

/* ---- first fit ------------------------------------------------------------------------------ */

/* Class index of an alignment, or -1. */
static int class_of(uint64_t align) {
    for (uint32_t k = 0; k < WT_K; k++)
        if (cls_mask[k] == align - 1)
            return (int)k;
    return -1;
}

/* Exact scan of a leaf's gaps for the lowest fit: true and *addr, *at (the gap). */
static bool leaf_fit(const wtree *t, const struct wt_leaf *l, uint64_t size, uint64_t m,
                     uint64_t *addr, uint32_t *at) {
    for (uint64_t h = l->holes; h; h &= h - 1) {
        uint32_t i = ctz64(h);
        uint64_t g0 = gap_start(t, l, i), len = l->first[i] - g0;
        if (len >= size && usable(g0, len, m) >= size) {
            *addr = g0 + ((0 - g0) & m);
            *at = i;
            return true;
        }
    }
    return false;
}

/* A class: the first row whose summary fits; no backtracking. */
static bool fit_class(const wtree *t, uint32_t k, uint64_t size, uint64_t *addr, wt_pos *pos) {
    void *cur = t->root;
    for (uint32_t lvl = 0; lvl < t->height; lvl++) {
        struct wt_inner *p = cur;
        __builtin_prefetch(p->child); /* comes in with the rows, not after them */
        uint32_t fits = 0; /* rows whose summary fits, as a mask: no branch per row, and no
                              read of n: unused rows fit nothing [I7] */
        for (uint32_t r = 0; r < WT_IB; r++)
            fits |= (uint32_t)(p->row[r].s[k] >= size) << r;
        if (!fits)
            return false; /* summaries disagree with the root: only on corruption */
        uint32_t r = ctz32(fits);
        pos->node[lvl] = p;
        pos->idx[lvl] = r;
        cur = p->child[r];
    }
    prefetch_leaf(cur, true);
    pos->leaf = cur;
    pos->searched = 1;
    return leaf_fit(t, cur, size, cls_mask[k], addr, &pos->pos);
}

/* A request for an alignment that is no class: see the file comment. */
struct fit_req {
    uint64_t size, m;
    uint32_t klo;     /* the largest class below the alignment */
    uint64_t between; /* bits klo..j-1 */
};

/* Upper bound of max u_j over a subtree with class sums s and start mask a. */
static inline uint64_t upper(const struct fit_req *q, const uint64_t *s, uint64_t a) {
    uint64_t base = s[q->klo], cut = a & q->between;
    return base > cut ? base - cut : 0;
}

/*
 * Any other alignment: rows in address order, each skipped when its upper bound is below the
 * size, searched otherwise (a row without a fit costs a descent into it; the leaves decide).
 */
static bool fit_bounded(const wtree *t, const struct fit_req *q, void *node, uint32_t lvl,
                        uint64_t *addr, wt_pos *pos) {
    if (lvl == t->height) {
        pos->leaf = node;
        pos->searched++;
        return leaf_fit(t, node, q->size, q->m, addr, &pos->pos);
    }
    struct wt_inner *p = node;
    for (uint32_t r = 0; r < p->n; r++) {
        if (upper(q, p->row[r].s, p->row[r].a) < q->size)
            continue;
        pos->node[lvl] = p;
        pos->idx[lvl] = r;
        if (fit_bounded(t, q, p->child[r], lvl + 1, addr, pos))
            return true;
    }
    return false;
}

int wtree_first_fit(const wtree *t, uint64_t size, uint64_t align, uint64_t *addr, wt_pos *pos) {
    wt_pos scratch;
    if (!pos)
        pos = &scratch;
    pos->searched = 0;
    if (!t->root) {
        if (usable_incl(t->base, t->last, align - 1) >= size)
            return wt_align_up(t->base, align, addr) ? 0 : MEMDEV_EFRAGMENTED;
        return MEMDEV_EFRAGMENTED;
    }
    int k = class_of(align);
    if (k >= 0) {
        if (t->root_sum.s[k] >= size && fit_class(t, (uint32_t)k, size, addr, pos))
            return 0;
    } else {
        struct fit_req q = {.size = size, .m = align - 1, .klo = 0};
        for (uint32_t c = 1; c < WT_K; c++)
            if (cls_mask[c] < align - 1)
                q.klo = c;
        q.between = (align - 1) & ~cls_mask[q.klo];
        if (upper(&q, t->root_sum.s, t->root_sum.a) >= size &&
            fit_bounded(t, &q, t->root, 0, addr, pos))
            return 0;
    }
    if (t->max_last < t->last && usable_incl(t->max_last + 1, t->last, align - 1) >= size) {
        wt_align_up(t->max_last + 1, align, addr);
        /* The tail: after the last entry of the last leaf. */
        void *cur = t->root;
        for (uint32_t lvl = 0; lvl < t->height; lvl++) {
            struct wt_inner *p = cur;
            pos->node[lvl] = p;
            pos->idx[lvl] = p->n - 1;
            cur = p->child[p->n - 1];
        }
        pos->leaf = cur;
        pos->pos = pos->leaf->n;
        return 0;
    }
    return MEMDEV_EFRAGMENTED;
}

/* ---- queries -------------------------------------------------------------------------------- */

/* The leaf whose range holds gpa (the tree is not empty). */
static const struct wt_leaf *find_leaf(const wtree *t, uint64_t gpa) {
    const void *cur = t->root;
    for (uint32_t lvl = 0; lvl < t->height; lvl++) {
        const struct wt_inner *p = cur;
        cur = p->child[child_for(t, p, gpa)];
        if (lvl + 1 < t->height)
            prefetch_inner(cur);
    }
    prefetch_leaf(cur, true);
    return cur;
}

/* Entry i - 1 of l (i: the entries with first <= gpa) when it holds gpa. */
static inline bool found_in(const wtree *t, const struct wt_leaf *l, uint32_t i, uint64_t gpa,
                            uint32_t *dev, uint64_t *first, uint64_t *last) {
    if (i == 0)
        return false;
    uint64_t e = ent_last(t, l, i - 1);
    if (e < gpa)
        return false;
    *dev = l->dev[i - 1];
    *first = l->first[i - 1];
    *last = e;
    return true;
}

#ifdef WT_AVX2
/* The whole lookup in one AVX-512 function (a lookup is the VMM's hot path): the descent
   with the compares inlined, the leaf's rank, the entry. */
AVX512 static bool find_avx512(const wtree *t, uint64_t gpa, uint32_t *dev, uint64_t *first,
                               uint64_t *last) {
    const void *cur = t->root;
    for (uint32_t lvl = 0; lvl < t->height; lvl++) {
        const struct wt_inner *p = cur;
        uint32_t r = child_for_avx512(p, gpa);
        if (gpa == NONE && r >= p->n)
            r = p->n - 1;
        cur = p->child[r];
        if (lvl + 1 < t->height) /* its separators are read next, its children after them */
            __builtin_prefetch(((const struct wt_inner *)cur)->child);
    }
    const struct wt_leaf *l = cur;
    uint32_t i = leaf_rank_avx512(l, gpa);
    if (gpa == NONE && i > l->n)
        i = l->n;
    return found_in(t, l, i, gpa, dev, first, last);
}

/* The same on the AVX2 tier: the descent's compares inlined, the whole leaf fetched once its
   address is known (the rank reads its starts, the answer its sizes and record indices, on
   other lines), the rank four starts a compare. */
AVX2 static bool find_avx2(const wtree *t, uint64_t gpa, uint32_t *dev, uint64_t *first,
                           uint64_t *last) {
    const void *cur = t->root;
    for (uint32_t lvl = 0; lvl < t->height; lvl++) {
        const struct wt_inner *p = cur;
        uint32_t r = child_for_avx2(p, gpa);
        if (gpa == NONE && r >= p->n)
            r = p->n - 1;
        cur = p->child[r];
        if (lvl + 1 < t->height)
            prefetch_inner(cur);
    }
    const struct wt_leaf *l = cur;
    prefetch_leaf(l, true);
    uint32_t i = leaf_rank_avx2(l, gpa);
    if (gpa == NONE && i > l->n)
        i = l->n;
    return found_in(t, l, i, gpa, dev, first, last);
}
#endif

/* The scalar tier's lookup, a function of its own so that wtree_find is a dispatch that
   saves no registers (each tier's lookup is a tail call). */
__attribute__((noinline)) static bool find_scalar(const wtree *t, uint64_t gpa, uint32_t *dev,
                                                  uint64_t *first, uint64_t *last) {
    const struct wt_leaf *l = find_leaf(t, gpa);
    return found_in(t, l, leaf_rank(t, l, gpa), gpa, dev, first, last);
}

bool wtree_find(const wtree *t, uint64_t gpa, uint32_t *dev, uint64_t *first, uint64_t *last) {
    if (!t->root)
        return false;
#ifdef WT_AVX2
    if (t->simd == WT_AVX512)
        return find_avx512(t, gpa, dev, first, last);
    if (t->simd == WT_AVX2)
        return find_avx2(t, gpa, dev, first, last);
#endif
    return find_scalar(t, gpa, dev, first, last);
}

bool wtree_first_overlap(const wtree *t, uint64_t first, uint64_t last, uint32_t *dev,
                         wt_pos *pos) {
    if (!t->root)
        return false;
    wt_pos path;
    descend(t, first, &path);
    const struct wt_leaf *l = path.leaf;
    uint32_t i = leaf_rank(t, l, first);
    /* Entry i - 1 starts at or before `first`, entry i (if any) after it. */
    if (i > 0 && ent_last(t, l, i - 1) >= first) {
        *dev = l->dev[i - 1];
        return true;
    }
    if (i < l->n && l->first[i] <= last) {
        *dev = l->dev[i];
        return true;
    }
    /* i == n: the next entry, if any, is in the next leaf, whose gap 0 starts after `first`
       (else the descent would have gone there), so entry n - 1 ends at or after `first` and
       was caught above. */
    if (pos) {
        *pos = path;
        pos->pos = i;
    }
    return false;
}

uint64_t wtree_largest_gap(const wtree *t) {
    if (!t->root)
        return t->last - t->base + 1;
    uint64_t m = t->root_sum.s[0];
    if (t->max_last < t->last)
        m = max64(m, t->last - t->max_last);
    return m;
}

/* ---- iteration ------------------------------------------------------------------------------ */

static void iter_down(const wtree *t, wt_iter *it, uint32_t lvl, const void *cur) {
    for (; lvl < t->height; lvl++) {
        const struct wt_inner *p = cur;
        it->node[lvl] = p;
        it->idx[lvl] = 0;
        cur = p->child[0];
    }
    it->leaf = cur;
    it->pos = 0;
}

void wtree_iter_begin(const wtree *t, wt_iter *it) {
    it->leaf = NULL;
    it->pos = 0;
    if (t->root)
        iter_down(t, it, 0, t->root);
}

bool wtree_iter_next(const wtree *t, wt_iter *it, uint64_t *first, uint64_t *last, uint32_t *dev) {
    if (!it->leaf)
        return false;
    if (it->pos >= it->leaf->n) {
        uint32_t lvl = t->height;
        while (lvl > 0 && it->idx[lvl - 1] + 1 >= it->node[lvl - 1]->n)
            lvl--;
        if (lvl == 0) {
            it->leaf = NULL;
            return false;
        }
        it->idx[lvl - 1]++;
        iter_down(t, it, lvl, it->node[lvl - 1]->child[it->idx[lvl - 1]]);
    }
    *first = it->leaf->first[it->pos];
    *last = ent_last(t, it->leaf, it->pos);
    *dev = it->leaf->dev[it->pos];
    it->pos++;
    return true;
}

size_t wtree_memory(const wtree *t) {
    return (size_t)t->leaves.npages * (WT_LPAGE * sizeof(struct wt_leaf) + 63) +
           (size_t)t->inners.npages * (WT_IPAGE * sizeof(struct wt_inner) + 63) +
           (size_t)(t->leaves.cap + t->inners.cap) * sizeof(void *) +
           (size_t)t->wide.cap * sizeof(struct wt_wide_slot);
}

void wtree_blocks(const wtree *t, void (*fn)(void *ctx, const void *block), void *ctx) {
    const struct wt_pool *pools[2] = {&t->leaves, &t->inners};
    for (int j = 0; j < 2; j++) {
        for (uint32_t i = 0; i < pools[j]->npages; i++)
            fn(ctx, pools[j]->page[i]);
        if (pools[j]->page)
            fn(ctx, pools[j]->page);
    }
    if (t->wide.slot)
        fn(ctx, t->wide.slot);
}

/* ---- validation ------------------------------------------------------------------------------ */

struct wt_vstate {
    char *msg;
    size_t cap;
    uint32_t entries, leaves, inners, nodes, wide;
    bool have_prev;
    uint64_t prev_last;
};

#define VFAIL(vs, ...)                                                                             \
    do {                                                                                           \
        if ((vs)->msg && (vs)->cap)                                                                \
            snprintf((vs)->msg, (vs)->cap, __VA_ARGS__);                                           \
        return MEMDEV_EINVARIANT;                                                                  \
    } while (0)

#define X(v) ((unsigned long long)(v))

/*
 * Whether `node` is one of the nodes of pool p's pages. Safe on any pointer: never read. Never
 * inlined: its branches follow heap addresses (fuzz/coverage-denylist.txt).
 */
static __attribute__((noinline)) bool v_in_pool(const struct wt_pool *p, const struct pool_kind *k,
                                                const void *node) {
    uintptr_t a = (uintptr_t)node;
    uint32_t lo = 0, hi = p->npages; /* the first page that starts past a */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)p->page[mid] <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    uintptr_t base = ((uintptr_t)p->page[lo - 1] + 63) & ~(uintptr_t)63;
    return a >= base && a - base < (uintptr_t)k->per_page * k->size && (a - base) % k->size == 0;
}

/* A node's count n, read without a type. */
static uint32_t v_count(const void *node, const struct pool_kind *k) {
    uint32_t n;
    memcpy(&n, (const char *)node + k->n_off, sizeof n);
    return n;
}

/* A pool's pages in address order [I6] (v_in_pool's binary search relies on it). */
static int v_pages(struct wt_vstate *vs, const struct wt_pool *p, const struct pool_kind *k) {
    for (uint32_t i = 1; i < p->npages; i++)
        if ((uintptr_t)p->page[i - 1] >= (uintptr_t)p->page[i])
            VFAIL(vs, "window tree: %s pages %u and %u are not in address order [I6]", k->name,
                  i - 1, i);
    return 0;
}

/* A pool's free list [I6]: each link is checked before it is followed. */
static int v_free_list(struct wt_vstate *vs, const struct wt_pool *p, const struct pool_kind *k) {
    uint32_t i = 0;
    for (const void *node = p->free; node; i++) {
        if (i == p->nfree)
            VFAIL(vs, "window tree: the free %s list goes on past the %u nodes nfree says [I6]",
                  k->name, p->nfree);
        if (!v_in_pool(p, k, node))
            VFAIL(vs, "window tree: free %s %u of the list is no node of the %s pages [I6]",
                  k->name, i, k->name);
        if (v_count(node, k) != WT_FREE_MARK)
            VFAIL(vs,
                  "window tree: free %s %u of the list is not marked free (n = %u: a node of the "
                  "tree?) [I6]",
                  k->name, i, v_count(node, k));
        memcpy(&node, node, sizeof node);
    }
    if (i != p->nfree)
        VFAIL(vs, "window tree: the free %s list holds %u nodes, nfree says %u [I6]", k->name, i,
              p->nfree);
    return 0;
}

/* The exact summary of a leaf, computed from its entries alone (not from holes). */
static void v_leaf_sum(const wtree *t, const struct wt_leaf *l, struct wt_sum *s) {
    sum_zero(s);
    for (uint32_t i = 0; i < l->n; i++) {
        uint64_t g0 = gap_start(t, l, i), ge = l->first[i];
        if (ge == g0)
            continue;
        s->a &= 0 - g0;
        for (uint32_t k = 0; k < WT_K; k++) {
            uint64_t a = (g0 + cls_mask[k]) & ~cls_mask[k];
            if (a >= g0 && a < ge)
                s->s[k] = max64(s->s[k], ge - a);
        }
    }
}

/* Summary held for a subtree against the exact one: sums equal, mask no tighter [I4][I5]. */
static int v_sum(struct wt_vstate *vs, const char *where, uint32_t node, uint32_t row,
                 const struct wt_sum *held, const struct wt_sum *exact) {
    for (uint32_t k = 0; k < WT_K; k++)
        if (held->s[k] != exact->s[k])
            VFAIL(vs,
                  "window tree: %s %u row %u gap summary for alignment 0x%llx is 0x%llx, "
                  "recomputed 0x%llx [I4]",
                  where, node, row, X(1ull << wt_class_log2[k]), X(held->s[k]), X(exact->s[k]));
    if (held->a & ~exact->a)
        VFAIL(vs,
              "window tree: %s %u row %u start mask 0x%llx has bits the gaps' 0x%llx lacks [I5]",
              where, node, row, X(held->a), X(exact->a));
    return 0;
}

/* The kind of the nodes at level lvl (leaves at the height). */
static const struct pool_kind *v_kind(const wtree *t, uint32_t lvl) {
    return lvl == t->height ? &leaf_kind : &inner_kind;
}

/* Whether a node at level lvl is a node of its pool (checked before the walk reads it). */
static bool v_child_ok(const wtree *t, const void *node, uint32_t lvl) {
    return v_in_pool(lvl == t->height ? &t->leaves : &t->inners, v_kind(t, lvl), node);
}

static int v_leaf(const wtree *t, const struct wt_leaf *l, struct wt_vstate *vs, uint64_t gs,
                  struct wt_sum *exact) {
    uint32_t id = vs->nodes++;
    if (l->n == WT_FREE_MARK)
        VFAIL(vs, "window tree: leaf %u is in the tree and marked free [I6]", id);
    if (l->n < 1 || l->n > WT_LB)
        VFAIL(vs, "window tree: leaf %u has %u entries [I2]", id, l->n);
    if (l->gs != gs)
        VFAIL(vs, "window tree: leaf %u gap start 0x%llx, the previous entry ends at 0x%llx [I3]",
              id, X(l->gs), X(gs - 1));
    vs->leaves++;
    for (uint32_t i = 0; i < WT_LB; i++) {
        if (i >= l->n) {
            if (l->first[i] != NONE)
                VFAIL(vs, "window tree: leaf %u slot %u past the end is not a sentinel [I2]", id,
                      i);
            continue;
        }
        uint64_t f = l->first[i], e;
        if (l->pages[i]) {
            uint64_t bytes = (uint64_t)l->pages[i] << WT_PAGE_SHIFT;
            if (bytes - 1 > NONE - f)
                VFAIL(vs, "window tree: entry at 0x%llx of %u pages wraps past 2^64 [I1]", X(f),
                      l->pages[i]);
            e = f + (bytes - 1);
        } else {
            const struct wt_wide_slot *w = wide_find(&t->wide, f);
            if (!w)
                VFAIL(vs, "window tree: wide entry at 0x%llx is not in the wide table [I9]", X(f));
            e = w->last;
            if (e < f || pages_of(f, e))
                VFAIL(vs,
                      "window tree: wide entry [0x%llx, 0x%llx] is not wide: its size fits "
                      "pages[] [I9]",
                      X(f), X(e));
            vs->wide++;
        }
        if (f > e || f < t->base || e > t->last)
            VFAIL(vs, "window tree: entry [0x%llx, 0x%llx] is not inside the window [I1]", X(f),
                  X(e));
        if (vs->have_prev ? f <= vs->prev_last : f < gs)
            VFAIL(vs, "window tree: entry at 0x%llx overlaps or precedes the previous one [I1]",
                  X(f));
        vs->have_prev = true;
        vs->prev_last = e;
        vs->entries++;
        if (t->hint && t->hint(t->hint_ctx, l->dev[i]) != l)
            VFAIL(vs,
                  "window tree: entry at 0x%llx (dev 0x%x) is in leaf %u, its hint names "
                  "another leaf [I8]",
                  X(f), l->dev[i], id);
    }
    if (l->holes != leaf_holes(t, l))
        VFAIL(vs, "window tree: leaf %u marks gaps 0x%llx non-empty, they are 0x%llx [I3]", id,
              X(l->holes), X(leaf_holes(t, l)));
    v_leaf_sum(t, l, exact);
    return 0;
}

static int v_node(const wtree *t, const void *node, uint32_t lvl, struct wt_vstate *vs, uint64_t gs,
                  struct wt_sum *exact) {
    if (lvl == t->height)
        return v_leaf(t, node, vs, gs, exact);
    const struct wt_inner *p = node;
    uint32_t id = vs->nodes++;
    vs->inners++;
    if (p->n == WT_FREE_MARK)
        VFAIL(vs, "window tree: inner node %u is in the tree and marked free [I6]", id);
    if (p->n < 2 || p->n > WT_IB)
        VFAIL(vs, "window tree: inner node %u has %u children [I2]", id, p->n);
    sum_zero(exact);
    for (uint32_t r = 0; r < WT_IB; r++) {
        if (r >= p->n) {
            if (p->sep[r] != NONE)
                VFAIL(vs, "window tree: node %u row %u past the end is not a sentinel [I2]", id, r);
            for (uint32_t k = 0; k < WT_K; k++)
                if (p->row[r].s[k])
                    VFAIL(vs,
                          "window tree: node %u unused row %u has gap summary 0x%llx for "
                          "alignment 0x%llx [I7]",
                          id, r, X(p->row[r].s[k]), X(1ull << wt_class_log2[k]));
            continue;
        }
        uint64_t want = r == 0 ? gs : (vs->have_prev ? vs->prev_last + 1 : t->base);
        if (p->sep[r] != want)
            VFAIL(vs,
                  "window tree: node %u row %u separator 0x%llx, its first gap starts at "
                  "0x%llx [I3]",
                  id, r, X(p->sep[r]), X(want));
        if (!v_child_ok(t, p->child[r], lvl + 1))
            VFAIL(vs, "window tree: node %u row %u: its child is no node of the %s pages [I6]", id,
                  r, v_kind(t, lvl + 1)->name);
        struct wt_sum c, held;
        int rc = v_node(t, p->child[r], lvl + 1, vs, p->sep[r], &c);
        if (rc)
            return rc;
        held = p->row[r];
        if ((rc = v_sum(vs, "node", id, r, &held, &c)))
            return rc;
        for (uint32_t k = 0; k < WT_K; k++)
            exact->s[k] = max64(exact->s[k], c.s[k]);
        exact->a &= c.a;
    }
    return 0;
}

int wtree_validate(const wtree *t, char *msg, size_t cap) {
    struct wt_vstate vs = {.msg = msg, .cap = cap};
    if (t->height >= WT_MAXH)
        VFAIL(&vs, "window tree: height %u exceeds %u [I2]", t->height, WT_MAXH);
    int prc = v_pages(&vs, &t->leaves, &leaf_kind);
    if (prc || (prc = v_pages(&vs, &t->inners, &inner_kind)))
        return prc;
    if (t->root) {
        struct wt_sum exact;
        if (!v_child_ok(t, t->root, 0))
            VFAIL(&vs, "window tree: the root is no node of the %s pages [I6]", v_kind(t, 0)->name);
        int rc = v_node(t, t->root, 0, &vs, t->base, &exact);
        if (rc)
            return rc;
        if ((rc = v_sum(&vs, "root", 0, 0, &t->root_sum, &exact)))
            return rc;
        if (vs.prev_last != t->max_last)
            VFAIL(&vs, "window tree: the last entry ends at 0x%llx, max_last says 0x%llx [I1]",
                  X(vs.prev_last), X(t->max_last));
    }
    if (vs.entries != t->count)
        VFAIL(&vs, "window tree: %u entries found, count says %u [I1]", vs.entries, t->count);
    uint32_t used = 0;
    for (uint32_t i = 0; i < t->wide.cap; i++)
        used += !wt_wide_free(&t->wide.slot[i]);
    if (vs.wide != t->wide.n || used != t->wide.n || (uint64_t)used * 2 > t->wide.cap)
        VFAIL(&vs,
              "window tree: %u wide entries found, the wide table holds %u in %u slots and "
              "says %u [I9]",
              vs.wide, used, t->wide.cap, t->wide.n);
    const struct wt_pool *lp = &t->leaves, *ip = &t->inners;
    if (vs.leaves != lp->live || vs.inners != ip->live ||
        (uint64_t)lp->live + lp->nfree != (uint64_t)lp->npages * WT_LPAGE ||
        (uint64_t)ip->live + ip->nfree != (uint64_t)ip->npages * WT_IPAGE)
        VFAIL(&vs,
              "window tree: node accounting: %u leaves found, %u live + %u free in %u pages; "
              "%u inner found, %u + %u in %u pages [I6]",
              vs.leaves, lp->live, lp->nfree, lp->npages, vs.inners, ip->live, ip->nfree,
              ip->npages);
    int rc = v_free_list(&vs, lp, &leaf_kind);
    return rc ? rc : v_free_list(&vs, ip, &inner_kind);
}
