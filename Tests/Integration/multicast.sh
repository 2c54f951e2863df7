#!/usr/bin/env bash
# netns test of --igmp-snooping (issue 8): a supernode and four edges; real Linux hosts join and
# leave groups with IGMPv3, IGMPv2 (force_igmp_version=2) and MLDv2, e1 sends. Receivers count
# what their application gets and what their edge wrote to the TAP (a packet socket on n2n0).
# Timers are shortened (query interval 3 s, membership timeout 8 s). Prints PASS/FAIL per check
# and "multicast: N passed, M failed"; every namespace is removed at exit. Needs root.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BIN=${BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
TOOL="python3 $here/n2ntool.py"

# shellcheck source=lib.sh
. "$here/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

SNOOP=(--igmp-snooping --igmp-query-interval 3 --igmp-membership-timeout 8)
G1=239.1.1.1 G2=239.2.2.2 G4=239.4.4.4 G5=239.5.5.5 G6=ff15::1:1 MDNS=224.0.0.251 BCAST=$OVER.255
PORT=5400

# The hosts' side: join (and leave at exit), send, and count frames on the TAP. Bounded in time.
cat >"$work/mc.py" <<'EOPY'
import socket, struct, sys, time
def ifindex(name): return socket.if_nametoindex(name)
def join(fam, group, port, ifname, seconds):
    seconds = float(seconds); idx = ifindex(ifname)
    if fam == "6":
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", int(port)))
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", idx))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((group, int(port)))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton("0.0.0.0") + struct.pack("@i", idx))
    print("ready", flush=True)
    start = time.time(); count = 0; first = -1
    while True:
        left = start + seconds - time.time()
        if left <= 0: break
        s.settimeout(left)
        try: data = s.recv(2048)
        except socket.timeout: break
        if data.startswith(b"MC"):
            count += 1
            if first < 0: first = int((time.time() - start) * 1000)
    print(count, first, flush=True)
def send(fam, ifname, port, count, rate, *groups):
    idx = ifindex(ifname)
    if fam == "6":
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, struct.pack("@4s4si", b"\0" * 4, b"\0" * 4, idx))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    gap = 1.0 / float(rate); t = time.time()
    for i in range(int(count)):
        for g in groups:
            s.sendto(b"MC" + struct.pack(">I", i) + bytes(58), (g, int(port)))
        t += gap; time.sleep(max(0, t - time.time()))
def sniff(ifname, seconds, *addrs):
    want = [socket.inet_pton(socket.AF_INET6 if ":" in a else socket.AF_INET, a) for a in addrs]
    counts = [0] * len(want)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((ifname, 0))
    print("ready", flush=True)
    end = time.time() + float(seconds)
    while True:
        left = end - time.time()
        if left <= 0: break
        s.settimeout(left)
        try: data, addr = s.recvfrom(4096)
        except socket.timeout: break
        if addr[2] == socket.PACKET_OUTGOING or len(data) < 54: continue
        kind = data[12:14]
        if kind == b"\x08\x00" and data[23] == 17: dst = data[30:34]
        elif kind == b"\x86\xdd" and data[20] == 17: dst = data[38:54]
        else: continue
        for i, w in enumerate(want):
            if dst == w: counts[i] += 1
    print(" ".join(map(str, counts)), flush=True)
{"join": join, "send": send, "sniff": sniff}[sys.argv[1]](*sys.argv[2:])
EOPY
MC="python3 $work/mc.py"

