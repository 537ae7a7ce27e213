/* SPDX-License-Identifier: MIT */
/*
 * lockstep.c - the lock-step checker (see lockstep.h for the two tiers of checks and why).
 *
 * One step: remember what the operation may not change (counters, the named device, and
 * the digest when the step is a full one), run it on the library, check a no-memory answer,
 * run it on the model, compare results, counters and the named device, check that a failed
 * operation or a query changed nothing, and on full steps validate and compare everything.
 * Messages are formatted only when a check fails, so a passing step costs no printing.
 */
#include "lockstep.h"
#include "lockstep_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_FULL_EVERY 16u

struct lockstep {
    lockstep_options opt;
    memdev_allocator user; /* the caller's allocator; the space gets inject_* around it */
    uint8_t mask;          /* allocations of the running op that fail (0xFF: all) */
    unsigned index, failed_allocs;
    unsigned real_failed; /* allocations of the running op the caller's allocator refused */
    memdev_space *sp;
    model_space *m;
    uint32_t steps, last_full; /* steps so far; steps at the last full check */
    struct json_bufs json;     /* the info JSON buffers, kept between checks */
    bool failed;
    lockstep_failure *fail_; /* allocated at the first failure (a checker is set up per fuzz
                                input: it stays small) */
    /* plug then unplug of the same device restores the state */
    char rt_id[MEMDEV_MAX_ID_LEN + 1]; /* last op was a successful plug of this id ("" none) */
    memdev_stats rt_stats;
    uint64_t rt_digest;
    bool rt_have_digest;
};

/* ---- failures ---------------------------------------------------------------------------- */

__attribute__((format(printf, 4, 5))) static int
fail(lockstep *ls, const char *check, const struct trace_op *op, const char *fmt, ...) {
    static lockstep_failure oom_failure; /* when even the report cannot be allocated */
    va_list ap;
    ls->failed = true;
    if (!ls->fail_)
        ls->fail_ = calloc(1, sizeof *ls->fail_);
    lockstep_failure *f = ls->fail_ ? ls->fail_ : &oom_failure;
    f->check = check;
    f->opno = ls->steps;
    f->op_type = op ? op->type : TRACE_OP_NONE;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
    va_end(ap);
    return -1;
}

const lockstep_failure *lockstep_failed(const lockstep *ls) {
    static lockstep_failure none = {
        "failure report not allocated",        0, TRACE_OP_NONE, false, false, {0}, {0},
        "out of memory for the failure report"};
    if (!ls || !ls->failed)
        return NULL;
    return ls->fail_ ? ls->fail_ : &none;
}

uint32_t lockstep_steps(const lockstep *ls) {
    return ls->steps;
}

/* ---- allocation-failure injection -------------------------------------------------------- */

static void *libc_realloc(void *ctx, void *ptr, size_t size) {
    (void)ctx;
    return realloc(ptr, size ? size : 1);
}

static void libc_free(void *ctx, void *ptr) {
    (void)ctx;
    free(ptr);
}

/* Allocation j of an operation fails when bit j of the mask is set (j < 8; 0xFF: all). */
static void *inject_realloc(void *ctx, void *ptr, size_t size) {
    lockstep *ls = ctx;
    unsigned i = ls->index++;
    if (ls->mask == 0xFF || (i < 8 && ((unsigned)ls->mask >> i) & 1u)) {
        ls->failed_allocs++;
        return NULL;
    }
    void *p = ls->user.realloc(ls->user.ctx, ptr, size);
    ls->real_failed += p == NULL; /* the machine ran out: as good a reason as an injection */
    return p;
}

static void inject_free(void *ctx, void *ptr) {
    lockstep *ls = ctx;
    ls->user.free(ls->user.ctx, ptr);
}

static void arm(lockstep *ls, uint8_t mask) {
    ls->mask = mask;
    ls->index = 0;
    ls->failed_allocs = 0;
    ls->real_failed = 0;
}

/* ---- create / destroy -------------------------------------------------------------------- */

