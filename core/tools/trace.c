/* SPDX-License-Identifier: MIT */
/*
 * trace.c - memdev trace v1: line parser, formatter, and the runner that executes a trace
 * against the library (and, with check, against the reference model beside it).
 *
 * The parser works on one line at a time, copies it into the op's own buffer and cuts tokens
 * in place, so any byte string is safe to feed it (NUL, CR, huge lines, no final newline) and
 * there is nothing to free but the op's buffer. It checks syntax only: every value the spec
 * gives a meaning to is passed to the library unjudged, so traces exercise the library's own
 * argument checks. The runner keeps the result of the last operation for `expect`, prints one
 * line per operation through the caller's sink and, in check mode, compares return codes,
 * results, memdev_validate(), model_compare() and the digest of failed operations after every
 * step, stopping at the first divergence with both states dumped.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream for model_dump */

#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* ---------------------------------------------------------------------------------------- */
/* Growable output line (allocation failure truncates output, never crashes)                */

struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void sb_reserve(struct sbuf *sb, size_t extra)
{
    if (sb->oom || extra < sb->cap - sb->len)
        return;
    size_t want = sb->len + extra + 1;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < want && cap < SIZE_MAX / 2)
        cap *= 2;
    if (cap < want) {
        sb->oom = true;
        return;
    }
    char *np = realloc(sb->p, cap);
    if (!np) {
        sb->oom = true;
        return;
    }
    sb->p = np;
    sb->cap = cap;
}

static void sb_add(struct sbuf *sb, const char *s, size_t n)
{
    sb_reserve(sb, n);
    if (sb->oom)
        return;
    memcpy(sb->p + sb->len, s, n);
    sb->len += n;
    sb->p[sb->len] = '\0';
}

