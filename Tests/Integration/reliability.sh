#!/usr/bin/env bash
# Reliability tests in network namespaces (issue 10 item 3): edges behind NAT routers (hole
# punching, and the relay fallback behind symmetric NAT), a garbage flood at every port while
# pinging, supernode crashes and failover between two supernodes, and a soak with mixed traffic
# that watches memory, descriptors and drop counters. Needs root, /dev/net/tun, iproute2, nftables,
# ping and python3. Each scenario makes its own namespaces (named with $$) and removes them and
# every process at its end, and at exit also on failure. Traffic goes only to those namespaces.
# Prints one PASS/FAIL line per check and "reliability: N passed, N failed"; exits non-zero on a
# failure. ONLY=pattern runs some scenarios (nat flood restarts soak); SOAK_SECONDS (default 60)
# sets the soak's length: `SOAK_SECONDS=600 ONLY=soak bash Tests/Integration/reliability.sh`.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BIN=${BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
TOOL="python3 $here/n2ntool.py"
ONLY=${ONLY:-}
SOAK_SECONDS=${SOAK_SECONDS:-60}
FLOOD_RATE=${FLOOD_RATE:-25000}   # datagrams/s aimed at each of the three ports (asserted >= 20 000)
FLOOD_PROCS=${FLOOD_PROCS:-4}     # sender processes per port: one python process may not keep the rate
RSS_BOUND_KIB=$((16 * 1024))      # allowed RSS growth of any process over a scenario
REG=3                             # edge registration interval (-i) in the restart scenarios

# shellcheck source=lib.sh
. "$here/lib.sh"

