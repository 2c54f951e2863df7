#!/usr/bin/env bash
# Netns test of the management interfaces: the n2n 3.x JSON API of both programs (every method,
# the auth rule, begin/row/end framing, over-long and garbage requests, the peer subscription, the
# rate limit), the 2.8 text replies beside it, and Prometheus /metrics parsed with PyPI's
# prometheus-client, with a counter that grows with traffic. Needs root, /dev/net/tun, iproute2,
# ping, python3 with prometheus_client (scripts/bootstrap.sh). Every namespace and process is
# removed at exit; traffic goes only to the test's namespaces and their loopback. Bounded (< 2 min).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BIN=${BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
TOOL="python3 $here/n2ntool.py"

# shellcheck source=lib.sh
. "$here/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# A small client of the documented protocol (not n2n-ctl's code).
CTL="$work/ctl.py"
cat >"$CTL" <<'EOPY'
import json, socket, sys, time, urllib.request

def request(port, text, timeout=1.5):
    """Sends one request; returns the reply objects up to end/error (or a quiet gap)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(text if isinstance(text, bytes) else text.encode(), ("127.0.0.1", int(port)))
    out = []
    try:
        while True:
            data, _ = s.recvfrom(65535)
            out.append(json.loads(data))
            if out[-1].get("_type") in ("end", "error", "subscribe"):
                break
    except socket.timeout:
        pass
    return out

def framed(objs, tag, cmd):
    """begin(cmd) row* end, every datagram tagged."""
    return (len(objs) >= 2 and all(o.get("_tag") == tag for o in objs)
            and objs[0].get("_type") == "begin" and objs[0].get("cmd") == cmd
            and objs[-1].get("_type") == "end"
            and all(o.get("_type") == "row" for o in objs[1:-1]))

def main():
    verb = sys.argv[1]
    if verb == "call":            # call PORT TAG[:..] METHOD [ARGS]: prints rows as JSON lines, exit 0 if framed
        port, opts, method = sys.argv[2], sys.argv[3], sys.argv[4]
        text = " ".join(["w" if ":1:" in opts else "r", opts, method] + sys.argv[5:])
        objs = request(port, text)
        for o in objs: print(json.dumps(o))
        tag = opts.split(":")[0]
        sys.exit(0 if framed(objs, tag, method) else 1)
    if verb == "raw":             # raw PORT TEXT: prints the error code of a one-datagram error reply
        objs = request(sys.argv[2], sys.argv[3].encode().decode("unicode_escape").encode("latin-1"))
        print(objs[0].get("error", "") if len(objs) == 1 and objs[0].get("_type") == "error" else "none")
    if verb == "methods":         # methods PORT: prints the method names help lists
        print(" ".join(o["cmd"] for o in request(sys.argv[2], "r 1 help")[1:-1]))
    if verb == "flood":           # flood PORT N: sends N requests at once, prints how many were answered
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.5)
        n = int(sys.argv[3])
        for i in range(n): s.sendto(("r %d communities" % i).encode(), ("127.0.0.1", int(sys.argv[2])))
        ends = 0
        try:
            while True:
                if json.loads(s.recvfrom(65535)[0]).get("_type") == "end": ends += 1
        except socket.timeout:
            pass
        print(ends)
    if verb == "subscribe":       # subscribe PORT PASSWORD SECONDS: prints every event received
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.5)
        s.sendto(("s 77:1:%s peer" % sys.argv[3]).encode(), ("127.0.0.1", int(sys.argv[2])))
        deadline = time.time() + float(sys.argv[4])
        while time.time() < deadline:
            try:
                print(s.recvfrom(65535)[0].decode(), flush=True)
            except socket.timeout:
                pass
    if verb == "metric":          # metric URL NAME LABEL=VALUE...: the sample's value via prometheus-client
        from prometheus_client.parser import text_string_to_metric_families
        body = urllib.request.urlopen(sys.argv[2], timeout=2).read().decode()
        want = dict(a.split("=", 1) for a in sys.argv[4:])
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                if sample.name == sys.argv[3] and all(sample.labels.get(k) == v for k, v in want.items()):
                    print(int(sample.value)); return
        print("missing")
    if verb == "status":          # status URL: the HTTP status code
        try:
            print(urllib.request.urlopen(sys.argv[2], timeout=2).status)
        except urllib.error.HTTPError as e:
            print(e.code)
        except OSError:
            print("refused")

main()
EOPY
ctl() { local ns=$1; shift; nsx "$ns" python3 "$CTL" "$@"; }
quiet() { local ns=$1; shift; nsx "$ns" python3 "$CTL" "$@" >/dev/null; }  # for checks: exit status only
E1=$(edge_ns 1); E2=$(edge_ns 2); E3=$(edge_ns 3)
has_row() { grep -q "$1" "$work/out"; }  # has_row PATTERN: in the last call's output

run() {
    log "management: supernode + 2 edges, metrics on both"
    start_supernode --management-password s3cret --metrics 127.0.0.1:9645
    start_edge 1 demo -E --metrics 127.0.0.1:9644
    start_edge 2 demo -E
    check "setup: ping e1->e2 within 10 s" wait_ping 1 2 10
    ping_ok 1 2 5 >/dev/null

    # --- edge: every method, framed
    local m
    check "edge: help lists every method" test "$(ctl "$E1" methods 5644)" = \
        "help communities edges supernodes timestamps packetstats groups verbose stop"
    for m in help communities edges supernodes timestamps packetstats groups verbose stop; do
        check "edge: r $m is begin/row/end, tagged" quiet "$E1" call 5644 "t$m" "$m"
    done
    ctl "$E1" call 5644 5 edges >"$work/out"
    check "edge: edges lists e2 as p2p with its socket" \
        grep -qi '"mode": "p2p".*"macaddr": "02:00:00:00:D5:02".*"sockaddr": "10.213.0.2:50002"' "$work/out"
    ctl "$E1" call 5644 6 supernodes >"$work/out"
    check "edge: supernodes lists the current supernode" grep -q '"sockaddr": "10.213.0.254:7654", "current": 1' "$work/out"
    ctl "$E1" call 5644 7 communities >"$work/out"
    check "edge: communities is demo" has_row '"community": "demo"'
    ctl "$E1" call 5644 8 packetstats >"$work/out"
    check "edge: packetstats has the p2p path" has_row '"type": "p2p"'

    # --- auth rule
    check "edge: w without password is badauth" test "$(ctl "$E1" raw 5644 'w 9 verbose 3')" = badauth
    check "edge: w with a wrong password is badauth" test "$(ctl "$E1" raw 5644 'w 9:1:nope verbose 3')" = badauth
    check "edge: w with the password sets verbosity" quiet "$E1" call 5644 10:1:n2n verbose 3
    ctl "$E1" call 5644 11 verbose >"$work/out"
    check "edge: r verbose shows the new level" has_row '"traceLevel": 3'
    check "edge: w on a read-only method is readonly" test "$(ctl "$E1" raw 5644 'w 12:1:n2n edges')" = readonly

    # --- garbage and over-long requests: an error, never a crash
    check "edge: a request over 80 bytes is toolong" \
        test "$(ctl "$E1" raw 5644 "r 13 help $(printf 'x%.0s' $(seq 1 80))")" = toolong
    check "edge: unknown method is unknowncmd" test "$(ctl "$E1" raw 5644 'r 14 frobnicate')" = unknowncmd
    check "edge: invalid UTF-8 is badencoding" test "$(ctl "$E1" raw 5644 'r \xff\xfe help')" = badencoding
    check "edge: bad flags are badflags" test "$(ctl "$E1" raw 5644 'r 15:zz help')" = badflags
    check "supernode: a request over 80 bytes is toolong" \
        test "$(ctl "$SN" raw 5645 "r 13 edges $(printf 'y%.0s' $(seq 1 80))")" = toolong
    check "edge: still running after garbage" kill -0 "${EDGE_PID[1]}"
    edge_mgmt 1 peers >"$work/out"
    check "edge: 2.8 text 'peers' still lists e2" grep -qi "02:00:00:00:d5:02 .* p2p" "$work/out"
    edge_mgmt 1 help >"$work/out"
    check "edge: text help lists peers and supernodes" sh -c "grep -q '  peers ' '$work/out' && grep -q '  supernodes ' '$work/out'"

    # --- rate limit: a burst gets at most the bucket's worth of answers; the data path carries on
    local answered
    answered=$(ctl "$E1" flood 5644 200)
    echo "  answered $answered of 200 requests sent at once"
    check "edge: a flood of 200 requests is rate-limited (answered $answered)" test "${answered:-0}" -ge 1 -a "${answered:-0}" -lt 100
    check "edge: pings flow after the flood" ping_ok 1 2

    # --- subscription: e3 joins and e1's subscriber hears of it
    ctl "$E1" subscribe 5644 n2n 8 >"$work/events" 2>&1 &
    local sub=$!
    sleep 1.2
    start_edge 3 demo -E
    wait_ping 3 1 6 >/dev/null
    wait "$sub" 2>/dev/null
    check "edge: s peer is acknowledged" grep -q '"_type":"subscribe","topic":"peer"' "$work/events"
    check "edge: peer event 'join' for e3" grep -qi '"_type":"event","topic":"peer","action":"join".*02:00:00:00:d5:03' "$work/events"
    check "edge: subscribe without password is badauth" test "$(ctl "$E1" raw 5644 's 16 peer')" = badauth

    # --- supernode: every method
    check "supernode: help lists every method" test "$(ctl "$SN" methods 5645)" = \
        "help communities edges timestamps packetstats verbose reload_communities stop"
    for m in help communities edges timestamps packetstats verbose; do
        check "supernode: r $m is begin/row/end, tagged" quiet "$SN" call 5645 "s$m" "$m"
    done
    ctl "$SN" call 5645 20 edges >"$work/out"
    check "supernode: edges lists all three edges" test "$(grep -c '"_type": "row"' "$work/out")" = 3
    ctl "$SN" call 5645 21 communities >"$work/out"
    check "supernode: communities shows demo with 3 edges" has_row '"community": "demo".*"edges": 3'
    check "supernode: default password is refused (--management-password s3cret)" \
        test "$(ctl "$SN" raw 5645 'w 22:1:n2n stop')" = badauth
    check "supernode: reload_communities without -c is nofile" \
        test "$(ctl "$SN" raw 5645 'w 23:1:s3cret reload_communities')" = nofile
    check "supernode: r reload_communities is writeonly" \
        test "$(ctl "$SN" raw 5645 'r 23 reload_communities')" = writeonly
    check "supernode: w verbose with the password" quiet "$SN" call 5645 24:1:s3cret verbose 2
    check "supernode: still running" kill -0 "$SN_PID"
    sn_mgmt >"$work/out"
    check "supernode: 2.8 text report unchanged beside the JSON API" grep -q "^reg_sup " "$work/out"

    # --- metrics
    local url=http://127.0.0.1:9644/metrics before after
    # Frames sent on either path: P2P to e2 may still be coming up while the pings go out.
    tx_frames() {
        local p s
        p=$(ctl "$E1" metric $url n2n_edge_frames_total direction=tx path=p2p)
        s=$(ctl "$E1" metric $url n2n_edge_frames_total direction=tx path=supernode)
        [ "$p" = missing ] || [ "$s" = missing ] && { echo missing; return; }
        echo $((p + s))
    }
    before=$(tx_frames)
    ping_ok 1 2 10 >/dev/null
    sleep 1.6   # the engine publishes a snapshot a second; workers publish theirs 4 times a second
    after=$(tx_frames)
    echo "  n2n_edge_frames_total{direction=tx,path=p2p|supernode}: $before -> $after"
    check "metrics: edge /metrics parses (prometheus-client) and tx frames grow with traffic" \
        test "$before" != missing -a "$after" != missing -a "${after:-0}" -ge $((${before:-0} + 10))
    check "metrics: edge peers gauge counts 2 p2p-or-stale peers" \
        test "$(( $(ctl "$E1" metric $url n2n_edge_peers state=p2p) + $(ctl "$E1" metric $url n2n_edge_peers state=stale) + $(ctl "$E1" metric $url n2n_edge_peers state=pending) ))" = 2
    check "metrics: edge supernode reachable" test "$(ctl "$E1" metric $url n2n_edge_supernode_reachable current=1)" = 1
    check "metrics: drops by reason present" test "$(ctl "$E1" metric $url n2n_edge_drops_total reason=other_community)" != missing
    check "metrics: other paths are 404" test "$(ctl "$E1" status http://127.0.0.1:9644/nothing)" = 404
    check "metrics: supernode edges per community" \
        test "$(ctl "$SN" metric http://127.0.0.1:9645/metrics n2n_supernode_edges community=demo)" = 3
    check "metrics: supernode registrations counted" \
        test "$(ctl "$SN" metric http://127.0.0.1:9645/metrics n2n_supernode_registrations_total result=ack)" -ge 3
    check "metrics: off unless asked (e2 serves nothing)" test "$(ctl "$E2" status http://127.0.0.1:9644/metrics)" = refused

    # --- stop (w) on both
    ctl "$E2" call 5644 30:1:n2n stop >/dev/null
    local t=0; while kill -0 "${EDGE_PID[2]}" 2>/dev/null && [ $t -lt 30 ]; do sleep 0.1; t=$((t + 1)); done
    check "edge: w stop with the password stops the edge" test "$(kill -0 "${EDGE_PID[2]}" 2>/dev/null && echo up || echo down)" = down
    ctl "$SN" call 5645 31:1:s3cret stop >/dev/null
    t=0; while kill -0 "$SN_PID" 2>/dev/null && [ $t -lt 30 ]; do sleep 0.1; t=$((t + 1)); done
    check "supernode: w stop with the password stops it" test "$(kill -0 "$SN_PID" 2>/dev/null && echo up || echo down)" = down
    stop_all
}

# sn_lists MAC SECONDS: the supernode's JSON `edges` lists MAC within SECONDS.
sn_lists() {
    local i
    for i in $(seq 1 $(($2 * 4))); do
        ctl "$SN" call 5645 40 edges 2>/dev/null | grep -qi "$1" && return 0
        sleep 0.25
    done
    return 1
}

# A locked supernode re-reads its -c file on `w ... reload_communities` and on SIGHUP: communities
# added register at once, removed ones lose their edges, kept ones keep them.
run_reload() {
    log "management: reload of the -c community file"
    # The supernode re-reads the file after dropping privileges (to nobody): it must be readable then.
    chmod o+x "$work"
    printf 'demo\n' >"$work/communities"
    chmod 644 "$work/communities"
    start_supernode -c "$work/communities" --management-password s3cret
    start_edge 1 demo -E
    start_edge 2 late -E
    check "reload: e1 (listed) registers" sn_lists 02:00:00:00:d5:01 10
    ctl "$SN" call 5645 41 edges >"$work/out"
    check "reload: e2 (community not listed) is refused" sh -c "! grep -qi 02:00:00:00:d5:02 '$work/out'"
    printf 'demo\n# added at run time\nlate\n' >"$work/communities"
    ctl "$SN" call 5645 42:1:s3cret reload_communities >"$work/out"
    check "reload: w reload_communities answers ok, 1 added" has_row '"ok": 1.*"added": 1.*"removed": 0'
    check "reload: e2 registers after the reload (its next retry, <= 15 s)" sn_lists 02:00:00:00:d5:02 20
    ctl "$SN" call 5645 44 edges >"$work/out"
    check "reload: e1 kept its registration" grep -qi 02:00:00:00:d5:01 "$work/out"
    check "reload: a wrong password is badauth" test "$(ctl "$SN" raw 5645 'w 45:1:n2n reload_communities')" = badauth
    rm -f "$work/communities"
    check "reload: an unreadable file is reloadfailed" test "$(ctl "$SN" raw 5645 'w 46:1:s3cret reload_communities')" = reloadfailed
    ctl "$SN" call 5645 47 communities >"$work/out"
    check "reload: a failed reload keeps the list (late still listed)" has_row '"community": "late"'
    printf 'late\n' >"$work/communities"
    kill -HUP "$SN_PID"
    sleep 0.5
    ctl "$SN" call 5645 48 communities >"$work/out"
    check "reload: SIGHUP re-reads the file (demo removed)" sh -c "! grep -q '\"community\": \"demo\"' '$work/out'"
    check "reload: the supernode logs what changed" grep -q "removed demo (1 edges dropped)" "$work/supernode.log"
    check "reload: still running" kill -0 "$SN_PID"
    stop_all
}

if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ]; then
    echo "management tests need root and /dev/net/tun"; echo "management: 0 passed, 1 failed"; exit 1
fi
[ -x "$BIN/edge" ] && [ -x "$BIN/supernode" ] || { echo "missing binaries in $BIN"; echo "management: 0 passed, 1 failed"; exit 1; }
python3 -c 'import prometheus_client' 2>/dev/null || { echo "FAIL prometheus-client is not installed (scripts/bootstrap.sh)"; failed=$((failed + 1)); }
setup_topology
run
run_reload
echo "management: $passed passed, $failed failed"
[ "$failed" = 0 ]
