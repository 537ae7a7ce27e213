/* SPDX-License-Identifier: MIT */
/*
 * test_trace_target.c - the trace target's own checks (fuzz/fuzz_trace.c), which only a
 * library bug sets off, so no seed reaches them on a correct library. The target is linked
 * with two library calls wrapped (-Wl,--wrap=memdev_space_destroy,--wrap=memdev_stats_get)
 * and run in a child process on a small trace, once per lie:
 *
 *   truth     nothing is reported, the child returns
 *   leak      memdev_space_destroy frees nothing: "SIGNATURE: leak end", with the block count
 *   stats     memdev_stats_get counts one device too many once the space has a device: the
 *             checker's divergence, signed with the check and the operation where it shows
 *             (the plug, not "end"), and the runner's report of it on stderr (the target runs
 *             the input again, loud, to show it)
 *
 * A mutation sample of fuzz/fuzz_trace.c (round 26) found the leak check, the loud run's
 * stderr and the operation's name in the signature could each go without a failing test.
 *
 * The same leak under the ops and oom targets' harness (fuzz/harness.c, harness_run on an ops
 * input of one plug), whose own leak check runs after the space is destroyed: "SIGNATURE: leak
 * end" too (a mutation sample, round 47, dropped the op name "end" from that report, and
 * its signature became "leak (null)", not the "leak end" harness.h documents).
 */
#include <stdint.h>

#include "check.h"
#include "harness.h"
#include "memdev.h"
#include "run_child.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum lie { TRUTH, LEAK, STATS };
static enum lie lie;

void __real_memdev_space_destroy(memdev_space *sp);
void __wrap_memdev_space_destroy(memdev_space *sp);
void __wrap_memdev_space_destroy(memdev_space *sp) {
    if (lie != LEAK)
        __real_memdev_space_destroy(sp);
}

int __real_memdev_stats_get(const memdev_space *sp, memdev_stats *st);
int __wrap_memdev_stats_get(const memdev_space *sp, memdev_stats *st);
int __wrap_memdev_stats_get(const memdev_space *sp, memdev_stats *st) {
    int rc = __real_memdev_stats_get(sp, st);
    if (rc == 0 && lie == STATS && st->devices > 0)
        st->devices++;
    return rc;
}

static const char trace[] = "space base=4G size=16G budget=16G slots=2\n"
                            "plug d0 dimm size=1G\n"
                            "lookup 0x100000000\n";

static void run_target(void *arg) {
    lie = *(const enum lie *)arg;
    LLVMFuzzerTestOneInput((const uint8_t *)trace, sizeof trace - 1);
}

/* an ops input (fuzz/program.c) */
static const uint8_t ops_input[] = {0x22, 0, 0, 0, 0, 0, 0, 0,
                                    0,    0, 0, 0, 0, 0, 0, 0,  /* 1 GiB at 4 GiB, budget all */
                                    0x00, 0, 3, 0, 0, 0, 0, 0}; /* plug a virtio-mem of 2 MiB */

static void run_harness(void *arg) {
    lie = *(const enum lie *)arg;
    harness_run(ops_input, sizeof ops_input, NULL, PROGRAM_OPS);
}

static void expect(enum lie l, const char *name, const char *signature, const char *also) {
    expect_child(name, run_target, &l, signature, also);
}

int main(void) {
    expect(TRUTH, "truth", NULL, NULL);
    expect(LEAK, "leak", "leak end", "blocks still allocated");
    expect(STATS, "stats", "stats plug", "DIVERGENCE (stats)");
    enum lie l = TRUTH;
    expect_child("harness truth", run_harness, &l, NULL, NULL);
    l = LEAK;
    expect_child("harness leak", run_harness, &l, "leak end",
                 "blocks still allocated after memdev_space_destroy");
    return check_report("test_trace_target");
}