# host N CMD...: run in edge N's namespace
host() { local n=$1; shift; nsx "$(edge_ns "$n")" "$@"; }
# bg_out NAME N CMD...: a bounded host process in the background, its output in $work/NAME.out
BG=(); BG_FILES=()
bg_out() { local name=$1 n=$2; shift 2; host "$n" "$@" >"$work/$name.out" 2>&1 & BG+=("$!"); BG_FILES+=("$work/$name.out"); }
# ready_bg: waits (bounded) until the joiners and sniffers started since the last call have their sockets
ready_bg() { wait_ready "${BG_FILES[@]}"; BG_FILES=(); }
# wait_bg: waits for the bg_out processes started since the last wait_bg
wait_bg() { local p; for p in "${BG[@]}"; do wait "$p" 2>/dev/null; done; BG=(); }
out() { tail -n 1 "$work/$1.out" 2>/dev/null; }
field() { out "$1" | awk -v i="$2" '{ print $i }'; }
mgmt_groups() { edge_mgmt "$1" groups; }
listed() { echo "$1" | grep -A4 "^$2 " | grep -qi "$3"; }  # listed REPLY GROUP MAC
# json_groups N: edge N's n2n 3.x JSON `groups` rows, one "group listener" pair a line
json_groups() {
    nsx "$(edge_ns "$1")" python3 -c '
import json, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
s.sendto(b"r 9 groups", ("127.0.0.1", 5644))
while True:
    o = json.loads(s.recvfrom(65535)[0])
    if o["_type"] == "begin": continue
    if o["_type"] != "row": break
    print(o["group"], o["listener"], o["age"] if "age" in o else "-")'
}
counter() {  # counter N KEY: a key:value of edge N's `groups` reply
    mgmt_groups "$1" | tr ' ' '\n' | awk -F: -v k="$2" '$1 == k { print $2; exit }'
}

# two_groups: e2's host joins G1, e3's joins G2, e1 sends 20 to each; e2-e4 count their app and TAP
# (outputs j2 j3, s2 s3 s4: per group G1 G2).
two_groups() {
    bg_out j2 2 $MC join 4 $G1 $PORT n2n0 5
    bg_out j3 3 $MC join 4 $G2 $PORT n2n0 5
    bg_out s2 2 $MC sniff n2n0 5 $G1 $G2
    bg_out s3 3 $MC sniff n2n0 5 $G1 $G2
    bg_out s4 4 $MC sniff n2n0 5 $G1 $G2
    ready_bg
    sleep 1.5
    host 1 $MC send 4 n2n0 $PORT 20 20 $G1 $G2
    wait_bg
    echo "  app e2(G1)=$(field j2 1) e3(G2)=$(field j3 1); TAP e2=[$(out s2)] e3=[$(out s3)] e4=[$(out s4)] (G1 G2)"
}

# one_group FAMILY GROUP JOINER SNIFFER...: JOINER's host joins GROUP, the sniffers count it on their
# TAP, e1 sends 20 (outputs jg, and sg<N> per sniffer).
one_group() {
    local fam=$1 group=$2 joiner=$3 n; shift 3
    bg_out jg "$joiner" $MC join "$fam" "$group" $PORT n2n0 4
    for n in "$@"; do bg_out "sg$n" "$n" $MC sniff n2n0 4 "$group"; done
    ready_bg
    sleep 1
    host 1 $MC send "$fam" n2n0 $PORT 20 20 "$group"
    wait_bg
}

prepare_hosts() {
    local n
    for n in 1 2 3 4; do
        host $n ip route replace 239.0.0.0/8 dev n2n0
        host $n ip route replace $MDNS/32 dev n2n0
        host $n sysctl -qw net.ipv6.conf.n2n0.accept_dad=0
        host $n sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.n2n0.disable_ipv6=0
    done
    # e4's host speaks IGMPv2 only, as AWS Transit Gateway users configure.
    host 4 sysctl -qw net.ipv4.conf.n2n0.force_igmp_version=2
}

start_community() {  # start_community EXTRA-ARGS...
    start_supernode
    local n
    for n in 1 2 3 4; do start_edge $n mc -r "$@"; done
    for n in 2 3 4; do wait_ping 1 $n 10 || echo "  e1 cannot ping e$n"; done
    prepare_hosts
    sleep 1
}

# --- with --igmp-snooping -------------------------------------------------------------------------

