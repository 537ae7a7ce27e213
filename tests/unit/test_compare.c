/* SPDX-License-Identifier: MIT */
/*
 * test_compare.c - the checker's comparisons, white-box (core/lockstep/lockstep.c and
 * core/model/model.c are included): every field counts. The library and the model agree in every
 * other test, so a comparison that ignored a field, or joined its fields with || instead of &&,
 * would pass them all; here each field of a device's info, of the counters and of each operation's
 * result is changed alone, and the comparison must see it (and name it, where it names
 * fields). Fields that do not count must not: a result's payload after a failed operation,
 * kvm_free without KVM, vhost_free without a vhost backend, a lookup that found nothing.
 */
#include "model.c" /* the model's side of the comparison (model_compare's cmp_info) */

#include "lockstep.c"

#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* ---- info_same: the named device before and after a failed operation or a query ---------- */

static memdev_device_info info_base(void) {
    static const char memdev_a[] = "mem0";
    return (memdev_device_info){.id = "d0",
                                .kind = MEMDEV_VIRTIO_MEM,
                                .empty = false,
                                .addr = (UINT64_C(1) << 30),
                                .size = (UINT64_C(2) << 30),
                                .requested_size = (UINT64_C(3) << 30),
                                .align = (UINT64_C(1) << 21),
                                .slot = 3,
                                .memslots = 4,
                                .memslot_size = (UINT64_C(1) << 29),
                                .mapped = 2,
                                .decided = true,
                                .block = (UINT64_C(1) << 21),
                                .requested = (UINT64_C(5) << 20),
                                .plugged = (UINT64_C(4) << 20),
                                .label = (UINT64_C(1) << 17),
                                .has_node = true,
                                .node = 1,
                                .memdev = memdev_a};
}

/* Each field of a device's info changed alone (a is the base info): the same list for both
   comparisons of a device, the checker's and the model's. */
#define EACH_INFO_CHANGE(X)                                                                        \
    X(kind, MEMDEV_DIMM)                                                                           \
    X(empty, true)                                                                                 \
    X(addr, a.addr + 1)                                                                            \
    X(size, a.size + 1)                                                                            \
    X(requested_size, a.requested_size - 1)                                                        \
    X(align, a.align << 1)                                                                         \
    X(slot, -1)                                                                                    \
    X(memslots, a.memslots + 1)                                                                    \
    X(memslot_size, a.memslot_size >> 1)                                                           \
    X(mapped, a.mapped - 1)                                                                        \
    X(decided, false)                                                                              \
    X(block, a.block << 1)                                                                         \
    X(requested, a.requested + 1)                                                                  \
    X(plugged, 0)                                                                                  \
    X(label, 0)                                                                                    \
    X(has_node, false)                                                                             \
    X(node, 0)                                                                                     \
    X(memdev, NULL)                                                                                \
    X(memdev, "mem1")                                                                              \
    X(memdev, "mem")                                                                               \
    X(memdev, "mem00")