static void sb_str(struct sbuf *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

PRINTF_LIKE(2, 3)
static void sb_addf(struct sbuf *sb, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        sb_add(sb, small, (size_t)n);
        return;
    }
    sb_reserve(sb, (size_t)n);
    if (sb->oom)
        return;
    va_start(ap, fmt);
    vsnprintf(sb->p + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

static void sb_free(struct sbuf *sb)
{
    free(sb->p);
    memset(sb, 0, sizeof *sb);
}

/* ---------------------------------------------------------------------------------------- */
/* Names                                                                                    */

static const char *const op_names[TRACE_OP_TYPE_COUNT] = {
    [TRACE_OP_NONE] = NULL,          [TRACE_OP_SPACE] = "space",
    [TRACE_OP_PLUG] = "plug",        [TRACE_OP_UNPLUG] = "unplug",
    [TRACE_OP_VMEM] = "vmem",        [TRACE_OP_RESIZE] = "resize",
    [TRACE_OP_MAP] = "map",          [TRACE_OP_UNMAP] = "unmap",
    [TRACE_OP_VHOST_ADD] = "vhost-add", [TRACE_OP_LOOKUP] = "lookup",
    [TRACE_OP_FREE] = "free",        [TRACE_OP_STATS] = "stats",
    [TRACE_OP_LIST] = "list",        [TRACE_OP_INFO] = "info",
    [TRACE_OP_EXPECT] = "expect",    [TRACE_OP_FAIL_ALLOC] = "fail-alloc",
};

const char *trace_op_name(enum trace_op_type type)
{
    if ((unsigned)type >= TRACE_OP_TYPE_COUNT)
        return NULL;
    return op_names[type];
}

enum key_id {
    K_BASE, K_SIZE, K_BUDGET, K_SLOTS, K_KVM, K_VHOST, K_ALIGN, K_ADDR, K_SLOT, K_BLOCK,
    K_DYNAMIC, K_REQUESTED, K_LABEL, K_NODE, K_MEMDEV, K_EMPTY, K_MEMSLOTS,
    /* expect-only extensions */
    K_OFFSET, K_MEMSLOT, K_MAPPED, K_ID, K_USED_SIZE, K_PLUGGED_SIZE, K_REQUIRED, K_USED,
    K_RESERVED, K_KVM_FREE, K_VHOST_FREE, K_DEVICES, K_DIMM_SLOTS_USED, K_LARGEST_GAP, K_COUNT
};
_Static_assert(K_COUNT <= 32, "key bits must fit a uint32_t");

static const char *const key_names[K_COUNT] = {
    "base", "size", "budget", "slots", "kvm", "vhost", "align", "addr", "slot", "block",
    "dynamic-memslots", "requested", "label", "node", "memdev", "empty", "memslots",
    "offset", "memslot", "mapped", "id", "used_size", "plugged_size", "required", "used",
    "reserved", "kvm_free", "vhost_free", "devices", "dimm_slots_used", "largest_gap",
};

/* Expect keys: the key_id of each trace_expect_key, and whether it prints in hex. */
static const struct {
    enum key_id key;
    bool hex;
} expect_keys[TRACE_EXP_COUNT] = {
    [TRACE_EXP_ADDR] = {K_ADDR, true},
    [TRACE_EXP_SLOT] = {K_SLOT, false},
    [TRACE_EXP_MEMSLOTS] = {K_MEMSLOTS, false},
    [TRACE_EXP_OFFSET] = {K_OFFSET, true},
    [TRACE_EXP_MEMSLOT] = {K_MEMSLOT, false},
    [TRACE_EXP_MAPPED] = {K_MAPPED, false},
    [TRACE_EXP_USED_SIZE] = {K_USED_SIZE, true},
    [TRACE_EXP_PLUGGED_SIZE] = {K_PLUGGED_SIZE, true},
    [TRACE_EXP_REQUIRED] = {K_REQUIRED, false},
    [TRACE_EXP_USED] = {K_USED, false},
    [TRACE_EXP_RESERVED] = {K_RESERVED, false},
    [TRACE_EXP_KVM_FREE] = {K_KVM_FREE, false},
    [TRACE_EXP_VHOST_FREE] = {K_VHOST_FREE, false},
    [TRACE_EXP_DEVICES] = {K_DEVICES, false},
    [TRACE_EXP_DIMM_SLOTS_USED] = {K_DIMM_SLOTS_USED, false},
    [TRACE_EXP_LARGEST_GAP] = {K_LARGEST_GAP, true},
};

static int expect_index(enum key_id key)
{
    for (int i = 0; i < TRACE_EXP_COUNT; i++)
        if (expect_keys[i].key == key)
            return i;
    return -1;
}

/* Appends " key=value" for an expect key. */
static void add_expect_value(struct sbuf *sb, int idx, uint64_t v)
{
    const char *name = key_names[expect_keys[idx].key];
    if (idx == TRACE_EXP_MAPPED)
        sb_addf(sb, " %s=%s", name, v ? "yes" : "no");
    else if (expect_keys[idx].hex)
        sb_addf(sb, " %s=0x%" PRIx64, name, v);
    else
        sb_addf(sb, " %s=%" PRIu64, name, v);
}

#define KB(k) (1u << (k))

/* Positional operand names and allowed keys of each op (expect is special-cased). */
struct op_syntax {
    unsigned n_operands;
    const char *operands[4];
    uint32_t keys;
};

static const struct op_syntax op_syntax[TRACE_OP_TYPE_COUNT] = {
    [TRACE_OP_SPACE] = {0, {NULL}, KB(K_BASE) | KB(K_SIZE) | KB(K_BUDGET) | KB(K_SLOTS) |
                                       KB(K_KVM) | KB(K_VHOST)},
    [TRACE_OP_PLUG] = {2, {"ID", "KIND"},
                       KB(K_SIZE) | KB(K_ALIGN) | KB(K_ADDR) | KB(K_SLOT) | KB(K_BLOCK) |
                           KB(K_DYNAMIC) | KB(K_REQUESTED) | KB(K_LABEL) | KB(K_NODE) |
                           KB(K_MEMDEV) | KB(K_EMPTY)},
    [TRACE_OP_UNPLUG] = {1, {"ID"}, 0},
    [TRACE_OP_VMEM] = {4, {"ID", "plug|unplug", "OFFSET", "LEN"}, 0},
    [TRACE_OP_RESIZE] = {1, {"ID"}, KB(K_REQUESTED)},
    [TRACE_OP_MAP] = {2, {"ID", "SLOT"}, 0},
    [TRACE_OP_UNMAP] = {2, {"ID", "SLOT"}, 0},
    [TRACE_OP_VHOST_ADD] = {1, {"MAX[/OTHER]"}, 0},
    [TRACE_OP_LOOKUP] = {1, {"GPA"}, 0},
    [TRACE_OP_FREE] = {1, {"SIZE"}, KB(K_ALIGN)},
    [TRACE_OP_STATS] = {0, {NULL}, 0},
    [TRACE_OP_LIST] = {0, {NULL}, 0},
    [TRACE_OP_INFO] = {0, {NULL}, 0},
    [TRACE_OP_EXPECT] = {1, {"ok|error|none"},
                         KB(K_ADDR) | KB(K_SLOT) | KB(K_MEMSLOTS) | KB(K_OFFSET) | KB(K_MEMSLOT) |
                             KB(K_MAPPED) | KB(K_ID) | KB(K_USED_SIZE) | KB(K_PLUGGED_SIZE) |
                             KB(K_REQUIRED) | KB(K_USED) | KB(K_RESERVED) | KB(K_KVM_FREE) |
                             KB(K_VHOST_FREE) | KB(K_DEVICES) | KB(K_DIMM_SLOTS_USED) |
                             KB(K_LARGEST_GAP)},
    [TRACE_OP_FAIL_ALLOC] = {0, {NULL}, 0},
};

/* ---------------------------------------------------------------------------------------- */
/* Parser                                                                                   */

struct pctx {
    char *line;        /* the op's copy of the line, NUL-terminated, cut in place */
    char *cur;
    size_t end_col;    /* column just past the last byte of content */
    struct trace_diag *diag;
};

PRINTF_LIKE(3, 4)
static int perr(struct pctx *c, size_t col, const char *fmt, ...)
{
    va_list ap;
    c->diag->col = col;
    va_start(ap, fmt);
    vsnprintf(c->diag->msg, sizeof c->diag->msg, fmt, ap);
    va_end(ap);
    return -1;
}

/* Shortened token for messages: precision and ellipsis. */
#define QLEN 48
#define QTOK(t) (int)(strlen(t) > QLEN ? QLEN : strlen(t)), (t), (strlen(t) > QLEN ? "..." : "")

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Next whitespace-separated token (NUL-terminated in place), or NULL at the end. */
static char *next_tok(struct pctx *c, size_t *col)
{
    while (is_space(*c->cur))
        c->cur++;
    if (*c->cur == '\0')
        return NULL;
    char *t = c->cur;
    *col = (size_t)(t - c->line) + 1;
    while (*c->cur != '\0' && !is_space(*c->cur))
        c->cur++;
    if (*c->cur != '\0')
        *c->cur++ = '\0';
    return t;
}

static int digit_value(char ch, unsigned base)
{
    int d;
    if (ch >= '0' && ch <= '9')
        d = ch - '0';
    else if (ch >= 'a' && ch <= 'f')
        d = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F')
        d = ch - 'A' + 10;
    else
        return -1;
    return (unsigned)d < base ? d : -1;
}

static unsigned suffix_shift(char ch)
{
    switch (ch) {
    case 'K': case 'k': return 10;
    case 'M': case 'm': return 20;
    case 'G': case 'g': return 30;
    case 'T': case 't': return 40;
    default: return 0;
    }
}

/* Parses decimal / 0x hex with an optional binary suffix. 0, or -1 with the diag filled. */
static int parse_u64(struct pctx *c, const char *s, size_t col, uint64_t *out)
{
    const char *p = s;
    unsigned base = 10;
    uint64_t v = 0;
    if (*p == '\0')
        return perr(c, col, "missing number");
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    const char *digits = p;
    bool overflow = false;
    for (int d; (d = digit_value(*p, base)) >= 0; p++) {
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            overflow = true;
        else
            v = v * base + (uint64_t)d;
    }
    if (p == digits)
        return perr(c, col, "bad number '%.*s%s'", QTOK(s));
    unsigned shift = suffix_shift(*p);
    if (shift)
        p++;
    if (*p != '\0')
        return perr(c, col, "bad number '%.*s%s' (unexpected '%c')", QTOK(s), *p);
    if (shift && v > (UINT64_MAX >> shift))
        overflow = true;
    if (overflow)
        return perr(c, col, "number '%.*s%s' is larger than 2^64-1", QTOK(s));
    *out = v << shift;
    return 0;
}

static int parse_u32(struct pctx *c, const char *s, size_t col, uint32_t *out)
{
    uint64_t v;
    if (parse_u64(c, s, col, &v))
        return -1;
    if (v > UINT32_MAX)
        return perr(c, col, "number '%.*s%s' is larger than 4294967295", QTOK(s));
    *out = (uint32_t)v;
    return 0;
}

/*
 * A 32-bit index or count whose every value above 2^32-1 means the same to the library as
 * 2^32-1 (out of range: DIMM slot, slot count, memslot index): saturates instead of
 * rejecting, so the library, not the parser, reports it (invalid-slot, remap-range, ...).
 */
static int parse_u32_sat(struct pctx *c, const char *s, size_t col, uint32_t *out)
{
    uint64_t v;
    if (parse_u64(c, s, col, &v))
        return -1;
    *out = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    return 0;
}

/* MAX[/OTHER], OTHER defaults to 0. Cuts s at the '/'. */
static int parse_limit(struct pctx *c, char *s, size_t col, memdev_limit *out)
{
    char *slash = strchr(s, '/');
    out->other = 0;
    if (slash) {
        *slash = '\0';
        if (parse_u32(c, slash + 1, col + (size_t)(slash + 1 - s), &out->other))
            return -1;
    }
    return parse_u32(c, s, col, &out->max);
}

/* Copies the line, strips the comment, rejects control bytes. */
static int prepare_line(struct trace_op *op, struct pctx *c, const char *text, size_t len)
{
    if (op->store_cap_ < len + 1 || !op->store_) {
        size_t cap = len + 1 < 128 ? 128 : len + 1;
        char *np = realloc(op->store_, cap);
        if (!np)
            return perr(c, 1, "out of memory for a line of %zu bytes", len);
        op->store_ = np;
        op->store_cap_ = cap;
    }
    size_t n = 0;
    for (; n < len && text[n] != '#'; n++) {
        unsigned char ch = (unsigned char)text[n];
        if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f)
            return perr(c, n + 1, "invalid byte 0x%02x (control character)", ch);
        op->store_[n] = (char)ch;
    }
    op->store_[n] = '\0';
    while (n > 0 && is_space(op->store_[n - 1]))
        n--;
    c->line = c->cur = op->store_;
    c->end_col = n + 1;
    return 0;
}

static int find_op(const char *name, enum trace_op_type *type)
{
    for (unsigned i = 1; i < TRACE_OP_TYPE_COUNT; i++) {
        if (strcmp(op_names[i], name) == 0) {
            *type = (enum trace_op_type)i;
            return 1;
        }
    }
    return 0;
}

static int find_key(const char *name, enum key_id *key)
{
    for (unsigned i = 0; i < K_COUNT; i++) {
        if (strcmp(key_names[i], name) == 0) {
            *key = (enum key_id)i;
            return 1;
        }
    }
    return 0;
}

/* One key=value of `expect ok`. */
static int apply_expect_key(struct pctx *c, struct trace_expect *e, enum key_id key, char *val,
                            size_t vcol)
{
    if (key == K_ID) {
        if (*val == '\0')
            return perr(c, vcol, "empty value for 'id'");
        e->id = val;
        return 0;
    }
    int idx = expect_index(key);
    if (idx < 0)
        return perr(c, vcol, "internal: key is not an expect key");
    e->fields |= 1u << idx;
    if (key != K_MAPPED)
        return parse_u64(c, val, vcol, &e->value[idx]);
    if (strcmp(val, "yes") == 0)
        e->value[idx] = 1;
    else if (strcmp(val, "no") == 0)
        e->value[idx] = 0;
    else
        return perr(c, vcol, "mapped takes yes or no, not '%.*s%s'", QTOK(val));
    return 0;
}

/* Applies one key=value (value already split off) to the op. */
static int apply_key(struct pctx *c, struct trace_op *op, enum key_id key, char *val,
                     size_t vcol)
{
    memdev_config *cfg = &op->config;
    memdev_device_desc *d = &op->desc;
    bool plug = op->type == TRACE_OP_PLUG;
    if (op->type == TRACE_OP_EXPECT)
        return apply_expect_key(c, &op->expect, key, val, vcol);
    switch (key) {
    case K_BASE: return parse_u64(c, val, vcol, &cfg->base);
    case K_SIZE:
        return parse_u64(c, val, vcol, plug ? &d->size : &cfg->size);
    case K_BUDGET: return parse_u64(c, val, vcol, &cfg->budget);
    case K_SLOTS: return parse_u32_sat(c, val, vcol, &cfg->dimm_slots);
    case K_KVM:
        cfg->has_kvm = true;
        return parse_limit(c, val, vcol, &cfg->kvm);
    case K_VHOST:
        if (cfg->n_vhost >= TRACE_MAX_VHOST)
            return perr(c, vcol, "more than %u vhost= options", TRACE_MAX_VHOST);
        return parse_limit(c, val, vcol, &op->vhost[cfg->n_vhost++]);
    case K_ALIGN: return parse_u64(c, val, vcol, plug ? &d->align : &op->align);
    case K_ADDR:
        d->fields |= MEMDEV_F_ADDR;
        return parse_u64(c, val, vcol, &d->addr);
    case K_SLOT:
        d->fields |= MEMDEV_F_SLOT;
        return parse_u32_sat(c, val, vcol, &d->slot);
    case K_BLOCK: d->fields |= MEMDEV_F_BLOCK; return parse_u64(c, val, vcol, &d->block);
    case K_DYNAMIC:
        d->fields |= MEMDEV_F_DYNAMIC;
        if (strcmp(val, "on") == 0)
            d->dynamic = true;
        else if (strcmp(val, "off") == 0)
            d->dynamic = false;
        else
            return perr(c, vcol, "dynamic-memslots takes on or off, not '%.*s%s'", QTOK(val));
        return 0;
    case K_REQUESTED:
        if (!plug)
            return parse_u64(c, val, vcol, &op->requested);
        d->fields |= MEMDEV_F_REQUESTED;
        return parse_u64(c, val, vcol, &d->requested);
    case K_LABEL: d->fields |= MEMDEV_F_LABEL; return parse_u64(c, val, vcol, &d->label);
    case K_NODE: d->fields |= MEMDEV_F_NODE; return parse_u32(c, val, vcol, &d->node);
    case K_MEMDEV:
        if (*val == '\0')
            return perr(c, vcol, "empty value for 'memdev'");
        d->fields |= MEMDEV_F_MEMDEV;
        d->memdev = val;
        return 0;
    default: break;
    }
    return perr(c, vcol, "internal: unhandled key");
}


/* Parses the key=value options (and plug's bare `empty`) after the operands. */
static int parse_options(struct pctx *c, struct trace_op *op, uint32_t *seen)
{
    const char *opname = op_names[op->type];
    uint32_t allowed = op_syntax[op->type].keys;
    size_t col;
    for (char *t; (t = next_tok(c, &col)) != NULL;) {
        char *eq = strchr(t, '=');
        enum key_id key;
        if (!eq && op->type == TRACE_OP_EXPECT && strcmp(t, "empty") == 0) {
            op->expect.empty = true;
            continue;
        }
        if (!eq) {
            if (strcmp(t, "empty") != 0 || !(allowed & KB(K_EMPTY)))
                return perr(c, col, "unexpected operand '%.*s%s' for %s", QTOK(t), opname);
            if (*seen & KB(K_EMPTY))
                return perr(c, col, "duplicate key 'empty'");
            *seen |= KB(K_EMPTY);
            op->desc.fields |= MEMDEV_F_EMPTY;
            continue;
        }
        *eq = '\0';
        if (!find_key(t, &key))
            return perr(c, col, "unknown key '%.*s%s'", QTOK(t));
        if (key == K_EMPTY && (allowed & KB(K_EMPTY)))
            return perr(c, col, "'empty' takes no value");
        if (!(allowed & KB(key)))
            return perr(c, col, "key '%s' is not valid for %s", t, opname);
        if ((*seen & KB(key)) && key != K_VHOST)
            return perr(c, col, "duplicate key '%s'", t);
        *seen |= KB(key);
        if (apply_key(c, op, key, eq + 1, col + (size_t)(eq + 1 - t)))
            return -1;
    }
    return 0;
}

/* Reads the next operand; it may not look like an option. */
static int need_operand(struct pctx *c, const struct trace_op *op, unsigned i, char **tok,
                        size_t *col)
{
    const char *what = op_syntax[op->type].operands[i];
    *tok = next_tok(c, col);
    if (!*tok)
        return perr(c, c->end_col, "%s: missing %s", op_names[op->type], what);
    if (strchr(*tok, '='))
        return perr(c, *col, "%s: expected %s, got option '%.*s%s'", op_names[op->type], what,
                    QTOK(*tok));
    return 0;
}

static int parse_expect(struct pctx *c, struct trace_op *op)
{
    char *t;
    size_t col;
    uint32_t seen = 0;
    if (need_operand(c, op, 0, &t, &col))
        return -1;
    if (strcmp(t, "ok") == 0)
        return parse_options(c, op, &seen);
    if (strcmp(t, "none") == 0) {
        op->expect.none = true;
        t = next_tok(c, &col);
        if (t)
            return perr(c, col, "unexpected operand '%.*s%s' after expect none", QTOK(t));
        return 0;
    }
    if (strcmp(t, "error") != 0)
        return perr(c, col, "expect: expected 'ok', 'error' or 'none', got '%.*s%s'",
                    QTOK(t));
    t = next_tok(c, &col);
    if (!t)
        return perr(c, c->end_col, "expect error: missing CODE");
    int code;
    if (!memdev_error_from_name(t, &code) || code >= 0 || code < MEMDEV_ENOMEM)
        return perr(c, col, "unknown error code '%.*s%s'", QTOK(t));
    op->expect.code = code;
    t = next_tok(c, &col);
    if (t)
        return perr(c, col, "unexpected operand '%.*s%s' after expect error CODE", QTOK(t));
    return 0;
}

/* Interprets the positional operands of one op. */
static int parse_operands(struct pctx *c, struct trace_op *op)
{
    char *t[4] = {NULL, NULL, NULL, NULL};
    size_t col[4] = {0, 0, 0, 0};
    unsigned n = op_syntax[op->type].n_operands;
    for (unsigned i = 0; i < n; i++)
        if (need_operand(c, op, i, &t[i], &col[i]))
            return -1;
    if (n > 0)
        op->operand = t[0];
    switch (op->type) {
    case TRACE_OP_PLUG:
        op->id = op->desc.id = t[0];
        op->kind_text = t[1];
        if (!memdev_kind_from_name(t[1], &op->desc.kind))
            op->desc.kind = MEMDEV_KIND_COUNT; /* the library answers invalid-argument */
        return 0;
    case TRACE_OP_UNPLUG:
    case TRACE_OP_RESIZE:
        op->id = t[0];
        return 0;
    case TRACE_OP_VMEM:
        op->id = t[0];
        if (strcmp(t[1], "plug") == 0)
            op->vmem_plug = true;
        else if (strcmp(t[1], "unplug") != 0)
            return perr(c, col[1], "vmem: expected plug or unplug, got '%.*s%s'", QTOK(t[1]));
        if (parse_u64(c, t[2], col[2], &op->offset))
            return -1;
        return parse_u64(c, t[3], col[3], &op->length);
    case TRACE_OP_MAP:
    case TRACE_OP_UNMAP:
        op->id = t[0];
        return parse_u32_sat(c, t[1], col[1], &op->index);
    case TRACE_OP_VHOST_ADD: {
        /* parse a copy-free view: parse_limit cuts at '/', restore it for the operand text */
        char *slash = strchr(t[0], '/');
        int rc = parse_limit(c, t[0], col[0], &op->limit);
        if (slash)
            *slash = '/';
        return rc;
    }
    case TRACE_OP_LOOKUP: return parse_u64(c, t[0], col[0], &op->gpa);
    case TRACE_OP_FREE: return parse_u64(c, t[0], col[0], &op->size);
    default: return 0;
    }
}

/* Checks that required keys are present. */
static int check_required(struct pctx *c, const struct trace_op *op, uint32_t seen)
{
    static const enum key_id space_keys[] = {K_BASE, K_SIZE, K_BUDGET};
    if (op->type == TRACE_OP_SPACE) {
        for (unsigned i = 0; i < 3; i++)
            if (!(seen & KB(space_keys[i])))
                return perr(c, c->end_col, "space: missing required key '%s='",
                            key_names[space_keys[i]]);
    }
    if (op->type == TRACE_OP_PLUG && !(seen & (KB(K_SIZE) | KB(K_EMPTY))))
        return perr(c, c->end_col, "plug: missing required key 'size=' (or 'empty')");
    if (op->type == TRACE_OP_RESIZE && !(seen & KB(K_REQUESTED)))
        return perr(c, c->end_col, "resize: missing required key 'requested='");
    return 0;
}

static void op_reset(struct trace_op *op, size_t lineno)
{
    char *store = op->store_;
    size_t cap = op->store_cap_;
    memset(op, 0, sizeof *op);
    op->store_ = store;
    op->store_cap_ = cap;
    op->line = lineno;
    op->desc.align = MEMDEV_DEFAULT_ALIGN;
    op->align = MEMDEV_DEFAULT_ALIGN;
}

void trace_op_init(struct trace_op *op)
{
    memset(op, 0, sizeof *op);
}

void trace_op_release(struct trace_op *op)
{
    free(op->store_);
    op->store_ = NULL;
    op->store_cap_ = 0;
}

int trace_parse_line(struct trace_op *op, const char *text, size_t len, size_t lineno,
                     struct trace_diag *diag)
{
    struct pctx c = {.diag = diag};
    diag->line = lineno;
    diag->col = 0;
    diag->msg[0] = '\0';
    op_reset(op, lineno);
    if (prepare_line(op, &c, text, len))
        return -1;
    size_t col;
    char *name = next_tok(&c, &col);
    if (!name)
        return 0;
    if (!find_op(name, &op->type))
        return perr(&c, col, "unknown operation '%.*s%s'", QTOK(name));
    if (op->type == TRACE_OP_EXPECT)
        return parse_expect(&c, op);
    if (parse_operands(&c, op))
        return -1;
    uint32_t seen = 0;
    if (parse_options(&c, op, &seen))
        return -1;
    return check_required(&c, op, seen);
}

/* ---------------------------------------------------------------------------------------- */
/* Formatter                                                                                */

/* A token the parser would read back unchanged: non-empty, no whitespace, '#', control. */
static bool token_ok(const char *s, bool allow_eq)
{
    if (!s || !*s)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || *p == '#' || (*p == '=' && !allow_eq))
            return false;
    return true;
}

