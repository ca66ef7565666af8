#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tools/lint.sh: the tree follows its rules, and a file that breaks each
# rule once is reported at the line that breaks it, rule by rule; so are a
# shell script's shellcheck warnings, and lint fails, rather than skip the
# scripts, where shellcheck is not installed.
set -eu
L=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# reported FILE N WHERE...: lint refuses FILE (exit status 1) with N
# findings, one at each WHERE ("LINE: rule"); its summary in $tmp/err
reported() {
	f=$1 n=$2
	shift 2
	rc=0
	"$L" "$f" >"$tmp/out" 2>"$tmp/err" || rc=$?
	cat "$tmp/out"
	[ "$rc" -eq 1 ] || fail "$f: exit status $rc, want 1"
	for want in "$@"; do
		grep -q "^$f:$want:" "$tmp/out" || fail "no finding '$want'"
	done
	got=$(wc -l <"$tmp/out")
	[ "$got" -eq "$n" ] || fail "$f: $got findings, want $n"
}

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
# 9: 16 is also trailing
reported "$tmp/bad.c" 9 "7: return-type" "9: indent" "11: comment" \
	"13: trailing" "14: width" "15: indent" "16: cr" "17: eof"
grep -q "finding(s) in 1 of 1 files" "$tmp/err" || fail "no summary"

# --json: the same findings for machines
"$L" --json "$tmp/bad.c" >"$tmp/json" || :
python3 - "$tmp/json" <<'PY' || fail "--json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["files"] == 1, d
assert d["scripts"] == 0, d
assert len(d["findings"]) == 9, d
assert {"file", "line", "rule", "what"} <= set(d["findings"][0]), d
PY

# a clean file passes, with exit status 0
printf 'int\nmain(void)\n{\n%sreturn 0;\n}\n' "$tab" >"$tmp/good.c"
"$L" "$tmp/good.c" >"$tmp/out" || fail "a clean file is refused"
grep -q "1 files follow the rules" "$tmp/out" || fail "no clean summary"

# a shell script (known by its #!, not its name): shellcheck's warnings
{
	printf '#!/bin/sh\n'						# 1
	printf '# a script shellcheck warns of\n'			# 2
	printf 'unused=1\n'						# 3
	printf 'cd /tmp\n'						# 4
	printf 'echo ok\n'						# 5
} >"$tmp/bad"
reported "$tmp/bad" 2 "3: shellcheck: SC2034" "4: shellcheck: SC2164"
grep -q "2 shellcheck finding(s) in 1 of 1 shell scripts" "$tmp/err" ||
	fail "no shellcheck summary"
printf '#!/bin/sh\necho ok\n' >"$tmp/good.sh"
"$L" "$tmp/good.c" "$tmp/good.sh" >"$tmp/out" ||
	fail "a clean script is refused"
grep -q "1 files follow the rules; 1 shell scripts pass shellcheck" \
	"$tmp/out" || fail "no clean shellcheck summary"

# without shellcheck on PATH lint fails, saying so, for any script (a
# PATH of what lint.sh runs; python3 itself, not a wrapper such as pyenv's)
mkdir "$tmp/bin"
for p in bash dirname; do
	ln -s "$(command -v "$p")" "$tmp/bin/$p"
done
ln -s "$(python3 -c 'import sys; print(sys.executable)')" "$tmp/bin/python3"
rc=0
PATH=$tmp/bin "$L" "$tmp/good.sh" >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 2 ] || fail "without shellcheck: exit status $rc, want 2"
grep -q "shellcheck not installed (tools/deps installs it)" "$tmp/err" ||
	fail "without shellcheck: $(cat "$tmp/err")"
echo "ok"
