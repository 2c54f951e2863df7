#!/usr/bin/env bash
# Our edge with `--protocol 3` against stock n2n 3.1.1: a stock 3.1.1 supernode, our e1 and e3, a
# stock 3.1.1 e2 in one community, per cipher / -H / -z1; then addresses assigned by the supernode
# (no -a), a stock edge.conf plus the line --protocol=3, and an iperf3 TCP figure ours-ours against
# stock-stock. Needs N2N_REFERENCE_V3 = a folder holding stock 3.1.1 `edge` and `supernode` (a local
# build, never part of this repository); without it, it says so and stops. Prints PASS/FAIL lines
# and "v3-edge: N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BIN=${BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
OURS=$BIN
STOCK=${N2N_REFERENCE_V3:-}
TOOL="python3 $here/n2ntool.py"
[ -n "$STOCK" ] && [ -x "$STOCK/edge" ] && [ -x "$STOCK/supernode" ] ||
    { echo "v3-edge: N2N_REFERENCE_V3 does not name a folder with a stock 3.1.1 edge and supernode; nothing run"; exit 0; }

. "$here/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# The stock 3.1.1 supernode: -p is its port (3.x's -l is federation).
start_stock_supernode() {
    ip netns exec "$SN" "$STOCK/supernode" -f -p $SN_PORT "$@" >>"$work/supernode.log" 2>&1 &
    SN_PID=$!; pids+=("$SN_PID")
    sleep 0.3
}

# start_v3_edge N ours|stock community [extra args...]
start_v3_edge() {
    local n=$1 who=$2 community=$3; shift 3
    local bin=$OURS/edge extra=(--protocol 3)
    [ "$who" = stock ] && { bin=$STOCK/edge; extra=(); }
    ip netns exec "${EDGES[$((n - 1))]}" "$bin" -f -d n2n0 -c "$community" \
        -m "02:00:00:00:d5:0$n" -l "$UNDER.254:$SN_PORT" -p "5000$n" "${extra[@]}" "$@" >>"$work/edge$n.log" 2>&1 &
    EDGE_PID[$n]=$!; pids+=("$!")
}

tap_address() { nsx "$(edge_ns "$1")" ip -4 -o addr show dev n2n0 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }'; }

wait_address() {  # wait_address N SECONDS: the TAP got an address (from the supernode)
    local deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do [ -n "$(tap_address "$1")" ] && return 0; sleep 0.2; done
    return 1
}

ping_address() { nsx "$(edge_ns "$1")" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1; }
wait_ping_address() {
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do ping_address "$1" "$2" && return 0; sleep 0.2; done
    return 1
}

# p2p_at N PEER: our edge N lists PEER's MAC as a P2P peer (JSON API, n2n 3.x style).
p2p_at() { edge_mgmt "$1" "peers" | grep -i "02:00:00:00:d5:0$2" | grep -qi "p2p"; }
wait_p2p() {
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do p2p_at "$1" "$2" && return 0; ping_ok "$1" "$2" 1; sleep 0.5; done
    return 1
}

iperf_mbits() {  # iperf_mbits FROM TO: TCP Mbit/s over 5 s from edge FROM to edge TO
    nsx "$(edge_ns "$2")" timeout 20 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
    local server=$!
    sleep 0.5
    nsx "$(edge_ns "$1")" timeout 20 iperf3 -c "$OVER.$2" -p 5201 -t 5 -J 2>/dev/null |
        python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))' 2>/dev/null
    wait "$server" 2>/dev/null
}

setup_topology
printf 'mynet\n' >"$work/communities.list"

for opts in "-k s3cret" "-k s3cret -A3" "-k s3cret -A4" "-k s3cret -A5" "-k s3cret -A3 -H" "-k s3cret -A3 -z1" "-A1"; do
    label="stock 3.1.1 supernode, our e1 and e3, stock e2 [$opts]"
    log "scenario: $label"
    if [[ "$opts" == *-H* ]]; then start_stock_supernode -c "$work/communities.list"; else start_stock_supernode; fi
    # shellcheck disable=SC2086
    start_v3_edge 1 ours mynet -a "$OVER.1/24" $opts
    # shellcheck disable=SC2086
    start_v3_edge 2 stock mynet -a "$OVER.2/24" $opts
    # shellcheck disable=SC2086
    start_v3_edge 3 ours mynet -a "$OVER.3/24" $opts
    check "$label: ping e1->e2 (ours to stock)" wait_ping 1 2 20
    check "$label: ping e2->e1 (stock to ours)" wait_ping 2 1 10
    check "$label: ping e3->e1 (ours to ours)" wait_ping 3 1 10
    check "$label: P2P e1<->e2 established" wait_p2p 1 2 20
    check "$label: P2P e1<->e3 established" wait_p2p 1 3 20
    stop_all
done

label="addresses assigned by the stock supernode (no -a)"
log "scenario: $label"
start_stock_supernode
start_v3_edge 1 ours mynet -k s3cret
start_v3_edge 2 stock mynet -k s3cret
check "$label: our TAP got an address" wait_address 1 15
check "$label: stock TAP got an address" wait_address 2 15
a1=$(tap_address 1); a2=$(tap_address 2)
log "assigned: ours $a1, stock $a2"
check "$label: both addresses in one subnet" test -n "$a1" -a -n "$a2" -a "${a1%.*}" = "${a2%.*}"
check "$label: ping ours -> stock" wait_ping_address 1 "${a2:-192.0.2.1}" 20
check "$label: ping stock -> ours" wait_ping_address 2 "${a1:-192.0.2.1}" 10
stop_all

label="stock edge.conf plus --protocol=3"
log "scenario: $label"
cat >"$work/edge.conf" <<CONF
# a stock n2n 3.x edge configuration file, with one line added
-d=n2n0
-c=mynet
-k=s3cret
-a=$OVER.1
-p=50001
-l=$UNDER.254:$SN_PORT
-m=02:00:00:00:d5:01
-f
--protocol=3
CONF
start_stock_supernode
ip netns exec "$(edge_ns 1)" "$OURS/edge" "$work/edge.conf" >>"$work/edge1.log" 2>&1 &
EDGE_PID[1]=$!; pids+=("$!")
start_v3_edge 2 stock mynet -k s3cret -a "$OVER.2"
check "$label: ping e1->e2" wait_ping 1 2 20
stop_all

if [ "${V3_IPERF:-1}" = 1 ]; then
    for who in ours stock; do
        start_stock_supernode
        start_v3_edge 1 $who mynet -k s3cret -A3 -a "$OVER.1/24"
        start_v3_edge 2 $who mynet -k s3cret -A3 -a "$OVER.2/24"
        wait_ping 1 2 20 >/dev/null; sleep 2; ping_ok 1 2 3
        mbits=$(iperf_mbits 1 2)
        log "iperf3 TCP 5 s, -A3, $who edges on the stock 3.1.1 supernode: ${mbits:-?} Mbit/s"
        check "iperf3 $who-$who ran" test -n "$mbits"
        eval "mbits_$who=\${mbits:-0}"
        stop_all
    done
    log "iperf3 ours/stock: ${mbits_ours:-0} / ${mbits_stock:-0} Mbit/s"
fi

echo "v3-edge: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