snooping() {
    log "multicast: four edges with --igmp-snooping (e1 lowest address: the querier)"
    start_community "${SNOOP[@]}"

    # 1. e2 joins G1, e3 joins G2; e1 sends 20 to each; everyone sniffs its TAP.
    two_groups
    check "snooping: e2's app got all 20 of G1" test "$(field j2 1)" = 20
    check "snooping: e3's app got all 20 of G2" test "$(field j3 1)" = 20
    check "snooping: G2 never reached e2's TAP" test "$(field s2 2)" = 0
    check "snooping: G1 never reached e3's TAP" test "$(field s3 1)" = 0
    check "snooping: neither group reached e4 (not joined)" test "$(out s4)" = "0 0"
    local groups1; groups1=$(mgmt_groups 1)
    echo "$groups1" | sed 's/^/  e1> /'
    check "snooping: e1 lists e2 as G1's listener" listed "$groups1" $G1 02:00:00:00:d5:02
    check "snooping: the JSON API's groups lists e2 under G1 and e3 under G2" sh -c \
        "echo \"\$1\" | grep -qi '^$G1 02:00:00:00:d5:02 ' && echo \"\$1\" | grep -qi '^$G2 02:00:00:00:d5:03 '" _ "$(json_groups 1)"
    local replicated; replicated=$(counter 1 replicated)
    check "snooping: e1 counted replicated frames (${replicated:-0} >= 40)" test "${replicated:-0}" -ge 40

    # 2. Link-local and broadcast reach every edge.
    bg_out l2 2 $MC sniff n2n0 2.5 $MDNS $BCAST
    bg_out l3 3 $MC sniff n2n0 2.5 $MDNS $BCAST
    bg_out l4 4 $MC sniff n2n0 2.5 $MDNS $BCAST
    ready_bg
    sleep 0.5
    host 1 $MC send 4 n2n0 $PORT 10 20 $MDNS $BCAST
    wait_bg
    echo "  TAP (224.0.0.251 broadcast): e2=[$(out l2)] e3=[$(out l3)] e4=[$(out l4)]"
    check "snooping: link-local 224.0.0.251 and broadcast reach all" \
        test "$(out l2) $(out l3) $(out l4)" = "10 10 10 10 10 10"

    # 3. A membership held past the 8 s timeout keeps receiving (the querier refreshes it).
    bg_out j5 2 $MC join 4 $G5 $PORT n2n0 22
    local j5=$!; BG=()   # waited for at the end

    # 4. e2 left G1 when its receiver exited; 3 s later G1 no longer reaches e2.
    sleep 3
    local suppressed0; suppressed0=$(counter 1 suppressed)
    bg_out s2b 2 $MC sniff n2n0 2 $G1
    ready_bg
    sleep 0.3
    host 1 $MC send 4 n2n0 $PORT 20 20 $G1
    wait_bg
    echo "  after e2's leave: TAP e2 G1=$(out s2b); e1 suppressed $suppressed0 -> $(counter 1 suppressed)"
    check "snooping: a leave stops G1 at e2 within 3 s" test "$(out s2b)" = 0

    # 5. A late join starts the group within a second (the host's unsolicited report).
    host 1 $MC send 4 n2n0 $PORT 60 20 $G1 &
    local sender=$!
    sleep 1
    bg_out j3b 3 $MC join 4 $G1 $PORT n2n0 1.8
    wait "$sender"
    wait_bg
    echo "  late join at e3: $(field j3b 1) received, first after $(field j3b 2) ms"
    check "snooping: a late join receives within 1 s" \
        sh -c "[ '$(field j3b 1)' -gt 0 ] && [ '$(field j3b 2)' -ge 0 ] && [ '$(field j3b 2)' -lt 1000 ]"

    # 6. An IGMPv2-only host (e4).
    one_group 4 $G4 4 2 3
    echo "  IGMPv2 host e4: app $(field jg 1); TAP e2=$(out sg2) e3=$(out sg3)"
    check "snooping: IGMPv2-only host e4 gets its group" test "$(field jg 1)" = 20
    check "snooping: ... and only e4 does" test "$(out sg2) $(out sg3)" = "0 0"

    # 7. An IPv6 MLD listener (e2 joins ff15::1:1).
    one_group 6 $G6 2 3 4
    echo "  MLD listener e2: app $(field jg 1); TAP e3=$(out sg3) e4=$(out sg4)"
    check "snooping: MLD listener e2 gets ff15::1:1" test "$(field jg 1)" = 20
    check "snooping: ... and only e2 does" test "$(out sg3) $(out sg4)" = "0 0"

    # 3 (end). Over 8 s (the timeout) after e2 joined G5: still delivered, still only to e2.
    local age; age=$(mgmt_groups 1 | grep -A1 "^$G5 " | grep -o 'age:[0-9]*' | cut -d: -f2)
    check "snooping: e2 has listened to G5 for ${age:-?} s, longer than the 8 s timeout" test "${age:-0}" -gt 8
    bg_out s3e 3 $MC sniff n2n0 2 $G5
    ready_bg
    sleep 0.2
    host 1 $MC send 4 n2n0 $PORT 20 20 $G5
    wait_bg
    wait "$j5"   # the G5 joiner ends 22 s after it joined
    echo "  G5 held past the timeout: e2 app $(field j5 1), e3 TAP $(out s3e); queries sent by e1: $(counter 1 queries_sent)"
    check "snooping: membership held past the timeout keeps receiving" test "$(field j5 1)" = 20
    check "snooping: ... still not flooded" test "$(out s3e)" = 0
    stop_all
}

