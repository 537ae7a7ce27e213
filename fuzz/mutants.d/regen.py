#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""regen.py - rewrites the planted-bug patches NN-name.patch of fuzz/mutants.d from the table
below (file, exact text, replacement, what the bug is) against the current core/src, so they
keep applying when the core changes. Each patch is one small edit of the kinds that hit real
allocators. A text no longer found is reported; fix its row. Run: fuzz/mutants.d/regen.py"""
import difflib
import os
import sys

MUTANTS = [
    ('window-end-tail-gap', 'core/src/wtree.c',
     'if (t->max_last < t->last && usable_incl(t->max_last + 1, t->last, align - 1) >= size) {',
     'if (t->max_last < t->last && usable_incl(t->max_last + 1, t->last - 1, align - 1) >= size) {',
     'off-by-one at the window end: first fit never uses the last byte of the window'),
    ('hint-range-window-end', 'core/src/space.c',
     'hint + (size - 1) > sp->wlast)',
     'hint + size > sp->wlast)',
     'off-by-one at the window end: a hinted device may not end exactly at the window end'),
    ('hint-wrap-check', 'core/src/space.c',
     'if (size - 1 > UINT64_MAX - hint || hint < sp->cfg.base',
     'if (hint < sp->cfg.base',
     'missing wrap check: hint + size wrapping past 2^64 passes the range check'),
    ('too-big-wrap-check', 'core/src/space.c',
     'if (!wt_align_up(sp->cfg.base, a, &start) || size - 1 > UINT64_MAX - start)',
     'if (!wt_align_up(sp->cfg.base, a, &start))',
     'missing wrap check: align_up(base) + size wrapping is not too-big'),
    ('budget-wrap', 'core/src/space.c',
     'if (p->size > sp->cfg.budget - sp->used_size)',
     'if (sp->used_size + p->size > sp->cfg.budget)',
     'missing wrap check: used_size + size wraps and passes the budget check'),
    ('split-right-leaf-sum', 'core/src/wtree.c',
     '    leaf_summary(t, l, &ls);\n    leaf_summary(t, rl, &rs);',
     '    leaf_summary(t, rl, &rs);',
     'stale gap summary after a leaf split: the left leaf keeps its summary from before'),
    ('merge-boundary-gap', 'core/src/wtree.c',
     '        row_put(p, r + 1, b->gs, b, &s);',
     '        row_put(p, r + 1, p->sep[r + 1], b, &s);',
     'stale boundary after a merge: the refilled right leaf keeps its old separator'),
    ('inner-split-bnd', 'core/src/wtree.c',
     '    rows_clear_tail(p);\n    inner_summary(t, p, ps);\n    inner_summary(t, q, qs);',
     '    rows_clear_tail(p);\n    inner_summary(t, q, qs);',
     'stale gap summary after an inner-node split: the left node keeps the summary of both'),
    ('face-ignores-sums', 'core/src/wtree.c',
     '            return; /* nothing above can change [I4] [I5] */\n        s = ps;\n    }\n    t->root_sum = s;',
     '            return; /* nothing above can change [I4] [I5] */\n        s = ps;\n    }',
     'stale gap summary: propagation stops below the root although the sums changed'),
    ('bnd-before-subtree', 'core/src/wtree.c',
     '    for (uint32_t h = l->holes; h; h &= h - 1) {\n        uint32_t i = ctz32(h);\n        uint64_t g0 = gap_start(l, i), len = l->e[i].first - g0;\n        if (len >= size',
     '    for (uint32_t h = l->holes; h; h &= ~(1u << (31 - __builtin_clz(h)))) {\n        uint32_t i = 31 - (uint32_t)__builtin_clz(h);\n        uint64_t g0 = gap_start(l, i), len = l->e[i].first - g0;\n        if (len >= size',
     'search order: a later gap of the leaf is taken before the lowest one that fits'),
    ('leaf-gap-ignores-hole', 'core/src/wtree.c',
     '        if (len >= size && usable(g0, len, m) >= size) {',
     '        if (len >= size) {',
     'search that ignores the alignment hole: a gap long enough before alignment is taken'),
    ('lookup-last-byte', 'core/src/wtree.c',
     'if (i == 0 || l->e[i - 1].last < gpa)',
     'if (i == 0 || l->e[i - 1].last <= gpa)',
     'lookup off-by-one: the last byte of every device is not found'),
    ('unplug-memslot-sum', 'core/src/space.c',
     '    sp->required -= dev_nslots(v);',
     '    sp->required -= 1;',
     'wrong memslot sum: unplug gives back one memslot whatever the device decided'),
    ('admission-ignores-reserved', 'core/src/space.c',
     'uint64_t want = (uint64_t)p->n + (sp->required - sp->used);',
     'uint64_t want = (uint64_t)p->n;',
     'wrong memslot sum: KVM/vhost admission ignores memslots reserved by decided devices'),
    ('decision-reserved', 'core/src/memslots.c',
     'uint64_t reserved = sp->required - sp->used;',
     'uint64_t reserved = sp->required;',
     'wrong memslot sum in the decision limit: reserved counts mapped memslots too'),
    ('vhost-conflict-used-only', 'core/src/space.c',
     'if (sp->required > (uint64_t)l.max - l.other)',
     'if (sp->used > (uint64_t)l.max - l.other)',
     'vhost-add checks mapped memslots only, not used + reserved'),
    ('auto-slot-claimed-early', 'core/src/space.c',
     '            p->slot = (int32_t)s;\n            return 0;',
     '            p->slot = (int32_t)s;\n            sp->slot_map[w] |= 1ull << (s % 64);\n            return 0;',
     'a failed plug that leaves a trace: the automatic DIMM slot is claimed before later checks'),
    ('oom-leaks-id', 'core/src/space.c',
     '        blocks_release(sp, b);\n        id_remove(sp, p->key.hash, sp->dev_free);',
     '        blocks_release(sp, b);',
     'a failed plug that leaves a trace: the id stays in the id table when a later allocation fails'),
    ('vmem-last-block', 'core/src/vmem.c',
     'len > size || off > size - len)',
     'len > size || off >= size - len)',
     'off-by-one at the device end: the last blocks of a virtio-mem device cannot be plugged'),
    ('balloon-index-range', 'core/src/vmem.c',
     'if (index >= v->nslots)',
     'if (index > v->nslots)',
     'off-by-one: hv-balloon memslot index n (one past the end) is accepted'),
    ('unplug-requested-busy', 'core/src/space.c',
     'if (v->kind == MEMDEV_VIRTIO_MEM && (dev_plugged(v) || v->requested))',
     'if (v->kind == MEMDEV_VIRTIO_MEM && dev_plugged(v))',
     'virtio-mem with a non-zero requested size (nothing plugged) can be unplugged'),
    ('nvdimm-label-size', 'core/src/space.c',
     'p->size = p->label >= d->size ? 0 : (d->size - p->label) & ~(d->align - 1);',
     'p->size = p->label >= d->size ? 0 : d->size & ~(d->align - 1);',
     'nvdimm mapped size forgets to subtract the label'),
    # The input shapes issue 7 found missing (gap-relative sizes, leaf-boundary hints,
    # virtio-mem lengths, the info JSON's content, what only the trace target can write).
    ('leaf-fit-exact', 'core/src/wtree.c',
     '        if (len >= size && usable(g0, len, m) >= size) {',
     '        if (len >= size && usable(g0, len, m) > size) {',
     'off-by-one fit test: a device exactly as large as a gap inside a leaf does not fit'),
    ('usable-one-short', 'core/src/wtree.c',
     '    return pad < len ? len - pad : 0;',
     '    return pad < len ? len - pad - 1 : 0;',
     'usable size of a gap one byte short everywhere (summaries agree with it, the model not)'),
    ('overlap-gap-leaf', 'core/src/wtree.c',
     '    if (i < l->n && l->e[i].first <= last) {',
     '    if (i > 0 && i < l->n && l->e[i].first <= last) {',
     'conflict missed: a hint in the gap where two leaves meet, reaching into the next leaf'),
    ('vmem-len-unaligned', 'core/src/vmem.c',
     'if (off % block || len % block || len == 0',
     'if (off % block || len == 0',
     'virtio-mem request lengths that are not a multiple of the block are accepted'),
    ('json-vmem-size', 'core/src/query.c',
     'jnum(j, "size", d->plugged, &first);',
     'jnum(j, "size", d->size, &first);',
     'info JSON: virtio-mem "size" is the region, not the plugged size (only the JSON shows it)'),
    ('json-backslash', 'core/src/query.c',
     'if (*p == \'"\' || *p == \'\\\\\') {',
     'if (*p == \'"\') {',
     'info JSON: a backslash in an id or memdev name is not escaped (ids the trace target writes)'),
    ('id-length-limit', 'core/src/space.c',
     '    if (p->key.len > MEMDEV_MAX_ID_LEN)',
     '    if (p->key.len >= MEMDEV_MAX_ID_LEN)',
     'off-by-one id length: a 255-byte id is refused (only the trace target writes such ids)'),
    ('largest-gap-tail', 'core/src/wtree.c',
     '    if (t->max_last < t->last)\n        m = max64(m, t->last - t->max_last);\n',
     '',
     'stats: the largest free range ignores the gap after the last device'),
    ('vmem-merge-last-extent', 'core/src/vmem.c',
     '    bool right = i < v->n_ext && v->ext[i].start == end;',
     '    bool right = i + 1 < v->n_ext && v->ext[i].start == end;',
     'off-by-one: a plug that ends where the last plugged extent begins is not joined to it'),
    ('vmem-state-wrap', 'core/src/query.c',
     '    if (len == 0 || len > d->size || off > d->size - len)\n        return MEMDEV_EREMAPRANGE;',
     '    if (len == 0 || off + len > d->size)\n        return MEMDEV_EREMAPRANGE;',
     'missing wrap check: a virtio-mem state query whose range wraps past 2^64 is answered'),
    # Issue 9, second round: the records' leaf hints [I8].
    ('leaf-hint-spill', 'core/src/wtree.c',
     '        run_put(s, 0, &u, l->n, m);\n        report(t, s, 0, m);\n',
     '        run_put(s, 0, &u, l->n, m);\n',
     'stale leaf hint: entries a full leaf hands to its right sibling keep naming the old leaf'),
    # the oracle's check of memdev_foreach's early stop
    ('foreach-stop-empty', 'core/src/query.c',
     '        int rc = fn(ctx, sp, space_dev(sp, sp->empties[i]));\n        if (rc)\n            return rc;',
     '        int rc = fn(ctx, sp, space_dev(sp, sp->empties[i]));\n        if (rc)\n            break;',
     'memdev_foreach does not stop when its callback returns non-zero at an empty device'),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(os.path.dirname(here))
    for f in os.listdir(here):
        if f.endswith('.patch'):
            os.remove(os.path.join(here, f))
    bad = 0
    for n, (name, path, old, new, why) in enumerate(MUTANTS, 1):
        text = open(os.path.join(top, path)).read()
        if text.count(old) != 1:
            print(f'regen: {name}: text found {text.count(old)} times in {path}', file=sys.stderr)
            bad = 1
            continue
        mutated = text.replace(old, new)
        diff = difflib.unified_diff(text.splitlines(True), mutated.splitlines(True),
                                    'a/' + path, 'b/' + path, n=2)
        with open(os.path.join(here, f'{n:02d}-{name}.patch'), 'w') as out:
            out.write(f'Bug: {why}\n\n')
            out.writelines(diff)
    print(f'regen: {len(MUTANTS) - bad} patches written')
    return bad


if __name__ == '__main__':
    sys.exit(main())
