#!/usr/bin/env bash
# Our supernode serving 3.x and 2.x communities on one port: stock n2n 3.1.1 edges (N2N_REFERENCE_V3,
# a local build never part of this repository) ping each other through it P2P, relayed (-S1), with
# -H and a -c file, and with addresses it assigns (no -a); meanwhile two of our 2.x edges use a 2.x
# community on the same supernode, and a 3.x edge naming that community is refused and counted.
# Without N2N_REFERENCE_V3 it says so and stops (exit 0). Same topology and cleanup as netns.sh.
# Prints PASS/FAIL lines and "v3-supernode: N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BIN=${BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
STOCK=${N2N_REFERENCE_V3:-}
TOOL="python3 $here/n2ntool.py"
[ -n "$STOCK" ] && [ -x "$STOCK/edge" ] ||
    { echo "v3-supernode: N2N_REFERENCE_V3 does not name a folder with a stock 3.1.1 edge; nothing run"; exit 0; }

. "$here/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_v3_edge N community [extra args...]: a stock 3.1.1 edge (MAC 02:00:00:00:d5:0N, UDP port 5000N).
start_v3_edge() {
    local n=$1 community=$2; shift 2
    ip netns exec "${EDGES[$((n - 1))]}" "$STOCK/edge" -f -d n2n0 -c "$community" -m "02:00:00:00:d5:0$n" \
        -l "$UNDER.254:$SN_PORT" -p "5000$n" "$@" >>"$work/edge$n.log" 2>&1 &
    EDGE_PID[$n]=$!; pids+=("$!")
}

# tap_address N: the IPv4 address/len on edge N's TAP (empty until it has one).
tap_address() { nsx "$(edge_ns "$1")" ip -4 -o addr show dev n2n0 2>/dev/null | awk '{ print $4; exit }'; }

wait_tap_address() {
    local deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        [ -n "$(tap_address "$1")" ] && return 0
        sleep 0.2
    done
    return 1
}

# ping_addr FROM ADDRESS: three pings to an overlay address, at least one answered.
ping_addr() { nsx "$(edge_ns "$1")" ping -n -q -c 3 -i 0.2 -W 2 "$2" >/dev/null 2>&1; }

# relayed_pings FROM TO: how many of 10 pings' frames our supernode relayed (fwd counter delta).
relayed_pings() {
    local before after
    before=$(sn_counter fwd)
    nsx "$(edge_ns "$1")" ping -n -q -c 10 -i 0.1 -W 1 "$OVER.$2" >/dev/null 2>&1
    after=$(sn_counter fwd)
    echo $((after - before))
}

# wait_p2p FROM TO SECONDS: until 10 pings pass without the supernode relaying more than 2 frames.
wait_p2p() {
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(relayed_pings "$1" "$2")" -le 2 ] && return 0
        sleep 1
    done
    return 1
}

wait_community() {  # wait_community NAME SECONDS: our supernode lists it
    local deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        sn_mgmt | grep -q "community: $1" && return 0
        sleep 0.2
    done
    return 1
}

v2_pair() {  # our 2.x edges e3, e4 in community "old" beside the 3.x ones
    start_edge 3 old -A3 -k oldkey "$@"
    start_edge 4 old -A3 -k oldkey "$@"
}

setup_topology
printf 'mynet\nold\n' >"$work/communities.list"

log "scenario: stock 3.1.1 edges -A3 -k, P2P, with our 2.x community beside"
start_supernode
start_v3_edge 1 mynet -a "$OVER.1" -A3 -k s3cret
start_v3_edge 2 mynet -a "$OVER.2" -A3 -k s3cret
v2_pair
check "3.x -A3: ping stock e1 -> stock e2" wait_ping 1 2 20
check "3.x -A3: ping stock e2 -> stock e1" wait_ping 2 1 10
check "3.x -A3: stock edges go P2P (supernode relays <= 2 of 10 pings)" wait_p2p 1 2 20
check "2.x beside: ping our e3 -> e4 (community old)" wait_ping 3 4 20
check "2.x beside: ping our e4 -> e3" wait_ping 4 3 10
mgmt=$(sn_mgmt)
check "management lists both communities" test "$(grep -c -e 'community: mynet' -e 'community: old' <<<"$mgmt")" = 2
check "management shows 3.x edge fields" grep -q 'simple-id: checked' <<<"$mgmt"
stop_all

