#!/usr/bin/env bash
# Netns test of the IPv6 underlay (issue 17 item 3): edges and the supernode over IPv6.
#  1. IPv6-only underlay: supernode and two edges (one given `-l [addr]:port`, one a host name
#     that resolves to IPv6 only); the overlay pings, P2P comes up over IPv6 (management shows the
#     peer at its IPv6 socket); the hardening limits hold for an IPv6 source (garbage counted,
#     64 MACs per socket).
#  2. Dual-stack supernode (one socket, both families): an IPv4-only edge, an IPv6-only edge and a
#     dual-stack edge given a name with both; every pair pings, the IPv4-only/IPv6-only pair is
#     relayed by the supernode, the IPv4-only edge never hears of an IPv6 socket, and the dual edge
#     (registered over IPv6) reaches the IPv4-only one relayed or, found by local discovery on
#     their shared IPv4 LAN, over IPv4.
#  3. With N2N_REFERENCE (a stock 2.8 build): scenario 2 with a stock edge as the IPv4-only one.
# Addresses are 2001:db8:13::/64 (documentation prefix) and 10.213.0.0/24, on veths inside the
# test's own namespaces only, without DAD. Everything it creates is removed at exit. Needs root,
# /dev/net/tun, iproute2, ping. Bounded (about a minute).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BIN=${BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
OURS=$BIN
TOOL="python3 $here/n2ntool.py"
STOCK=${N2N_REFERENCE:-}

# shellcheck source=lib.sh
. "$here/lib.sh"
U6=2001:db8:13:          # underlay IPv6 prefix (/64), inside the test's own namespaces only
trap 'cleanup; for ns in "$SN" "${EDGES[@]}"; do rm -rf "/etc/netns/$ns"; done' EXIT
trap 'exit 130' INT TERM

# setup_underlay "FAMILIES_SN" "FAMILIES_E1" "FAMILIES_E2" "FAMILIES_E3": each "4", "6" or "46".
# The supernode is $UNDER.254 / ${U6}:fe, edge N $UNDER.N / ${U6}:N.
setup_underlay() {
    ip netns add "$LAN"
    nsx "$LAN" ip link add br0 type bridge
    nsx "$LAN" ip link set br0 up
    nsx "$LAN" ip link set lo up
    local i=0 families ns host
    for ns in "$SN" "${EDGES[@]:0:3}"; do
        families=$1; shift
        i=$((i + 1))
        ip netns add "$ns"
        nsx "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
        ip -n "$LAN" link add "p$i" type veth peer name eth0 netns "$ns"
        ip -n "$LAN" link set "p$i" master br0 up
        if [ "$ns" = "$SN" ]; then host=254; else host=$((i - 1)); fi
        if [[ $families == *6* ]]; then
            nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.eth0.disable_ipv6=0
            nsx "$ns" ip -6 addr add "${U6}:$(printf %x "$host")/64" dev eth0 nodad
        else
            nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
        fi
        [[ $families == *4* ]] && nsx "$ns" ip addr add "$UNDER.$host/24" dev eth0
        nsx "$ns" ip link set eth0 up
        nsx "$ns" ip link set lo up
        # n2n's local discovery (224.0.0.68) needs a multicast route on an IPv4 underlay.
        [[ $families == *4* ]] && nsx "$ns" ip route add 224.0.0.0/4 dev eth0
    done
}

# resolves NS NAME ADDR...: NAME resolves to ADDR... inside NS (ip netns exec mounts /etc/netns/NS/hosts).
resolves() {
    local ns=$1 name=$2; shift 2
    mkdir -p "/etc/netns/$ns"
    { echo "127.0.0.1 localhost"; for a in "$@"; do echo "$a $name"; done; } >"/etc/netns/$ns/hosts"
}

teardown() {
    stop_all
    for ns in "$LAN" "$SN" "${EDGES[@]}"; do ip netns del "$ns" 2>/dev/null; rm -rf "/etc/netns/$ns"; done
}

mac() { echo "02:00:00:00:d5:0$1"; }
# peer_socket AT PEER: the socket edge AT's management lists for PEER.
peer_socket() { edge_mgmt "$1" "peers" | awk -v m="$(mac "$2")" 'tolower($1) == m { print $2; exit }'; }
sn_edge_socket() { sn_mgmt | grep -i "MAC: $(mac "$1")" | sed 's/.*\[edge: \(.*\)\]\[last seen.*/\1/'; }
no_ipv6_socket_at() { ! edge_mgmt "$1" "peers" | grep -q '\['; }

wait_p2p() {  # wait_p2p AT PEER SECONDS: pinging PEER until AT lists it as P2P
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        ping_ok "$1" "$2" 1 && peer_is_p2p "$1" "$2" && return 0
        sleep 0.5
    done
    return 1
}

