#!/usr/bin/env bash
# Supernode broadcast fan-out (issue 18 item 4): one sender pushes broadcast PACKETs through the
# supernode to N registered edges; frames/s relayed, copies/s out and the supernode's CPU seconds per
# million copies. Ours against n2n 2.8's supernode (N2N_REFERENCE) in one run, rounds interleaved.
#
#   N2N_REFERENCE=/work/n2n-ref Benchmarks/fanout.sh     # as root; needs iproute2 and python3
#
# Everything runs in one network namespace of its own on loopback: the supernode on 127.0.0.1, the
# load generator (Benchmarks/scale/fanout.py, its sockets stand in for the edges) on 127.0.0.2. The
# listeners do not read, so what is measured is the supernode's relaying, not the receivers.
#
# Environment: BIN (folder with our supernode; default the release build folder), N2N_REFERENCE
# (folder with n2n 2.8's supernode; its rows are skipped when unset), LISTENERS ("10 100 1000"),
# ROUNDS (3), SECONDS_PER_RUN (5), VARIANTS ("ours stock"; "ours20k" adds ours with the former
# fixed budget, --broadcast-rate 20000 --broadcast-burst 40000).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
BIN=${BIN:-$(cd "$repo" && swift build -c release --static-swift-stdlib --show-bin-path 2>/dev/null)}
LISTENERS=${LISTENERS:-"10 100 1000"}
ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
VARIANTS=${VARIANTS:-"ours stock"}
NS=n2nfan-$$
PORT=7654
work=$(mktemp -d "${TMPDIR:-/tmp}/n2n-fanout.XXXXXX")
sn_pid=""

cleanup() {
    [[ -n $sn_pid ]] && { kill "$sn_pid" 2>/dev/null; sleep 0.2; kill -9 "$sn_pid" 2>/dev/null; wait "$sn_pid" 2>/dev/null; }
    ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $(id -u) == 0 ]] || { echo "run as root (network namespace)"; exit 1; }
[[ -x $BIN/supernode ]] || { echo "$BIN/supernode is missing: build it first"; exit 1; }
cp "$BIN/supernode" "$work/supernode"
if [[ $VARIANTS == *stock* ]]; then
    if [[ -n ${N2N_REFERENCE:-} && -x $N2N_REFERENCE/supernode ]]; then
        cp "$N2N_REFERENCE/supernode" "$work/stock-supernode"
    else
        echo "# N2N_REFERENCE unset or without supernode: stock rows skipped"
        VARIANTS=${VARIANTS//stock/}
    fi
fi

ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up
ip -n "$NS" addr add 127.0.0.2/8 dev lo 2>/dev/null

start_supernode() {   # $1: variant
    local cmd
    case $1 in
        ours) cmd=("$work/supernode" -f -l $PORT -t 5645) ;;
        ours20k) cmd=("$work/supernode" -f -l $PORT -t 5645 --broadcast-rate 20000 --broadcast-burst 40000) ;;
        stock) cmd=("$work/stock-supernode" -f -l $PORT -t 5645) ;;
    esac
    ip netns exec "$NS" "${cmd[@]}" >"$work/$1.log" 2>&1 &
    sn_pid=$!
    for _ in $(seq 1 50); do
        ip netns exec "$NS" ss -uln 2>/dev/null | grep -q ":$PORT " && return 0
        sleep 0.1
    done
    echo "supernode $1 did not start:"; cat "$work/$1.log"; exit 1
}
stop_supernode() { kill "$sn_pid" 2>/dev/null; wait "$sn_pid" 2>/dev/null; sn_pid=""; }

echo "# supernode fan-out: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# ours: $BIN/supernode ($(stat -c %y "$BIN/supernode" | cut -d. -f1)); stock: ${N2N_REFERENCE:-none}"
for r in $(seq 1 "$ROUNDS"); do
    for n in $LISTENERS; do
        for v in $VARIANTS; do
            start_supernode "$v"
            line=$(timeout $((SECONDS_PER_RUN + 90)) ip netns exec "$NS" python3 "$here/scale/fanout.py" \
                --server 127.0.0.1:$PORT --listeners "$n" --seconds "$SECONDS_PER_RUN" --pid "$sn_pid" 2>&1)
            echo "round=$r variant=$v $line"
            stop_supernode
        done
    done
done | tee "$work/results"

# Medians per variant and N.
echo
echo "| N | variant | copies/s | frames relayed/s | CPU s per million copies |"
echo "|---:|---|---:|---:|---:|"
python3 - "$work/results" <<'EOF'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kv = dict(re.findall(r"(\w+)=(\S+)", line))
    if "copies_per_s" not in kv:
        continue
    key = (int(kv["listeners"]), kv["variant"])
    rows.setdefault(key, []).append(kv)
for (n, v), runs in sorted(rows.items()):
    med = lambda k: statistics.median(float(r[k]) for r in runs)
    print(f"| {n} | {v} | {med('copies_per_s'):.0f} | {med('frames_relayed_per_s'):.0f} | {med('cpu_s_per_million_copies'):.3f} |")
EOF
