#!/usr/bin/env bash
# The README's first command. As root on Debian 12: installs what the project needs and builds it
# (scripts/bootstrap.sh), then brings up a community on this one machine (a supernode and three
# edges, each in a network namespace this script creates, AES with a key, IGMP snooping) and
# prints a short report: registration and P2P, ping RTT, a broadcast, a multicast group reaching
# only its listener, iperf3 TCP over the overlay beside the bare link, the management view. Then it
# removes every namespace, interface and process it made (also on failure or Ctrl-C).
#
#   bash scripts/demo.sh                  the demo, then everything is removed
#   bash scripts/demo.sh --keep           leave the community up and print how to step into it
#   bash scripts/demo.sh --stop           stop a community left up by --keep
#   bash scripts/demo.sh --no-bootstrap   skip scripts/bootstrap.sh (already installed and built)
#
# Names: namespaces n2ndemo-<pid>-{lan,sn,e1,e2,e3}, the host's veth n2ndemo-host (10.213.0.100
# on the demo's private underlay 10.213.0.0/24, so that a browser on this machine reaches the
# status pages), the state of a kept community in /run/n2n-demo.state. Traffic goes only to the
# demo's own namespaces.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=n2ndemo
HOSTIF=n2ndemo-host
HOSTADDR=10.213.0.100
STATE_DIR=/run; [ -w "$STATE_DIR" ] || STATE_DIR=/tmp
STATE=$STATE_DIR/n2n-demo.state
KEY=demo-secret
COMMUNITY=demo
MCAST=239.1.1.1

keep=0 bootstrap=1 stop=0
for arg in "$@"; do
    case $arg in
        --keep) keep=1 ;;
        --stop) stop=1 ;;
        --no-bootstrap) bootstrap=0 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "demo: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates network namespaces and TAP interfaces)" >&2; exit 2; }

demo_namespaces() { ip netns list 2>/dev/null | awk -v p="$PREFIX-" 'index($1, p) == 1 { print $1 }'; }

# Stops what a kept demo left: every process inside its namespaces, the namespaces, the host's
# veth, its log folder and the state file. Works without the state file too (after a crash).
stop_kept() {
    local ns pid work_dir=""
    [ -f "$STATE" ] && work_dir=$(awk -F= '$1 == "WORK" { print $2 }' "$STATE")
    for ns in $(demo_namespaces); do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
    done
    sleep 0.3
    for ns in $(demo_namespaces); do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    ip link del "$HOSTIF" 2>/dev/null
    case $work_dir in /tmp/$PREFIX-*) rm -rf "$work_dir" ;; esac
    rm -f "$STATE"
}

if [ $stop = 1 ]; then
    if [ ! -f "$STATE" ] && [ -z "$(demo_namespaces)" ] && ! ip link show "$HOSTIF" >/dev/null 2>&1; then
        echo "demo: no demo community is up; nothing to stop"; exit 0
    fi
    stop_kept
    echo "demo: stopped; every namespace, interface and process of the demo is gone"
    exit 0
fi

if [ -f "$STATE" ] || [ -n "$(demo_namespaces)" ] || ip link show "$HOSTIF" >/dev/null 2>&1; then
    echo "demo: a demo community is already up on this machine (left by 'bash scripts/demo.sh --keep'$(
        [ -f "$STATE" ] && awk -F= '$1 == "STARTED" { printf ", started %s", $2 }' "$STATE")):"
    demo_namespaces | sed 's/^/  namespace /'
    [ -f "$STATE" ] && awk -F= '$1 == "HINT" { print "  " $2 }' "$STATE"
    echo "Stop it first with: bash scripts/demo.sh --stop"
    exit 1
fi

if [ $bootstrap = 1 ]; then
    echo "== scripts/bootstrap.sh (packages and the release build)"
    bash "$repo/scripts/bootstrap.sh" || { echo "demo: scripts/bootstrap.sh failed" >&2; exit 1; }
fi
BIN=$(cd "$repo" && swift build -c release --static-swift-stdlib --show-bin-path)
for tool in "$BIN/edge" "$BIN/supernode" "$(command -v iperf3)" "$(command -v python3)" "$(command -v ping)"; do
    [ -x "$tool" ] || { echo "demo: missing $tool (run without --no-bootstrap)" >&2; exit 1; }
done
TOOL="python3 $repo/Tests/Integration/n2ntool.py"

export NETNS_ID="$PREFIX-$$"
# shellcheck source=../Tests/Integration/lib.sh
. "$repo/Tests/Integration/lib.sh"
EDGES=("${EDGES[@]:0:3}")   # three edges are enough to show a group reaching only its listener