# --- the standard timers (query interval 125 s, membership 260 s): about 5 minutes, so it runs only
# when asked for (ONLY=standard); its figures are recorded in docs/multicast.md.

standard_timers() {
    log "multicast: --igmp-snooping with the standard timers; e2 holds G5 for 290 s"
    start_community --igmp-snooping
    host 2 $MC join 4 $G5 $PORT n2n0 300 >"$work/j5.out" 2>&1 & local j5=$!
    sleep 1
    host 1 $MC send 4 n2n0 $PORT 20 20 $G5 >/dev/null
    local waited=0
    while [ $waited -lt 285 ]; do sleep 5; waited=$((waited + 5)); done
    mgmt_groups 1 | sed 's/^/  e1> /'
    local age; age=$(mgmt_groups 1 | grep -A1 "^$G5 " | grep -o 'age:[0-9]*' | cut -d: -f2)
    check "standard: e2 has listened to G5 for ${age:-?} s, longer than the 260 s membership interval" test "${age:-0}" -gt 260
    bg_out s3e 3 $MC sniff n2n0 3 $G5
    ready_bg
    sleep 0.2
    host 1 $MC send 4 n2n0 $PORT 20 20 $G5
    wait_bg
    wait "$j5"
    echo "  G5 after 290 s: e2 app $(field j5 1) (40 = both bursts), e3 TAP $(out s3e); queries sent by e1: $(counter 1 queries_sent)"
    check "standard: membership held past 260 s keeps receiving (both bursts)" test "$(field j5 1)" = 40
    check "standard: ... and only e2 gets it" test "$(out s3e)" = 0
    stop_all
}

# --- -S: every copy goes through the supernode, addressed to its listener ------------------------

relayed() {
    log "multicast: --igmp-snooping with -S (no P2P): copies through the supernode"
    start_community "${SNOOP[@]}" -S
    bg_out j2 2 $MC join 4 $G1 $PORT n2n0 4
    bg_out s3 3 $MC sniff n2n0 4 $G1
    bg_out s4 4 $MC sniff n2n0 4 $G1
    ready_bg
    sleep 1
    local fwd0; fwd0=$(sn_counter fwd)
    host 1 $MC send 4 n2n0 $PORT 20 20 $G1
    local fwd1; fwd1=$(sn_counter fwd)
    wait_bg
    echo "  relayed: e2 app $(field j2 1); TAP e3=$(out s3) e4=$(out s4); supernode fwd $fwd0 -> $fwd1"
    check "relayed: e2's app got all 20 through the supernode" test "$(field j2 1)" = 20
    check "relayed: the supernode sent each to e2 alone (e3, e4 got 0)" test "$(out s3) $(out s4)" = "0 0"
    check "relayed: the supernode forwarded one copy per frame, not three ($((fwd1 - fwd0)) for 20)" \
        test $((fwd1 - fwd0)) -ge 20 -a $((fwd1 - fwd0)) -lt 40
    stop_all
}

# --- without the flag: everything floods as before --------------------------------------------------

flooding() {
    log "multicast: the same community with -E and no snooping"
    start_community -E
    one_group 4 $G1 2 3 4
    echo "  no snooping: e2 app $(field jg 1); TAP e3=$(out sg3) e4=$(out sg4)"
    check "flooding: e2's app got all 20" test "$(field jg 1)" = 20
    check "flooding: without the flag G1 reaches e3 and e4 too" test "$(out sg3) $(out sg4)" = "20 20"
    check "flooding: groups says snooping is off" sh -c "[ \"\$1\" = 'igmp snooping off' ]" _ "$(mgmt_groups 1)"
    stop_all
}

