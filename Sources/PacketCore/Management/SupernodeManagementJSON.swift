/// The supernode's n2n 3.x JSON API, rendered from a `SupernodeSnapshot`. `reload_communities`
/// is carried out by the service (it re-reads the `-c` file) and answered with `reloadRows`.
public struct SupernodeManagementJSON: ManagementJSONAPI {
    public static let methods: [ManagementMethod] = [
        .init("help", "Show the JSON API methods"),
        .init("communities", "List the communities and their edge counts"),
        .init("edges", "List the registered edges"),
        .init("timestamps", "Start, last forward and last registration times"),
        .init("packetstats", "Relay counters and drops by reason"),
        .init("verbose", writes: true, "Show or set the log verbosity: w ... verbose <0-4>"),
        .init("reload_communities", writes: true, "Re-read the -c community file"),
        .init("stop", writes: true, "Stop the supernode"),
    ]
    public static let topics = ["peer"]

    public var authority: ManagementAuthority
    public init(password: String) { authority = ManagementAuthority(password: password) }

    public static var hostWrites: Set<String> { ["reload_communities"] }

    /// The reply to a reload that worked: 3.x's `ok` row, then what changed.
    public static func reloadRows(_ change: WhitelistChange) -> [JSONFields] {
        [[("ok", .int(1)), ("communities", .int(Int64(change.listed))), ("added", .int(Int64(change.added.count))),
          ("removed", .int(Int64(change.removed.count))), ("edges_dropped", .int(Int64(change.edgesDropped)))]]
    }

    public static func rows(_ method: String, _ s: SupernodeSnapshot) -> [JSONFields] {
        func when(_ ago: Int64?) -> JSONValue { .int(ago.map { s.wallTime - $0 } ?? 0) }
        switch method {
        case "communities":
            return s.communities.map {
                [("community", .string($0.name)), ("purgeable", .int($0.listed ? 0 : 1)), ("is_federation", .int(0)),
                 ("ip4addr", .string("")), ("edges", .int(Int64($0.edgeCount))), ("header", .string($0.headerMode))]
            }
        case "edges":
            return s.edges.map {
                [("community", .string($0.community)), ("ip4addr", .string("")), ("purgeable", .int(1)),
                 ("macaddr", .string($0.mac)), ("sockaddr", .string($0.socket)), ("proto", .string("UDP")),
                 ("desc", .string(""))] + lastSeen(s.wallTime - $0.lastSeenSecondsAgo)
            }
        case "timestamps":
            return [[("start_time", .int(s.wallTime - s.uptimeSeconds)),
                     ("last_fwd", when(s.counters.lastForwardSecondsAgo)),
                     ("last_reg_super", when(s.counters.lastRegisterSecondsAgo))]]
        case "packetstats":
            let c = s.counters
            var rows: [JSONFields] = [
                [("type", .string("forward")), ("tx_pkt", .uint(c.forwarded))],
                [("type", .string("broadcast")), ("tx_pkt", .uint(c.broadcast))],
                [("type", .string("reg_super")), ("rx_pkt", .uint(c.registerSuper)), ("nak", .uint(c.registerSuperNak))],
                [("type", .string("replies")), ("tx_pkt", .uint(c.replies))],
                [("type", .string("errors")), ("tx_pkt", .uint(c.errors))],
                [("type", .string("dropped")), ("count", .uint(s.dropped))],
            ]
            rows += s.drops.map { [("type", .string("drop")), ("reason", .string($0.reason.name)), ("count", .uint($0.count))] }
            rows.append([("type", .string("broadcast_limit")), ("copies_per_second", .int(Int64(s.broadcastRate))),
                         ("burst", .int(Int64(s.broadcastBurst))), ("throttled_senders", .int(Int64(s.throttled.count)))])
            rows += s.throttled.map {
                [("type", .string("broadcast_throttled")), ("community", .string($0.community)), ("macaddr", .string($0.mac)),
                 ("sockaddr", .string($0.socket)), ("frames", .uint($0.frames)), ("last_time", .int(s.wallTime - $0.lastSecondsAgo))]
            }
            return rows
        default: return []
        }
    }

    /// Edge events between two snapshots, keyed by community and MAC.
    public static func peerEvents(from old: SupernodeSnapshot, to new: SupernodeSnapshot) -> [JSONFields] {
        func key(_ e: SupernodeSnapshot.Edge) -> String { e.community + "\u{0}" + e.mac }
        let before = Set(old.edges.map(key))
        let after = Set(new.edges.map(key))
        var events: [JSONFields] = []
        for e in new.edges where !before.contains(key(e)) {
            events.append([("action", .string("join")), ("community", .string(e.community)),
                           ("macaddr", .string(e.mac)), ("sockaddr", .string(e.socket))])
        }
        for e in old.edges where !after.contains(key(e)) {
            events.append([("action", .string("leave")), ("community", .string(e.community)),
                           ("macaddr", .string(e.mac)), ("sockaddr", .string(e.socket))])
        }
        return events
    }
}
