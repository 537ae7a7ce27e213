/* SPDX-License-Identifier: MIT */
/*
 * model.h - the reference model of a memdev space (spec ../shared/spec/memory-devices.md).
 *
 * The model is the simplest obviously-correct implementation of every operation of the spec:
 * one array of devices kept in list order, linear scans, exact 128-bit arithmetic for every sum
 * that could wrap, and counters recomputed from the devices on every query instead of cached.
 * It is written independently of core/src so that tests, fuzzers and benchmarks can run the
 * same operations on both and compare after each one (model_compare). It shares only the types
 * and error codes of memdev.h; no memdev_* operation is used for its own logic. Every function
 * mirrors the memdev_* function of the same name (same arguments, same error codes, same "a
 * failed call changes nothing" rule).
 */
#ifndef MEMDEV_MODEL_H
#define MEMDEV_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "memdev.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct model_space model_space;

/* MEMDEV_EINVAL (spec section 1 rules, vhost NULL with n_vhost > 0), MEMDEV_ENOMEM. */
int model_space_create(const memdev_config *cfg, model_space **out);
/* NULL is accepted. */
void model_space_destroy(model_space *m);

int model_plug(model_space *m, const memdev_device_desc *d, memdev_plug_result *out);
int model_unplug(model_space *m, const char *id);
int model_vmem_request(model_space *m, const char *id, bool plug, uint64_t offset, uint64_t len);
int model_vmem_resize(model_space *m, const char *id, uint64_t requested);
int model_balloon_map(model_space *m, const char *id, uint32_t index, bool map);
int model_vhost_add(model_space *m, memdev_limit limit);

int model_lookup(const model_space *m, uint64_t gpa, memdev_lookup_result *out);
int model_free(const model_space *m, uint64_t size, uint64_t align, uint64_t *addr);
int model_stats_get(const model_space *m, memdev_stats *out);
int model_device_get(const model_space *m, const char *id, memdev_device_info *out);
/* Visits the devices in list order (empty ones in plug order, then by address). */
int model_foreach(const model_space *m, memdev_visit_fn fn, void *ctx);
int model_memslot_mapped(const model_space *m, const char *id, uint32_t index, bool *mapped);
/*
 * *state = 1 when every byte of [off, off + len) is plugged, 0 when none is, 2 otherwise.
 * Byte granular (off and len need not be block multiples); len == 0 or a range that wraps or
 * leaves the device is MEMDEV_EREMAPRANGE; not a (non-empty) virtio-mem is MEMDEV_EINVAL.
 */
int model_vmem_state(const model_space *m, const char *id, uint64_t off, uint64_t len, int *state);

/*
 * Compares everything observable through the public API: stats (all fields), the device list
 * in order with every field of memdev_device_info, every memslot's mapped state, the exact
 * plugged extents of every virtio-mem device (via memdev_vmem_state), and lookups at every
 * device and memslot boundary. Returns 0, or MEMDEV_EINVARIANT with the first difference
 * described in words (both values shown) in msg (cap bytes; msg may be NULL when cap is 0).
 */
int model_compare(const model_space *m, const memdev_space *sp, char *msg, size_t cap);

/*
 * The part of model_compare that concerns one id: the device exists in both or in neither;
 * when it exists, every field of memdev_device_info, its exact plugged extents (virtio-mem),
 * lookups at its edges and memslot boundaries, and the mapped state of its memslots: all of
 * them for a device with at most 16, else those overlapping the bytes [lo, hi) of the device
 * (what an operation touched; 0, UINT64_MAX for all) and the first, middle and last.
 * O(memslots + extents) plus the model's scans. 0, or MEMDEV_EINVARIANT with msg.
 */
int model_compare_device(const model_space *m, const memdev_space *sp, const char *id, uint64_t lo,
                         uint64_t hi, char *msg, size_t cap);

/* Human-readable dump of the model state (config, counters, devices) for divergence reports. */
void model_dump(const model_space *m, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* MEMDEV_MODEL_H */
