/* SPDX-License-Identifier: MIT */
/*
 * memdev.c - the `memdev` command: runs memdev traces (spec section 9) against the library,
 * optionally beside the reference model (--check), and prints the QMP-style device list a
 * trace ends with. It is a thin front end over trace.h: everything it does is reachable from
 * tests and fuzz targets without a process. Subcommands live in one table (`commands` below)
 * so new ones are added in one place with their help text.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memdev.h"
#include "trace.h"

static void sink_file(void *ctx, const char *s, size_t n) {
    fwrite(s, 1, n, (FILE *)ctx);
}

/* ---------------------------------------------------------------------------------------- */
/* Help texts                                                                               */

static const char help_main[] =
    "usage: memdev COMMAND [ARGS...]\n"
    "\n"
    "memdev places memory devices (DIMM, NVDIMM, virtio-pmem, virtio-mem, hv-balloon) in a\n"
    "VMM's device-memory window exactly as QEMU does. This command runs traces against it.\n"
    "\n"
    "commands:\n"
    "%s"
    "\n"
    "help topics: the commands above, and 'trace' (the trace language).\n"
    "Run 'memdev help COMMAND' or 'memdev COMMAND --help' for details.\n";

static const char help_run[] =
    "usage: memdev run [--check] [--quiet] FILE...\n"
    "\n"
    "Runs each trace FILE ('-' = standard input) on a fresh space and prints one line per\n"
    "operation: 'N: OP ID ok ...' or 'N: OP ID error CODE: message' (N = line number).\n"
    "Lines starting with 'expect' check the operation before them; a mismatch prints\n"
    "'N: expect ... FAILED: got ...' and the run goes on.\n"
    "\n"
    "options:\n"
    "  --check   run every operation through the lock-step checker (core/lockstep): the\n"
    "            reference model (core/model) runs beside the library, and after every\n"
    "            operation results, counters, the named device, list and info output (the\n"
    "            JSON field by field) are compared, memdev_validate() runs, the whole state\n"
    "            is compared with the model, and a failed operation or a query must leave\n"
    "            memdev_digest() unchanged. The first divergence is reported with the check\n"
    "            that failed and both states, and stops that file (exit 1).\n"
    "  --quiet   print only failures (expect mismatches, divergences, malformed lines)\n"
    "  -h, --help  this text\n"
    "\n"
    "exit status (the worst over all files):\n"
    "  0  every operation ran and every expect matched\n"
    "  1  an expect mismatched, or --check found a divergence\n"
    "  2  a malformed line, an invalid or missing 'space' line, an unreadable file, out of\n"
    "     memory outside the library (the runner, or the checker and its model), or bad\n"
    "     usage; the message names FILE:LINE:COLUMN. The library's own 'no-memory' is an\n"
    "     ordinary result line, also under --check (nothing may have changed).\n"
    "\n"
    "See 'memdev help trace' for the language.\n";

static const char help_info[] =
    "usage: memdev info [--check] FILE\n"
    "\n"
    "Runs the trace FILE ('-' = standard input) silently and prints the final device list as\n"
    "QMP query-memory-devices JSON (memdev_info_json). Failures (expect mismatches, with\n"
    "--check divergences) are still printed; malformed input prints its message on standard\n"
    "error and no JSON. Exit status as for 'memdev run'.\n";

static const char help_help[] =
    "usage: memdev help [COMMAND|trace]\n"
    "\n"
    "Prints the overview, the help of a command, or the trace language reference.\n";

