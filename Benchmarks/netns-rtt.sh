#!/usr/bin/env bash
# Overlay round-trip time, one run: ours (several variants) against stock n2n 2.8 and the bare veth
# underlay, ping -i INTERVAL (0.01 s) through lib.sh's namespaces (bridge, supernode, two edges), -A1, peer to
# peer. Rounds interleave the variants, so a load change hits all of them; each cell is the median of
# the per-round medians of COUNT pings (their 10th percentile and min alongside, which the load on a
# shared host disturbs less), with each edge's CPU time per ping (all threads, from schedstat).
#
#   Benchmarks/netns-rtt.sh                  # as root; ours from .build/release
#   BIN=<dir> N2N_REFERENCE=/work/n2n-ref COUNT=300 REPEAT=3 VARIANTS="def w1 nooff w1nooff stock" \
#       EXTRA="-A3 -k somekey" Benchmarks/netns-rtt.sh
#
# A variant is def (defaults), w1 (--workers 1), nooff (--no-offload), w1nooff (both), stock
# (N2N_REFERENCE's edge and supernode; skipped when unset). OURS2 (a second build of ours, e.g. the
# code before a change) adds the variants old and oldw1. Traffic stays inside the namespaces it
# creates; everything is removed at exit.
#
# Counts robust to a loaded host (issue 18), per ping and per edge: the context switches of each
# thread that switched (voluntary, i.e. wake-ups, from /proc/PID/task/*/status; "threads" = how
# many threads woke at least once per 4 pings), and with STRACE=1 a second ping run under
# `strace -c -f` giving the system calls per ping by name.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
BIN=${BIN:-$repo/.build/release}
OURS=$BIN
OURS2=${OURS2:-}
REF=${N2N_REFERENCE:-}
COUNT=${COUNT:-300}
INTERVAL=${INTERVAL:-0.01}
REPEAT=${REPEAT:-3}
VARIANTS=${VARIANTS:-def w1 nooff w1nooff stock}
EXTRA=${EXTRA:-}
COMMUNITY=rtt
TOOL="python3 $repo/Tests/Integration/n2ntool.py"
. "$repo/Tests/Integration/lib.sh"
trap 'set +e; cleanup' EXIT  # lib.sh's cleanup expects errors to pass (kill of a gone pid)
trap 'exit 130' INT TERM

[ -n "$OURS2" ] && VARIANTS="$VARIANTS old oldw1"
[ -z "$REF" ] && VARIANTS=${VARIANTS//stock/}

# median_of FILE: the median, the min and the 10th percentile of ping's "time=" values.
median_of() {
    grep -o 'time=[0-9.]*' "$1" | cut -d= -f2 | sort -n | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "- - -"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.3f %.3f %.3f\n", m, v[1], v[int(NR / 10) + 1] }'
}

# cpu_ns PID: nanoseconds on CPU of all the process's threads (schedstat: exact, unlike the
# 10-ms ticks of /proc/PID/stat).
cpu_ns() {
    local t total=0
    for t in /proc/"$1"/task/*/schedstat; do total=$((total + $(cut -d' ' -f1 "$t"))); done
    echo "$total"
}

# switches PID: "tid:voluntary" for every thread of PID.
switches() {
    local t
    for t in /proc/"$1"/task/*; do
        echo "${t##*/}:$(awk '/^voluntary_ctxt_switches/ { print $2 }' "$t/status" 2>/dev/null)"
    done
}

# per_ping BEFORE AFTER: wake-ups per ping summed over threads, and the threads that woke.
per_ping() {
    awk -v n="$COUNT" -v before="$1" -v after="$2" 'BEGIN {
        split(before, b, " "); for (i in b) { split(b[i], kv, ":"); old[kv[1]] = kv[2] }
        split(after, a, " "); total = 0; woke = 0; list = ""
        for (i in a) { split(a[i], kv, ":"); d = kv[2] - old[kv[1]]; total += d
            if (d >= n / 4) { woke++; list = list sprintf(" %.2f", d / n) } }
        printf "%.2f wake-ups/ping, %d threads (%s )", total / n, woke, list }'
}

# syscalls_per_ping PID...: one more ping run with strace -c -f on the edges; calls per ping by name.
syscalls_per_ping() {
    local p out=() s
    for p in "$@"; do
        strace -c -f -p "$p" -o "$work/strace.$p" 2>/dev/null &
        out+=("$!")
    done
    sleep 0.5
    nsx "$(edge_ns 1)" ping -n -c "$COUNT" -i "$INTERVAL" -W 1 "$OVER.2" >/dev/null 2>&1 || true
    for s in "${out[@]}"; do kill -INT "$s" 2>/dev/null; done
    for s in "${out[@]}"; do wait "$s" 2>/dev/null || true; done
    for p in "$@"; do
        echo "    syscalls per ping, pid $p: $(awk -v n="$COUNT" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" {
            printf "%s %.2f, ", $NF, $4 / n }' "$work/strace.$p")"
    done
}

