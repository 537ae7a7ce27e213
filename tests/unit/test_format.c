/* SPDX-License-Identifier: MIT */
/*
 * test_format.c - trace_format_op's contract (core/trace/trace.h): an op whose id or kind
 * text the parser would not read back unchanged (empty; a byte up to 0x20, 0x7f, '#' or '='
 * in an id or in an unknown kind's text) is refused with -1 and an empty buffer, for every
 * such byte at every place; every other byte (0x21-0x7e but '#' and '=', and 0x80-0xff) is
 * printed and parses back to the same id. A refused op printed anyway would be read back as
 * another op: "a#b" as "a" and a comment, "a=b" as an option. And the snprintf-like length:
 * the full length whatever the capacity, at most cap bytes written, always terminated. A space
 * line with the most vhost backends a line may carry prints and parses back; one more is
 * refused.
 */
#include <string.h>

#include "check.h"
#include "trace.h"

/* op as a fresh plug of id, kind (kind_text for MEMDEV_KIND_COUNT), 1 GiB, 2 MiB aligned */
static void plug_op(struct trace_op *op, const char *id, memdev_kind kind, const char *kind_text) {
    trace_op_init(op);
    op->type = TRACE_OP_PLUG;
    op->desc.kind = kind;
    op->desc.id = id;
    op->kind_text = kind_text;
    op->desc.size = 1ull << 30;
    op->desc.align = 1ull << 21;
}

static bool refused(const char *id, bool is_kind_text) {
    struct trace_op op;
    char buf[256];
    if (is_kind_text)
        plug_op(&op, "d0", MEMDEV_KIND_COUNT, id);
    else
        plug_op(&op, id, MEMDEV_DIMM, NULL);
    memset(buf, 'x', sizeof buf);
    int n = trace_format_op(&op, buf, sizeof buf);
    bool ok = n == -1 && buf[0] == '\0';
    trace_op_release(&op);
    return ok;
}

/* id formats, parses back as a plug of the same id, and is not refused */
static bool round_trip(const char *id) {
    struct trace_op op, back;
    char buf[256];
    struct trace_diag diag;
    plug_op(&op, id, MEMDEV_DIMM, NULL);
    trace_op_init(&back);
    int n = trace_format_op(&op, buf, sizeof buf);
    bool ok = n > 0 && (size_t)n == strlen(buf) &&
              trace_parse_line(&back, buf, (size_t)n, 1, &diag) == 0 &&
              back.type == TRACE_OP_PLUG && back.desc.id && strcmp(back.desc.id, id) == 0;
    if (!ok)
        fprintf(stderr, "id \"%s\": formatted %d \"%s\", read back as \"%s\"\n", id, n,
                n > 0 ? buf : "", back.desc.id ? back.desc.id : "(none)");
    trace_op_release(&op);
    trace_op_release(&back);
    return ok;
}

static bool bad_in_id(unsigned c) {
    return c <= 0x20 || c == 0x7f || c == '#' || c == '=';
}

int main(void) {
    CHECK(refused("", false));
    CHECK(refused(NULL, false));
    CHECK(refused("", true));
    for (unsigned c = 1; c < 256; c++) {
        /* the byte alone, first, in the middle and last */
        char ids[4][4] = {{(char)c}, {(char)c, 'a'}, {'a', (char)c, 'b'}, {'a', 'b', (char)c}};
        for (int k = 0; k < 4; k++) {
            bool bad = bad_in_id(c);
            bool r = refused(ids[k], false);
            if (r != bad)
                fprintf(stderr, "byte 0x%02x at place %d of an id: %s\n", c, k,
                        bad ? "printed (the parser reads something else back)" : "refused");
            CHECK(r == bad);
            if (!bad)
                CHECK(round_trip(ids[k]));
            /* an unknown kind's text: the same bytes (a kind is a token like an id) */
            bool kr = refused(ids[k], true);
            if (kr != bad)
                fprintf(stderr, "byte 0x%02x at place %d of a kind text: %s\n", c, k,
                        bad ? "printed" : "refused");
            CHECK(kr == bad);
        }
    }

    /* snprintf's length: the whole line's length at every capacity, cut and terminated */
    struct trace_op op;
    char full[256], cut[256];
    plug_op(&op, "vmem-node1-7", MEMDEV_VIRTIO_PMEM, NULL);
    op.desc.size = 3ull << 30;
    int n = trace_format_op(&op, full, sizeof full);
    CHECK(n > 0 && (size_t)n == strlen(full));
    for (size_t cap = 1; n > 0 && cap <= (size_t)n + 1; cap++) {
        memset(cut, 'x', sizeof cut);
        int m = trace_format_op(&op, cut, cap);
        bool ok =
            m == n && strlen(cut) == cap - 1 && memcmp(cut, full, cap - 1) == 0 && cut[cap] == 'x';
        if (!ok)
            fprintf(stderr, "capacity %zu: returned %d (want %d), \"%s\"\n", cap, m, n, cut);
        CHECK(ok);
    }
    memset(cut, 'x', sizeof cut);
    CHECK(trace_format_op(&op, cut, 0) == n && cut[0] == 'x'); /* nothing written */
    trace_op_release(&op);

    /* a space line carries up to TRACE_MAX_VHOST backends: that many print and parse back,
       one more is refused */
    static char line[4096];
    for (uint32_t nv = TRACE_MAX_VHOST - 1; nv <= TRACE_MAX_VHOST + 1; nv++) {
        struct trace_op sp, back;
        struct trace_diag diag;
        trace_op_init(&sp);
        trace_op_init(&back);
        sp.type = TRACE_OP_SPACE;
        sp.config = (memdev_config){.base = 4ull << 30, .size = 16ull << 30, .budget = 16ull << 30};
        sp.config.n_vhost = nv;
        for (uint32_t i = 0; i < nv && i < TRACE_MAX_VHOST; i++)
            sp.vhost[i] = (memdev_limit){.max = 4000000000u - i, .other = i};
        int m = trace_format_op(&sp, line, sizeof line);
        if (nv > TRACE_MAX_VHOST) {
            CHECK(m == -1 && line[0] == '\0');
        } else {
            bool ok = m > 0 && (size_t)m < sizeof line &&
                      trace_parse_line(&back, line, (size_t)m, 1, &diag) == 0 &&
                      back.type == TRACE_OP_SPACE && back.config.n_vhost == nv;
            for (uint32_t i = 0; ok && i < nv; i++)
                ok = back.vhost[i].max == sp.vhost[i].max && back.vhost[i].other == i;
            if (!ok)
                fprintf(stderr, "a space line with %u vhost backends: formatted %d, read back %u\n",
                        nv, m, back.config.n_vhost);
            CHECK(ok);
        }
        trace_op_release(&sp);
        trace_op_release(&back);
    }
    return check_report("test_format");
}
