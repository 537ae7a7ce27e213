# SPDX-License-Identifier: MIT
"""benchcli.py - argument handling shared by the Python bench/ tools (history, bisect), with
the same convention as lib.sh: a usage error is one line on stderr naming the argument, exit
2, before anything is built or installed; numbers are range-checked (no 10^20 jobs).
"""
import argparse
import os
import subprocess
import sys

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))


class Parser(argparse.ArgumentParser):
    def error(self, message):
        die(self.prog, message)


def die(prog, message):
    print("%s: %s" % (prog, message), file=sys.stderr)
    sys.exit(2)


def int_in(lo, hi):
    def conv(text):
        try:
            v = int(text, 10)
        except ValueError:
            v = None
        if v is None or not lo <= v <= hi:
            raise argparse.ArgumentTypeError("takes an integer from %d to %d, got '%s'" % (
                lo, hi, text))
        return v
    return conv


def num_in(lo, hi, percent=False, lo_open=True):
    """A decimal number in (lo, hi] ([lo, hi] with lo_open=False); '5%' allowed if percent."""
    def conv(text):
        t = text[:-1] if percent and text.endswith("%") else text
        try:
            v = float(t)
        except ValueError:
            v = None
        ok = v is not None and v == v and (v > lo if lo_open else v >= lo) and v <= hi
        if not ok:
            raise argparse.ArgumentTypeError("takes a number %s %g and at most %g, got '%s'" % (
                "above" if lo_open else "at least", lo, hi, text))
        return v
    return conv


def sizes(text):
    parts = text.split(",")
    if not text or not all(p.isdigit() and 0 < int(p) <= 1 << 40 for p in parts):
        raise argparse.ArgumentTypeError("takes sizes like 1024,16384, got '%s'" % text)
    return ",".join(str(int(p)) for p in parts)


def regex(text):
    """google-benchmark compiles filters as POSIX extended regexes; grep -E judges them."""
    if not text:
        raise argparse.ArgumentTypeError("needs a non-empty regular expression")
    rc = subprocess.run(["grep", "-qE", "--", text], stdin=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL).returncode
    if rc > 1:
        raise argparse.ArgumentTypeError("'%s' is not a valid extended regular expression" % text)
    return text


def outdir(text):
    if not text or (os.path.exists(text) and not os.path.isdir(text)):
        raise argparse.ArgumentTypeError("'%s' exists and is not a directory" % text)
    return text
