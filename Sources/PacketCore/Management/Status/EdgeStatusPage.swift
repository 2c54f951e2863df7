extension EdgeSnapshot: StatusSampled {
    /// The frame counters by path, then every drop reason.
    static let trafficSeries = ["tx_p2p", "rx_p2p", "tx_supernode", "rx_supernode", "tx_broadcast", "rx_broadcast"]
    public static var statusSeries: [String] { trafficSeries + DropReason.statusSeries }
    public var statusSeconds: Int64 { wallTime }
    public var statusValues: [UInt64] {
        let c = counters
        return [c.txP2P, c.rxP2P, c.txSupernode, c.rxSupernode, c.txSupernodeBroadcast, c.rxSupernodeBroadcast]
            + DropReason.statusValues(drops)
    }
}

/// The edge's status page (`/`) and its data (`/status.json`), rendered from the snapshot the
/// engine published and the history recorded from it.
public enum EdgeStatusPage {
    public static func json(_ view: StatusView<EdgeSnapshot>) -> String {
        let s = view.snapshot
        func rows(_ method: String) -> String { StatusJSON.rows(EdgeManagementJSON.rows(method, s)) }
        return StatusJSON.object([
            ("program", "\"edge\""), ("community", StatusJSON.value(.string(s.community))),
            ("mac", StatusJSON.value(.string(s.mac))), ("time", String(s.wallTime)),
            ("uptime", String(max(0, s.wallTime - s.startWallTime))),
            ("supernodes", rows("supernodes")), ("edges", rows("edges")), ("groups", rows("groups")),
            ("packetstats", rows("packetstats")),
            ("history", StatusJSON.history(view.history, always: EdgeSnapshot.trafficSeries.count)),
        ]) + "\n"
    }

    public static func html(_ view: StatusView<EdgeSnapshot>) -> String {
        let s = view.snapshot
        let e = StatusHTML.escape
        let p2p = s.peers.count { $0.table == .known && $0.mode == .p2p }
        let subtitle = "up \(StatusHTML.age(s.wallTime - s.startWallTime)) · \(s.peers.count) peers (\(p2p) P2P)"
            + " · \(s.dropped) dropped · \(StatusPageClock.utc(s.wallTime))"

        let supernodes = s.supernodes.map { sn in
            ["<code>\(e(sn.configured))</code>", sn.address.map { "<code>\(e($0))</code>" } ?? "<span class=\"muted\">unresolved</span>",
             sn.current ? "<b>in use</b>" : "standby",
             sn.lastAckSecondsAgo.map { StatusHTML.age($0) + " ago" } ?? "never"]
        }
        let peers = s.peers.map { peer in
            let path = switch (peer.table, peer.mode) {
            case (.known, .p2p): "<span class=\"p2p\">P2P</span>"
            case (.known, .viaSupernode): "<span class=\"relay\">relayed</span>"
            case (.pending, _): "<span class=\"relay\">relayed</span> <span class=\"muted\">(probing)</span>"
            }
            return ["<code>\(e(peer.mac))</code>", "<code>\(e(peer.socket))</code>", path, StatusHTML.age(peer.lastSeenSecondsAgo) + " ago"]
        }
        var body = StatusHTML.section("Supernodes", StatusHTML.table(["supernode", "address", "role", "last ACK"], supernodes, empty: "None configured."))
        body += StatusHTML.section("Peers", StatusHTML.table(["MAC", "address", "path", "last seen"], peers, empty: "No peers yet."))
        body += StatusHTML.section("Multicast groups", multicast(s.multicast))
        body += StatusHTML.section("Traffic (frames per second)", StatusHTML.charts(view.history, unit: "frames/s", [
            ("P2P", [("tx", "tx_p2p"), ("rx", "rx_p2p")]),
            ("Via supernode", [("tx", "tx_supernode"), ("rx", "rx_supernode")]),
            ("Broadcast and multicast via supernode", [("tx", "tx_broadcast"), ("rx", "rx_broadcast")]),
        ]))
        body += StatusHTML.section("Drops", StatusHTML.drops(view.history, current: s.drops, total: s.dropped))
        return StatusHTML.document(title: "edge \(s.mac) · \(s.community)",
                                   heading: "edge <code>\(e(s.mac))</code> in community <b>\(e(s.community))</b>",
                                   subtitle: subtitle, body: body)
    }

    static func multicast(_ m: MulticastSnapshot?) -> String {
        guard let m else { return "<p class=\"muted\">Snooping is off (start the edge with --igmp-snooping).</p>" }
        let e = StatusHTML.escape
        let rows: [[String]] = m.groups.flatMap { g -> [[String]] in
            let group = "<code>\(e(g.group))</code>" + (g.flooded ? " <span class=\"muted\">(flooded)</span>" : "")
            guard !g.listeners.isEmpty else { return [[group, "<span class=\"muted\">none</span>", "", ""]] }
            return g.listeners.map { l in
                [group, l.listener == "local" ? "this host" : "<code>\(e(l.listener))</code>" + (l.leaving ? " (leaving)" : ""),
                 StatusHTML.age(l.ageSeconds), "in " + StatusHTML.age(l.expiresInSeconds)]
            }
        }
        let c = m.counters
        return StatusHTML.table(["group", "listener", "member for", "expires"], rows, empty: "No groups joined.")
            + "<p class=\"muted\">\(c.framesReplicated) frames sent only to listeners, \(c.framesFlooded) flooded, \(c.framesSuppressed) kept back (no listener).</p>"
    }
}

/// Wall-clock seconds as "hh:mm:ss UTC" without Foundation (display only).
enum StatusPageClock {
    static func utc(_ seconds: Int64) -> String {
        let day = ((seconds % 86400) + 86400) % 86400
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(day / 3600)):\(two(day / 60 % 60)):\(two(day % 60)) UTC"
    }
}
