#!/usr/bin/env bash
# --igmp-snooping benchmark in network namespaces (Tests/Integration/lib.sh's topology): e1 sends
# RATE frames/s (default 20 000, 64-byte UDP payloads) for DURATION s (default 5) to 239.7.7.7,
# which only e2's host joined; e3 and e4 do not listen. In ONE run, without snooping (-E: flood)
# and with it, it measures: underlay bytes and packets sent by e1's veth and by the supernode's veth
# (/sys/class/net/eth0/statistics), frames that reached the TAPs of e2..e4 (n2n0 rx_packets), and
# the CPU seconds (utime+stime, /proc/PID/stat) of each edge, then prints a table.
# Needs root, /dev/net/tun, iproute2, python3. Everything is removed at exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
BIN=${BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
TOOL="python3 $repo/Tests/Integration/n2ntool.py"
RATE=${RATE:-20000}
DURATION=${DURATION:-5}
GROUP=239.7.7.7
# shellcheck source=../Tests/Integration/lib.sh
. "$repo/Tests/Integration/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$work/b.py" <<'EOPY'
import socket, struct, sys, time
def send(ifname, group, rate, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, struct.pack("@4s4si", b"\0" * 4, b"\0" * 4, socket.if_nametoindex(ifname)))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    rate = int(rate); total = int(rate * float(seconds)); burst = max(1, rate // 1000)
    payload = bytes(64); start = time.time(); sent = 0
    while sent < total:
        for _ in range(burst):
            try: s.sendto(payload, (group, 5500))
            except OSError: pass
            sent += 1
        delay = start + sent / rate - time.time()
        if delay > 0: time.sleep(delay)
    print(sent, round(time.time() - start, 2), flush=True)
def join(ifname, group, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((group, 5500))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + b"\0" * 4 + struct.pack("@i", socket.if_nametoindex(ifname)))
    end = time.time() + float(seconds); n = 0
    while True:
        left = end - time.time()
        if left <= 0: break
        s.settimeout(left)
        try: s.recv(2048); n += 1
        except socket.timeout: break
    print(n, flush=True)
{"send": send, "join": join}[sys.argv[1]](*sys.argv[2:])
EOPY

cpu() { awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; }
stat_of() { nsx "$1" cat "/sys/class/net/$2/statistics/$3"; }

# run MODE ARGS...: one measurement; appends a row to $work/rows
run() {
    local mode=$1; shift
    start_supernode
    local n
    for n in 1 2 3 4; do start_edge $n bench -r "$@"; done
    for n in 2 3 4; do wait_ping 1 $n 10 || echo "  e1 cannot ping e$n"; done
    for n in 1 2 3 4; do nsx "$(edge_ns $n)" ip route replace 239.0.0.0/8 dev n2n0; done
    nsx "$(edge_ns 2)" python3 "$work/b.py" join n2n0 $GROUP $((DURATION + 4)) >"$work/join.out" &
    local joiner=$!
    sleep 2
    declare -A c0 t0
    for n in 1 2 3 4; do c0[$n]=$(cpu "${EDGE_PID[$n]}"); t0[$n]=$(stat_of "$(edge_ns $n)" n2n0 rx_packets); done
    local e1b0 e1p0 snb0 snp0
    e1b0=$(stat_of "$(edge_ns 1)" eth0 tx_bytes); e1p0=$(stat_of "$(edge_ns 1)" eth0 tx_packets)
    snb0=$(stat_of "$SN" eth0 tx_bytes); snp0=$(stat_of "$SN" eth0 tx_packets)
    local sent
    sent=$(nsx "$(edge_ns 1)" python3 "$work/b.py" send n2n0 $GROUP "$RATE" "$DURATION")
    sleep 0.5
    local row="$mode|${sent% *}|${sent#* }"
    row+="|$(( $(stat_of "$(edge_ns 1)" eth0 tx_bytes) - e1b0 ))|$(( $(stat_of "$(edge_ns 1)" eth0 tx_packets) - e1p0 ))"
    row+="|$(( $(stat_of "$SN" eth0 tx_bytes) - snb0 ))|$(( $(stat_of "$SN" eth0 tx_packets) - snp0 ))"
    for n in 2 3 4; do row+="|$(( $(stat_of "$(edge_ns $n)" n2n0 rx_packets) - t0[$n] ))"; done
    for n in 1 2 3 4; do row+="|$(awk -v a="$(cpu "${EDGE_PID[$n]}")" -v b="${c0[$n]}" 'BEGIN { printf "%.2f", a - b }')"; done
    wait "$joiner"
    row+="|$(tail -n 1 "$work/join.out")"
    echo "$row" >>"$work/rows"
    edge_mgmt 1 groups | sed 's/^/  e1 groups> /'
    stop_all
}

if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ]; then echo "needs root and /dev/net/tun"; exit 1; fi
[ -x "$BIN/edge" ] && [ -x "$BIN/supernode" ] || { echo "missing binaries in $BIN"; exit 1; }
begin=$SECONDS
setup_topology
log "flood: -E, no snooping"
run "flood (-E)" -E
log "snooping: --igmp-snooping"
run "--igmp-snooping" --igmp-snooping

echo
echo "one sender, $RATE frames/s for $DURATION s to $GROUP; e2 joined, e3 and e4 did not"
echo
echo "| mode | sent | s | e1 underlay bytes | e1 underlay pkts | supernode bytes | supernode pkts | TAP rx e2 | TAP rx e3 | TAP rx e4 | CPU s e1 | CPU s e2 | CPU s e3 | CPU s e4 | e2 app rx |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
while IFS= read -r line; do echo "| ${line//|/ | } |"; done <"$work/rows"
echo
echo "elapsed $((SECONDS - begin)) s"
