/* SPDX-License-Identifier: MIT */
/*
 * harness.c - lock-step execution of a decoded program on the library and the reference
 * model, with the checks of spec section 8 after every operation (see harness.h).
 *
 * Per operation: the result (code, address, slot, memslots, lookup and free answers) equals
 * the model's; a failed operation and every query leave memdev_digest() unchanged;
 * memdev_validate() passes; model_compare() finds no difference in anything observable;
 * lookups at device edges agree with a linear scan of the library's own device list; an
 * unplug right after the plug of the same device restores the digest from before the plug.
 * With an allocation-failure schedule, every failure must be no-memory with the digest
 * unchanged, and the operation is retried so the space is shown to stay usable. At the end
 * every allocated block must have been freed.
 */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "program.h"

/* ---------------------------------------------------------------------------------------- */
/* Counting, failing allocator                                                              */

static void *al_realloc(void *ctx, void *ptr, size_t size)
{
    harness_alloc *a = ctx;
    unsigned i = a->index++;
    if (a->mask == 0xFF || (i < 8 && ((unsigned)a->mask >> i) & 1u)) {
        a->failed++;
        return NULL;
    }
    void *p = realloc(ptr, size ? size : 1);
    if (p && !ptr)
        a->live++;
    return p;
}

static void al_free(void *ctx, void *ptr)
{
    harness_alloc *a = ctx;
    if (ptr)
        a->live--;
    free(ptr);
}

memdev_allocator harness_allocator(harness_alloc *a)
{
    memdev_allocator al = {al_realloc, al_free, a};
    return al;
}

