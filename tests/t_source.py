"""t_source.py - the shape rules of src/ (tests/srccheck.py): unique
static function names, functions of at most 70 lines, files of at most
700, with the exceptions of tests/srccheck.allow.  The checker is first
shown to catch each rule broken in a scratch tree."""

import os
import shutil
import sys

from functional import TOP_SRCDIR, Tap, workdir

sys.path.insert(0, os.path.join(TOP_SRCDIR, "tests"))
import srccheck  # noqa: E402

t = Tap()


def body(lines):
    return "\n".join("\tx();" for _ in range(lines - 2))


wd = workdir("source")
bad = os.path.join(wd, "src")
os.mkdir(bad)
with open(os.path.join(bad, "a.c"), "w") as f:
    f.write("static int\npump(void)\n{\n%s\n}\n\n" % body(71))
    f.write("int\nok_fn(void)\n{\n%s\n}\n" % body(70))
with open(os.path.join(bad, "b.c"), "w") as f:
    f.write("static void\npump(int x)\n{\n}\n" + "/* */\n" * 700)
with open(os.path.join(bad, "c.h"), "w") as f:
    f.write("int\tok_fn(void);\n")
t.eq(srccheck.check(bad), [
    "a.c:2: pump() is 71 lines (at most 70)",
    "b.c: 704 lines (at most 700)",
    "pump() is defined 2 times: a.c:2, b.c:2; give each its own name"],
    "the checker catches a long function, a long file, a repeated name")
allow = os.path.join(wd, "allow")
with open(allow, "w") as f:
    f.write("# reasons\nfunction a.c pump 71 a test\nfile b.c 704 a test\n")
t.eq(srccheck.check(bad, allow),
     ["pump() is defined 2 times: a.c:2, b.c:2; give each its own name"],
     "the allow-list admits exactly what it names")
with open(allow, "w") as f:
    f.write("function a.c pump\n")
t.eq(srccheck.check(bad, allow)[0],
     "%s:1: not \"function FILE NAME LINES reason\" or \"file FILE LINES "
     "reason\"" % allow, "an allow-list entry without lines is an error")
shutil.rmtree(wd)

problems = srccheck.check(os.path.join(TOP_SRCDIR, "src"),
                          os.path.join(TOP_SRCDIR, "tests", "srccheck.allow"))
t.eq(problems, [], "src/ keeps the rules")
t.done()