declare -A RESULTS MINS P10S CPUS
run_variant() {
    local v=$1 extra=""
    case $v in
        def) BIN=$OURS ;;
        w1) BIN=$OURS; extra="--workers 1" ;;
        nooff) BIN=$OURS; extra="--no-offload" ;;
        w1nooff) BIN=$OURS; extra="--workers 1 --no-offload" ;;
        old) BIN=$OURS2 ;;
        oldw1) BIN=$OURS2; extra="--workers 1" ;;
        stock) BIN=$REF ;;
        underlay)
            nsx "$(edge_ns 1)" ping -n -c "$COUNT" -i "$INTERVAL" -W 1 "$UNDER.2" >"$work/ping.$v" 2>&1 || true
            read -r med min p10 <<<"$(median_of "$work/ping.$v")"
            RESULTS[$v]+="$med "; MINS[$v]+="$min "; P10S[$v]+="$p10 "
            return ;;
    esac
    start_supernode
    local n
    # shellcheck disable=SC2086
    for n in 1 2; do start_edge $n "$COMMUNITY" $EXTRA $extra; done
    if ! wait_ping 1 2 15 || ! wait_ping 2 1 5; then
        log "$v: edges did not connect"; stop_all; return
    fi
    ping_ok 1 2 5 >/dev/null || true
    if [ "$v" = stock ]; then sleep 1
    else for _ in $(seq 1 10); do peer_is_p2p 1 2 && peer_is_p2p 2 1 && break; sleep 0.5; done; fi
    nsx "$(edge_ns 1)" ping -n -c 50 -i 0.01 -W 1 "$OVER.2" >/dev/null 2>&1 || true  # warm-up
    local c1 c2 d1 d2
    c1=$(cpu_ns "${EDGE_PID[1]}"); c2=$(cpu_ns "${EDGE_PID[2]}")
    local s1 s2
    s1=$(switches "${EDGE_PID[1]}" | tr '\n' ' '); s2=$(switches "${EDGE_PID[2]}" | tr '\n' ' ')
    nsx "$(edge_ns 1)" ping -n -c "$COUNT" -i "$INTERVAL" -W 1 "$OVER.2" >"$work/ping.$v" 2>&1 || true
    d1=$(( ($(cpu_ns "${EDGE_PID[1]}") - c1) / COUNT / 1000 )); d2=$(( ($(cpu_ns "${EDGE_PID[2]}") - c2) / COUNT / 1000 ))
    log "  $v: edge 1 $(per_ping "$s1" "$(switches "${EDGE_PID[1]}" | tr '\n' ' ')"); edge 2 $(per_ping "$s2" "$(switches "${EDGE_PID[2]}" | tr '\n' ' ')")"
    [ "${STRACE:-0}" = 1 ] && syscalls_per_ping "${EDGE_PID[1]}" "${EDGE_PID[2]}"
    read -r med min p10 <<<"$(median_of "$work/ping.$v")"
    RESULTS[$v]+="$med "; MINS[$v]+="$min "; P10S[$v]+="$p10 "; CPUS[$v]+="$d1/$d2 "
    log "  $v: median $med ms, p10 $p10 ms, min $min ms, edge CPU per ping $d1/$d2 us ($(grep -o 'rtt.*' "$work/ping.$v" || echo 'no replies'))"
    stop_all
}

setup_topology
echo "netns RTT: $(date -u '+%Y-%m-%d %H:%M UTC'); load:$(uptime | sed 's/.*load average//'); $COUNT pings -i $INTERVAL x $REPEAT rounds; edge args: ${EXTRA:--A1 default}"
for round in $(seq 1 "$REPEAT"); do
    log "round $round"
    for v in underlay $VARIANTS; do run_variant "$v"; done
done
echo "end: $(date -u '+%H:%M UTC'); load:$(uptime | sed 's/.*load average//')"
printf '%-10s %-24s %-24s %-24s %-24s %s\n' variant "medians (ms)" "p10 (ms)" "mins (ms)" "CPU us/ping e1/e2" "median of medians"
for v in underlay $VARIANTS; do
    [ -n "${RESULTS[$v]:-}" ] || continue
    mm=$(tr ' ' '\n' <<<"${RESULTS[$v]}" | grep -v '^$' | grep -v '^-$' | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
    printf '%-10s %-24s %-24s %-24s %-24s %s\n' "$v" "${RESULTS[$v]}" "${P10S[$v]}" "${MINS[$v]}" "${CPUS[$v]:--}" "$mm"
done
