/* SPDX-License-Identifier: MIT */
/*
 * memdev.h - the device-memory window of a virtual machine monitor.
 *
 * A memdev_space is the window of guest-physical address space into which memory devices
 * (DIMM, NVDIMM, virtio-pmem, virtio-mem, Hyper-V balloon) are hot-plugged. It places devices
 * exactly as QEMU's memory-device layer does (lowest feasible aligned address), enforces the
 * memory budget, the DIMM slots and the KVM/vhost memslot limits, decides memslot counts,
 * remaps memslots at run time and translates guest-physical addresses back to devices.
 * The behaviour contract is ../shared/spec/memory-devices.md ("the spec"); section numbers
 * below refer to it.
 *
 * Conventions
 * - Ranges are half-open [start, start + size) in this header; a range may end exactly at
 *   2^64 (its end is then not representable, which is why sizes, not ends, are passed).
 * - Every function that can fail returns 0 or a negative MEMDEV_E* code; results come back
 *   through out-parameters. A function that fails changes nothing in the space (its logical
 *   state, as hashed by memdev_digest(), is bit-for-bit the same), allocation failures
 *   included (MEMDEV_ENOMEM).
 * - No globals, no printing, no abort on any input. All memory comes from the allocator
 *   given at creation (or malloc/realloc/free).
 * - A space is not thread-safe; calls on distinct spaces are independent.
 * - n is the number of plugged devices below; "O(log n)" bounds are worst case.
 */
#ifndef MEMDEV_H
#define MEMDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------------------------------- */
/* Version and linkage                                                                      */

/*
 * The release, written here only: CMakeLists.txt reads these three lines for project(VERSION),
 * the SONAME, the CMake package version and memdev.pc. MEMDEV_VERSION_NUMBER is
 * MAJOR * 10000 + MINOR * 100 + PATCH (0.1.0 is 100), for #if tests.
 */
#define MEMDEV_VERSION_MAJOR 0
#define MEMDEV_VERSION_MINOR 1
#define MEMDEV_VERSION_PATCH 0
#define MEMDEV_VERSION_NUMBER                                                                      \
    (MEMDEV_VERSION_MAJOR * 10000 + MEMDEV_VERSION_MINOR * 100 + MEMDEV_VERSION_PATCH)
#define MEMDEV_QUOTE_(s) #s
#define MEMDEV_EXPAND_AND_QUOTE_(s) MEMDEV_QUOTE_(s)
#define MEMDEV_VERSION_STRING                                                                      \
    MEMDEV_EXPAND_AND_QUOTE_(MEMDEV_VERSION_MAJOR.MEMDEV_VERSION_MINOR.MEMDEV_VERSION_PATCH)

/*
 * MEMDEV_API marks every public function. The library is compiled with hidden visibility, so
 * these are the only symbols a shared libmemdev exports. Define it before including this
 * header to override it (empty, or another platform's import attribute).
 */
#ifndef MEMDEV_API
#if defined(__GNUC__) && __GNUC__ >= 4
#define MEMDEV_API __attribute__((visibility("default")))
#else
#define MEMDEV_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The MEMDEV_VERSION_NUMBER and MEMDEV_VERSION_STRING the library was built with: compare
 * them with the macros to catch a header and library of different releases. O(1). */
MEMDEV_API unsigned memdev_version_number(void);
MEMDEV_API const char *memdev_version_string(void);

/* ---------------------------------------------------------------------------------------- */
/* Errors                                                                                   */

/*
 * X(ENUM, value, trace-name, message). The trace names are fixed by spec section 9; the
 * last entry is memdev's own, returned only by memdev_validate().
 */
