#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tests/in_netns.sh PROGRAM [ARGS]: run a test in a network namespace of
# its own, with only a loopback (up), when we are root: its SIP peers
# (SIPp), tutti-cp and tutti-dp then meet nobody else's sockets, and ports
# cannot clash with the host's. The namespace goes when the test exits.
# Without root (no unshare) the test runs on the host's loopback, and says
# so on stderr.
if [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
	exec unshare --net sh -c 'ip link set lo up && exec "$@"' in_netns "$@"
fi
echo "in_netns: not root: $1 runs on the host's loopback" >&2
exec "$@"
