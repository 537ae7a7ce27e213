/* SPDX-License-Identifier: MIT */
/*
 * bench.h - the C side of the benchmarks: five structures behind one table of function
 * pointers (memdev itself, the reference model, the augmented-tree baseline, the sorted
 * arrays of the lookup floor, memdev's window tree alone) and the
 * scenarios of issue 4, each a setup (untimed) and a step (timed) written in C. The C++ shim
 * (bench_main.cc) only registers scenario x backend x size with google-benchmark, so every
 * headline figure is a ratio of structures measured in one binary, one run.
 */
#ifndef MEMDEV_BENCH_H
#define MEMDEV_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memdev.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * bsearch is the lookup floor: sorted arrays of starts and ends searched by a branch-free
 * binary search (it only takes devices at fixed addresses and lookups; nothing else applies).
 * wtree is memdev's window tree alone (core/src/wtree, white-box), driven like augtree: by
 * address, with no ids, records, budget or memslots. Not a baseline: it shows, in the same
 * run, how much of memdev's time is the tree and how much the API around it.
 */
enum bench_backend_id { BK_MEMDEV, BK_MODEL, BK_AUGTREE, BK_BSEARCH, BK_WTREE, BK_COUNT };

/*
 * One structure under test. Devices are named both by id (memdev, model) and by address
 * (augtree, which has no ids); each backend uses what it has. A missing operation is NULL.
 */
typedef struct bench_backend {
    const char *name;
    int (*create)(const memdev_config *cfg, void **out);
    void (*destroy)(void *s);
    int (*plug)(void *s, const memdev_device_desc *d, uint32_t handle, uint64_t *addr);
    int (*unplug)(void *s, const char *id, uint64_t addr);
    /* 1 and *start when gpa is inside a device, else 0. */
    int (*lookup)(void *s, uint64_t gpa, uint64_t *start);
    int (*free_fit)(void *s, uint64_t size, uint64_t align, uint64_t *addr);
    int (*vmem)(void *s, const char *id, bool plug, uint64_t off, uint64_t len);
    int (*validate)(void *s, char *msg, size_t cap);
    /* The structure's own count of the bytes it holds (memdev_memory_bytes), or NULL. */
    size_t (*memory)(const void *s);
} bench_backend;

extern const bench_backend bench_backends[BK_COUNT];

/* realloc and free as a memdev_allocator (the wtree structure and tree_vs_tree use it). */
const memdev_allocator *bench_libc_allocator(void);

typedef struct bench_ctx bench_ctx;

typedef struct bench_scenario {
    const char *name;
    const char *what; /* one line for --help and the README */
    const int64_t *sizes;
    size_t nsizes;
    /* Per backend: largest n that runs (0: not applicable), and why larger n are skipped. */
    int64_t max_n[BK_COUNT];
    const char *why[BK_COUNT];
    double (*ops_per_step)(int64_t n);
    int (*setup)(bench_ctx *c);      /* untimed; builds the state for c->n */
    int (*step)(bench_ctx *c);       /* timed */
    int (*after_step)(bench_ctx *c); /* untimed, may be NULL */
    int64_t iterations;              /* > 0: fixed step count (scenarios whose state is used up) */
} bench_scenario;

extern const bench_scenario bench_scenarios[];
extern const size_t bench_nscenarios;

/*
 * The state for (scenario, backend, n), built by setup on first use and kept for the next
 * calls with the same key (google-benchmark calls a benchmark several times while it picks
 * the iteration count; rebuilding 2^20 devices each time would dominate the run). Getting a
 * different key releases the previous state. NULL with a message on failure.
 */
bench_ctx *bench_ctx_get(const bench_scenario *s, int backend, int64_t n, char *err, size_t cap);
void bench_ctx_release(void);
/* Whether bench_ctx_get keeps a state of (backend, n) for the whole run: the model's, whose
   setup is O(n^2), at every size a scenario runs it. */
bool bench_ctx_keeps(int backend, int64_t n);
/*
 * A state of its own for (scenario, backend, n), not cached, whose every call goes through the
 * table b instead of bench_backends[backend] (bench/same_work.c records the calls with it);
 * freed by bench_ctx_free. NULL with a message on failure.
 */
bench_ctx *bench_ctx_new(const bench_scenario *s, int backend, const bench_backend *b, int64_t n,
                         char *err, size_t cap);
void bench_ctx_free(bench_ctx *c);
/* The structure the state's steps drive (its backend's handle), or NULL between steps of a
   scenario that keeps none (fill). */
void *bench_ctx_space(const bench_ctx *c);
/* The last error of a step ("plug failed: fragmented ..."). */
const char *bench_ctx_error(const bench_ctx *c);
/* Live heap bytes of the process (glibc mallinfo2: the arena's and the mmapped blocks', which
   large arrays get): bytes_per_dev is its growth over a setup. */
size_t bench_heap_bytes(void);
/* Heap bytes held by the structure divided by its device count (glibc mallinfo2 deltas). */
double bench_ctx_bytes_per_device(const bench_ctx *c);
/* The structure's own byte count per device, measured after setup; 0 when it has none. */
double bench_ctx_self_bytes_per_device(const bench_ctx *c);
/*
 * memdev only, churn population: bytes per device requested through the allocator hook,
 * split by owner (index = window tree + id table, records = device records and what hangs
 * off them: ids, kind state, extents), and all of it; *plugged: all of it again once every
 * virtio-mem device has plugged half its blocks as one run (one in four with a block given
 * back inside it: two extents). False when not measured.
 */
bool bench_ctx_hook_bytes(const bench_ctx *c, double *index, double *records, double *total,
                          double *plugged);

/* bench_mem.c: a counting allocator hook and the owner of every block a space holds. */
typedef struct bench_mem bench_mem;
bench_mem *bench_mem_new(void);
void bench_mem_delete(bench_mem *m);
memdev_allocator bench_mem_allocator(bench_mem *m);
/* Live bytes by owner: [0] index, [1] records, [2] the rest (space header, vhost list);
   false when a live block of the hook is claimed by no owner or by two (a leak or a bug). */
bool bench_mem_split(const bench_mem *m, const memdev_space *sp, size_t out[3]);

#ifdef __cplusplus
}
#endif

#endif /* MEMDEV_BENCH_H */
