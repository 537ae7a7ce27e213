// SPDX-License-Identifier: MIT
//
// bench_main.cc - the small C++ shim between the C scenarios (bench_scenarios.c) and
// google-benchmark: it registers every scenario x backend over the scenario's sizes (one
// family per pair, so google-benchmark fits the complexity per structure), sizes a backend
// cannot reach in reasonable time are registered as skipped runs whose error says why, and
// the git revision of the build goes into the JSON context. Extra flags (before the
// --benchmark_* ones) select sizes and fix iteration counts for smoke runs and instruction
// counting; everything else is google-benchmark's.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "bench.h"
#include "bench_rev.h"

namespace {

struct options {
    long long max_n = 0;       // 0: no cap
    std::set<long long> sizes; // empty: the scenario's own sizes
    long long iterations = 0;  // 0: google-benchmark decides
    bool list = false;
};

const char usage[] =
    "usage: memdev_bench [--memdev_sizes=N,N,...] [--memdev_max_n=N]\n"
    "                    [--memdev_iterations=K] [--memdev_list] [--benchmark_* ...]\n"
    "\n"
    "Benchmarks of the memdev window tree against two baselines in the same binary: the\n"
    "reference model (QEMU's linear sweep, core/model) and a pointer-based AVL tree with\n"
    "subtree max gaps (bench/augtree.c). Names are SCENARIO/BACKEND/N.\n"
    "\n"
    "  --memdev_sizes=LIST   run only these n (comma separated) of each scenario's sizes\n"
    "  --memdev_max_n=N      run only n <= N\n"
    "  --memdev_iterations=K fixed work: K operations per benchmark (at least one step),\n"
    "                        for smoke runs and instruction counts; no complexity fit\n"
    "  --memdev_list         list the scenarios and exit\n"
    "\n"
    "Counters: ops (operations per CPU second), time_per_op (CPU seconds per operation),\n"
    "bytes_per_dev (heap bytes of the structure per device, glibc mallinfo2), ops_per_step,\n"
    "self_bytes_per_dev (the structure's own count: memdev_memory_bytes, augtree_memory),\n"
    "hook_*bytes_per_dev (memdev, churn: bytes through the allocator hook: index = window\n"
    "tree + id table, record = device records and what hangs off them, and all; plugged:\n"
    "all, once every virtio-mem device has plugged half its blocks, 1 in 4 in two extents).\n"
    "Skipped runs "
    "carry their reason as the error message. google-benchmark's own flags follow:\n\n";

bool parse_ll(const char *s, long long *out) {
    char *end = nullptr;
    long long v = std::strtoll(s, &end, 0);
    if (end == s || (*end != '\0' && *end != ','))
        return false;
    *out = v;
    return true;
}

// Removes our flags from argv; returns false (with a message) on a malformed one.
bool parse_args(int *argc, char **argv, options *o) {
    int w = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        long long v = 0;
        if (std::strncmp(a, "--memdev_sizes=", 15) == 0) {
            for (const char *p = a + 15; *p;) {
                if (!parse_ll(p, &v) || v <= 0) {
                    std::fprintf(stderr, "memdev_bench: bad size list in '%s'\n", a);
                    return false;
                }
                o->sizes.insert(v);
                const char *comma = std::strchr(p, ',');
                p = comma ? comma + 1 : p + std::strlen(p);
            }
        } else if (std::strncmp(a, "--memdev_max_n=", 15) == 0) {
            if (!parse_ll(a + 15, &o->max_n) || o->max_n <= 0) {
                std::fprintf(stderr, "memdev_bench: bad value in '%s'\n", a);
                return false;
            }
        } else if (std::strncmp(a, "--memdev_iterations=", 20) == 0) {
            if (!parse_ll(a + 20, &o->iterations) || o->iterations <= 0) {
                std::fprintf(stderr, "memdev_bench: bad value in '%s'\n", a);
                return false;
            }
        } else if (std::strcmp(a, "--memdev_list") == 0) {
            o->list = true;
        } else if (std::strncmp(a, "--memdev", 8) == 0) {
            std::fprintf(stderr, "memdev_bench: unknown option '%s' (see --help)\n", a);
            return false;
        } else {
            if (std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0)
                std::fputs(usage, stdout);
            argv[w++] = argv[i];
        }
    }
    *argc = w;
    argv[w] = nullptr;
    return true;
}

