#!/usr/bin/env python3
"""docs-examples: a guide's copy of an example program is the program.

A ```c block preceded by the line
    <!-- example: PATH -->
(PATH from the top of the tree; blank lines between them allowed) must be
the file's text exactly, so that the program the docs show is the one the
test suite builds and runs (examples/run-examples.sh).

Usage: check-examples.py TOP MARKDOWN...
Prints cmocka-style summary lines, which tools/quickstart.sh counts.
"""
import os
import re
import sys

MARK = re.compile(r"<!-- example: (\S+) -->")


def examples(path):
    """(line number, example path, the block's text) for each marked block."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, want = [], None
    for i, line in enumerate(lines):
        m = MARK.fullmatch(line.strip())
        if m:
            want = (i + 1, m.group(1))
        elif re.match(r"\s*```c\s*$", line) and want:
            end = next((j for j in range(i + 1, len(lines)) if re.match(r"\s*```\s*$", lines[j])),
                       len(lines))
            out.append((want[0], want[1], "\n".join(lines[i + 1:end]) + "\n"))
            want = None
        elif line.strip():
            want = None
    return out


def main(argv):
    top, docs = argv[1], argv[2:]
    print("[==========] example programs in " + " ".join(docs))
    passed, failed = 0, []
    for md in docs:
        for line, rel, block in examples(md):
            name = "%s:%d (%s)" % (os.path.basename(md), line, rel)
            try:
                with open(os.path.join(top, rel), encoding="utf-8") as f:
                    same = f.read() == block
            except OSError as e:
                print("    " + str(e))
                same = False
            if same:
                print("[       OK ] " + name)
                passed += 1
            else:
                print("    the block differs from %s: copy the file into the guide" % rel)
                print("[  FAILED  ] " + name)
                failed.append(name)
    print("[  PASSED  ] %d test(s)." % passed)
    if failed:
        print("[  FAILED  ] %d test(s), listed below:" % len(failed))
        for name in failed:
            print("[  FAILED  ] " + name)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
