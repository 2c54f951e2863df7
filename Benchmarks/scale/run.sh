#!/usr/bin/env bash
# Supernode scale benchmark (issue 10 item 4), in a network namespace of its own (loopback only).
#
#   Benchmarks/scale/run.sh            # needs root, /dev/net/tun, iproute2, python3
#
# 1. ROUNDS rounds, each with a fresh supernode (release build, locked with a -c file of 100
#    communities): VmRSS idle; loadgen.py registers EDGES edges in those 100 communities from
#    EDGES/64 sockets (registration throughput, counted in REGISTER_SUPER_ACKs); VmRSS; then it keeps
#    re-registering all of them in a closed loop for HOLD seconds while a real `edge` is started
#    TRIES times and timed until it logs "[OK] edge <<< ... >>> supernode"; VmRSS at the end.
#    Before the load, the same edge is timed against the idle supernode, for comparison.
# 2. Table limits, each with a fresh supernode and the flood kept up (re-registering) meanwhile:
#    one community filled to maxEdgesPerCommunity (8192) from 129 sockets, then the whole table
#    (maxEdges, 65536) tried from 1025 sockets of one address (maxMacsPerAddress, 16384, stops it),
#    then of four addresses (which fill it). Each time: does a MAC registered
#    before the flood still re-register, does a new MAC get in (python probe and a real edge), in the
#    full community and in another one. With RECOVERY=1, after the global flood stops: how long a
#    real edge that keeps trying takes to get in (purge after 60 s; bounded by 120 s).
#
# The load generator binds 127.0.0.2, the real edges 127.0.0.1, the supernode listens on 127.0.0.1.
# Everything is bounded (timeouts on every step); the namespace and every process started here are
# removed at exit, also on failure or Ctrl-C.
#
# Environment: BIN (folder with edge and supernode; default the release build folder), EDGES (10000),
# ROUNDS (3), TRIES (5), HOLD (seconds, 25), LIMITS (1), RECOVERY (1).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BIN=${BIN:-$(cd "$repo" && swift build -c release --static-swift-stdlib --show-bin-path 2>/dev/null)}
EDGES=${EDGES:-10000}
ROUNDS=${ROUNDS:-3}
TRIES=${TRIES:-5}
HOLD=${HOLD:-25}
LIMITS=${LIMITS:-1}
RECOVERY=${RECOVERY:-1}
NS=n2nscale-$$
PORT=7654
LOADGEN="python3 $here/loadgen.py"
work=$(mktemp -d "${TMPDIR:-/tmp}/n2n-scale.XXXXXX")
pids=()

cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    sleep 0.3
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $(id -u) == 0 ]] || { echo "run as root (network namespace, TAP devices)"; exit 1; }
[[ -c /dev/net/tun ]] || { echo "/dev/net/tun is missing"; exit 1; }
for b in edge supernode; do [[ -x $BIN/$b ]] || { echo "$BIN/$b is missing: build it first"; exit 1; }; done
cp "$BIN/edge" "$BIN/supernode" "$work/"    # one run, one build

ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up
in_ns() { ip netns exec "$NS" "$@"; }
for c in $(seq 0 99); do printf 'scale-%03d\n' "$c"; done >"$work/communities.txt"

