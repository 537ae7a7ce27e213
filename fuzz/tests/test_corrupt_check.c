/* SPDX-License-Identifier: MIT */
/*
 * test_corrupt_check.c - the corrupt target's verdicts (fuzz/corrupt.h), both ways. On a
 * space with devices of every kind (an empty one too), every corruption kind that applies is
 * checked against the real validator (no verdict: the library is right) and against a
 * validator that lies, wrapped at link time (-Wl,--wrap=memdev_validate), one way at a time:
 * it passes the corrupted space, finds it but says nothing, names an invariant the
 * corruption does not break (or, for the extent tree's, only the [S4] the validator wraps
 * every failure of a tree in), or still fails once the field is restored. corrupt_check must
 * give the verdict that says so for each, and leave the space as it was (same digest,
 * valid). Only a validator bug sets these verdicts off, so no seed of the corrupt target
 * reaches them on a correct library; a mutation sample of fuzz/corrupt.c found that the
 * "said nothing" one could go, and that a variant could stop applying (the extent moved past
 * its device fell through to another), so the distinct corruptions made are counted too.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "corrupt.h"
#include "space.h" /* white-box: what a corruption did to the tree (probe_tree) */

/* OTHER and WRAPPED last: whether the corruption names invariants is read from PASSES'
   verdict. WRAPPED names only [S4], the invariant the validator wraps every failure of an
   extent tree in: a corruption of the tree ([X1]..[X7]) must be named by the tree's own tag. */
enum lie { TRUTH, PASSES, SILENT, STILL_FAILS, OTHER, WRAPPED, LIES };
static const char *const lie_name[LIES] = {"truth",       "passes",          "silent",
                                           "still-fails", "other-invariant", "wrapped"};
static const char *const verdict[LIES] = {NULL,
                                          "memdev_validate passed a space with a corrupted ",
                                          "memdev_validate found the corrupted ",
                                          "after restoring the ",
                                          "memdev_validate found the corrupted ",
                                          "memdev_validate found the corrupted "};
static const char *const verdict_end[LIES] = {NULL,
                                              " (ok)",
                                              " but said nothing",
                                              ", memdev_validate still fails: [S1] made up",
                                              " under another invariant: [X9] made up",
                                              " under another invariant: [S4] made up"};
static enum lie lie;
static unsigned calls;
/*
 * White-box probes of what a corruption did, for the three whose description a mutant could
 * make untrue while the validator still fails for the invariant named: with probe set to
 * one of them, the first call (the corrupted space) says whether the tree has an entry
 * naming a record on no record page (the one corruption whose index the validator must
 * bound before it reads the record), an entry that starts exactly at the last byte of the
 * entry before it, or an entry whose record is not live (a mutant set every other flag
 * instead of clearing the live one: still a broken [S8], another corruption). Only then:
 * other corruptions break the tree's own links.
 */
enum probe { NO_PROBE, BEYOND_PAGES, OVERLAPS_BEFORE, NOT_LIVE };
static enum probe probe;
static bool probed;
/* What the real validator said of the corrupted space (the first call). */
static char first_msg[512];

static bool probe_tree(const memdev_space *sp, enum probe what) {
    wt_iter it;
    uint64_t first, last, prev_last = 0;
    uint32_t di;
    bool any = false;
    wtree_iter_begin(&sp->tree, &it);
    while (wtree_iter_next(&sp->tree, &it, &first, &last, &di)) {
        if (what == BEYOND_PAGES && DEV_INDEX(di) >= (uint64_t)sp->dpages * DEV_PAGE)
            return true;
        if (what == OVERLAPS_BEFORE && any && first == prev_last)
            return true;
        if (what == NOT_LIVE && !(space_dev(sp, DEV_INDEX(di))->flags & DF_LIVE))
            return true;
        prev_last = last, any = true;
    }
    return false;
}

int __real_memdev_validate(const memdev_space *sp, char *msg, size_t cap);
int __wrap_memdev_validate(const memdev_space *sp, char *msg, size_t cap);
int __wrap_memdev_validate(const memdev_space *sp, char *msg, size_t cap) {
    int rc = __real_memdev_validate(sp, msg, cap);
    if (++calls == 1) {
        snprintf(first_msg, sizeof first_msg, "%s", cap ? msg : "");
        if (probe != NO_PROBE)
            probed = probe_tree(sp, probe);
    }
    switch (lie) {
    case PASSES:
        return calls == 1 ? 0 : rc;
    case SILENT:
        if (calls == 1 && cap)
            msg[0] = '\0';
        return rc;
    case OTHER:
        if (calls == 1)
            snprintf(msg, cap, "[X9] made up");
        return rc;
    case WRAPPED:
        if (calls == 1)
            snprintf(msg, cap, "[S4] made up");
        return rc;
    case STILL_FAILS:
        if (calls == 2) {
            snprintf(msg, cap, "[S1] made up");
            return MEMDEV_EINVARIANT;
        }
        return rc;
    default:
        return rc;
    }
}

