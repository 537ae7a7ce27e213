#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-malformed.sh - runs `memdev run` on a malformed trace and checks that it exits with
# exactly 2 (not 1, not a crash) and that the message names FILE:LINE:COL. The expected
# LINE:COL comes from the trace's first line, `# malformed: LINE:COL`; files that cannot
# carry a header (empty, binary) default to 1:1.
set -euo pipefail

usage() {
    echo "usage: check-malformed.sh MEMDEV_BINARY TRACE"
    echo "Runs MEMDEV_BINARY run TRACE; passes when the exit status is 2 and standard error"
    echo "contains 'TRACE:LINE:COL:' with LINE:COL from the '# malformed: LINE:COL' header."
}

if [[ $# -ge 1 && ( "$1" == "-h" || "$1" == "--help" ) ]]; then
    usage
    exit 0
fi
if [[ $# -ne 2 ]]; then
    echo "check-malformed.sh: usage: check-malformed.sh MEMDEV_BINARY TRACE (see --help)" >&2
    exit 2
fi
memdev=$1
trace=$2
where=$(head -n 1 -- "$trace" | LC_ALL=C sed -n 's/^# malformed: \([0-9]*:[0-9]*\).*/\1/p')
where=${where:-1:1}

set +e
stderr=$("$memdev" run -- "$trace" 2>&1 >/dev/null)
status=$?
set -e

if [[ $status -ne 2 ]]; then
    echo "FAIL: $trace: exit status $status, want 2"
    echo "stderr: $stderr"
    exit 1
fi
if [[ "$stderr" != *"$trace:$where:"* ]]; then
    echo "FAIL: $trace: message does not name $trace:$where:"
    echo "stderr: $stderr"
    exit 1
fi
echo "ok: $stderr"