static const char help_trace[] =
    "memdev trace v1 (spec section 9)\n"
    "\n"
    "One operation a line; '#' starts a comment anywhere; tokens are separated by spaces or\n"
    "tabs (CRLF line ends are fine). Numbers: decimal, 0x hex, optional binary suffix\n"
    "K M G T (lower case k m g t too; 0x10G is 16 GiB); a value above 2^64-1, or above\n"
    "2^32-1 for node= and kvm=/vhost= limits, is malformed (slots=, slot= and the map\n"
    "SLOT saturate: the library reports them out of range). Operands come first, then\n"
    "key=value options in any order, each at most once (vhost= may repeat). The first\n"
    "non-comment line must be 'space'.\n"
    "\n"
    "  space base=B size=S budget=U [slots=N] [kvm=MAX[/OTHER]] [vhost=MAX[/OTHER]]...\n"
    "  plug ID KIND size=S [align=A] [addr=HINT] [slot=N] [block=B]\n"
    "       [dynamic-memslots=on|off] [requested=R] [label=L] [node=N] [memdev=NAME] [empty]\n"
    "         KIND: dimm nvdimm virtio-pmem virtio-mem hv-balloon; align defaults to 2M;\n"
    "         size= may be left out with 'empty'\n"
    "  unplug ID\n"
    "  vmem ID plug|unplug OFFSET LEN      virtio-mem guest request\n"
    "  resize ID requested=R               virtio-mem requested size\n"
    "  map ID SLOT | unmap ID SLOT         hv-balloon memslots\n"
    "  vhost-add MAX[/OTHER]\n"
    "  lookup GPA\n"
    "  free SIZE [align=A]                 where first fit would place SIZE now\n"
    "  stats | list | info                 counters, device list, QMP JSON\n"
    "  expect ok [addr=X] [slot=N] [memslots=N] [empty]\n"
    "  expect error CODE\n"
    "  expect none                         (extension) the lookup found no device\n"
    "  fail-alloc [mask=M]                 (memdev extension) allocations of the next\n"
    "                                      operation fail (all, or allocation j when bit j\n"
    "                                      of M is set): reaches 'no-memory'\n"
    "\n"
    "The parser checks syntax only; whether a request makes sense (slot= on a virtio-pmem,\n"
    "a 300-byte id, size 0, an unknown KIND) is answered by the library with an error code.\n"
    "'expect' checks the last operation line before it (several expects may follow one\n"
    "operation). For 'expect ok', addr= is the placed address (plug), the free address\n"
    "(free) or the device start (lookup); memslots= of an empty plug is 0. Extension keys\n"
    "of 'expect ok': after lookup id=ID offset=X memslot=I mapped=yes|no; after stats\n"
    "used_size plugged_size required used reserved kvm_free vhost_free devices\n"
    "dimm_slots_used largest_gap (=VALUE each). A key the result lacks is a mismatch.\n"
    "\n"
    "Output: 'N: plug ID ok addr=0x... [slot=N] memslots=N', 'N: plug ID ok empty',\n"
    "'N: OP ID ok', 'N: OP ID error CODE: message', 'N: lookup GPA ID offset=0x...\n"
    "memslot=I mapped=yes|no' or 'N: lookup GPA none', 'N: free SIZE ok addr=0x...'.\n"
    "\n"
    "Error codes: invalid-argument duplicate-id unknown-id invalid-slot no-slots slot-busy\n"
    "no-free-slot kvm-memslots vhost-memslots no-space size-alignment hint-alignment\n"
    "hint-range too-big conflict fragmented not-unpluggable busy remap-range remap-state\n"
    "remap-limit vhost-conflict no-memory\n";

/* ---------------------------------------------------------------------------------------- */
/* Subcommands                                                                              */

static int cmd_run(int argc, char **argv);
static int cmd_info(int argc, char **argv);
static int cmd_help(int argc, char **argv);

struct command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;
    const char *help;
};

/*
 * The subcommand table. To add a command, add one row
 * here with its help text; `memdev help`, `memdev CMD --help` and dispatch follow.
 */