#define VARIANTS 128u
#define HIGH_VARIANTS 6u /* byte 2 = 200, 201, 202 with byte 3 = 0 and 1 */
#define MAX_WHATS 512u
/* The distinct corruptions made: each description (from the PASSES verdict) with the device
   the validator named (the first quoted id of its message), so a corruption that stops
   applying to one kind of device is missed too. */
static char whats[MAX_WHATS][200];
static unsigned n_whats;
static void note_what(const char *got) {
    char w[200], id[64] = "";
    const char *q = strchr(first_msg, '\''), *e = q ? strchr(q + 1, '\'') : NULL;
    if (e && e - q < (long)sizeof id)
        snprintf(id, sizeof id, "%.*s", (int)(e - q + 1), q);
    snprintf(w, sizeof w, "%s", got + strlen(verdict[PASSES]));
    char *end = strstr(w, " (ok)");
    if (end)
        *end = '\0';
    size_t n = strlen(w);
    snprintf(w + n, sizeof w - n, "%s%s", id[0] ? " / " : "", id);
    for (unsigned i = 0; i < n_whats; i++)
        if (strcmp(whats[i], w) == 0)
            return;
    if (n_whats < MAX_WHATS)
        snprintf(whats[n_whats++], sizeof whats[0], "%s", w);
}

/* state 0: a virtio-mem's plugged extent inside it; state 1: its two extents, the last up to
   the device's end (a corruption may apply only to one of them) */
static memdev_space *make_space(int state) {
    memdev_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.base = 4ull << 30;
    cfg.size = 1ull << 46;
    cfg.budget = cfg.size;
    cfg.dimm_slots = 8;
    cfg.has_kvm = true;
    cfg.kvm.max = 509;
    memdev_space *sp = NULL;
    if (memdev_space_create(&cfg, NULL, &sp) != MEMDEV_OK)
        return NULL;
    static const struct {
        const char *id;
        memdev_kind kind;
        uint64_t size, align;
    } devs[] = {{"dimm0", MEMDEV_DIMM, 1ull << 30, 0},
                {"nv0", MEMDEV_NVDIMM, 1ull << 30, 0},
                {"vmem-node1-7", MEMDEV_VIRTIO_MEM, 8ull << 30, 0},
                {"pmem0", MEMDEV_VIRTIO_PMEM, 64ull << 20, 2ull << 20},
                {"hv0", MEMDEV_HV_BALLOON, 2ull << 30, 0},
                {"a-long-id-on-the-heap", MEMDEV_DIMM, 5ull << 12, 4096},
                {"wide", MEMDEV_VIRTIO_PMEM, (16ull << 40) + 4096, 4096},
                {"hv-empty", MEMDEV_HV_BALLOON, 0, 0},
                {"odd-end", MEMDEV_VIRTIO_PMEM, 4097, 1}, /* the gap after it starts odd */
                {"dimm-gone", MEMDEV_DIMM, 1ull << 30, 0}};
    for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++) {
        memdev_device_desc d;
        memset(&d, 0, sizeof d);
        d.id = devs[i].id;
        d.kind = devs[i].kind;
        d.size = devs[i].size;
        d.align = devs[i].align ? devs[i].align : MEMDEV_DEFAULT_ALIGN;
        if (devs[i].kind == MEMDEV_VIRTIO_MEM)
            d.fields = MEMDEV_F_REQUESTED, d.requested = 2ull << 30;
        if (devs[i].size == 0)
            d.fields = MEMDEV_F_EMPTY;
        int rc = memdev_plug(sp, &d, NULL);
        if (rc != MEMDEV_OK) {
            fprintf(stderr, "plug %s: %s\n", d.id, memdev_error_name(rc));
            memdev_space_destroy(sp);
            return NULL;
        }
    }
    /* plugged blocks, a mapped balloon memslot, a free record */
    if (memdev_vmem_request(sp, "vmem-node1-7", true, 0, 512ull << 20) != MEMDEV_OK ||
        (state == 1 && memdev_vmem_request(sp, "vmem-node1-7", true, 7ull << 30, 1ull << 30)) ||
        memdev_balloon_map(sp, "hv0", 0, true) != MEMDEV_OK ||
        memdev_unplug(sp, "dimm-gone") != MEMDEV_OK) {
        fprintf(stderr, "set-up: %s\n", memdev_last_error(sp));
        memdev_space_destroy(sp);
        return NULL;
    }
    /* state 1: 40 more extents, so the extent tree has two levels (xtree.c: 30 a leaf) */
    for (uint64_t k = 0; state == 1 && k < 40; k++)
        if (memdev_vmem_request(sp, "vmem-node1-7", true, (1ull << 30) + (k << 22), 2ull << 20)) {
            fprintf(stderr, "set-up: %s\n", memdev_last_error(sp));
            memdev_space_destroy(sp);
            return NULL;
        }
    return sp;
}

