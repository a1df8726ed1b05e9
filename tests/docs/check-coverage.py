#!/usr/bin/env python3
"""docs-coverage: every public name of the headers is documented in docs/api.md.

What it checks, with the names read by tests/public_api.py:
  functions        (declared with TFY_EXTERN)  the name appears in api.md
  macros           (#define TFY_...)           the name appears in api.md
  enum constants   (every entry of an enum)    the name appears in api.md
  structs          a heading of api.md (a "#" line) names the struct
  fields           each field appears in a code span (`...`) of the
                   section under that heading (down to the next heading of
                   the same or a higher level), as a whole word: `count`,
                   `request_counts.total` and `limit = 20` all mention theirs
"Appears" means as a whole word: tfy_client does not count for tfy_client_new.

Usage: check-coverage.py API_MD HEADER_OR_DIR...  (a directory stands for its
*.h and *.h.in files, so include/tfy covers version.h.in too)
Prints cmocka-style summary lines, which tools/quickstart.sh counts.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import public_api  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


def has_word(text, name):
    return re.search(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])", text) is not None


def sections(markdown):
    """(heading text, section text) for each heading, outside fenced code."""
    lines, fenced, heads = markdown.split("\n"), False, []
    for i, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        m = None if fenced else re.match(r"(#+)\s+(.*)", line)
        if m:
            heads.append((i, len(m.group(1)), m.group(2)))
    out = []
    for k, (i, level, title) in enumerate(heads):
        end = next((j for j, lv, _ in heads[k + 1:] if lv <= level), len(lines))
        out.append((title, "\n".join(lines[i + 1:end])))
    return out


def code_spans(text):
    return re.findall(r"`([^`\n]+)`", text)


def missing_fields(struct, fields, secs):
    own = [body for title, body in secs if has_word(title, struct)]
    if not own:
        return ["%s (no heading names it)" % struct] + ["%s.%s" % (struct, f) for f in fields]
    spans = [s for body in own for s in code_spans(body)]
    return ["%s.%s" % (struct, f) for f in fields if not any(has_word(s, f) for s in spans)]


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        doc = f.read()
    api = public_api.scan(public_api.header_files(argv[2:]))
    secs = sections(doc)
    checks = [
        ("functions_documented", [n for n in api.functions if not has_word(doc, n)]),
        ("macros_documented", [n for n in api.macros if not has_word(doc, n)]),
        ("enum_constants_documented", [n for n in api.enum_constants if not has_word(doc, n)]),
        ("structs_have_a_section", [s for s in api.structs
                                    if not any(has_word(t, s) for t, _ in secs)]),
        ("struct_fields_documented", [m for s, fs in api.structs.items()
                                      for m in missing_fields(s, fs, secs)
                                      if not m.endswith("(no heading names it)")]),
    ]
    print("[==========] %s documents the public names of %s" % (argv[1], " ".join(argv[2:])))
    failed = []
    for name, missing in checks:
        if missing:
            print("[  ERROR   ] %s: %d not in %s:" % (name, len(missing), argv[1]))
            for m in missing:
                print("    " + m)
            failed.append(name)
        else:
            print("[       OK ] " + name)
    return report.finish(len(checks) - len(failed), failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
