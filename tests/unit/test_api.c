/* SPDX-License-Identifier: MIT */
/*
 * test_api.c - the public API at its edges, as a VMM may call it by mistake: no configuration,
 * no result pointer, an allocator without hooks, a message buffer of 0 or 1 bytes, no device
 * description, NULL, empty and too-long ids for every call that takes one. Each call must
 * return its documented error, say why (in msg or memdev_last_error), change nothing (the
 * digest, the stats and the validator) and crash on nothing. A field the kind does not take
 * is named with the kind (check 0). And the admission errors of
 * plug checks 2 and 3 name the right counts: needed, reserved and free memslots. And guest
 * requests that come and go leave the memory where it was. A valid space's message is "".
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "memdev.h"

#define GiB (1ull << 30)
#define MiB (1ull << 20)

static memdev_config base_config(void) {
    return (memdev_config){.base = 4 * GiB, .size = 64 * GiB, .budget = 64 * GiB, .dimm_slots = 4};
}

/* memdev_config_check: every refusal with its reason, in any buffer, and none for a good one. */
static void test_config_check(void) {
    char msg[160];
    memdev_limit bad_vhost[2] = {{.max = 32, .other = 1}, {.max = 8, .other = 9}};
    struct {
        memdev_config cfg;
        const char *why;
    } bad[] = {
        {{.base = 0, .size = 0, .budget = 1}, "window size is 0"},
        {{.base = UINT64_MAX, .size = 2, .budget = 1}, "wraps past 2^64"},
        {{.base = 0, .size = GiB, .budget = 1, .dimm_slots = 257}, "257 DIMM slots, at most 256"},
        {{.base = 0, .size = GiB, .has_kvm = true, .kvm = {.max = 10, .other = 11}},
         "kvm: 11 other memslots exceed the maximum 10"},
        {{.base = 0, .size = GiB, .n_vhost = 2, .vhost = NULL}, "2 vhost backends but no list"},
        {{.base = 0, .size = GiB, .n_vhost = 2, .vhost = bad_vhost},
         "vhost backend 1: 9 other memslots exceed the maximum 8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(msg, 'x', sizeof msg);
        CHECK_RC(memdev_config_check(&bad[i].cfg, msg, sizeof msg), MEMDEV_EINVAL);
        if (!strstr(msg, bad[i].why))
            fprintf(stderr, "config %zu: '%s' lacks '%s'\n", i, msg, bad[i].why);
        CHECK(strstr(msg, bad[i].why) != NULL);
        CHECK_RC(memdev_config_check(&bad[i].cfg, NULL, 0), MEMDEV_EINVAL);
        char one = 'x'; /* a 1-byte buffer holds the terminator only */
        CHECK_RC(memdev_config_check(&bad[i].cfg, &one, 1), MEMDEV_EINVAL);
        CHECK(one == '\0');
        memdev_space *sp = (memdev_space *)&msg; /* must be overwritten with NULL */
        CHECK_RC(memdev_space_create(&bad[i].cfg, NULL, &sp), MEMDEV_EINVAL);
        CHECK(sp == NULL);
    }
    memset(msg, 'x', sizeof msg);
    CHECK_RC(memdev_config_check(NULL, msg, sizeof msg), MEMDEV_EINVAL);
    CHECK(strstr(msg, "no configuration") != NULL);
    CHECK_RC(memdev_config_check(NULL, NULL, 0), MEMDEV_EINVAL);

    /* a good configuration: 0 and an empty message, the window may end at 2^64 exactly */
    memdev_config good = base_config();
    memset(msg, 'x', sizeof msg);
    CHECK_RC(memdev_config_check(&good, msg, sizeof msg), 0);
    CHECK(msg[0] == '\0');
    good.base = UINT64_MAX - GiB + 1, good.size = GiB;
    CHECK_RC(memdev_config_check(&good, msg, sizeof msg), 0);
}

static void *no_realloc(void *ctx, void *p, size_t n) {
    (void)ctx, (void)p, (void)n;
    return NULL;
}

static void no_free(void *ctx, void *p) {
    (void)ctx, (void)p;
}

/* memdev_space_create: no result pointer, no configuration, an allocator missing a hook. */
static void test_create(void) {
    memdev_config cfg = base_config();
    memdev_space *sp = NULL;
    CHECK_RC(memdev_space_create(&cfg, NULL, NULL), MEMDEV_EINVAL);
    CHECK_RC(memdev_space_create(NULL, NULL, &sp), MEMDEV_EINVAL);
    CHECK(sp == NULL);
    memdev_allocator half = {.realloc = NULL, .free = no_free};
    CHECK_RC(memdev_space_create(&cfg, &half, &sp), MEMDEV_EINVAL);
    half = (memdev_allocator){.realloc = no_realloc, .free = NULL};
    CHECK_RC(memdev_space_create(&cfg, &half, &sp), MEMDEV_EINVAL);
    CHECK(sp == NULL);
    memdev_allocator never = {.realloc = no_realloc, .free = no_free};
    CHECK_RC(memdev_space_create(&cfg, &never, &sp), MEMDEV_ENOMEM);
    CHECK(sp == NULL);
    memdev_space_destroy(NULL); /* accepted */
}

struct snapshot {
    uint64_t digest;
    memdev_stats st;
};

static struct snapshot snap(const memdev_space *sp) {
    struct snapshot s;
    memset(&s, 0, sizeof s);
    s.digest = memdev_digest(sp);
    memdev_stats_get(sp, &s.st);
    return s;
}

static void check_unchanged(const memdev_space *sp, const struct snapshot *before, const char *op) {
    struct snapshot now = snap(sp);
    char msg[200];
    if (now.digest != before->digest || memcmp(&now.st, &before->st, sizeof now.st))
        fprintf(stderr, "%s changed the space\n", op);
    CHECK_U64(now.digest, before->digest);
    CHECK(memcmp(&now.st, &before->st, sizeof now.st) == 0);
    CHECK_RC(memdev_validate(sp, msg, sizeof msg), 0);
}

/* A failed call: its code, a reason naming `why` in memdev_last_error, and no change. */
static void expect_fail(memdev_space *sp, const struct snapshot *before, const char *op, int rc,
                        int want, const char *why) {
    if (rc != want)
        fprintf(stderr, "%s: got %s, want %s\n", op, memdev_error_name(rc),
                memdev_error_name(want));
    CHECK_RC(rc, want);
    if (why) {
        const char *err = memdev_last_error(sp);
        if (!err || !strstr(err, why))
            fprintf(stderr, "%s: last error '%s' lacks '%s'\n", op, err ? err : "(null)", why);
        CHECK(err && strstr(err, why));
    }
    check_unchanged(sp, before, op);
}

/* A space of base_config() with a 1 GiB virtio-mem "vm0" of the given requested size. */
static memdev_space *space_with_vm0(uint64_t requested) {
    memdev_config cfg = base_config();
    memdev_space *sp = NULL;
    CHECK_RC(memdev_space_create(&cfg, NULL, &sp), 0);
    if (!sp)
        return NULL;
    memdev_device_desc d = {.id = "vm0",
                            .kind = MEMDEV_VIRTIO_MEM,
                            .size = GiB,
                            .align = 2 * MiB,
                            .fields = MEMDEV_F_REQUESTED,
                            .requested = requested};
    CHECK_RC(memdev_plug(sp, &d, NULL), 0);
    return sp;
}

/* Every call that takes an id, with ids that name nothing: NULL, "", 256 bytes, unknown. */
static void test_ids(void) {
    memdev_space *sp = space_with_vm0(0);
    if (!sp)
        return;
    memdev_device_desc d = {.id = "dimm0", .kind = MEMDEV_DIMM, .size = GiB, .align = 2 * MiB};
    CHECK_RC(memdev_plug(sp, &d, NULL), 0);
    struct snapshot before = snap(sp);

    /* no description; an id that is NULL, empty or too long */
    expect_fail(sp, &before, "plug(NULL)", memdev_plug(sp, NULL, NULL), MEMDEV_EINVAL,
                "no device description");
    d.id = NULL;
    expect_fail(sp, &before, "plug(id NULL)", memdev_plug(sp, &d, NULL), MEMDEV_EINVAL,
                "the device id is empty");
    d.id = "";
    expect_fail(sp, &before, "plug(id \"\")", memdev_plug(sp, &d, NULL), MEMDEV_EINVAL,
                "the device id is empty");
    char longid[MEMDEV_MAX_ID_LEN + 2];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    d.id = longid;
    expect_fail(sp, &before, "plug(id 256 bytes)", memdev_plug(sp, &d, NULL), MEMDEV_EINVAL,
                "longer than 255 bytes");

    const char *nobody[] = {NULL, "", longid, "vm1", "dimm"};
    for (size_t i = 0; i < sizeof nobody / sizeof nobody[0]; i++) {
        const char *id = nobody[i];
        char op[64];
        snprintf(op, sizeof op, "id #%zu", i);
        expect_fail(sp, &before, op, memdev_unplug(sp, id), MEMDEV_EUNKNOWNID, "no device");
        expect_fail(sp, &before, op, memdev_vmem_request(sp, id, true, 0, 2 * MiB),
                    MEMDEV_EUNKNOWNID, "no device");
        expect_fail(sp, &before, op, memdev_vmem_resize(sp, id, 2 * MiB), MEMDEV_EUNKNOWNID,
                    "no device");
        expect_fail(sp, &before, op, memdev_balloon_map(sp, id, 0, true), MEMDEV_EUNKNOWNID,
                    "no device");
        memdev_device_info info;
        bool mapped = false;
        int state = -1;
        expect_fail(sp, &before, op, memdev_device_get(sp, id, &info), MEMDEV_EUNKNOWNID, NULL);
        expect_fail(sp, &before, op, memdev_memslot_mapped(sp, id, 0, &mapped), MEMDEV_EUNKNOWNID,
                    NULL);
        expect_fail(sp, &before, op, memdev_vmem_state(sp, id, 0, 2 * MiB, &state),
                    MEMDEV_EUNKNOWNID, NULL);
    }
    /* the right id with the wrong kind */
    expect_fail(sp, &before, "vmem_request(dimm)",
                memdev_vmem_request(sp, "dimm0", true, 0, 2 * MiB), MEMDEV_EINVAL,
                "'dimm0' is a dimm, not a virtio-mem");
    expect_fail(sp, &before, "balloon_map(virtio-mem)", memdev_balloon_map(sp, "vm0", 0, true),
                MEMDEV_EINVAL, "not a hv-balloon");
    memdev_space_destroy(sp);
}

/*
 * Check 0, fields a kind does not take (spec section 5, check 0): the message names the kind
 * and the first such field by its trace name, or the lowest bit no field has. The table is
 * the spec's, written out here, not the library's.
 */
static void test_foreign_fields(void) {
    static const char *const names[] = {"addr",      "slot",  "block",
                                        "requested", "label", "dynamic-memslots",
                                        "empty",     "node",  "memdev"};
    static const struct {
        memdev_kind kind;
        const char *name;
        uint32_t takes; /* besides node and memdev, which every kind takes */
    } kinds[] = {
        {MEMDEV_DIMM, "dimm", MEMDEV_F_ADDR | MEMDEV_F_SLOT},
        {MEMDEV_NVDIMM, "nvdimm", MEMDEV_F_ADDR | MEMDEV_F_SLOT | MEMDEV_F_LABEL},
        {MEMDEV_VIRTIO_PMEM, "virtio-pmem", MEMDEV_F_ADDR},
        {MEMDEV_VIRTIO_MEM, "virtio-mem",
         MEMDEV_F_ADDR | MEMDEV_F_BLOCK | MEMDEV_F_REQUESTED | MEMDEV_F_DYNAMIC},
        {MEMDEV_HV_BALLOON, "hv-balloon", MEMDEV_F_ADDR | MEMDEV_F_EMPTY},
    };
    memdev_space *sp = space_with_vm0(0);
    if (!sp)
        return;
    struct snapshot before = snap(sp);
    char op[96], why[96];
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (uint32_t bit = 0; bit < 32; bit++) {
            uint32_t f = 1u << bit;
            if (f & (kinds[k].takes | MEMDEV_F_NODE | MEMDEV_F_MEMDEV))
                continue;
            /* the foreign field alone, then above every field the kind takes (the first
               foreign one is named) */
            for (int with_own = 0; with_own < 2; with_own++) {
                memdev_device_desc d = {.id = "new0",
                                        .kind = kinds[k].kind,
                                        .size = GiB,
                                        .align = 2 * MiB,
                                        .fields = f};
                if (with_own)
                    d.fields |= kinds[k].takes & ~(uint32_t)(MEMDEV_F_EMPTY | MEMDEV_F_ADDR);
                if (bit < sizeof names / sizeof names[0])
                    snprintf(why, sizeof why, "a %s takes no '%s'", kinds[k].name, names[bit]);
                else
                    snprintf(why, sizeof why, "unknown field bit 0x%x", f);
                snprintf(op, sizeof op, "plug(%s, field bit %u%s)", kinds[k].name, bit,
                         with_own ? " and its own" : "");
                expect_fail(sp, &before, op, memdev_plug(sp, &d, NULL), MEMDEV_EINVAL, why);
            }
        }
    }
    /* two foreign fields: the lower is named */
    memdev_device_desc d = {.id = "new0",
                            .kind = MEMDEV_DIMM,
                            .size = GiB,
                            .align = 2 * MiB,
                            .fields = MEMDEV_F_LABEL | MEMDEV_F_BLOCK | (1u << 20)};
    expect_fail(sp, &before, "plug(dimm, label and block)", memdev_plug(sp, &d, NULL),
                MEMDEV_EINVAL, "a dimm takes no 'block'");
    d.fields = (1u << 30) | (1u << 12);
    expect_fail(sp, &before, "plug(dimm, bits 30 and 12)", memdev_plug(sp, &d, NULL), MEMDEV_EINVAL,
                "unknown field bit 0x1000");
    memdev_space_destroy(sp);
}

