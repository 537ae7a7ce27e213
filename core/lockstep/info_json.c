/* SPDX-License-Identifier: MIT */
/*
 * info_json.c - checks memdev_info_json against the model, field by field.
 *
 * The library's JSON is parsed with a strict parser (only the shape spec section 7 allows: an
 * array of {"type": KIND, "data": {KEY: number|string|bool}}), each element is matched with
 * the model's device at the same list position, and the data object must hold exactly the
 * keys of that kind (no key missing, none extra, none twice) with the model's values. A text
 * comparison against a second JSON writer would only prove the two writers agree on layout;
 * parsing proves what a QMP client would read.
 *
 * Expected keys and values (spec section 7, README "where the spec is silent"):
 *   dimm, nvdimm  id addr size slot node memdev hotplugged=true hotpluggable=true
 *   virtio-pmem   id memaddr size memdev
 *   virtio-mem    id memaddr requested-size size(=plugged) max-size(=region) block-size node
 *                 memdev
 *   hv-balloon    id memaddr max-size memdev; when empty: id max-size=0 only
 * memdev is "" when the device has none; node is 0 when not given.
 */
#include "lockstep.h"
#include "lockstep_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 10

/* One expected or parsed field. */
struct field {
    const char *key;
    enum { F_NUM, F_STR, F_BOOL } type;
    uint64_t num;
    const char *str;
    bool b;
};

struct parser {
    const char *p, *end;
    char *msg;
    size_t cap;
    bool bad;
    char *sval; /* a decoded string value: as long as the whole text (ids, memdev names) */
    size_t scap;
};

__attribute__((format(printf, 2, 3))) static void perr(struct parser *ps, const char *fmt, ...) {
    va_list ap;
    if (ps->bad)
        return;
    ps->bad = true;
    va_start(ap, fmt);
    vsnprintf(ps->msg, ps->cap, fmt, ap);
    va_end(ap);
}

static void ws(struct parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r'))
        ps->p++;
}

static bool eat(struct parser *ps, char c) {
    ws(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return true;
    }
    return false;
}

static void need(struct parser *ps, char c, const char *where) {
    if (!eat(ps, c))
        perr(ps, "expected '%c' %s at byte %td", c, where, ps->end - ps->p);
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A JSON string into out (bytes; \u00XX is one byte, as the library escapes bytes). */
static void string(struct parser *ps, char *out, size_t cap) {
    size_t n = 0;
    need(ps, '"', "before a string");
    while (!ps->bad && ps->p < ps->end && *ps->p != '"') {
        unsigned c = (unsigned char)*ps->p++;
        if (c < 0x20) {
            perr(ps, "raw control byte 0x%02x in a string", c);
            break;
        }
        if (c == '\\') {
            if (ps->p >= ps->end)
                break;
            char e = *ps->p++;
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            const char *k = strchr(from, e);
            if (e == 'u') {
                int v = 0;
                for (int i = 0; i < 4; i++) {
                    int h = ps->p < ps->end ? hexval(*ps->p++) : -1;
                    if (h < 0) {
                        perr(ps, "bad \\u escape");
                        return;
                    }
                    v = v * 16 + h;
                }
                if (v > 0xff) {
                    perr(ps, "\\u%04x: the library escapes single bytes only", (unsigned)v);
                    return;
                }
                c = (unsigned)v;
            } else if (e && k) {
                c = (unsigned char)to[k - from];
            } else {
                perr(ps, "bad escape \\%c", e);
                return;
            }
        }
        if (n + 1 < cap)
            out[n++] = (char)c;
        else
            perr(ps, "string longer than %zu bytes", cap - 1);
    }
    out[n] = '\0';
    if (!ps->bad && !eat(ps, '"'))
        perr(ps, "unterminated string");
}

static void value(struct parser *ps, struct field *f, char *sbuf, size_t scap) {
    ws(ps);
    if (ps->p < ps->end && *ps->p == '"') {
        f->type = F_STR;
        string(ps, sbuf, scap);
        f->str = sbuf;
    } else if (ps->end - ps->p >= 4 && memcmp(ps->p, "true", 4) == 0) {
        f->type = F_BOOL, f->b = true, ps->p += 4;
    } else if (ps->end - ps->p >= 5 && memcmp(ps->p, "false", 5) == 0) {
        f->type = F_BOOL, f->b = false, ps->p += 5;
    } else if (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        uint64_t v = 0;
        const char *start = ps->p;
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            unsigned d = (unsigned)(*ps->p++ - '0');
            if (v > (UINT64_MAX - d) / 10) {
                perr(ps, "number does not fit 64 bits");
                return;
            }
            v = v * 10 + d;
        }
        if (ps->p - start > 1 && *start == '0')
            perr(ps, "number with a leading zero");
        f->type = F_NUM, f->num = v;
    } else {
        perr(ps, "expected a number, string, true or false");
    }
}

