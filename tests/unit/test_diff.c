/* SPDX-License-Identifier: MIT */
/*
 * test_diff.c - seeded randomized differential test: random operations of every kind
 * (queries, list and info included) run through the lock-step checker (core/lockstep) with the
 * full check after every operation: results equal the reference model's, memdev_validate()
 * passes, the whole state and the info JSON equal the model's, and a failed operation or a
 * query leaves memdev_digest() unchanged. Configurations cover q35/pc boards, windows at 0 and
 * ending at 2^64, tiny and huge budgets, DIMM slots, KVM and vhost memslot limits. --seed N
 * reproduces a run,
 * --runs N and --ops N scale it.
 */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "lockstep.h"
#include "memdev.h"
#include "model.h"

#define GiB (1ull << 30)
#define MiB (1ull << 20)
#define NIDS 48

static uint64_t rng;
static long ops_checked;
static long code_hits[1 - MEMDEV_ERROR_MIN]; /* how often each code was returned */

static uint64_t pick(const uint64_t *v, size_t n) {
    return v[rng_below(&rng, n)];
}

static void random_config(memdev_config *c, memdev_limit *vh) {
    static const uint64_t sizes[] = {2 * GiB, 9 * GiB, 16 * GiB, 64 * GiB, 1ull << 40};
    memset(c, 0, sizeof *c);
    c->size = pick(sizes, 5);
    switch (rng_below(&rng, 4)) {
    case 0:
        c->base = 6 * GiB;
        break;
    case 1:
        c->base = 0;
        break;
    case 2:
        c->base = 0 - c->size;
        break; /* ends exactly at 2^64 */
    default:
        c->base = (4 * GiB) + 4096 * rng_below(&rng, 1000);
        break;
    }
    static const uint64_t budgets[] = {1 * GiB, 4 * GiB, 16 * GiB, 64 * GiB, UINT64_MAX};
    c->budget = rng_below(&rng, 4) ? pick(budgets, 5) : c->size;
    c->dimm_slots = (uint32_t)pick((const uint64_t[]){0, 1, 2, 4, 256}, 5);
    if (rng_below(&rng, 2)) {
        c->has_kvm = true;
        c->kvm.max = (uint32_t)pick((const uint64_t[]){8, 32, 509, 512, 32764}, 5);
        c->kvm.other = (uint32_t)rng_below(&rng, c->kvm.max / 2 + 1);
    }
    c->n_vhost = (uint32_t)rng_below(&rng, 3);
    for (uint32_t i = 0; i < c->n_vhost; i++) {
        vh[i].max = (uint32_t)pick((const uint64_t[]){16, 64, 509, 1024}, 4);
        vh[i].other = (uint32_t)rng_below(&rng, 8);
    }
    c->vhost = vh;
}

struct world {
    memdev_space *sp;
    model_space *m;
    const memdev_config *cfg;
    char ids[NIDS][8];
};

static uint64_t random_size(void) {
    switch (rng_below(&rng, 6)) {
    case 0:
        return GiB * (1 + rng_below(&rng, 8));
    case 1:
        return 2 * MiB * (1 + rng_below(&rng, 512));
    case 2:
        return 128 * MiB * (1 + rng_below(&rng, 64));
    case 3:
        return 4096 * (1 + rng_below(&rng, 4096));
    case 4:
        return rng_below(&rng, 3) ? 32 * GiB : 0; /* 0 is malformed */
    default:
        return rng_next(&rng) >> rng_below(&rng, 64);
    }
}

static uint64_t random_align(void) {
    static const uint64_t a[] = {4096, 2 * MiB, 2 * MiB, 1 * GiB, 1, 64 * MiB, 0, 3 * MiB};
    uint64_t r = rng_below(&rng, 10);
    return r < 8 ? a[r] : 1ull << rng_below(&rng, 40);
}

/* An address worth trying as a hint: gap starts, device ends, window edges, or random. */
static uint64_t random_addr(const struct world *w) {
    memdev_stats st;
    memdev_stats_get(w->sp, &st);
    uint64_t base = w->cfg->base, size = w->cfg->size;
    switch (rng_below(&rng, 4)) {
    case 0:
        return base;
    case 1:
        return base + size - GiB * (1 + rng_below(&rng, 2));
    case 2: {
        memdev_lookup_result lr;
        uint64_t gpa = base + rng_below(&rng, size);
        model_lookup(w->m, gpa, &lr);
        return lr.found ? lr.addr + pick((const uint64_t[]){0, 2 * MiB, GiB}, 3)
                        : gpa & ~(2 * MiB - 1);
    }
    default:
        return base + (rng_below(&rng, size) & ~(GiB - 1));
    }
}