log "scenario 1: IPv6-only underlay"
setup_underlay 6 6 6 6     # edge 3's namespace has no edge: it sends the garbage
resolves "$(edge_ns 2)" sn6.test "${U6}:fe"
start_supernode
SN_ADDR="[${U6}:fe]:$SN_PORT" start_edge 1 v6net
SN_ADDR="sn6.test:$SN_PORT" start_edge 2 v6net
check "v6-only: ping e1->e2 over the overlay" wait_ping 1 2 15
check "v6-only: ping e2->e1" ping_ok 2 1
check "v6-only: e1 reaches e2 P2P" wait_p2p 1 2 20
check "v6-only: e2 reaches e1 P2P" wait_p2p 2 1 20
s=$(peer_socket 1 2)
check "v6-only: e1 lists e2 at its IPv6 socket ($s)" test "$s" = "[${U6}:2]:50002"
s=$(sn_edge_socket 2)
check "v6-only: the supernode lists e2 (given a name) at its IPv6 socket ($s)" test "$s" = "[${U6}:2]:50002"
# The hardening limits hold for IPv6 sources: garbage is counted and dropped, one socket gets its
# 256 MACs (maxMacsPerSocket) and no more, and the community keeps working.
nsx "$(edge_ns 3)" $TOOL register-many "${U6}:fe" $SN_PORT 272 v6net >/dev/null
quota=$(sn_mgmt | awk '$1 == "quota_exceeded" { print $2; exit }')
nsx "$(edge_ns 3)" $TOOL garbage "${U6}:fe" $SN_PORT 400 v6net >/dev/null
dropped=$(sn_mgmt | awk '$1 == "dropped" { print $2; exit }')
check "v6-only: garbage from an IPv6 source is counted (dropped ${dropped:-0})" test "${dropped:-0}" -gt 100
check "v6-only: 272 MACs from one IPv6 socket: 16 over the quota (quota_exceeded ${quota:-0})" test "${quota:-0}" -eq 16
check "v6-only: ping e1->e2 after the flood" ping_ok 1 2
teardown

# dual_stack LABEL: edge 1 IPv4 only (BIN1), 2 IPv6 only, 3 both (a name with both addresses).
dual_stack() {
    local label=$1 bin1=$2
    setup_underlay 46 4 6 46
    resolves "$(edge_ns 3)" sn.test "$UNDER.254" "${U6}:fe"
    start_supernode
    BIN=$bin1 SN_ADDR="$UNDER.254:$SN_PORT" start_edge 1 mixed
    SN_ADDR="[${U6}:fe]:$SN_PORT" start_edge 2 mixed
    SN_ADDR="sn.test:$SN_PORT" start_edge 3 mixed
    local a b
    check "$label: ping e1->e2 (v4-only to v6-only)" wait_ping 1 2 15
    for a in 1 2 3; do
        for b in 1 2 3; do
            [ $a = $b ] && continue
            check "$label: ping e$a->e$b" wait_ping $a $b 10
        done
    done
    # e3 chose IPv6 (a global IPv6 destination ranks above IPv4 in RFC 6724): P2P with e2 only.
    s=$(sn_edge_socket 3)
    check "$label: e3 registered over IPv6 ($s)" test "$s" = "[${U6}:3]:50003"
    check "$label: e2 and e3 go P2P over IPv6" wait_p2p 2 3 20
    for _ in 1 2 3 4 5; do ping_ok 1 2 1; ping_ok 2 1 1; ping_ok 1 3 1; done
    check "$label: e1 (v4-only) and e2 (v6-only) stay relayed" peer_not_p2p 2 1
    # e3 (dual) and e1 share an IPv4 LAN: local discovery (224.0.0.68) may bring them P2P over IPv4.
    s=$(peer_socket 3 1)
    check "$label: e3 lists e1, if at all, at its IPv4 socket (${s:-none})" test -z "$s" -o "$s" = "$UNDER.1:50001"
    if [ "$bin1" = "$OURS" ]; then
        check "$label: e1 is never told an IPv6 socket" no_ipv6_socket_at 1
        check "$label: e1 relayed to e2 through the supernode" peer_not_p2p 1 2
    fi
    local other
    other=$(sn_mgmt | awk '$1 == "other_family" { print $2; exit }')
    check "$label: the supernode withheld cross-family PEER_INFO/REGISTER (other_family ${other:-0})" test "${other:-0}" -gt 0
    teardown
}

dual_stack "dual-stack" "$OURS"
if [ -n "$STOCK" ] && [ -x "$STOCK/edge" ]; then
    dual_stack "dual-stack, stock 2.8 e1" "$STOCK"
else
    log "N2N_REFERENCE unset: the stock-edge scenario is skipped"
fi

echo "ipv6: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
