#!/usr/bin/env bash
# Data-plane benchmark in network namespaces (the integration tests' topology: one bridge, a supernode
# and two edges, each in its own namespace; see Tests/Integration/lib.sh). In ONE run it measures:
#   - the anchors: the bare underlay (veth) and the kernel VXLAN overlay (iproute2 vxlan devices in
#     the two edge namespaces, head-end replication, overlay MTU = our edge's default 1290);
#   - our edges for each config (-A1, -k KEY -A3/-A4/-A5, -A1 -z1, -A1 -H, -A1 -S relayed), with
#     --workers 1 and the default when `edge --help` lists --workers, and with --no-offload when it
#     lists that;
#   - when N2N_REFERENCE names a folder with a stock n2n 2.8 `edge` and `supernode`, the same configs
#     with those (C edges with the C supernode).
# Per config: iperf3 TCP one flow and four flows (-P 4), UDP 64-byte payloads delivered pps, RTT
# p50/p99 idle (100 pings 20 ms apart) and under the one-flow TCP run (pings alongside it), TCP retransmits, and each edge's CPU seconds per GB moved (utime+stime from
# /proc/PID/stat around the one-flow TCP run; GB from iperf3's received bytes). It prints markdown
# tables of medians with the anchors and the ratios beside them, and the elapsed time.
#
# Needs root, /dev/net/tun, iproute2 (ip, bridge), iperf3, ping, python3. Traffic goes only to the
# addresses of the namespaces it creates; everything is removed at exit (lib.sh's cleanup).
#
# Environment:
#   BIN              folder with our edge and supernode (default: the release build folder)
#   N2N_REFERENCE    folder with stock n2n 2.8 edge and supernode (optional)
#   CONFIGS          configs to run (default "A1 A3 A4 A5 z1 H S")
#   VARIANTS         implementations to run, of "w1 def nooff stock" (default: all available)
#   ANCHORS          0 to skip the underlay and VXLAN runs (default 1)
#   SECONDS_PER_RUN  length of each iperf3 run (default 5)
#   REPEAT           rounds (default 1); the table shows medians over the rounds
#   RAW_OUT          if set, the raw measurements (TSV) are copied there
# It waits (up to 10 min) while a `swift build -c release` is running, then copies the binaries so that
# one run uses one build.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
if [ -z "${BIN:-}" ]; then
    if [ -x "$repo/.build/release/edge" ]; then BIN="$repo/.build/release"
    else BIN=$(cd "$repo" && swift build -c release --show-bin-path); fi
fi
TOOL="python3 $repo/Tests/Integration/n2ntool.py"
HELPER="python3 $here/netns/bench.py"
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
REPEAT=${REPEAT:-1}
CONFIGS=${CONFIGS:-A1 A3 A4 A5 z1 H S}
ANCHORS=${ANCHORS:-1}
N2N_REFERENCE=${N2N_REFERENCE:-}
KEY=n2nbench-key
COMMUNITY=bench
VX_OVER=192.168.214  # the VXLAN overlay's subnet (the n2n overlay is lib.sh's $OVER)
OVERLAY_MTU=1290     # our edge's (and n2n 2.8's) default TAP MTU

. "$repo/Tests/Integration/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

for t in iperf3 ping python3 bridge; do
    command -v "$t" >/dev/null || { echo "$t is not installed"; exit 1; }
done
# A release build in progress (or binaries not there yet): wait for it, polling every 30 s, 10 min at most.
for _ in $(seq 1 20); do
    # (a release build into this repository's .build, not one with its own --scratch-path)
    if pgrep -af 'swift-build .*-c release' | grep -v -- '--scratch-path' | grep -q . \
        || ! [ -x "$BIN/edge" ] || ! [ -x "$BIN/supernode" ]; then
        echo "waiting for the release build / binaries in $BIN ..."; sleep 30
    else
        break
    fi
