/* SPDX-License-Identifier: MIT */
/*
 * test_trace_oom.c - the trace runner when the C library's allocator fails. This test is
 * linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc, so every allocation of the
 * runner, its parser and text buffer, the lock-step checker, the reference model and the
 * library's default allocator goes through the wrappers below (the C library's own
 * allocations, fopen's for one, do not). A trace file that makes every one of them allocate
 * (a file longer than the first read buffer, a line longer than the parser's first line
 * buffer, two 250-byte ids whose `list` lines outgrow the formatter's stack buffer, devices of
 * every kind, virtio-mem requests, a `list` and a `stats` block longer
 * than the text buffer's first 256 bytes, an `info` block longer than the runner's 512-byte
 * stack buffer) runs through trace_run_file with allocation k failing, for k = 1, 2, ...
 * until a run fails none; in plain mode and in check mode.
 *
 * Each run must tell the truth about what it could do:
 * - a run in which no allocation failed gives the output and status of a run without the
 *   wrappers (the reference);
 * - a run with status 0 printed a result line for every operation of the trace (a result
 *   may be `error no-memory`, the library's own answer when its allocation failed, and the
 *   rest of the run then differs from the reference), and printed nothing on the error sink;
 * - every other run ends with status 2 and says "out of memory" or "Cannot allocate memory"
 *   on the error sink: the runner's own buffers, or (check mode) the checker's, the
 *   reference model's included;
 * - no run ends with status 1: that is a finding, and the library did nothing wrong here (in
 *   check mode its no-memory answer is accepted when its allocator did refuse, as for an
 *   injected failure: nothing changed, and the model skips the operation);
 * and nothing may crash or leak (the asan preset runs this test with the leak sanitizer).
 * Before this test, a failed growth of the runner's text buffer cut the output short and
 * still returned status 0, and in check mode every such failure was reported as a
 * divergence of the library from the model.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "trace.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static long calls, fail_at; /* the fail_at-th call fails (0: none) */
static bool injected;

/* The next allocations: count them from 1 again, and fail the k-th (0: none). */
static void fail_from_now(long k) {
    calls = 0;
    injected = false;
    fail_at = k;
}

static bool fail_now(void) {
    if (++calls != fail_at)
        return false;
    injected = true;
    return true;
}

void *__wrap_malloc(size_t n) {
    return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size) {
    return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n) {
    return fail_now() ? NULL : __real_realloc(p, n);
}

/* Output of one run, in static buffers (a heap buffer here would count as a call). */
static struct check_text out, err, ref_out;

/* Lines that start with "N: ": one per operation of the trace (blocks add indented lines). */
static size_t result_lines(const char *s) {
    size_t n = 0;
    for (const char *p = s; *p;) {
        const char *q = p;
        while (*q >= '0' && *q <= '9')
            q++;
        n += q > p && q[0] == ':' && q[1] == ' ';
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        p = nl + 1;
    }
    return n;
}

static const char *trace_path;