/* The fields the model says device d has in its info object. */
static size_t expected(const memdev_device_info *d, struct field *f) {
    size_t n = 0;
    const char *md = d->memdev ? d->memdev : "";
#define NUM(k, v) (f[n++] = (struct field){k, F_NUM, (v), NULL, false})
#define STR(k, v) (f[n++] = (struct field){k, F_STR, 0, (v), false})
#define BOOL(k, v) (f[n++] = (struct field){k, F_BOOL, 0, NULL, (v)})
    STR("id", d->id);
    switch (d->kind) {
    case MEMDEV_DIMM:
    case MEMDEV_NVDIMM:
        NUM("addr", d->addr);
        NUM("size", d->size);
        NUM("slot", (uint64_t)(int64_t)d->slot);
        NUM("node", d->has_node ? d->node : 0);
        STR("memdev", md);
        BOOL("hotplugged", true);
        BOOL("hotpluggable", true);
        break;
    case MEMDEV_VIRTIO_PMEM:
        NUM("memaddr", d->addr);
        NUM("size", d->size);
        STR("memdev", md);
        break;
    case MEMDEV_VIRTIO_MEM:
        NUM("memaddr", d->addr);
        NUM("requested-size", d->requested);
        NUM("size", d->plugged);
        NUM("max-size", d->size);
        NUM("block-size", d->block);
        NUM("node", d->has_node ? d->node : 0);
        STR("memdev", md);
        break;
    default:
        if (d->empty) {
            NUM("max-size", 0);
            break;
        }
        NUM("memaddr", d->addr);
        NUM("max-size", d->size);
        STR("memdev", md);
        break;
    }
#undef NUM
#undef STR
#undef BOOL
    return n;
}

struct cmp {
    struct parser ps;
    size_t idx; /* list position */
};

static const char *kind_str(memdev_kind k) {
    const char *n = memdev_kind_name(k);
    return n ? n : "?";
}

/* Parses one {"type": ..., "data": {...}} and compares it with the model's device d. */
static void element(struct cmp *c, const memdev_device_info *d) {
    struct parser *ps = &c->ps;
    struct field want[MAX_KEYS];
    size_t nwant = expected(d, want);
    bool seen[MAX_KEYS] = {false};
    char key[64], type[32];
    bool have_type = false, have_data = false;
    need(ps, '{', "at an element");
    for (int member = 0; !ps->bad && member < 2; member++) {
        if (member > 0)
            need(ps, ',', "between type and data");
        string(ps, key, sizeof key);
        need(ps, ':', "after a key");
        if (!ps->bad && ls_str_eq(key, "type") && !have_type) {
            have_type = true;
            string(ps, type, sizeof type);
            if (!ps->bad && !ls_str_eq(type, kind_str(d->kind)))
                perr(ps, "device #%zu '%s': type \"%s\", model \"%s\"", c->idx, d->id, type,
                     kind_str(d->kind));
            continue;
        }
        if (ps->bad || !ls_str_eq(key, "data") || have_data) {
            perr(ps, "device #%zu '%s': unexpected member \"%s\" (want type and data once)", c->idx,
                 d->id, key);
            return;
        }
        have_data = true;
        need(ps, '{', "at data");
        bool first = true;
        while (!ps->bad && !eat(ps, '}')) {
            if (!first)
                need(ps, ',', "between fields");
            first = false;
            struct field got = {0};
            string(ps, key, sizeof key);
            need(ps, ':', "after a key");
            value(ps, &got, ps->sval, ps->scap);
            if (ps->bad)
                return;
            size_t i = 0;
            while (i < nwant && !ls_str_eq(want[i].key, key))
                i++;
            if (i == nwant || seen[i]) {
                perr(ps, "device #%zu '%s' (%s): %s field \"%s\"", c->idx, d->id, kind_str(d->kind),
                     i == nwant ? "unexpected" : "repeated", key);
                return;
            }
            seen[i] = true;
            const struct field *w = &want[i];
            bool same = got.type == w->type && (w->type == F_NUM    ? got.num == w->num
                                                : w->type == F_BOOL ? got.b == w->b
                                                                    : ls_str_eq(got.str, w->str));
            if (same)
                continue;
            if (w->type == F_NUM && got.type == F_NUM)
                perr(ps, "device #%zu '%s' field \"%s\": JSON %" PRIu64 ", model %" PRIu64, c->idx,
                     d->id, key, got.num, w->num);
            else if (w->type == F_STR && got.type == F_STR)
                perr(ps, "device #%zu '%s' field \"%s\": JSON \"%s\", model \"%s\"", c->idx, d->id,
                     key, got.str, w->str);
            else
                perr(ps, "device #%zu '%s' field \"%s\": wrong type or value", c->idx, d->id, key);
            return;
        }
        for (size_t i = 0; !ps->bad && i < nwant; i++)
            if (!seen[i])
                perr(ps, "device #%zu '%s' (%s): field \"%s\" missing", c->idx, d->id,
                     kind_str(d->kind), want[i].key);
    }
    need(ps, '}', "after data");
}

