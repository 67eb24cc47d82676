#!/usr/bin/env python3
"""Checks that every C++ snippet of a Markdown file appears in a source file.

    check-doc-snippets.py DOC.md SOURCE.cpp [SOURCE.cpp...]

Each ```cpp block of DOC.md must occur in one of the sources as consecutive
lines (leading and trailing whitespace and blank lines ignored), so a snippet
that compiles and runs there is the snippet the reader sees. A block directly
preceded by an HTML comment starting with "<!-- unchecked" is skipped (code
for a piece that is not in this tree yet). Exits 1 naming each missing block.
"""
import re
import sys


def normalise(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def blocks(markdown):
    """Yields (line number, code, unchecked) for every ```cpp block."""
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```cpp":
            start = i
            prev = lines[i - 1].strip() if i > 0 else ""
            unchecked = prev.startswith("<!-- unchecked")
            i += 1
            body = []
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            yield start + 1, "\n".join(body), unchecked
        i += 1


def contains(haystack, needle):
    n = len(needle)
    return any(haystack[k:k + n] == needle for k in range(len(haystack) - n + 1))


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    doc = open(argv[1], encoding="utf-8").read()
    sources = [normalise(open(p, encoding="utf-8").read()) for p in argv[2:]]
    checked = skipped = 0
    missing = []
    for line, code, unchecked in blocks(doc):
        if unchecked:
            skipped += 1
            continue
        checked += 1
        wanted = normalise(code)
        if not any(contains(src, wanted) for src in sources):
            missing.append((line, wanted[0] if wanted else ""))
    for line, first in missing:
        print(f"{argv[1]}:{line}: snippet not found in {', '.join(argv[2:])}: starts {first!r}")
    print(f"{checked} snippets checked, {len(missing)} missing, {skipped} unchecked")
    return 1 if missing or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