NS_MADE=()      # every namespace this script made, removed by teardown and at exit
helpers=()      # background pings, receivers and senders (bounded, but killed early on failure)
# signal_child SIG PID: only while PID is still a child of this shell (a reaped pid may have been
# reused by someone else's process). Returns 1 when PID is not (or no longer) ours.
signal_child() {
    local stat
    stat=$(cat "/proc/$2/stat" 2>/dev/null) || return 1
    stat=${stat##*) }                                 # past "pid (comm) ": "state ppid ..."
    set -- "$1" "$2" $stat
    [ "$4" = "$$" ] && [ "$3" != Z ] && kill "-$1" "$2" 2>/dev/null
}
teardown() {
    local p i live
    # Daemons get TERM (a clean stop) and 3 s; then they, and any ping or sender still running
    # after a failed check or Ctrl-C, get KILL.
    for p in "${pids[@]}"; do signal_child TERM "$p"; done
    for ((i = 0; i < 30; i++)); do
        live=0; for p in "${pids[@]}"; do signal_child 0 "$p" && live=1; done
        [ $live = 0 ] && break; sleep 0.1
    done
    for p in "${pids[@]}" "${helpers[@]}"; do signal_child KILL "$p"; done
    for p in "${pids[@]}" "${helpers[@]}"; do { wait "$p"; } 2>/dev/null; done
    helpers=()
    pids=(); EDGE_PID=(); SN_PID=
    for ns in "${NS_MADE[@]}"; do ip netns del "$ns" 2>/dev/null; done
    NS_MADE=()
    for f in "$work"/*.log; do [ -e "$f" ] && : >"$f"; done   # fail() shows the current scenario's logs only
}
trap 'teardown; cleanup' EXIT
trap 'exit 130' INT TERM

want() { [ "$ONLY" = "" ] || [[ "$1" =~ $ONLY ]]; }

# names TAG: the scenario's namespace names (lib.sh's LAN, SN, EDGES), unique per run and scenario.
names() {
    LAN="$id-$1-lan"; SN="$id-$1-sn"
    EDGES=("$id-$1-e1" "$id-$1-e2" "$id-$1-e3" "$id-$1-e4")
}

# The lib.sh bridge: supernode at $UNDER.254, edges at $UNDER.1-4.
bridge_topology() {
    NS_MADE+=("$LAN" "$SN" "${EDGES[@]}")
    setup_topology
}

mkns() {  # mkns NAME: an empty namespace with lo up and no IPv6
    ip netns add "$1"; NS_MADE+=("$1")
    nsx "$1" ip link set lo up
    nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
}

# start_edge_via N "SN1 [SN2]" community [args...]: lib.sh's start_edge with other -l values.
start_edge_via() {
    local n=$1 sns=$2 community=$3 s l=(); shift 3
    for s in $sns; do l+=(-l "$s"); done
    ip netns exec "$(edge_ns "$n")" "$BIN/edge" -f -d n2n0 -c "$community" -a "$OVER.$n" \
        -m "02:00:00:00:d5:0$n" "${l[@]}" -p "5000$n" "$@" >>"$work/edge$n.log" 2>&1 &
    EDGE_PID[$n]=$!; pids+=("$!")
}

# udp_stats NS: the namespace's kernel UDP receive counters; RcvbufErrors are datagrams dropped
# because a socket's buffer was full (the program did not keep up), told apart from its own drops.
udp_stats() {
    nsx "$1" awk '/^Udp:/ { if (!h) { split($0, k); h = 1 } else for (i = 2; i <= NF; i++)
        if (k[i] ~ /^(InDatagrams|InErrors|RcvbufErrors)$/) printf "%s %s ", k[i], $i }' /proc/net/snmp
}

# ping_loss FILE: the loss percentage of a finished `ping -q` run ("" if it printed none).
ping_loss() { grep -o '[0-9.]*% packet loss' "$1" | cut -d% -f1; }
loss_zero() { [ "${1:-x}" = 0 ]; }
now_ms() { date +%s%3N; }

# silence_after FILE T0: "MS GAP" for a `ping -D` log: the reply that ends the longest silence
# after T0 (ms since the epoch) came MS ms after T0, the silence lasted GAP ms (a gap that spans
# T0 counts; replies in flight at T0 do not end it). No reply after T0: "999999 999999".
silence_after() {
    awk -v t="$2" '/bytes from/ { ms = substr($1, 2, length($1) - 2) * 1000
        if (ms > t && prev && ms - prev > g) { g = ms - prev; r = ms - t }
        prev = ms }
        END { if (prev > t) printf "%d %d\n", r, g; else print "999999 999999" }' "$1"
}

# p2p_both: a few pings, then e1 and e2 each list the other as P2P.
p2p_both() { ping_ok 1 2 2 >/dev/null; peer_is_p2p 1 2 && peer_is_p2p 2 1; }

# wait_until SECONDS COMMAND...: retry COMMAND every 0.2 s, bounded.
wait_until() {
    local deadline=$((SECONDS + $1)); shift
    while [ $SECONDS -lt $deadline ]; do "$@" && return 0; sleep 0.2; done
    "$@"
}

# rss_kib / fd_count are in lib.sh. sample LABEL NAME=PID...: prints and stores "rss fds" per name.
declare -A RSS FDS
sample() {
    local label=$1 kv name pid; shift
    for kv in "$@"; do
        name=${kv%%=*}; pid=${kv#*=}
        RSS[$label.$name]=$(rss_kib "$pid"); FDS[$label.$name]=$(fd_count "$pid")
        echo "  $label $name: VmRSS ${RSS[$label.$name]:-?} KiB, ${FDS[$label.$name]} fds"
    done
}
rss_growth_ok() {  # rss_growth_ok NAME: RSS end - start within the bound
    local a=${RSS[start.$1]:-} b=${RSS[end.$1]:-}
    [ -n "$a" ] && [ -n "$b" ] && [ $((b - a)) -le $RSS_BOUND_KIB ]
}

# --- scenarios -------------------------------------------------------------------------------

# Two edges, each behind its own masquerading router; the supernode on the "internet" bridge.
# The routers drop unsolicited inbound datagrams before conntrack confirms them (as home routers
# do): a confirmed entry for a peer's early probe would make the kernel give the edge's answer to
# that peer another source port, and port-preserving NAT would punch no hole.
NET=10.215     # $NET.0.0/24 the internet, $NET.N.0/24 the LAN behind router N
nat_topology() {  # nat_topology MASQUERADE-OPTIONS
    local masq=$1 r i
    LAN="$id-nat-inet"; SN="$id-nat-sn"; EDGES=("$id-nat-e1" "$id-nat-e2")
    mkns "$LAN"
    nsx "$LAN" ip link add br0 type bridge
    nsx "$LAN" ip link set br0 up
    mkns "$SN"
    ip -n "$LAN" link add p0 type veth peer name eth0 netns "$SN"
    ip -n "$LAN" link set p0 master br0 up
    nsx "$SN" ip addr add "$NET.0.254/24" dev eth0
    nsx "$SN" ip link set eth0 up
    for i in 1 2; do
        r="$id-nat-r$i"
        mkns "$r"; mkns "${EDGES[$((i - 1))]}"
        ip -n "$LAN" link add "p$i" type veth peer name eth0 netns "$r"
        ip -n "$LAN" link set "p$i" master br0 up
        nsx "$r" ip addr add "$NET.0.$i/24" dev eth0
        nsx "$r" ip link set eth0 up
        ip -n "$r" link add lan0 type veth peer name eth0 netns "${EDGES[$((i - 1))]}"
        nsx "$r" ip addr add "$NET.$i.1/24" dev lan0
        nsx "$r" ip link set lan0 up
        nsx "$r" sysctl -qw net.ipv4.ip_forward=1
        nsx "$r" nft -f - <<EOF
table ip nat {
    chain post { type nat hook postrouting priority srcnat; oifname "eth0" masquerade $masq; }
}
table ip filter {
    chain input { type filter hook input priority filter; iifname "eth0" ct state new drop; }
    chain forward { type filter hook forward priority filter; iifname "eth0" ct state new drop; }
}
EOF
        nsx "${EDGES[$((i - 1))]}" ip addr add "$NET.$i.2/24" dev eth0
        nsx "${EDGES[$((i - 1))]}" ip link set eth0 up
        nsx "${EDGES[$((i - 1))]}" ip route add default via "$NET.$i.1"
    done
}

# sn_sees_e1 PREFIX [-v EXACT]: the supernode lists e1's MAC at a socket starting with PREFIX
# (and, with -v, not at EXACT).
sn_sees_e1() {
    local sock
    sock=$(sn_mgmt | grep -io 'MAC: 02:00:00:00:d5:01\]\[edge: [^]]*' | sed 's/.*edge: //')
    [[ "$sock" == "$1"* ]] || return 1
    [ "${2:-}" != -v ] || [ "$sock" != "$3" ]
}

scenario_nat() {
    log "scenario: each edge behind its own port-preserving masquerade (full cone-like)"
    nat_topology ""
    start_supernode
    local sn="$NET.0.254:$SN_PORT"
    for n in 1 2; do start_edge_via $n "$sn" demo; done
    check "nat: first ping e1->e2 through both NATs within 15 s" wait_ping 1 2 15
    # Hole punching: both edges send REGISTERs to the other's public socket; poll while pinging.
    local t0=$SECONDS
    check "nat: e1 and e2 reach P2P through the NATs within 30 s" wait_until 30 p2p_both
    echo "  P2P after $((SECONDS - t0)) s"
    sn_mgmt | grep -o 'MAC: [^]]*\]\[edge: [^]]*' | sed 's/^/  supernode sees /'
    edge_mgmt 1 peers | sed 's/^/  e1 peers: /'
    check "nat: the supernode sees e1 at its router's address, port kept" sn_sees_e1 "$NET.0.1:50001"
    local before after
    before=$(sn_counter fwd)
    nsx "$(edge_ns 1)" ping -n -q -c 20 -i 0.1 -W 2 "$OVER.2" >"$work/nat-ping.out" 2>&1
    after=$(sn_counter fwd)
    echo "  supernode fwd before=$before after=$after, ping loss $(ping_loss "$work/nat-ping.out")%"
    check "nat: supernode relay counter stops growing once P2P" test -n "$before" -a "$before" = "$after"
    check "nat: 20 P2P pings, 0 loss" loss_zero "$(ping_loss "$work/nat-ping.out")"
    teardown

    log "scenario: symmetric NAT on both sides (masquerade random,fully-random): relay fallback"
    nat_topology "random,fully-random"
    start_supernode
    for n in 1 2; do start_edge_via $n "$sn" demo; done
    check "symmetric nat: first ping e1->e2 within 15 s" wait_ping 1 2 15
    ping_ok 1 2 10 >/dev/null   # warm-up: the edges try (and fail) to punch meanwhile
    before=$(sn_counter fwd)
    nsx "$(edge_ns 1)" ping -n -q -c 50 -i 0.2 -W 2 "$OVER.2" >"$work/nat-ping.out" 2>&1
    after=$(sn_counter fwd)
    local loss; loss=$(ping_loss "$work/nat-ping.out")
    echo "  supernode fwd before=$before after=$after, ping loss ${loss}%"
    check "symmetric nat: 50 relayed pings after warm-up, 0 loss" loss_zero "$loss"
    check "symmetric nat: the supernode relayed them (fwd +$((${after:-0} - ${before:-0})) >= 100)" \
        test -n "$before" -a "$((${after:-0} - ${before:-0}))" -ge 100
    sn_mgmt | grep -o 'MAC: [^]]*\]\[edge: [^]]*' | sed 's/^/  supernode sees /'
    edge_mgmt 1 peers | sed 's/^/  e1 peers: /'
    check "symmetric nat: the supernode sees e1 at its router's address, another port" \
        sn_sees_e1 "$NET.0.1:" -v "$NET.0.1:50001"
    check "symmetric nat: e1 does not report e2 as P2P" peer_not_p2p 1 2
    teardown
}

# flood_start TARGET-NS... : FLOOD_PROCS senders per target, from e3 and e4 (no edge runs there).
# Each target is "host:port"; results land in $work/flood-<host>-<port>-<k>.out
flood_start() {
    local t k src host port
    FLOODERS=()
    for t in "$@"; do
        host=${t%:*}; port=${t#*:}
        for ((k = 1; k <= FLOOD_PROCS; k++)); do
            src=$(edge_ns $((3 + (k % 2))))
            nsx "$src" $TOOL flood "$host" "$port" 10 $((FLOOD_RATE / FLOOD_PROCS)) demo "$port$k" \
                >"$work/flood-$host-$port-$k.out" 2>&1 &
            FLOODERS+=("$!"); helpers+=("$!")
        done
    done
}
flood_rate() {  # flood_rate HOST PORT: the summed rate its senders achieved
    cat "$work/flood-$1-$2-"*.out 2>/dev/null | awk '/^sent/ { split($NF, a, "/"); r += a[1] } END { print r + 0 }'
}

# e1_paths: "super-tx p2p-tx", the PACKETs e1 sent each way (text management "paths" line).
e1_paths() {
    edge_mgmt 1 | awk '$1 == "paths" { split($2, s, /[:,]/); split($3, p, /[:,]/); print s[2] + 0, p[2] + 0 }'
}

# flood_round MODE EDGE-ARGS...: one setup, pinging P2P or (-S) through the flooded supernode.
flood_round() {
    local mode=$1 n; shift
    log "scenario: garbage flood at the supernode and both edges while pinging ($mode)"
    names flood; bridge_topology
    start_supernode
    for n in 1 2; do start_edge $n demo -E "$@"; done
    check "flood $mode: first ping e1->e2 within 10 s" wait_ping 1 2 10
    ping_ok 1 2 5 >/dev/null
    sample start sn="$SN_PID" e1="${EDGE_PID[1]}" e2="${EDGE_PID[2]}"
    local targets=("$UNDER.254 $SN_PORT supernode" "$UNDER.1 50001 e1" "$UNDER.2 50002 e2")
    local attempt f t rate loss losses="" short via0 via1
    via0=$(e1_paths)
    # A machine busy with other work may not give the senders 20 000/s per port: then the round
    # proves less than it should, and it runs once more (every round's pings must be lossless).
    for attempt in 1 2; do
        rm -f "$work"/flood-*.out
        nsx "$(edge_ns 1)" ping -n -q -c 100 -i 0.1 -W 2 "$OVER.2" >"$work/flood-ping.out" 2>&1 &
        local pinger=$!; helpers+=("$!")
        flood_start "$UNDER.254:$SN_PORT" "$UNDER.1:50001" "$UNDER.2:50002"
        for f in "${FLOODERS[@]}"; do wait "$f"; done
        wait "$pinger"
        loss=$(ping_loss "$work/flood-ping.out"); losses="$losses${loss:-none} "
        echo "  round $attempt: ping loss ${loss}% (100 pings at 0.1 s)"
        short=0
        for t in "${targets[@]}"; do
            set -- $t
            rate=$(flood_rate "$1" "$2")
            echo "  round $attempt: flood at $3 ($1:$2): $rate datagrams/s for 10 s ($FLOOD_PROCS senders)"
            [ "$rate" -ge 20000 ] || short=1
        done
        [ $short = 0 ] && break
    done
    sample end sn="$SN_PID" e1="${EDGE_PID[1]}" e2="${EDGE_PID[2]}"
    via1=$(e1_paths)
    echo "  e1 PACKETs sent (via supernode, P2P): ($via0) -> ($via1)"
    set -- $via0 $via1
    if [ "$mode" = relay ]; then
        check "flood relay: e1's pings went through the flooded supernode (+$(($3 - $1)) >= 100, P2P +$(($4 - $2)))" \
            test $(($3 - $1)) -ge 100 -a $(($4 - $2)) = 0
    else
        check "flood p2p: e1's pings went P2P (+$(($4 - $2)) >= 100)" test $(($4 - $2)) -ge 100
    fi
    for t in "${targets[@]}"; do
        set -- $t
        rate=$(flood_rate "$1" "$2")
        check "flood $mode: >= 20000 datagrams/s reached at $3 ($rate/s)" test "$rate" -ge 20000
    done
    check "flood $mode: supernode still running" kill -0 "$SN_PID"
    check "flood $mode: edges still running" kill -0 "${EDGE_PID[1]}" "${EDGE_PID[2]}"
    check "flood $mode: 100 pings during each flood round, 0 loss (loss % per round: $losses)" \
        test -z "$(echo $losses | tr ' ' '\n' | grep -vx 0)"
    for n in sn e1 e2; do
        check "flood $mode: $n RSS growth $(( (${RSS[end.$n]:-0} - ${RSS[start.$n]:-0}) )) KiB <= 16 MiB" rss_growth_ok $n
    done
    check "flood $mode: ping e2->e1 after the flood" ping_ok 2 1
    # Refusals are logged through token buckets (docs/security.md, item 8): start-up lines included,
    # 200 lines bound what 700 000 garbage datagrams may make each program write.
    local l
    for t in "sn supernode" "e1 edge1" "e2 edge2"; do
        set -- $t; l=$(wc -l <"$work/$2.log")
        check "flood $mode: $1 log stays short ($l lines <= 200)" test "$l" -le 200
    done
    echo "  udp in sn: $(udp_stats "$SN")"
    echo "  udp in e1: $(udp_stats "$(edge_ns 1)")"
    echo "  udp in e2: $(udp_stats "$(edge_ns 2)")"
    echo "  drops counted: supernode $(sn_mgmt | awk '$1 == "dropped" { print $2 }')," \
        "e1 $(edge_mgmt 1 | awk '$1 == "dropped" { print $2 }'), e2 $(edge_mgmt 2 | awk '$1 == "dropped" { print $2 }')"
    teardown
}

scenario_flood() {
    flood_round p2p
    flood_round relay -S
}

sn_edges() { sn_counter edges; }
registered() { [ "$(sn_edges)" = "${1:-2}" ]; }   # registered [N]: the supernode lists N edges

scenario_restarts() {
    log "scenario: kill -9 the supernode under two P2P edges (-i $REG)"
    names rst; bridge_topology
    start_supernode
    for n in 1 2; do start_edge $n demo -i $REG; done
    wait_ping 1 2 10 >/dev/null
    check "restart: e1 and e2 P2P within 15 s" wait_until 15 p2p_both
    # 150 pings (15 s): the supernode dies after 2 s and stays away 8 s.
    nsx "$(edge_ns 1)" ping -n -q -c 150 -i 0.1 -W 2 "$OVER.2" >"$work/rst-ping.out" 2>&1 &
    local pinger=$!; helpers+=("$!")
    sleep 2
    kill -9 "$SN_PID"; wait "$SN_PID" 2>/dev/null
    sleep 8
    start_supernode
    local t0; t0=$(now_ms)
    wait_until $((2 * REG)) registered 2
    local took=$(( $(now_ms) - t0 ))
    check "restart: both edges re-register within two intervals ($took ms <= $((2 * REG)) s)" \
        test "$(sn_edges)" = 2 -a "$took" -le $((2 * REG * 1000))
    wait "$pinger"
    local loss; loss=$(ping_loss "$work/rst-ping.out")
    echo "  P2P ping loss over the 8 s outage and the restart: ${loss}% (150 pings)"
    check "restart: P2P pings carry on while the supernode is down (0 loss)" loss_zero "$loss"
    check "restart: still P2P after the restart" peer_is_p2p 1 2
    stop_all

    log "scenario: two supernodes, -S edges (relay only): kill -9 the first"
    local SN2="$id-rst-sn2"
    mkns "$SN2"
    ip -n "$LAN" link add p9 type veth peer name eth0 netns "$SN2"
    ip -n "$LAN" link set p9 master br0 up
    nsx "$SN2" ip addr add "$UNDER.253/24" dev eth0
    nsx "$SN2" ip link set eth0 up
    local sns="$UNDER.254:$SN_PORT $UNDER.253:$SN_PORT"
    start_supernode
    ip netns exec "$SN2" "$BIN/supernode" -f -l $SN_PORT >>"$work/supernode2.log" 2>&1 &
    local SN2_PID=$!; pids+=("$SN2_PID")
    sleep 0.3
    # e2 starts 1.5 s after e1, so their registration rounds are that far apart (as they are
    # on real hosts, which do not start in step).
    start_edge_via 1 "$sns" demo -S -i $REG; sleep 1.5; start_edge_via 2 "$sns" demo -S -i $REG
    check "failover: first relayed ping within 10 s" wait_ping 1 2 10
    ping_ok 1 2 5 >/dev/null
    local before after
    before=$(sn_counter fwd); ping_ok 1 2 5 >/dev/null; after=$(sn_counter fwd)
    check "failover: sn1 (first -l) relays before the failure (fwd $before -> $after)" \
        test -n "$before" -a "$((${after:-0} - ${before:-0}))" -ge 5
    # A ping every 0.1 s runs across the failure; its time stamps (-D) give the gap.
    nsx "$(edge_ns 1)" ping -n -D -i 0.1 -W 1 -w $((3 * REG + 4)) "$OVER.2" >"$work/fo-ping.out" 2>&1 &
    local pinger=$!; helpers+=("$!")
    sleep 2
    t0=$(now_ms)
    kill -9 "$SN_PID"; wait "$SN_PID" 2>/dev/null
    wait "$pinger"
    local gap
    read -r took gap < <(silence_after "$work/fo-ping.out" "$t0")
    loss=$(ping_loss "$work/fo-ping.out")
    echo "  relayed traffic resumed $took ms after kill -9 of sn1 (longest silence $gap ms, ping loss ${loss}%; bound $((2 * REG + 1)) s)"
    check "failover: relayed ping resumes via sn2 within $((2 * REG + 1)) s ($took ms)" \
        test "$took" -le $(( (2 * REG + 1) * 1000 ))
    nsx "$(edge_ns 1)" ping -n -q -c 20 -i 0.1 -W 2 "$OVER.2" >"$work/rst-ping.out" 2>&1
    check "failover: 20 pings via sn2 after the failover, 0 loss" loss_zero "$(ping_loss "$work/rst-ping.out")"
    local fwd2; fwd2=$(nsx "$SN2" $TOOL mgmt 5645 "
" | awk '$1 == "fwd" { print $2 }')
    check "failover: sn2 relayed them (fwd $fwd2 >= 20)" test "${fwd2:-0}" -ge 20
    # sn1 comes back, and the edges move back to it (the first -l). Their rounds are 1.5 s apart:
    # an edge that moved at sn1's first answer relayed into a table its peer had not re-registered
    # in yet (unknown_destination) until the peer's own round, up to one interval (this test
    # found it; the edge now moves back only once sn1 has answered two rounds in a row).
    nsx "$(edge_ns 1)" ping -n -D -i 0.1 -W 1 -w $((3 * REG + 3)) "$OVER.2" >"$work/fb-ping.out" 2>&1 &
    pinger=$!; helpers+=("$!")
    sleep 1
    t0=$(now_ms)
    start_supernode
    wait "$pinger"
    loss=$(ping_loss "$work/fb-ping.out")
    read -r took gap < <(silence_after "$work/fb-ping.out" "$t0")
    before=$(sn_counter fwd); ping_ok 1 2 5 >/dev/null; after=$(sn_counter fwd)
    echo "  fail-back to sn1: ping loss ${loss}% over $((3 * REG + 3)) s, longest silence $gap ms" \
        "(ended $took ms after sn1 started); sn1 fwd $before -> $after;" \
        "sn1 drops: $(drops_of "$SN" 5645 | paste -sd' ')"
    check "failback: relayed traffic moves back to sn1 (fwd $before -> $after)" \
        test -n "$before" -a "$((${after:-0} - ${before:-0}))" -ge 5
    check "failback: no ping lost while the edges move back to sn1 (${loss}%)" loss_zero "$loss"
    stop_pid "$SN2_PID"
    teardown
}

# Counters: "reason count" lines of the JSON packetstats, for the edges (5644) and the supernode.
drops_of() { nsx "$1" $TOOL packetstats "$2"; }
unexpected_drops() {  # unexpected_drops START END: the reasons that grew, "reason+N ..."
    awk 'NR == FNR { a[$1] = $2; next } $1 != "dropped" && $2 > a[$1] + 0 { printf "%s+%d ", $1, $2 - a[$1] }' "$1" "$2"
}

scenario_soak() {
    local secs=$SOAK_SECONDS n ns
    log "scenario: soak, 4 edges with -E, ping ring + broadcast + multicast for $secs s"
    names soak; bridge_topology
    start_supernode
    for n in 1 2 3 4; do start_edge $n demo -E; done
    local ok=1
    for n in 1 2 3 4; do wait_ping $n $((n % 4 + 1)) 10 >/dev/null || ok=0; done
    check "soak: the ping ring e1->e2->e3->e4->e1 is up" test $ok = 1
    sleep 2
    local procs=(sn="$SN_PID" e1="${EDGE_PID[1]}" e2="${EDGE_PID[2]}" e3="${EDGE_PID[3]}" e4="${EDGE_PID[4]}")
    sample start "${procs[@]}"
    drops_of "$SN" 5645 >"$work/drops-start-sn"
    for n in 1 2 3 4; do drops_of "$(edge_ns $n)" 5644 >"$work/drops-start-e$n"; done

    local count=$((secs * 5)) bgs=() r
    for n in 1 2 3 4; do
        nsx "$(edge_ns $n)" ping -n -q -c $count -i 0.2 -w $((secs + 15)) "$OVER.$((n % 4 + 1))" >"$work/soak-ping$n.out" 2>&1 &
        bgs+=("$!"); helpers+=("$!")
    done
    for r in 2 3 4; do nsx "$(edge_ns $r)" $TOOL bcast-recv 5002 $((secs + 8)) >"$work/soak-bc$r.out" 2>&1 & bgs+=("$!"); helpers+=("$!"); done
    for r in 1 2 4; do nsx "$(edge_ns $r)" $TOOL mcast-recv 239.1.1.1 5001 "$OVER.$r" $((secs + 8)) >"$work/soak-mc$r.out" 2>&1 & bgs+=("$!"); helpers+=("$!"); done
    for r in 2 3 4; do wait_ready "$work/soak-bc$r.out"; done
    for r in 1 2 4; do wait_ready "$work/soak-mc$r.out"; done
    # Paced: plain 0.1 s sleeps ran 1-2 % long on a busy machine and the last datagrams of a
    # 600 s run came after the receivers had stopped.
    nsx "$(edge_ns 1)" $TOOL bcast-send "$OVER.255" 5002 $((secs * 10)) 0.1 1 & bgs+=("$!"); helpers+=("$!")
    nsx "$(edge_ns 3)" $TOOL mcast-send 239.1.1.1 5001 "$OVER.3" $((secs * 10)) 0.1 1 & bgs+=("$!"); helpers+=("$!")
    for r in "${bgs[@]}"; do wait "$r"; done

    sample end "${procs[@]}"
    drops_of "$SN" 5645 >"$work/drops-end-sn"
    for n in 1 2 3 4; do drops_of "$(edge_ns $n)" 5644 >"$work/drops-end-e$n"; done
    local loss sent=$((secs * 10)) got
    for n in sn 1 2 3 4; do
        [ $n = sn ] && ns=$SN || ns=$(edge_ns $n)
        echo "  udp in $([ $n = sn ] && echo sn || echo e$n): $(udp_stats "$ns")"
    done
    for n in 1 2 3 4; do
        loss=$(ping_loss "$work/soak-ping$n.out")
        echo "  ping e$n->e$((n % 4 + 1)): $count pings, loss ${loss}%"
        check "soak: ping e$n->e$((n % 4 + 1)) 0 loss over $secs s" loss_zero "$loss"
    done
    for r in 2 3 4; do
        got=$(tail -n 1 "$work/soak-bc$r.out")
        echo "  broadcast e1 -> e$r: $got of $sent"
        check "soak: broadcast e1 -> e$r all delivered ($got/$sent)" test "$got" = "$sent"
    done
    for r in 1 2 4; do
        got=$(tail -n 1 "$work/soak-mc$r.out")
        echo "  multicast e3 -> e$r: $got of $sent"
        check "soak: multicast e3 -> e$r all delivered ($got/$sent)" test "$got" = "$sent"
    done
    # A healthy run refuses nothing: every drop reason must stay where it was. (Until the edge's
    # discovery REGISTERs carried a cookie of its own, the answers to them grew unmatched_ack by
    # one per other edge and round; this soak found that.)
    local name grown kv
    for kv in "${procs[@]}"; do check "soak: ${kv%%=*} still running" kill -0 "${kv#*=}"; done
    for name in sn e1 e2 e3 e4; do
        check "soak: $name RSS growth $(( ${RSS[end.$name]:-0} - ${RSS[start.$name]:-0} )) KiB <= 16 MiB" rss_growth_ok $name
        check "soak: $name open fds unchanged (${FDS[start.$name]} -> ${FDS[end.$name]})" \
            test "${FDS[end.$name]}" -le "${FDS[start.$name]}"
        grown=$(unexpected_drops "$work/drops-start-$name" "$work/drops-end-$name")
        echo "  $name drops: $(paste -sd' ' "$work/drops-end-$name")"
        check "soak: $name no drop reason grew${grown:+ ($grown)}" test -z "$grown"
    done
    teardown
}

# --- main -------------------------------------------------------------------------------------

if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ]; then
    echo "reliability tests need root and /dev/net/tun"; echo "reliability: 0 passed, 1 failed"; exit 1
fi
[ -x "$BIN/edge" ] && [ -x "$BIN/supernode" ] || { echo "missing binaries in $BIN"; echo "reliability: 0 passed, 1 failed"; exit 1; }

started=$SECONDS
for s in nat flood restarts soak; do
    want "$s" || continue
    if [ $s = nat ] && ! command -v nft >/dev/null; then
        fail "nat: nft is missing (scripts/bootstrap.sh installs nftables)"; continue
    fi
    "scenario_$s"
done
echo "  reliability suite took $((SECONDS - started)) s"
echo "reliability: $passed passed, $failed failed"
[ "$failed" = 0 ]
