/* SPDX-License-Identifier: MIT */
/*
 * test_id_walk.c - a cuckoo walk of the id table that fails, white-box, against a library
 * built with CUCKOO_WALK = 2 so that walks fail all the time (with 128 steps at load <= 0.9
 * they practically never do, and no fuzz input reaches the undo).
 *
 * A walk that fails is undone and the table rebuilt larger (id_rebuild); when that
 * allocation fails, the plug fails with MEMDEV_ENOMEM and the old table must be exactly as it
 * was: the undo is the only thing that puts it back. So each plug first runs with the
 * allocation of a grown id table refused: a plug that fails must change nothing (the id
 * table byte for byte, the stats, the validator, and every id plugged so far still found),
 * and a failure while the table had room by its load limit can only come from a failed
 * walk. The test counts those (it must see many), then plugs for real. It also counts the
 * plugs a walk placed (both buckets of the id were full, and the table did not grow): a walk
 * that never ended well passed everything else (mutation sample 5302). Unplugs of
 * every third device on the way make holes the walks move through.
 */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "memdev.h"
#include "space.h"

_Static_assert(CUCKOO_WALK == 2, "this test runs against the library built with a walk of 2");

#define GiB (1ull << 30)
#define MiB (1ull << 20)
#define N 30000

static void id_of(uint32_t i, char *id, size_t cap) {
    if (i % 5) /* some long ids too (a heap copy; hashed the same way) */
        snprintf(id, cap, "vmem-n%u-%u", (unsigned)(i % 7), (unsigned)i);
    else
        snprintf(id, cap, "a-long-device-id-%u", (unsigned)i);
}

static bool live[N];
static struct id_bucket tab_before[N]; /* more buckets than the table ever has */

static bool all_found(const memdev_space *sp) {
    char id[64];
    memdev_device_info info;
    for (uint32_t i = 0; i < N; i++) {
        id_of(i, id, sizeof id);
        if ((memdev_device_get(sp, id, &info) == 0) != live[i]) {
            fprintf(stderr, "device %s: %s\n", id, live[i] ? "lost" : "found but not plugged");
            return false;
        }
    }
    return true;
}

int main(void) {
    memdev_config cfg = {.base = 4 * GiB, .size = 1ull << 44, .budget = 1ull << 44};
    struct check_inject in = {0}; /* refuse_size set around each plug */
    memdev_allocator al = {check_inject_realloc, check_inject_free, &in};
    memdev_space *sp = NULL;
    CHECK_RC(memdev_space_create(&cfg, &al, &sp), 0);
    if (!sp)
        return 1;
    char id[64], msg[256];
    uint32_t walk_failures = 0, walks_done = 0, refused = 0, ndev = 0;
    for (uint32_t i = 0; i < N; i++) {
        id_of(i, id, sizeof id);
        memdev_device_desc d = {
            .id = id, .kind = MEMDEV_VIRTIO_MEM, .size = 2 * MiB, .align = 2 * MiB};
        uint64_t room = (uint64_t)sp->nbuckets * ID_SLOTS * 9 / 10;
        bool load_ok = (uint64_t)sp->ndevices + 1 <= room;
        /* the table before, byte for byte: a refused plug must leave it exactly so */
        size_t tab_bytes = (size_t)sp->nbuckets * sizeof(struct id_bucket);
        if (tab_bytes) /* (no table before the first plug) */
            memcpy(tab_before, sp->itab, tab_bytes);
        memdev_stats st0, st1;
        CHECK_RC(memdev_stats_get(sp, &st0), 0);
        /* what id_rebuild asks for: the grown table and 63 bytes to align it */
        in.refuse_size = (size_t)(sp->nbuckets + sp->nbuckets / 2) * sizeof(struct id_bucket) + 63;
        int rc = memdev_plug(sp, &d, NULL);
        in.refuse_size = 0;
        if (rc == 0 && tab_bytes && (size_t)sp->nbuckets * sizeof(struct id_bucket) == tab_bytes) {
            /* placed without growing: when both its buckets were full before, a walk made the
               room (a walk that never ends well would pass everything else here: each failed
               walk is undone, and the table grows instead) */
            uint32_t h = space_id_hash(space_dev(sp, space_find(sp, id)));
            uint32_t b1 = id_bucket1(h, sp->nbuckets),
                     b2 = id_bucket_alt(b1, id_tag(h), sp->nbuckets);
            bool full = true;
            for (uint32_t k = 0; k < ID_SLOTS; k++)
                full = full && tab_before[b1].tag[k] && tab_before[b2].tag[k];
            walks_done += full;
        }
        if (rc != 0) {
            CHECK_RC(rc, MEMDEV_ENOMEM);
            refused++;
            walk_failures += load_ok;
            CHECK_RC(memdev_stats_get(sp, &st1), 0);
            CHECK(memcmp(&st0, &st1, sizeof st0) == 0);
            CHECK_U64(sp->ndevices, ndev);
            CHECK_U64((uint64_t)sp->nbuckets * sizeof(struct id_bucket), tab_bytes);
            CHECK(!tab_bytes || memcmp(tab_before, sp->itab, tab_bytes) == 0);
            int v = memdev_validate(sp, msg, sizeof msg);
            CHECK_RC(v, 0);
            if (v) {
                fprintf(stderr, "after the refused plug of %s: %s\n", id, msg);
                break;
            }
            if (walk_failures <= 64 || i % 50 == 0) /* all ids: O(n) per check */
                CHECK(all_found(sp));
            rc = memdev_plug(sp, &d, NULL);
        }
        CHECK_RC(rc, 0);
        live[i] = rc == 0;
        ndev += live[i];
        if (i % 3 == 2) { /* holes: unplug the one two before */
            char old[64];
            id_of(i - 2, old, sizeof old);
            if (live[i - 2]) {
                CHECK_RC(memdev_unplug(sp, old), 0);
                live[i - 2] = false;
                ndev--;
            }
        }
    }
    CHECK_RC(memdev_validate(sp, msg, sizeof msg), 0);
    CHECK(all_found(sp));
    printf("test_id_walk: %u plugs refused the grown table, %u of them after a failed walk "
           "(the table had room); %u placed by a walk that succeeded\n",
           refused, walk_failures, walks_done);
    CHECK(walk_failures >= 10); /* the undo really ran, and was checked each time */
    CHECK(walks_done >= 10);    /* and walks also end well */
    memdev_space_destroy(sp);
    CHECK_U64(in.live, 0); /* every block given back */
    return check_report("test_id_walk");
}
