#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tools/lint.sh: the rules of STYLE.md's layout that a program can check,
# so that they are not argued in review. Each C file (.c, .h) in git under
# shared/ dataplane/ controlplane/ tests/ bench/ tools/ must have:
#   - lines of at most 100 columns (tabs 8 wide; 80 is preferred),
#   - indentation by tabs (then fewer than 8 spaces to align),
#   - no whitespace at the end of a line, no carriage return, and a
#     newline at the end of the file,
#   - /* */ comments only (no //, outside strings),
#   - the return type of a function definition on its own line (the line
#     before the `{` that opens its body begins with the function's name).
# .clang-format is an aid for new files, not the rule: clang-format 14
# cannot keep the kernel-style layout the tree uses (a tab before a
# trailing comment, `?` and `:` at the end of a line), so the tree does
# not match it and this script does not run it.
# Each shell script in git under tools/ tests/ bench/ .ci/ (a file named
# *.sh, or whose first line is a sh or bash #!) must pass
# `shellcheck -S warning -x` (shellcheck: tools/deps installs it; lint
# fails without it rather than skip the scripts).
set -euo pipefail

usage() {
	echo "usage: tools/lint.sh [--json] [FILE...] [-h]"
	echo "  Checks the C files in git (or FILE...) against the rules above,"
	echo "  and the shell scripts (among FILE...) with shellcheck -S warning"
	echo "  -x; prints FILE:LINE: rule: what (FILE:LINE: shellcheck: SCnnnn:"
	echo "  what), exits 1 if any is broken, 2 if shellcheck is not installed."
	echo "  --json  one JSON object: files and scripts checked, each finding"
}

json=0
args=()
for a in "$@"; do
	case "$a" in
		-h|--help) usage; exit 0 ;;
		--json) json=1 ;;
		-*) echo "tools/lint.sh: unknown option '$a'" >&2; exit 2 ;;
		*) args+=("$a") ;;
	esac
done
cd "$(dirname "$0")/.."
mode=given
if [[ ${#args[@]} -eq 0 ]]; then
	# the C files, then "--" and the files among which are the scripts
	mode=tree
	mapfile -t args < <(git ls-files -- 'shared/*.[ch]' 'dataplane/*.[ch]' \
		'controlplane/*.[ch]' 'tests/*.[ch]' 'bench/*.[ch]' \
		'tools/*.[ch]'; echo --; git ls-files -- tools tests bench .ci)
fi
exec python3 - "$json" "$mode" "${args[@]}" <<'EOF'
import json, re, shutil, subprocess, sys

LIMIT = 100
want_json = sys.argv[1] == "1"
found = []
shebang = re.compile(rb"#!(.*/|.*\s)(ba)?sh(\s|$)")

def is_script(path):
    """a shell script: named *.sh, or a sh or bash #! first line"""
    if path.endswith(".sh"):
        return True
    try:
        with open(path, "rb") as f:
            return bool(shebang.match(f.readline(4096)))
    except OSError:
        return False

if sys.argv[2] == "tree":
    sep = sys.argv.index("--")
    files = sys.argv[3:sep]
    scripts = [p for p in sys.argv[sep + 1:] if is_script(p)]
else:	# FILE...: each a script or a C file
    files = [p for p in sys.argv[3:] if not is_script(p)]
    scripts = [p for p in sys.argv[3:] if is_script(p)]
if scripts and not shutil.which("shellcheck"):
    print("tools/lint.sh: shellcheck not installed (tools/deps installs it)",
          file=sys.stderr)
    sys.exit(2)

def add(path, line, rule, what):
    found.append({"file": path, "line": line, "rule": rule, "what": what})

def comments(line, in_comment):
    """whether a /* */ comment is still open at the end of line, and
    whether line has a // comment (outside literals and /* */)"""
    i, n = 0, len(line)
    while i < n:
        if in_comment:
            j = line.find("*/", i)
            if j < 0:
                return True, False
            i, in_comment = j + 2, False
            continue
        c = line[i]
        if line.startswith("/*", i):
            in_comment, i = True, i + 2
            continue
        if line.startswith("//", i):
            return False, True
        if c in "\"'":
            j = i + 1
            while j < n and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            i = j + 1
            continue
        i += 1
    return in_comment, False

fn_name = re.compile(r"^[A-Za-z_]\w*\s*\(")

for path in files:
    try:
        data = open(path, "rb").read()
    except OSError as e:
        add(path, 0, "file", str(e))
        continue
    if b"\r" in data:
        add(path, data[:data.index(b"\r")].count(b"\n") + 1, "cr",
            "carriage return")
    if data and not data.endswith(b"\n"):
        add(path, data.count(b"\n") + 1, "eof", "no newline at the end")
    lines = data.decode("utf-8", "replace").split("\n")
    in_comment = False
    for no, line in enumerate(lines, 1):
        width = len(line.expandtabs(8))
        if width > LIMIT:
            add(path, no, "width", "%d columns (limit %d)" % (width, LIMIT))
        if line != line.rstrip():
            add(path, no, "trailing", "whitespace at the end of the line")
        lead = line[:len(line) - len(line.lstrip(" \t"))]
        # tabs, then fewer than 8 spaces (no space before a tab)
        if line.strip() and (" \t" in lead or
                             len(lead.lstrip("\t")) >= 8):
            add(path, no, "indent", "indented by spaces, not tabs")
        was_comment = in_comment
        in_comment, slash2 = comments(line, in_comment)
        if slash2:
            add(path, no, "comment", "// comment (/* */ only)")
        # a function body opens with { alone at column 0
        if line == "{" and not was_comment:
            k = no - 2		# the line before, 0-based
            while k > 0 and lines[k][:1] in ("\t", " "):
                k -= 1		# parameters continued
            head = lines[k] if k >= 0 else ""
            if not fn_name.match(head):
                add(path, k + 1, "return-type",
                    "a definition's return type is not on its own line")

c_found = len(found)
# the scripts: shellcheck's warnings and errors (-x: what they source too)
if scripts:
    r = subprocess.run(["shellcheck", "-S", "warning", "-x", "-f", "json1",
                        "--"] + scripts, stdout=subprocess.PIPE)
    try:
        comments = json.loads(r.stdout)["comments"]
    except ValueError:
        comments = None
    if r.returncode not in (0, 1) or comments is None:
        print("tools/lint.sh: shellcheck failed (exit status %d)" %
              r.returncode, file=sys.stderr)
        sys.exit(2)
    for c in comments:
        add(c["file"], c["line"], "shellcheck",
            "SC%d: %s" % (c["code"], c["message"]))

if want_json:
    print(json.dumps({"files": len(files), "scripts": len(scripts),
                      "findings": found}))
else:
    for f in found:
        print("%s:%d: %s: %s" % (f["file"], f["line"], f["rule"], f["what"]))
    if found:
        print("tools/lint.sh: %d finding(s) in %d of %d files; "
              "%d shellcheck finding(s) in %d of %d shell scripts" %
              (c_found, len({f["file"] for f in found[:c_found]}),
               len(files), len(found) - c_found,
               len({f["file"] for f in found[c_found:]}), len(scripts)),
              file=sys.stderr)
    else:
        print("tools/lint.sh: %d files follow the rules; "
              "%d shell scripts pass shellcheck" % (len(files), len(scripts)))
sys.exit(1 if found else 0)
EOF
