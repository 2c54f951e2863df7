/// The edge's n2n 3.x JSON API, rendered from an `EdgeSnapshot`. Fields follow 3.x where the
/// snapshot carries the value; `ip4addr` and `desc` are empty because 2.8 peers do not tell us
/// theirs. Our additions: `table` (pending/known) on edges, drop rows and (with `--igmp-snooping`) a
/// multicast row in packetstats, and `groups`: one row per group and listener.
public struct EdgeManagementJSON: ManagementJSONAPI {
    public static let methods: [ManagementMethod] = [
        .init("help", "Show the JSON API methods"),
        .init("communities", "Show the community of this edge"),
        .init("edges", "List the peers: mode p2p or pSp (via supernode)"),
        .init("supernodes", "List the configured supernodes"),
        .init("timestamps", "Start, last supernode and last p2p times"),
        .init("packetstats", "Traffic counters by path and drops by reason"),
        .init("groups", "Multicast groups and their listeners (--igmp-snooping)"),
        .init("verbose", writes: true, "Show or set the log verbosity: w ... verbose <0-4>"),
        .init("stop", writes: true, "Stop the edge"),
    ]
    public static let topics = ["peer"]

    public var authority: ManagementAuthority
    public init(password: String) { authority = ManagementAuthority(password: password) }

    /// The rows of a read-only method.
    public static func rows(_ method: String, _ s: EdgeSnapshot) -> [JSONFields] {
        switch method {
        case "communities": return [[("community", .string(s.community))]]
        case "edges": return s.peers.map(edgeRow(s))
        case "supernodes":
            return s.supernodes.map { sn in
                [("configured", .string(sn.configured)), ("sockaddr", .string(sn.address ?? "")),
                 ("current", .int(sn.current ? 1 : 0)), ("selection", .string(sn.current ? "current" : "standby")),
                 ] + lastSeen(sn.lastAckSecondsAgo.map { s.wallTime - $0 } ?? 0) + v3Fields(sn.v3)
            }
        case "timestamps":
            return [[("start_time", .int(s.startWallTime)), ("last_super", .int(s.counters.lastSupernode)),
                     ("last_p2p", .int(s.counters.lastP2P))]]
        case "packetstats": return packetRows(s)
        case "groups": return s.multicast.map(groupRows) ?? []
        default: return []
        }
    }

    /// n2n 3.x's own supernode fields (3.1.1 edges show them; `selection` replaces ours).
    static func v3Fields(_ v3: EdgeSnapshot.V3Details?) -> JSONFields {
        guard let v3 else { return [] }
        return [("macaddr", .string(v3.mac)), ("version", .string(v3.version)), ("uptime", .uint(UInt64(v3.uptime))),
                ("load", .uint(UInt64(v3.load))), ("v3_selection", .string(v3.selection))]
    }

    static func edgeRow(_ s: EdgeSnapshot) -> (EdgeSnapshot.Peer) -> JSONFields {
        { peer in
            [("mode", .string(peer.mode == .p2p && peer.table == .known ? "p2p" : "pSp")), ("ip4addr", .string("")),
             ("macaddr", .string(peer.mac)), ("sockaddr", .string(peer.socket)), ("desc", .string(""))]
                + lastSeen(s.wallTime - peer.lastSeenSecondsAgo) + [("table", .string(peer.table.rawValue))]
        }
    }

    static func packetRows(_ s: EdgeSnapshot) -> [JSONFields] {
        let c = s.counters
        var rows: [JSONFields] = [
            [("type", .string("transop")), ("tx_pkt", .uint(c.transformTx)), ("rx_pkt", .uint(c.transformRx))],
            [("type", .string("p2p")), ("tx_pkt", .uint(c.txP2P)), ("rx_pkt", .uint(c.rxP2P))],
            [("type", .string("super")), ("tx_pkt", .uint(c.txSupernode)), ("rx_pkt", .uint(c.rxSupernode))],
            [("type", .string("super_broadcast")), ("tx_pkt", .uint(c.txSupernodeBroadcast)), ("rx_pkt", .uint(c.rxSupernodeBroadcast))],
            [("type", .string("dropped")), ("count", .uint(s.dropped))],
        ]
        if let m = s.multicast?.counters {
            rows.append([("type", .string("multicast")), ("flooded", .uint(m.framesFlooded)),
                         ("replicated", .uint(m.framesReplicated)), ("copies", .uint(m.copiesSent)),
                         ("suppressed", .uint(m.framesSuppressed)), ("bytes_saved", .uint(m.bytesSaved))])
        }
        if let l = s.localHosts {
            rows.append([("type", .string("local_hosts")), ("hosts", .uint(UInt64(l.hosts.count))),
                         ("capacity", .uint(UInt64(l.capacity))), ("learned", .uint(l.learned)),
                         ("expired", .uint(l.expired)), ("refused", .uint(l.refused)), ("mss_clamped_tx", .uint(l.mssClampedTx)),
                         ("mss_clamped_rx", .uint(l.mssClampedRx))])
        }
        rows += s.drops.map { [("type", .string("drop")), ("reason", .string($0.reason.name)), ("count", .uint($0.count))] }
        return rows
    }

    /// One row per listener of each group (`listener` "local" is this edge's host); a group whose
    /// listeners all went still shows as one row with an empty listener until it is removed.
    static func groupRows(_ m: MulticastSnapshot) -> [JSONFields] {
        m.groups.flatMap { g -> [JSONFields] in
            let group: JSONFields = [("group", .string(g.group)), ("family", .string(g.family)),
                                     ("flooded", .int(g.flooded ? 1 : 0))]
            guard !g.listeners.isEmpty else { return [group + [("listener", .string(""))]] }
            return g.listeners.map { l in
                group + [("listener", .string(l.listener)), ("age", .int(l.ageSeconds)),
                         ("expires", .int(l.expiresInSeconds)), ("leaving", .int(l.leaving ? 1 : 0))]
            }
        }
    }

    /// Peer events between two snapshots: `join` for a MAC that appeared, `leave` for one gone,
    /// `mode` when its path changed (p2p <-> pSp).
    public static func peerEvents(from old: EdgeSnapshot, to new: EdgeSnapshot) -> [JSONFields] {
        let before = Dictionary(old.peers.map { ($0.mac, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.peers.map { ($0.mac, $0) }, uniquingKeysWith: { a, _ in a })
        var events: [JSONFields] = []
        for peer in new.peers {
            let row = edgeRow(new)(peer)
            if let was = before[peer.mac] {
                if edgeRow(old)(was)[0].1 != row[0].1 { events.append([("action", .string("mode"))] + row) }
            } else {
                events.append([("action", .string("join"))] + row)
            }
        }
        for peer in old.peers where after[peer.mac] == nil {
            events.append([("action", .string("leave")), ("macaddr", .string(peer.mac)), ("sockaddr", .string(peer.socket))])
        }
        return events
    }
}