# --- with a stock n2n 2.8 edge (only when N2N_REFERENCE names a stock build; not in CI) ------------

with_stock_edge() {
    local stock=${N2N_REFERENCE:-} ours=$BIN sn
    [ -n "$stock" ] && [ -x "$stock/edge" ] && [ -x "$stock/supernode" ] ||
        { log "multicast: N2N_REFERENCE unset: the stock-edge scenarios are skipped"; return 0; }
    for sn in ours stock; do
        log "multicast: snooping edges e1 e3 e4 with a stock n2n 2.8 edge e2 ($sn supernode)"
        if [ $sn = stock ]; then BIN=$stock start_supernode; else start_supernode; fi
        BIN=$ours start_edge 1 mc -r "${SNOOP[@]}"
        BIN=$stock start_edge 2 mc -r -E
        BIN=$ours start_edge 3 mc -r "${SNOOP[@]}"
        BIN=$ours start_edge 4 mc -r "${SNOOP[@]}"
        local n; for n in 2 3 4; do wait_ping 1 $n 15 || echo "  e1 cannot ping e$n"; done
        prepare_hosts
        sleep 1
        # The host behind the stock edge joins G1: its reports, flooded by the stock edge, teach e1.
        two_groups
        check "stock e2 [$sn sn]: its host's G1 arrives (listener learned from the stock edge's flood)" test "$(field j2 1)" = 20
        check "stock e2 [$sn sn]: G2 never reached the stock edge's TAP" test "$(field s2 2)" = 0
        check "stock e2 [$sn sn]: e3 got G2 only, e4 nothing" test "$(field j3 1) $(field s3 1) $(out s4)" = "20 0 0 0"
        # A stock sender floods; our snooping edges deliver what they receive.
        bg_out j3b 3 $MC join 4 $G2 $PORT n2n0 5
        bg_out s4b 4 $MC sniff n2n0 5 $G2
        ready_bg
        sleep 1.5
        host 2 $MC send 4 n2n0 $PORT 20 20 $G2
        wait_bg
        echo "  [$sn sn] stock sender: e3 app $(field j3b 1), e4 TAP $(out s4b)"
        [ "$(out s4b)" = 20 ] || { edge_mgmt 4 | tail -4; sn_mgmt | head -20; }
        check "stock e2 [$sn sn]: the stock sender's G2 reaches e3's app" test "$(field j3b 1)" = 20
        check "stock e2 [$sn sn]: our snooping e4 still writes the flooded frames to its TAP" test "$(out s4b)" = 20
        BIN=$ours stop_all
    done
    # Copies addressed to one listener (header destination = its MAC) through the stock supernode.
    log "multicast: --igmp-snooping with -S through the stock n2n 2.8 supernode"
    BIN=$stock start_supernode
    for n in 1 2 3 4; do BIN=$ours start_edge $n mc -r -S "${SNOOP[@]}"; done
    for n in 2 3 4; do wait_ping 1 $n 15 || echo "  e1 cannot ping e$n"; done
    prepare_hosts
    sleep 1
    one_group 4 $G1 2 3 4
    echo "  stock supernode, -S: e2 app $(field jg 1); TAP e3=$(out sg3) e4=$(out sg4)"
    check "stock supernode, -S: e2's app got all 20 (unicast-addressed copies relayed)" test "$(field jg 1)" = 20
    check "stock supernode, -S: e3 and e4 got none" test "$(out sg3) $(out sg4)" = "0 0"
    BIN=$ours stop_all
    BIN=$ours
}

if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ]; then
    echo "multicast tests need root and /dev/net/tun"; echo "multicast: 0 passed, 1 failed"; exit 1
fi
[ -x "$BIN/edge" ] && [ -x "$BIN/supernode" ] || { echo "missing binaries in $BIN"; echo "multicast: 0 passed, 1 failed"; exit 1; }

setup_topology
# ONLY=pattern runs the matching scenarios; standard_timers runs only when named.
for scenario in snooping relayed flooding with_stock_edge standard_timers; do
    if [ -n "${ONLY:-}" ]; then
        [[ $scenario =~ $ONLY ]] && $scenario
    elif [ $scenario != standard_timers ]; then
        $scenario
    fi
done
echo "multicast: $passed passed, $failed failed"
[ "$failed" = 0 ]