/*
 * The names of codes and kinds round-trip, and unknown ones get the documented answers
 * (the trace language's `expect error CODE` and kinds rely on them). Once per process.
 */
static const char *check_names(void) {
    static int done;
    memdev_kind k;
    int c;
    if (done++)
        return NULL;
    for (int code = MEMDEV_ERROR_MIN; code <= 0; code++) {
        const char *n = memdev_error_name(code);
        if (!memdev_error_from_name(n, &c) || c != code || !memdev_strerror(code)[0])
            return "an error code's name does not parse back to the code";
    }
    if (!ls_str_eq(memdev_error_name(MEMDEV_ERROR_MIN - 1), "unknown-error") ||
        !ls_str_eq(memdev_error_name(1), "unknown-error") ||
        !ls_str_eq(memdev_strerror(MEMDEV_ERROR_MIN - 1), "unknown error") ||
        memdev_error_from_name("no-such-code", &c))
        return "an unknown error code or name is not answered as documented";
    for (int kind = 0; kind < MEMDEV_KIND_COUNT; kind++)
        if (!memdev_kind_from_name(memdev_kind_name((memdev_kind)kind), &k) || (int)k != kind)
            return "a kind's name does not parse back to the kind";
    if (memdev_kind_name(MEMDEV_KIND_COUNT) || memdev_kind_from_name("bogus", &k))
        return "an unknown kind or kind name is not answered as documented";
    return NULL;
}

int lockstep_create(const memdev_config *cfg, const memdev_allocator *alloc,
                    const lockstep_options *opt, lockstep **out) {
    lockstep *ls = calloc(1, sizeof *ls);
    *out = ls;
    if (!ls)
        return MEMDEV_ENOMEM;
    if (opt)
        ls->opt = *opt;
    if (ls->opt.full_every == 0)
        ls->opt.full_every = DEFAULT_FULL_EVERY;
    ls->user = alloc ? *alloc : (memdev_allocator){libc_realloc, libc_free, NULL};
    memdev_allocator wrap = {inject_realloc, inject_free, ls};
    arm(ls, ls->opt.create_fail_mask);
    int rc = memdev_space_create(cfg, ls->opt.library_allocator ? NULL : &wrap, &ls->sp);
    bool injected = ls->failed_allocs + ls->real_failed > 0;
    ls->mask = 0;
    if (rc != 0)
        ls->sp = NULL;
    if (rc == MEMDEV_ENOMEM && injected)
        return rc; /* the caller may retry without failures; the model is not involved */
    if (!ls->opt.check)
        return rc;
    const char *names = check_names();
    if (names) {
        fail(ls, "names", NULL, "%s", names);
        return rc;
    }
    int mrc = model_space_create(cfg, &ls->m);
    if (mrc == MEMDEV_ENOMEM && rc != MEMDEV_ENOMEM) {
        fail(ls, LOCKSTEP_CHECKER_MEMORY, NULL, "the reference model could not allocate its space");
        return rc;
    }
    if (mrc != rc) {
        fail(ls, "space", NULL, "space creation: library %s, model %s", memdev_error_name(rc),
             memdev_error_name(mrc));
        return rc;
    }
    if (rc == 0)
        lockstep_check_full(ls);
    return rc;
}

void lockstep_destroy(lockstep *ls) {
    if (!ls)
        return;
    memdev_space_destroy(ls->sp);
    model_space_destroy(ls->m);
    free(ls->json.buf);
    free(ls->json.cut);
    free(ls->fail_);
    free(ls);
}

memdev_space *lockstep_space(const lockstep *ls) {
    return ls ? ls->sp : NULL;
}

const model_space *lockstep_model(const lockstep *ls) {
    return ls ? ls->m : NULL;
}

/* ---- running one operation ------------------------------------------------------------------ */

static void result_init(lockstep_result *res) {
    memset(res, 0, sizeof *res);
}

