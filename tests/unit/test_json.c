/* SPDX-License-Identifier: MIT */
/*
 * test_json.c - memdev_info_json's strings, through memdev.h: an id or memdev holding every
 * byte from 0x01 to 0xff comes out as a JSON string with no raw byte below 0x20 or above
 * 0x7e, '"' and '\' escaped with a backslash, every other byte outside 0x20..0x7e as \u00XX,
 * and decodes back to the same bytes; a few ids are checked against hand-written text. (The
 * fuzzers' ids never hold a control byte, so this is the only test of that escape.)
 */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "memdev.h"

#define GiB (1ull << 30)

static char json[1 << 16];

static int hexval(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes the JSON string starting at s (after its opening quote) into out; its length, or
   -1 on a malformed or raw byte. */
static int decode(const char *s, char *out, size_t cap) {
    size_t n = 0;
    for (; *s != '"'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c > 0x7e || n + 1 >= cap)
            return -1;
        if (c == '\\') {
            s++;
            if (*s == '"' || *s == '\\') {
                c = (unsigned char)*s;
            } else if (*s == 'u' && s[1] == '0' && s[2] == '0' && hexval(s[3]) >= 0 &&
                       hexval(s[4]) >= 0) {
                c = (unsigned char)(hexval(s[3]) * 16 + hexval(s[4]));
                if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\')
                    return -1; /* printable bytes go as they are */
                s += 4;
            } else {
                return -1;
            }
        }
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return (int)n;
}

/* The decoded value of "key": "..." in the JSON text, compared with want. */
static void check_field(const char *key, const char *want) {
    char pat[32], got[512];
    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    const char *p = strstr(json, pat);
    CHECK(p != NULL);
    if (!p)
        return;
    int n = decode(p + strlen(pat), got, sizeof got);
    CHECK_U64(n, strlen(want));
    CHECK(n >= 0 && strcmp(got, want) == 0);
}

int main(void) {
    memdev_config cfg = {.base = 4 * GiB, .size = 64 * GiB, .budget = 64 * GiB, .dimm_slots = 2};
    memdev_space *sp;
    CHECK_RC(memdev_space_create(&cfg, NULL, &sp), 0);
    if (!sp)
        return 1;
    /* every byte 0x01..0xff, in an id (255 bytes: the longest one) and in a memdev */
    char all[256];
    for (int i = 0; i < 255; i++)
        all[i] = (char)(i + 1);
    all[255] = '\0';
    memdev_device_desc d = {.id = all,
                            .kind = MEMDEV_DIMM,
                            .size = GiB,
                            .align = GiB,
                            .fields = MEMDEV_F_MEMDEV,
                            .memdev = all};
    CHECK_RC(memdev_plug(sp, &d, NULL), 0);
    size_t len;
    CHECK_RC(memdev_info_json(sp, json, sizeof json, &len), 0);
    CHECK_U64(len, strlen(json));
    for (size_t i = 0; i < len; i++) /* no raw control byte, DEL or byte >= 0x80 anywhere */
        if ((unsigned char)json[i] > 0x7e || ((unsigned char)json[i] < 0x20 && json[i] != '\n')) {
            fprintf(stderr, "raw byte 0x%02x at %zu\n", (unsigned char)json[i], i);
            CHECK(false);
            break;
        }
    check_field("id", all);
    check_field("memdev", all);

    /* the size query (no buffer, cap 0), a buffer of one byte, one a byte short of the NUL and
       the exact size: the full length each time, EINVAL and a NUL-terminated prefix but for the
       last */
    size_t need = 0;
    CHECK_RC(memdev_info_json(sp, NULL, 0, &need), MEMDEV_EINVAL);
    CHECK_U64(need, len);
    char *part = malloc(len + 1);
    CHECK(part != NULL);
    for (size_t cap = 1; part && cap <= len + 1; cap = cap == 1 ? len : cap + 1) {
        memset(part, 'x', len + 1);
        CHECK_RC(memdev_info_json(sp, part, cap, &need), cap > len ? 0 : MEMDEV_EINVAL);
        CHECK_U64(need, len);
        CHECK_U64(strlen(part), cap - 1);
        CHECK(strncmp(part, json, cap - 1) == 0);
    }
    free(part);
    CHECK_RC(memdev_unplug(sp, all), 0);

    /* hand-written: a tab, a quote, a backslash, DEL, UTF-8 bytes */
    d = (memdev_device_desc){
        .id = "t\tq\"b\\d\x7f\xc3\xa9", .kind = MEMDEV_VIRTIO_PMEM, .size = GiB, .align = GiB};
    CHECK_RC(memdev_plug(sp, &d, NULL), 0);
    CHECK_RC(memdev_info_json(sp, json, sizeof json, &len), 0);
    const char *want = "\"id\": \"t\\u0009q\\\"b\\\\d\\u007f\\u00c3\\u00a9\"";
    CHECK(strstr(json, want) != NULL);
    if (!strstr(json, want))
        fprintf(stderr, "JSON: %s\nwanted: %s\n", json, want);
    memdev_space_destroy(sp);
    return check_report("test_json");
}