log "scenario: stock 3.1.1 edges -A3 -k -S1 (relayed through our supernode)"
start_supernode
start_v3_edge 1 mynet -a "$OVER.1" -A3 -k s3cret -S1
start_v3_edge 2 mynet -a "$OVER.2" -A3 -k s3cret -S1
check "3.x -S1: ping stock e1 -> stock e2" wait_ping 1 2 20
check "3.x -S1: ping stock e2 -> stock e1" wait_ping 2 1 10
n=$(relayed_pings 1 2)
check "3.x -S1: the supernode relays every ping ($n frames for 10 pings)" test "$n" -ge 10
stop_all

for extra in "" "-S1"; do
    label="3.x -H $extra"
    log "scenario: stock 3.1.1 edges -A3 -k -H $extra with a -c file, our 2.x edges -H in a listed community"
    start_supernode -c "$work/communities.list"
    # shellcheck disable=SC2086
    start_v3_edge 1 mynet -a "$OVER.1" -A3 -k s3cret -H $extra
    # shellcheck disable=SC2086
    start_v3_edge 2 mynet -a "$OVER.2" -A3 -k s3cret -H $extra
    v2_pair -H
    check "$label: ping stock e1 -> stock e2" wait_ping 1 2 20
    check "$label: ping stock e2 -> stock e1" wait_ping 2 1 10
    check "2.x -H beside: ping our e3 -> e4" wait_ping 3 4 20
    n=$(relayed_pings 1 2)
    if [ -n "$extra" ]; then
        check "$label: relayed and re-sealed by the supernode ($n frames for 10 pings)" test "$n" -ge 10
    else
        log "$label: $n of 10 pings relayed"
    fi
    stop_all
done

for opts in "-A1" "-A2 -k s3cret -z1" "-A4 -k s3cret -z2" "-A5 -k s3cret -H"; do
    label="3.x relayed [$opts]"
    log "scenario: stock 3.1.1 edges -S1 $opts"
    start_supernode -c "$work/communities.list"
    # shellcheck disable=SC2086
    start_v3_edge 1 mynet -a "$OVER.1" -S1 $opts
    # shellcheck disable=SC2086
    start_v3_edge 2 mynet -a "$OVER.2" -S1 $opts
    check "$label: ping stock e1 -> stock e2" wait_ping 1 2 20
    check "$label: ping stock e2 -> stock e1" wait_ping 2 1 10
    stop_all
done

log "scenario: stock 3.1.1 edges without -a (addresses from our supernode's pool), -I descriptions"
start_supernode
start_v3_edge 1 mynet -A3 -k s3cret -I hostA
start_v3_edge 2 mynet -A3 -k s3cret -I hostB
check "auto-IP: e1 gets an address" wait_tap_address 1 20
check "auto-IP: e2 gets an address" wait_tap_address 2 20
a1=$(tap_address 1); a2=$(tap_address 2)
log "auto-IP: e1 (hostA) $a1, e2 (hostB) $a2"
check "auto-IP: mynet/hostA is 10.236.232.174/24 (v3 spec 9.5 rule)" test "$a1" = "10.236.232.174/24"
check "auto-IP: e2 in the same /24" test "${a2%.*}" = "10.236.232"
check "auto-IP: ping e1 -> e2 at ${a2%/*}" ping_addr 1 "${a2%/*}"
check "auto-IP: ping e2 -> e1 at ${a1%/*}" ping_addr 2 "${a1%/*}"
# A 3.x edge naming our 2.x community is refused and counted.
start_edge 3 old -A3 -k oldkey
check "2.x edge e3 registers in old" wait_community old 10
start_v3_edge 4 old -a "$OVER.4" -A3 -k oldkey
sleep 3
m=$(sn_mgmt | awk '$1 == "dialect_mismatch" { print $2 }')
check "3.x edge in the 2.x community: dropped and counted (dialect_mismatch ${m:-0})" test "${m:-0}" -gt 0
stop_all

echo "v3-supernode: $passed passed, $failed failed"
[ "$failed" = 0 ]
