#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tools/lint.sh: style is not argued in review: every C/C++ file matches
# .clang-format (clang-format 14, Debian's). --fix rewrites the files.
set -euo pipefail

usage() {
	echo "usage: tools/lint.sh [--fix] [-h]"
	echo "  Checks that every .c/.h/.cc file under shared/ dataplane/"
	echo "  controlplane/ tests/ bench/ tools/ matches .clang-format."
	echo "  --fix  reformat the files in place"
}

fix=0
case "${1:-}" in
	-h|--help) usage; exit 0 ;;
	--fix) fix=1 ;;
	"") ;;
	*) echo "tools/lint.sh: unknown option '$1'" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || {
	echo "tools/lint.sh: clang-format is missing (tools/deps installs it)" >&2
	exit 1
}
mapfile -t files < <(git ls-files -- 'shared/*.[ch]' 'dataplane/*.[ch]' \
	'controlplane/*.[ch]' 'tests/*.[ch]' 'tests/*.cc' 'bench/*.[ch]' \
	'bench/*.cc' 'tools/*.[ch]')
if [[ $fix -eq 1 ]]; then
	clang-format -i "${files[@]}"
	exit 0
fi
bad=0
for f in "${files[@]}"; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "tools/lint.sh: $f does not match .clang-format" >&2
		bad=1
	fi
done
if [[ $bad -ne 0 ]]; then
	echo "tools/lint.sh: run 'tools/lint.sh --fix' and commit" >&2
	exit 1
fi
echo "tools/lint.sh: ${#files[@]} files match .clang-format"
