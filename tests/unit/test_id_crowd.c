/* SPDX-License-Identifier: MIT */
/*
 * test_id_crowd.c - ids whose hashes collide, white-box, against a library built with
 * ID_HASH_MASK = 0: every id hashes to 0, so every id has the same two buckets in the cuckoo
 * id table at every size, and those two hold 2 * ID_SLOTS ids.
 *
 * The ids the two buckets hold must plug and be found like any others (every lookup compares
 * the full ids behind equal tags). The next one cannot be placed by any table: its plug must
 * fail with MEMDEV_ENOMEM and a message that says why, change nothing, and the table must not
 * have grown on the way past eight slots per id. Before that bound, id_rebuild grew the table
 * by half again after each stuck walk until an allocation failed: with the allocator of a
 * machine with memory, gigabytes allocated and cleared for one plug. The allocator here
 * refuses anything over 1 MiB, so that (a regression) ends as a plain failure of the checks
 * on the message and the largest allocation. After an unplug, the id plugs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "memdev.h"
#include "space.h"

_Static_assert(ID_HASH_MASK == 0, "this test runs against the library built with every hash 0");

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define FIT (2 * ID_SLOTS) /* the ids two buckets hold */

/* Short ids (inline) and long ones (a heap copy), alternately: both hash to 0 here. */
static void id_of(uint32_t i, char *id, size_t cap) {
    if (i % 2)
        snprintf(id, cap, "dimm%u", (unsigned)i);
    else
        snprintf(id, cap, "vmem-node%u-a-long-id-%u", (unsigned)(i % 3), (unsigned)i);
}

static int plug(memdev_space *sp, uint32_t i) {
    char id[64];
    id_of(i, id, sizeof id);
    memdev_device_desc d = {.id = id, .kind = MEMDEV_VIRTIO_MEM, .size = 2 * MiB, .align = 2 * MiB};
    return memdev_plug(sp, &d, NULL);
}

/* Exactly the ids i < n with live[i] are found, each at its own record. */
static bool found(const memdev_space *sp, const bool *live, uint32_t n) {
    char id[64];
    memdev_device_info info;
    bool ok = true;
    for (uint32_t i = 0; i < n; i++) {
        id_of(i, id, sizeof id);
        int rc = memdev_device_get(sp, id, &info);
        if ((rc == 0) != live[i] || (rc == 0 && strcmp(info.id, id) != 0)) {
            fprintf(stderr, "device %s: %s\n", id, live[i] ? "not found as itself" : "found");
            ok = false;
        }
    }
    return ok;
}

int main(void) {
    memdev_config cfg = {.base = 4 * GiB, .size = 64 * GiB, .budget = 64 * GiB};
    struct check_inject in = {.refuse_above = MiB};
    memdev_allocator al = {check_inject_realloc, check_inject_free, &in};
    memdev_space *sp = NULL;
    CHECK_RC(memdev_space_create(&cfg, &al, &sp), 0);
    if (!sp)
        return 1;
    bool live[FIT + 1] = {false};
    char msg[512];
    for (uint32_t i = 0; i < FIT; i++) {
        CHECK_RC(plug(sp, i), 0);
        live[i] = true;
    }
    CHECK(found(sp, live, FIT + 1));
    CHECK_RC(memdev_validate(sp, msg, sizeof msg), 0);

    /* one id more than its buckets hold: refused, nothing changed */
    memdev_stats st0, st1;
    CHECK_RC(memdev_stats_get(sp, &st0), 0);
    uint32_t nb = sp->nbuckets;
    static struct id_bucket before[64];
    CHECK(nb <= 64);
    memcpy(before, sp->itab, (size_t)nb * sizeof before[0]);
    CHECK_RC(plug(sp, FIT), MEMDEV_ENOMEM);
    /* again, measured: the first try also grew the record page (kept: no logical state), so
       now the id tables tried are the only allocations */
    in.largest = 0;
    CHECK_RC(plug(sp, FIT), MEMDEV_ENOMEM);
    const char *why = memdev_last_error(sp);
    printf("test_id_crowd: plug of id %u: %s (largest allocation %zu bytes)\n", FIT, why,
           in.largest);
    CHECK(strstr(why, "share its id's hash") != NULL);
    /* the tables tried: half as large again each time from the one in use, while they have
       at most eight slots per id and 64 (8 * 33 + 64 = 328 slots: 4 buckets, then 6, 9, 13,
       19); the largest of them, with its 63 bytes of alignment, is the largest allocation */
    uint32_t last = nb;
    for (uint32_t g = nb + nb / 2; g * ID_SLOTS <= 8 * (FIT + 1) + 64; g += g / 2)
        last = g;
    CHECK_U64(last, 19);
    CHECK_U64(in.largest, last * sizeof(struct id_bucket) + 63);
    CHECK_RC(memdev_stats_get(sp, &st1), 0);
    CHECK(memcmp(&st0, &st1, sizeof st0) == 0);
    CHECK_U64(sp->nbuckets, nb);
    CHECK(memcmp(before, sp->itab, (size_t)nb * sizeof before[0]) == 0);
    CHECK(found(sp, live, FIT + 1));
    CHECK_RC(memdev_validate(sp, msg, sizeof msg), 0);

    /* room again after an unplug */
    char id[64];
    id_of(3, id, sizeof id);
    CHECK_RC(memdev_unplug(sp, id), 0);
    live[3] = false;
    CHECK_RC(plug(sp, FIT), 0);
    live[FIT] = true;
    CHECK(found(sp, live, FIT + 1));
    CHECK_RC(memdev_validate(sp, msg, sizeof msg), 0);
    memdev_space_destroy(sp);
    CHECK_U64(in.live, 0); /* every block given back */
    return check_report("test_id_crowd");
}