static int format_space(struct sbuf *sb, const struct trace_op *op)
{
    const memdev_config *cfg = &op->config;
    if (cfg->n_vhost > TRACE_MAX_VHOST)
        return -1;
    sb_addf(sb, "space base=0x%" PRIx64 " size=0x%" PRIx64 " budget=0x%" PRIx64 " slots=%" PRIu32,
            cfg->base, cfg->size, cfg->budget, cfg->dimm_slots);
    if (cfg->has_kvm)
        sb_addf(sb, " kvm=%" PRIu32 "/%" PRIu32, cfg->kvm.max, cfg->kvm.other);
    for (uint32_t i = 0; i < cfg->n_vhost; i++)
        sb_addf(sb, " vhost=%" PRIu32 "/%" PRIu32, op->vhost[i].max, op->vhost[i].other);
    return 0;
}

static int format_plug(struct sbuf *sb, const struct trace_op *op)
{
    const memdev_device_desc *d = &op->desc;
    const char *kind = memdev_kind_name(d->kind);
    if (!kind && d->kind == MEMDEV_KIND_COUNT && token_ok(op->kind_text, false))
        kind = op->kind_text;
    if (!kind || !token_ok(d->id, false))
        return -1;
    sb_addf(sb, "plug %s %s", d->id, kind);
    if (!(d->fields & MEMDEV_F_EMPTY) || d->size)
        sb_addf(sb, " size=0x%" PRIx64, d->size);
    sb_addf(sb, " align=0x%" PRIx64, d->align);
    if (d->fields & MEMDEV_F_ADDR)
        sb_addf(sb, " addr=0x%" PRIx64, d->addr);
    if (d->fields & MEMDEV_F_SLOT)
        sb_addf(sb, " slot=%" PRIu32, d->slot);
    if (d->fields & MEMDEV_F_BLOCK)
        sb_addf(sb, " block=0x%" PRIx64, d->block);
    if (d->fields & MEMDEV_F_DYNAMIC)
        sb_addf(sb, " dynamic-memslots=%s", d->dynamic ? "on" : "off");
    if (d->fields & MEMDEV_F_REQUESTED)
        sb_addf(sb, " requested=0x%" PRIx64, d->requested);
    if (d->fields & MEMDEV_F_LABEL)
        sb_addf(sb, " label=0x%" PRIx64, d->label);
    if (d->fields & MEMDEV_F_NODE)
        sb_addf(sb, " node=%" PRIu32, d->node);
    if (d->fields & MEMDEV_F_MEMDEV) {
        if (!token_ok(d->memdev, true))
            return -1;
        sb_addf(sb, " memdev=%s", d->memdev);
    }
    if (d->fields & MEMDEV_F_EMPTY)
        sb_str(sb, " empty");
    return 0;
}

