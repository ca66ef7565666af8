#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tutti-gen --functional's verdicts against streams known to be good and
# bad, in a lab of the test's own names: (1) four participants that call
# the real focus (tutti-dp over af_packet, tutti-cp in the namespace) all
# PASS; (2) against a reflector that sends each participant its own audio
# back they FAIL (a talker missing, its own tone heard); (3) with nobody
# answering they FAIL (received nothing). Needs root: SKIP (77) without.
set -u
top=$1 build=$2
. "$top/tests/lab_focus.sh"
lab_focus_init fn
gen=$build/tools/gen/tutti-gen
lab_focus_up || fail "the focus in the lab did not come up"

# (1) the real focus
ip netns exec "$ns" "$gen" --functional --local 198.18.0.1 --count 4 \
	--call sip:demo@198.18.0.1:5060 --duration 5 --json >"$out/good.json" \
	2>"$out/good.err" || fail "the focus: not every participant passed"
grep -q '"participants":4,"passed":4' "$out/good.json" || fail "good: $(cat "$out/good.json")"

# (2) a reflector: each participant gets its own stream back
ip netns exec "$ns" python3 - <<'PY' &
import select, socket, time
socks = []
for i in range(4):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("198.18.0.1", 46000 + 2 * i))
    socks.append(s)
end = time.time() + 12
while time.time() < end:
    r, _, _ = select.select(socks, [], [], 0.2)
    for s in r:
        d, a = s.recvfrom(2048)
        s.sendto(d, a)
PY
pids+=($!)
sleep 0.5
ip netns exec "$ns" "$gen" --functional --local 198.18.0.1 --base-port 41000 \
	--count 4 --remote 198.18.0.1:46000 --duration 4 >"$out/bad.txt" \
	2>"$out/bad.err" && fail "the reflector passed"
grep -q "0 of 4 passed" "$out/bad.txt" || fail "bad: $(cat "$out/bad.txt")"
grep -q "FAIL: a talker missing" "$out/bad.txt" || fail "no 'talker missing'"

# (3) nobody answers
ip netns exec "$ns" "$gen" --functional --local 198.18.0.1 --base-port 42000 \
	--count 2 --remote 198.18.0.1:47000 --duration 2 >"$out/none.txt" \
	2>/dev/null && fail "silence passed"
grep -q "FAIL: received nothing" "$out/none.txt" || fail "none: $(cat "$out/none.txt")"
echo "ok: tutti-gen --functional judges good and bad streams"
