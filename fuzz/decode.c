/* SPDX-License-Identifier: MIT */
/*
 * decode.c - `memdev-decode`: prints a fuzz input (corpus file, crash from either engine)
 * as the memdev trace the target ran, with the reference model's expected results, so
 * `memdev run --check` replays it and tests/traces/ can keep it as a regression case. The
 * work is in program_trace.c; this is the program around it (it lives with the fuzz suite,
 * not in the `memdev` command, because the decoder is the fuzz suite's).
 */
#include "program.h"

int main(int argc, char **argv) {
    return program_decode_main(argc, argv);
}
