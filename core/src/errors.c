/* SPDX-License-Identifier: MIT */
/*
 * errors.c - names and messages of the MEMDEV_E* codes and of the device kinds, generated from
 * the one X-macro list in memdev.h so the trace names can never drift from the enum.
 */
#include <string.h>

#include "memdev.h"

struct code_entry {
    int code;
    const char *name;
    const char *msg;
};

static const struct code_entry code_table[] = {{MEMDEV_OK, "ok", "success"},
#define MEMDEV_CODE_ENTRY_(e, v, trace, msg) {MEMDEV_##e, trace, msg},
                                               MEMDEV_ERROR_LIST(MEMDEV_CODE_ENTRY_)
#undef MEMDEV_CODE_ENTRY_
};

static const struct code_entry *find_code(int code) {
    for (size_t i = 0; i < sizeof code_table / sizeof code_table[0]; i++)
        if (code_table[i].code == code)
            return &code_table[i];
    return NULL;
}

const char *memdev_error_name(int code) {
    const struct code_entry *e = find_code(code);
    return e ? e->name : "unknown-error";
}

const char *memdev_strerror(int code) {
    const struct code_entry *e = find_code(code);
    return e ? e->msg : "unknown error";
}

int memdev_error_from_name(const char *name, int *code) {
    for (size_t i = 0; i < sizeof code_table / sizeof code_table[0]; i++) {
        if (strcmp(code_table[i].name, name) == 0) {
            *code = code_table[i].code;
            return 1;
        }
    }
    return 0;
}

static const char *const kind_names[MEMDEV_KIND_COUNT] = {
    "dimm", "nvdimm", "virtio-pmem", "virtio-mem", "hv-balloon",
};

const char *memdev_kind_name(memdev_kind kind) {
    if ((unsigned)kind >= MEMDEV_KIND_COUNT)
        return NULL;
    return kind_names[kind];
}

int memdev_kind_from_name(const char *name, memdev_kind *kind) {
    for (unsigned i = 0; i < MEMDEV_KIND_COUNT; i++) {
        if (strcmp(kind_names[i], name) == 0) {
            *kind = (memdev_kind)i;
            return 1;
        }
    }
    return 0;
}
