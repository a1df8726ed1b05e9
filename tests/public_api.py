#!/usr/bin/env python3
"""The public names of libtfy's headers, read from the header text.

Used by the ABI check (enum constants, whose values are ABI but invisible
to abidw when the enum type is anonymous) and by the docs coverage check.
The headers are plain enough to scan without a C parser: comments are
removed, then

  function       a declaration starting with TFY_EXTERN: the name before "("
  struct         "struct NAME {" (typedef'd or not); its fields are the
                 names declared at the top level of the braces ("type name;",
                 "type name[N];", "type (*name)(args);")
  macro          "#define TFY_..." other than a header's include guard
  enum constant  each entry of an "enum [NAME] { ... }" body

Usage: public_api.py KIND HEADER...   (KIND: functions, structs, fields,
macros, enum-constants) prints one name a line; fields as "struct.field".
"""
import glob
import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def join_continuations(text):
    return re.sub(r"\\\n", " ", text)


def braced_body(text, start):
    """The text between the "{" at start and its matching "}"."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    raise ValueError("unbalanced braces")


def top_level_statements(body):
    """The ";"-separated statements of body outside nested parentheses and braces."""
    parts, depth, cur = [], 0, []
    for ch in body:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        if ch == ";" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    return [p.strip() for p in parts if p.strip()]


def field_names(statement):
    """Names declared by one member declaration (several for "int a, b;")."""
    m = re.search(r"\(\s*\*\s*(" + IDENT + r")\s*\)\s*\(", statement)
    if m:
        return [m.group(1)]
    names = []
    for decl in statement.split(","):
        decl = re.sub(r"\[[^\]]*\]", "", decl).strip()
        m = re.search("(" + IDENT + r")\s*$", decl)
        if m:
            names.append(m.group(1))
    return names


class Api:
    def __init__(self):
        self.functions, self.macros, self.enum_constants = [], [], []
        self.structs = {}  # name -> [field, ...]

    def add(self, name, items):
        if name not in items:
            items.append(name)

    def scan(self, path):
        with open(path, encoding="utf-8") as f:
            text = join_continuations(strip_comments(f.read()))
        guards = set(re.findall(r"#\s*ifndef\s+(" + IDENT + ")", text))
        for m in re.finditer(r"^\s*#\s*define\s+(TFY_" + r"[A-Za-z0-9_]*)", text, re.M):
            if m.group(1) not in guards:
                self.add(m.group(1), self.macros)
        code = re.sub(r"^\s*#[^\n]*", "", text, flags=re.M)
        for m in re.finditer(r"\bTFY_EXTERN\b[^;{]*?\b(" + IDENT + r")\s*\(", code):
            self.add(m.group(1), self.functions)
        for m in re.finditer(r"\bstruct\s+(" + IDENT + r")\s*\{", code):
            body = braced_body(code, m.end() - 1)
            fields = [n for s in top_level_statements(body) for n in field_names(s)]
            self.structs.setdefault(m.group(1), fields)
        for m in re.finditer(r"\benum\s*(?:" + IDENT + r")?\s*\{", code):
            for entry in braced_body(code, m.end() - 1).split(","):
                n = re.match(r"\s*(" + IDENT + ")", entry)
                if n:
                    self.add(n.group(1), self.enum_constants)
        return self


def header_files(args):
    """args with each directory replaced by its *.h and *.h.in files."""
    out = []
    for a in args:
        if os.path.isdir(a):
            out += sorted(glob.glob(os.path.join(a, "*.h")) + glob.glob(os.path.join(a, "*.h.in")))
        else:
            out.append(a)
    return out


def scan(paths):
    api = Api()
    for p in paths:
        api.scan(p)
    return api


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    api = scan(header_files(argv[2:]))
    kind = argv[1]
    if kind == "functions":
        out = api.functions
    elif kind == "structs":
        out = list(api.structs)
    elif kind == "fields":
        out = [s + "." + f for s, fs in api.structs.items() for f in fs]
    elif kind == "macros":
        out = api.macros
    elif kind == "enum-constants":
        out = api.enum_constants
    else:
        sys.stderr.write("unknown kind: %s\n" % kind)
        return 2
    for name in out:
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