static int format_expect(struct sbuf *sb, const struct trace_expect *e)
{
    if (e->code != 0) {
        if (e->code >= 0 || e->code < MEMDEV_ENOMEM)
            return -1;
        sb_addf(sb, "expect error %s", memdev_error_name(e->code));
        return 0;
    }
    if (e->none) {
        sb_str(sb, "expect none");
        return 0;
    }
    sb_str(sb, "expect ok");
    if (e->empty)
        sb_str(sb, " empty");
    if (e->id) {
        if (!token_ok(e->id, true))
            return -1;
        sb_addf(sb, " id=%s", e->id);
    }
    for (int i = 0; i < TRACE_EXP_COUNT; i++)
        if (e->fields & (1u << i))
            add_expect_value(sb, i, e->value[i]);
    return 0;
}

static int format_into(struct sbuf *sb, const struct trace_op *op)
{
    const char *name = trace_op_name(op->type);
    switch (op->type) {
    case TRACE_OP_NONE: return 0;
    case TRACE_OP_SPACE: return format_space(sb, op);
    case TRACE_OP_PLUG: return format_plug(sb, op);
    case TRACE_OP_EXPECT: return format_expect(sb, &op->expect);
    case TRACE_OP_STATS:
    case TRACE_OP_LIST:
    case TRACE_OP_INFO:
    case TRACE_OP_FAIL_ALLOC: sb_str(sb, name); return 0;
    case TRACE_OP_VHOST_ADD:
        sb_addf(sb, "vhost-add %" PRIu32 "/%" PRIu32, op->limit.max, op->limit.other);
        return 0;
    case TRACE_OP_LOOKUP: sb_addf(sb, "lookup 0x%" PRIx64, op->gpa); return 0;
    case TRACE_OP_FREE:
        sb_addf(sb, "free 0x%" PRIx64 " align=0x%" PRIx64, op->size, op->align);
        return 0;
    default: break;
    }
    if ((unsigned)op->type >= TRACE_OP_TYPE_COUNT || !token_ok(op->id, false))
        return -1;
    sb_addf(sb, "%s %s", name, op->id);
    switch (op->type) {
    case TRACE_OP_VMEM:
        sb_addf(sb, " %s 0x%" PRIx64 " 0x%" PRIx64, op->vmem_plug ? "plug" : "unplug",
                op->offset, op->length);
        break;
    case TRACE_OP_RESIZE: sb_addf(sb, " requested=0x%" PRIx64, op->requested); break;
    case TRACE_OP_MAP:
    case TRACE_OP_UNMAP: sb_addf(sb, " %" PRIu32, op->index); break;
    default: break;
    }
    return 0;
}