#define MEMDEV_ERROR_LIST(X)                                                                       \
    X(EINVAL, -1, "invalid-argument", "malformed request")                                         \
    X(EDUPID, -2, "duplicate-id", "id already plugged")                                            \
    X(EUNKNOWNID, -3, "unknown-id", "no plugged device has this id")                               \
    X(EINVALSLOT, -4, "invalid-slot", "DIMM slot out of range")                                    \
    X(ENOSLOTS, -5, "no-slots", "the machine has no DIMM slots")                                   \
    X(ESLOTBUSY, -6, "slot-busy", "DIMM slot already in use")                                      \
    X(ENOFREESLOT, -7, "no-free-slot", "all DIMM slots are in use")                                \
    X(EKVMSLOTS, -8, "kvm-memslots", "not enough free KVM memslots")                               \
    X(EVHOSTSLOTS, -9, "vhost-memslots", "not enough free vhost memslots")                         \
    X(ENOSPACE, -10, "no-space", "device memory budget exceeded")                                  \
    X(ESIZEALIGN, -11, "size-alignment", "size is not a multiple of the region alignment")         \
    X(EHINTALIGN, -12, "hint-alignment", "address is not a multiple of the alignment")             \
    X(EHINTRANGE, -13, "hint-range", "address range is not inside the window")                     \
    X(ETOOBIG, -14, "too-big", "device cannot fit in the window")                                  \
    X(ECONFLICT, -15, "conflict", "address range overlaps a plugged device")                       \
    X(EFRAGMENTED, -16, "fragmented", "no free range is large enough")                             \
    X(ENOTUNPLUGGABLE, -17, "not-unpluggable", "device kind cannot be unplugged")                  \
    X(EBUSY, -18, "busy", "device still has memory plugged or requested")                          \
    X(EREMAPRANGE, -19, "remap-range", "remap range or index out of range")                        \
    X(EREMAPSTATE, -20, "remap-state", "blocks or memslots already in that state")                 \
    X(EREMAPLIMIT, -21, "remap-limit", "plug would exceed the requested size")                     \
    X(EVHOSTCONFLICT, -22, "vhost-conflict", "vhost backend cannot serve the current devices")     \
    X(ENOMEM, -23, "no-memory", "out of memory")                                                   \
    X(EINVARIANT, -24, "invariant", "an invariant of the space is violated")

enum memdev_error {
    MEMDEV_OK = 0,
#define MEMDEV_ERROR_ENUM_(name, value, trace, msg) MEMDEV_##name = (value),
    MEMDEV_ERROR_LIST(MEMDEV_ERROR_ENUM_)
#undef MEMDEV_ERROR_ENUM_
        MEMDEV_ERROR_MIN = -24
};

/* Stable name of a code ("ok", "invalid-argument", ...); "unknown-error" for others. O(1). */
MEMDEV_API const char *memdev_error_name(int code);
/* One-line generic message for a code. O(1). */
MEMDEV_API const char *memdev_strerror(int code);
/* Parses a trace name back into a code; returns 1 and sets *code, or 0 if unknown. */
MEMDEV_API int memdev_error_from_name(const char *name, int *code);

/* ---------------------------------------------------------------------------------------- */
/* Configuration (spec section 1)                                                           */

#define MEMDEV_MAX_DIMM_SLOTS 256u
#define MEMDEV_SOFT_MEMSLOTS 256u /* soft limit for all memory devices together */
#define MEMDEV_SAFE_MEMSLOTS 509u /* "safe" overall maximum */
#define MEMDEV_MAX_ID_LEN 255u    /* bytes, not counting the NUL */
/* Devices plugged at once, at most (2^24: the id table keeps 3-byte record indices). A plug
   beyond it fails with MEMDEV_ENOMEM and changes nothing. */
#define MEMDEV_MAX_DEVICES 16777216u

/* A hypervisor or vhost memslot limit: `max` slots, `other` of them used by non-devices. */
typedef struct memdev_limit {
    uint32_t max;
    uint32_t other;
} memdev_limit;

typedef struct memdev_config {
    uint64_t base;       /* window start */
    uint64_t size;       /* window size, > 0; base + size may equal 2^64 but not exceed it */
    uint64_t budget;     /* most bytes devices may occupy together */
    uint32_t dimm_slots; /* 0..256 */
    bool has_kvm;        /* false: no hypervisor limit (TCG) */
    memdev_limit kvm;
    uint32_t n_vhost; /* number of entries in vhost[] */
    const memdev_limit *vhost;
} memdev_config;

/*
 * Allocator hook. realloc(ctx, NULL, n) allocates, realloc(ctx, p, n) resizes, free(ctx, p)
 * releases (p may be NULL). Returning NULL from realloc is always handled: the operation that
 * needed the memory fails with MEMDEV_ENOMEM and changes nothing. Tests use this to inject
 * failures at every allocation point.
 */
typedef struct memdev_allocator {
    void *(*realloc)(void *ctx, void *ptr, size_t size);
    void (*free)(void *ctx, void *ptr);
    void *ctx;
} memdev_allocator;

typedef struct memdev_space memdev_space;

