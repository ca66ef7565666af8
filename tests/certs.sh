#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/certs.sh DIR NAME=SAN...: the TLS tests' certificates. A test CA
# (DIR/ca.pem, DIR/ca.key) and, for each NAME, a certificate it signed
# (DIR/NAME.pem, its key DIR/NAME.key) whose subjectAltName is SAN, e.g.
# focus=IP:127.0.0.1 or client=DNS:client.test. EC P-256 keys, valid for
# two days (TUTTI_CERT_DAYS=N: N; tools/run's demo takes 30). Needs the
# openssl command (tools/deps installs it).
set -euo pipefail
if [[ $# -lt 1 || ! -d "$1" ]]; then
	echo "usage: tests/certs.sh DIR NAME=SAN..." >&2
	exit 2
fi
dir=$1
shift
days=${TUTTI_CERT_DAYS:-2}
[[ $days =~ ^[1-9][0-9]*$ ]] || { echo "tests/certs.sh: TUTTI_CERT_DAYS" \
	"takes a number of days, not '$days'" >&2; exit 2; }
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$days")
openssl req -x509 "${ec[@]}" -subj "/CN=Tutti test CA" \
	-keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
for a in "$@"; do
	name=${a%%=*}
	san=${a#*=}
	openssl req -x509 "${ec[@]}" -subj "/CN=$name" \
		-addext "subjectAltName=$san" \
		-addext "basicConstraints=critical,CA:FALSE" \
		-CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
		-keyout "$dir/$name.key" -out "$dir/$name.pem" 2>/dev/null
done