static void random_desc(struct world *w, memdev_device_desc *d) {
    memset(d, 0, sizeof *d);
    d->id = w->ids[rng_below(&rng, NIDS)];
    d->kind = (memdev_kind)rng_below(&rng, MEMDEV_KIND_COUNT + (rng_below(&rng, 50) == 0));
    d->size = random_size();
    d->align = random_align();
    if (rng_below(&rng, 4) == 0) {
        d->fields |= MEMDEV_F_ADDR;
        d->addr = random_addr(w);
    }
    bool wild = rng_below(&rng, 12) == 0; /* fields the kind may not take */
    if ((d->kind <= MEMDEV_NVDIMM || wild) && rng_below(&rng, 3) == 0) {
        d->fields |= MEMDEV_F_SLOT;
        d->slot = (uint32_t)rng_below(&rng, 6);
    }
    if (d->kind == MEMDEV_VIRTIO_MEM || wild) {
        if (rng_below(&rng, 2)) {
            d->fields |= MEMDEV_F_BLOCK;
            d->block = pick((const uint64_t[]){MiB, 2 * MiB, 4 * MiB, 512 * 1024, 3 * MiB, GiB}, 6);
        }
        if (rng_below(&rng, 2)) {
            d->fields |= MEMDEV_F_REQUESTED;
            d->requested = d->size >> rng_below(&rng, 3);
        }
        if (rng_below(&rng, 2)) {
            d->fields |= MEMDEV_F_DYNAMIC;
            d->dynamic = rng_below(&rng, 4) != 0;
        }
    }
    if ((d->kind == MEMDEV_NVDIMM || wild) && rng_below(&rng, 2)) {
        d->fields |= MEMDEV_F_LABEL;
        d->label = pick((const uint64_t[]){0, 128 * 1024, 4096, 2 * MiB, d->size}, 5);
    }
    if ((d->kind == MEMDEV_HV_BALLOON || wild) && rng_below(&rng, 4) == 0)
        d->fields |= MEMDEV_F_EMPTY;
    if (rng_below(&rng, 3) == 0) {
        d->fields |= MEMDEV_F_NODE | MEMDEV_F_MEMDEV;
        d->node = (uint32_t)rng_below(&rng, 4);
        d->memdev = "mem0";
    }
}

struct live {
    const struct world *w;
    const char *ids[NIDS];
    int kind, n;
};

/* Keeps the pool's own string: the model's copy is freed when the device is unplugged. */
static int collect(void *ctx, const memdev_device_info *info) {
    struct live *l = ctx;
    if (l->n >= NIDS || (l->kind >= 0 && (int)info->kind != l->kind))
        return 0;
    for (int i = 0; i < NIDS; i++)
        if (strcmp(l->w->ids[i], info->id) == 0)
            l->ids[l->n++] = l->w->ids[i];
    return 0;
}

/*
 * Mostly a plugged device (of `kind` when kind >= 0), sometimes any id of the pool. Always
 * the pool's copy of the id: the model's copy is freed when the operation unplugs the device,
 * and the lock-step checker still compares by that id afterwards.
 */
static const char *pick_id(const struct world *w, int kind) {
    struct live l = {.w = w, .kind = kind};
    if (rng_below(&rng, 5) == 0)
        return w->ids[rng_below(&rng, NIDS)];
    model_foreach(w->m, collect, &l);
    if (!l.n)
        return w->ids[rng_below(&rng, NIDS)];
    const char *id = l.ids[rng_below(&rng, (uint64_t)l.n)];
    for (int i = 0; i < NIDS; i++)
        if (strcmp(w->ids[i], id) == 0)
            return w->ids[i];
    return id; /* not reached: every plugged id comes from the pool */
}

/* The next random operation, built as a trace op (the lock-step checker's language). */
static void random_op(struct world *w, struct trace_op *op) {
    uint32_t r = (uint32_t)rng_below(&rng, 100);
    int kind = r >= 55 && r < 78 ? MEMDEV_VIRTIO_MEM : r >= 78 && r < 84 ? MEMDEV_HV_BALLOON : -1;
    const char *id = pick_id(w, kind);
    memset(op, 0, sizeof *op);
    op->id = id;
    if (r < 38) {
        op->type = TRACE_OP_PLUG;
        random_desc(w, &op->desc);
    } else if (r < 55) {
        op->type = TRACE_OP_UNPLUG;
    } else if (r < 72) {
        memdev_device_info info;
        uint64_t block = 2 * MiB, size = 64 * GiB;
        if (model_device_get(w->m, id, &info) == 0 && info.kind == MEMDEV_VIRTIO_MEM) {
            block = info.block;
            size = info.size;
        }
        uint64_t nb = size / block;
        op->type = TRACE_OP_VMEM;
        op->offset = block * rng_below(&rng, nb + 1);
        op->length = block * (1 + rng_below(&rng, 1 + nb / 4));
        if (rng_below(&rng, 10) == 0)
            op->offset += 4096;
        op->vmem_plug = rng_below(&rng, 3) != 0;
    } else if (r < 78) {
        memdev_device_info info;
        op->type = TRACE_OP_RESIZE;
        op->requested = random_size();
        if (model_device_get(w->m, id, &info) == 0 && info.kind == MEMDEV_VIRTIO_MEM && info.block)
            op->requested = info.block * rng_below(&rng, info.size / info.block + 2);
    } else if (r < 84) {
        op->index = (uint32_t)rng_below(&rng, 90);
        op->type = rng_below(&rng, 3) != 0 ? TRACE_OP_MAP : TRACE_OP_UNMAP;
    } else if (r < 86) {
        op->type = TRACE_OP_VHOST_ADD;
        op->limit.max = (uint32_t)pick((const uint64_t[]){16, 64, 508, 509, 1024}, 5);
        op->limit.other = (uint32_t)rng_below(&rng, 40);
    } else if (r < 92) {
        op->type = TRACE_OP_LOOKUP;
        op->gpa = random_addr(w) + pick((const uint64_t[]){0, 1, 0 - 1ull, 2 * MiB}, 4);
    } else if (r < 97) {
        op->type = TRACE_OP_FREE;
        op->size = random_size();
        op->align = random_align();
    } else {
        static const enum trace_op_type q[] = {TRACE_OP_STATS, TRACE_OP_LIST, TRACE_OP_INFO};
        op->type = q[rng_below(&rng, 3)];
    }
}

