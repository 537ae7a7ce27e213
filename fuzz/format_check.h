/* SPDX-License-Identifier: MIT */
/*
 * format_check.h - the trace formatter against the parser: an op printed with trace_format_op
 * must parse back (trace_parse_line) to the same op.
 *
 * fuzz/repro and memdev-decode turn every finding into a trace with the formatter, and the
 * runner prints divergences with it, so a formatter that drops or garbles an option writes
 * regression cases that test something else. The trace target runs this on every line it
 * parses.
 */
#ifndef MEMDEV_FUZZ_FORMAT_CHECK_H
#define MEMDEV_FUZZ_FORMAT_CHECK_H

#include <stddef.h>

#include "trace.h"

/*
 * Prints op, parses the text back and compares every member the op's type uses (strings by
 * content). Returns 0 when all agree or when op has no trace
 * text (trace_format_op says -1: an empty id, an unknown kind number, ...); otherwise -1,
 * with what differed and the text in why.
 */
int format_check_op(const struct trace_op *op, char *why, size_t cap);

#endif