void lockstep_exec_library(memdev_space *sp, const struct trace_op *op, lockstep_result *res) {
    result_init(res);
    switch (op->type) {
    case TRACE_OP_PLUG:
        res->rc = memdev_plug(sp, &op->desc, &res->plug);
        break;
    case TRACE_OP_UNPLUG:
        res->rc = memdev_unplug(sp, op->id);
        break;
    case TRACE_OP_VMEM:
        res->rc = memdev_vmem_request(sp, op->id, op->vmem_plug, op->offset, op->length);
        break;
    case TRACE_OP_RESIZE:
        res->rc = memdev_vmem_resize(sp, op->id, op->requested);
        break;
    case TRACE_OP_MAP:
    case TRACE_OP_UNMAP:
        res->rc = memdev_balloon_map(sp, op->id, op->index, op->type == TRACE_OP_MAP);
        break;
    case TRACE_OP_VHOST_ADD:
        res->rc = memdev_vhost_add(sp, op->limit);
        break;
    case TRACE_OP_LOOKUP:
        res->rc = memdev_lookup(sp, op->gpa, &res->lookup);
        break;
    case TRACE_OP_FREE:
        res->rc = memdev_free(sp, op->size, op->align, &res->addr);
        break;
    case TRACE_OP_STATS:
        res->rc = memdev_stats_get(sp, &res->stats);
        break;
    default:
        break;
    }
}

void lockstep_exec_model(model_space *m, const struct trace_op *op, lockstep_result *res) {
    result_init(res);
    switch (op->type) {
    case TRACE_OP_PLUG:
        res->rc = model_plug(m, &op->desc, &res->plug);
        break;
    case TRACE_OP_UNPLUG:
        res->rc = model_unplug(m, op->id);
        break;
    case TRACE_OP_VMEM:
        res->rc = model_vmem_request(m, op->id, op->vmem_plug, op->offset, op->length);
        break;
    case TRACE_OP_RESIZE:
        res->rc = model_vmem_resize(m, op->id, op->requested);
        break;
    case TRACE_OP_MAP:
    case TRACE_OP_UNMAP:
        res->rc = model_balloon_map(m, op->id, op->index, op->type == TRACE_OP_MAP);
        break;
    case TRACE_OP_VHOST_ADD:
        res->rc = model_vhost_add(m, op->limit);
        break;
    case TRACE_OP_LOOKUP:
        res->rc = model_lookup(m, op->gpa, &res->lookup);
        break;
    case TRACE_OP_FREE:
        res->rc = model_free(m, op->size, op->align, &res->addr);
        break;
    case TRACE_OP_STATS:
        res->rc = model_stats_get(m, &res->stats);
        break;
    default:
        break;
    }
}

/* The id an operation names (plug, unplug, vmem, resize, map, unmap), or NULL. */
static const char *op_id(const struct trace_op *op) {
    switch (op->type) {
    case TRACE_OP_PLUG:
        return op->desc.id;
    case TRACE_OP_UNPLUG:
    case TRACE_OP_VMEM:
    case TRACE_OP_RESIZE:
    case TRACE_OP_MAP:
    case TRACE_OP_UNMAP:
        return op->id;
    default:
        return NULL;
    }
}

static bool is_query(const struct trace_op *op) {
    return op->type >= TRACE_OP_LOOKUP && op->type <= TRACE_OP_INFO;
}

/* ---- comparing ------------------------------------------------------------------------------ */

/* One differing counter of two stats, described; false when they are equal. */
static bool stats_differ(const memdev_stats *a, const memdev_stats *b, char *buf, size_t cap) {
    const struct {
        const char *name;
        uint64_t a, b;
    } f[] = {
        {"used_size", a->used_size, b->used_size},
        {"plugged_size", a->plugged_size, b->plugged_size},
        {"budget", a->budget, b->budget},
        {"required", a->required, b->required},
        {"used", a->used, b->used},
        {"reserved", a->reserved, b->reserved},
        {"has_kvm", a->has_kvm, b->has_kvm},
        {"kvm_free", a->has_kvm ? a->kvm_free : 0, b->has_kvm ? b->kvm_free : 0},
        {"n_vhost", a->n_vhost, b->n_vhost},
        {"vhost_free", a->n_vhost ? a->vhost_free : 0, b->n_vhost ? b->vhost_free : 0},
        {"devices", a->devices, b->devices},
        {"dimm_slots_used", a->dimm_slots_used, b->dimm_slots_used},
        {"largest_gap", a->largest_gap, b->largest_gap},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].a != f[i].b) {
            snprintf(buf, cap, "%s 0x%" PRIx64 " vs 0x%" PRIx64, f[i].name, f[i].a, f[i].b);
            return true;
        }
    return false;
}