/*
 * Checks 2 and 3 of a plug: the message names what the device needs, what is reserved and
 * what is free. A dynamic virtio-mem reserves memslots it has not mapped; virtio-pmem devices
 * (one mapped memslot each) are plugged until the limit refuses one.
 */
static void admission(memdev_config cfg, int code, const char *who) {
    memdev_space *sp = NULL;
    CHECK_RC(memdev_space_create(&cfg, NULL, &sp), 0);
    if (!sp)
        return;
    memdev_device_desc d = {.id = "vm0",
                            .kind = MEMDEV_VIRTIO_MEM,
                            .size = 4 * GiB,
                            .align = 2 * MiB,
                            .fields = MEMDEV_F_DYNAMIC,
                            .dynamic = true};
    CHECK_RC(memdev_plug(sp, &d, NULL), 0);
    int rc = 0;
    char id[16];
    for (int i = 0; i < 64 && rc == 0; i++) {
        struct snapshot before = snap(sp);
        const memdev_stats st = before.st;
        snprintf(id, sizeof id, "pm%d", i);
        d = (memdev_device_desc){
            .id = id, .kind = MEMDEV_VIRTIO_PMEM, .size = GiB, .align = 2 * MiB};
        rc = memdev_plug(sp, &d, NULL);
        if (rc == 0)
            continue;
        char want[128];
        snprintf(want, sizeof want, "needs %u memslots (1 + %u reserved), %s has %u free",
                 1 + st.reserved, st.reserved, who,
                 code == MEMDEV_EKVMSLOTS ? st.kvm_free : st.vhost_free);
        CHECK(st.reserved > 0 && st.used > 0); /* a message with required + used would differ */
        expect_fail(sp, &before, who, rc, code, want);
    }
    CHECK_RC(rc, code);
    memdev_space_destroy(sp);
}

