/* SPDX-License-Identifier: MIT */
/*
 * run.c - the runner of memdev trace v1: executes parsed ops against the library, prints one
 * line per operation through the caller's sink, keeps the last result for `expect`, and in
 * check mode runs every operation through the lock-step checker (core/lockstep), which runs
 * the reference model beside the library and checks everything after each step. The first
 * divergence stops the run with both states dumped.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream for the state dumps */

#include "trace_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep.h"

/* What one operation returned, from the library or the model. */
struct op_result {
    int rc;
    bool empty, is_lookup, found;
    uint32_t has; /* (1u << trace_expect_key) for each value present */
    uint64_t val[TRACE_EXP_COUNT];
    char id[MEMDEV_MAX_ID_LEN + 1]; /* lookup: the device found */
};

static void set_val(struct op_result *res, enum trace_expect_key k, uint64_t v) {
    res->has |= 1u << k;
    res->val[k] = v;
}

struct trace_runner {
    const char *name;
    struct trace_options opt;
    lockstep *ls;   /* the space (and in check mode the model) */
    bool fail_next; /* a fail-alloc line precedes the next operation */
    uint8_t fail_mask;
    int status;
    bool stopped;
    bool have_prev;
    struct op_result prev;
    size_t prev_line; /* line of the operation `prev` came from */
    size_t last_line; /* last line seen */
    struct sbuf sb;
};

static void raise_status(struct trace_runner *r, int status) {
    if (status > r->status)
        r->status = status;
}

/*
 * A path as messages name it: a long one keeps its last 200 bytes (the file's name) after
 * "...", so that what is wrong with it always fits in the message.
 */
static const char *shown_name(const char *name, const char **dots) {
    size_t nlen = strlen(name);
    *dots = nlen > 200 ? "..." : "";
    return nlen > 200 ? name + nlen - 200 : name;
}

/*
 * Reports a malformed line (or a setup or memory failure) on the error sink and stops the
 * run with status 2. The message is built on the stack, not in the heap buffer: it may be
 * the report that the heap ran out.
 */