/* The result of op on both sides; false and a description when they differ. */
static bool results_differ(const struct trace_op *op, const lockstep_result *a,
                           const lockstep_result *b, char *buf, size_t cap) {
    if (a->rc != b->rc) {
        snprintf(buf, cap, "code: library %s, model %s", memdev_error_name(a->rc),
                 memdev_error_name(b->rc));
        return true;
    }
    if (a->rc != 0)
        return false;
    const memdev_plug_result *p = &a->plug, *q = &b->plug;
    const memdev_lookup_result *l = &a->lookup, *k = &b->lookup;
    switch (op->type) {
    case TRACE_OP_PLUG:
        if (p->addr == q->addr && p->slot == q->slot && p->memslots == q->memslots &&
            p->empty == q->empty)
            return false;
        snprintf(buf, cap,
                 "plug: library addr=0x%" PRIx64
                 " slot=%d memslots=%u empty=%d, model addr=0x%" PRIx64
                 " slot=%d memslots=%u empty=%d",
                 p->addr, p->slot, p->memslots, p->empty, q->addr, q->slot, q->memslots, q->empty);
        return true;
    case TRACE_OP_FREE:
        if (a->addr == b->addr)
            return false;
        snprintf(buf, cap, "free: library 0x%" PRIx64 ", model 0x%" PRIx64, a->addr, b->addr);
        return true;
    case TRACE_OP_LOOKUP:
        if (l->found == k->found &&
            (!l->found ||
             (ls_str_eq(l->id, k->id) && l->addr == k->addr && l->offset == k->offset &&
              l->memslot == k->memslot && l->mapped == k->mapped)))
            return false;
        snprintf(buf, cap,
                 "lookup: library %s addr=0x%" PRIx64 " offset=0x%" PRIx64 " memslot=%u mapped=%d, "
                 "model %s addr=0x%" PRIx64 " offset=0x%" PRIx64 " memslot=%u mapped=%d",
                 l->found ? l->id : "none", l->addr, l->offset, l->memslot, l->mapped,
                 k->found ? k->id : "none", k->addr, k->offset, k->memslot, k->mapped);
        return true;
    case TRACE_OP_STATS: {
        char d[200];
        if (!stats_differ(&a->stats, &b->stats, d, sizeof d))
            return false;
        snprintf(buf, cap, "stats: %s (library vs model)", d);
        return true;
    }
    default:
        return false;
    }
}

/* Two infos of one device are identical (the library's view before and after an op). */
static bool info_same(const memdev_device_info *a, const memdev_device_info *b) {
    return a->kind == b->kind && a->empty == b->empty && a->addr == b->addr && a->size == b->size &&
           a->requested_size == b->requested_size && a->align == b->align && a->slot == b->slot &&
           a->memslots == b->memslots && a->memslot_size == b->memslot_size &&
           a->mapped == b->mapped && a->decided == b->decided && a->block == b->block &&
           a->requested == b->requested && a->plugged == b->plugged && a->label == b->label &&
           a->has_node == b->has_node && a->node == b->node &&
           (a->memdev == NULL) == (b->memdev == NULL) &&
           (!a->memdev || ls_str_eq(a->memdev, b->memdev));
}

/*
 * Everything: the validator and the model comparison. The info JSON (field by field, and
 * memdev_info_json's buffer contract) is compared at `info` operations only, which the
 * fuzzers and the traces issue: it is a function of the device list that model_compare
 * already compares field by field, and at the end of every run it would cost a third of the
 * fuzzers' speed (fuzz_ops on its corpus, 200k runs: 22-25k exec/s without, 15-17k with).
 */