#define INFO_FIELD(field, value)                                                                   \
    do {                                                                                           \
        memdev_device_info m_b = a;                                                                \
        m_b.field = (value);                                                                       \
        bool m_same = info_same(&a, &m_b);                                                         \
        if (m_same)                                                                                \
            fprintf(stderr, "info_same: a different " #field " is not seen\n");                    \
        CHECK(!m_same);                                                                            \
        n++;                                                                                       \
    } while (0);

static void test_info_same(void) {
    const memdev_device_info a = info_base();
    char other[] = "mem0"; /* the same text elsewhere: compared by value */
    memdev_device_info b = a;
    b.memdev = other;
    CHECK(info_same(&a, &a));
    CHECK(info_same(&a, &b));
    b.id = "another"; /* the id names the device; it is not compared */
    CHECK(info_same(&a, &b));
    int n = 0;
    EACH_INFO_CHANGE(INFO_FIELD)
    CHECK(n == 21);
    /* no memdev on either side is the same; on one side only it is not */
    memdev_device_info c = a, d = a;
    c.memdev = d.memdev = NULL;
    CHECK(info_same(&c, &d));
    CHECK(!info_same(&c, &a) && !info_same(&a, &c));
}

/* ---- cmp_info: a device of the model against the library's, in model_compare -------------- */

#define CMP_FIELD(field, value)                                                                    \
    do {                                                                                           \
        memdev_device_info m_b = a;                                                                \
        char m_msg[400] = "";                                                                      \
        m_b.field = (value);                                                                       \
        int m_rc = cmp_info(&a, &m_b, 3, m_msg, sizeof m_msg);                                     \
        bool m_named = strstr(m_msg, "device #3 'd0' " #field ": model=") != NULL;                 \
        if (m_rc == 0 || !m_named)                                                                 \
            fprintf(stderr, "cmp_info: a different " #field ": rc %d, message '%s'\n", m_rc,       \
                    m_msg);                                                                        \
        CHECK(m_rc == MEMDEV_EINVARIANT && m_named);                                               \
        n++;                                                                                       \
    } while (0);

static void test_cmp_info(void) {
    const memdev_device_info a = info_base();
    char other[] = "mem0", msg[400];
    memdev_device_info b = a;
    b.memdev = other;
    CHECK(cmp_info(&a, &b, 0, msg, sizeof msg) == 0);
    int n = 0;
    EACH_INFO_CHANGE(CMP_FIELD)
    CHECK(n == 21);
    /* the id first: another device, or none */
    b = a, b.id = "d1", b.size++;
    CHECK(cmp_info(&a, &b, 3, msg, sizeof msg) &&
          strcmp(msg, "device #3 id: model='d0' library='d1'") == 0);
    b = a, b.id = NULL;
    CHECK(cmp_info(&a, &b, 3, msg, sizeof msg) &&
          strcmp(msg, "device #3 id: model='d0' library='(null)'") == 0);
    /* the last field alone, and a slot that is negative on one side (signed in the message) */
    b = a, b.memdev = "x";
    CHECK(cmp_info(&a, &b, 0, msg, sizeof msg) &&
          strcmp(msg, "device #0 'd0' memdev: model='mem0' library='x'") == 0);
    b = a, b.slot = -1;
    CHECK(cmp_info(&a, &b, 0, msg, sizeof msg) &&
          strcmp(msg, "device #0 'd0' slot: model=3 library=-1") == 0);
    b = a, b.addr = 0x1000;
    CHECK(cmp_info(&a, &b, 0, msg, sizeof msg) &&
          strcmp(msg, "device #0 'd0' addr: model=1073741824 (0x40000000) library=4096 (0x1000)") ==
              0);
    /* no memdev on both sides is the same; a node is 0 when not given, so a library that
       keeps one without has_node differs (it did: the info JSON showed it) */
    memdev_device_info c = a, d = a;
    c.memdev = d.memdev = NULL;
    CHECK(cmp_info(&c, &d, 0, msg, sizeof msg) == 0);
    c.has_node = d.has_node = false;
    c.node = 0, d.node = 5;
    CHECK(cmp_info(&c, &d, 0, msg, sizeof msg) &&
          strstr(msg, "'d0' node: model=0 (0x0) library=5 (0x5)"));
    /* the first differing field is the one reported */
    b = a, b.size++, b.label++;
    CHECK(cmp_info(&a, &b, 0, msg, sizeof msg) && strstr(msg, "'d0' size:"));
}

/* ---- stats_differ: the counters, library against model or before against after ---------- */

static memdev_stats stats_base(void) {
    return (memdev_stats){.used_size = (UINT64_C(6) << 30),
                          .plugged_size = (UINT64_C(5) << 30),
                          .budget = (UINT64_C(8) << 30),
                          .required = 20,
                          .used = 4,
                          .reserved = 16,
                          .has_kvm = true,
                          .kvm_free = 100,
                          .n_vhost = 2,
                          .vhost_free = 490,
                          .devices = 5,
                          .dimm_slots_used = 2,
                          .largest_gap = (UINT64_C(1) << 30)};
}

#define STATS_FIELD(field, value)                                                                  \
    do {                                                                                           \
        memdev_stats m_b = a;                                                                      \
        char m_buf[200] = "";                                                                      \
        m_b.field = (value);                                                                       \
        bool m_differ = stats_differ(&a, &m_b, m_buf, sizeof m_buf);                               \
        bool m_named = strncmp(m_buf, #field " ", strlen(#field " ")) == 0;                        \
        if (!m_differ || !m_named)                                                                 \
            fprintf(stderr, "stats_differ: a different " #field ": %s, message '%s'\n",            \
                    m_differ ? "seen" : "not seen", m_buf);                                        \
        CHECK(m_differ &&m_named);                                                                 \
        n++;                                                                                       \
    } while (0)

static void test_stats_differ(void) {
    const memdev_stats a = stats_base();
    char buf[200];
    CHECK(!stats_differ(&a, &a, buf, sizeof buf));
    int n = 0;
    STATS_FIELD(used_size, a.used_size + 1);
    STATS_FIELD(plugged_size, a.plugged_size - 1);
    STATS_FIELD(budget, a.budget << 1);
    STATS_FIELD(required, a.required + 1);
    STATS_FIELD(used, a.used + 1);
    STATS_FIELD(reserved, a.reserved - 1);
    STATS_FIELD(has_kvm, false);
    STATS_FIELD(kvm_free, a.kvm_free - 1);
    STATS_FIELD(n_vhost, 1);
    STATS_FIELD(vhost_free, a.vhost_free + 1);
    STATS_FIELD(devices, a.devices + 1);
    STATS_FIELD(dimm_slots_used, 0);
    STATS_FIELD(largest_gap, a.largest_gap >> 1);
    CHECK(n == 13);
    /* the message: both values in hex, library (or before) first */
    memdev_stats b = a;
    b.devices = 6;
    CHECK(stats_differ(&a, &b, buf, sizeof buf) && strcmp(buf, "devices 0x5 vs 0x6") == 0);
    /* kvm_free means nothing without KVM, vhost_free nothing without a vhost backend */
    memdev_stats c = a, d = a;
    c.has_kvm = d.has_kvm = false;
    c.n_vhost = d.n_vhost = 0;
    d.kvm_free = 7;
    d.vhost_free = 9;
    CHECK(!stats_differ(&c, &d, buf, sizeof buf));
}

/* ---- results_differ: one operation's code and result, library against model -------------- */

static struct trace_op op_of(enum trace_op_type type) {
    struct trace_op op;
    memset(&op, 0, sizeof op); /* as trace_op_init: no parser storage */
    op.type = type;
    return op;
}

static lockstep_result result_base(void) {
    lockstep_result r;
    memset(&r, 0, sizeof r); /* padding too: the test compares whole results by bytes */
    r.rc = 0;
    r.plug =
        (memdev_plug_result){.addr = (UINT64_C(1) << 30), .slot = 2, .memslots = 3, .empty = false};
    r.lookup = (memdev_lookup_result){.found = true,
                                      .id = "d0",
                                      .addr = (UINT64_C(1) << 30),
                                      .offset = 4096,
                                      .memslot = 1,
                                      .mapped = true};
    r.addr = (UINT64_C(3) << 30);
    r.stats = stats_base();
    return r;
}

/* one field of b changed (by set) must be seen for op's type, and only for it */
#define RESULT_FIELD(type, stmt)                                                                   \
    do {                                                                                           \
        struct trace_op m_op = op_of(type);                                                        \
        lockstep_result m_b = a;                                                                   \
        char m_buf[1024] = "";                                                                     \
        stmt;                                                                                      \
        bool m_differ = results_differ(&m_op, &a, &m_b, m_buf, sizeof m_buf);                      \
        if (!m_differ)                                                                             \
            fprintf(stderr, "results_differ: '" #stmt "' is not seen for m_op type %d\n", type);   \
        CHECK(m_differ &&m_buf[0]);                                                                \
        /* the same change after a failed operation on both sides does not count */                \
        a.rc = m_b.rc = MEMDEV_EUNKNOWNID;                                                         \
        CHECK(!results_differ(&m_op, &a, &m_b, m_buf, sizeof m_buf));                              \
        a.rc = 0;                                                                                  \
        n++;                                                                                       \
    } while (0)

static void test_results_differ(void) {
    lockstep_result a = result_base();
    char buf[1024];
    int n = 0;
    for (int t = TRACE_OP_PLUG; t <= TRACE_OP_INFO; t++) {
        struct trace_op op = op_of((enum trace_op_type)t);
        lockstep_result b = a;
        CHECK(!results_differ(&op, &a, &b, buf, sizeof buf));
        b.rc = MEMDEV_ENOSPACE; /* every type: the code */
        CHECK(results_differ(&op, &a, &b, buf, sizeof buf) && strstr(buf, "no-space"));
    }
    RESULT_FIELD(TRACE_OP_PLUG, m_b.plug.addr++);
    RESULT_FIELD(TRACE_OP_PLUG, m_b.plug.slot = -1);
    RESULT_FIELD(TRACE_OP_PLUG, m_b.plug.memslots++);
    RESULT_FIELD(TRACE_OP_PLUG, m_b.plug.empty = true);
    RESULT_FIELD(TRACE_OP_FREE, m_b.addr++);
    RESULT_FIELD(TRACE_OP_LOOKUP, m_b.lookup.found = false);
    RESULT_FIELD(TRACE_OP_LOOKUP, m_b.lookup.id = "d1");
    RESULT_FIELD(TRACE_OP_LOOKUP, m_b.lookup.addr++);
    RESULT_FIELD(TRACE_OP_LOOKUP, m_b.lookup.offset++);
    RESULT_FIELD(TRACE_OP_LOOKUP, m_b.lookup.memslot++);
    RESULT_FIELD(TRACE_OP_LOOKUP, m_b.lookup.mapped = false);
    RESULT_FIELD(TRACE_OP_STATS, m_b.stats.devices++);
    RESULT_FIELD(TRACE_OP_STATS, m_b.stats.largest_gap--);
    CHECK(n == 13);
    /* a payload that is not the op's own does not count (an unplug has none) */
    lockstep_result b = a;
    b.plug.addr++, b.addr++, b.lookup.offset++, b.stats.devices++;
    struct trace_op unplug = op_of(TRACE_OP_UNPLUG);
    CHECK(!results_differ(&unplug, &a, &b, buf, sizeof buf));
    /* two lookups that found nothing agree whatever the rest says */
    a.lookup.found = b.lookup.found = false;
    b.lookup.addr = 7, b.lookup.id = "x";
    struct trace_op lookup = op_of(TRACE_OP_LOOKUP);
    CHECK(!results_differ(&lookup, &a, &b, buf, sizeof buf));
    /* the messages say what each side got */
    a = result_base(), b = a;
    b.addr = 0x1000;
    struct trace_op fr = op_of(TRACE_OP_FREE);
    CHECK(results_differ(&fr, &a, &b, buf, sizeof buf) &&
          strcmp(buf, "free: library 0xc0000000, model 0x1000") == 0);
    b = a, b.lookup.id = "d9";
    CHECK(results_differ(&lookup, &a, &b, buf, sizeof buf) && strstr(buf, "library d0 ") &&
          strstr(buf, "model d9 "));
    b = a, b.plug.slot = 5;
    struct trace_op plug = op_of(TRACE_OP_PLUG);
    CHECK(results_differ(&plug, &a, &b, buf, sizeof buf) && strstr(buf, "library addr=") &&
          strstr(buf, "slot=2") && strstr(buf, "slot=5"));
}

/*
 * ---- model_compare's lookups and list walks, against a library that lies -----------------
 * memdev_lookup and memdev_foreach are wrapped at link time (tests/unit/CMakeLists.txt): they
 * answer truly until a test tells them which one thing to get wrong. The library and the
 * model agree in every other test, so a lookup comparison that joined two fields with &&, a
 * probe that was never made or a list walk whose order went unchecked would pass them all.
 */
enum lie {
    LIE_NONE,
    LIE_ADDR,         /* every found lookup: the device start one higher, the offset kept */
    LIE_OFFSET,       /* ... the offset one higher, the start kept */
    LIE_MEMSLOT,      /* ... the memslot index flipped in its lowest bit */
    LIE_MAPPED,       /* ... the mapped flag flipped */
    LIE_ID,           /* ... another device's id */
    LIE_AT,           /* the lookup of lie_gpa finds device lie_dev (an address no device holds) */
    LIE_STOP_ORDER,   /* a walk that stops early (model_compare's stop_visit) visits the first two
                         devices in swapped order; a full walk is true */
    LIE_LIST_SHORT,   /* the full walk (model_compare's cmp_visit) leaves out the last device */
    LIE_GHOST_MAPPED, /* memdev_memslot_mapped answers for lie_dev, an id no device has */
    LIE_GHOST_VMEM,   /* memdev_vmem_state answers for it (device_get, memslot_mapped do not) */
    LIE_EMPTY_MAPPED, /* memdev_memslot_mapped answers memslot 0 of lie_dev, an empty device */
    /* the checker's own checks of the library (below) */
    LIE_ERROR_NAME_BELOW,  /* memdev_error_name(MEMDEV_ERROR_MIN - 1) is not "unknown-error" */
    LIE_ERROR_NAME_ABOVE,  /* ... nor memdev_error_name(1) */
    LIE_STRERROR_BELOW,    /* memdev_strerror(MEMDEV_ERROR_MIN - 1) is not "unknown error" */
    LIE_ERROR_FROM_BOGUS,  /* memdev_error_from_name("no-such-code") parses */
    LIE_KIND_NAME_COUNT,   /* memdev_kind_name(MEMDEV_KIND_COUNT) is a name */
    LIE_KIND_FROM_BOGUS,   /* memdev_kind_from_name("bogus") parses */
    LIE_JSON_NUL,          /* the info JSON has a NUL in its middle, its length says more */
    LIE_JSON_LONGER,       /* the info JSON measures one byte longer once written */
    LIE_JSON_CUT_BYTE,     /* a buffer one byte short: a byte of the prefix differs */
    LIE_JSON_CUT_NUL,      /* ... no NUL in its last byte */
    LIE_STATS_AFTER_ERROR, /* after a failed call, the counters say one byte more is used */
};
static enum lie lie;
static uint64_t lie_gpa;
static const char *lie_dev;

/* a 4 GiB window with nothing in it, for the checkers these tests make */
static const memdev_config tiny_cfg = {
    .base = UINT64_C(4) << 30, .size = UINT64_C(4) << 30, .budget = UINT64_C(4) << 30};

int __real_memdev_lookup(const memdev_space *sp, uint64_t gpa, memdev_lookup_result *out);
int __wrap_memdev_lookup(const memdev_space *sp, uint64_t gpa, memdev_lookup_result *out);
int __wrap_memdev_lookup(const memdev_space *sp, uint64_t gpa, memdev_lookup_result *out) {
    int rc = __real_memdev_lookup(sp, gpa, out);
    if (lie == LIE_AT && gpa == lie_gpa && !out->found) {
        memdev_device_info info;
        memdev_device_get(sp, lie_dev, &info);
        *out = (memdev_lookup_result){true, info.id, info.addr, gpa - info.addr, 0, true};
    }
    if (!out->found)
        return rc;
    if (lie == LIE_ADDR)
        out->addr++;
    else if (lie == LIE_OFFSET)
        out->offset++;
    else if (lie == LIE_MEMSLOT)
        out->memslot ^= 1;
    else if (lie == LIE_MAPPED)
        out->mapped = !out->mapped;
    else if (lie == LIE_ID)
        out->id = strcmp(out->id, "d0") == 0 ? "d1" : "d0";
    return rc;
}

/* the per-device queries of an id the model does not have: one of them knows it */
int __real_memdev_memslot_mapped(const memdev_space *sp, const char *id, uint32_t i, bool *mapped);
int __wrap_memdev_memslot_mapped(const memdev_space *sp, const char *id, uint32_t i, bool *mapped);
int __wrap_memdev_memslot_mapped(const memdev_space *sp, const char *id, uint32_t i, bool *mapped) {
    if ((lie == LIE_GHOST_MAPPED || (lie == LIE_EMPTY_MAPPED && i == 0)) && lie_dev &&
        strcmp(id, lie_dev) == 0) {
        *mapped = false;
        return MEMDEV_OK;
    }
    return __real_memdev_memslot_mapped(sp, id, i, mapped);
}

int __real_memdev_vmem_state(const memdev_space *sp, const char *id, uint64_t offset, uint64_t size,
                             int *state);
int __wrap_memdev_vmem_state(const memdev_space *sp, const char *id, uint64_t offset, uint64_t size,
                             int *state);
int __wrap_memdev_vmem_state(const memdev_space *sp, const char *id, uint64_t offset, uint64_t size,
                             int *state) {
    if (lie == LIE_GHOST_VMEM && lie_dev && strcmp(id, lie_dev) == 0) {
        *state = 0;
        return MEMDEV_OK;
    }
    return __real_memdev_vmem_state(sp, id, offset, size, state);
}

/* the devices as the library lists them, for a walk replayed in another order */
struct walk {
    memdev_device_info info[8];
    size_t n;
};
static int collect_walk(void *ctx, const memdev_device_info *info) {
    struct walk *w = ctx;
    if (w->n < 8)
        w->info[w->n++] = *info;
    return 0;
}

int __real_memdev_foreach(const memdev_space *sp, memdev_visit_fn fn, void *ctx);
int __wrap_memdev_foreach(const memdev_space *sp, memdev_visit_fn fn, void *ctx);
int __wrap_memdev_foreach(const memdev_space *sp, memdev_visit_fn fn, void *ctx) {
    if (!(lie == LIE_STOP_ORDER && fn == stop_visit) && !(lie == LIE_LIST_SHORT && fn == cmp_visit))
        return __real_memdev_foreach(sp, fn, ctx);
    struct walk w = {.n = 0};
    __real_memdev_foreach(sp, collect_walk, &w);
    if (lie == LIE_LIST_SHORT && w.n > 0) {
        w.n--;
    } else if (w.n >= 2) {
        memdev_device_info t = w.info[0];
        w.info[0] = w.info[1], w.info[1] = t;
    }
    for (size_t i = 0; i < w.n; i++) {
        int rc = fn(ctx, &w.info[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/*
 * The same three devices in both: d0 (1 GiB) at 5 GiB, 1 GiB into the window and with a gap
 * before it, d1 (4 GiB virtio-mem: 4 memslots) right behind it, d2 (1 GiB) behind a 1 GiB gap.
 * Nothing is at the window's base, so only model_compare's probe of the base looks there,
 * and only its probe of the byte before d0 looks at that byte.
 */
static void lying_pair(memdev_space **sp, model_space **m) {
    const memdev_config cfg = {.base = UINT64_C(4) << 30,
                               .size = UINT64_C(32) << 30,
                               .budget = UINT64_C(32) << 30,
                               .dimm_slots = 4};
    const memdev_device_desc d[3] = {{.id = "d0",
                                      .kind = MEMDEV_DIMM,
                                      .size = UINT64_C(1) << 30,
                                      .align = UINT64_C(1) << 21,
                                      .fields = MEMDEV_F_ADDR,
                                      .addr = UINT64_C(5) << 30},
                                     {.id = "d1",
                                      .kind = MEMDEV_VIRTIO_MEM,
                                      .size = UINT64_C(4) << 30,
                                      .align = UINT64_C(1) << 21,
                                      .fields = MEMDEV_F_ADDR | MEMDEV_F_BLOCK | MEMDEV_F_DYNAMIC,
                                      .addr = UINT64_C(6) << 30,
                                      .block = UINT64_C(2) << 20,
                                      .dynamic = true},
                                     {.id = "d2",
                                      .kind = MEMDEV_DIMM,
                                      .size = UINT64_C(1) << 30,
                                      .align = UINT64_C(1) << 21,
                                      .fields = MEMDEV_F_ADDR,
                                      .addr = UINT64_C(11) << 30}};
    memdev_plug_result r;
    CHECK_RC(memdev_space_create(&cfg, NULL, sp), 0);
    CHECK_RC(model_space_create(&cfg, m), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_RC(memdev_plug(*sp, &d[i], &r), 0);
        CHECK_RC(model_plug(*m, &d[i], &r), 0);
    }
}

/* With lie set, model_compare must fail and say `says`; `what` names the lie in a report. */
static void compare_sees(const model_space *m, const memdev_space *sp, const char *says,
                         const char *what) {
    char msg[512] = "";
    int rc = model_compare(m, sp, msg, sizeof msg);
    if (rc == 0 || !strstr(msg, says))
        fprintf(stderr, "%s: model_compare %d '%s' (want '%s')\n", what, rc, msg, says);
    CHECK(rc != 0 && strstr(msg, says));
}

static void test_model_compare_lies(void) {
    memdev_space *sp;
    model_space *m;
    char msg[512];
    lying_pair(&sp, &m);
    lie = LIE_NONE;
    CHECK_RC(model_compare(m, sp, msg, sizeof msg), 0);
    static const struct {
        enum lie lie;
        const char *what;
    } each[] = {{LIE_ADDR, "lookup with a wrong addr"},
                {LIE_OFFSET, "lookup with a wrong offset"},
                {LIE_MEMSLOT, "lookup with a wrong memslot"},
                {LIE_MAPPED, "lookup with a wrong mapped flag"},
                {LIE_ID, "lookup with a wrong id"}};
    for (size_t i = 0; i < sizeof each / sizeof each[0]; i++) {
        lie = each[i].lie;
        compare_sees(m, sp, "lookup(0x", each[i].what);
    }
    /* a lookup that finds a device where none is: the byte before d0, the window's base */
    lie = LIE_AT, lie_dev = "d0";
    lie_gpa = (UINT64_C(5) << 30) - 1;
    compare_sees(m, sp, "lookup(", "d0 found at the byte before it");
    lie_gpa = UINT64_C(4) << 30;
    compare_sees(m, sp, "lookup(", "d0 found at the window's base");
    /* ... and the byte after the last device, in the gap behind it, which only that device's
       probe past its end looks at (mutation sample 5304: dropped, it passed every test and
       every planted bug) */
    lie_dev = "d2", lie_gpa = UINT64_C(12) << 30;
    compare_sees(m, sp, "lookup(", "d2 found at the byte after it");
    /* a walk that stops early in another order than the full walk's */
    lie = LIE_STOP_ORDER;
    compare_sees(m, sp, "not in list order", "an early-stopped walk in another order");
    /* a full walk one device short, every other answer true (a mutation sample of core/model,
       seed 4502, dropped the count at the walk's end and nothing failed) */
    lie = LIE_LIST_SHORT;
    compare_sees(m, sp, "device list: model has 3 devices, library listed 2 (first missing: 'd2')",
                 "a full walk that leaves out the last device");
    /* an id no device has (never plugged, or since unplugged) that one per-device query of
       the library still answers for: model_compare_device asks all three in turn */
    static const enum lie ghosts[] = {LIE_GHOST_MAPPED, LIE_GHOST_VMEM};
    lie_dev = "gone";
    for (size_t i = 0; i < sizeof ghosts / sizeof ghosts[0]; i++) {
        lie = ghosts[i];
        int rc = model_compare_device(m, sp, "gone", 0, UINT64_MAX, msg, sizeof msg);
        bool seen = rc != 0 && strstr(msg, "vmem_state('gone'): model=unknown-id library=ok");
        if (!seen)
            fprintf(stderr, "a ghost known to one query (lie %d): model_compare_device %d '%s'\n",
                    (int)lie, rc, msg);
        CHECK(seen);
    }
    lie = LIE_NONE;
    CHECK_RC(model_compare_device(m, sp, "gone", 0, UINT64_MAX, msg, sizeof msg), 0);
    CHECK_RC(model_compare(m, sp, msg, sizeof msg), 0);
    model_space_destroy(m);
    memdev_space_destroy(sp);
}

/*
 * An empty device (an hv-balloon without a backend) has no memslot, so its memslot 0 is one
 * past the last in both; a library that answered it anyway is seen by the comparison of that
 * device and by the full one, which compares an empty device's memslots and nothing else of
 * it (a mutation sample of core/model, seed 4502, dropped that and nothing failed).
 */
static void test_empty_memslot(void) {
    memdev_space *sp;
    model_space *m;
    char msg[512] = "";
    const memdev_device_desc e = {.id = "e0", .kind = MEMDEV_HV_BALLOON, .fields = MEMDEV_F_EMPTY};
    memdev_plug_result r;
    lying_pair(&sp, &m);
    lie = LIE_NONE;
    CHECK_RC(memdev_plug(sp, &e, &r), 0);
    CHECK_RC(model_plug(m, &e, &r), 0);
    CHECK_RC(model_compare(m, sp, msg, sizeof msg), 0);
    lie = LIE_EMPTY_MAPPED, lie_dev = "e0";
    int rc = model_compare_device(m, sp, "e0", 0, UINT64_MAX, msg, sizeof msg);
    if (rc == 0 || !strstr(msg, "memslot_mapped('e0', 0) (one past the last)"))
        fprintf(stderr, "an empty device's memslot: model_compare_device %d '%s'\n", rc, msg);
    CHECK(rc != 0 && strstr(msg, "memslot_mapped('e0', 0) (one past the last)"));
    compare_sees(m, sp, "memslot_mapped('e0', 0) (one past the last)",
                 "an empty device's memslot 0 answered (full comparison)");
    lie = LIE_NONE;
    CHECK_RC(model_compare(m, sp, msg, sizeof msg), 0);
    model_space_destroy(m);
    memdev_space_destroy(sp);
}

/*
 * The same amount of a virtio-mem device plugged at different blocks in the library and in
 * the model: the counters, the device's info, the memslots' mapped state, the lookups and the
 * edge probes of vmem_state all agree, and only the comparison of the extents block by block
 * sees it. Both the per-device comparison the checker makes after each operation
 * (model_compare_device) and the full one must (a mutation sample of core/model, seed 3001,
 * dropped the per-device one and nothing failed: the full comparison caught it later).
 */
static void test_extents_differ(void) {
    memdev_space *sp;
    model_space *m;
    char msg[512] = "";
    const uint64_t blk = UINT64_C(2) << 20;
    lying_pair(&sp, &m);
    lie = LIE_NONE;
    CHECK_RC(memdev_vmem_resize(sp, "d1", 2 * blk), 0);
    CHECK_RC(model_vmem_resize(m, "d1", 2 * blk), 0);
    CHECK_RC(memdev_vmem_request(sp, "d1", true, 0, blk), 0);
    CHECK_RC(model_vmem_request(m, "d1", true, 0, blk), 0);
    CHECK_RC(model_compare_device(m, sp, "d1", 0, UINT64_MAX, msg, sizeof msg), 0);
    CHECK_RC(model_compare(m, sp, msg, sizeof msg), 0);
    /* one block more in each, at different offsets: block 1 in the library, block 2 in the
       model (block 0 keeps the edge probe before the first extent out of it) */
    CHECK_RC(memdev_vmem_request(sp, "d1", true, blk, blk), 0);
    CHECK_RC(model_vmem_request(m, "d1", true, 2 * blk, blk), 0);
    int rc = model_compare_device(m, sp, "d1", 0, UINT64_MAX, msg, sizeof msg);
    if (rc == 0 || !strstr(msg, "vmem_state('d1'"))
        fprintf(stderr, "extents differ: model_compare_device %d '%s'\n", rc, msg);
    CHECK(rc != 0 && strstr(msg, "vmem_state('d1'"));
    compare_sees(m, sp, "vmem_state('d1'", "extents differ (full comparison)");
    model_space_destroy(m);
    memdev_space_destroy(sp);
}

/*
 * ---- the checker's own checks of the library, against a library that lies -----------------
 * More functions wrapped at link time: the names of codes and kinds, the info JSON and the
 * counters. Each lie is one the checker has a check for, and only a library bug would tell it.
 */

const char *__real_memdev_error_name(int code);
const char *__wrap_memdev_error_name(int code);
const char *__wrap_memdev_error_name(int code) {
    if ((lie == LIE_ERROR_NAME_BELOW && code == MEMDEV_ERROR_MIN - 1) ||
        (lie == LIE_ERROR_NAME_ABOVE && code == 1))
        return "no-error";
    return __real_memdev_error_name(code);
}
const char *__real_memdev_strerror(int code);
const char *__wrap_memdev_strerror(int code);
const char *__wrap_memdev_strerror(int code) {
    return lie == LIE_STRERROR_BELOW && code == MEMDEV_ERROR_MIN - 1 ? "no error"
                                                                     : __real_memdev_strerror(code);
}
int __real_memdev_error_from_name(const char *name, int *code);
int __wrap_memdev_error_from_name(const char *name, int *code);
int __wrap_memdev_error_from_name(const char *name, int *code) {
    if (lie == LIE_ERROR_FROM_BOGUS && strcmp(name, "no-such-code") == 0) {
        *code = MEMDEV_EINVAL;
        return 1;
    }
    return __real_memdev_error_from_name(name, code);
}
const char *__real_memdev_kind_name(memdev_kind kind);
const char *__wrap_memdev_kind_name(memdev_kind kind);
const char *__wrap_memdev_kind_name(memdev_kind kind) {
    return lie == LIE_KIND_NAME_COUNT && kind == MEMDEV_KIND_COUNT ? "dimm"
                                                                   : __real_memdev_kind_name(kind);
}
int __real_memdev_kind_from_name(const char *name, memdev_kind *kind);
int __wrap_memdev_kind_from_name(const char *name, memdev_kind *kind);
int __wrap_memdev_kind_from_name(const char *name, memdev_kind *kind) {
    if (lie == LIE_KIND_FROM_BOGUS && strcmp(name, "bogus") == 0) {
        *kind = MEMDEV_DIMM;
        return 1;
    }
    return __real_memdev_kind_from_name(name, kind);
}
int __real_memdev_info_json(const memdev_space *sp, char *buf, size_t cap, size_t *len);
int __wrap_memdev_info_json(const memdev_space *sp, char *buf, size_t cap, size_t *len);
int __wrap_memdev_info_json(const memdev_space *sp, char *buf, size_t cap, size_t *len) {
    int rc = __real_memdev_info_json(sp, buf, cap, len);
    if (rc == 0 && lie == LIE_JSON_NUL && *len > 2)
        buf[*len / 2] = '\0';
    if (rc == 0 && lie == LIE_JSON_LONGER)
        ++*len;
    if (rc == MEMDEV_EINVAL && buf && cap > 1 && lie == LIE_JSON_CUT_BYTE)
        buf[0] = buf[0] == '[' ? '{' : '[';
    if (rc == MEMDEV_EINVAL && buf && cap > 1 && lie == LIE_JSON_CUT_NUL)
        buf[cap - 1] = ']';
    return rc;
}
int __real_memdev_stats_get(const memdev_space *sp, memdev_stats *out);
int __wrap_memdev_stats_get(const memdev_space *sp, memdev_stats *out);
int __wrap_memdev_stats_get(const memdev_space *sp, memdev_stats *out) {
    int rc = __real_memdev_stats_get(sp, out);
    if (lie == LIE_STATS_AFTER_ERROR && memdev_last_error(sp)[0] != '\0')
        out->used_size++;
    return rc;
}

/*
 * The names: the checker checks them once per process, at the first checker made in check
 * mode, so each lie runs in a child of its own (forked before this process made one).
 */
static void test_names_lies(void) {
    static const struct {
        enum lie lie;
        const char *want; /* the failure's message; NULL: no failure */
    } each[] = {
        {LIE_NONE, NULL},
        {LIE_ERROR_NAME_BELOW, "an unknown error code or name is not answered as documented"},
        {LIE_ERROR_NAME_ABOVE, "an unknown error code or name is not answered as documented"},
        {LIE_STRERROR_BELOW, "an unknown error code or name is not answered as documented"},
        {LIE_ERROR_FROM_BOGUS, "an unknown error code or name is not answered as documented"},
        {LIE_KIND_NAME_COUNT, "an unknown kind or kind name is not answered as documented"},
        {LIE_KIND_FROM_BOGUS, "an unknown kind or kind name is not answered as documented"},
    };
    for (size_t i = 0; i < sizeof each / sizeof each[0]; i++) {
        fflush(stderr);
        pid_t pid = fork();
        if (pid == 0) {
            lie = each[i].lie;
            lockstep_options lo = {.check = true};
            lockstep *ls = NULL;
            int rc = lockstep_create(&tiny_cfg, NULL, &lo, &ls);
            const lockstep_failure *f = ls ? lockstep_failed(ls) : NULL;
            bool ok = rc == 0 && (each[i].want ? f && strcmp(f->check, "names") == 0 &&
                                                     strcmp(f->msg, each[i].want) == 0
                                               : f == NULL);
            if (!ok)
                fprintf(stderr, "names, lie %d: create %d, failure %s: %s\n", (int)each[i].lie, rc,
                        f ? f->check : "none", f ? f->msg : "");
            lockstep_destroy(ls);
            _exit(ok ? 0 : 1);
        }
        int status = -1;
        CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
}

/* The info JSON's buffer contract (lockstep_check_info_json), and a failed call's counters. */
static void test_checker_lies(void) {
    memdev_space *sp;
    model_space *m;
    char msg[512];
    lying_pair(&sp, &m);
    lie = LIE_NONE;
    CHECK_RC(lockstep_check_info_json(m, sp, msg, sizeof msg), 0);
    lie = LIE_JSON_NUL;
    msg[0] = '\0';
    CHECK(lockstep_check_info_json(m, sp, msg, sizeof msg) == -1 &&
          strstr(msg, "bytes before its NUL"));
    lie = LIE_JSON_LONGER;
    msg[0] = '\0';
    CHECK(lockstep_check_info_json(m, sp, msg, sizeof msg) == -1 &&
          strstr(msg, "with a big enough buffer"));
    /* the truncated text (a buffer one byte short) must be the text's prefix and a NUL: the
       check went unjudged (mutation sample 5304: dropped, it passed every test and every
       planted bug; test_json checks the library's truncation, not the checker's check) */
    for (enum lie l = LIE_JSON_CUT_BYTE; l <= LIE_JSON_CUT_NUL; l++) {
        lie = l;
        msg[0] = '\0';
        CHECK(lockstep_check_info_json(m, sp, msg, sizeof msg) == -1 &&
              strstr(msg, "does not hold the text's prefix and a NUL"));
    }
    lie = LIE_NONE;
    model_space_destroy(m);
    memdev_space_destroy(sp);

    /* a failed unplug whose counters change: the checker's "unchanged" check names it (a later
       check, the model comparison of the counters, would see it too, as "compare") */
    lockstep_options lo = {.check = true, .full_every = 1};
    lockstep *ls = NULL;
    CHECK_RC(lockstep_create(&tiny_cfg, NULL, &lo, &ls), 0);
    if (!ls)
        return;
    struct trace_op op = op_of(TRACE_OP_UNPLUG);
    op.id = "nosuch";
    lockstep_result res;
    lie = LIE_STATS_AFTER_ERROR;
    int rc = lockstep_step(ls, &op, 0, &res);
    lie = LIE_NONE;
    const lockstep_failure *f = lockstep_failed(ls);
    if (!f || strcmp(f->check, "unchanged") != 0)
        fprintf(stderr, "a failed unplug that changed the counters: %d, %s: %s\n", rc,
                f ? f->check : "no failure", f ? f->msg : "");
    CHECK(rc != 0 && f && strcmp(f->check, "unchanged") == 0 &&
          strstr(f->msg, "a failed operation changed the counters"));
    lockstep_destroy(ls);
}

int main(void) {
    test_names_lies(); /* first: before this process makes a checker in check mode */
    test_checker_lies();
    test_info_same();
    test_cmp_info();
    test_stats_differ();
    test_results_differ();
    test_model_compare_lies();
    test_empty_memslot();
    test_extents_differ();
    return check_report("test_compare");
}
