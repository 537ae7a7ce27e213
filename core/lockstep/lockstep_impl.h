/* SPDX-License-Identifier: MIT */
/*
 * lockstep_impl.h - what lockstep.c and info_json.c share, not part of the checker's API.
 */
#ifndef MEMDEV_LOCKSTEP_IMPL_H
#define MEMDEV_LOCKSTEP_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "lockstep.h"

/*
 * String equality without strcmp: the fuzz engines intercept strcmp and record every unequal
 * pair for their mutations, a cost the checker's comparisons need not pay.
 */
static inline bool ls_str_eq(const char *a, const char *b) {
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* Buffers for the info JSON, kept by a checker between checks (grown on demand). */
struct json_bufs {
    char *buf, *cut;
    size_t cap;
};

/* lockstep_check_info_json with the caller's buffers (freed by the caller); -2: out of
 * memory. */
int lockstep_info_check(const model_space *m, const memdev_space *sp, struct json_bufs *jb,
                        char *msg, size_t cap);

#endif /* MEMDEV_LOCKSTEP_IMPL_H */