/* Every corruption kind and 128 variants of each on the state, with each lie; returns how many
   applied, and in *tagged how many of them name the invariants they break. */
static unsigned check_state(memdev_space *sp, unsigned *tagged) {
    char msg[512], why[600];
    CHECK_RC(memdev_validate(sp, msg, sizeof msg), MEMDEV_OK);
    uint64_t digest = memdev_digest(sp);
    unsigned applied = 0;
    for (unsigned k = 0; k < CORRUPT_KINDS; k++) {
        for (unsigned v = 0; v < VARIANTS + HIGH_VARIANTS; v++) {
            /* bytes 2 and 3 choose the variant of a kind (a sub-case, a bit, an amount); the
               last few take byte 2 = 200..202, the sub-cases some kinds keep there */
            unsigned h = v - VARIANTS;
            const uint8_t spec[CORRUPT_SPEC_SIZE] = {
                (uint8_t)k, (uint8_t)(v * 37u), (uint8_t)(v < VARIANTS ? v % 16u : 200u + h % 3u),
                (uint8_t)(v >= VARIANTS ? h / 3u
                          : v < 64      ? v / 16u * 41u + v % 7u
                                        : v / 16u * 64u + v % 16u)};
            bool names = false;            /* the corruption names the invariants it breaks */
            bool tree = false, s4 = false; /* ... [X1]..[X7] of the extent tree; [S4] */
            for (enum lie l = TRUTH; l < LIES; l++) {
                lie = l;
                calls = 0;
                const char *got = corrupt_check(sp, spec, why, sizeof why);
                lie = TRUTH;
                if (calls == 0) { /* the kind does not apply to this state */
                    CHECK(got == NULL);
                    break;
                }
                applied += l == TRUTH;
                if (l == PASSES && got) {
                    /* (the id table's have no invariant, but its message must name it) */
                    names = strstr(got, " [S") || strstr(got, " [I") ||
                            strstr(got, "corrupted id table ");
                    tree = strstr(got, " [X") != NULL;
                    s4 = strstr(got, " [S4]") != NULL;
                    note_what(got);
                    /* it is what it says */
                    probe = strstr(got, "(on a record page that does not exist)") ? BEYOND_PAGES
                            : strstr(got, "(overlaps the one before)")            ? OVERLAPS_BEFORE
                            : strstr(got, "live flag of a placed device")         ? NOT_LIVE
                                                                                  : NO_PROBE;
                    if (probe != NO_PROBE) {
                        probed = false, calls = 0;
                        corrupt_check(sp, spec, why, sizeof why);
                        probe = NO_PROBE;
                        CHECK(probed);
                        if (!probed)
                            fprintf(stderr, "  kind %u variant %u did not make %s\n", k, v, got);
                    }
                }
                *tagged += l == PASSES && names;
                /* [S4] alone is enough for a corruption that names it and no tag of the tree */
                bool accepted = l == TRUTH || ((l == OTHER || l == WRAPPED) && !names) ||
                                (l == WRAPPED && s4 && !tree);
                bool ok = accepted ? got == NULL
                                   : got && strncmp(got, verdict[l], strlen(verdict[l])) == 0 &&
                                         strstr(got, verdict_end[l]) != NULL;
                CHECK(ok);
                if (!ok)
                    fprintf(stderr, "  kind %u variant %u, validator %s: %s\n", k, v, lie_name[l],
                            got ? got : "no verdict");
                CHECK_U64(memdev_digest(sp), digest);
                CHECK_RC(memdev_validate(sp, msg, sizeof msg), MEMDEV_OK);
            }
        }
    }
    return applied;
}

int main(void) {
    /* Every corruption a state admits is made: a variant that stops applying (a kind weakened
       into another of its variants) loses its description. A new kind or variant that applies
       here adds one: update the counts (the list is printed when one differs). */
    static const unsigned distinct[2] = {184, 195};
    for (int state = 0; state < 2; state++) {
        memdev_space *sp = make_space(state);
        CHECK(sp != NULL);
        if (!sp)
            continue;
        unsigned tagged = 0;
        n_whats = 0;
        unsigned applied = check_state(sp, &tagged);
        CHECK_U64(n_whats, distinct[state]);
        for (unsigned i = 0; n_whats != distinct[state] && i < n_whats; i++)
            fprintf(stderr, "  %s\n", whats[i]);
        printf("state %d: corruptions applied: %u (%u distinct), %u of them naming the invariants "
               "they break\n",
               state, applied, n_whats, tagged);
        CHECK(applied >= 7000);
        CHECK(tagged >= 5000);
        memdev_space_destroy(sp);
    }
    return check_report("test_corrupt_check");
}
