#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/spec/oracle.py - the spec (../shared/spec/memory-devices.md) read a third time, in
Python, and run against `memdev run` on traces.

The library and the reference model (core/model) are written in C by the same project; the
differential tests and the fuzzers compare them, so a reading of the spec that both share
cannot show there. This file is an independent reading: a plain list of devices, first fit by
the spec's brute-force oracle (the minimum over align_up(base) and align_up(end(D)) that fits),
the checks of section 3 in their order, the memslot rules of section 4 in exact integers, the
remap rules of section 5, and the decisions of README.md "Where the spec is silent". It shares
no code with core/.

Modes:
  oracle.py --memdev BIN [--seed S] [--traces N] [--ops N] [--keep DIR]
      writes N random traces (realistic boards and edge windows, every operation, valid and
      invalid requests), runs each with `memdev run` and compares every operation's result
      with the oracle's: status and error code, the placed address, slot and memslot count,
      lookups (device, offset, memslot, mapped), free addresses, the stats counters, the
      list's order and the info JSON (QMP's fields, section 7), and the exit status.
  oracle.py --memdev BIN --big [--seed S] [--traces N] [--ops N]
      random traces of one large structure each instead (gen_big): hundreds of small devices
      plugged, unplugged and plugged again, or one virtio-mem device of many extents.
  oracle.py --memdev BIN FILE.trace...
      the same comparison on existing traces (tests/traces/*.trace).
  --outcomes
      also prints how often each outcome of OUTCOMES was expected (every operation's success
      and each error code the spec gives it, successes of every kind, decided memslots, a
      hint, a slot asked for, the lookup answers, a refused space line) and exits 1 when one
      was never reached: the random traces test only the part of the spec they reach.

The first disagreement of a trace is printed with the trace's line; an operation memdev
printed no result for is one, and so is a `memdev run` that does not exit 0 on a trace the
oracle runs (a crash, a line taken as malformed) or does not exit 2 on a space line the spec
refuses. With --keep the trace is saved there. Exit status: 0 every operation agreed; 1 a
disagreement (or, with --outcomes, an outcome never reached); 2 usage error, a trace file
that cannot be read, or memdev that cannot be run.
"""
import argparse
import bisect
import json
import os
import random
import re
import subprocess
import sys
import tempfile

K, M, G, T = 1 << 10, 1 << 20, 1 << 30, 1 << 40
U64 = (1 << 64) - 1
KINDS = ("dimm", "nvdimm", "virtio-pmem", "virtio-mem", "hv-balloon")
KIND_FIELDS = {  # the kind-specific fields a kind takes (check 0)
    "dimm": {"slot"},
    "nvdimm": {"slot", "label"},
    "virtio-pmem": set(),
    "virtio-mem": {"block", "requested", "dynamic-memslots"},
    "hv-balloon": {"empty"},
}


def align_up(x, m):
    """align_up(x, m), or None where it wraps past 2^64 (spec, notation)."""
    r = (x + m - 1) // m * m
    return None if r > U64 else r


def ceil_div(a, b):
    return (a + b - 1) // b


def pow2(x):
    return x > 0 and x & (x - 1) == 0


class Err(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


class Dev:
    pass


def plugged_bytes(d):
    return sum(hi - lo for lo, hi in d.plugged)


def memslot_span(d, i):
    """Memslot i of a device: [i*s, min((i+1)*s, size)) of it (section 4; the last may be
    shorter)."""
    return i * d.mslot, min((i + 1) * d.mslot, d.size)


class Space:
    def __init__(self, base, size, budget, slots, kvm, vhosts):
        if size == 0 or base + size > 1 << 64 or slots > 256:
            raise Err("invalid-argument")
        for mx, ot in ([kvm] if kvm else []) + vhosts:
            if ot > mx:
                raise Err("invalid-argument")
        self.base, self.size, self.budget, self.nslots = base, size, budget, slots
        self.edge = None  # the last hinted plug at an edge of check 8 (--outcomes only)
        self.kvm, self.vhosts = kvm, list(vhosts)
        self.devs = {}  # id -> Dev, plug order kept (dicts keep insertion order)
        self.used_size = 0

    # counters (section 4) --------------------------------------------------------------
    def required(self):
        return sum(d.n for d in self.devs.values() if not d.empty)

    def used(self):
        return sum(sum(d.mapped) for d in self.devs.values() if not d.empty)

    def limits(self):
        return ([self.kvm] if self.kvm else []) + self.vhosts

    def free_of(self, lim):
        return lim[0] - lim[1] - self.used()

    def max_slots(self):
        lims = self.limits()
        return min(mx for mx, _ in lims) if lims else None

    def free_slots(self):
        lims = self.limits()
        return min(self.free_of(l) for l in lims) if lims else None

    def decision_limit(self, size):
        ms = self.max_slots()
        if ms is not None and ms < 509:
            return 1
        req = self.required()
        if req >= 256:
            return 1
        m = 256 - req
        reserved = req - self.used()
        fs = self.free_slots()
        if fs is not None:
            if fs < reserved:
                return 1
            m = min(m, fs - reserved)
            if m < 1:
                return 1
        if size == self.budget:
            return m
        avail = self.budget - self.used_size
        if avail <= 0 or size > avail:
            return 1
        return max(1, m * size // avail)

    # placement -----------------------------------------------------------------------
    def placed(self):
        return sorted((d for d in self.devs.values() if not d.empty), key=lambda d: d.addr)

    def first_fit(self, size, a):
        """Lowest multiple of a >= align_up(base, a) where [x, x+size) is free and inside
        the window: the minimum over align_up(base) and align_up(end(D)) (spec section 3).
        The candidates come in ascending order from align_up(base, a) (the devices lie in the
        window, disjoint and sorted, so their ends are sorted too and above base), so the
        first that fits is the minimum; whether one overlaps a device
        is asked of the last device starting below its end (bisect), so a trace of thousands
        of devices stays fast."""
        wend = self.base + self.size  # exclusive, may be 2^64
        lo, placed = align_up(self.base, a), self.placed()
        starts = [d.addr for d in placed]
        for c in [lo] + [align_up(d.addr + d.size, a) for d in placed]:
            if c is None or c + size > wend:
                return None  # and so is every later candidate
            i = bisect.bisect_left(starts, c + size)  # devices placed[:i] start below the end
            if not (i and placed[i - 1].addr + placed[i - 1].size > c):
                return c
        return None

    def overlaps(self, x, size, placed=None):
        """Whether [x, x+size) overlaps a placed device (placed: self.placed(), if known)."""
        if placed is None:
            placed = self.placed()
        return any(x < d.addr + d.size and d.addr < x + size for d in placed)

    def slots_taken(self):
        return {d.slot for d in self.devs.values() if d.slot is not None}

    def listed(self):
        """List order (section 7): empty devices first in plug order, then by address."""
        return [d for d in self.devs.values() if d.empty] + self.placed()

    def place(self, size, a):
        """Checks 7' and 9: where first fit puts size bytes aligned to a."""
        start = align_up(self.base, a)
        if start is None or start + size > 1 << 64:
            raise Err("too-big")
        x = self.first_fit(size, a)
        if x is None:
            raise Err("fragmented")
        return x

    def largest_gap(self):
        pos, best = self.base, 0
        for d in self.placed():
            best = max(best, d.addr - pos)
            pos = d.addr + d.size
        return max(best, self.base + self.size - pos)

    # operations ----------------------------------------------------------------------
    def plug(self, o):
        ident, kind = o["id"], o["kind"]
        if kind not in KINDS:
            raise Err("invalid-argument")
        for f in ("slot", "label", "block", "requested", "dynamic-memslots", "empty"):
            if f in o and f not in KIND_FIELDS[kind]:
                raise Err("invalid-argument")
        empty = "empty" in o
        if empty:  # check 0 on its fields and its id (README.md), then duplicate-id
            if "addr" in o or not 1 <= len(ident) <= 255:
                raise Err("invalid-argument")
            if ident in self.devs:
                raise Err("duplicate-id")
            d = Dev()
            d.id, d.kind, d.empty, d.n, d.mapped = ident, kind, True, 0, []
            d.slot = None
            self.devs[ident] = d
            return d
        size, align = o.get("size", 0), o.get("align", 2 * M)
        if size == 0 or not pow2(align) or not 1 <= len(ident) <= 255:
            raise Err("invalid-argument")
        block = o.get("block", 2 * M)
        label = o.get("label", 0)
        region = size
        if kind == "virtio-mem":
            if not pow2(block) or block < M or size % block:
                raise Err("invalid-argument")
            req = o.get("requested", 0)
            if req % block or req > size:
                raise Err("invalid-argument")
        if kind == "nvdimm":
            if 0 < label < 128 * K:
                raise Err("invalid-argument")
            region = 0 if label >= size else (size - label) // align * align
            if region == 0:
                raise Err("invalid-argument")
        if ident in self.devs:
            raise Err("duplicate-id")
        slot = None
        if kind in ("dimm", "nvdimm"):
            if "slot" in o and o["slot"] >= self.nslots:
                raise Err("invalid-slot")
            if self.nslots == 0:
                raise Err("no-slots")
            taken = self.slots_taken()
            if "slot" in o:
                if o["slot"] in taken:
                    raise Err("slot-busy")
                slot = o["slot"]
            else:
                free = [s for s in range(self.nslots) if s not in taken]
                if not free:
                    raise Err("no-free-slot")
                slot = free[0]
        dynamic = kind == "hv-balloon" or (kind == "virtio-mem" and o.get("dynamic-memslots"))
        n, mslot = 1, region
        if dynamic:
            limit = self.decision_limit(region)
            if kind == "virtio-mem":
                if limit > 1:
                    s = align_up(region // limit, block)
                    s = max(s, block, G)
                    n, mslot = ceil_div(region, s), s
            else:
                s = align_up(region // limit, 128 * M)
                if s is not None:
                    s = max(s, 128 * M)
                    n, mslot = ceil_div(region, s), s
            if n == 1:
                mslot = region
        reserved = self.required() - self.used()
        if self.kvm and self.free_of(self.kvm) < n + reserved:
            raise Err("kvm-memslots")
        if any(self.free_of(v) < n + reserved for v in self.vhosts):
            raise Err("vhost-memslots")
        if self.used_size + region > self.budget:
            raise Err("no-space")
        if region % align:
            raise Err("size-alignment")
        pa = max(align, {"virtio-mem": block, "hv-balloon": 32 * G}.get(kind, 1))
        if "addr" in o:
            hint = o["addr"]
            if hint % pa:
                raise Err("hint-alignment")
            if hint + region > 1 << 64 or hint < self.base or hint + region > self.base + self.size:
                raise Err("hint-range")
            placed = self.placed()
            near = [d for d in placed if d.addr <= hint + region and hint <= d.addr + d.size]
            if self.overlaps(hint, region, placed):
                if any(min(hint + region, d.addr + d.size) - max(hint, d.addr) == 1 for d in near):
                    self.edge = "conflict by one byte"
                raise Err("conflict")
            if near:
                self.edge = "ok at a hint touching a device"
            addr = hint
        else:
            addr = self.place(region, pa)
        d = Dev()
        d.id, d.kind, d.empty, d.addr, d.size = ident, kind, False, addr, region
        d.slot, d.n = slot, n
        d.mslot, d.dynamic, d.block = mslot, dynamic, block
        d.requested = o.get("requested", 0)
        d.node, d.memdev = o.get("node", 0), o.get("memdev", "")
        d.plugged = []  # virtio-mem: plugged byte ranges [lo, hi), sorted and disjoint
        d.mapped = [not dynamic] * n
        self.devs[ident] = d
        self.used_size += region
        return d

    def device(self, ident):
        if ident not in self.devs:
            raise Err("unknown-id")
        return self.devs[ident]

    def unplug(self, ident):
        d = self.device(ident)
        if d.kind in ("nvdimm", "virtio-pmem", "hv-balloon"):
            raise Err("not-unpluggable")
        if d.kind == "virtio-mem" and (d.plugged or d.requested):
            raise Err("busy")
        del self.devs[ident]
        self.used_size -= d.size

    def vmem(self, ident, plug, off, ln):
        d = self.device(ident)
        if d.kind != "virtio-mem":
            raise Err("invalid-argument")
        b = d.block
        if off % b or ln % b or ln == 0 or off + ln > d.size:
            raise Err("remap-range")
        if plug and (plugged_bytes(d) + ln > d.requested):
            raise Err("remap-limit")
        end = off + ln
        inside = sum(min(hi, end) - max(lo, off) for lo, hi in d.plugged if lo < end and off < hi)
        if inside != (0 if plug else ln):  # every block must be in the opposite state
            raise Err("remap-state")
        if plug:
            d.plugged.append((off, end))
        else:
            d.plugged = [r for lo, hi in d.plugged
                         for r in ((lo, min(hi, off)), (max(lo, end), hi)) if r[0] < r[1]]
        d.plugged.sort()
        if d.dynamic:
            for i in range(d.n):
                lo, hi = memslot_span(d, i)
                d.mapped[i] = any(a < hi and lo < e for a, e in d.plugged)

    def resize(self, ident, req):
        d = self.device(ident)
        if d.kind != "virtio-mem" or req % d.block or req > d.size:
            raise Err("invalid-argument")
        d.requested = req

    def remap(self, ident, mapit, slot):
        d = self.device(ident)
        if d.kind != "hv-balloon" or d.empty:
            raise Err("invalid-argument")
        if slot >= d.n:
            raise Err("remap-range")
        if d.mapped[slot] == mapit:
            raise Err("remap-state")
        d.mapped[slot] = mapit

    def vhost_add(self, mx, ot):
        if ot > mx:
            raise Err("invalid-argument")
        if self.required() > mx - ot:  # used + reserved == required
            raise Err("vhost-conflict")
        if mx < 509 and any(not d.empty and d.dynamic and d.n > 1 for d in self.devs.values()):
            raise Err("vhost-conflict")
        self.vhosts.append((mx, ot))

    def lookup(self, gpa):
        for d in self.placed():
            if d.addr <= gpa < d.addr + d.size:
                off = gpa - d.addr
                i = off // d.mslot if d.n > 1 else 0
                return d, off, i, d.mapped[i]
        return None

    def stats(self):
        plugged = 0
        for d in self.devs.values():
            if d.empty:
                continue
            if d.kind == "virtio-mem":
                plugged += plugged_bytes(d)
            elif d.kind == "hv-balloon":
                plugged += sum(hi - lo for lo, hi in (memslot_span(d, i) for i in range(d.n)
                                                      if d.mapped[i]))
            else:
                plugged += d.size
        req, used = self.required(), self.used()
        st = {"used_size": self.used_size, "plugged_size": plugged, "budget": self.budget,
              "required": req,
              "used": used, "reserved": req - used, "devices": len(self.devs),
              "dimm_slots_used": len(self.slots_taken()),
              "largest_gap": self.largest_gap()}
        st["kvm_free"] = self.free_of(self.kvm) if self.kvm else "unlimited"
        st["vhost_free"] = (min(self.free_of(v) for v in self.vhosts) if self.vhosts
                            else "unlimited")
        return st


# The trace language (section 9), the subset of syntax a correct trace uses. -------------
NUM = re.compile(r"^(0[xX][0-9a-fA-F]+|[0-9]+)([KMGTkmgt]?)$")
SHIFT = {"": 0, "k": 10, "m": 20, "g": 30, "t": 40}


def num(tok):
    m = NUM.match(tok)
    if not m:
        raise ValueError(f"bad number {tok!r}")
    return int(m.group(1), 0) << SHIFT[m.group(2).lower()]


def words(line):
    """The trace's tokens: separated by spaces, tabs and CRs only (Python's str.split() would
    also cut at bytes like 0x85 or 0xa0, which are id bytes here)."""
    return [t for t in re.split(r"[ \t\r]+", line) if t]


def parse(text):
    """Yields (line number, op dict) for every operation line of a trace."""
    for no, raw in enumerate(text.split("\n"), 1):
        toks = words(raw.split("#", 1)[0])
        if not toks or toks[0] == "expect" or toks[0] == "fail-alloc":
            if toks and toks[0] == "fail-alloc":
                yield no, {"op": "fail-alloc", "args": []}
            continue
        o = {"op": toks[0], "args": []}
        for t in toks[1:]:
            if "=" in t:
                k, v = t.split("=", 1)
                if k in ("memdev", "dynamic-memslots"):
                    o[k] = v if k == "memdev" else v == "on"
                elif k in ("kvm", "vhost"):
                    mx, _, ot = v.partition("/")
                    pair = (num(mx), num(ot) if ot else 0)
                    o.setdefault(k, []).append(pair)
                else:
                    o[k] = num(v)
            elif t == "empty":
                o["empty"] = True
            else:
                o["args"].append(t)
        yield no, o


class Stop(Exception):
    """The trace leaves the spec: a rejected space line, or injected allocation failures."""


def qmp(d):
    """A device as `info` prints it: QMP query-memory-devices (section 7, README.md)."""
    if d.empty:  # no backend: no memaddr, max-size 0, and no memdev
        return {"type": d.kind, "data": {"id": d.id, "max-size": 0}}
    if d.kind in ("dimm", "nvdimm"):
        f = {"id": d.id, "addr": d.addr, "size": d.size, "slot": d.slot, "node": d.node,
             "memdev": d.memdev, "hotplugged": True, "hotpluggable": True}
    elif d.kind == "virtio-pmem":
        f = {"id": d.id, "memaddr": d.addr, "size": d.size, "memdev": d.memdev}
    elif d.kind == "virtio-mem":
        f = {"id": d.id, "memaddr": d.addr, "requested-size": d.requested,
             "size": plugged_bytes(d), "max-size": d.size, "block-size": d.block,
             "node": d.node, "memdev": d.memdev}
    else:
        f = {"id": d.id, "memaddr": d.addr, "max-size": d.size, "memdev": d.memdev}
    return {"type": d.kind, "data": f}


def apply(sp, o):
    """Runs one parsed operation on the space: ('ok', fields) or ('error', code). Returns the
    new space for a `space` line."""
    op, a = o["op"], o["args"]
    if op == "fail-alloc":
        raise Stop("fail-alloc")
    try:
        if op == "space":
            return Space(o["base"], o["size"], o["budget"], o.get("slots", 0),
                         o.get("kvm", [None])[0], o.get("vhost", []))
        if op == "plug":
            o["id"], o["kind"] = a[0], a[1]
            d = sp.plug(o)
            if d.empty:
                return ("ok", {"empty": True})
            f = {"addr": d.addr, "memslots": d.n}
            if d.slot is not None:
                f["slot"] = d.slot
            return ("ok", f)
        if op == "unplug":
            sp.unplug(a[0])
        elif op == "vmem":
            sp.vmem(a[0], a[1] == "plug", num(a[2]), num(a[3]))
        elif op == "resize":
            sp.resize(a[0], o["requested"])
        elif op in ("map", "unmap"):
            sp.remap(a[0], op == "map", min(num(a[1]), (1 << 32) - 1))
        elif op == "vhost-add":
            mx, _, ot = a[0].partition("/")
            sp.vhost_add(num(mx), num(ot) if ot else 0)
        elif op == "lookup":
            r = sp.lookup(num(a[0]))
            return ("ok", {"none": True} if r is None else
                    {"id": r[0].id, "offset": r[1], "memslot": r[2],
                     "mapped": "yes" if r[3] else "no"})
        elif op == "free":
            size, al = num(a[0]), o.get("align", 2 * M)
            if size == 0 or not pow2(al):
                raise Err("invalid-argument")
            return ("ok", {"addr": sp.place(size, al)})
        elif op == "stats":
            return ("ok", sp.stats())
        elif op == "list":
            return ("ok", {"ids": [d.id for d in sp.listed()]})
        elif op == "info":
            return ("ok", {"info": [qmp(d) for d in sp.listed()]})
        else:
            raise ValueError(f"unknown operation {op!r}")
        return ("ok", {})
    except Err as e:
        if op == "space":
            raise Stop("space") from e
        return ("error", e.code)


def oracle_run(text, edges=None):
    """Expected results: {line: ('ok', fields) | ('error', code)} for every op line, up to
    the first line that leaves the spec; edges (a dict) gets the plug lines at an edge of
    check 8 (Space.edge)."""
    out, sp = {}, None
    try:
        for no, o in parse(text):
            r = apply(sp, o)
            if o["op"] == "space":
                sp = r
            else:
                out[no] = r
                if sp is not None and sp.edge and edges is not None:
                    edges[no] = sp.edge
            if sp is not None:
                sp.edge = None
    except Stop as e:
        return out, str(e)
    return out, None


RESULT = re.compile(r"^(\d+): (\S+)(?: (\S+))?(?: (.*))?$")


def number(v):
    """A number memdev printed, or the text itself when it is none: whatever memdev prints is
    compared (a disagreement), never an error of the oracle's."""
    try:
        return int(v, 0)
    except ValueError:
        return v


def memdev_run(memdev, path):
    """{line: ('ok', fields) | ('error', code)} from `memdev run`'s output: the fields of the
    result line, and of the block below it for stats (counters), list (ids) and info (JSON)."""
    p = subprocess.run([memdev, "run", path], capture_output=True, encoding="latin-1")
    got, blocks = {}, {}
    no = op = None
    for line in p.stdout.split("\n"):
        m = RESULT.match(line)
        if not m:  # the block under an operation's line
            if no is not None:
                blocks.setdefault(no, (op, []))[1].append(line)
            continue
        no, op, rest = int(m.group(1)), m.group(2), m.group(4) or ""
        if rest.startswith("error "):
            got[no], no = ("error", (words(rest) + ["", ""])[1].rstrip(":")), None
            continue
        f = {}
        if op == "lookup":
            f = {"none": True} if rest == "none" else {"id": words(rest)[0]}
        for t in words(rest):
            if "=" in t:
                k, v = t.split("=", 1)
                f[k] = v if k == "mapped" else number(v)
            elif t == "empty":
                f["empty"] = True
        if op == "list":
            f["ids"] = []  # an empty list prints no block
        got[no] = ("ok", f)
    for no, (op, block) in blocks.items():
        f = got[no][1]
        if op == "stats":
            for t in words(" ".join(block)):
                if "=" in t:
                    k, v = t.split("=", 1)
                    f[k] = v if v == "unlimited" else number(v)
        elif op == "list":
            f["ids"] = [words(b)[0] for b in block if words(b)]
        elif op == "info":
            try:
                f["info"] = json.loads("\n".join(block))
            except ValueError as e:  # memdev's JSON is broken: a disagreement, not ours
                f["info"] = f"no JSON: {e}"
    return got, p.returncode, p.stderr.strip().split("\n")[0][:300]


def show(v):
    return f"{v:#x}" if isinstance(v, int) and v > 9 else repr(v)


def compare(want, got, text):
    """The first disagreement as a message, or None."""
    lines = text.split("\n")
    for no in sorted(want):
        w, at = want[no], f"line {no} ({lines[no - 1].strip()})"
        if no not in got:
            return f"{at}: memdev printed no result"
        g = got[no]
        if w[0] != g[0] or (w[0] == "error" and w[1] != g[1]):
            return f"{at}: oracle {w}, memdev {g}"
        if w[0] == "ok":
            for k, v in w[1].items():
                if g[1].get(k) != v:
                    return f"{at}: {k}: oracle {show(v)}, memdev {show(g[1].get(k))}"
    return None


# Random traces ------------------------------------------------------------------------
BOARDS = [  # base, size, budget, slots (spec section 1) and edge windows
    (6 * G, 16 * G, 12 * G, 4), (6 * G, 18 * G, 16 * G, 2), (4 * G, 2 * G, 1 * G, 1),
    (5 * G, 6 * G, 4 * G, 2), (32 * G, 128 * G, 102 * G, 0), (0, 64 * G, 64 * G, 8),
    ((1 << 64) - 16 * G, 16 * G, 16 * G, 3), (6 * G + 3 * M, 9 * G, 8 * G, 2),
    (1 * T, 2 * T, 1 * T, 4), (64 * G, 3 * G, 6 * G, 256), ((1 << 64) - T, T, U64, 4),
    ((1 << 64) - 3 * G - 5 * M, 3 * G + 5 * M, 64 * G, 2),
]


def gen_plug(rng, sp, ident, slots):
    """A plug line: mostly valid requests of every kind, some invalid on purpose."""
    kind = rng.choices(KINDS + ("ram",), [5, 2, 2, 4, 2, 0.2])[0]
    sz = rng.choice(SIZES) * rng.choice([1, 1, 1, 2, 3])
    if rng.random() < 0.03:
        sz = rng.choice([0, sz + 4 * K, sz - 1, (1 << 64) - 4 * K, (1 << 64) - G])
    opts = [f"size={sz:#x}"]
    al = 2 * M
    if rng.random() < 0.6:
        al = rng.choice(ALIGNS) if rng.random() < 0.95 else rng.choice([0, 3 * M, 1 << 63])
        opts.append(f"align={al:#x}")
    if kind == "virtio-mem":
        blk = 2 * M
        if rng.random() < 0.6:
            blk = rng.choice([2 * M, 2 * M, 1 * M, 128 * M, 1 * G, 512 * K, 3 * M])
            opts.append(f"block={blk:#x}")
        if rng.random() < 0.7:
            opts.append(f"requested={min(U64, rng.choice([0, blk, sz // 2, sz, sz, sz + blk])):#x}")
        if rng.random() < 0.7:
            opts.append("dynamic-memslots=" + rng.choice(["on", "on", "off"]))
    if kind in ("dimm", "nvdimm") and rng.random() < 0.3:
        opts.append(f"slot={rng.choice([0, 1, 2, 3, slots, max(0, slots - 1), 300])}")
    if kind == "nvdimm" and rng.random() < 0.5:
        opts.append(f"label={rng.choice([0, 128 * K, 1 * M, 64 * K, sz]):#x}")
    if kind == "hv-balloon" and rng.random() < 0.2:
        opts = ["empty"] + (["size=1G"] if rng.random() < 0.5 else [])
    if rng.random() < 0.15:
        placed = sp.placed()
        if placed and rng.random() < 0.6:  # on a device's edge, or just past it
            d = rng.choice(placed)
            hint = rng.choice([d.addr, d.addr + d.size, d.addr - sz, d.addr + d.size - 1,
                               d.addr - sz + 1, align_up(d.addr + d.size, max(al, 1)) or 0])
        else:
            hint = sp.base + rng.choice([0, 1 * G, 2 * G, sp.size - sz, 4 * K,
                                         rng.randrange(0, max(1, sp.size // (2 * M))) * 2 * M])
        opts.append(f"addr={hint % (1 << 64):#x}")
    if rng.random() < 0.3:
        opts.append(f"node={rng.randrange(4)}")
    if rng.random() < 0.3:
        opts.append("memdev=" + rng.choice(MEMDEVS) + ident)
    extra = rng.choice(["slot=0", "block=2M", "label=0", "requested=0", "empty"])
    if rng.random() < 0.02 and not any(o.split("=")[0] == extra.split("=")[0] for o in opts):
        opts.append(extra)
    rng.shuffle(opts)
    return f"plug {ident} {kind} " + " ".join(opts)


MEMDEVS = ["mem-", "m\\", 'q"', "ram-"]  # backend names; JSON must escape \\ and "
SIZES = [4 * K, 1 * M, 2 * M, 64 * M, 128 * M, 256 * M, 512 * M, 1 * G, 2 * G, 3 * G, 4 * G,
         8 * G, 16 * G, 40 * G, 100 * G]
ALIGNS = [4 * K, 2 * M, 2 * M, 2 * M, 1 * G, 64 * K, 4 * G, 32 * G, 1]


def gen_trace(rng, nops):
    """A random trace of nops operations, each chosen from the oracle's state after the
    ones before it (live devices of the right kind, their blocks and memslots), so that
    remaps, lookups and unplugs mostly meet a device."""
    base, size, budget, slots = rng.choice(BOARDS)
    if rng.random() < 0.3:
        budget = rng.choice([budget // 2, budget, size, 2 * size, budget - 2 * M, U64])
    if rng.random() < 0.02:  # a space the spec refuses (exit 2): size 0, a wrap, 257 slots
        base, size, slots = rng.choice([(base, 0, slots), ((1 << 64) - G, 2 * G, slots),
                                        (base, size, 257)])
    head = f"space base={base:#x} size={size:#x} budget={budget:#x} slots={slots}"
    if rng.random() < 0.4:
        mx, ot = rng.choice([(509, 0), (512, 2), (1024, 10), (300, 0), (40, 2), (8, 0),
                             (1024, 700), (600, 330), (509, 509), (8, 9), (1024, 960),
                             (600, 540)])  # (the last two: few slots left, rule 3 decides)
        head += f" kvm={mx}/{ot}"
    for _ in range(rng.choice([0, 0, 1, 2])):
        head += f" vhost={rng.choice([509, 1024, 64, 32, 600, 8])}/{rng.choice([0, 1, 5])}"
    lines = [head]
    try:
        sp = apply(None, next(parse(head))[1])
    except Stop:  # memdev run must stop there, with exit 2
        return head + "\nplug d0 dimm size=1G\n"
    nid = 0

    def live(kind=None):
        return [d for d in sp.devs.values() if kind is None or d.kind == kind]

    def pick(kind=None):
        ds = live(kind)
        if ds and rng.random() < 0.9:
            return rng.choice(ds)
        return None

    def some_id(kind=None):
        d = pick(kind)
        return d.id if d else rng.choice([f"x{rng.randrange(9)}"] + [x.id for x in live()])

    burst = 0
    for _ in range(nops):
        r = rng.random()
        if burst == 0 and rng.random() < 0.03:
            burst = rng.randrange(20, 120)  # many small devices: leaves split, spill, merge
        if burst:
            burst -= 1
            gone = [d for d in live("virtio-mem") if not d.requested and not d.plugged]
            if gone and rng.random() < 0.35:
                line = f"unplug {rng.choice(gone).id}"
            elif rng.random() < 0.6:
                blk = rng.choice([1 * M, 2 * M])
                name = rng.choice([f"b{nid}", f"virtio-mem-pci-node1-d{nid:04d}"])
                line = (f"plug {name} virtio-mem size={rng.randrange(1, 5) * blk:#x} "
                        f"block={blk:#x} align={rng.choice([4 * K, blk]):#x}")
            else:
                al = rng.choice([1, 4 * K, 4 * K, 64 * K])
                line = (f"plug b{nid} virtio-pmem size={rng.randrange(1, 9) * max(al, 4 * K):#x} "
                        f"align={al:#x}")
            nid += 1
        elif r < 0.08 and ((sp.max_slots() or 509) >= 509 or rng.random() < 0.3):  # decided
            sz = rng.choice([1, 2, 3, 5, 10, 16, 40, 64, 100]) * G + rng.choice([0, 0, 128 * M])
            if rng.random() < 0.2:  # all the budget left, as a VMM gives it (rules 4 and 5)
                sz = max(128 * M, (sp.budget - sp.used_size) // (128 * M) * 128 * M)
            if rng.random() < 0.5:
                line = (f"plug m{nid} virtio-mem size={sz:#x} dynamic-memslots=on "
                        f"block={rng.choice([2 * M, 128 * M]):#x} requested={sz:#x}")
            else:
                al = rng.choice([4 * K, 2 * M, 64 * G])
                if al == 64 * G:  # above the kind's 32 GiB
                    sz = rng.choice([1, 2]) * 64 * G
                line = f"plug m{nid} hv-balloon size={sz:#x} align={al:#x}"
            nid += 1
        elif r < 0.11 and sp.placed():  # a hint at a device's edge, one byte in or clear
            d, sz = rng.choice(sp.placed()), rng.choice([1, 2, 4 * K, 4 * K + 1])
            hint = rng.choice([d.addr - sz, d.addr - sz + 1, d.addr + d.size - 1, d.addr + d.size])
            line = f"plug e{nid} virtio-pmem size={sz:#x} align=1 addr={hint % (1 << 64):#x}"
            nid += 1
        elif r < 0.34:
            if sp.devs and rng.random() < 0.04:
                ident = rng.choice(list(sp.devs))
            else:
                ident = rng.choice(["dimm", "vmem-node1-", "pmem", "hvb", "nv"]) + str(nid)
                if rng.random() < 0.25:  # a VMM's long ids sharing a prefix, the id limits
                    ident = rng.choice([f"virtio-mem-pci-node0-d{nid:04d}"] * 8 + [
                        "j" * 256, "i" * 254 + str(nid % 10), f"{nid:0>15}", f"{nid:0>16}"])
                nid += 1
            line = gen_plug(rng, sp, ident, slots)
        elif r < 0.44:
            line = f"unplug {some_id(rng.choice([None, 'dimm', 'virtio-mem']))}"
        elif r < 0.60:
            d = pick("virtio-mem")
            dyn = [x for x in live("virtio-mem") if x.dynamic and x.n > 1]
            asked = [x for x in live("virtio-mem") if x.requested]
            if dyn and rng.random() < 0.5:  # memslots mapped and unmapped by requests
                d = rng.choice(dyn)
            elif asked and rng.random() < 0.7:  # a device the guest may plug blocks of
                d = rng.choice(asked)
            if d:
                b, nb = d.block, d.size // d.block
                plug = rng.random() < 0.6
                off = rng.randrange(0, nb + 1) * b
                ln = rng.choice([1, 1, 1, 2, 4, nb // max(1, d.n)]) * b
                if d.plugged and rng.random() < 0.7:  # next to, or inside, what is plugged
                    lo, hi = rng.choice(d.plugged)
                    if plug:  # joined to a range on its left or right
                        off = rng.choice([hi, max(0, lo - ln)])
                    else:  # the range, its first or last block, or one inside it
                        off, ln = rng.choice([(lo, hi - lo), (lo, b), (hi - b, b),
                                              (lo + (hi - lo) // b // 2 * b, b)])
                if rng.random() < 0.1:
                    off, ln = rng.choice([(off + 4 * K, ln), (off, 0), (off, ln + 1),
                                          ((1 << 64) - b, 2 * b)])
                line = f"vmem {d.id} {'plug' if plug else 'unplug'} {off:#x} {ln:#x}"
            else:
                line = f"vmem {some_id()} plug 0 2M"
        elif r < 0.65:
            d = pick("virtio-mem")
            req = 0
            if d:
                req = rng.choice([0, 0, d.size, d.size // 2 // d.block * d.block, d.block,
                                  d.size + d.block, d.block // 2])
            line = f"resize {d.id if d else some_id()} requested={min(U64, req):#x}"
        elif r < 0.73:
            d = pick("hv-balloon")
            slot = rng.randrange(0, 4)
            if d and not d.empty:  # the last memslot (often shorter) and the one past it
                slot = rng.choice([rng.randrange(0, d.n), d.n - 1, d.n - 1, d.n])
            line = f"{rng.choice(['map', 'map', 'unmap'])} {d.id if d else some_id()} {slot}"
        elif r < 0.75:
            ot = rng.choice([0, 1, 3])
            mx = rng.choice([509, 64, 1024, 600, 32, sp.required() + ot + rng.choice([-1, 0, 1])])
            line = f"vhost-add {max(mx, ot)}/{ot}"
        elif r < 0.88:
            gpa = base + rng.randrange(0, size)
            placed = sp.placed()
            if placed and rng.random() < 0.7:
                d = rng.choice(placed)
                gpa = d.addr + rng.choice([0, d.size - 1, d.size, -1, rng.randrange(d.size)])
            line = f"lookup {gpa % (1 << 64):#x}"
        elif r < 0.95:
            line = f"free {rng.choice(SIZES):#x} align={rng.choice(ALIGNS):#x}"
        else:
            line = rng.choice(["stats", "stats", "list", "info"])
        lines.append(line)
        apply(sp, next(parse(line))[1])
    return "\n".join(lines) + "\n"


# What the random traces must reach (--outcomes): every operation's success and every error
# code the spec gives it, a success of every kind, decided memslots of both deciding kinds,
# a placement at a hint (and one that touches a device: check 8's edge, like a conflict of
# one byte), a slot (and one asked for), an empty device, the three kinds of
# lookup answer, and a space line the spec refuses. A generator that stops making one of
# them would leave that part of the spec untested while every trace still agrees.
OUTCOMES = {
    "plug": ["ok", "ok dimm", "ok nvdimm", "ok virtio-pmem", "ok virtio-mem", "ok hv-balloon",
             "ok virtio-mem memslots>1", "ok hv-balloon memslots>1", "ok at a hint",
             "ok slot", "ok at a given slot", "ok empty", "ok at a hint touching a device",
             "conflict by one byte", "invalid-argument", "duplicate-id", "invalid-slot",
             "no-slots", "slot-busy", "no-free-slot", "kvm-memslots", "vhost-memslots",
             "no-space", "size-alignment", "hint-alignment", "hint-range", "too-big",
             "conflict", "fragmented"],
    "unplug": ["ok", "unknown-id", "busy", "not-unpluggable"],
    "vmem": ["ok", "invalid-argument", "unknown-id", "remap-limit", "remap-range",
             "remap-state"],
    "resize": ["ok", "invalid-argument", "unknown-id"],
    "map": ["ok", "invalid-argument", "unknown-id", "remap-range", "remap-state"],
    "unmap": ["ok", "invalid-argument", "unknown-id", "remap-range", "remap-state"],
    "vhost-add": ["ok", "vhost-conflict"],
    "lookup": ["ok", "ok none", "ok mapped=yes", "ok mapped=no"],
    "free": ["ok", "too-big", "fragmented"],
    "stats": ["ok"], "list": ["ok"], "info": ["ok"],
    "space": ["refused"],
}


def outcomes(text, want, stop, edges):
    """The outcome labels (OUTCOMES) of a trace's expected results (edges: oracle_run's)."""
    lines, out = text.split("\n"), [f"plug {e}" for e in edges.values()]
    for no, (status, f) in want.items():
        toks = lines[no - 1].split()
        op = toks[0]
        if status == "error":
            out.append(f"{op} {f}")
            continue
        out.append(f"{op} ok")
        if op == "plug":
            kind = toks[2]
            out.append(f"plug ok {kind}")
            if f.get("memslots", 1) > 1:
                out.append(f"plug ok {kind} memslots>1")
            if any(t.startswith("addr=") for t in toks):
                out.append("plug ok at a hint")
            if "slot" in f:
                out.append("plug ok slot")
                if any(t.startswith("slot=") for t in toks):
                    out.append("plug ok at a given slot")
            if f.get("empty"):
                out.append("plug ok empty")
        elif op == "lookup":
            out.append("lookup ok none" if f.get("none") else f"lookup ok mapped={f['mapped']}")
    if stop == "space":
        out.append("space refused")
    return out


def gen_big(rng, nops):
    """A long trace of one large structure, what 120-operation traces never build: either
    many small devices (virtio-mem of 1 MiB blocks at alignments that are classes and ones
    that are not, dimms whose sizes are no whole number of pages, virtio-pmem holes that
    stay), plugged in the first half and unplugged in the second, freed ids plugged again
    (the window tree's inner splits, merges and borrows, the id table's second buckets, the
    wide table's deletions, searches for an alignment that is no class); or one virtio-mem
    device whose blocks are plugged and unplugged one to three at a time (the extent tree's
    inner levels). No hypervisor limits, so memslots never stop a plug."""
    base = rng.choice([4 * G, 1 * T, (1 << 64) - 4 * T])
    head = f"space base={base:#x} size={2 * T:#x} budget={2 * T:#x} slots=256"
    lines = [head]
    sp = apply(None, next(parse(head))[1])

    def add(line):
        lines.append(line)
        apply(sp, next(parse(line))[1])

    if rng.random() < 0.6:
        gone, n = [], 0
        for i in range(nops):
            live = list(sp.devs)
            out = [x for x in live if sp.devs[x].kind != "virtio-pmem"]
            r = rng.random()
            if (r < (0.75 if i < nops // 2 else 0.3) or len(out) < 20):
                if gone and rng.random() < 0.5:
                    ident = gone.pop(rng.randrange(len(gone)))
                else:
                    ident = rng.choice([f"vmem-node{n % 4}-{n}", f"dimm{n}", f"{n:0>15}"])
                    n += 1
                if rng.random() < 0.15:  # a size that is no whole number of pages
                    add(f"plug {ident} dimm size={rng.randrange(1, 9) * 4 * K + rng.randrange(1, 4 * K):#x}"
                        f" align=1")
                elif rng.random() < 0.1:  # a hole that stays
                    add(f"plug {ident} virtio-pmem size={rng.choice([4 * K, 12 * K, 4 * K + 1]):#x} align=1")
                else:
                    al = rng.choice([1 * M, 1 * M, 2 * M, 4 * M, 8 * M, 64 * M])
                    add(f"plug {ident} virtio-mem size={rng.randrange(1, 5) * al:#x} block={M:#x} "
                        f"align={al:#x}")
            elif r < 0.88:
                ident = rng.choice(out)
                add(f"unplug {ident}")
                gone.append(ident)
            elif r < 0.94:
                add(f"free {rng.choice([4 * K, 6 * K, 1 * M, 2 * M]):#x} "
                    f"align={rng.choice([4 * K, 8 * K, 4 * M, 16 * M]):#x}")
            else:
                d = sp.devs[rng.choice(out)]
                add(f"lookup {d.addr + rng.randrange(d.size):#x}")
    else:  # every other block plugged in random order (an extent each), then the gaps
        # filled (two extents joined into one) and blocks unplugged (one split in two)
        nb, b = 2048, 2 * M
        add(f"plug v0 virtio-mem size={nb * b:#x} block={b:#x} requested={nb * b:#x}")
        on, even = set(), list(range(0, nb, 2))
        rng.shuffle(even)
        odd = list(range(nb - 1 if nb % 2 == 0 else nb, 0, -2))  # gaps, the lowest last
        for i in range(nops - 1):
            if rng.random() < 0.1:
                add(f"lookup {sp.devs['v0'].addr + rng.randrange(nb * b):#x}")
                continue
            if even and i < nops * 2 // 5:
                ks = range(even[-1], even.pop() + 1)
            elif odd and i < nops * 3 // 4 and rng.random() < 0.8:  # gaps filled from below:
                ks = range(odd[-1], odd.pop() + 1)  # the low leaves empty, inner nodes merge
            else:
                k = rng.randrange(nb)
                ks = range(k, min(nb, k + rng.choice([1, 1, 1, 2, 3])))
                if len({x in on for x in ks}) > 1:  # mixed: one block alone
                    ks = range(k, k + 1)
            off = ks[0] in on
            add(f"vmem v0 {'unplug' if off else 'plug'} {ks[0] * b:#x} {len(ks) * b:#x}")
            on = on - set(ks) if off else on | set(ks)
    return "\n".join(lines) + "\n"


def check_text(memdev, text, name, keep, seen=None):
    """Why memdev disagrees with the oracle on text, or None; seen (a dict) counts the
    expected outcomes."""
    edges = {}
    want, stop = oracle_run(text, edges)
    if seen is not None:
        for o in outcomes(text, want, stop, edges):
            seen[o] = seen.get(o, 0) + 1
    with tempfile.NamedTemporaryFile("w", suffix=".trace", encoding="latin-1",
                                     delete=False) as f:
        f.write(text)
        path = f.name
    try:
        got, rc, err = memdev_run(memdev, path)
    finally:
        os.unlink(path)
    if stop == "space":  # section 1: a refused space line stops the run with exit 2
        why = None if rc == 2 else f"the oracle refuses the space line, memdev run exited {rc}"
    elif rc != 0:  # a crash, or a line of a valid trace taken as malformed
        why = f"memdev run exited {rc}" + (f" (signal {-rc})" if rc < 0 else "") + f": {err}"
    else:
        why = compare(want, got, text)
    if why and keep:
        os.makedirs(keep, exist_ok=True)
        with open(os.path.join(keep, name + ".trace"), "w", encoding="latin-1") as f:
            f.write(text)
    return why


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (the scripts' convention)
        print(f"oracle.py: {message}", file=sys.stderr)
        sys.exit(2)


def int_arg(lo, hi):
    def conv(s):
        if not re.fullmatch(r"[0-9]{1,9}", s) or not lo <= int(s) <= hi:
            raise argparse.ArgumentTypeError(f"'{s}' must be an integer from {lo} to {hi}")
        return int(s)
    return conv


def main():
    ap = Parser(description=__doc__,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--memdev", required=True, help="the memdev command (build/.../core/memdev)")
    ap.add_argument("--seed", type=int_arg(0, 999999999), default=1,
                    help="seed of the random traces (default 1; the same seed, the same traces)")
    ap.add_argument("--traces", type=int_arg(1, 1000000), default=200,
                    help="how many random traces (default 200)")
    ap.add_argument("--ops", type=int_arg(1, 100000), default=120,
                    help="operations per random trace (default 120)")
    ap.add_argument("--keep", help="save each disagreeing trace in this folder")
    ap.add_argument("--big", action="store_true",
                    help="random traces of one large structure each (gen_big: thousands of "
                         "small devices, or one device of many extents) instead of mixed ones")
    ap.add_argument("--outcomes", action="store_true",
                    help="print how often each outcome of OUTCOMES was expected, and exit 1 "
                         "when the traces never reach one (a generator that stopped making it)")
    ap.add_argument("files", nargs="*", help="existing traces to check instead of random ones")
    args = ap.parse_args()
    if not (os.path.isfile(args.memdev) and os.access(args.memdev, os.X_OK)):
        ap.error(f"--memdev '{args.memdev}' is not an executable file")
    bad = ops = 0
    seen = {}
    try:
        if args.files:
            todo = []
            for p in args.files:
                with open(p, encoding="latin-1") as f:  # bytes as they are (ids are bytes)
                    todo.append((os.path.basename(p), f.read()))
        else:
            rng = random.Random(args.seed)
            gen = gen_big if args.big else gen_trace
            todo = [(f"oracle-{args.seed}-{'big-' * args.big}{i}", gen(rng, args.ops))
                    for i in range(args.traces)]
        for name, text in todo:
            try:
                why = check_text(args.memdev, text, name, args.keep, seen)
            except (ValueError, IndexError, KeyError) as e:
                raise ValueError(f"{name}: the oracle cannot read it: {e!r}") from e
            ops += text.count("\n")
            if why:
                bad += 1
                print(f"DISAGREE {name}: {why}")
    except (OSError, RuntimeError, ValueError) as e:
        print(f"oracle.py: {e}", file=sys.stderr)
        sys.exit(2)
    missed = []
    if args.outcomes:
        for op, labels in OUTCOMES.items():
            row = [f"{label} {seen.get(op + ' ' + label, 0)}" for label in labels]
            print(f"  {op}: " + ", ".join(row))
            missed += [f"{op} {label}" for label in labels if not seen.get(f"{op} {label}")]
        print(f"oracle: outcomes never reached: {', '.join(missed)}" if missed
              else f"oracle: all {sum(map(len, OUTCOMES.values()))} outcomes reached")
    print(f"oracle: {len(todo)} traces, {ops} lines: {len(todo) - bad} agree, {bad} disagree")
    sys.exit(1 if bad or missed else 0)


if __name__ == "__main__":
    main()