void harness_alloc_arm(harness_alloc *a, uint8_t mask)
{
    a->mask = mask;
    a->index = 0;
    a->failed = 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Reporting                                                                                */

int harness_verbose(void)
{
    static int v = -1;
    if (v < 0) {
        const char *e = getenv("MEMDEV_FUZZ_VERBOSE");
        v = e && *e && *e != '0';
    }
    return v;
}

void harness_fail(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("memdev-fuzz: FAILURE: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

typedef struct run {
    program_decoder d;
    memdev_space *sp;
    model_space *m;
    harness_alloc al;
    const uint8_t *sched;
    uint32_t opno;
    struct trace_op op;
    char line[1024];
    const char *plugged_id;   /* the previous op was a successful plug of this id */
    uint64_t digest_before_plug;
} run;

/* The current op as a trace line, formatted on first use (printing is too slow per op). */
static const char *op_line(run *r)
{
    if (r->line[0] == '\0' && trace_format_op(&r->op, r->line, sizeof(r->line)) < 0)
        snprintf(r->line, sizeof(r->line), "(op type %d, not expressible)", (int)r->op.type);
    return r->line;
}

static void die(run *r, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void die(run *r, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "memdev-fuzz: at op %u: %s\n", r->opno, r->opno ? op_line(r) : r->line);
    if (r->m) {
        fputs("memdev-fuzz: reference model state before the failing check:\n", stderr);
        model_dump(r->m, stderr);
    }
    harness_fail("%s", msg);
}

static const char *rc_name(int rc) { return memdev_error_name(rc); }

/* ---------------------------------------------------------------------------------------- */
/* Checks                                                                                   */

static void check_results(run *r, int rc, int mrc, const memdev_plug_result *p,
                          const memdev_plug_result *mp, const memdev_lookup_result *l,
                          const memdev_lookup_result *ml, uint64_t a, uint64_t ma)
{
    const struct trace_op *op = &r->op;
    if (rc != mrc)
        die(r, "result differs: library %s, model %s (library says: %s)", rc_name(rc),
            rc_name(mrc), memdev_last_error(r->sp));
    if (rc != 0)
        return;
    if (op->type == TRACE_OP_PLUG &&
        (p->addr != mp->addr || p->slot != mp->slot || p->memslots != mp->memslots ||
         p->empty != mp->empty))
        die(r,
            "plug result differs: library addr=0x%llx slot=%d memslots=%u empty=%d, model "
            "addr=0x%llx slot=%d memslots=%u empty=%d",
            (unsigned long long)p->addr, p->slot, p->memslots, p->empty,
            (unsigned long long)mp->addr, mp->slot, mp->memslots, mp->empty);
    if (op->type == TRACE_OP_FREE && a != ma)
        die(r, "free differs: library 0x%llx, model 0x%llx", (unsigned long long)a,
            (unsigned long long)ma);
    if (op->type == TRACE_OP_LOOKUP &&
        (l->found != ml->found ||
         (l->found && (strcmp(l->id, ml->id) != 0 || l->addr != ml->addr ||
                       l->offset != ml->offset || l->memslot != ml->memslot ||
                       l->mapped != ml->mapped))))
        die(r,
            "lookup differs: library found=%d id=%s offset=0x%llx memslot=%u mapped=%d, "
            "model found=%d id=%s offset=0x%llx memslot=%u mapped=%d",
            l->found, l->found ? l->id : "-", (unsigned long long)l->offset, l->memslot,
            l->mapped, ml->found, ml->found ? ml->id : "-", (unsigned long long)ml->offset,
            ml->memslot, ml->mapped);
}

typedef struct devlist {
    memdev_device_info dev[PROGRAM_MAX_LIVE + 8];
    uint32_t n, total;
} devlist;

static int list_dev(void *ctx, const memdev_device_info *info)
{
    devlist *l = ctx;
    if (l->n < sizeof(l->dev) / sizeof(l->dev[0]))
        l->dev[l->n++] = *info;
    l->total++;
    return 0;
}

/* memdev_lookup at one address against a linear scan of the device list. */
static void check_probe(run *r, const devlist *l, uint64_t gpa)
{
    memdev_lookup_result lr;
    const memdev_device_info *hit = NULL;
    for (uint32_t i = 0; i < l->n; i++)
        if (!l->dev[i].empty && gpa >= l->dev[i].addr && gpa - l->dev[i].addr < l->dev[i].size)
            hit = &l->dev[i];
    memdev_lookup(r->sp, gpa, &lr);
    if (lr.found != (hit != NULL) || (hit && strcmp(lr.id, hit->id) != 0))
        die(r, "lookup(0x%llx) says %s, a scan of the device list says %s",
            (unsigned long long)gpa, lr.found ? lr.id : "none", hit ? hit->id : "none");
    if (!hit)
        return;
    uint64_t off = gpa - hit->addr;
    uint32_t slot = hit->memslot_size ? (uint32_t)(off / hit->memslot_size) : 0;
    bool mapped = false;
    memdev_memslot_mapped(r->sp, hit->id, slot, &mapped);
    if (lr.addr != hit->addr || lr.offset != off || lr.memslot != slot || lr.mapped != mapped)
        die(r,
            "lookup(0x%llx) gives addr=0x%llx offset=0x%llx memslot=%u mapped=%d, the scan "
            "gives addr=0x%llx offset=0x%llx memslot=%u mapped=%d",
            (unsigned long long)gpa, (unsigned long long)lr.addr,
            (unsigned long long)lr.offset, lr.memslot, lr.mapped,
            (unsigned long long)hit->addr, (unsigned long long)off, slot, mapped);
}

static void check_scan(run *r)
{
    static devlist l; /* large; the harness is single-threaded */
    memdev_stats st;
    l.n = l.total = 0;
    memdev_foreach(r->sp, list_dev, &l);
    memdev_stats_get(r->sp, &st);
    if (l.total != st.devices)
        die(r, "foreach visits %u devices, stats count %u", l.total, st.devices);
    const memdev_config *c = &r->d.config;
    check_probe(r, &l, c->base);
    check_probe(r, &l, c->base + c->size - 1);
    if (r->op.type == TRACE_OP_LOOKUP)
        check_probe(r, &l, r->op.gpa);
    for (uint32_t k = 0; k < 8 && k < l.n; k++) {
        const memdev_device_info *v = &l.dev[(r->opno + k) % l.n];
        if (v->empty)
            continue;
        check_probe(r, &l, v->addr);
        check_probe(r, &l, v->addr - 1);
        check_probe(r, &l, v->addr + v->size - 1);
        check_probe(r, &l, v->addr + v->size);
    }
}

static void check_info(run *r)
{
    size_t len = 0, len2 = 0;
    char small[8];
    memdev_info_json(r->sp, small, sizeof(small), &len);
    char *buf = malloc(len + 1);
    if (!buf)
        return;
    if (memdev_info_json(r->sp, buf, len + 1, &len2) != 0 || len2 != len || strlen(buf) != len)
        die(r, "info JSON: length %zu, then %zu with a big enough buffer", len, len2);
    if (len < 2 || buf[0] != '[' || buf[len - 1] != ']')
        die(r, "info JSON is not an array: %.60s", buf);
    if (len + 1 > sizeof(small) && strncmp(small, buf, sizeof(small) - 1) != 0)
        die(r, "info JSON with a small buffer is not a prefix of the whole");
    if (len > 0 && memdev_info_json(r->sp, buf, len, &len2) != MEMDEV_EINVAL)
        die(r, "info JSON: a buffer one byte short is not invalid-argument");
    free(buf);
}

/* Inside a bulk (not every 64th op, not with an oom schedule): validate only. */
static bool light_step(const run *r)
{
    return !r->sched && program_in_bulk(&r->d) && r->opno % 64 != 0;
}

static void check_state(run *r, int rc, uint64_t before)
{
    char msg[512];
    bool query = r->op.type == TRACE_OP_LOOKUP || r->op.type == TRACE_OP_FREE ||
                 r->op.type >= TRACE_OP_STATS;
    if (memdev_validate(r->sp, msg, sizeof(msg)) != 0)
        die(r, "memdev_validate: %s", msg);
    if (light_step(r)) {
        r->plugged_id = NULL; /* the O(n) digest and comparisons at the end of the bulk */
        return;
    }
    if ((rc != 0 || query) && memdev_digest(r->sp) != before)
        die(r, "%s %s changed the state (digest)", rc ? "failed op" : "query", rc_name(rc));
    if (model_compare(r->m, r->sp, msg, sizeof(msg)) != 0)
        die(r, "library and model differ: %s", msg);
    if (r->op.type == TRACE_OP_INFO)
        check_info(r);
    check_scan(r);
    if (r->op.type == TRACE_OP_UNPLUG && rc == 0 && r->plugged_id == r->op.id &&
        memdev_digest(r->sp) != r->digest_before_plug)
        die(r, "plug then unplug of %s did not restore the state (digest)", r->op.id);
    r->plugged_id = r->op.type == TRACE_OP_PLUG && rc == 0 ? r->op.desc.id : NULL;
    r->digest_before_plug = before;
}

/* ---------------------------------------------------------------------------------------- */
/* The run                                                                                  */

static void print_result(run *r, int rc, const memdev_plug_result *p,
                         const memdev_lookup_result *l, uint64_t a)
{
    if (!harness_verbose())
        return;
    fprintf(stderr, "%4u: %-60s -> %s", r->opno, op_line(r), rc_name(rc));
    if (rc == 0 && r->op.type == TRACE_OP_PLUG)
        fprintf(stderr, " addr=0x%llx slot=%d memslots=%u%s", (unsigned long long)p->addr,
                p->slot, p->memslots, p->empty ? " empty" : "");
    if (r->op.type == TRACE_OP_LOOKUP)
        fprintf(stderr, " %s offset=0x%llx memslot=%u", l->found ? l->id : "none",
                (unsigned long long)l->offset, l->memslot);
    if (rc == 0 && r->op.type == TRACE_OP_FREE)
        fprintf(stderr, " addr=0x%llx", (unsigned long long)a);
    fputc('\n', stderr);
}

static void step(run *r)
{
    memdev_plug_result p = {0}, mp = {0};
    memdev_lookup_result l = {0}, ml = {0};
    uint64_t a = 0, ma = 0;
    r->line[0] = '\0'; /* formatted when printed: op_line() */
    uint64_t before = light_step(r) ? 0 : memdev_digest(r->sp);
    uint8_t mask = r->sched ? r->sched[r->opno % HARNESS_SCHEDULE_SIZE] : 0;
    harness_alloc_arm(&r->al, mask);
    int rc = program_exec(r->sp, &r->op, &p, &l, &a);
    r->al.mask = 0; /* keeps r->al.failed */
    if (rc == MEMDEV_ENOMEM) {
        char msg[512];
        if (!r->sched)
            die(r, "no-memory without injected allocation failures");
        if (r->al.failed == 0)
            die(r, "no-memory although no allocation failed");
        if (memdev_digest(r->sp) != before)
            die(r, "no-memory changed the state (digest)");
        if (memdev_validate(r->sp, msg, sizeof(msg)) != 0)
            die(r, "after no-memory, memdev_validate: %s", msg);
        if (harness_verbose())
            fprintf(stderr, "%4u: %-60s -> no-memory (injected), retrying\n", r->opno,
                    op_line(r));
        rc = program_exec(r->sp, &r->op, &p, &l, &a);
    }
    int mrc = program_exec_model(r->m, &r->op, &mp, &ml, &ma);
    print_result(r, rc, &p, &l, a);
    check_results(r, rc, mrc, &p, &mp, &l, &ml, a, ma);
    check_state(r, rc, before);
}

static bool create(run *r)
{
    memdev_allocator al = harness_allocator(&r->al);
    struct trace_op sop;
    program_space_op(&r->d, &sop);
    if (trace_format_op(&sop, r->line, sizeof(r->line)) < 0)
        snprintf(r->line, sizeof(r->line), "(space)");
    if (harness_verbose())
        fprintf(stderr, "   0: %s\n", r->line);
    harness_alloc_arm(&r->al, r->sched ? r->sched[0] : 0);
    int rc = memdev_space_create(&r->d.config, &al, &r->sp);
    r->al.mask = 0;
    if (rc == MEMDEV_ENOMEM && r->sched) {
        if (r->al.failed == 0)
            die(r, "space creation: no-memory although no allocation failed");
        if (r->al.live != 0)
            die(r, "space creation failed with no-memory and leaked %ld blocks", r->al.live);
        rc = memdev_space_create(&r->d.config, &al, &r->sp);
    }
    int mrc = model_space_create(&r->d.config, &r->m);
    if (rc != mrc)
        die(r, "space creation: library %s, model %s", rc_name(rc), rc_name(mrc));
    if (rc != 0)
        return false;
    char msg[512];
    if (memdev_validate(r->sp, msg, sizeof(msg)) != 0)
        die(r, "new space, memdev_validate: %s", msg);
    if (model_compare(r->m, r->sp, msg, sizeof(msg)) != 0)
        die(r, "new space, library and model differ: %s", msg);
    return true;
}

void harness_run(const uint8_t *data, size_t size, const uint8_t *schedule)
{
    run *r = calloc(1, sizeof(*r));
    if (!r)
        return;
    r->sched = schedule;
    program_decoder_init(&r->d, data, size);
    if (create(r)) {
        while (program_next(&r->d, r->sp, &r->op)) {
            r->opno++;
            step(r);
        }
    }
    memdev_space_destroy(r->sp);
    model_space_destroy(r->m);
    r->sp = NULL;
    r->m = NULL;
    if (r->al.live != 0)
        die(r, "%ld blocks still allocated after memdev_space_destroy (leak)", r->al.live);
    free(r);
}
