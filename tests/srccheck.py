#!/usr/bin/env python3
"""srccheck.py - the shape rules of src/, checked from the source text.

    python3 tests/srccheck.py SRCDIR [ALLOW-LIST]

Rules (docs/ARCHITECTURE.md): every static function name is unique across
SRCDIR (a debugger's `b pump` must mean one thing), no function is over
FUNC_MAX lines (from its opening brace to its closing brace, both
counted), no file over FILE_MAX lines.  Functions are found the way
style(9) writes them: the name at the start of a line followed by '(',
the type on the line before, the braces alone at the start of a line.

The allow-list has one entry per line, "#" comments and blank lines
ignored:
    function FILE NAME LINES  reason...
    file FILE LINES  reason...
An entry allows that one function or file up to LINES lines, and must
give a reason.  Prints one line per violation and exits 1 when there is
any, else prints nothing and exits 0.

Rules of structure (issue 22), checked with the others: no two modules
include each other's header both ways (X.c includes "Y.h" and Y.c
"X.h"); only report.c writes Prometheus text ("# HELP"); and the output
directory's names (index.json, metrics.prom, cards.json, history.sqlite,
clans/, trends/, history/, and a literal directory name handed to
outdir_subdir() or fstatat()) appear in src/ only in layout.h.

One rule outside src/, which tests/t_source.py runs too (listed_tests()):
Makefile.am lists the tests once, so neither debian/rules nor .ci/run may
name a test make check runs; they run make check-unit or pass
TESTS='$(UNIT_TESTS)'.
"""

import os
import re
import sys

FUNC_MAX = 70
FILE_MAX = 700

DEF = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\(")
ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(\+?=)\s*(.*)$")
REF = re.compile(r"^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$")
TEST_LISTS = ("debian/rules", ".ci/run")


def functions(path):
    """(name, is_static, first_line, lines) for each definition in path."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    found = []
    i = 0
    while i < len(lines):
        m = DEF.match(lines[i])
        if not m or i == 0:
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j] != "{":
            if lines[j].endswith(";"):
                break       # a prototype, not a definition
            j += 1
        if j >= len(lines) or lines[j] != "{":
            i += 1
            continue
        k = j
        while k < len(lines) and lines[k] != "}":
            k += 1
        static = lines[i - 1].startswith("static")
        found.append((m.group(1), static, i + 1, k - j + 1))
        i = k + 1
    return found, len(lines) - (1 if lines and lines[-1] == "" else 0)


def read_allow(path):
    allow = {}
    errors = []
    if path is None:
        return allow, errors
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            w = line.split()
            if w[0] == "function" and len(w) >= 5 and w[3].isdigit():
                allow[("function", w[1], w[2])] = int(w[3])
            elif w[0] == "file" and len(w) >= 4 and w[2].isdigit():
                allow[("file", w[1])] = int(w[2])
            else:
                errors.append("%s:%d: not \"function FILE NAME LINES "
                              "reason\" or \"file FILE LINES reason\""
                              % (path, n))
    return allow, errors


INCLUDE = re.compile(r'^#include "([a-z0-9_]+)\.h"', re.M)
LAYOUT_NAME = re.compile(r'"(index\.json|metrics\.prom|cards\.json|'
                         r'history\.sqlite)"|"(clans|trends|history)/|'
                         r'(outdir_subdir|fstatat)\([^,]*,\s*"')
LAYOUT_HOME = "layout.h"
METRICS_HOME = "report.c"


def structure(srcdir):
    """The rules of structure: two-way includes, # HELP, layout names."""
    problems, includes = [], {}
    for name in sorted(os.listdir(srcdir)):
        if not name.endswith((".c", ".h")):
            continue
        with open(os.path.join(srcdir, name), encoding="utf-8") as f:
            text = f.read()
        if name.endswith(".c"):
            includes[name[:-2]] = set(INCLUDE.findall(text))
        if name != METRICS_HOME and "# HELP" in text:
            problems.append("%s writes \"# HELP\": Prometheus text is %s's"
                            % (name, METRICS_HOME))
        if name != LAYOUT_HOME:
            for m in LAYOUT_NAME.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                problems.append("%s:%d: names the output directory's layout "
                                "(%s); use %s" % (name, line, m.group(0),
                                                  LAYOUT_HOME))
    for x in sorted(includes):
        for y in sorted(includes[x]):
            if x < y and y in includes and x in includes[y]:
                problems.append("%s.c and %s.c include each other's header"
                                % (x, y))
    return problems


def check(srcdir, allow_path=None):
    allow, problems = read_allow(allow_path)
    statics = {}
    for name in sorted(os.listdir(srcdir)):
        if not name.endswith((".c", ".h")):
            continue
        path = os.path.join(srcdir, name)
        funcs, nlines = functions(path)
        cap = allow.get(("file", name), FILE_MAX)
        if nlines > cap:
            problems.append("%s: %d lines (at most %d)" % (name, nlines, cap))
        for fname, static, line, length in funcs:
            cap = allow.get(("function", name, fname), FUNC_MAX)
            if length > cap:
                problems.append("%s:%d: %s() is %d lines (at most %d)"
                                % (name, line, fname, length, cap))
            if static:
                statics.setdefault(fname, []).append("%s:%d" % (name, line))
        if name.endswith(".c"):
            for fname, static, line, _l in funcs:
                if not static:
                    statics.setdefault(fname, []).append(
                        "%s:%d (exported)" % (name, line))
    for fname, places in sorted(statics.items()):
        if len(places) > 1 and any("exported" not in p for p in places):
            problems.append("%s() is defined %d times: %s; give each its "
                            "own name" % (fname, len(places),
                                          ", ".join(places)))
    return problems + structure(srcdir)


def make_vars(path):
    """Makefile.am's variables: name -> list of words, continuation lines
    joined, "+=" appended, comments dropped."""
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"\\\n", " ", f.read())
    found = {}
    for line in text.split("\n"):
        m = ASSIGN.match(line.split("#", 1)[0].rstrip())
        if m and m.group(2) == "+=":
            found.setdefault(m.group(1), []).extend(m.group(3).split())
        elif m:
            found[m.group(1)] = m.group(3).split()
    return found


def expand(found, name):
    """The words of variable name, each $(VAR) word replaced by its own."""
    words = []
    for w in found.get(name, []):
        m = REF.match(w)
        words.extend(expand(found, m.group(1)) if m else [w])
    return words


def listed_tests(topdir):
    """One line for each test of Makefile.am's TESTS that debian/rules or
    .ci/run names (by its file name, with or without the extension)."""
    tests = expand(make_vars(os.path.join(topdir, "Makefile.am")), "TESTS")
    problems = []
    for rel in TEST_LISTS:
        with open(os.path.join(topdir, rel), encoding="utf-8") as f:
            lines = f.read().split("\n")
        for test in tests:
            stem = os.path.splitext(os.path.basename(test))[0]
            word = re.compile(r"(?<![A-Za-z0-9_.-])%s(?![A-Za-z0-9_-])"
                              % re.escape(stem))
            for n, line in enumerate(lines, 1):
                if word.search(line):
                    problems.append("%s:%d: names the test %s; run make "
                                    "check-unit or TESTS='$(UNIT_TESTS)', "
                                    "which Makefile.am lists"
                                    % (rel, n, test))
    return problems


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().split("\n")[2].strip(), file=sys.stderr)
        return 2
    problems = check(argv[1], argv[2] if len(argv) == 3 else None)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
