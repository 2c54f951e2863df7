#!/usr/bin/env bash
# Throughput between two edges in network namespaces (null transform unless N2N_OPTS says otherwise):
# one iperf3 TCP run and one 64-byte UDP run over the overlay, with the same run over the bare
# underlay veths as the baseline. Needs root, /dev/net/tun, iperf3. Bounded: each run is SECONDS long.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
BIN=${BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
TOOL="python3 $repo/Tests/Integration/n2ntool.py"
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
N2N_OPTS=${N2N_OPTS:--A1}
. "$repo/Tests/Integration/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v iperf3 >/dev/null || { echo "iperf3 is not installed"; exit 1; }
setup_topology
start_supernode
# shellcheck disable=SC2086
for n in 1 2; do start_edge $n bench -E $N2N_OPTS; done
wait_ping 1 2 10 || { echo "edges did not connect"; exit 1; }
ping_ok 1 2 5 >/dev/null

run_iperf() {  # run_iperf LABEL SERVER_IP CLIENT_NS SERVER_NS ARGS...
    local label=$1 server=$2 cns=$3 sns=$4; shift 4
    nsx "$sns" iperf3 -s -1 -D -p 5201 >/dev/null 2>&1
    sleep 0.3
    local out
    out=$(nsx "$cns" iperf3 -c "$server" -p 5201 -t "$SECONDS_PER_RUN" -J "$@" 2>/dev/null)
    python3 - "$label" <<PY
import json, sys
d = json.loads('''$out''' or '{}')
end = d.get("end", {})
label = sys.argv[1]
if "lost_percent" in end.get("sum", {}):
    s = end["sum"]
    delivered = s.get("packets", 0) - s.get("lost_packets", 0)
    pps = delivered / max(s.get("seconds", 1), 1e-9)
    print(f"{label:34s} {pps/1e3:8.1f} kpps delivered, {s.get('packets', 0)/max(s.get('seconds', 1), 1e-9)/1e3:8.1f} kpps sent, loss {s['lost_percent']:.1f}%")
elif "sum_received" in end:
    bps = end["sum_received"]["bits_per_second"]
    print(f"{label:34s} {bps/1e6:10.1f} Mbit/s")
else:
    print(f"{label:34s} failed: {d.get('error', 'no result')}")
PY
}

echo "n2n options: $N2N_OPTS, $SECONDS_PER_RUN s per run"
run_iperf "overlay  TCP (edge1 -> edge2)" "$OVER.2" "$(edge_ns 1)" "$(edge_ns 2)"
run_iperf "underlay TCP (baseline)" "$UNDER.2" "$(edge_ns 1)" "$(edge_ns 2)"
run_iperf "overlay  UDP 64 B (edge1 -> edge2)" "$OVER.2" "$(edge_ns 1)" "$(edge_ns 2)" -u -l 64 -b 0
run_iperf "underlay UDP 64 B (baseline)" "$UNDER.2" "$(edge_ns 1)" "$(edge_ns 2)" -u -l 64 -b 0