/* One random operation through the lock-step checker; false on the first divergence. */
static bool step(struct world *w, lockstep *ls, uint64_t seed, uint32_t opno) {
    struct trace_op op;
    lockstep_result res;
    random_op(w, &op);
    int bad = lockstep_step(ls, &op, 0, &res);
    ops_checked++;
    if (res.rc <= 0 && res.rc >= MEMDEV_ERROR_MIN)
        code_hits[-res.rc]++;
    if (!bad)
        return true;
    const lockstep_failure *f = lockstep_failed(ls);
    char line[1024];
    if (trace_format_op(&op, line, sizeof line) < 0)
        snprintf(line, sizeof line, "(op type %d)", (int)op.type);
    fprintf(stderr, "seed 0x%llx op %u %s: %s: %s\n", (unsigned long long)seed, opno, line,
            f->check, f->msg);
    return false;
}

static void run(uint64_t seed, uint32_t ops) {
    memdev_config cfg;
    memdev_limit vh[4];
    struct world w;
    lockstep *ls = NULL;
    lockstep_options lo = {.check = true, .full_every = 1};
    rng = seed | 1;
    random_config(&cfg, vh);
    w.cfg = &cfg;
    for (int i = 0; i < NIDS; i++)
        snprintf(w.ids[i], sizeof w.ids[i], "d%d", i);
    CHECK_RC(lockstep_create(&cfg, NULL, &lo, &ls), 0);
    CHECK(ls && !lockstep_failed(ls));
    w.sp = lockstep_space(ls);
    w.m = (model_space *)lockstep_model(ls);
    if (!w.sp || !w.m || lockstep_failed(ls)) {
        lockstep_destroy(ls);
        return;
    }
    for (uint32_t i = 0; i < ops; i++) {
        if (!step(&w, ls, seed, i)) {
            check_failures++;
            lockstep_dump(ls, stderr);
            break;
        }
    }
    if (!check_failures && lockstep_check_full(ls) != 0) {
        check_failures++;
        fprintf(stderr, "seed 0x%llx at the end: %s: %s\n", (unsigned long long)seed,
                lockstep_failed(ls)->check, lockstep_failed(ls)->msg);
    }
    lockstep_destroy(ls);
}

int main(int argc, char **argv) {
    uint64_t seed = check_seed(argc, argv, 0xd1ff5eed);
    uint32_t runs = 60, ops = 2000;
    for (int i = 1; i + 1 < argc; i++) {
        if (!strcmp(argv[i], "--runs"))
            runs = (uint32_t)strtoul(argv[i + 1], NULL, 0);
        if (!strcmp(argv[i], "--ops"))
            ops = (uint32_t)strtoul(argv[i + 1], NULL, 0);
    }
    uint64_t only = 0;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--run-seed"))
            only = strtoull(argv[i + 1], NULL, 0);
    printf("test_diff: seed 0x%llx, %u runs of %u operations\n", (unsigned long long)seed, runs,
           ops);
    uint64_t s = seed;
    for (uint32_t i = 0; i < runs && !check_failures; i++) {
        uint64_t run_seed = only ? only : rng_next(&s);
        run(run_seed, ops);
        if (check_failures)
            fprintf(stderr, "reproduce this run alone with: test_diff --run-seed 0x%llx --ops %u\n",
                    (unsigned long long)run_seed, ops);
        if (only)
            break;
    }
    printf("test_diff: %ld operations checked against the model; results:", ops_checked);
    for (int c = 0; c <= -MEMDEV_ERROR_MIN; c++)
        if (code_hits[c])
            printf(" %s=%ld", memdev_error_name(-c), code_hits[c]);
    printf("\n");
    return check_report("test_diff");
}