static int visit(void *ctx, const memdev_device_info *d) {
    struct cmp *c = ctx;
    if (c->idx > 0)
        need(&c->ps, ',', "between elements");
    else if (eat(&c->ps, ']'))
        perr(&c->ps, "JSON array ends before device #0 '%s'", d->id);
    element(c, d);
    c->idx++;
    return c->ps.bad;
}

int lockstep_compare_info_text(const model_space *m, const char *json, size_t len, char *msg,
                               size_t cap) {
    struct cmp c = {{json, json + len, msg, cap, false, malloc(len + 1), len + 1}, 0};
    if (!c.ps.sval) {
        snprintf(msg, cap, "cannot allocate %zu bytes to decode the JSON's strings", len + 1);
        return -2;
    }
    need(&c.ps, '[', "at the start");
    model_foreach(m, visit, &c);
    if (!c.ps.bad && !eat(&c.ps, ']'))
        perr(&c.ps, "JSON has more elements than the model's %zu devices", c.idx);
    ws(&c.ps);
    if (!c.ps.bad && c.ps.p != c.ps.end)
        perr(&c.ps, "trailing bytes after the array");
    free(c.ps.sval);
    return c.ps.bad ? -1 : 0;
}

/*
 * Two walks: the whole text into a buffer of exactly its length plus the NUL (after a first
 * call that only measures, when the buffer kept from last time is too small), then the same
 * into a buffer one byte short, which must be invalid-argument, report the same length and
 * hold the text's prefix with a NUL in the last byte.
 */
int lockstep_info_check(const model_space *m, const memdev_space *sp, struct json_bufs *jb,
                        char *msg, size_t cap) {
    size_t len = 0, len2 = 0;
    if (memdev_info_json(sp, jb->buf, jb->cap, &len) != 0) {
        char *nb = realloc(jb->buf, len + 1), *nc = nb ? realloc(jb->cut, len + 1) : NULL;
        if (nb)
            jb->buf = nb;
        if (nc)
            jb->cut = nc;
        if (!nb || !nc) {
            snprintf(msg, cap, "cannot allocate %zu bytes for the JSON", len + 1);
            return -2;
        }
        jb->cap = len + 1;
        if (memdev_info_json(sp, jb->buf, jb->cap, &len2) != 0 || len2 != len) {
            snprintf(msg, cap, "length %zu, then %zu with a big enough buffer", len, len2);
            return -1;
        }
    }
    if (strlen(jb->buf) != len) {
        snprintf(msg, cap, "length %zu, but the text has %zu bytes before its NUL", len,
                 strlen(jb->buf));
        return -1;
    }
    if (len > 0) {
        int rc = memdev_info_json(sp, jb->cut, len, &len2);
        if (rc != MEMDEV_EINVAL || len2 != len) {
            snprintf(msg, cap,
                     "a buffer one byte short: %s and length %zu (want "
                     "invalid-argument and %zu)",
                     memdev_error_name(rc), len2, len);
            return -1;
        }
        if (jb->cut[len - 1] != '\0' || memcmp(jb->cut, jb->buf, len - 1) != 0) {
            snprintf(msg, cap,
                     "a buffer one byte short does not hold the text's prefix and a "
                     "NUL");
            return -1;
        }
    }
    return lockstep_compare_info_text(m, jb->buf, len, msg, cap);
}

int lockstep_check_info_json(const model_space *m, const memdev_space *sp, char *msg, size_t cap) {
    struct json_bufs jb = {NULL, NULL, 0};
    int rc = lockstep_info_check(m, sp, &jb, msg, cap);
    free(jb.buf);
    free(jb.cut);
    return rc;
}
