#!/usr/bin/env bash
# n2n 3.x between our own programs, in CI: the scenarios of v3-supernode.sh (our supernode serving a
# 3.x and a 2.x community on one port: P2P, relayed with -S1, every cipher, -z1/-z2, -H with a -c
# file, addresses assigned by the supernode) with OUR edge in --protocol 3 mode as the 3.x edges.
# With N2N_REFERENCE_V3 set, v3-supernode.sh and v3-edge.sh run the same against stock 3.1.1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BIN=${BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
wrapper=$(mktemp -d /tmp/n2n-v3-ours.XXXX)
trap 'rm -rf "$wrapper"' EXIT
# 3.1.1's command line is what our edge takes with --protocol 3: a one-line wrapper stands in for it.
printf '#!/bin/sh\nexec %q --protocol 3 "$@"\n' "$BIN/edge" >"$wrapper/edge"
chmod +x "$wrapper/edge"
BIN=$BIN N2N_REFERENCE_V3=$wrapper bash "$here/v3-supernode.sh"