int trace_format_op(const struct trace_op *op, char *buf, size_t cap)
{
    struct sbuf sb = {0};
    int rc = format_into(&sb, op);
    if (rc == 0 && (sb.oom || sb.len > (size_t)INT32_MAX))
        rc = -1;
    if (rc == 0) {
        if (cap > 0) {
            size_t n = sb.len < cap - 1 ? sb.len : cap - 1;
            if (n)
                memcpy(buf, sb.p, n);
            buf[n] = '\0';
        }
        rc = (int)sb.len;
    } else if (cap > 0) {
        buf[0] = '\0';
    }
    sb_free(&sb);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Runner                                                                                   */

/* What one operation returned, from the library or the model. */
struct op_result {
    int rc;
    bool empty, is_lookup, found;
    uint32_t has;                  /* (1u << trace_expect_key) for each value present */
    uint64_t val[TRACE_EXP_COUNT];
    char id[MEMDEV_MAX_ID_LEN + 1]; /* lookup: the device found */
};

static void set_val(struct op_result *res, enum trace_expect_key k, uint64_t v)
{
    res->has |= 1u << k;
    res->val[k] = v;
}

struct trace_runner {
    const char *name;
    struct trace_options opt;
    memdev_allocator alloc;      /* wrapper that can fail on demand (fail-alloc) */
    bool fail_next, failing;
    memdev_space *sp;
    model_space *m;
    int status;
    bool stopped;
    bool have_prev;
    struct op_result prev;
    size_t prev_line;            /* line of the operation `prev` came from */
    size_t last_line;            /* last line seen */
    struct sbuf sb;
};

static void *runner_realloc(void *ctx, void *ptr, size_t size)
{
    struct trace_runner *r = ctx;
    if (r->failing)
        return NULL;
    if (r->opt.alloc && r->opt.alloc->realloc)
        return r->opt.alloc->realloc(r->opt.alloc->ctx, ptr, size);
    return realloc(ptr, size ? size : 1);
}

static void runner_free(void *ctx, void *ptr)
{
    struct trace_runner *r = ctx;
    if (r->opt.alloc && r->opt.alloc->free)
        r->opt.alloc->free(r->opt.alloc->ctx, ptr);
    else
        free(ptr);
}

/* Sends the buffered text to a sink and empties the buffer. */
static void flush_to(struct trace_runner *r, trace_out_fn fn, void *ctx)
{
    if (fn && r->sb.len > 0)
        fn(ctx, r->sb.p, r->sb.len);
    r->sb.len = 0;
    r->sb.oom = false;
    if (r->sb.p)
        r->sb.p[0] = '\0';
}

static void flush_out(struct trace_runner *r)
{
    flush_to(r, r->opt.out, r->opt.out_ctx);
}

static void raise_status(struct trace_runner *r, int status)
{
    if (status > r->status)
        r->status = status;
}

PRINTF_LIKE(4, 5)
static int malformed(struct trace_runner *r, size_t line, size_t col, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->sb.len = 0;
    sb_addf(&r->sb, "%s:%zu:%zu: %s\n", r->name, line, col, msg);
    flush_to(r, r->opt.err, r->opt.err_ctx);
    raise_status(r, TRACE_STATUS_MALFORMED);
    r->stopped = true;
    return r->status;
}

int trace_runner_create(const char *name, const struct trace_options *opt,
                        struct trace_runner **out)
{
    struct trace_runner *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return MEMDEV_ENOMEM;
    r->name = name ? name : "<trace>";
    if (opt)
        r->opt = *opt;
    r->alloc.realloc = runner_realloc;
    r->alloc.free = runner_free;
    r->alloc.ctx = r;
    *out = r;
    return 0;
}

static void copy_id(struct op_result *res, const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n > MEMDEV_MAX_ID_LEN)
        n = MEMDEV_MAX_ID_LEN;
    if (n)
        memcpy(res->id, id, n);
    res->id[n] = '\0';
}

static void take_plug(struct op_result *res, const memdev_plug_result *pr)
{
    if (res->rc != 0)
        return;
    set_val(res, TRACE_EXP_MEMSLOTS, pr->memslots);
    if (pr->empty) {
        res->empty = true;
        return;
    }
    set_val(res, TRACE_EXP_ADDR, pr->addr);
    if (pr->slot >= 0)
        set_val(res, TRACE_EXP_SLOT, (uint64_t)pr->slot);
}

