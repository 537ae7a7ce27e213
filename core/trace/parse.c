/* SPDX-License-Identifier: MIT */
/*
 * parse.c - the line parser of memdev trace v1. It works on one line at a time, copies it
 * into the op's own buffer and cuts tokens in place, so any byte string is safe to feed it
 * (NUL, CR, huge lines, no final newline) and there is nothing to free but the op's buffer.
 * It checks syntax only: every value the spec gives a meaning to is passed to the library
 * unjudged, so traces exercise the library's own argument checks.
 */
#include "trace_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pctx {
    char *line; /* the op's copy of the line, NUL-terminated, cut in place */
    char *cur;
    size_t end_col; /* column just past the last byte of content */
    struct trace_diag *diag;
};

PRINTF_LIKE(3, 4)
static int perr(struct pctx *c, size_t col, const char *fmt, ...) {
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

static bool is_space(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Next whitespace-separated token (NUL-terminated in place), or NULL at the end. */
static char *next_tok(struct pctx *c, size_t *col) {
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

static int digit_value(char ch, unsigned base) {
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

static unsigned suffix_shift(char ch) {
    switch (ch) {
    case 'K':
    case 'k':
        return 10;
    case 'M':
    case 'm':
        return 20;
    case 'G':
    case 'g':
        return 30;
    case 'T':
    case 't':
        return 40;
    default:
        return 0;
    }
}

/* Parses decimal / 0x hex with an optional binary suffix. 0, or -1 with the diag filled. */
static int parse_u64(struct pctx *c, const char *s, size_t col, uint64_t *out) {
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

static int parse_u32(struct pctx *c, const char *s, size_t col, uint32_t *out) {
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
static int parse_u32_sat(struct pctx *c, const char *s, size_t col, uint32_t *out) {
    uint64_t v;
    if (parse_u64(c, s, col, &v))
        return -1;
    *out = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    return 0;
}

/* MAX[/OTHER], OTHER defaults to 0. Cuts s at the '/'. */
static int parse_limit(struct pctx *c, char *s, size_t col, memdev_limit *out) {
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
static int prepare_line(struct trace_op *op, struct pctx *c, const char *text, size_t len) {
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

static int find_op(const char *name, enum trace_op_type *type) {
    for (unsigned i = 1; i < TRACE_OP_TYPE_COUNT; i++) {
        if (strcmp(trace_op_names[i], name) == 0) {
            *type = (enum trace_op_type)i;
            return 1;
        }
    }
    return 0;
}

static int find_key(const char *name, enum key_id *key) {
    for (unsigned i = 0; i < K_COUNT; i++) {
        if (strcmp(trace_key_names[i], name) == 0) {
            *key = (enum key_id)i;
            return 1;
        }
    }
    return 0;
}

/* One key=value of `expect ok`. */
static int apply_expect_key(struct pctx *c, struct trace_expect *e, enum key_id key, char *val,
                            size_t vcol) {
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
static int apply_key(struct pctx *c, struct trace_op *op, enum key_id key, char *val, size_t vcol) {
    memdev_config *cfg = &op->config;
    memdev_device_desc *d = &op->desc;
    bool plug = op->type == TRACE_OP_PLUG;
    if (op->type == TRACE_OP_EXPECT)
        return apply_expect_key(c, &op->expect, key, val, vcol);
    switch (key) {
    case K_BASE:
        return parse_u64(c, val, vcol, &cfg->base);
    case K_SIZE:
        return parse_u64(c, val, vcol, plug ? &d->size : &cfg->size);
    case K_BUDGET:
        return parse_u64(c, val, vcol, &cfg->budget);
    case K_SLOTS:
        return parse_u32_sat(c, val, vcol, &cfg->dimm_slots);
    case K_KVM:
        cfg->has_kvm = true;
        return parse_limit(c, val, vcol, &cfg->kvm);
    case K_VHOST:
        if (cfg->n_vhost >= TRACE_MAX_VHOST)
            return perr(c, vcol, "more than %u vhost= options", TRACE_MAX_VHOST);
        return parse_limit(c, val, vcol, &op->vhost[cfg->n_vhost++]);
    case K_ALIGN:
        return parse_u64(c, val, vcol, plug ? &d->align : &op->align);
    case K_ADDR:
        d->fields |= MEMDEV_F_ADDR;
        return parse_u64(c, val, vcol, &d->addr);
    case K_SLOT:
        d->fields |= MEMDEV_F_SLOT;
        return parse_u32_sat(c, val, vcol, &d->slot);
    case K_BLOCK:
        d->fields |= MEMDEV_F_BLOCK;
        return parse_u64(c, val, vcol, &d->block);
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
    case K_LABEL:
        d->fields |= MEMDEV_F_LABEL;
        return parse_u64(c, val, vcol, &d->label);
    case K_NODE:
        d->fields |= MEMDEV_F_NODE;
        return parse_u32(c, val, vcol, &d->node);
    case K_MEMDEV:
        if (*val == '\0')
            return perr(c, vcol, "empty value for 'memdev'");
        d->fields |= MEMDEV_F_MEMDEV;
        d->memdev = val;
        return 0;
    case K_MASK: {
        uint64_t m = 0;
        if (parse_u64(c, val, vcol, &m))
            return -1;
        if (m == 0 || m > 0xFF)
            return perr(c, vcol, "fail-alloc mask=%.*s%s: want 1..0xff (bit j fails allocation j)",
                        QTOK(val));
        op->fail_mask = (uint8_t)m;
        return 0;
    }
    default:
        break;
    }
    return perr(c, vcol, "internal: unhandled key");
}

/* Parses the key=value options (and plug's bare `empty`) after the operands. */
static int parse_options(struct pctx *c, struct trace_op *op, uint32_t *seen) {
    const char *opname = trace_op_names[op->type];
    uint32_t allowed = trace_op_syntax[op->type].keys;
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
                        size_t *col) {
    const char *what = trace_op_syntax[op->type].operands[i];
    *tok = next_tok(c, col);
    if (!*tok)
        return perr(c, c->end_col, "%s: missing %s", trace_op_names[op->type], what);
    if (strchr(*tok, '='))
        return perr(c, *col, "%s: expected %s, got option '%.*s%s'", trace_op_names[op->type], what,
                    QTOK(*tok));
    return 0;
}

static int parse_expect(struct pctx *c, struct trace_op *op) {
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
        return perr(c, col, "expect: expected 'ok', 'error' or 'none', got '%.*s%s'", QTOK(t));
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
static int parse_operands(struct pctx *c, struct trace_op *op) {
    char *t[4] = {NULL, NULL, NULL, NULL};
    size_t col[4] = {0, 0, 0, 0};
    unsigned n = trace_op_syntax[op->type].n_operands;
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
    case TRACE_OP_LOOKUP:
        return parse_u64(c, t[0], col[0], &op->gpa);
    case TRACE_OP_FREE:
        return parse_u64(c, t[0], col[0], &op->size);
    default:
        return 0;
    }
}

/* Checks that required keys are present. */
static int check_required(struct pctx *c, const struct trace_op *op, uint32_t seen) {
    static const enum key_id space_keys[] = {K_BASE, K_SIZE, K_BUDGET};
    if (op->type == TRACE_OP_SPACE) {
        for (unsigned i = 0; i < 3; i++)
            if (!(seen & KB(space_keys[i])))
                return perr(c, c->end_col, "space: missing required key '%s='",
                            trace_key_names[space_keys[i]]);
    }
    if (op->type == TRACE_OP_PLUG && !(seen & (KB(K_SIZE) | KB(K_EMPTY))))
        return perr(c, c->end_col, "plug: missing required key 'size=' (or 'empty')");
    if (op->type == TRACE_OP_RESIZE && !(seen & KB(K_REQUESTED)))
        return perr(c, c->end_col, "resize: missing required key 'requested='");
    return 0;
}

static void op_reset(struct trace_op *op, size_t lineno) {
    char *store = op->store_;
    size_t cap = op->store_cap_;
    memset(op, 0, sizeof *op);
    op->store_ = store;
    op->store_cap_ = cap;
    op->line = lineno;
    op->desc.align = MEMDEV_DEFAULT_ALIGN;
    op->align = MEMDEV_DEFAULT_ALIGN;
}

void trace_op_init(struct trace_op *op) {
    memset(op, 0, sizeof *op);
}

void trace_op_release(struct trace_op *op) {
    free(op->store_);
    op->store_ = NULL;
    op->store_cap_ = 0;
}

int trace_parse_line(struct trace_op *op, const char *text, size_t len, size_t lineno,
                     struct trace_diag *diag) {
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
