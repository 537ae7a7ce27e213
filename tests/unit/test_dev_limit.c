/* SPDX-License-Identifier: MIT */
/*
 * test_dev_limit.c - the device limit (MEMDEV_MAX_DEVICES: the id table keeps 3-byte record
 * indices), white-box, against a library built with DEV_LIMIT lowered to 1100 so the limit
 * is reached in a moment; 1100 ends inside the second record page, as 2^24 ends a page.
 * Plugs up to the limit (virtio-mem, short and long ids, one empty hv-balloon); the next plug
 * of any kind fails with MEMDEV_ENOMEM and an error naming the limit, changing nothing
 * (digest, stats, JSON list, memory, no record beyond the limit); a plug that fails a spec
 * check still gets that check's error; after an unplug a plug succeeds in the freed record.
 */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "memdev.h"
#include "space.h"

#define GiB (1ull << 30)
#define MiB (1ull << 20)

_Static_assert(DEV_LIMIT == 1100, "this test runs against the library built with 1100");

static char json_before[1 << 20], json_after[1 << 20];

static void id_of(uint32_t i, char *id, size_t cap) {
    if (i % 3) /* a long id (heap copy) for one in three */
        snprintf(id, cap, "d%u", (unsigned)i);
    else
        snprintf(id, cap, "a-long-device-id-%u", (unsigned)i);
}

static int plug_vmem(memdev_space *sp, const char *id) {
    memdev_device_desc d = {.id = id, .kind = MEMDEV_VIRTIO_MEM, .size = 2 * MiB, .align = 2 * MiB};
    return memdev_plug(sp, &d, NULL);
}

static int plug_empty(memdev_space *sp, const char *id) {
    memdev_device_desc d = {.id = id, .kind = MEMDEV_HV_BALLOON, .fields = MEMDEV_F_EMPTY};
    return memdev_plug(sp, &d, NULL);
}

static void check_valid(const memdev_space *sp) {
    char msg[256];
    int rc = memdev_validate(sp, msg, sizeof msg);
    CHECK_RC(rc, 0);
    if (rc)
        fprintf(stderr, "validate: %s\n", msg);
}

/* Every plug now must fail with no-memory naming the limit, and change nothing. */
static void check_full(memdev_space *sp) {
    memdev_stats s0, s1;
    size_t len0, len1;
    uint64_t digest = memdev_digest(sp);
    size_t bytes = memdev_memory_bytes(sp);
    CHECK_RC(memdev_stats_get(sp, &s0), 0);
    CHECK_RC(memdev_info_json(sp, json_before, sizeof json_before, &len0), 0);

    CHECK_RC(plug_vmem(sp, "over"), MEMDEV_ENOMEM);
    char want[128];
    snprintf(want, sizeof want, "cannot plug 'over': %u devices are plugged", DEV_LIMIT);
    CHECK(strstr(memdev_last_error(sp), want) != NULL);
    CHECK(strstr(memdev_last_error(sp), "MEMDEV_MAX_DEVICES") != NULL);
    if (!strstr(memdev_last_error(sp), want))
        fprintf(stderr, "error text: '%s', expected it to hold '%s'\n", memdev_last_error(sp),
                want);
    CHECK_RC(plug_empty(sp, "over-empty"), MEMDEV_ENOMEM);
    CHECK_RC(plug_vmem(sp, "d1"), MEMDEV_EDUPID); /* the spec's checks come first */
    memdev_device_desc bad = {.id = "over", .kind = MEMDEV_VIRTIO_MEM, .size = 0};
    CHECK_RC(memdev_plug(sp, &bad, NULL), MEMDEV_EINVAL);

    CHECK_U64(memdev_digest(sp), digest);
    CHECK_U64(memdev_memory_bytes(sp), bytes);
    CHECK_RC(memdev_stats_get(sp, &s1), 0);
    CHECK(memcmp(&s0, &s1, sizeof s0) == 0);
    CHECK_RC(memdev_info_json(sp, json_after, sizeof json_after, &len1), 0);
    CHECK_U64(len1, len0);
    CHECK(len0 == len1 && memcmp(json_before, json_after, len0) == 0);
    CHECK_RC(memdev_device_get(sp, "over", &(memdev_device_info){0}), MEMDEV_EUNKNOWNID);
    CHECK_U64(sp->dev_used, DEV_LIMIT);
    CHECK(sp->dev_free == DEV_NIL);
    check_valid(sp);
}

int main(void) {
    memdev_config cfg = {.base = 4 * GiB, .size = 64 * GiB, .budget = 64 * GiB};
    memdev_space *sp;
    CHECK_RC(memdev_space_create(&cfg, NULL, &sp), 0);
    if (!sp)
        return check_report("test_dev_limit");
    char id[32];
    for (uint32_t i = 0; i + 1 < DEV_LIMIT; i++) {
        id_of(i, id, sizeof id);
        CHECK_RC(plug_vmem(sp, id), 0);
    }
    CHECK_RC(plug_empty(sp, "empty"), 0);
    CHECK_U64(sp->ndevices, DEV_LIMIT);
    check_full(sp);

    /* An unplug frees record 7; the next plug takes it, and the space is full again. */
    id_of(7, id, sizeof id);
    CHECK_U64(space_find(sp, id), 7);
    CHECK_RC(memdev_unplug(sp, id), 0);
    CHECK_RC(plug_vmem(sp, "over"), 0);
    CHECK_U64(space_find(sp, "over"), 7);
    CHECK_U64(sp->dev_used, DEV_LIMIT);
    check_valid(sp);
    CHECK_RC(memdev_unplug(sp, "over"), 0);
    CHECK_RC(plug_vmem(sp, id), 0);
    check_full(sp);

    /* Half of the devices out and in again under other ids: records are reused, no more. */
    for (uint32_t i = 0; i + 1 < DEV_LIMIT; i += 2) {
        id_of(i, id, sizeof id);
        CHECK_RC(memdev_unplug(sp, id), 0);
    }
    for (uint32_t i = 0; i + 1 < DEV_LIMIT; i += 2) {
        snprintf(id, sizeof id, "again-%u", (unsigned)i);
        CHECK_RC(plug_vmem(sp, id), 0);
    }
    check_full(sp);
    memdev_space_destroy(sp);
    return check_report("test_dev_limit");
}
