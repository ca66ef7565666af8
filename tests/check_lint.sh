#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tools/lint.sh: the tree follows its rules, and a file that breaks each
# rule once is reported at the line that breaks it, rule by rule.
set -eu
L=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$L" --help | grep -q -- "--json" || fail "no --help"
"$L" || fail "the tree breaks the rules (above)"

tab=$(printf '\t')
cr=$(printf '\r')
long=$(printf 'x%.0s' $(seq 1 101))
{
	printf '/* a file that breaks each rule once */\n'		# 1
	printf 'static int\n'						# 2
	printf 'good(void)\n'						# 3
	printf '{\n'							# 4
	printf '%sreturn 0; /* "//" in a comment is fine */\n' "$tab"	# 5
	printf '}\n'							# 6
	printf 'static int bad(void)\n'					# 7
	printf '{\n'							# 8
	printf '        return 1;\n'					# 9
	printf '}\n'							# 10
	printf 'int x; // not this\n'					# 11
	printf 'const char *u = "http://ok";\n'				# 12
	printf 'int y; \n'						# 13
	printf '/* %s */\n' "$long"					# 14
	printf ' %sint z;\n' "$tab"					# 15
	printf 'int w;%s\n' "$cr"					# 16
	printf 'int v;'							# 17
} >"$tmp/bad.c"
rc=0
"$L" "$tmp/bad.c" >"$tmp/out" 2>"$tmp/err" || rc=$?
cat "$tmp/out"
[ "$rc" -eq 1 ] || fail "exit status $rc, want 1"
for want in "7: return-type" "9: indent" "11: comment" "13: trailing" \
	"14: width" "15: indent" "16: cr" "17: eof"; do
	grep -q "^$tmp/bad.c:$want:" "$tmp/out" ||
		fail "no finding '$want'"
done
n=$(wc -l <"$tmp/out")
[ "$n" -eq 9 ] || fail "$n findings, want 9 (16 is also trailing)"
grep -q "finding(s) in 1 of 1 files" "$tmp/err" || fail "no summary"

# --json: the same findings for machines
"$L" --json "$tmp/bad.c" >"$tmp/json" || :
python3 - "$tmp/json" <<'PY' || fail "--json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["files"] == 1, d
assert len(d["findings"]) == 9, d
assert {"file", "line", "rule", "what"} <= set(d["findings"][0]), d
PY

# a clean file passes, with exit status 0
printf 'int\nmain(void)\n{\n%sreturn 0;\n}\n' "$tab" >"$tmp/good.c"
"$L" "$tmp/good.c" >"$tmp/out" || fail "a clean file is refused"
grep -q "1 files follow the rules" "$tmp/out" || fail "no clean summary"
echo "ok"