static void take_lookup(struct op_result *res, const memdev_lookup_result *lk)
{
    res->is_lookup = true;
    if (res->rc != 0 || !lk->found)
        return;
    res->found = true;
    set_val(res, TRACE_EXP_ADDR, lk->addr);
    set_val(res, TRACE_EXP_OFFSET, lk->offset);
    set_val(res, TRACE_EXP_MEMSLOT, lk->memslot);
    set_val(res, TRACE_EXP_MAPPED, lk->mapped);
    copy_id(res, lk->id);
}

static void take_stats(struct op_result *res, const memdev_stats *st)
{
    if (res->rc != 0)
        return;
    set_val(res, TRACE_EXP_USED_SIZE, st->used_size);
    set_val(res, TRACE_EXP_PLUGGED_SIZE, st->plugged_size);
    set_val(res, TRACE_EXP_REQUIRED, st->required);
    set_val(res, TRACE_EXP_USED, st->used);
    set_val(res, TRACE_EXP_RESERVED, st->reserved);
    if (st->has_kvm)
        set_val(res, TRACE_EXP_KVM_FREE, st->kvm_free);
    if (st->n_vhost > 0)
        set_val(res, TRACE_EXP_VHOST_FREE, st->vhost_free);
    set_val(res, TRACE_EXP_DEVICES, st->devices);
    set_val(res, TRACE_EXP_DIMM_SLOTS_USED, st->dimm_slots_used);
    set_val(res, TRACE_EXP_LARGEST_GAP, st->largest_gap);
}

static void take_free(struct op_result *res, uint64_t addr)
{
    if (res->rc == 0)
        set_val(res, TRACE_EXP_ADDR, addr);
}

/* Runs one operation on the library. */
static void exec_lib(memdev_space *sp, const struct trace_op *op, struct op_result *res)
{
    memdev_plug_result pr = {0};
    memdev_lookup_result lk = {0};
    memdev_stats st;
    uint64_t addr = 0;
    memset(res, 0, sizeof *res);
    switch (op->type) {
    case TRACE_OP_PLUG:
        res->rc = memdev_plug(sp, &op->desc, &pr);
        take_plug(res, &pr);
        break;
    case TRACE_OP_UNPLUG: res->rc = memdev_unplug(sp, op->id); break;
    case TRACE_OP_VMEM:
        res->rc = memdev_vmem_request(sp, op->id, op->vmem_plug, op->offset, op->length);
        break;
    case TRACE_OP_RESIZE: res->rc = memdev_vmem_resize(sp, op->id, op->requested); break;
    case TRACE_OP_MAP:
    case TRACE_OP_UNMAP:
        res->rc = memdev_balloon_map(sp, op->id, op->index, op->type == TRACE_OP_MAP);
        break;
    case TRACE_OP_VHOST_ADD: res->rc = memdev_vhost_add(sp, op->limit); break;
    case TRACE_OP_LOOKUP:
        res->rc = memdev_lookup(sp, op->gpa, &lk);
        take_lookup(res, &lk);
        break;
    case TRACE_OP_FREE:
        res->rc = memdev_free(sp, op->size, op->align, &addr);
        take_free(res, addr);
        break;
    case TRACE_OP_STATS:
        res->rc = memdev_stats_get(sp, &st);
        take_stats(res, &st);
        break;
    default: break;
    }
}

/* Runs one operation on the reference model (mirror of exec_lib). */
static void exec_model(model_space *m, const struct trace_op *op, struct op_result *res)
{
    memdev_plug_result pr = {0};
    memdev_lookup_result lk = {0};
    memdev_stats st;
    uint64_t addr = 0;
    memset(res, 0, sizeof *res);
    switch (op->type) {
    case TRACE_OP_PLUG:
        res->rc = model_plug(m, &op->desc, &pr);
        take_plug(res, &pr);
        break;
    case TRACE_OP_UNPLUG: res->rc = model_unplug(m, op->id); break;
    case TRACE_OP_VMEM:
        res->rc = model_vmem_request(m, op->id, op->vmem_plug, op->offset, op->length);
        break;
    case TRACE_OP_RESIZE: res->rc = model_vmem_resize(m, op->id, op->requested); break;
    case TRACE_OP_MAP:
    case TRACE_OP_UNMAP:
        res->rc = model_balloon_map(m, op->id, op->index, op->type == TRACE_OP_MAP);
        break;
    case TRACE_OP_VHOST_ADD: res->rc = model_vhost_add(m, op->limit); break;
    case TRACE_OP_LOOKUP:
        res->rc = model_lookup(m, op->gpa, &lk);
        take_lookup(res, &lk);
        break;
    case TRACE_OP_FREE:
        res->rc = model_free(m, op->size, op->align, &addr);
        take_free(res, addr);
        break;
    case TRACE_OP_STATS:
        res->rc = model_stats_get(m, &st);
        take_stats(res, &st);
        break;
    default: break;
    }
}

/* "ok [empty] [id=ID] key=value...", "error CODE" or "none". */
static void describe_result(struct sbuf *sb, const struct op_result *res)
{
    if (res->rc != 0) {
        sb_addf(sb, "error %s", memdev_error_name(res->rc));
        return;
    }
    if (res->is_lookup && !res->found) {
        sb_str(sb, "none");
        return;
    }
    sb_str(sb, "ok");
    if (res->empty)
        sb_str(sb, " empty");
    if (res->found)
        sb_addf(sb, " id=%s", res->id);
    for (int i = 0; i < TRACE_EXP_COUNT; i++)
        if (res->has & (1u << i))
            add_expect_value(sb, i, res->val[i]);
}

/* The operand as written, or a stand-in for hand-built ops. */
static void add_operand(struct sbuf *sb, const struct trace_op *op)
{
    if (op->operand) {
        sb_str(sb, op->operand);
        return;
    }
    switch (op->type) {
    case TRACE_OP_VHOST_ADD:
        sb_addf(sb, "%" PRIu32 "/%" PRIu32, op->limit.max, op->limit.other);
        break;
    case TRACE_OP_LOOKUP: sb_addf(sb, "0x%" PRIx64, op->gpa); break;
    case TRACE_OP_FREE: sb_addf(sb, "0x%" PRIx64, op->size); break;
    case TRACE_OP_PLUG: sb_str(sb, op->desc.id ? op->desc.id : "(null)"); break;
    default: sb_str(sb, op->id ? op->id : "(null)"); break;
    }
}