static int full_check(lockstep *ls, const struct trace_op *op) {
    char msg[1024];
    ls->last_full = ls->steps;
    if (memdev_validate(ls->sp, msg, sizeof msg) != 0)
        return fail(ls, "validate", op, "memdev_validate: %s", msg);
    if (model_compare(ls->m, ls->sp, msg, sizeof msg) != 0)
        return fail(ls, "compare", op, "library and model differ: %s", msg);
    return 0;
}

int lockstep_check_full(lockstep *ls) {
    if (ls->failed)
        return -1;
    if (!ls->opt.check || !ls->sp)
        return 0;
    int rc = full_check(ls, NULL);
    if (rc)
        if (ls->fail_)
            ls->fail_->full = true;
    return rc;
}

/* What a step remembers before running the operation. */
struct before {
    memdev_stats stats;
    memdev_device_info dev;
    int dev_rc;
    uint64_t digest;
    bool have_digest;
};

/*
 * The digest (O(n)) is taken only before full steps and before operations whose allocations
 * the caller makes fail. The device's strings point into the space; a failed operation or a
 * query must not have freed them, and if it did, the sanitizers see the stale read.
 */
static void take_before(lockstep *ls, const struct trace_op *op, bool digest, struct before *b) {
    const char *id = op_id(op);
    memdev_stats_get(ls->sp, &b->stats);
    b->dev_rc = id ? memdev_device_get(ls->sp, id, &b->dev) : MEMDEV_EUNKNOWNID;
    b->have_digest = digest;
    b->digest = digest ? memdev_digest(ls->sp) : 0;
}

/* A failed operation or a query changed nothing the library shows. */
static int check_unchanged(lockstep *ls, const struct trace_op *op, const struct before *b,
                           bool full) {
    char d[200];
    memdev_stats now;
    memdev_device_info dev;
    const char *id = op_id(op);
    const char *what = is_query(op) ? "a query" : "a failed operation";
    memdev_stats_get(ls->sp, &now);
    if (stats_differ(&b->stats, &now, d, sizeof d))
        return fail(ls, "unchanged", op, "%s changed the counters: %s (before vs after)", what, d);
    if (id) {
        int rc = memdev_device_get(ls->sp, id, &dev);
        if (rc != b->dev_rc || (rc == 0 && !info_same(&b->dev, &dev)))
            return fail(ls, "unchanged", op, "%s changed device '%s'", what, id);
    }
    if (full && b->have_digest && memdev_digest(ls->sp) != b->digest)
        return fail(ls, "digest", op, "%s changed the state (digest)", what);
    return 0;
}

/*
 * A no-memory answer: allowed only when an allocation of the operation did fail (injected,
 * or refused by the caller's allocator), and then nothing changed at all.
 */
static int check_no_memory(lockstep *ls, const struct trace_op *op, unsigned flags,
                           const struct before *b) {
    char msg[1024];
    if (!(flags & LOCKSTEP_FAIL_MASK) && ls->real_failed == 0)
        return fail(ls, "no-memory", op, "no-memory without injected allocation failures");
    if (ls->failed_allocs + ls->real_failed == 0)
        return fail(ls, "no-memory", op, "no-memory although no allocation failed");
    if (check_unchanged(ls, op, b, false))
        return -1;
    if (memdev_digest(ls->sp) != b->digest)
        return fail(ls, "no-memory", op, "no-memory changed the state (digest)");
    if (memdev_validate(ls->sp, msg, sizeof msg) != 0)
        return fail(ls, "no-memory", op, "after no-memory, memdev_validate: %s", msg);
    return 0;
}

