#!/usr/bin/env python3
"""docs-selftest: the rules of check-coverage.py and check-snippets.py on
small synthetic headers and markdown files.

Usage: selftest.py CC
Prints cmocka-style summary lines, which tools/quickstart.sh counts.
"""
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

HEADER = """#ifndef TFY_T_H
#define TFY_T_H
#include <stdint.h>
#define TFY_EXTERN
#define TFY_T_MAX 3 /* a macro */
#define TFY_T_INIT { 0, \\
	0 }
enum { TFY_T_A = 0, TFY_T_B = 1 };
typedef struct tfy_t {
	int32_t count;        /**< documented as `count` */
	const char *name, *alias;
	int32_t (*cb)(void *userdata);
	char tag[4];
} tfy_t;
TFY_EXTERN int32_t tfy_t_get(const tfy_t *t);
#endif
"""

FULL_DOC = """# API
`tfy_t_get()` returns `TFY_T_A` or `TFY_T_B`; `TFY_T_MAX`, `TFY_T_INIT`, `TFY_EXTERN`.
## The struct tfy_t
| field | |
|---|---|
| `count` | `t->name`, `alias = NULL`, `cb(userdata)` and `tag[4]` |
"""


def run(argv):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return r.returncode, r.stdout


def coverage(tmp, doc):
    with open(os.path.join(tmp, "api.md"), "w") as f:
        f.write(doc)
    return run([sys.executable, os.path.join(HERE, "check-coverage.py"),
                os.path.join(tmp, "api.md"), os.path.join(tmp, "include")])


def snippets(tmp, cc, md):
    with open(os.path.join(tmp, "s.md"), "w") as f:
        f.write(md)
    return run([sys.executable, os.path.join(HERE, "check-snippets.py"), "--cc", cc,
                "--lib", os.path.join(tmp, "libt.so"), "--work", os.path.join(tmp, "w"),
                "--include", os.path.join(tmp, "include"), os.path.join(tmp, "s.md")])


def main(argv):
    cc = argv[1] if len(argv) > 1 else "cc"
    tmp = tempfile.mkdtemp(prefix="tfy-docs-selftest.")
    os.makedirs(os.path.join(tmp, "include"))
    with open(os.path.join(tmp, "include", "t.h"), "w") as f:
        f.write(HEADER)
    src = os.path.join(tmp, "t.c")
    with open(src, "w") as f:
        f.write('#include "t.h"\nint32_t tfy_t_get(const tfy_t *t) { return t->count; }\n')
    rc, out = run(shlex.split(cc) + ["-shared", "-fPIC", "-I" + os.path.join(tmp, "include"),
                                "-o", os.path.join(tmp, "libt.so"), src])
    assert rc == 0, out

    main_block = '```c\n#include "t.h"\nint main(void) { tfy_t t = { 0 }; return tfy_t_get(&t); }\n```\n'
    cases = [
        ("coverage_all_documented", lambda: coverage(tmp, FULL_DOC), 0, ["[  PASSED  ] 5 test(s)."]),
        ("coverage_missing_function", lambda: coverage(tmp, FULL_DOC.replace("`tfy_t_get()`", "It")), 1,
         ["functions_documented: 1 not in", "    tfy_t_get"]),
        ("coverage_prefix_is_not_a_mention", lambda: coverage(tmp, FULL_DOC.replace("`TFY_T_A`", "`TFY_T_AB`")), 1,
         ["enum_constants_documented: 1 not in", "    TFY_T_A\n"]),
        ("coverage_field_outside_code_span", lambda: coverage(tmp, FULL_DOC.replace("`alias = NULL`", "alias")), 1,
         ["struct_fields_documented: 1 not in", "    tfy_t.alias"]),
        ("coverage_field_outside_its_section",
         lambda: coverage(tmp, FULL_DOC.replace("`t->name`, ", "") + "## Other\n`name`\n"), 1,
         ["struct_fields_documented: 1 not in", "    tfy_t.name"]),
        ("coverage_struct_without_heading",
         lambda: coverage(tmp, FULL_DOC.replace("## The struct tfy_t", "## The struct")), 1,
         ["structs_have_a_section: 1 not in", "    tfy_t.count"]),
        ("snippet_with_main_links", lambda: snippets(tmp, cc, main_block), 0, ["[       OK ]"]),
        ("snippet_without_main_compiles",
         lambda: snippets(tmp, cc, '```c\n#include "t.h"\nint32_t f(const tfy_t *t);\n'
                                   'int32_t f(const tfy_t *t) { return tfy_t_get(t); }\n```\n'), 0, ["[       OK ]"]),
        ("snippet_fragment_fails", lambda: snippets(tmp, cc, "```c\ntfy_t t;\nt.count = 1;\n```\n"), 1,
         ["[  FAILED  ] 1 test(s)"]),
        ("snippet_pedantic", lambda: snippets(tmp, cc, '```c\nint main(void) { int a[0]; (void)a; return 0; }\n```\n'), 1,
         ["[  FAILED  ] 1 test(s)"]),
        ("snippet_skip_marker",
         lambda: snippets(tmp, cc, "<!-- snippet: skip -->\n\n```c\ntfy_t t;\n```\n"), 0, ["SKIPPED"]),
    ]
    print("[==========] docs checkers on synthetic files")
    failed = []
    for name, fn, want_rc, want_text in cases:
        rc, out = fn()
        ok = (rc == 0) == (want_rc == 0) and all(t in out for t in want_text)
        if ok:
            print("[       OK ] " + name)
        else:
            print("\n".join("    " + line for line in out.rstrip().split("\n")))
            print("[  ERROR   ] %s: exit %d, expected %s with %s" % (name, rc, want_rc, want_text))
            failed.append(name)
    shutil.rmtree(tmp)
    return report.finish(len(cases) - len(failed), failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