sn_pid=""
start_supernode() {   # $1: log name
    ip netns exec "$NS" "$work/supernode" -f -l $PORT -t 5645 -c "$work/communities.txt" >"$work/$1.log" 2>&1 &
    sn_pid=$!
    pids+=("$sn_pid")
    for _ in $(seq 1 50); do grep -q "started" "$work/$1.log" 2>/dev/null && return 0; sleep 0.1; done
    echo "supernode did not start:"; cat "$work/$1.log"; exit 1
}
stop_supernode() { kill "$sn_pid" 2>/dev/null; wait "$sn_pid" 2>/dev/null; sn_pid=""; }
rss() { awk '/^VmRSS:/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$sn_pid/status"; }
mgmt_counts() {   # the supernode's edge count and refusal counters, from its management port
    in_ns python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
s.sendto(b"\n", ("127.0.0.1", 5645)); out = b""
try:
    while True: out += s.recv(65536)
except socket.timeout: pass
keep = [l for l in out.decode(errors="replace").splitlines() if any(k in l for k in ("edges", "quota", "table_full", "reg_sup"))]
print("; ".join(l.strip() for l in keep[:8]))' 2>/dev/null
}
# A real edge, try number {i} (loadgen.py substitutes it): unique TAP name, address and MAC.
edge_cmd() {   # $1: community, $2: tag (0-9), [$3: extra flags]
    echo ip netns exec "$NS" "$work/edge" -f -v -A1 -c "$1" -l 127.0.0.1:$PORT -a "10.$((200 + $2)).0.{i}" \
        -d "scl$2t{i}" -m "02:5e:00:00:0$2:0{i}" -t "$((5700 + $2))" ${3:-}
}

echo "# supernode scale: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# binaries: $BIN ($(stat -c %y "$BIN/supernode" | cut -d. -f1))"

start_supernode idle
echo "== real edge against the idle supernode (RSS $(rss))"
in_ns $LOADGEN edge-latency --tries "$TRIES" --timeout 15 -- $(edge_cmd scale-000 0)
stop_supernode

for r in $(seq 1 "$ROUNDS"); do
    start_supernode "round$r"
    echo "== round $r: $EDGES edges in 100 communities (supernode RSS idle $(rss))"
    rm -f "$work/ready"
    timeout $((HOLD + 150)) ip netns exec "$NS" python3 "$here/loadgen.py" fill --server 127.0.0.1:$PORT \
        --edges "$EDGES" --communities 100 --hold "$HOLD" --ready-file "$work/ready" --pid "$sn_pid" &
    lg=$!
    pids+=("$lg")
    for _ in $(seq 1 1200); do [[ -e $work/ready ]] && break; kill -0 "$lg" 2>/dev/null || break; sleep 0.1; done
    [[ -e $work/ready ]] || { echo "load generator did not finish its fill"; exit 1; }
    echo "   RSS after the fill: $(rss); $(mgmt_counts)"
    in_ns $LOADGEN edge-latency --tries "$TRIES" --timeout 15 -- $(edge_cmd scale-000 1)
    wait "$lg"
    echo "   RSS after the hold: $(rss)"
    stop_supernode
done

# Table limits: the flood keeps re-registering (45 s at most) while we look.
limit_case() {   # $1: title, $2: edges, $3: communities, $4: full community, $5: another community, $6: tag, $7: source addresses
    start_supernode "limit$6"
    echo "== limits: $1"
    in_ns $LOADGEN probe --server 127.0.0.1:$PORT --community "$4" --mac 02:5d:00:00:00:$6$6 \
        | sed 's/^/   before the flood, legitimate MAC 1: /'
    rm -f "$work/ready"
    timeout 300 ip netns exec "$NS" python3 "$here/loadgen.py" fill --server 127.0.0.1:$PORT --edges "$2" \
        --communities "$3" --bind "$7" --window 2048 --tries 2 --retry-after 0.3 --hold 45 --allow-missing --ready-file "$work/ready" --pid "$sn_pid" &
    lg=$!
    pids+=("$lg")
    for _ in $(seq 1 2400); do [[ -e $work/ready ]] && break; kill -0 "$lg" 2>/dev/null || break; sleep 0.1; done
    [[ -e $work/ready ]] || { echo "load generator did not finish its fill"; exit 1; }
    echo "   RSS $(rss); $(mgmt_counts)"
    in_ns $LOADGEN probe --server 127.0.0.1:$PORT --community "$4" --mac 02:5d:00:00:00:$6$6 \
        | sed 's/^/   during the flood, MAC 1 re-registers: /'
    in_ns $LOADGEN probe --server 127.0.0.1:$PORT --community "$4" --mac 02:5d:00:00:01:$6$6 \
        | sed "s/^/   during the flood, new MAC in $4: /"
    in_ns $LOADGEN probe --server 127.0.0.1:$PORT --community "$5" --mac 02:5d:00:00:02:$6$6 \
        | sed "s/^/   during the flood, new MAC in $5: /"
    in_ns $LOADGEN edge-latency --tries 1 --timeout 8 -- $(edge_cmd "$4" "$6") | sed "s/^/   real edge in $4: /"
    in_ns $LOADGEN edge-latency --tries 1 --timeout 8 -- $(edge_cmd "$5" "$(($6 + 1))") | sed "s/^/   real edge in $5: /"
}

if [[ $LIMITS == 1 ]]; then
    limit_case "one community to maxEdgesPerCommunity (8192 + 64 from 129 sockets, one address)" 8256 1 scale-000 scale-001 2 127.0.0.2
    kill "$lg" 2>/dev/null; wait "$lg" 2>/dev/null
    stop_supernode
    limit_case "the whole table, maxEdges (65536 + 64 from 1025 sockets of one address, 100 communities)" 65600 100 scale-050 scale-051 4 127.0.0.2
    kill "$lg" 2>/dev/null; wait "$lg" 2>/dev/null
    stop_supernode
    limit_case "the whole table, maxEdges (65536 + 64 from 1025 sockets of four addresses, 100 communities)" 65600 100 scale-060 scale-061 6 \
        127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5
    kill "$lg" 2>/dev/null; wait "$lg" 2>/dev/null
    if [[ $RECOVERY == 1 ]]; then
        echo "   flood stopped at $(date -u +%T); a real edge keeps trying (-i 5) for up to 120 s:"
        in_ns $LOADGEN edge-latency --tries 1 --timeout 120 -- $(edge_cmd scale-060 9 "-i 5") \
            | sed 's/^/   recovery: /'
        echo "   RSS after the purge: $(rss); $(mgmt_counts)"
    fi
    stop_supernode
fi
echo "# done: $(date -u '+%H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
