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
     'if (hi < t->last && usable(hi + 1, t->last, align) >= size) {',
     'if (hi < t->last && usable(hi + 1, t->last - 1, align) >= size) {',
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
     '    leaf_sum(t, l);\n    leaf_sum(t, r);\n    return ri;',
     '    leaf_sum(t, l);\n    return ri;',
     'stale gap summary after a leaf split: the new right leaf keeps an old summary'),
    ('merge-boundary-gap', 'core/src/wtree.c',
     '                inner_pair(t, p, left);\n            rows_bnd(t, p, left, left + 2);',
     '                inner_pair(t, p, left);\n            rows_bnd(t, p, left, left);',
     'stale gap summary after a merge: the boundary gap after the merged node is not updated'),
    ('inner-split-bnd', 'core/src/wtree.c',
     '    rows_bnd(t, p, 0, p->n - 1);\n    rows_bnd(t, q, 0, q->n - 1);',
     '    rows_bnd(t, p, 0, p->n - 1);',
     'stale gap summary after an inner-node split (trees of more than 256 devices)'),
    ('face-ignores-sums', 'core/src/wtree.c',
     'return f->lo == p->lo[0] && f->hi == p->hi[p->n - 1] &&\n           !memcmp(f->sum, p->sum, t->ncls * sizeof f->sum[0]);',
     'return f->lo == p->lo[0] && f->hi == p->hi[p->n - 1];',
     'stale gap summary: propagation stops when bounds are unchanged although sums changed'),
    ('bnd-before-subtree', 'core/src/wtree.c',
     '            if (p->bnd[k][r] >= size) {\n                wt_align_up(p->hi[r - 1] + 1, align, addr);\n                return true;\n            }\n            if (p->csum[k][r] >= size)\n                break;',
     '            if (p->csum[k][r] >= size)\n                break;\n            if (p->bnd[k][r] >= size) {\n                wt_align_up(p->hi[r - 1] + 1, align, addr);\n                return true;\n            }',
     'search order: a subtree is tried before the lower boundary gap in front of it'),
    ('leaf-gap-ignores-hole', 'core/src/wtree.c',
     '        if (between(l->last[i - 1], l->first[i], align) >= size) {',
     '        if (l->first[i] - l->last[i - 1] - 1 >= size) {',
     'search that ignores the alignment hole: a gap long enough before alignment is taken'),
    ('lookup-last-byte', 'core/src/wtree.c',
     'if (i == 0 || l->last[i - 1] < gpa)',
     'if (i == 0 || l->last[i - 1] <= gpa)',
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
     '        space_release(sp, *id);\n        space_release(sp, *memdev);',
     '        space_release(sp, *memdev);',
     'a failed plug that leaves a trace: the id copy leaks when a later allocation fails'),
    ('vmem-last-block', 'core/src/vmem.c',
     'len > size || off > size - len)',
     'len > size || off >= size - len)',
     'off-by-one at the device end: the last blocks of a virtio-mem device cannot be plugged'),
    ('balloon-index-range', 'core/src/vmem.c',
     'if (index >= v->nslots)',
     'if (index > v->nslots)',
     'off-by-one: hv-balloon memslot index n (one past the end) is accepted'),
    ('unplug-requested-busy', 'core/src/space.c',
     'if (v->kind == MEMDEV_VIRTIO_MEM && (v->x->plugged || v->x->requested))',
     'if (v->kind == MEMDEV_VIRTIO_MEM && v->x->plugged)',
     'virtio-mem with a non-zero requested size (nothing plugged) can be unplugged'),
    ('nvdimm-label-size', 'core/src/space.c',
     'p->size = p->label >= d->size ? 0 : (d->size - p->label) & ~(d->align - 1);',
     'p->size = p->label >= d->size ? 0 : d->size & ~(d->align - 1);',
     'nvdimm mapped size forgets to subtract the label'),
    # The input shapes issue 7 found missing (gap-relative sizes, leaf-boundary hints,
    # virtio-mem lengths, the info JSON's content, what only the trace target can write).
    ('leaf-fit-exact', 'core/src/wtree.c',
     '        if (between(l->last[i - 1], l->first[i], align) >= size) {',
     '        if (between(l->last[i - 1], l->first[i], align) > size) {',
     'off-by-one fit test: a device exactly as large as a gap between two devices does not fit'),
    ('usable-one-short', 'core/src/wtree.c',
     '    return glast - s + 1;',
     '    return glast - s;',
     'usable size of a gap one byte short everywhere (summaries agree with it, the model not)'),
    ('overlap-gap-leaf', 'core/src/wtree.c',
     '        while (r < p->n && p->hi[r] < first)\n            r++;\n        if (r == p->n)\n            return false;',
     '        while (r + 1 < p->n && p->lo[r + 1] <= first)\n            r++;',
     'conflict missed: a hint in the gap where two leaves meet, reaching into the next leaf'),
    ('vmem-len-unaligned', 'core/src/vmem.c',
     'if (off % v->block || len % v->block || len == 0',
     'if (off % v->block || len == 0',
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
     '    if (idlen > MEMDEV_MAX_ID_LEN)',
     '    if (idlen >= MEMDEV_MAX_ID_LEN)',
     'off-by-one id length: a 255-byte id is refused (only the trace target writes such ids)'),
    ('largest-gap-head', 'core/src/wtree.c',
     '    if (lo > t->base)\n        m = max64(m, lo - t->base);\n    if (hi < t->last)',
     '    if (hi < t->last)',
     'stats: the largest free range ignores the gap before the first device'),
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