/* Plug then unplug of the same device restores the counters, and the digest when known. */
static int check_roundtrip(lockstep *ls, const struct trace_op *op, int rc,
                           const struct before *b) {
    char d[200];
    bool was_plug = ls->rt_id[0] != '\0';
    if (op->type == TRACE_OP_UNPLUG && rc == 0 && was_plug && ls_str_eq(op->id, ls->rt_id)) {
        memdev_stats now;
        memdev_stats_get(ls->sp, &now);
        if (stats_differ(&ls->rt_stats, &now, d, sizeof d))
            return fail(ls, "roundtrip", op,
                        "plug then unplug of '%s' did not restore the "
                        "counters: %s (before plug vs after unplug)",
                        op->id, d);
        if (ls->rt_have_digest && memdev_digest(ls->sp) != ls->rt_digest)
            return fail(ls, "roundtrip", op,
                        "plug then unplug of '%s' did not restore the "
                        "state (digest)",
                        op->id);
    }
    ls->rt_id[0] = '\0';
    if (op->type == TRACE_OP_PLUG && rc == 0 && op->desc.id) {
        snprintf(ls->rt_id, sizeof ls->rt_id, "%s", op->desc.id);
        ls->rt_stats = b->stats;
        ls->rt_digest = b->digest;
        ls->rt_have_digest = b->have_digest;
    }
    return 0;
}

static int check_step(lockstep *ls, const struct trace_op *op, const lockstep_result *lib,
                      const lockstep_result *mod, const struct before *b, bool full) {
    char buf[1024];
    const char *id = op_id(op);
    memdev_stats ms, ls_stats;
    if (results_differ(op, lib, mod, buf, sizeof buf)) {
        fail(ls, "result", op, "%s (library says: %s)", buf, memdev_last_error(ls->sp));
        if (ls->fail_) {
            ls->fail_->have_results = true;
            ls->fail_->lib = *lib;
            ls->fail_->model = *mod;
        }
        return -1;
    }
    /*
     * A failed operation or a query must leave the library as it was (and the model is
     * unchanged by its own contract), so comparing it with the model again would only repeat
     * the last comparison: the counters and the device of changing operations are compared.
     */
    if (lib->rc == 0 && !is_query(op)) {
        memdev_stats_get(ls->sp, &ls_stats);
        model_stats_get(ls->m, &ms);
        if (stats_differ(&ls_stats, &ms, buf, sizeof buf))
            return fail(ls, "stats", op,
                        "counters differ after the operation: %s (library vs "
                        "model)",
                        buf);
        /* the memslots a guest request touched, all of them otherwise */
        uint64_t lo = 0, hi = UINT64_MAX;
        if (op->type == TRACE_OP_VMEM) {
            lo = op->offset;
            hi = op->length > UINT64_MAX - op->offset ? UINT64_MAX : op->offset + op->length;
        }
        if (id && model_compare_device(ls->m, ls->sp, id, lo, hi, buf, sizeof buf) != 0)
            return fail(ls, "device", op, "%s", buf);
    } else if (check_unchanged(ls, op, b, full)) {
        return -1;
    }
    if (check_roundtrip(ls, op, lib->rc, b))
        return -1;
    if (op->type == TRACE_OP_LIST && model_compare(ls->m, ls->sp, buf, sizeof buf) != 0)
        return fail(ls, "list", op, "library and model differ: %s", buf);
    if (op->type == TRACE_OP_INFO) {
        int irc = lockstep_info_check(ls->m, ls->sp, &ls->json, buf, sizeof buf);
        if (irc)
            return fail(ls, irc == -2 ? LOCKSTEP_CHECKER_MEMORY : "info", op, "info JSON: %s", buf);
    }
    if (full && full_check(ls, op)) {
        if (ls->fail_)
            ls->fail_->full = true;
        return -1;
    }
    return 0;
}