static void test_admission_messages(void) {
    memdev_config cfg = base_config();
    cfg.has_kvm = true;
    cfg.kvm = (memdev_limit){.max = 12, .other = 2};
    admission(cfg, MEMDEV_EKVMSLOTS, "KVM");
    memdev_limit vh = {.max = 11, .other = 1};
    cfg = base_config();
    cfg.n_vhost = 1;
    cfg.vhost = &vh;
    admission(cfg, MEMDEV_EVHOSTSLOTS, "a vhost backend");
}

/*
 * Memory stays bounded under guest requests that come and go: a virtio-mem block plugged
 * apart from the others (a new extent) and unplugged again, 200 times, costs no more memory
 * than once, and never fails.
 */
static void test_steady_requests(void) {
    memdev_space *sp = space_with_vm0(GiB);
    if (!sp)
        return;
    const uint64_t b = 2 * MiB;
    CHECK_RC(memdev_vmem_request(sp, "vm0", true, 0, b), 0);
    size_t once = 0;
    int bad = 0;
    for (int i = 0; i < 200 && !bad; i++) {
        bad |= memdev_vmem_request(sp, "vm0", true, 4 * b, b) != 0;
        bad |= memdev_vmem_request(sp, "vm0", false, 4 * b, b) != 0;
        if (i == 0)
            once = memdev_memory_bytes(sp);
    }
    if (bad)
        fprintf(stderr, "steady requests: %s (%s)\n", memdev_last_error(sp), "a request failed");
    CHECK(!bad);
    CHECK_U64(memdev_memory_bytes(sp), once);
    memdev_space_destroy(sp);
}