/*
 * Checks a configuration without creating anything: 0, or MEMDEV_EINVAL with the reason in msg
 * ("window [base, base+size) wraps past 2^64", ...). msg may be NULL when cap is 0. O(n_vhost).
 */
MEMDEV_API int memdev_config_check(const memdev_config *cfg, char *msg, size_t cap);

/*
 * Creates a space. alloc may be NULL (the C library's allocator is used); it is copied.
 * Errors: MEMDEV_EINVAL (size 0, wrapping window, dimm_slots > 256, other > max for kvm or
 * a vhost backend), MEMDEV_ENOMEM. O(1) plus the vhost list.
 */
MEMDEV_API int memdev_space_create(const memdev_config *cfg, const memdev_allocator *alloc,
                                   memdev_space **out);
/* Releases every resource of the space. NULL is accepted. O(n). */
MEMDEV_API void memdev_space_destroy(memdev_space *sp);

/* ---------------------------------------------------------------------------------------- */
/* Devices (spec sections 2 and 3)                                                          */

typedef enum memdev_kind {
    MEMDEV_DIMM = 0,
    MEMDEV_NVDIMM,
    MEMDEV_VIRTIO_PMEM,
    MEMDEV_VIRTIO_MEM,
    MEMDEV_HV_BALLOON,
    MEMDEV_KIND_COUNT
} memdev_kind;

/* "dimm", "nvdimm", "virtio-pmem", "virtio-mem", "hv-balloon"; NULL for others. */
MEMDEV_API const char *memdev_kind_name(memdev_kind kind);
/* Returns 1 and sets *kind when name is a kind name, else 0. */
MEMDEV_API int memdev_kind_from_name(const char *name, memdev_kind *kind);

/* Which optional fields of a memdev_device_desc are present. */
enum memdev_field {
    MEMDEV_F_ADDR = 1u << 0,      /* fixed address (a "hint") */
    MEMDEV_F_SLOT = 1u << 1,      /* explicit DIMM slot */
    MEMDEV_F_BLOCK = 1u << 2,     /* virtio-mem block size (default 2 MiB) */
    MEMDEV_F_REQUESTED = 1u << 3, /* virtio-mem requested size (default 0) */
    MEMDEV_F_LABEL = 1u << 4,     /* nvdimm label size (default 0) */
    MEMDEV_F_DYNAMIC = 1u << 5,   /* virtio-mem dynamic-memslots (value in `dynamic`) */
    MEMDEV_F_EMPTY = 1u << 6,     /* hv-balloon without a backend */
    MEMDEV_F_NODE = 1u << 7,      /* NUMA node (informational) */
    MEMDEV_F_MEMDEV = 1u << 8     /* backend name (informational) */
};

#define MEMDEV_DEFAULT_ALIGN (2ull << 20)
#define MEMDEV_DEFAULT_BLOCK (2ull << 20)

/*
 * What a VMM asks to plug. `fields` says which optional fields are present; giving a field
 * the kind does not take is MEMDEV_EINVAL even when its value is 0 (spec check 0). Strings
 * are copied. For an empty hv-balloon, size and align are ignored.
 */
typedef struct memdev_device_desc {
    const char *id; /* 1..MEMDEV_MAX_ID_LEN bytes, unique among plugged devices */
    memdev_kind kind;
    uint64_t size;   /* region size (nvdimm: including the label) */
    uint64_t align;  /* region alignment, a power of two */
    uint32_t fields; /* MEMDEV_F_* */
    uint64_t addr;
    uint32_t slot;
    uint64_t block;
    uint64_t requested;
    uint64_t label;
    bool dynamic;
    uint32_t node;
    const char *memdev; /* NULL allowed */
} memdev_device_desc;

typedef struct memdev_plug_result {
    uint64_t addr;     /* placed address (0 for an empty device) */
    int32_t slot;      /* DIMM slot, or -1 */
    uint32_t memslots; /* memslot count n (0 for an empty device) */
    bool empty;
} memdev_plug_result;

/*
 * Plugs a device: checks 0..9 of spec section 3 in that order, the first failure is returned;
 * on success the device is placed (first fit, or at the hint), counted and its initial
 * memslots mapped. Errors: every plug code of spec section 3, MEMDEV_ENOMEM (also when
 * MEMDEV_MAX_DEVICES devices are plugged already, or when more plugged ids than the id table
 * keeps together share the new id's buckets: in practice 33 ids of one 32-bit hash, which no
 * accident makes).
 * out may be NULL. O(log n) for the alignments with exact per-node summaries; any other
 * power of two is searched exactly without building anything (no O(n) step, ever).
 */