/* The result line of spec section 9. */
static void print_result(struct trace_runner *r, const struct trace_op *op,
                         const struct op_result *res)
{
    struct sbuf *sb = &r->sb;
    sb_addf(sb, "%zu: %s ", op->line, op_names[op->type]);
    add_operand(sb, op);
    if (res->rc != 0) {
        const char *detail = memdev_last_error(r->sp);
        if (!detail || !*detail)
            detail = memdev_strerror(res->rc);
        sb_addf(sb, " error %s: %s\n", memdev_error_name(res->rc), detail);
    } else if (op->type == TRACE_OP_LOOKUP) {
        if (res->found)
            sb_addf(sb, " %s offset=0x%" PRIx64 " memslot=%" PRIu64 " mapped=%s\n", res->id,
                    res->val[TRACE_EXP_OFFSET], res->val[TRACE_EXP_MEMSLOT],
                    res->val[TRACE_EXP_MAPPED] ? "yes" : "no");
        else
            sb_str(sb, " none\n");
    } else if (op->type == TRACE_OP_PLUG && res->empty) {
        sb_str(sb, " ok empty\n");
    } else if (op->type == TRACE_OP_PLUG) {
        sb_addf(sb, " ok addr=0x%" PRIx64, res->val[TRACE_EXP_ADDR]);
        if (res->has & (1u << TRACE_EXP_SLOT))
            sb_addf(sb, " slot=%" PRIu64, res->val[TRACE_EXP_SLOT]);
        sb_addf(sb, " memslots=%" PRIu64 "\n", res->val[TRACE_EXP_MEMSLOTS]);
    } else if (op->type == TRACE_OP_FREE) {
        sb_addf(sb, " ok addr=0x%" PRIx64 "\n", res->val[TRACE_EXP_ADDR]);
    } else {
        sb_str(sb, " ok\n");
    }
}

static void print_stats(struct sbuf *sb, const memdev_stats *st)
{
    sb_addf(sb, "  used_size=0x%" PRIx64 " plugged_size=0x%" PRIx64 " budget=0x%" PRIx64 "\n",
            st->used_size, st->plugged_size, st->budget);
    sb_addf(sb, "  memslots: required=%" PRIu32 " used=%" PRIu32 " reserved=%" PRIu32,
            st->required, st->used, st->reserved);
    if (st->has_kvm)
        sb_addf(sb, " kvm_free=%" PRIu32, st->kvm_free);
    else
        sb_str(sb, " kvm_free=unlimited");
    if (st->n_vhost > 0)
        sb_addf(sb, " vhost_free=%" PRIu32 " (%" PRIu32 " backends)", st->vhost_free,
                st->n_vhost);
    else
        sb_str(sb, " vhost_free=unlimited");
    sb_addf(sb, "\n  devices=%" PRIu32 " dimm_slots_used=%" PRIu32 " largest_gap=0x%" PRIx64
                "\n", st->devices, st->dimm_slots_used, st->largest_gap);
}

static int list_one(void *ctx, const memdev_device_info *d)
{
    struct sbuf *sb = ctx;
    sb_addf(sb, "  %s %s", d->id, memdev_kind_name(d->kind));
    if (d->empty) {
        sb_str(sb, " empty\n");
        return 0;
    }
    sb_addf(sb, " addr=0x%" PRIx64 " size=0x%" PRIx64 " align=0x%" PRIx64, d->addr, d->size,
            d->align);
    if (d->slot >= 0)
        sb_addf(sb, " slot=%" PRId32, d->slot);
    sb_addf(sb, " memslots=%" PRIu32 "%s mapped=%" PRIu32 " memslot_size=0x%" PRIx64,
            d->memslots, d->decided ? " (decided)" : "", d->mapped, d->memslot_size);
    if (d->kind == MEMDEV_VIRTIO_MEM)
        sb_addf(sb, " block=0x%" PRIx64 " requested=0x%" PRIx64, d->block, d->requested);
    if (d->kind == MEMDEV_NVDIMM)
        sb_addf(sb, " label=0x%" PRIx64, d->label);
    sb_addf(sb, " plugged=0x%" PRIx64, d->plugged);
    if (d->has_node)
        sb_addf(sb, " node=%" PRIu32, d->node);
    if (d->memdev)
        sb_addf(sb, " memdev=%s", d->memdev);
    sb_str(sb, "\n");
    return 0;
}

static void print_info_json(struct sbuf *sb, const memdev_space *sp)
{
    char small[512];
    size_t len = 0;
    if (memdev_info_json(sp, small, sizeof small, &len) == 0) {
        sb_add(sb, small, len);
        return;
    }
    char *big = malloc(len + 1);
    if (!big) {
        sb_str(sb, "(out of memory for info)");
        return;
    }
    if (memdev_info_json(sp, big, len + 1, &len) == 0)
        sb_add(sb, big, len);
    free(big);
}

/* stats / list / info blocks. */
static void print_block(struct trace_runner *r, const struct trace_op *op)
{
    struct sbuf *sb = &r->sb;
    memdev_stats st;
    sb_addf(sb, "%zu: %s\n", op->line, op_names[op->type]);
    if (op->type == TRACE_OP_STATS) {
        memdev_stats_get(r->sp, &st);
        print_stats(sb, &st);
    } else if (op->type == TRACE_OP_LIST) {
        memdev_foreach(r->sp, list_one, sb);
    } else {
        sb_str(sb, "  ");
        print_info_json(sb, r->sp);
        sb_str(sb, "\n");
    }
}

static bool expect_matches(const struct trace_expect *e, const struct op_result *res)
{
    if (e->code != 0 || res->rc != 0)
        return e->code == res->rc;
    if (e->none)
        return res->is_lookup && !res->found;
    if (e->id && (!res->found || strcmp(e->id, res->id) != 0))
        return false;
    if (e->empty && !res->empty)
        return false;
    for (int i = 0; i < TRACE_EXP_COUNT; i++) {
        uint32_t bit = 1u << i;
        if ((e->fields & bit) && (!(res->has & bit) || res->val[i] != e->value[i]))
            return false;
    }
    return true;
}

static int run_expect(struct trace_runner *r, const struct trace_op *op)
{
    if (!r->have_prev)
        return malformed(r, op->line, 1, "expect with no preceding operation");
    if (expect_matches(&op->expect, &r->prev))
        return r->status;
    struct sbuf *sb = &r->sb;
    sb_addf(sb, "%zu: ", op->line);
    format_expect(sb, &op->expect);
    sb_addf(sb, " (for line %zu) FAILED: got ", r->prev_line);
    describe_result(sb, &r->prev);
    sb_str(sb, "\n");
    flush_out(r);
    raise_status(r, TRACE_STATUS_FAILED);
    return r->status;
}

static int run_space(struct trace_runner *r, const struct trace_op *op)
{
    if (r->sp)
        return malformed(r, op->line, 1, "second 'space' line (the space is already set up)");
    memdev_config cfg = op->config;
    cfg.vhost = cfg.n_vhost ? op->vhost : NULL;
    int rc = memdev_space_create(&cfg, &r->alloc, &r->sp);
    int mrc = 0;
    if (r->opt.check) {
        mrc = model_space_create(&cfg, &r->m);
        if (mrc != rc) {
            r->sb.len = 0;
            sb_addf(&r->sb, "%zu: DIVERGENCE in space: library %s, model %s\n", op->line,
                    memdev_error_name(rc), memdev_error_name(mrc));
            flush_out(r);
            raise_status(r, TRACE_STATUS_FAILED);
            r->stopped = true;
            return r->status;
        }
    }
    if (rc != 0) {
        char why[256];
        r->sp = NULL;
        why[0] = '\0';
        if (rc != MEMDEV_EINVAL || memdev_config_check(&cfg, why, sizeof why) == 0 || !why[0])
            snprintf(why, sizeof why, "%s", memdev_strerror(rc));
        return malformed(r, op->line, 1, "invalid space: %s: %s", memdev_error_name(rc), why);
    }
    r->have_prev = false;
    return r->status;
}

/* Library state for a divergence report: list + stats. */
static void dump_library(struct sbuf *sb, const memdev_space *sp)
{
    memdev_stats st;
    sb_str(sb, "--- library state ---\n");
    memdev_stats_get(sp, &st);
    print_stats(sb, &st);
    memdev_foreach(sp, list_one, sb);
}