/*
 * An id whose last byte is the last byte of a readable page, with no page after it: the id
 * scan may read ahead (16 bytes at once) only where that cannot fault. Lengths 1 to 40,
 * through plug, the id table, device_get and unplug.
 */
static void test_id_at_page_end(void) {
    long page = sysconf(_SC_PAGESIZE);
    char *two =
        mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(two != MAP_FAILED);
    if (two == MAP_FAILED)
        return;
    CHECK(mprotect(two + page, (size_t)page, PROT_NONE) == 0);
    memdev_config cfg = base_config();
    memdev_space *sp = NULL;
    CHECK_RC(memdev_space_create(&cfg, NULL, &sp), 0);
    for (size_t len = 1; sp && len <= 40; len++) {
        char *id = two + page - (len + 1);
        for (size_t i = 0; i < len; i++)
            id[i] = (char)('a' + (len + i) % 26);
        id[len] = '\0';
        memdev_device_desc d = {
            .id = id, .kind = MEMDEV_VIRTIO_PMEM, .size = GiB, .align = 2 * MiB};
        memdev_device_info info;
        CHECK_RC(memdev_plug(sp, &d, NULL), 0);
        CHECK_RC(memdev_device_get(sp, id, &info), 0);
        CHECK_RC(memdev_unplug(sp, id), MEMDEV_ENOTUNPLUGGABLE);
        CHECK_RC(memdev_plug(sp, &d, NULL), MEMDEV_EDUPID);
    }
    memdev_space_destroy(sp);
    munmap(two, (size_t)page * 2);
}