MEMDEV_API int memdev_plug(memdev_space *sp, const memdev_device_desc *desc,
                           memdev_plug_result *out);

/*
 * Unplugs a device: MEMDEV_EUNKNOWNID, MEMDEV_ENOTUNPLUGGABLE (nvdimm, virtio-pmem,
 * hv-balloon), MEMDEV_EBUSY (virtio-mem with plugged blocks or requested size > 0).
 * O(log n).
 */
MEMDEV_API int memdev_unplug(memdev_space *sp, const char *id);

/*
 * virtio-mem guest request: plug (plug = true) or unplug the blocks [offset, offset + len) of
 * the device (spec section 5). Errors: MEMDEV_EUNKNOWNID, MEMDEV_EINVAL (not a virtio-mem),
 * MEMDEV_EREMAPRANGE, MEMDEV_EREMAPLIMIT (plug only), MEMDEV_EREMAPSTATE, MEMDEV_ENOMEM.
 * O(log e + m): e the device's plugged extents (a B+tree), m the memslots the range touches.
 */
MEMDEV_API int memdev_vmem_request(memdev_space *sp, const char *id, bool plug, uint64_t offset,
                                   uint64_t len);

/* Changes a virtio-mem device's requested size. MEMDEV_EUNKNOWNID, MEMDEV_EINVAL. O(1). */
MEMDEV_API int memdev_vmem_resize(memdev_space *sp, const char *id, uint64_t requested);

/*
 * hv-balloon: maps (map = true) or unmaps memslot `index`. MEMDEV_EUNKNOWNID, MEMDEV_EINVAL
 * (not an hv-balloon, or empty), MEMDEV_EREMAPRANGE, MEMDEV_EREMAPSTATE. O(1).
 */
MEMDEV_API int memdev_balloon_map(memdev_space *sp, const char *id, uint32_t index, bool map);

/*
 * Adds a vhost backend. MEMDEV_EINVAL (other > max), MEMDEV_EVHOSTCONFLICT (spec section 4),
 * MEMDEV_ENOMEM. O(1) amortised.
 */
MEMDEV_API int memdev_vhost_add(memdev_space *sp, memdev_limit limit);

/* ---------------------------------------------------------------------------------------- */
/* Queries (spec section 7)                                                                 */

typedef struct memdev_lookup_result {
    bool found;
    const char *id;   /* valid until the next call that changes the space */
    uint64_t addr;    /* device start */
    uint64_t offset;  /* gpa - addr */
    uint32_t memslot; /* memslot index containing gpa */
    bool mapped;      /* whether that memslot is mapped */
} memdev_lookup_result;

/* Translates a guest-physical address. Always returns 0. O(log n), no allocation. */
MEMDEV_API int memdev_lookup(const memdev_space *sp, uint64_t gpa, memdev_lookup_result *out);

/*
 * The address first fit would return now for (size, align), without plugging (budget and
 * slots are not considered). MEMDEV_EINVAL (size 0, align not a power of two),
 * MEMDEV_ETOOBIG, MEMDEV_EFRAGMENTED. O(log n).
 */
MEMDEV_API int memdev_free(memdev_space *sp, uint64_t size, uint64_t align, uint64_t *addr);

typedef struct memdev_stats {
    uint64_t used_size;    /* sum of plugged region sizes (budgeted) */
    uint64_t plugged_size; /* memory actually given to the guest (spec section 7) */
    uint64_t budget;
    uint32_t required; /* memslots required by plugged devices */
    uint32_t used;     /* memslots mapped */
    uint32_t reserved; /* required - used */
    bool has_kvm;
    uint32_t kvm_free; /* kvm.max - kvm.other - used, when has_kvm */
    uint32_t n_vhost;
    uint32_t vhost_free; /* minimum over vhost backends, when n_vhost > 0 */
    uint32_t devices;    /* plugged devices, empty ones included */
    uint32_t dimm_slots_used;
    uint64_t largest_gap; /* largest free range of the window, in bytes */
} memdev_stats;

/* Counters of the space. Always returns 0. O(1). */
MEMDEV_API int memdev_stats_get(const memdev_space *sp, memdev_stats *out);