static void dump_model(struct sbuf *sb, const model_space *m)
{
    char *text = NULL;
    size_t len = 0;
    sb_str(sb, "--- model state ---\n");
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        sb_str(sb, "(cannot dump the model)\n");
        return;
    }
    model_dump(m, f);
    fclose(f);
    if (text)
        sb_add(sb, text, len);
    free(text);
}

static int diverge(struct trace_runner *r, const struct trace_op *op,
                   const struct op_result *lib, const struct op_result *mod, const char *why)
{
    struct sbuf *sb = &r->sb;
    sb_addf(sb, "%zu: DIVERGENCE: %s\n  operation: ", op->line, why);
    if (format_into(sb, op) != 0)
        sb_addf(sb, "(%s)", op_names[op->type]);
    sb_str(sb, "\n  library:   ");
    describe_result(sb, lib);
    if (mod) {
        sb_str(sb, "\n  model:     ");
        describe_result(sb, mod);
    }
    sb_str(sb, "\n");
    dump_model(sb, r->m);
    dump_library(sb, r->sp);
    flush_out(r);
    raise_status(r, TRACE_STATUS_FAILED);
    r->stopped = true;
    return r->status;
}

static bool results_equal(const struct op_result *a, const struct op_result *b)
{
    if (a->rc != b->rc)
        return false;
    if (a->rc != 0)
        return true;
    if (a->has != b->has || a->empty != b->empty || a->found != b->found ||
        strcmp(a->id, b->id) != 0)
        return false;
    for (int i = 0; i < TRACE_EXP_COUNT; i++)
        if ((a->has & (1u << i)) && a->val[i] != b->val[i])
            return false;
    return true;
}

/* Check mode: everything after one operation. Returns nonzero when it diverged. */
static int check_after(struct trace_runner *r, const struct trace_op *op,
                       const struct op_result *lib, bool injected, uint64_t digest_before)
{
    struct op_result mod;
    char msg[1024];
    bool skip_model = injected && lib->rc == MEMDEV_ENOMEM;
    if (!skip_model) {
        exec_model(r->m, op, &mod);
        if (!results_equal(lib, &mod))
            return diverge(r, op, lib, &mod, "library and model disagree");
    }
    bool read_only = op->type == TRACE_OP_LOOKUP || op->type == TRACE_OP_FREE ||
                     op->type == TRACE_OP_STATS || op->type == TRACE_OP_LIST ||
                     op->type == TRACE_OP_INFO;
    if ((lib->rc != 0 || read_only) && memdev_digest(r->sp) != digest_before)
        return diverge(r, op, lib, skip_model ? NULL : &mod,
                       lib->rc != 0 ? "the operation failed but changed the digest"
                                    : "a query changed the digest");
    msg[0] = '\0';
    if (memdev_validate(r->sp, msg, sizeof msg) != 0) {
        char why[1100];
        snprintf(why, sizeof why, "memdev_validate: %s", msg);
        return diverge(r, op, lib, skip_model ? NULL : &mod, why);
    }
    msg[0] = '\0';
    if (model_compare(r->m, r->sp, msg, sizeof msg) != 0) {
        char why[1100];
        snprintf(why, sizeof why, "model_compare: %s", msg);
        return diverge(r, op, lib, skip_model ? NULL : &mod, why);
    }
    return 0;
}

static int run_operation(struct trace_runner *r, const struct trace_op *op)
{
    struct op_result res;
    uint64_t before = r->opt.check ? memdev_digest(r->sp) : 0;
    bool injected = r->fail_next;
    r->fail_next = false;
    r->failing = injected;
    exec_lib(r->sp, op, &res);
    r->failing = false;
    if (!r->opt.quiet) {
        if (op->type == TRACE_OP_STATS || op->type == TRACE_OP_LIST ||
            op->type == TRACE_OP_INFO)
            print_block(r, op);
        else
            print_result(r, op, &res);
        flush_out(r);
    }
    r->prev = res;
    r->have_prev = true;
    r->prev_line = op->line;
    if (r->opt.check)
        check_after(r, op, &res, injected, before); /* a divergence stops the runner */
    return r->status;
}

int trace_runner_step(struct trace_runner *r, const struct trace_op *op)
{
    if (r->stopped)
        return r->status;
    if (op->line > r->last_line)
        r->last_line = op->line;
    if (op->type == TRACE_OP_NONE)
        return r->status;
    if ((unsigned)op->type >= TRACE_OP_TYPE_COUNT)
        return malformed(r, op->line, 1, "unknown operation type %d", (int)op->type);
    if (op->type == TRACE_OP_SPACE)
        return run_space(r, op);
    if (!r->sp)
        return malformed(r, op->line, 1, "the first operation must be 'space', not '%s'",
                         op_names[op->type]);
    switch (op->type) {
    case TRACE_OP_EXPECT: return run_expect(r, op);
    case TRACE_OP_FAIL_ALLOC:
        r->fail_next = true;
        r->have_prev = false;
        return r->status;
    default: return run_operation(r, op);
    }
}

int trace_runner_finish(struct trace_runner *r)
{
    if (!r)
        return TRACE_STATUS_MALFORMED;
    if (!r->sp && !r->stopped)
        malformed(r, r->last_line ? r->last_line : 1, 1, "no 'space' line in the trace");
    if (r->sp && r->opt.on_finish)
        r->opt.on_finish(r->opt.finish_ctx, r->sp);
    int status = r->status;
    memdev_space_destroy(r->sp);
    model_space_destroy(r->m);
    sb_free(&r->sb);
    free(r);
    return status;
}

int trace_run_buffer(const char *name, const char *text, size_t len,
                     const struct trace_options *opt)
{
    struct trace_runner *r;
    struct trace_op op;
    struct trace_diag diag;
    if (trace_runner_create(name, opt, &r) != 0) {
        if (opt && opt->err)
            opt->err(opt->err_ctx, "memdev: out of memory\n", 22);
        return TRACE_STATUS_MALFORMED;
    }
    trace_op_init(&op);
    size_t lineno = 0;
    for (size_t pos = 0; pos < len && !r->stopped;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        lineno++;
        if (trace_parse_line(&op, text + pos, n, lineno, &diag) != 0)
            malformed(r, diag.line, diag.col, "%s", diag.msg);
        else
            trace_runner_step(r, &op);
        pos += n + (nl ? 1 : 0);
    }
    trace_op_release(&op);
    return trace_runner_finish(r);
}

/* Reads a whole stream into a malloc'd buffer. */
static int read_all(FILE *f, char **out, size_t *out_len)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return ENOMEM;
    for (;;) {
        if (len == cap) {
            char *nb = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                return ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        errno = 0;
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int err = errno ? errno : EIO;
        free(buf);
        return err;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

int trace_run_file(const char *path, const struct trace_options *opt)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    char msg[600];
    int err = 0;
    char *buf = NULL;
    size_t len = 0;
    if (!f)
        err = errno;
    else
        err = read_all(f, &buf, &len);
    if (f && !is_stdin)
        fclose(f);
    if (err) {
        int n = snprintf(msg, sizeof msg, "memdev: cannot read '%s': %s\n", name, strerror(err));
        if (opt && opt->err && n > 0)
            opt->err(opt->err_ctx, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
        return TRACE_STATUS_MALFORMED;
    }
    int status = trace_run_buffer(name, buf, len, opt);
    free(buf);
    return status;
}
