"""t_source.py - the shape rules of src/ (tests/srccheck.py): unique
static function names, functions of at most 70 lines, files of at most
700, with the exceptions of tests/srccheck.allow; and one list of tests:
Makefile.am's TESTS are its UNIT_TESTS and FUNCTIONAL_TESTS, and neither
debian/rules nor .ci/run names a test; and the rules of structure: no
two-way include, Prometheus text only in report.c, the output layout's
names only in layout.h.  The checker is first shown to
catch each rule broken in a scratch tree."""

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

shape = os.path.join(wd, "shape")
os.mkdir(shape)
for name, text in (("x.c", '#include "y.h"\n'), ("y.c", '#include "x.h"\n'),
                   ("z.c", 'fputs("# HELP m\\n", fp);\n'),
                   ("w.c", 'int a;\nf("index.json", "clans/%s.json");\n'
                    'outdir_subdir(od, "trends", 1, e, n);\n'),
                   ("layout.h", '#define L "cards.json"\n'),
                   ("report.c", 'fputs("# HELP m\\n", fp);\n')):
    with open(os.path.join(shape, name), "w") as f:
        f.write(text)
t.eq(srccheck.check(shape), [
    "w.c:2: names the output directory's layout (\"index.json\"); use "
    "layout.h",
    "w.c:2: names the output directory's layout (\"clans/); use layout.h",
    "w.c:3: names the output directory's layout (outdir_subdir(od, \"); use "
    "layout.h",
    "z.c writes \"# HELP\": Prometheus text is report.c's",
    "x.c and y.c include each other's header"],
    "the checker catches a two-way include, # HELP outside report.c, a "
    "layout name outside layout.h")
top = os.path.join(wd, "top")
for d in ("debian", ".ci"):
    os.makedirs(os.path.join(top, d))
with open(os.path.join(top, "Makefile.am"), "w") as f:
    f.write("check_PROGRAMS = \\\n\ttests/t_a\n"
            "SLOW = tests/t_b.py # longest first\n"
            "TESTS = $(check_PROGRAMS)\nTESTS += $(SLOW) tests/t_c.sh\n")
with open(os.path.join(top, "debian", "rules"), "w") as f:
    f.write("test:\n\tmake check TESTS=tests/t_a\n# t_ab, my_t_a\n")
with open(os.path.join(top, ".ci", "run"), "w") as f:
    f.write("make check TESTS='t_b.py t_c'\n")
t.eq(srccheck.listed_tests(top), [
    "debian/rules:2: names the test tests/t_a; run make check-unit or "
    "TESTS='$(UNIT_TESTS)', which Makefile.am lists",
    ".ci/run:1: names the test tests/t_b.py; run make check-unit or "
    "TESTS='$(UNIT_TESTS)', which Makefile.am lists",
    ".ci/run:1: names the test tests/t_c.sh; run make check-unit or "
    "TESTS='$(UNIT_TESTS)', which Makefile.am lists"],
    "the checker catches a test named in debian/rules or .ci/run")
shutil.rmtree(wd)

problems = srccheck.check(os.path.join(TOP_SRCDIR, "src"),
                          os.path.join(TOP_SRCDIR, "tests", "srccheck.allow"))
t.eq(problems, [], "src/ keeps the rules")

am = srccheck.make_vars(os.path.join(TOP_SRCDIR, "Makefile.am"))
unit = srccheck.expand(am, "UNIT_TESTS")
functional = srccheck.expand(am, "FUNCTIONAL_TESTS")
t.eq(sorted(srccheck.expand(am, "TESTS")), sorted(unit + functional),
     "TESTS are UNIT_TESTS and FUNCTIONAL_TESTS, each test once")
t.eq([p for p in srccheck.expand(am, "check_PROGRAMS") if p not in unit], [],
     "UNIT_TESTS holds every check program")
# The tarball carries neither debian/ nor .ci/: the check pass, on the git
# tree, runs this point.
if os.path.exists(os.path.join(TOP_SRCDIR, "debian", "rules")):
    t.eq(srccheck.listed_tests(TOP_SRCDIR), [],
         "debian/rules and .ci/run name no test")
else:
    t.ok(True, "debian/rules and .ci/run name no test # SKIP not in the "
         "tarball")
t.done()