void run_one(benchmark::State &st, const bench_scenario *s, int bk) {
    const int64_t n = st.range(0);
    char err[512];
    bench_ctx *c = bench_ctx_get(s, bk, n, err, sizeof err);
    if (!c) {
        st.SkipWithError(err);
        return;
    }
    for (auto _ : st) {
        if (s->step(c) != 0) {
            st.SkipWithError(bench_ctx_error(c));
            break;
        }
        if (s->after_step) {
            st.PauseTiming();
            const int rc = s->after_step(c);
            st.ResumeTiming();
            // the untimed work between steps failed: the next step's state is not the scenario's
            if (rc != 0) {
                st.SkipWithError(bench_ctx_error(c));
                break;
            }
        }
    }
    const double ops = s->ops_per_step(n) * static_cast<double>(st.iterations());
    st.counters["ops"] = benchmark::Counter(ops, benchmark::Counter::kIsRate);
    st.counters["time_per_op"] =
        benchmark::Counter(ops, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    st.counters["bytes_per_dev"] = bench_ctx_bytes_per_device(c);
    st.counters["ops_per_step"] = s->ops_per_step(n);
    if (bench_ctx_self_bytes_per_device(c) > 0)
        st.counters["self_bytes_per_dev"] = bench_ctx_self_bytes_per_device(c);
    double idx = 0, rec = 0, total = 0, plugged = 0;
    if (bench_ctx_hook_bytes(c, &idx, &rec, &total, &plugged)) {
        st.counters["hook_index_bytes_per_dev"] = idx;
        st.counters["hook_record_bytes_per_dev"] = rec;
        st.counters["hook_bytes_per_dev"] = total;
        st.counters["hook_plugged_bytes_per_dev"] = plugged;
    }
    st.SetComplexityN(n);
}

void run_skipped(benchmark::State &st, const char *why) {
    st.SkipWithError(why);
}

void register_all(const options &o) {
    for (size_t si = 0; si < bench_nscenarios; si++) {
        const bench_scenario *s = &bench_scenarios[si];
        for (int bk = 0; bk < BK_COUNT; bk++) {
            if (s->max_n[bk] == 0)
                continue; // not applicable (the why[] text goes to --memdev_list)
            std::vector<int64_t> run, skip;
            for (size_t k = 0; k < s->nsizes; k++) {
                int64_t n = s->sizes[k];
                if ((!o.sizes.empty() && !o.sizes.count(n)) || (o.max_n && n > o.max_n))
                    continue;
                (n <= s->max_n[bk] ? run : skip).push_back(n);
            }
            std::string name = std::string(s->name) + "/" + bench_backends[bk].name;
            if (!run.empty() && o.iterations) {
                // Fixed work: about o.iterations operations per benchmark, at least one step;
                // one family per n since google-benchmark fixes iterations per family.
                for (int64_t n : run) {
                    double steps = static_cast<double>(o.iterations) / s->ops_per_step(n);
                    auto *b = benchmark::RegisterBenchmark(name.c_str(), run_one, s, bk);
                    b->Arg(n)->Iterations(steps < 1 ? 1 : static_cast<int64_t>(steps));
                }
            } else if (!run.empty() && s->iterations > 0) {
                // A state that is used up by its steps: a fixed number of steps per run.
                auto *b = benchmark::RegisterBenchmark(name.c_str(), run_one, s, bk);
                for (int64_t n : run)
                    b->Arg(n);
                b->Iterations(s->iterations);
            } else if (!run.empty()) {
                auto *b = benchmark::RegisterBenchmark(name.c_str(), run_one, s, bk);
                for (int64_t n : run)
                    b->Arg(n);
                if (run.size() >= 2)
                    b->Complexity(benchmark::oAuto);
            }
            if (!skip.empty()) {
                auto *b = benchmark::RegisterBenchmark(name.c_str(), run_skipped, s->why[bk]);
                for (int64_t n : skip)
                    b->Arg(n);
                b->Iterations(1);
            }
        }
    }
}

void list_scenarios() {
    for (size_t si = 0; si < bench_nscenarios; si++) {
        const bench_scenario *s = &bench_scenarios[si];
        std::printf("%-12s %s\n", s->name, s->what);
        std::printf("%-12s sizes:", "");
        for (size_t k = 0; k < s->nsizes; k++)
            std::printf(" %lld", static_cast<long long>(s->sizes[k]));
        std::printf("\n");
        for (int bk = 0; bk < BK_COUNT; bk++) {
            if (s->max_n[bk] == 0)
                std::printf("%-12s %s: %s\n", "", bench_backends[bk].name, s->why[bk]);
            else if (s->why[bk])
                std::printf("%-12s %s: n <= %lld, above: %s\n", "", bench_backends[bk].name,
                            static_cast<long long>(s->max_n[bk]), s->why[bk]);
        }
    }
}

} // namespace

int main(int argc, char **argv) {
    options o;
    if (!parse_args(&argc, argv, &o))
        return 2;
    if (o.list) {
        list_scenarios();
        return 0;
    }
    // Freed memory stays in the process: without this, glibc returns the top of the heap
    // to the kernel after each fill iteration and the next one pays page faults, whose
    // cost follows the machine's load (seen as +-40 % on fill at n = 1k), not the code.
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    register_all(o);
    benchmark::AddCustomContext("memdev_git_revision", MEMDEV_BENCH_GIT_REV);
    benchmark::AddCustomContext("memdev_git_dirty", MEMDEV_BENCH_GIT_DIRTY);
    benchmark::AddCustomContext("memdev_build_type", MEMDEV_BENCH_BUILD_TYPE);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    bench_ctx_release();
    return 0;
}
