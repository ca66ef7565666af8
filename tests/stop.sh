# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# tests/stop.sh, sourced by the shell tests: stop_pids SIGNAL PID... ends
# the test's own processes, by PID, within a bound. Each (empty ones
# skipped) gets SIGCONT, then SIGNAL (a stopped one takes it then; one
# sent after could land while an ASan build's LeakSanitizer, at its exit,
# stops its threads with ptrace's SIGSTOP, and be discarded, so that
# LeakSanitizer waited for ever: it did). One still there 30 s after is a
# bug: it is said on stderr with where its threads wait, killed, and
# stop_pids returns 1, rather than the test hanging until meson's timeout
# says nothing. Several PIDs are signalled together; to stop them in an
# order, call it once each.

# pid_running PID: the process is there and not a zombie. Its state is
# read once: one gone between two reads of /proc (the shell reaps its
# children when it likes) is not running (CI18 once took one for hung).
pid_running() {
	local st

	st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) &&
		[[ -n $st && $st != Z ]]
}

stop_pids() {
	local sig=$1 p t end hung=0

	shift
	for p in "$@"; do
		[[ -n $p ]] || continue
		kill -CONT "$p" 2>/dev/null
		kill "-$sig" "$p" 2>/dev/null
	done
	end=$((SECONDS + 30))
	for p in "$@"; do
		[[ -n $p ]] || continue
		while pid_running "$p" && ((SECONDS < end)); do
			sleep 0.1
		done
		if pid_running "$p"; then
			hung=1
			echo "FAIL: pid $p ($(cat "/proc/$p/comm" 2>/dev/null))" \
				"did not stop in 30 s after SIG$sig (its" \
				"$(grep TracerPid "/proc/$p/status" 2>/dev/null);" \
				"a child of its own: LeakSanitizer); its threads:" >&2
			for t in "/proc/$p/task/"*; do
				echo "  $(cat "$t/comm" 2>/dev/null) state" \
					"$(cut -d' ' -f3 "$t/stat" 2>/dev/null)" \
					"in $(cat "$t/wchan" 2>/dev/null)" >&2
			done
			kill -KILL "$p" 2>/dev/null
		fi
		wait "$p" 2>/dev/null
	done
	return "$hung"
}
