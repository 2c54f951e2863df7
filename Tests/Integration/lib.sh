#!/usr/bin/env bash
# Shared by the netns integration tests and the netns throughput benchmark: a private bridge with a
# supernode and up to four edges, each in its own network namespace, and helpers to start, stop and
# query them. Source it after setting BIN (the folder with edge and supernode) and TOOL.
# Everything it creates is removed by `cleanup`, which the sourcing script traps on EXIT.

# NETNS_ID: the prefix of every name (default n2n<pid>); scripts/demo.sh sets its own fixed prefix.
id="${NETNS_ID:-n2n$$}"
work=$(mktemp -d "/tmp/$id.XXXX")
LAN="$id-lan"; SN="$id-sn"
EDGES=("$id-e1" "$id-e2" "$id-e3" "$id-e4")
UNDER=10.213.0       # underlay subnet (inside the test's own namespaces only)
OVER=192.168.213     # overlay subnet on the TAPs
SN_PORT=7654
pids=()
passed=0; failed=0

log() { echo "[$(date +%T)] $*"; }

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    sleep 0.2
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    for ns in "$LAN" "$SN" "${EDGES[@]}"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$work"
}

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() {
    failed=$((failed + 1)); echo "FAIL $1"
    for f in "$work"/*.log; do [ -s "$f" ] && { echo "--- tail $(basename "$f")"; tail -n 15 "$f"; }; done
}
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

setup_topology() {
    ip netns add "$LAN"
    nsx "$LAN" ip link add br0 type bridge
    nsx "$LAN" ip link set br0 up
    nsx "$LAN" ip link set lo up
    local i=0
    for ns in "$SN" "${EDGES[@]}"; do
        i=$((i + 1))
        ip netns add "$ns"
        ip -n "$LAN" link add "p$i" type veth peer name eth0 netns "$ns"
        ip -n "$LAN" link set "p$i" master br0 up
        local host=$i; [ "$ns" = "$SN" ] && host=254 || host=$((i - 1))
        nsx "$ns" ip addr add "$UNDER.$host/24" dev eth0
        nsx "$ns" ip link set eth0 up
        nsx "$ns" ip link set lo up
        nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
        # n2n 2.8's local discovery (224.0.0.68) needs a multicast route on the underlay.
        [ "$ns" = "$SN" ] || nsx "$ns" ip route add 224.0.0.0/4 dev eth0 2>/dev/null || true
    done
}

# Daemons are started with `ip netns exec` directly (not through nsx) so that $! is their own pid.
# start_supernode [extra args...]
start_supernode() {
    ip netns exec "$SN" "$BIN/supernode" -f -l $SN_PORT "$@" >>"$work/supernode.log" 2>&1 &
    SN_PID=$!; pids+=("$SN_PID")
    sleep 0.3
}

stop_pid() { kill "$1" 2>/dev/null; for _ in $(seq 1 30); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; kill -9 "$1" 2>/dev/null; }

declare -A EDGE_PID
# start_edge N community [extra args...]   (edge N: overlay .N, MAC 02:00:00:00:d5:0N, UDP port 5000N;
# the supernode is $SN_ADDR, by default $UNDER.254:$SN_PORT)
start_edge() {
    local n=$1 community=$2; shift 2
    ip netns exec "${EDGES[$((n - 1))]}" "$BIN/edge" -f -d n2n0 -c "$community" -a "$OVER.$n" \
        -m "02:00:00:00:d5:0$n" -l "${SN_ADDR:-$UNDER.254:$SN_PORT}" -p "5000$n" "$@" >>"$work/edge$n.log" 2>&1 &
    EDGE_PID[$n]=$!; pids+=("$!")
}

stop_all() {
    for n in "${!EDGE_PID[@]}"; do stop_pid "${EDGE_PID[$n]}"; done
    EDGE_PID=()
    [ -n "${SN_PID:-}" ] && stop_pid "$SN_PID"; SN_PID=
    : >"$work/supernode.log"; for f in "$work"/edge*.log; do [ -e "$f" ] && : >"$f"; done
}

edge_ns() { echo "${EDGES[$(($1 - 1))]}"; }

# ping_ok FROM TO [count]: at least one reply within bounded time.
ping_ok() { nsx "$(edge_ns "$1")" ping -n -q -c "${3:-3}" -i 0.2 -W 2 "$OVER.$2" >/dev/null 2>&1; }
ping_fails() { ! nsx "$(edge_ns "$1")" ping -n -q -c 3 -i 0.2 -W 1 "$OVER.$2" >/dev/null 2>&1; }

# wait_ping FROM TO SECONDS: retry until the first reply, bounded.
wait_ping() {
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        nsx "$(edge_ns "$1")" ping -n -q -c 1 -W 1 "$OVER.$2" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

edge_mgmt() { nsx "$(edge_ns "$1")" $TOOL mgmt 5644 "${2:-
}"; }
sn_mgmt() { nsx "$SN" $TOOL mgmt 5645 "${1:-
}"; }
sn_counter() { sn_mgmt | awk -v k="$1" '$1 == k { print $2; exit }'; }

arp_learned() {  # arp_learned FROM TO: the neighbour entry holds TO's TAP MAC
    nsx "$(edge_ns "$1")" ip neigh show "$OVER.$2" dev n2n0 | grep -qi "02:00:00:00:d5:0$2"
}

peer_is_p2p() {  # peer_is_p2p AT PEER: the edge's management port lists PEER's MAC as P2P
    edge_mgmt "$1" "peers" | grep -i "02:00:00:00:d5:0$2" | grep -qi "p2p"
}

peer_not_p2p() { ! peer_is_p2p "$@"; }

# until_true SECONDS CMD...: retries CMD every 0.5 s until it succeeds, at most SECONDS.
until_true() { local deadline=$((SECONDS + $1)); shift; while ! "$@"; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.5; done; }

# wait_ready FILE... : until every receiver printed "ready" (joined and listening), at most 10 s;
# a fixed sleep lost the first datagrams when a loaded machine started python slowly.
wait_ready() {
    local f i
    for f in "$@"; do
        for ((i = 0; i < 100; i++)); do grep -q '^ready' "$f" 2>/dev/null && break; sleep 0.1; done
    done
}

# multicast_count SENDER RECEIVER... : prints the datagram count each receiver got (5 sent)
multicast_counts() {
    local sender=$1; shift
    local r out=()
    for r in "$@"; do
        nsx "$(edge_ns "$r")" $TOOL mcast-recv 239.1.1.1 5001 "$OVER.$r" 10 5 >"$work/mc$r.out" 2>&1 &
    done
    for r in "$@"; do wait_ready "$work/mc$r.out"; done
    nsx "$(edge_ns "$sender")" $TOOL mcast-send 239.1.1.1 5001 "$OVER.$sender" 5 0.1
    wait_jobs_quiet
    for r in "$@"; do out+=("$(tail -n 1 "$work/mc$r.out")"); done
    echo "${out[*]}"
}

broadcast_counts() {
    local sender=$1; shift
    local r out=()
    for r in "$@"; do
        nsx "$(edge_ns "$r")" $TOOL bcast-recv 5002 10 5 >"$work/bc$r.out" 2>&1 &
    done
    for r in "$@"; do wait_ready "$work/bc$r.out"; done
    nsx "$(edge_ns "$sender")" $TOOL bcast-send "$OVER.255" 5002 5 0.1
    wait_jobs_quiet
    for r in "$@"; do out+=("$(tail -n 1 "$work/bc$r.out")"); done
    echo "${out[*]}"
}

# Waits for the background receivers (not the daemons) started by the caller.
wait_jobs_quiet() {
    local j
    for j in $(jobs -p); do
        case " ${pids[*]} " in *" $j "*) ;; *) wait "$j" 2>/dev/null ;; esac
    done
}

# tcp_intact FROM TO FILE SHA256: FILE sent over TCP from edge FROM to edge TO through the overlay
# arrives with that sha256 (each side gives up after 120 s).
tcp_intact() {
    local from=$1 to=$2 file=$3 sha=$4 got server
    rm -f "$work/tcp.recv"
    nsx "$(edge_ns "$to")" timeout 120 socat -u TCP-LISTEN:5301,reuseaddr OPEN:"$work/tcp.recv",creat,trunc &
    server=$!
    sleep 0.5
    nsx "$(edge_ns "$from")" timeout 120 socat -u OPEN:"$file" TCP:"$OVER.$to":5301,retry=20,interval=0.2
    wait "$server"
    got=$(sha256sum <"$work/tcp.recv" | cut -d' ' -f1)
    rm -f "$work/tcp.recv"
    [ "$got" = "$sha" ]
}

# rss_kib PID / fd_count PID: resident memory (VmRSS, KiB) and open descriptors, for leak checks.
rss_kib() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null; }
fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