done
[ -x "$BIN/edge" ] && [ -x "$BIN/supernode" ] || { echo "no edge/supernode in $BIN"; exit 1; }

# Snapshot the binaries so that a rebuild during the run cannot mix two builds.
mkdir -p "$work/ours"
cp "$BIN/edge" "$BIN/supernode" "$work/ours/"
OURS="$work/ours"
REF=
if [ -n "$N2N_REFERENCE" ]; then
    if [ -x "$N2N_REFERENCE/edge" ] && [ -x "$N2N_REFERENCE/supernode" ]; then
        mkdir -p "$work/ref"; cp "$N2N_REFERENCE/edge" "$N2N_REFERENCE/supernode" "$work/ref/"; REF="$work/ref"
    else
        echo "N2N_REFERENCE=$N2N_REFERENCE has no edge and supernode: stock n2n skipped"
    fi
fi

help_text=$("$OURS/edge" --help 2>&1)
has_workers=0; has_nooffload=0
grep -q -- '--workers' <<<"$help_text" && has_workers=1
grep -q -- '--no-offload' <<<"$help_text" && has_nooffload=1
available=""
if [ $has_workers = 1 ]; then available="w1 def"; else available="def"; fi
[ $has_nooffload = 1 ] && available="$available nooff"
[ -n "$REF" ] && available="$available stock"
VARIANTS=${VARIANTS:-$available}
variants=""
for v in $VARIANTS; do
    case " $available " in *" $v "*) variants="$variants $v" ;; *) echo "variant $v not available: skipped" ;; esac
done

raw="$work/raw.tsv"; : >"$raw"
CLK_TCK=$(getconf CLK_TCK)
round=0

record() { echo "$round $1 $2 $3 $4" >>"$raw"; }   # record CONFIG IMPL METRIC VALUE

