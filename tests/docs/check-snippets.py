#!/usr/bin/env python3
"""docs-snippets: every ```c block of the docs compiles against the headers.

Each block is one translation unit, compiled as strict ISO C11 with
    CC -std=c11 -Wall -Wextra -Werror -pedantic -I... [FLAGS]
A block that defines main() is also linked against the built libtfy.so (not
run); any other block is compiled with -c.  A block preceded by the line
    <!-- snippet: skip -->
(blank lines between them allowed) is not compiled: for fragments that are
not meant to stand alone.

Usage: check-snippets.py --cc CC --lib LIBTFY_SO --work DIR [--include DIR]...
                         [--flag FLAG]... MARKDOWN...
Prints cmocka-style summary lines, which tools/quickstart.sh counts.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

SKIP = "<!-- snippet: skip -->"


def c_blocks(path):
    """(line number, code, skipped) for each ```c block of a markdown file."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, i = [], 0
    while i < len(lines):
        if re.match(r"\s*```c\s*$", lines[i]):
            start = i + 1
            end = next((j for j in range(start, len(lines)) if re.match(r"\s*```\s*$", lines[j])),
                       len(lines))
            prev = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            out.append((start, "\n".join(lines[start:end]) + "\n", prev == SKIP))
            i = end
        i += 1
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--lib", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--include", action="append", default=[])
    ap.add_argument("--flag", action="append", default=[])
    ap.add_argument("markdown", nargs="+")
    args = ap.parse_args(argv[1:])
    os.makedirs(args.work, exist_ok=True)
    base = shlex.split(args.cc) + ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"]
    base += ["-I" + d for d in args.include] + args.flag

    print("[==========] C snippets of " + " ".join(args.markdown))
    passed, failed, skipped = 0, [], 0
    root = os.path.commonpath([os.path.dirname(os.path.abspath(m)) for m in args.markdown])
    for md in args.markdown:
        for line, code, skip in c_blocks(md):
            name = "%s:%d" % (os.path.relpath(os.path.abspath(md), root), line)
            if skip:
                print("[ SKIPPED  ] %s (%s)" % (name, SKIP))
                skipped += 1
                continue
            stem = os.path.join(args.work, re.sub(r"[^A-Za-z0-9]+", "_", name))
            with open(stem + ".c", "w", encoding="utf-8") as f:
                f.write(code)
            if re.search(r"\bint\s+main\s*\(", code):
                cmd = base + [stem + ".c", args.lib, "-o", stem]
            else:
                cmd = base + ["-c", stem + ".c", "-o", stem + ".o"]
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode == 0:
                print("[       OK ] " + name)
                passed += 1
            else:
                print("    $ " + " ".join(cmd))
                for out_line in r.stdout.rstrip().split("\n"):
                    print("    " + out_line)
                print("[  ERROR   ] " + name)
                failed.append(name)
    return report.finish(passed, failed, "(%d block(s) skipped)" % skipped if skipped else None)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
