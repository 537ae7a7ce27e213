# SPDX-License-Identifier: MIT
"""benchstore.py - measuring memdev_bench at a commit and keeping the figures in a small
results store keyed by commit, shared by bench/history and bench/bisect: a second run (or a
bisection over commits a history already measured) only measures what is missing.

A commit is built in a git worktree (bench/lib.sh build_rev, cached under
build/bench-history/, removed after measuring unless --keep-builds) with THIS checkout's
bench/ (same scenarios at every commit); when that does not build, with the commit's own
bench/ ("own" harness, marked in every report: its figures may not be comparable); when
neither builds, the commit is recorded as not measurable with the reason, and reported.

Measures:
  instr  one valgrind callgrind run per benchmark, counting only inside the timed step
         functions (--toggle-collect=step_*), K operations; instructions per operation.
         Deterministic: one run per commit is the figure, on any machine load.
  time   memdev_bench with R repetitions of at least S seconds, pinned to one core; the
         median CPU ns per operation (noisy between runs minutes apart: a trend only).
Each benchmark runs alone with only its own size (--memdev_sizes=N), so its figure does not
depend on which other benchmarks or sizes a run asked for.

Store layout (default out/bench/store; --store DIR or BENCH_STORE):
  STORE/<measure>-<key>/key.json     what the key covers (harness hash, tool versions, K or
                                     S and R): figures under one key are comparable
  STORE/<measure>-<key>/<commit>.json {"commit", "subject", "harness": current|own,
      "results": {name: figure}, "skipped": {name: why}, "lists": {"FILTER SIZES": [names]},
      "failed": why or null, "log": [last build lines]}
"""
import glob
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))


def git(root, *args, check=True):
    res = subprocess.run(["git", "-C", root] + list(args), capture_output=True, text=True)
    if check and res.returncode != 0:
        raise RuntimeError("git %s: %s" % (" ".join(args), res.stderr.strip()))
    return res.stdout.strip() if res.returncode == 0 else None


def repo_root():
    return git(BENCH_DIR, "rev-parse", "--show-toplevel")


def resolve(root, rev):
    """Full commit id of rev, or None."""
    return git(root, "rev-parse", "--verify", "--quiet", rev + "^{commit}", check=False)


def subject(root, sha):
    return git(root, "log", "-1", "--format=%s", sha)


def first_parent_range(root, good, bad):
    """Commits after good up to bad on bad's first-parent line, oldest first; None when good
    is not on that line."""
    line = git(root, "rev-list", "--first-parent", bad).split()
    if good not in line:
        return None
    return list(reversed(line[:line.index(good)]))


def harness_hash():
    """Hash of this checkout's benchmark build inputs (what makes the figures comparable)."""
    h = hashlib.sha1()
    for dirpath, dirs, files in sorted(os.walk(BENCH_DIR)):
        dirs[:] = sorted(d for d in dirs if d not in ("tests", "results", "__pycache__"))
        for f in sorted(files):
            if f.endswith((".c", ".cc", ".h", ".cmake")) or f == "CMakeLists.txt":
                p = os.path.join(dirpath, f)
                h.update(os.path.relpath(p, BENCH_DIR).encode() + b"\0")
                with open(p, "rb") as fh:
                    h.update(fh.read())
    return h.hexdigest()[:10]


def tool_versions():
    out = {}
    for name, cmd in (("valgrind", ["valgrind", "--version"]), ("cc", ["cc", "-dumpfullversion"]),
                      ("c++", ["c++", "-dumpfullversion"])):
        try:
            out[name] = subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        except OSError:
            out[name] = "missing"
    return out


def need_packages(pkgs):
    """.ci/packages.sh's memdev_need (apt-get on a fresh Debian machine); False on failure."""
    root = repo_root()
    return subprocess.run(["bash", "-c", '. "$1/.ci/packages.sh" && shift && memdev_need "$@"',
                           "_", root] + list(pkgs)).returncode == 0


class Store:
    def __init__(self, path, measure, settings):
        """measure: 'instr' or 'time'; settings: dict of what else the figures depend on."""
        desc = {"measure": measure, "harness": harness_hash(), "tools": tool_versions()}
        desc.update(settings)
        key = hashlib.sha1(json.dumps(desc, sort_keys=True).encode()).hexdigest()[:10]
        self.dir = os.path.join(path, "%s-%s" % (measure, key))
        os.makedirs(self.dir, exist_ok=True)
        kpath = os.path.join(self.dir, "key.json")
        if not os.path.exists(kpath):
            self._write(kpath, desc)
        self.desc = desc

    @staticmethod
    def _write(path, doc):
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, indent=1, sort_keys=True)
        os.replace(tmp, path)

    def load(self, sha):
        try:
            with open(os.path.join(self.dir, sha + ".json")) as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    def save(self, entry):
        self._write(os.path.join(self.dir, entry["commit"] + ".json"), entry)


