extension SupernodeSnapshot: StatusSampled {
    /// Relays, fan-out and registrations, then every drop reason.
    static let trafficSeries = ["forwarded", "broadcast", "register_super", "register_super_nak", "replies", "send_errors"]
    public static var statusSeries: [String] { trafficSeries + DropReason.statusSeries }
    public var statusSeconds: Int64 { uptimeSeconds }
    public var statusValues: [UInt64] {
        let c = counters
        return [c.forwarded, c.broadcast, c.registerSuper, c.registerSuperNak, c.replies, c.errors] + DropReason.statusValues(drops)
    }
}

/// The supernode's status page (`/`) and its data (`/status.json`).
public enum SupernodeStatusPage {
    public static func json(_ view: StatusView<SupernodeSnapshot>) -> String {
        let s = view.snapshot
        func rows(_ method: String) -> String { StatusJSON.rows(SupernodeManagementJSON.rows(method, s)) }
        return StatusJSON.object([
            ("program", "\"supernode\""), ("time", String(s.wallTime)), ("uptime", String(s.uptimeSeconds)),
            ("communities", rows("communities")), ("edges", rows("edges")), ("packetstats", rows("packetstats")),
            ("history", StatusJSON.history(view.history, always: SupernodeSnapshot.trafficSeries.count)),
        ]) + "\n"
    }

    public static func html(_ view: StatusView<SupernodeSnapshot>) -> String {
        let s = view.snapshot
        let e = StatusHTML.escape
        let subtitle = "up \(StatusHTML.age(s.uptimeSeconds)) · \(s.communities.count) communities · \(s.edgeCount) edges"
            + " · \(s.counters.registerSuperNak) registrations refused · \(s.dropped) dropped · \(StatusPageClock.utc(s.wallTime))"
        let communities = s.communities.map { c in
            ["<b>\(e(c.name))</b>", String(c.edgeCount), c.listed ? "listed (-c)" : "created on first registration", e(c.headerMode)]
        }
        let edges = s.edges.map { edge in
            [e(edge.community), "<code>\(e(edge.mac))</code>", "<code>\(e(edge.socket))</code>", StatusHTML.age(edge.lastSeenSecondsAgo) + " ago"]
        }
        var body = StatusHTML.section("Communities", StatusHTML.table(["community", "edges", "origin", "header"], communities,
                                                                      numeric: [1], empty: "No communities yet."))
        body += StatusHTML.section("Edges", StatusHTML.table(["community", "MAC", "address", "last seen"], edges, empty: "No edges registered."))
        body += StatusHTML.section("Relay (per second)", StatusHTML.charts(view.history, unit: "per s", [
            ("Relayed to one edge", [("forwarded", "forwarded")]),
            ("Fan-out to a community", [("broadcast", "broadcast")]),
            ("Registrations", [("accepted", "register_super"), ("refused", "register_super_nak")]),
        ]))
        body += StatusHTML.section("Refusals and drops", StatusHTML.drops(view.history, current: s.drops, total: s.dropped))
        return StatusHTML.document(title: "supernode · \(s.communities.count) communities",
                                   heading: "supernode: \(s.communities.count) communities, \(s.edgeCount) edges",
                                   subtitle: subtitle, body: body)
    }
}
