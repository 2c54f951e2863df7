#!/usr/bin/env bash
# Mixed communities against a stock n2n 2.8 build: our supernode with a stock edge between two of
# ours, then the stock supernode with ours. Needs N2N_REFERENCE = a folder holding stock `edge` and
# `supernode` (a local build, never part of this repository); without it, it says so and stops.
# Same topology and cleanup as netns.sh. Prints PASS/FAIL lines and "mixed: N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BIN=${BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
OURS=$BIN
STOCK=${N2N_REFERENCE:-}
TOOL="python3 $here/n2ntool.py"
[ -n "$STOCK" ] && [ -x "$STOCK/edge" ] && [ -x "$STOCK/supernode" ] ||
    { echo "mixed: N2N_REFERENCE does not name a folder with a stock edge and supernode; nothing run"; exit 0; }

. "$here/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM


setup_topology
head -c $((50 * 1024 * 1024)) /dev/urandom >"$work/bulk.send"
SHA=$(sha256sum <"$work/bulk.send" | cut -d' ' -f1)
printf 'demo\n' >"$work/communities.list"

for sn in ours stock; do
    for opts in "-k s3cret -A3" "-k s3cret -A3 -H"; do
        label="$sn supernode, stock e2 between our e1 and e3 [$opts]"
        log "scenario: $label"
        if [ $sn = ours ]; then BIN=$OURS; else BIN=$STOCK; fi
        if [[ "$opts" == *-H* ]]; then start_supernode -c "$work/communities.list"; else start_supernode; fi
        # shellcheck disable=SC2086
        BIN=$OURS start_edge 1 demo -E $opts
        # shellcheck disable=SC2086
        BIN=$STOCK start_edge 2 demo -E $opts
        # shellcheck disable=SC2086
        BIN=$OURS start_edge 3 demo -E $opts
        check "$label: ping e1->e2 (ours to stock)" wait_ping 1 2 15
        check "$label: ping e2->e3 (stock to ours)" wait_ping 2 3 15
        counts=$(multicast_counts 1 2 3)
        check "$label: multicast ours e1 -> e2,e3 ($counts)" test "$counts" = "5 5"
        counts=$(multicast_counts 2 1 3)
        check "$label: multicast stock e2 -> e1,e3 ($counts)" test "$counts" = "5 5"
        check "$label: 50 MB TCP ours e1 -> stock e2 intact" tcp_intact 1 2 "$work/bulk.send" "$SHA"
        check "$label: 50 MB TCP stock e2 -> ours e3 intact" tcp_intact 2 3 "$work/bulk.send" "$SHA"
        stop_all
    done
done
echo "mixed: $passed passed, $failed failed"
[ "$failed" = 0 ]
