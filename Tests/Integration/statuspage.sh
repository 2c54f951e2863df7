#!/usr/bin/env bash
# The status pages in a real browser: a supernode and three edges (snooping on) in namespaces;
# e2's host joins a group; headless Chromium (Debian's chromium, from scripts/bootstrap.sh) loads
# e1's page and the supernode's page over loopback inside their namespaces, and the test checks
# what the rendered DOM shows (peer rows with their path, the group's listener, the communities)
# and saves screenshots under artifacts/statuspage/ (gitignored; paths printed). Also
# /status.json and the page's self-containedness. Needs root. Bounded (< 2 min); every namespace
# and process is removed at exit.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BIN=${BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
TOOL="python3 $here/n2ntool.py"

# shellcheck source=lib.sh
. "$here/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
ARTIFACTS=$repo/artifacts/statuspage
MCAST=239.1.1.1

# browse NS URL WHAT OUT: Chromium in NS renders URL; WHAT is dom (DOM into OUT) or png (screenshot OUT).
browse() {
    local ns=$1 url=$2 what=$3 out=$4 profile
    profile=$(mktemp -d "$work/chrome.XXXX")
    local flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --hide-scrollbars
                 --user-data-dir="$profile" --window-size=1100,1300)
    if [ "$what" = dom ]; then
        nsx "$ns" timeout 60 "$CHROMIUM" "${flags[@]}" --dump-dom "$url" >"$out" 2>>"$work/chromium.log"
    else
        nsx "$ns" timeout 60 "$CHROMIUM" "${flags[@]}" --screenshot="$out" "$url" >>"$work/chromium.log" 2>&1
    fi
}

fetch() { nsx "$1" python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())' "$2" 2>/dev/null; }
listener_known() { fetch "$(edge_ns 1)" http://127.0.0.1:9644/status.json | grep -qi "\"group\":\"$MCAST\",[^}]*\"listener\":\"02:00:00:00:d5:02\""; }
both_p2p() {
    ping_ok 1 2 1; ping_ok 1 3 1
    [ "$(fetch "$(edge_ns 1)" http://127.0.0.1:9644/status.json | grep -o '"mode":"p2p"' | wc -l)" = 2 ]
}
# shows FILE TEXT: the rendered DOM holds TEXT (a table row, as the renderer writes it)
shows() { grep -qiF "$2" "$1"; }   # MACs are upper case on the page

run() {
    if [ -z "$CHROMIUM" ]; then fail "chromium not installed (scripts/bootstrap.sh installs it)"; return; fi
    mkdir -p "$ARTIFACTS"
    start_supernode --metrics 127.0.0.1:9645
    for n in 1 2 3; do start_edge "$n" demo -E -k secret -A3 --igmp-snooping --metrics 127.0.0.1:9644; done
    wait_ping 1 2 30 && wait_ping 1 3 30 || { fail "statuspage: the edges do not reach each other"; return; }
    check "statuspage: e1 reaches e2 and e3 directly" until_true 30 both_p2p
    # e2's host stays joined while the browser looks (a leave would take the listener away).
    nsx "$(edge_ns 2)" $TOOL mcast-recv $MCAST 5003 "$OVER.2" 90 >"$work/mc2.out" 2>&1 &
    wait_ready "$work/mc2.out"
    check "statuspage: e1 learnt e2 as a listener of $MCAST" until_true 30 listener_known
    # Traffic while the browser looks (at most 90 s), so the charts have lines (one sample every
    # 5 s) and both peers stay P2P however slowly a loaded machine starts Chromium.
    local pingers=()
    for n in 2 3; do ip netns exec "$(edge_ns 1)" ping -n -q -i 0.2 -w 90 "$OVER.$n" >/dev/null 2>&1 & pingers+=("$!"); done
    sleep 6
    nsx "$(edge_ns 1)" $TOOL mcast-send $MCAST 5003 "$OVER.1" 5 0.1

    local dom=$work/edge.html
    browse "$(edge_ns 1)" http://127.0.0.1:9644/ dom "$dom"
    check "statuspage: chromium renders e1's page" shows "$dom" "community <b>demo</b>"
    for n in 2 3; do
        check "statuspage: peer e$n is a P2P row" shows "$dom" \
            "<td><code>02:00:00:00:d5:0$n</code></td><td><code>$UNDER.$n:5000$n</code></td><td><span class=\"p2p\">P2P</span></td>"
    done
    check "statuspage: the supernode is in use" shows "$dom" "<td><code>$UNDER.254:$SN_PORT</code></td><td><code>$UNDER.254:$SN_PORT</code></td><td><b>in use</b></td>"
    check "statuspage: group $MCAST lists listener e2" shows "$dom" "<td><code>$MCAST</code></td><td><code>02:00:00:00:d5:02</code></td>"
    check "statuspage: the traffic charts are inline SVG with lines" shows "$dom" "<polyline"
    check "statuspage: no script and no external asset" \
        bash -c '! grep -qiE "<script|src=|https?://" "$1"' _ "$dom"
    browse "$(edge_ns 1)" http://127.0.0.1:9644/ png "$ARTIFACTS/edge.png"
    check "statuspage: screenshot of e1's page saved" test -s "$ARTIFACTS/edge.png"

    local sdom=$work/supernode.html
    browse "$SN" http://127.0.0.1:9645/ dom "$sdom"
    check "statuspage: supernode page lists community demo with 3 edges" shows "$sdom" \
        "<td><b>demo</b></td><td class=\"n\">3</td>"
    check "statuspage: supernode page lists e3's row" shows "$sdom" "<td>demo</td><td><code>02:00:00:00:d5:03</code></td>"
    browse "$SN" http://127.0.0.1:9645/ png "$ARTIFACTS/supernode.png"
    check "statuspage: screenshot of the supernode's page saved" test -s "$ARTIFACTS/supernode.png"

    kill "${pingers[@]}" 2>/dev/null; wait "${pingers[@]}" 2>/dev/null
    check "statuspage: /status.json parses and lists 2 peers" test "$(fetch "$(edge_ns 1)" http://127.0.0.1:9644/status.json |
        python3 -c 'import json, sys; print(len(json.load(sys.stdin)["edges"]))')" = 2
    # Loopback only: from e2's namespace nothing answers on e1's underlay address.
    check "statuspage: the page is not served beyond --metrics' address" \
        bash -c '! ip netns exec "$1" python3 -c "import urllib.request; urllib.request.urlopen(\"http://$2:9644/\", timeout=2)" 2>/dev/null' \
        _ "$(edge_ns 2)" "$UNDER.1"
    echo "statuspage: screenshots in $ARTIFACTS/edge.png and $ARTIFACTS/supernode.png"
}

setup_topology
run
echo "statuspage: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