/*
 * memdev_validate's message on a valid space: the buffer holds "" (a stale text from an earlier
 * call must not read as a violation), and a buffer of 0 bytes is never written.
 */
static void test_validate_message(void) {
    memdev_space *sp = space_with_vm0(0);
    if (!sp)
        return;
    memdev_device_desc d = {.id = "dimm0", .kind = MEMDEV_DIMM, .size = GiB, .align = 2 * MiB};
    CHECK_RC(memdev_plug(sp, &d, NULL), 0);
    char msg[64];
    memset(msg, 'x', sizeof msg);
    CHECK_RC(memdev_validate(sp, msg, sizeof msg), 0);
    CHECK(msg[0] == '\0');
    char one = 'x';
    CHECK_RC(memdev_validate(sp, &one, 0), 0);
    CHECK(one == 'x');
    CHECK_RC(memdev_validate(sp, NULL, 0), 0);
    CHECK_RC(memdev_validate(sp, NULL, sizeof msg), 0); /* NULL with a size: nothing written */
    memdev_space_destroy(sp);
}

int main(void) {
    test_config_check();
    test_create();
    test_ids();
    test_foreign_fields();
    test_admission_messages();
    test_steady_requests();
    test_id_at_page_end();
    test_validate_message();
    return check_report("test_api");
}