PRINTF_LIKE(4, 5)
static int malformed(struct trace_runner *r, size_t line, size_t col, const char *fmt, ...) {
    char msg[512], text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *dots, *name = shown_name(r->name, &dots);
    int n = snprintf(text, sizeof text, "%s%s:%zu:%zu: %s\n", dots, name, line, col, msg);
    if (n > 0 && r->opt.err)
        r->opt.err(r->opt.err_ctx, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
    raise_status(r, TRACE_STATUS_MALFORMED);
    r->stopped = true;
    return r->status;
}

/*
 * Sends the buffered text to the output sink and empties the buffer. If the buffer could not
 * grow (sbuf's oom), part of the text is missing: nothing of it is sent, the error sink says
 * which line's output was lost and the run stops with status 2, so that a transcript with a
 * hole is never taken for a whole one.
 */
static void flush_out(struct trace_runner *r) {
    bool lost = r->sb.oom;
    if (!lost && r->opt.out && r->sb.len > 0)
        r->opt.out(r->opt.out_ctx, r->sb.p, r->sb.len);
    r->sb.len = 0;
    r->sb.oom = false;
    if (r->sb.p)
        r->sb.p[0] = '\0';
    if (lost)
        malformed(r, r->last_line ? r->last_line : 1, 1,
                  "out of memory: the output of this line could not be printed");
}

int trace_runner_create(const char *name, const struct trace_options *opt,
                        struct trace_runner **out) {
    struct trace_runner *r = calloc(1, sizeof *r);
    *out = r;
    if (!r)
        return MEMDEV_ENOMEM;
    r->name = name ? name : "<trace>";
    if (opt)
        r->opt = *opt;
    return 0;
}

static void copy_id(struct op_result *res, const char *id) {
    size_t n = id ? strlen(id) : 0;
    if (n > sizeof res->id - 1) /* never past the buffer, whatever its size */
        n = sizeof res->id - 1;
    if (n)
        memcpy(res->id, id, n);
    res->id[n] = '\0';
}

static void take_plug(struct op_result *res, const memdev_plug_result *pr) {
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

static void take_lookup(struct op_result *res, const memdev_lookup_result *lk) {
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

static void take_stats(struct op_result *res, const memdev_stats *st) {
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

static void take_free(struct op_result *res, uint64_t addr) {
    if (res->rc == 0)
        set_val(res, TRACE_EXP_ADDR, addr);
}

/* The runner's view of a result: the values an `expect` can check. */
static void from_lockstep(const struct trace_op *op, const lockstep_result *l,
                          struct op_result *res) {
    memset(res, 0, sizeof *res);
    res->rc = l->rc;
    switch (op->type) {
    case TRACE_OP_PLUG:
        take_plug(res, &l->plug);
        break;
    case TRACE_OP_LOOKUP: {
        take_lookup(res, &l->lookup);
        break;
    }
    case TRACE_OP_FREE:
        take_free(res, l->addr);
        break;
    case TRACE_OP_STATS:
        take_stats(res, &l->stats);
        break;
    default:
        break;
    }
}

/* "ok [empty] [id=ID] key=value...", "error CODE" or "none". */
static void describe_result(struct sbuf *sb, const struct op_result *res) {
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
static void add_operand(struct sbuf *sb, const struct trace_op *op) {
    if (op->operand) {
        sb_str(sb, op->operand);
        return;
    }
    switch (op->type) {
    case TRACE_OP_VHOST_ADD:
        sb_addf(sb, "%" PRIu32 "/%" PRIu32, op->limit.max, op->limit.other);
        break;
    case TRACE_OP_LOOKUP:
        sb_addf(sb, "0x%" PRIx64, op->gpa);
        break;
    case TRACE_OP_FREE:
        sb_addf(sb, "0x%" PRIx64, op->size);
        break;
    case TRACE_OP_PLUG:
        sb_str(sb, op->desc.id ? op->desc.id : "(null)");
        break;
    default:
        sb_str(sb, op->id ? op->id : "(null)");
        break;
    }
}

/*
 * A plug of a kind the parser did not know fails check 0 on the kind, unless the id fails it
 * first (empty or too long: the library checks the id before the kind). The library can only
 * name the kind's number; the trace's text is the name to show.
 */
static bool unknown_kind_reported(const struct trace_op *op, const struct op_result *res) {
    return op->type == TRACE_OP_PLUG && op->desc.kind == MEMDEV_KIND_COUNT &&
           res->rc == MEMDEV_EINVAL && op->kind_text && op->desc.id && op->desc.id[0] &&
           strlen(op->desc.id) <= MEMDEV_MAX_ID_LEN;
}

/* The result line of spec section 9. */
static void print_result(struct trace_runner *r, const struct trace_op *op,
                         const struct op_result *res) {
    struct sbuf *sb = &r->sb;
    sb_addf(sb, "%zu: %s ", op->line, trace_op_names[op->type]);
    add_operand(sb, op);
    if (res->rc != 0 && unknown_kind_reported(op, res)) {
        sb_addf(sb, " error %s: unknown device kind '%s' (the kinds:", memdev_error_name(res->rc),
                op->kind_text);
        for (int k = 0; k < MEMDEV_KIND_COUNT; k++)
            sb_addf(sb, " %s", memdev_kind_name((memdev_kind)k));
        sb_str(sb, ")\n");
    } else if (res->rc != 0) {
        const char *detail = memdev_last_error(lockstep_space(r->ls));
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

static void print_stats(struct sbuf *sb, const memdev_stats *st) {
    sb_addf(sb, "  used_size=0x%" PRIx64 " plugged_size=0x%" PRIx64 " budget=0x%" PRIx64 "\n",
            st->used_size, st->plugged_size, st->budget);
    sb_addf(sb, "  memslots: required=%" PRIu32 " used=%" PRIu32 " reserved=%" PRIu32, st->required,
            st->used, st->reserved);
    if (st->has_kvm)
        sb_addf(sb, " kvm_free=%" PRIu32, st->kvm_free);
    else
        sb_str(sb, " kvm_free=unlimited");
    if (st->n_vhost > 0)
        sb_addf(sb, " vhost_free=%" PRIu32 " (%" PRIu32 " backends)", st->vhost_free, st->n_vhost);
    else
        sb_str(sb, " vhost_free=unlimited");
    sb_addf(sb, "\n  devices=%" PRIu32 " dimm_slots_used=%" PRIu32 " largest_gap=0x%" PRIx64 "\n",
            st->devices, st->dimm_slots_used, st->largest_gap);
}

static int list_one(void *ctx, const memdev_device_info *d) {
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
    sb_addf(sb, " memslots=%" PRIu32 "%s mapped=%" PRIu32 " memslot_size=0x%" PRIx64, d->memslots,
            d->decided ? " (decided)" : "", d->mapped, d->memslot_size);
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

static void print_info_json(struct sbuf *sb, const memdev_space *sp) {
    char small[512];
    size_t len = 0;
    if (memdev_info_json(sp, small, sizeof small, &len) == 0) {
        sb_add(sb, small, len);
        return;
    }
    char *big = malloc(len + 1);
    if (!big) {
        sb->oom = true; /* the block is incomplete: flush_out reports it */
        return;
    }
    if (memdev_info_json(sp, big, len + 1, &len) == 0)
        sb_add(sb, big, len);
    free(big);
}

/* stats / list / info blocks. */
static void print_block(struct trace_runner *r, const struct trace_op *op) {
    struct sbuf *sb = &r->sb;
    memdev_stats st;
    sb_addf(sb, "%zu: %s\n", op->line, trace_op_names[op->type]);
    if (op->type == TRACE_OP_STATS) {
        memdev_stats_get(lockstep_space(r->ls), &st);
        print_stats(sb, &st);
    } else if (op->type == TRACE_OP_LIST) {
        memdev_foreach(lockstep_space(r->ls), list_one, sb);
    } else {
        sb_str(sb, "  ");
        print_info_json(sb, lockstep_space(r->ls));
        sb_str(sb, "\n");
    }
}

static bool expect_matches(const struct trace_expect *e, const struct op_result *res) {
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

static int run_expect(struct trace_runner *r, const struct trace_op *op) {
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

static void dump_states(struct sbuf *sb, const lockstep *ls) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        sb_str(sb, "(cannot dump the states)\n");
        return;
    }
    lockstep_dump(ls, f);
    fclose(f);
    if (text)
        sb_add(sb, text, len);
    free(text);
}

/*
 * Reports the checker's failure after op (NULL: at the end of the run) and stops: a
 * divergence (status 1), or, when the checker itself ran out of memory, that (status 2: no
 * finding about the library).
 */
static int diverge(struct trace_runner *r, const struct trace_op *op) {
    const lockstep_failure *f = lockstep_failed(r->ls);
    struct sbuf *sb = &r->sb;
    struct op_result lib, mod;
    size_t line = op ? op->line : r->last_line;
    if (strcmp(f->check, LOCKSTEP_CHECKER_MEMORY) == 0)
        return malformed(r, line ? line : 1, 1, "out of memory in the checker: %s", f->msg);
    sb_addf(sb, "%zu: DIVERGENCE (%s): %s\n", line, f->check, f->msg);
    if (op) {
        sb_str(sb, "  operation: ");
        if (format_into(sb, op) != 0)
            sb_addf(sb, "(%s)", trace_op_names[op->type]);
        sb_str(sb, "\n");
    } else {
        sb_str(sb, "  found by the full check at the end of the run\n");
    }
    if (op && f->have_results) {
        from_lockstep(op, &f->lib, &lib);
        from_lockstep(op, &f->model, &mod);
        sb_str(sb, "  library:   ");
        describe_result(sb, &lib);
        sb_str(sb, "\n  model:     ");
        describe_result(sb, &mod);
        sb_str(sb, "\n");
    }
    dump_states(sb, r->ls);
    flush_out(r);
    if (r->opt.on_divergence)
        r->opt.on_divergence(r->opt.divergence_ctx, f);
    raise_status(r, TRACE_STATUS_FAILED);
    r->stopped = true;
    return r->status;
}

static int run_space(struct trace_runner *r, const struct trace_op *op) {
    if (r->ls)
        return malformed(r, op->line, 1, "second 'space' line (the space is already set up)");
    memdev_config cfg = op->config;
    cfg.vhost = cfg.n_vhost ? op->vhost : NULL;
    lockstep_options lo = {.check = r->opt.check,
                           .full_every = r->opt.check_every ? r->opt.check_every : 1,
                           .full_amortized = r->opt.check_every > 1};
    if (r->fail_next)
        lo.create_fail_mask = r->fail_mask;
    r->fail_next = false;
    int rc = lockstep_create(&cfg, r->opt.alloc, &lo, &r->ls);
    if (!r->ls)
        return malformed(r, op->line, 1, "out of memory");
    if (lockstep_failed(r->ls))
        return diverge(r, op);
    if (rc == MEMDEV_ENOMEM && lo.create_fail_mask) {
        /* fail-alloc before `space`: an operation result, and a later `space` may retry */
        lockstep_destroy(r->ls);
        r->ls = NULL;
        if (!r->opt.quiet) {
            sb_addf(&r->sb, "%zu: space error no-memory: %s\n", op->line,
                    memdev_strerror(MEMDEV_ENOMEM));
            flush_out(r);
        }
        memset(&r->prev, 0, sizeof r->prev);
        r->prev.rc = rc;
        r->have_prev = true;
        r->prev_line = op->line;
        return r->status;
    }
    if (rc != 0) {
        char why[256];
        lockstep_destroy(r->ls);
        r->ls = NULL;
        if (rc == MEMDEV_ENOMEM) /* no fail-alloc asked for it: the machine ran out */
            return malformed(r, op->line, 1, "out of memory while creating the space");
        why[0] = '\0';
        if (rc != MEMDEV_EINVAL || memdev_config_check(&cfg, why, sizeof why) == 0 || !why[0])
            snprintf(why, sizeof why, "%s", memdev_strerror(rc));
        return malformed(r, op->line, 1, "invalid space: %s: %s", memdev_error_name(rc), why);
    }
    r->have_prev = false;
    return r->status;
}

static int run_operation(struct trace_runner *r, const struct trace_op *op) {
    lockstep_result l;
    struct op_result res;
    unsigned flags = r->fail_next ? LOCKSTEP_FAIL_ALLOC(r->fail_mask) : 0;
    r->fail_next = false;
    int bad = lockstep_step(r->ls, op, flags, &l);
    from_lockstep(op, &l, &res);
    if (!r->opt.quiet) {
        if (op->type == TRACE_OP_STATS || op->type == TRACE_OP_LIST || op->type == TRACE_OP_INFO)
            print_block(r, op);
        else
            print_result(r, op, &res);
        flush_out(r);
    }
    r->prev = res;
    r->have_prev = true;
    r->prev_line = op->line;
    if (bad)
        return diverge(r, op);
    return r->status;
}

int trace_runner_step(struct trace_runner *r, const struct trace_op *op) {
    if (r->stopped)
        return r->status;
    if (op->line > r->last_line)
        r->last_line = op->line;
    if (op->type == TRACE_OP_NONE)
        return r->status;
    if ((unsigned)op->type >= TRACE_OP_TYPE_COUNT)
        return malformed(r, op->line, 1, "unknown operation type %d", (int)op->type);
    if (op->type == TRACE_OP_FAIL_ALLOC) {
        r->fail_next = true;
        r->fail_mask = op->fail_mask ? op->fail_mask : 0xFF;
        r->have_prev = false;
        return r->status;
    }
    if (op->type == TRACE_OP_SPACE)
        return run_space(r, op);
    if (op->type == TRACE_OP_EXPECT && (r->ls || r->have_prev))
        return run_expect(r, op); /* also after a space line that failed with no-memory */
    if (!r->ls)
        return malformed(r, op->line, 1, "the first operation must be 'space', not '%s'",
                         trace_op_names[op->type]);
    return run_operation(r, op);
}

int trace_runner_finish(struct trace_runner *r) {
    if (!r)
        return TRACE_STATUS_MALFORMED;
    if (!r->ls && !r->stopped)
        malformed(r, r->last_line ? r->last_line : 1, 1, "no 'space' line in the trace");
    if (r->ls && !r->stopped && lockstep_check_full(r->ls) != 0)
        diverge(r, NULL);
    if (r->ls && r->opt.on_finish)
        r->opt.on_finish(r->opt.finish_ctx, lockstep_space(r->ls));
    int status = r->status;
    lockstep_destroy(r->ls);
    sb_free(&r->sb);
    free(r);
    return status;
}

int trace_run_buffer(const char *name, const char *text, size_t len,
                     const struct trace_options *opt) {
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
        if (trace_parse_line(&op, text + pos, n, lineno, &diag) != 0) {
            malformed(r, diag.line, diag.col, "%s", diag.msg);
        } else {
            if (r->opt.on_op)
                r->opt.on_op(r->opt.op_ctx, &op);
            trace_runner_step(r, &op);
        }
        pos += n + (nl ? 1 : 0);
    }
    trace_op_release(&op);
    return trace_runner_finish(r);
}

/* Reads a whole stream into a malloc'd buffer. */
static int read_all(FILE *f, char **out, size_t *out_len) {
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

int trace_run_file(const char *path, const struct trace_options *opt) {
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    char msg[600];
    int err = 0;
    char *buf = NULL;
    size_t len = 0;
    if (!f)
        err = errno ? errno : EIO; /* never an empty trace: fopen failed */
    else
        err = read_all(f, &buf, &len);
    if (f && !is_stdin)
        fclose(f);
    if (err) {
        const char *dots, *shown = shown_name(name, &dots);
        int n = snprintf(msg, sizeof msg, "memdev: cannot read '%s%s': %s\n", dots, shown,
                         strerror(err));
        if (opt && opt->err && n > 0)
            opt->err(opt->err_ctx, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
        return TRACE_STATUS_MALFORMED;
    }
    int status = trace_run_buffer(name, buf, len, opt);
    free(buf);
    return status;
}