static const struct command commands[] = {
    {"run", cmd_run, "run trace files (optionally checked against the reference model)", help_run},
    {"info", cmd_info, "run a trace silently and print the final device list as JSON", help_info},
    {"help", cmd_help, "show help for a command or for the trace language", help_help},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const struct command *find_command(const char *name) {
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_main_help(FILE *f) {
    char list[2048];
    size_t len = 0;
    list[0] = '\0';
    for (size_t i = 0; i < N_COMMANDS && len < sizeof list; i++) {
        int n = snprintf(list + len, sizeof list - len, "  %-6s %s\n", commands[i].name,
                         commands[i].summary);
        if (n < 0)
            break;
        len += (size_t)n;
    }
    fprintf(f, help_main, list);
}

static bool is_help(const char *arg) {
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static int usage_error(const char *cmd, const char *msg, const char *arg) {
    bool is_help_cmd = strcmp(cmd, "help") == 0;
    fprintf(stderr, "memdev %s: %s%s%s\nTry 'memdev help%s%s'.\n", cmd, msg, arg ? " " : "",
            arg ? arg : "", is_help_cmd ? "" : " ", is_help_cmd ? "" : cmd);
    return TRACE_STATUS_MALFORMED;
}

/* Parses [--check] [--quiet] [--] FILE...; returns the index of the first file or -1. */
static int parse_run_flags(int argc, char **argv, bool allow_quiet, struct trace_options *o) {
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            return i + 1;
        if (strcmp(a, "--check") == 0)
            o->check = true;
        else if (allow_quiet && strcmp(a, "--quiet") == 0)
            o->quiet = true;
        else if (a[0] == '-' && a[1] != '\0') {
            usage_error(argv[0], "unknown option", a);
            return -1;
        } else
            break;
    }
    return i;
}

static int cmd_run(int argc, char **argv) {
    struct trace_options o = {
        .out = sink_file, .out_ctx = stdout, .err = sink_file, .err_ctx = stderr};
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (is_help(argv[i])) {
            fputs(help_run, stdout);
            return 0;
        }
    }
    int first = parse_run_flags(argc, argv, true, &o);
    if (first < 0)
        return TRACE_STATUS_MALFORMED;
    if (first >= argc)
        return usage_error("run", "no trace file given", NULL);
    int worst = 0;
    for (int i = first; i < argc; i++) {
        if (argc - first > 1 && !o.quiet)
            printf("== %s\n", argv[i]);
        fflush(stdout);
        int st = trace_run_file(argv[i], &o);
        fflush(stdout);
        fflush(stderr);
        if (st > worst)
            worst = st;
    }
    return worst;
}

/* Keeps the final JSON until the run's status is known (no JSON for malformed input). */
struct final_json {
    char *text;
    bool oom;
};

static void capture_json(void *ctx, const memdev_space *sp) {
    struct final_json *fj = ctx;
    size_t len = 0;
    char probe[1];
    memdev_info_json(sp, probe, sizeof probe, &len);
    fj->text = malloc(len + 1);
    if (!fj->text || memdev_info_json(sp, fj->text, len + 1, &len) != 0) {
        free(fj->text);
        fj->text = NULL;
        fj->oom = true;
    }
}

static int cmd_info(int argc, char **argv) {
    struct final_json fj = {NULL, false};
    struct trace_options o = {.out = sink_file,
                              .out_ctx = stdout,
                              .err = sink_file,
                              .err_ctx = stderr,
                              .quiet = true,
                              .on_finish = capture_json,
                              .finish_ctx = &fj};
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (is_help(argv[i])) {
            fputs(help_info, stdout);
            return 0;
        }
    }
    int first = parse_run_flags(argc, argv, false, &o);
    if (first < 0)
        return TRACE_STATUS_MALFORMED;
    if (argc - first != 1)
        return usage_error("info", "expects exactly one trace file", NULL);
    int st = trace_run_file(argv[first], &o);
    if (st != TRACE_STATUS_MALFORMED && fj.text)
        printf("%s\n", fj.text);
    if (fj.oom) {
        fputs("memdev info: out of memory\n", stderr);
        st = TRACE_STATUS_MALFORMED;
    }
    free(fj.text);
    return st;
}

static int cmd_help(int argc, char **argv) {
    if (argc < 2) {
        print_main_help(stdout);
        return 0;
    }
    if (argc > 2)
        return usage_error("help", "expects at most one topic", NULL);
    if (strcmp(argv[1], "trace") == 0) {
        fputs(help_trace, stdout);
        return 0;
    }
    const struct command *c = find_command(argv[1]);
    if (!c)
        return usage_error("help", "unknown topic", argv[1]);
    fputs(c->help, stdout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_main_help(stderr);
        return TRACE_STATUS_MALFORMED;
    }
    if (is_help(argv[1])) {
        print_main_help(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        puts("memdev trace v1");
        return 0;
    }
    const struct command *c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "memdev: unknown command '%s'\n", argv[1]);
        print_main_help(stderr);
        return TRACE_STATUS_MALFORMED;
    }
    return c->run(argc - 1, argv + 1);
}
