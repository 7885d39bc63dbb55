"""promtext.py - a strict parser of the Prometheus text exposition format
(version 0.0.4), for tests that must read metrics.prom, not grep it."""

import re

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"


class ParseError(Exception):
    pass


def _labels(text, lineno):
    """Parse 'a="x",b="y"' with \\\\, \\" and \\n escapes."""
    labels = {}
    i = 0
    while i < len(text):
        m = re.compile(LABEL).match(text, i)
        if not m or text[m.end():m.end() + 2] != '="':
            raise ParseError("line %d: bad label at %r" % (lineno, text[i:]))
        name = m.group(0)
        i = m.end() + 2
        val = []
        while True:
            if i >= len(text):
                raise ParseError("line %d: unterminated value" % lineno)
            c = text[i]
            if c == "\\":
                nxt = text[i + 1:i + 2]
                if nxt not in ('\\', '"', 'n'):
                    raise ParseError("line %d: bad escape \\%s" % (lineno,
                                                                   nxt))
                val.append("\n" if nxt == "n" else nxt)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise ParseError("line %d: raw newline in value" % lineno)
            else:
                val.append(c)
                i += 1
        if name in labels:
            raise ParseError("line %d: label %s twice" % (lineno, name))
        labels[name] = "".join(val)
        if i < len(text):
            if text[i] != ",":
                raise ParseError("line %d: expected ','" % lineno)
            i += 1
    return labels


def parse(text):
    """Returns {"types": {name: type}, "help": {name: help},
    "samples": [(name, labels, value)]}; raises ParseError."""
    types, helps, samples = {}, {}, []
    if text and not text.endswith("\n"):
        raise ParseError("no newline at the end")
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP "):
            name, _, h = line[7:].partition(" ")
            if not re.fullmatch(NAME, name) or name in helps:
                raise ParseError("line %d: bad HELP" % n)
            helps[name] = h
        elif line.startswith("# TYPE "):
            name, _, t = line[7:].partition(" ")
            if (not re.fullmatch(NAME, name) or name in types or
                    t not in ("counter", "gauge", "histogram", "summary",
                              "untyped")):
                raise ParseError("line %d: bad TYPE" % n)
            if any(s[0] == name for s in samples):
                raise ParseError("line %d: TYPE after samples" % n)
            types[name] = t
        elif line.startswith("#") or line == "":
            continue
        else:
            m = re.fullmatch(r"(%s)(?:\{(.*)\})? (\S+)(?: -?\d+)?" % NAME,
                             line)
            if not m:
                raise ParseError("line %d: bad sample %r" % (n, line))
            labels = _labels(m.group(2), n) if m.group(2) else {}
            try:
                value = float(m.group(3))
            except ValueError:
                raise ParseError("line %d: bad value" % n)
            base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
            if m.group(1) not in types and \
                    types.get(base) not in ("histogram", "summary"):
                raise ParseError("line %d: %s has no TYPE" % (n, m.group(1)))
            samples.append((m.group(1), labels, value))
    seen = set()
    for name, labels, _v in samples:
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            raise ParseError("duplicate sample %r" % (key,))
        seen.add(key)
    return {"types": types, "help": helps, "samples": samples}


def value(parsed, name, **labels):
    found = [v for n, l, v in parsed["samples"] if n == name and l == labels]
    return found[0] if len(found) == 1 else None