# cpu_ticks PID: utime+stime of the whole process (all threads), in clock ticks; 0 if gone.
cpu_ticks() {
    [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || { echo 0; return; }
    sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# iperf CLIENT_NS SERVER_NS SERVER_IP OUTFILE ARGS...: one bounded iperf3 run; JSON in OUTFILE.
iperf() {
    local cns=$1 sns=$2 ip=$3 out=$4; shift 4
    ip netns exec "$sns" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
    local spid=$!; pids+=("$spid")
    for _ in $(seq 1 30); do   # until the server listens (bounded: 3 s)
        nsx "$sns" ss -Hltn 'sport = :5201' 2>/dev/null | grep -q . && break; sleep 0.1
    done
    timeout $((SECONDS_PER_RUN + 20)) ip netns exec "$cns" iperf3 -c "$ip" -p 5201 -t "$SECONDS_PER_RUN" \
        --connect-timeout 3000 -J "$@" >"$out" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
    kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
}

# measure CONFIG IMPL IP [EDGE1_PID EDGE2_PID SN_PID]: every figure of one config, edge1 -> edge2.
measure() {
    local config=$1 impl=$2 ip=$3 p1=${4:-} p2=${5:-} psn=${6:-}
    local c=$(edge_ns 1) s=$(edge_ns 2) f="$work/run" r
    # RTT first, on an idle path: 100 pings 20 ms apart.
    nsx "$c" ping -n -c 100 -i 0.02 -W 1 "$ip" >"$f.ping" 2>&1
    read -r -a r <<<"$($HELPER ping "$f.ping")"
    if [ "${r[0]}" != fail ]; then record "$config" "$impl" rtt_med "${r[0]}"; record "$config" "$impl" rtt_p99 "${r[3]}"; fi
    # TCP one flow, with the CPU time of the edges and the supernode around it, and the RTT under
    # it: pings 20 ms apart from 1 s into the flow until 1 s before its end (same direction).
    local t1=$(cpu_ticks "$p1") t2=$(cpu_ticks "$p2") ts=$(cpu_ticks "$psn")
    (sleep 1; nsx "$c" ping -n -c $(( (SECONDS_PER_RUN - 2) * 50 )) -i 0.02 -W 1 "$ip" >"$f.lping" 2>&1) &
    local pinger=$!
    iperf "$c" "$s" "$ip" "$f.tcp1" -P 1
    wait "$pinger"
    local u1=$(cpu_ticks "$p1") u2=$(cpu_ticks "$p2") us=$(cpu_ticks "$psn")
    read -r -a r <<<"$($HELPER ping "$f.lping")"
    if [ "${r[0]}" != fail ]; then record "$config" "$impl" rtt_load_med "${r[0]}"; record "$config" "$impl" rtt_load_p99 "${r[3]}"; fi
    read -r -a r <<<"$($HELPER iperf "$f.tcp1")"
    if [ "${r[0]}" = tcp ]; then
        record "$config" "$impl" tcp1 "${r[1]}"; record "$config" "$impl" rtx1 "${r[2]}"
        if [ -n "$p1" ] && [ "${r[3]}" -gt 0 ]; then
            local gb=$(awk -v b="${r[3]}" 'BEGIN { print b / 1e9 }')
            record "$config" "$impl" cpu_tx "$(awk -v d=$((u1 - t1)) -v g="$gb" -v h="$CLK_TCK" 'BEGIN { printf "%.4f", d / h / g }')"
            record "$config" "$impl" cpu_rx "$(awk -v d=$((u2 - t2)) -v g="$gb" -v h="$CLK_TCK" 'BEGIN { printf "%.4f", d / h / g }')"
            [ -n "$psn" ] && record "$config" "$impl" cpu_sn "$(awk -v d=$((us - ts)) -v g="$gb" -v h="$CLK_TCK" 'BEGIN { printf "%.4f", d / h / g }')"
        fi
    fi
    local tcp1="${r[*]}"
    sleep 0.3
    iperf "$c" "$s" "$ip" "$f.tcp4" -P 4
    read -r -a r <<<"$($HELPER iperf "$f.tcp4")"
    [ "${r[0]}" = tcp ] && { record "$config" "$impl" tcp4 "${r[1]}"; record "$config" "$impl" rtx4 "${r[2]}"; }
    local tcp4="${r[*]}"
    sleep 0.3
    iperf "$c" "$s" "$ip" "$f.udp" -u -l 64 -b 0
    read -r -a r <<<"$($HELPER iperf "$f.udp")"
    [ "${r[0]}" = udp ] && record "$config" "$impl" udp "${r[1]}"
    log "  $config $impl: tcp1 [$tcp1] tcp4 [$tcp4] udp [${r[*]}] rtt [$(grep -o 'rtt.*' "$f.ping")] loaded [$(grep -o 'rtt.*' "$f.lping")]"
}

measure_anchors() {
    log "underlay (veth)"
    measure - underlay "$UNDER.2"
    log "kernel VXLAN overlay (head-end replication, MTU $OVERLAY_MTU)"
    local n peer
    for n in 1 2; do
        peer=$((3 - n))
        nsx "$(edge_ns $n)" ip link add vx0 type vxlan id 42 dstport 4789 local "$UNDER.$n" dev eth0 nolearning
        nsx "$(edge_ns $n)" bridge fdb append 00:00:00:00:00:00 dev vx0 dst "$UNDER.$peer"
        nsx "$(edge_ns $n)" ip link set vx0 mtu $OVERLAY_MTU address "02:00:00:00:e5:0$n" up
        nsx "$(edge_ns $n)" ip addr add "$VX_OVER.$n/24" dev vx0
    done
    if nsx "$(edge_ns 1)" ping -n -q -c 3 -i 0.2 -W 2 "$VX_OVER.2" >/dev/null 2>&1; then
        measure - vxlan "$VX_OVER.2"
    else
        log "  VXLAN overlay does not pass traffic: skipped"
    fi
    for n in 1 2; do nsx "$(edge_ns $n)" ip link del vx0 2>/dev/null; done
}

config_args() {  # config_args CONFIG: the edge options of one config
    case $1 in
        A1) echo "-A1" ;;
        A3) echo "-k $KEY -A3" ;;
        A4) echo "-k $KEY -A4" ;;
        A5) echo "-k $KEY -A5" ;;
        z1) echo "-A1 -z1" ;;
        H)  echo "-A1 -H" ;;
        S)  echo "-A1 -S" ;;
        *)  return 1 ;;
    esac
}