int lockstep_step(lockstep *ls, const struct trace_op *op, unsigned flags, lockstep_result *out) {
    lockstep_result lib, mod;
    struct before b;
    if (ls->failed || !ls->sp)
        return -1;
    if (op->type < TRACE_OP_PLUG || op->type > TRACE_OP_INFO) {
        if (out)
            memset(out, 0, sizeof *out);
        return 0;
    }
    ls->steps++;
    bool check = ls->opt.check;
    bool full = false;
    if (check && !(flags & LOCKSTEP_QUICK)) {
        memdev_stats st;
        memdev_stats_get(ls->sp, &st);
        uint32_t every = ls->opt.full_every;
        if (ls->opt.full_amortized && st.devices > every)
            every = st.devices;
        full = (flags & LOCKSTEP_FULL) || ls->steps - ls->last_full >= every ||
               st.devices < ls->opt.full_below;
        take_before(ls, op, full || (flags & LOCKSTEP_FAIL_MASK), &b);
    } else if (check) {
        take_before(ls, op, (flags & LOCKSTEP_FAIL_MASK) != 0, &b);
    }
    arm(ls, (uint8_t)(flags >> 8));
    lockstep_exec_library(ls->sp, op, &lib);
    ls->mask = 0; /* keeps failed_allocs for check_no_memory */
    if (out)
        *out = lib;
    if (check && op->type != TRACE_OP_LOOKUP && op->type < TRACE_OP_STATS) {
        /* memdev_last_error: "" after a success of a call that may change the space, the
         * detail of the failure after one */
        const char *e = memdev_last_error(ls->sp);
        if ((lib.rc == 0) != (e[0] == '\0'))
            return fail(ls, "last-error", op, "memdev_last_error after %s is \"%.200s\"",
                        memdev_error_name(lib.rc), e);
    }
    if (check && lib.rc == MEMDEV_ENOMEM) {
        if (check_no_memory(ls, op, flags, &b))
            return -1;
        ls->rt_id[0] = '\0';
        return 0;
    }
    if (!check)
        return 0;
    lockstep_exec_model(ls->m, op, &mod);
    if (mod.rc == MEMDEV_ENOMEM) /* the library's answer was not no-memory (above) */
        return fail(ls, LOCKSTEP_CHECKER_MEMORY, op, "the reference model could not allocate");
    if (flags & LOCKSTEP_QUICK) {
        char buf[1024];
        ls->rt_id[0] = '\0';
        if (!results_differ(op, &lib, &mod, buf, sizeof buf))
            return 0;
        fail(ls, "result", op, "%s (library says: %s)", buf, memdev_last_error(ls->sp));
        if (ls->fail_) {
            ls->fail_->have_results = true;
            ls->fail_->lib = lib;
            ls->fail_->model = mod;
        }
        return -1;
    }
    return check_step(ls, op, &lib, &mod, &b, full);
}

/* ---- reports -------------------------------------------------------------------------------- */

static int dump_one(void *ctx, const memdev_device_info *d) {
    FILE *f = ctx;
    fprintf(f, "  '%s' %s", d->id, memdev_kind_name(d->kind));
    if (d->empty) {
        fputs(" empty\n", f);
        return 0;
    }
    fprintf(f,
            " addr=0x%" PRIx64 " size=0x%" PRIx64 " align=0x%" PRIx64 " slot=%" PRId32
            " memslots=%" PRIu32 "%s mapped=%" PRIu32 " memslot_size=0x%" PRIx64 " block=0x%" PRIx64
            " requested=0x%" PRIx64 " plugged=0x%" PRIx64 " label=0x%" PRIx64 "\n",
            d->addr, d->size, d->align, d->slot, d->memslots, d->decided ? " (decided)" : "",
            d->mapped, d->memslot_size, d->block, d->requested, d->plugged, d->label);
    return 0;
}

void lockstep_dump(const lockstep *ls, FILE *f) {
    if (ls->m) {
        fputs("--- model state ---\n", f);
        model_dump(ls->m, f);
    }
    if (!ls->sp)
        return;
    memdev_stats s;
    memdev_stats_get(ls->sp, &s);
    fputs("--- library state ---\n", f);
    fprintf(f,
            "library: used_size=0x%" PRIx64 " plugged_size=0x%" PRIx64 " required=%u used=%u"
            " reserved=%u kvm_free=%u vhost_free=%u devices=%u dimm_slots_used=%u"
            " largest_gap=0x%" PRIx64 "\n",
            s.used_size, s.plugged_size, s.required, s.used, s.reserved, s.kvm_free, s.vhost_free,
            s.devices, s.dimm_slots_used, s.largest_gap);
    memdev_foreach(ls->sp, dump_one, f);
}