def _reason(lines):
    """One line saying why a build failed, from the tail of its log."""
    for pat in (r"error:", r"Error", r"CMake Error", r"fatal"):
        for line in lines:
            if re.search(pat, line):
                return re.sub(r"^.*?/src/", "", line.strip())[:200]
    return (lines[-1].strip() if lines else "unknown error")[:200]


class Measurer:
    """Builds and measures commits into a Store. log(text) prints progress."""

    def __init__(self, store, measure, iterations=1000, min_time=0.05, repetitions=3,
                 keep_builds=False, retry_failed=False, jobs=2, log=print, prog="bench"):
        self.root = repo_root()
        self.store, self.measure = store, measure
        self.iterations, self.min_time, self.repetitions = iterations, min_time, repetitions
        self.keep, self.retry, self.jobs = keep_builds, retry_failed, jobs
        self.log, self.prog = log, prog
        self.cache = os.environ.get("BENCH_HISTORY_CACHE",
                                    os.path.join(self.root, "build", "bench-history"))
        self.builds = 0  # commits built by this process (bisect reports it)

    # -- building -------------------------------------------------------------------------
    def _build(self, harness, sha):
        """(build dir, None) or (None, log lines)."""
        env = dict(os.environ, BENCH_REV_CACHE=self.cache, BENCH_JOBS=str(self.jobs))
        res = subprocess.run(
            ["bash", "-c", 'source "$1" && build_rev "$2" "$3" memdev_bench',
             self.prog, os.path.join(BENCH_DIR, "lib.sh"), harness, sha],
            capture_output=True, text=True, env=env)
        if res.returncode == 0 and res.stdout.strip():
            return res.stdout.strip().splitlines()[-1], None
        return None, (res.stderr or res.stdout).splitlines()[-30:]

    def _drop(self, build_dir):
        if self.keep or not build_dir:
            return
        top = os.path.dirname(build_dir)
        subprocess.run(["git", "-C", self.root, "worktree", "remove", "--force",
                        os.path.join(top, "src")], capture_output=True)
        shutil.rmtree(top, ignore_errors=True)

    def _drop_failed(self, sha):
        if self.keep:
            return
        for top in glob.glob(os.path.join(self.cache, sha + "-*")):
            self._drop(os.path.join(top, "build"))

    # -- measuring ------------------------------------------------------------------------
    def _list(self, binary, filt, sizes):
        """The benchmarks filt selects, SCENARIO/BACKEND/N. Listed without --memdev_iterations
        in both measures: with it, google-benchmark matches filt against .../iterations:K,
        so '^churn/memdev/1024$' selected nothing for instructions and one for time."""
        args = [binary, "--benchmark_filter=" + filt, "--benchmark_list_tests=true"]
        if sizes:
            args.append("--memdev_sizes=" + sizes)
        res = subprocess.run(args, capture_output=True, text=True)
        if res.returncode != 0:
            return None
        return [re.sub(r"/iterations:[0-9]+$", "", n) for n in res.stdout.split()
                if not n.startswith("Failed")]

    def _instr(self, binary, name, work):
        """(instructions per operation, None) or (None, why)."""
        n = name.rsplit("/", 1)[-1]
        tag = re.sub(r"[^A-Za-z0-9]", "_", name)
        cg, js = os.path.join(work, tag + ".cg"), os.path.join(work, tag + ".json")
        res = subprocess.run(
            ["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=step_*",
             "--callgrind-out-file=" + cg, binary, "--memdev_sizes=" + n,
             "--memdev_iterations=%d" % self.iterations,
             "--benchmark_filter=^%s(/.*)?$" % name, "--benchmark_out=" + js,
             "--benchmark_out_format=json"], capture_output=True, text=True)
        if res.returncode != 0:
            return None, "valgrind run failed (exit %d): %s" % (
                res.returncode, _reason(res.stderr.splitlines()))
        try:
            with open(js) as fh:
                runs = [b for b in json.load(fh)["benchmarks"]
                        if b.get("run_type", "iteration") == "iteration"]
            with open(cg) as fh:
                ir = int(re.search(r"^totals:\s+([0-9]+)", fh.read(), re.M).group(1))
        except (OSError, ValueError, KeyError, AttributeError):
            return None, "no result from the valgrind run"
        if not runs:
            return None, "did not run"
        if runs[0].get("error_occurred"):
            return None, runs[0].get("error_message", "error")
        ops = runs[0]["iterations"] * runs[0].get("ops_per_step", 1)
        return ir / ops, None

    def _time(self, binary, names, work):
        """{name: (median ns/op, None) or (None, why)} for names, one run of the binary."""
        out = {}
        js = os.path.join(work, "time.json")
        sizes = sorted({n.rsplit("/", 1)[-1] for n in names}, key=int)
        filt = "^(%s)$" % "|".join(re.escape(n).replace("\\/", "/") for n in names)
        cpu = os.environ.get("BENCH_CPU", str(os.cpu_count() - 1))
        res = subprocess.run(
            ["taskset", "-c", cpu, binary, "--benchmark_filter=" + filt,
             "--memdev_sizes=" + ",".join(sizes),
             "--benchmark_repetitions=%d" % self.repetitions,
             "--benchmark_min_time=%g" % self.min_time, "--benchmark_out=" + js,
             "--benchmark_out_format=json"], capture_output=True, text=True)
        samples, errors = {}, {}
        try:
            with open(js) as fh:
                for b in json.load(fh)["benchmarks"]:
                    if b.get("run_type") != "iteration":
                        continue
                    key = re.sub(r"/(iterations|min_time|repeats):.*$", "", b["run_name"])
                    if b.get("error_occurred"):
                        errors[key] = b.get("error_message", "error")
                    elif b.get("time_per_op"):
                        samples.setdefault(key, []).append(b["time_per_op"] * 1e9)
        except (OSError, ValueError, KeyError):
            pass
        for n in names:
            if n in samples:
                out[n] = (statistics.median(samples[n]), None)
            else:
                out[n] = (None, errors.get(n) or "memdev_bench failed (exit %d)" % res.returncode)
        return out

    def ensure(self, sha, filt, sizes=""):
        """The store entry of sha with every benchmark of filt (and sizes) measured: builds
        and measures only what is missing. entry["failed"] says why a commit is not measured."""
        entry = self.store.load(sha) or {
            "commit": sha, "subject": subject(self.root, sha), "harness": None,
            "results": {}, "skipped": {}, "lists": {}, "failed": None, "log": []}
        lkey = "%s %s" % (filt, sizes)
        if entry["failed"] and not self.retry:
            return entry
        if lkey in entry["lists"] and all(n in entry["results"] or n in entry["skipped"]
                                          for n in entry["lists"][lkey]):
            return entry
        t0 = time.time()
        order = [entry["harness"]] if entry["harness"] else ["current", "own"]
        build_dir, logs = None, []
        for harness in order:
            build_dir, lines = self._build(harness, sha)
            if build_dir:
                entry["harness"] = harness
                break
            logs.append("[%s bench/] %s" % (harness, _reason(lines or [])))
            entry["log"] = lines or []
        self.builds += 1
        if not build_dir:
            whys = [w.split("] ", 1)[1] for w in logs]
            entry["failed"] = ("build failed with this checkout's bench/ and its own: " + whys[0]
                               if len(whys) == 2 and whys[0] == whys[1]
                               else "build failed: " + "; ".join(logs))
            self.store.save(entry)
            self._drop_failed(sha)
            return entry
        entry["failed"] = None
        binary = os.path.join(build_dir, "bench", "memdev_bench")
        names = self._list(binary, filt, sizes)
        if names is None:
            entry["failed"] = "memdev_bench does not run or does not take --memdev_* flags"
            self.store.save(entry)
            self._drop(build_dir)
            return entry
        entry["lists"][lkey] = names
        todo = [n for n in names if n not in entry["results"] and n not in entry["skipped"]]
        with tempfile.TemporaryDirectory() as work:
            if self.measure == "instr":
                got = {n: self._instr(binary, n, work) for n in todo}
            else:
                got = self._time(binary, todo, work) if todo else {}
        for n, (value, why) in got.items():
            if value is None:
                entry["skipped"][n] = why
            else:
                entry["results"][n] = value
        entry["measured"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.store.save(entry)
        self._drop(build_dir)
        self.log("    built with %s bench/, %d benchmark(s) measured in %.0f s" % (
            "this checkout's" if entry["harness"] == "current" else "its own", len(todo),
            time.time() - t0))
        return entry