/* The trace file: every allocation site of the run, and more than 8 KiB in all. */
static void write_trace(const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs("# trace for test_trace_oom\n", f);
    /* the file outgrows the first read buffer (4 KiB) and its double */
    for (int i = 0; i < 40; i++)
        fprintf(f, "# padding line %02d: %0200d\n", i, 0);
    fputs("space base=4G size=64G budget=48G slots=4 kvm=64/4\n", f);
    fputs("vhost-add 60/2\n", f);
    /* two ids of 250 bytes, the first devices listed: each `list` line is longer than
       sb_addf's 256-byte stack buffer, and the second is what grows the text buffer */
    fprintf(f, "plug %0250d virtio-pmem size=128M align=2M\n", 7);
    fprintf(f, "plug %0250d virtio-pmem size=128M align=2M\n", 8);
    for (int i = 0; i < 3; i++)
        fprintf(f, "plug dimm%d dimm size=1G align=2M node=%d\n", i, i);
    fputs("plug nv0 nvdimm size=2G align=2M label=128K\n", f);
    fputs("plug pm0 virtio-pmem size=512M align=2M memdev=mem-backend-with-a-long-name\n", f);
    fputs("plug vm0 virtio-mem size=4G align=2M block=2M requested=1G\n", f);
    fputs("plug vm1 virtio-mem size=2G align=2M block=2M requested=1G dynamic-memslots=on\n", f);
    fputs("plug hv0 hv-balloon empty\n", f);
    fputs("plug a-device-id-much-longer-than-fifteen-bytes virtio-pmem size=256M align=2M"
          "                                                                          "
          "   # a line longer than the parser's first 128 bytes\n",
          f);
    fputs("vmem vm0 plug 0 64M\nvmem vm0 plug 128M 64M\nvmem vm0 unplug 0 2M\n", f);
    fputs("vmem vm1 plug 0 512M\nvmem vm1 plug 1G 6M\n", f);
    fputs("lookup 0x100000000\nlookup 0x140000000\nfree 1G align=1G\n", f);
    fputs("unplug dimm1\nplug dimm3 dimm size=512M align=2M\n", f);
    fputs("list\nstats\ninfo\n", f);
    fputs("unplug dimm0\nunplug dimm2\nstats\n", f);
    if (fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

static int run(bool check) {
    out.len = err.len = 0;
    out.s[0] = err.s[0] = '\0';
    struct trace_options opt = {0};
    opt.out = check_text_out;
    opt.out_ctx = &out;
    opt.err = check_text_out;
    opt.err_ctx = &err;
    opt.check = check;
    return trace_run_file(trace_path, &opt);
}

static void sweep(bool check) {
    const char *mode = check ? "check" : "plain";
    fail_at = 0;
    int ref_status = run(check);
    CHECK_RC(ref_status, TRACE_STATUS_OK);
    if (err.len)
        fprintf(stderr, "%s: the reference run wrote errors:\n%s", mode, err.s);
    CHECK(err.len == 0);
    ref_out = out;
    CHECK(ref_out.len < sizeof ref_out.s - 1); /* the whole output fits: nothing compared is cut */
    size_t ref_lines = result_lines(ref_out.s);
    /* the trace reaches what it is meant to: an info block (up to the next result line)
       past the runner's 512-byte buffer */
    CHECK(ref_lines >= 25);
    const char *info = strstr(ref_out.s, ": info\n  [{"), *info_end = info;
    while (info_end && *info_end &&
           !(info_end[0] == '\n' && info_end[1] >= '0' && info_end[1] <= '9'))
        info_end++;
    CHECK(info && info_end - info > 512);
    if (strstr(ref_out.s, "error"))
        fprintf(stderr, "%s: the reference run has an error result:\n%s", mode, ref_out.s);
    CHECK(strstr(ref_out.s, "error") == NULL);

    long k;
    unsigned ok_runs = 0, tool_errors = 0, divergences = 0;
    for (k = 1; k < 100000; k++) {
        fail_from_now(k);
        int st = run(check);
        fail_at = 0;
        if (!injected) {
            /* no allocation failed: the run is the reference */
            CHECK_RC(st, ref_status);
            CHECK(out.len == ref_out.len && memcmp(out.s, ref_out.s, out.len) == 0);
            CHECK(err.len == 0);
            break;
        }
        bool good;
        if (st == TRACE_STATUS_OK) {
            ok_runs++;
            good = err.len == 0 && result_lines(out.s) == ref_lines &&
                   strstr(out.s, "error no-memory") != NULL;
        } else if (st == TRACE_STATUS_MALFORMED) {
            tool_errors++;
            good = strstr(err.s, "out of memory") != NULL ||
                   strstr(err.s, "Cannot allocate memory") != NULL;
        } else {
            divergences++; /* status 1 is a finding: the library did nothing wrong here */
            good = false;
        }
        if (!good)
            fprintf(stderr,
                    "%s mode, allocation %ld failing: status %d, %zu of %zu result lines\n"
                    "--- output\n%s--- errors\n%s---\n",
                    mode, k, st, result_lines(out.s), ref_lines, out.s, err.s);
        CHECK(good);
    }
    CHECK(k < 100000);
    printf("%s mode: %ld allocations; status 0 with a no-memory result %u, status 2 %u, "
           "divergences %u\n",
           mode, k - 1, ok_runs, tool_errors, divergences);
    /* the sweep reached the runner's own buffers and the library's allocations both */
    CHECK(ok_runs > 0 && tool_errors > 0);
}

/*
 * A caller that wants no messages: trace_run_buffer with no options, and with options whose
 * error sink is NULL, when its first allocation (the runner) fails: status 2 and nothing
 * called (a mutation sample found `opt && opt->err` could become `opt || opt->err`, a call
 * through a null pointer no run above makes).
 */
static void quiet_callers(void) {
    static const char text[] = "space base=4G size=16G\n";
    fail_from_now(1);
    CHECK_RC(trace_run_buffer("quiet", text, sizeof text - 1, NULL), TRACE_STATUS_MALFORMED);
    CHECK(injected);
    struct trace_options opt = {0};
    opt.out = check_text_out;
    opt.out_ctx = &out;
    out.len = 0;
    out.s[0] = '\0';
    fail_from_now(1);
    CHECK_RC(trace_run_buffer("quiet", text, sizeof text - 1, &opt), TRACE_STATUS_MALFORMED);
    CHECK(injected && out.len == 0);
    fail_from_now(0);
}

int main(void) {
    static char path[256];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/memdev-test-trace-oom-%ld.trace", dir && *dir ? dir : "/tmp",
             (long)getpid());
    trace_path = path;
    write_trace(path);
    sweep(false);
    sweep(true);
    quiet_callers();
    remove(path);
    return check_report("test_trace_oom");
}