ok=0
finish() {
    local status=$?
    if [ $keep = 1 ] && [ $ok = 1 ]; then return; fi
    cleanup
    ip link del "$HOSTIF" 2>/dev/null
    rm -f "$STATE"
    [ $status = 0 ] && echo "Removed every namespace, interface and process the demo made."
}
trap finish EXIT
trap 'exit 130' INT TERM

# The state goes down first, so that a crash mid-way still leaves something --stop can read.
{ echo "WORK=$work"; echo "STARTED=$(date '+%F %T')"; } >"$STATE"

die() {
    echo "FAILED: $*" >&2
    for f in "$work"/*.log; do [ -s "$f" ] && { echo "--- last lines of $(basename "$f")" >&2; tail -n 8 "$f" >&2; }; done
    exit 1
}
line() { printf '  %-20s %s\n' "$1" "$2"; }

# json URL EXPR: EXPR evaluated in Python over the JSON at URL (d), fetched from this namespace
# as a browser here would; prints nothing when the page does not answer.
json() {
    python3 - "$1" "$2" <<'EOPY' 2>/dev/null
import json, sys, urllib.request
try:
    d = json.load(urllib.request.urlopen(sys.argv[1], timeout=2))
except Exception:
    sys.exit(1)
print(eval(sys.argv[2]))
EOPY
}

mac() { echo "02:00:00:00:d5:0$1"; }
edge_url() { echo "http://$UNDER.$1:9644"; }
SN_URL="http://$UNDER.254:9645"

t0=$SECONDS
setup_topology
# The host's side of the demo's underlay: a browser on this machine reaches the status pages.
ip link add "$HOSTIF" type veth peer name ph netns "$LAN" || die "cannot create the veth $HOSTIF"
ip -n "$LAN" link set ph master br0 up
sysctl -qw "net.ipv6.conf.$HOSTIF.disable_ipv6=1" 2>/dev/null || true
ip addr add "$HOSTADDR/24" dev "$HOSTIF"
ip link set "$HOSTIF" up

start_supernode --metrics "$UNDER.254:9645"
for n in 1 2 3; do
    start_edge "$n" "$COMMUNITY" -E -k "$KEY" -A3 --igmp-snooping --metrics "$UNDER.$n:9644"
done
{ echo "NAMESPACES=$LAN $SN ${EDGES[*]}"; echo "PIDS=${pids[*]}"; } >>"$STATE"

echo
echo "swift-n2n demo: supernode $UNDER.254:$SN_PORT, edges e1-e3 in community '$COMMUNITY' (AES, key '$KEY', IGMP snooping)"
echo "overlay $OVER.1-3 on TAP n2n0 in namespaces ${EDGES[*]}"
echo

registered() { [ "$(json "$SN_URL/status.json" 'sum(c["edges"] for c in d["communities"])')" = 3 ]; }
until_true 30 registered || die "registration: the supernode did not list 3 edges within 30 s"
line "registration" "3 edges registered with the supernode after $((SECONDS - t0)) s"

for n in 2 3; do wait_ping 1 "$n" 30 || die "ping: e1 got no reply from e$n ($OVER.$n) within 30 s"; done
both_p2p() {
    ping_ok 1 2 1; ping_ok 1 3 1
    [ "$(json "$(edge_url 1)/status.json" '" ".join(sorted(e["macaddr"].lower() for e in d["edges"] if e["mode"] == "p2p"))')" = "$(mac 2) $(mac 3)" ]
}
until_true 30 both_p2p || die "P2P: e1 did not reach e2 and e3 directly within 30 s"
line "P2P" "e1 talks to e2 and e3 directly (no relay) after $((SECONDS - t0)) s"

rtt=$(nsx "$(edge_ns 1)" ping -n -q -c 10 -i 0.2 -W 2 "$OVER.2" 2>/dev/null | awk -F'[/ ]' '/^rtt/ { print $8 " ms avg, " $7 " min, " $9 " max" }')
[ -n "$rtt" ] || die "ping RTT: no replies from e2"
line "ping e1 -> e2" "$rtt (10 pings, through the overlay)"

bc=$(broadcast_counts 1 2 3)
[ "$bc" = "5 5" ] || die "broadcast: e2 and e3 received '$bc' of 5 datagrams each"
line "broadcast" "5 datagrams to $OVER.255 from e1: e2 got 5, e3 got 5"

# A group: e2's host joins it, e3's does not; e3 counts what reaches its TAP anyway.
nsx "$(edge_ns 2)" $TOOL mcast-recv $MCAST 5003 "$OVER.2" 40 5 >"$work/mc2.out" 2>&1 &
wait_ready "$work/mc2.out"
listener_known() { json "$(edge_url 1)/status.json" '[g["listener"] for g in d["groups"] if g["group"] == "'$MCAST'"]' | grep -qi "$(mac 2)"; }
until_true 30 listener_known || die "multicast: e1 did not learn e2 as a listener of $MCAST within 30 s"
nsx "$(edge_ns 3)" $TOOL tap-count n2n0 5 $MCAST >"$work/tap3.out" 2>&1 &
wait_ready "$work/tap3.out"
nsx "$(edge_ns 1)" $TOOL mcast-send $MCAST 5003 "$OVER.1" 5 0.1
wait_jobs_quiet
got2=$(tail -n 1 "$work/mc2.out"); got3=$(tail -n 1 "$work/tap3.out")
[ "$got2" = 5 ] && [ "$got3" = 0 ] || die "multicast: the listener e2 got '$got2' of 5, e3 (no listener) saw '$got3' (want 0)"
line "multicast" "5 datagrams to $MCAST from e1: listener e2 got 5; e3 (not joined) saw 0 on its TAP"

# iperf3 TCP: through the overlay, then the bare veth link between the same two namespaces.
iperf() {  # iperf ADDR: Mbit/s received by e2's server from e1 in 3 s
    nsx "$(edge_ns 2)" timeout 30 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
    local server=$! out
    sleep 0.5
    out=$(nsx "$(edge_ns 1)" timeout 30 iperf3 -c "$1" -p 5201 -t 3 -J 2>/dev/null)
    wait "$server" 2>/dev/null
    python3 -c 'import json, sys; print(round(json.loads(sys.argv[1])["end"]["sum_received"]["bits_per_second"] / 1e6))' "$out" 2>/dev/null
}
over=$(iperf "$OVER.2"); [ -n "$over" ] || die "iperf3 over the overlay e1 -> e2 failed"
bare=$(iperf "$UNDER.2"); [ -n "$bare" ] || die "iperf3 over the bare link e1 -> e2 failed"
line "iperf3 TCP e1 -> e2" "$over Mbit/s through swift-n2n (AES); $bare Mbit/s on the bare veth link"

# A peer idle for a while is relayed until traffic brings the direct path back: wake both.
until_true 15 both_p2p || true
echo
echo "Management view (the status pages' JSON, fetched from this machine):"
json "$(edge_url 1)/status.json" '"\n".join(
    ["  e1 %s, community %s, supernode %s" % (d["mac"], d["community"], " ".join(s["configured"] + (" (in use)" if s["current"] else "") for s in d["supernodes"]))]
    + ["    peer %s at %-17s %-5s last seen %d s ago" % (e["macaddr"], e["sockaddr"], "P2P" if e["mode"] == "p2p" else "relayed", d["time"] - e["last_seen"]) for e in d["edges"]]
    + ["    group %s listener %s" % (g["group"], g["listener"]) for g in d["groups"] if g["listener"]]
    + ["    frames: " + ", ".join("%s tx %d rx %d" % (p["type"], p["tx_pkt"], p["rx_pkt"]) for p in d["packetstats"] if p["type"] in ("p2p", "super", "super_broadcast"))])' \
    || die "management: e1's status.json did not answer"
json "$SN_URL/status.json" '"\n".join(
    ["  supernode: " + ", ".join("community %s with %d edges" % (c["community"], c["edges"]) for c in d["communities"])]
    + ["    " + ", ".join("%s %d" % (p["type"], p.get("tx_pkt", p.get("rx_pkt", p.get("count", 0)))) for p in d["packetstats"] if p["type"] != "drop")])' \
    || die "management: the supernode's status.json did not answer"
echo "  status pages: $(edge_url 1)/ (e1), $(edge_url 2)/, $(edge_url 3)/, $SN_URL/ (supernode)"
echo
echo "demo: all steps passed in $((SECONDS - t0)) s"

ok=1
if [ $keep = 1 ]; then
    hint="Step in: ip netns exec $(edge_ns 1) bash   (then: ping $OVER.2, ip addr show n2n0)"
    { echo "HINT=$hint"; echo "PAGES=$(edge_url 1)/ $SN_URL/"; } >>"$STATE"
    cat <<EOF

The community stays up (--keep).
  $hint
  Edges e2, e3: ip netns exec $(edge_ns 2) bash, ip netns exec $(edge_ns 3) bash; supernode: ip netns exec $SN bash
  Status pages from this machine: $(edge_url 1)/ (e1) and $SN_URL/ (supernode); JSON at .../status.json
  Logs: $work
  Stop it: bash scripts/demo.sh --stop
EOF
fi