# run_config CONFIG IMPL: start a supernode and two edges of IMPL, measure, stop them.
run_config() {
    local config=$1 impl=$2 args extra=""
    args=$(config_args "$config") || { log "unknown config $config: skipped"; return; }
    case $impl in
        w1) BIN=$OURS; extra="--workers 1" ;;
        def) BIN=$OURS ;;
        nooff) BIN=$OURS; extra="--no-offload" ;;
        stock) BIN=$REF ;;
    esac
    log "$config $impl: edge $args $extra"
    if [ "$config" = H ]; then
        printf '%s\n' "$COMMUNITY" >"$work/communities.list"
        start_supernode -c "$work/communities.list"
    else
        start_supernode
    fi
    local n
    # shellcheck disable=SC2086
    for n in 1 2; do start_edge $n "$COMMUNITY" $args $extra; done
    if ! wait_ping 1 2 15 || ! wait_ping 2 1 5; then
        log "  $config $impl: edges did not connect: skipped"
        for f in "$work"/edge1.log "$work"/supernode.log; do echo "--- tail $(basename "$f")"; tail -n 8 "$f"; done
        stop_all; return
    fi
    ping_ok 1 2 5 >/dev/null
    if [ "$config" != S ]; then
        # Let the edges go peer to peer before measuring (bounded: a relayed run shows as supernode CPU).
        if [ "$impl" = stock ]; then sleep 1
        else for _ in $(seq 1 10); do peer_is_p2p 1 2 && peer_is_p2p 2 1 && break; sleep 0.5; done; fi
    fi
    measure "$config" "$impl" "$OVER.2" "${EDGE_PID[1]}" "${EDGE_PID[2]}" "$SN_PID"
    stop_all
}

start=$SECONDS
echo "netns benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'); load:$(uptime | sed 's/.*load average//')"
echo "ours: $BIN ($("$OURS/edge" --version 2>&1 | head -n 1)); --workers: $([ $has_workers = 1 ] && echo listed || echo not listed); --no-offload: $([ $has_nooffload = 1 ] && echo listed || echo not listed)"
[ -n "$REF" ] && echo "stock: $N2N_REFERENCE ($("$REF/edge" -h 2>&1 | grep -m1 -o 'n2n v[^ ]*'))"
echo "configs: $CONFIGS; variants:$variants; $SECONDS_PER_RUN s per iperf3 run; $REPEAT round(s); $(nproc) CPUs"
setup_topology
for round in $(seq 1 "$REPEAT"); do
    log "round $round of $REPEAT"
    [ "$ANCHORS" = 1 ] && measure_anchors
    for config in $CONFIGS; do
        for impl in $variants; do run_config "$config" "$impl"; done
    done
done
[ -n "${RAW_OUT:-}" ] && cp "$raw" "$RAW_OUT"
echo
echo "## netns data-plane benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), medians of $REPEAT round(s), $SECONDS_PER_RUN s runs)"
echo
echo "ratios: x/n2n = ours / stock n2n 2.8 (same config, same run); default/VXLAN = ours default / kernel VXLAN;"
echo "default/w1 = ours default / ours --workers 1. Edge 1 sends, edge 2 receives."
$HELPER report "$raw"
echo
echo "elapsed: $((SECONDS - start)) s; load:$(uptime | sed 's/.*load average//')"
