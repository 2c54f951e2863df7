/// The Prometheus text exposition format 0.0.4: `# HELP`, `# TYPE`, then samples. Label values
/// are escaped (backslash, quote, newline) as the format requires.
public struct PrometheusText: Sendable {
    public private(set) var text = ""
    public init() {}

    public enum Kind: String, Sendable { case counter, gauge }

    /// One metric family with its samples (labels in order).
    public mutating func family(_ name: String, _ kind: Kind, _ help: String, _ samples: [([(String, String)], UInt64)]) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
        for (labels, value) in samples {
            text += name
            if !labels.isEmpty {
                text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
            }
            text += " \(value)\n"
        }
    }

    public mutating func family(_ name: String, _ kind: Kind, _ help: String, value: UInt64) {
        family(name, kind, help, [([], value)])
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}

/// The edge's metrics, from its snapshot. Frames only: the 2.8 counters carry no byte counts.
public enum EdgeMetrics {
    public static func render(_ s: EdgeSnapshot) -> String {
        let c = s.counters
        var p = PrometheusText()
        p.family("n2n_edge_frames_total", .counter, "Frames by direction and path (broadcast: via the supernode).", [
            ([("direction", "tx"), ("path", "p2p")], c.txP2P), ([("direction", "rx"), ("path", "p2p")], c.rxP2P),
            ([("direction", "tx"), ("path", "supernode")], c.txSupernode), ([("direction", "rx"), ("path", "supernode")], c.rxSupernode),
            ([("direction", "tx"), ("path", "broadcast")], c.txSupernodeBroadcast),
            ([("direction", "rx"), ("path", "broadcast")], c.rxSupernodeBroadcast),
        ])
        p.family("n2n_edge_transform_total", .counter, "Payloads through the cipher transform.", [
            ([("direction", "tx")], c.transformTx), ([("direction", "rx")], c.transformRx),
        ])
        p.family("n2n_edge_drops_total", .counter, "Datagrams and frames dropped, by reason.",
                 DropReason.allCases.map { r in ([("reason", r.name)], s.drops.first { $0.reason == r }?.count ?? 0) })
        let p2p = s.peers.count { $0.table == .known && $0.mode == .p2p }
        let stale = s.peers.count { $0.table == .known && $0.mode != .p2p }
        p.family("n2n_edge_peers", .gauge, "Peers by state.", [
            ([("state", "pending")], UInt64(s.pendingCount)), ([("state", "p2p")], UInt64(p2p)), ([("state", "stale")], UInt64(stale)),
        ])
        p.family("n2n_edge_supernode_reachable", .gauge, "1 when the current supernode acknowledged a registration within 3 intervals.",
                 s.supernodes.map { sn in
                     ([("supernode", sn.configured), ("current", sn.current ? "1" : "0")],
                      (sn.lastAckSecondsAgo ?? Int64.max) <= 60 ? 1 : 0)
                 })
        p.family("n2n_edge_uptime_seconds", .gauge, "Seconds since start.", value: UInt64(max(0, s.wallTime - s.startWallTime)))
        return p.text
    }
}

/// The supernode's metrics, from its snapshot.
public enum SupernodeMetrics {
    public static func render(_ s: SupernodeSnapshot) -> String {
        let c = s.counters
        var p = PrometheusText()
        p.family("n2n_supernode_forwarded_total", .counter, "PACKETs and REGISTERs relayed to one edge.", value: c.forwarded)
        p.family("n2n_supernode_broadcast_total", .counter, "Frames relayed to every edge of a community.", value: c.broadcast)
        p.family("n2n_supernode_registrations_total", .counter, "REGISTER_SUPER by result.", [
            ([("result", "ack")], c.registerSuper), ([("result", "nak")], c.registerSuperNak),
        ])
        p.family("n2n_supernode_replies_total", .counter, "Replies sent (acks, naks, peer info).", value: c.replies)
        p.family("n2n_supernode_send_errors_total", .counter, "Datagrams the socket refused.", value: c.errors)
        p.family("n2n_supernode_drops_total", .counter, "Datagrams dropped, by reason.",
                 DropReason.allCases.map { r in ([("reason", r.name)], s.drops.first { $0.reason == r }?.count ?? 0) })
        p.family("n2n_supernode_edges", .gauge, "Registered edges per community.",
                 s.communities.map { ([("community", $0.name)], UInt64($0.edgeCount)) })
        p.family("n2n_supernode_communities", .gauge, "Communities known.", value: UInt64(s.communities.count))
        p.family("n2n_supernode_community_info", .gauge, "1 per community, labelled with its wire dialect (2, 3 or unclaimed).",
                 s.communities.map { ([("community", $0.name), ("dialect", $0.dialect ?? "2"), ("header", $0.headerMode)], 1) })
        p.family("n2n_supernode_uptime_seconds", .gauge, "Seconds since start.", value: UInt64(max(0, s.uptimeSeconds)))
        return p.text
    }
}
