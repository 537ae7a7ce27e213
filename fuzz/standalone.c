/* SPDX-License-Identifier: MIT */
/*
 * standalone.c - the engine-less driver: replays files and directories (recursively, in name
 * order) through LLVMFuzzerTestOneInput, so every target builds with any compiler (gcc in the
 * default test build) and CTest can replay corpus/. Arguments starting with '-' are ignored,
 * so a libFuzzer command line replays unchanged. A failing input aborts inside the target
 * (after the harness printed what diverged); the driver names the file first.
 *
 * Exit: 0 every input ran, 2 a usage or tool error: no path, a path that cannot be read or
 * listed whole, or no input at all (a replay of nothing is no test: an empty or missing
 * corpus directory must not pass as a clean one).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_path(const char *path, unsigned *count);

static int replay_file(const char *path, unsigned *count) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0, n;
    uint8_t *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(buf);
        return -1;
    }
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    (*count)++;
    return 0;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Replays a directory's entries in name order. A listing cut short (readdir failed, or no
 * memory for the names) replays none of them: a part of a corpus is no replay of it.
 */
static int replay_dir(const char *path, unsigned *count) {
    DIR *dir = opendir(path);
    char **names = NULL;
    size_t n = 0, cap = 0;
    const char *why = NULL;
    int rc = 0;
    if (!dir) {
        fprintf(stderr, "replay: cannot open directory %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(dir);
        if (!e) {
            if (errno)
                why = strerror(errno);
            break;
        }
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));
            if (!nn) {
                why = "out of memory";
                break;
            }
            names = nn;
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        if ((names[n] = malloc(len)) == NULL) {
            why = "out of memory";
            break;
        }
        snprintf(names[n++], len, "%s/%s", path, e->d_name);
    }
    closedir(dir);
    if (why)
        fprintf(stderr, "replay: cannot list %s: %s\n", path, why);
    else if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (!why)
            rc |= replay_path(names[i], count);
        free(names[i]);
    }
    free(names);
    return why ? -1 : rc;
}

static int replay_path(const char *path, unsigned *count) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return S_ISDIR(st.st_mode) ? replay_dir(path, count) : replay_file(path, count);
}

int main(int argc, char **argv) {
    unsigned count = 0;
    int rc = 0, paths = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s FILE_OR_DIR...\n"
                   "Replays every file (directories recursively) through the fuzz target\n"
                   "without a fuzzing engine. Options starting with '-' are ignored.\n"
                   "MEMDEV_FUZZ_VERBOSE=1 prints every operation and its result.\n"
                   "Exit: 0 every input ran; 2 no path, a path that cannot be read, or no\n"
                   "input at all; a failing input aborts in the target.\n",
                   argv[0]);
            return 0;
        }
        if (argv[i][0] == '-')
            continue;
        paths++;
        rc |= replay_path(argv[i], &count);
    }
    if (!paths) {
        fprintf(stderr, "usage: %s FILE_OR_DIR... (--help for more)\n", argv[0]);
        return 2;
    }
    if (rc) {
        fprintf(stderr, "replay: %u inputs ran, but not every path could be read (above)\n", count);
        return 2;
    }
    if (!count) {
        fprintf(stderr, "replay: no input in the path%s given: nothing was replayed\n",
                paths > 1 ? "s" : "");
        return 2;
    }
    fprintf(stderr, "replay: %u inputs ran without failure\n", count);
    return 0;
}