typedef struct memdev_device_info {
    const char *id; /* valid until the next call that changes the space */
    memdev_kind kind;
    bool empty;
    uint64_t addr;
    uint64_t size;           /* region size: placed and budgeted (nvdimm: without label) */
    uint64_t requested_size; /* the size asked for at plug (nvdimm: with label) */
    uint64_t align;          /* placement alignment */
    int32_t slot;            /* DIMM slot or -1 */
    uint32_t memslots;       /* n */
    uint64_t memslot_size;   /* size of memslot 0 (last may be shorter) */
    uint32_t mapped;         /* memslots mapped */
    bool decided;            /* memslot count decided at plug (dynamic) */
    uint64_t block;          /* virtio-mem */
    uint64_t requested;      /* virtio-mem requested size */
    uint64_t plugged;        /* bytes plugged (spec section 7) */
    uint64_t label;          /* nvdimm */
    bool has_node;
    uint32_t node;      /* 0 when not given */
    const char *memdev; /* NULL when not given */
} memdev_device_info;

/* Information about one plugged device. MEMDEV_EUNKNOWNID. O(1). */
MEMDEV_API int memdev_device_get(const memdev_space *sp, const char *id, memdev_device_info *out);

/*
 * Calls fn for every plugged device in list order (empty devices in plug order, then by
 * address); stops early and returns fn's value when fn returns non-zero, else returns 0.
 * The space must not be changed from fn. O(n).
 */
typedef int (*memdev_visit_fn)(void *ctx, const memdev_device_info *info);
MEMDEV_API int memdev_foreach(const memdev_space *sp, memdev_visit_fn fn, void *ctx);

/* Whether memslot `index` of a device is mapped: MEMDEV_EUNKNOWNID, MEMDEV_EREMAPRANGE. O(1). */
MEMDEV_API int memdev_memslot_mapped(const memdev_space *sp, const char *id, uint32_t index,
                                     bool *mapped);

/*
 * Whether every block of a virtio-mem device in [offset, offset + len) is plugged (*state = 1),
 * none is (*state = 0) or some are (*state = 2). MEMDEV_EUNKNOWNID, MEMDEV_EINVAL (not a
 * virtio-mem), MEMDEV_EREMAPRANGE. O(log e + k), k the plugged extents inside the range.
 */
MEMDEV_API int memdev_vmem_state(const memdev_space *sp, const char *id, uint64_t offset,
                                 uint64_t len, int *state);

/*
 * Writes the device list as QMP query-memory-devices JSON (spec section 7) into buf (cap
 * bytes, NUL-terminated when cap > 0) and the full length (without NUL) into *len.
 * Returns MEMDEV_EINVAL when cap is too small (buf then holds a truncated prefix). O(n).
 */
MEMDEV_API int memdev_info_json(const memdev_space *sp, char *buf, size_t cap, size_t *len);

/*
 * A 64-bit hash of the logical state: configuration, counters, every device with all its
 * fields, slots, memslot states and plugged blocks. Two spaces with the same logical state
 * have the same digest; internal caches (alignment classes, node layout) are not included.
 * O(n + extents).
 */
MEMDEV_API uint64_t memdev_digest(const memdev_space *sp);

/*
 * Recomputes every cached summary and checks every invariant of spec section 8 that the
 * state alone determines. Returns 0, or MEMDEV_EINVARIANT with the first violation described
 * in words in msg (cap bytes, may be NULL/0). On 0, msg holds "" (when cap > 0; a buffer of
 * cap 0 is never written). O(n log n).
 */
MEMDEV_API int memdev_validate(const memdev_space *sp, char *msg, size_t cap);

/*
 * Bytes of memory the space holds now (its structures' capacity, strings, memslot arrays and
 * extents), for sizing and for the benchmarks' bytes-per-device figure. O(n).
 */
MEMDEV_API size_t memdev_memory_bytes(const memdev_space *sp);

/*
 * Detail of the last failed call on this space ("conflict with device 'd1' at 0x..."), or ""
 * after a success. Diagnostic only; not part of the logical state.
 */
MEMDEV_API const char *memdev_last_error(const memdev_space *sp);

/*
 * Upper bound on the alignment classes the window tree keeps exact per-node summaries for
 * (today 7 fixed ones: 1 B, 4 KiB, 1 MiB, 2 MiB, 128 MiB, 1 GiB, 32 GiB). Other alignments
 * need no class: first fit answers them exactly from those summaries and a start mask.
 */
#define MEMDEV_MAX_CLASSES 8

#ifdef __cplusplus
}
#endif

#endif /* MEMDEV_H */
