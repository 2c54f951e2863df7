/// The edge's management requests (spec 7.1), matched by prefix as 2.8 does.
public enum EdgeManagementCommand: Sendable, Equatable {
    case stop, help, moreVerbose, lessVerbose, peers, supernodes, groups, statistics

    public init(request: UnsafeRawBufferPointer) {
        func starts(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard request.count >= n else { return false }
            for i in 0..<n where request[i] != word.utf8Start[i] { return false }
            return true
        }
        self = if starts("stop") { .stop }
            else if starts("help") { .help }
            else if starts("+verb") { .moreVerbose }
            else if starts("-verb") { .lessVerbose }
            else if starts("peers") { .peers }
            else if starts("supernodes") { .supernodes }
            else if starts("groups") { .groups }
            else { .statistics }
    }
}

/// The 2.8 text replies of the edge (`help` also lists `peers`, `supernodes` and the JSON API), rendered from a snapshot. Additions to 2.8: `peers` lists
/// `<MAC> <ip:port> p2p|pending|stale` per line ("stale": known, but the next frame goes via the
/// supernode); `supernodes` lists the configured supernodes; the statistics block is followed by
/// `dropped <total>` and, when any, `drops  <reason>:<count> ...`.
public enum EdgeManagementText {
    public static let help = """
        Help for edge management console:
          stop    Gracefully exit edge
          help    This help message
          +verb   Increase verbosity of logging
          -verb   Decrease verbosity of logging
          peers   List peers: <MAC> <ip:port> pending|p2p|stale
          supernodes List supernodes: <host:port> <address> current|standby last_ack
          <enter> Display statistics
          r <tag> help  JSON API (n2n 3.x): r/w/s <tag>[:1:<password>] <method>


        """

    /// The statistics block of spec 7.1, then the drop counters.
    public static func statistics(_ s: EdgeSnapshot) -> String {
        let now = s.wallTime
        let c = s.counters
        func pad6(_ v: UInt64) -> String {
            let text = String(v)
            return String(repeating: " ", count: max(0, 6 - text.count)) + text
        }
        var out = "Statistics for edge\n"
        out += "uptime \(now - s.startWallTime)\n"
        out += "paths  super:\(c.txSupernode),\(c.rxSupernode) p2p:\(c.txP2P),\(c.rxP2P)\n"
        out += "transop |\(pad6(c.transformTx))|\(pad6(c.transformRx))|\n"
        out += "peers  pend:\(s.pendingCount) full:\(s.knownCount)\n"
        out += "last super:\(c.lastSupernode)(\(now - c.lastSupernode) sec ago) p2p:\(c.lastP2P)(\(now - c.lastP2P) sec ago)\n"
        out += "dropped \(s.dropped)\n"
        if !s.drops.isEmpty {
            out += "drops  " + s.drops.map { "\($0.reason.name):\($0.count)" }.joined(separator: " ") + "\n"
        }
        if let l = s.localHosts {
            out += "lan    hosts:\(l.hosts.count)/\(l.capacity) learned:\(l.learned) expired:\(l.expired) refused:\(l.refused) "
                + "mss_clamped:\(l.mssClampedTx),\(l.mssClampedRx)\n"
            for h in l.hosts { out += "host   \(h.mac) \(h.lastSeenSecondsAgo)s\n" }
        }
        return out
    }

    /// One line per peer: `<MAC> <ip:port> pending|p2p|stale`.
    public static func peers(_ s: EdgeSnapshot) -> String {
        s.peers.map { peer in
            let state = switch (peer.table, peer.mode) {
            case (.pending, _): "pending"
            case (.known, .p2p): "p2p"
            case (.known, .viaSupernode): "stale"
            }
            return "\(peer.mac) \(peer.socket) \(state)\n"
        }.joined()
    }

    /// `<host:port> <address|unresolved> current|standby last_ack:<seconds ago>|never`.
    public static func supernodes(_ s: EdgeSnapshot) -> String {
        s.supernodes.map { sn in
            let ack = sn.lastAckSecondsAgo.map { "\($0)" } ?? "never"
            return "\(sn.configured) \(sn.address ?? "unresolved") \(sn.current ? "current" : "standby") last_ack:\(ack)\n"
        }.joined()
    }

    /// `groups` (an addition): with `--igmp-snooping`, one line per group, then one per listener
    /// (`local` is our own host) with its age and time left, the queriers, and the counters.
    public static func groups(_ s: EdgeSnapshot) -> String {
        guard let m = s.multicast else { return "igmp snooping off\n" }
        var out = "groups \(m.groups.count)\n"
        for g in m.groups {
            out += "\(g.group) \(g.family) listeners:\(g.listeners.count)\(g.flooded ? " flooded" : "")\n"
            for l in g.listeners {
                out += "  \(l.listener) age:\(l.ageSeconds) expires:\(l.expiresInSeconds)\(l.leaving ? " leaving" : "")\n"
            }
        }
        for q in m.queriers {
            out += "querier \(q.family) \(q.role) \(q.address ?? "-") other:\(q.otherQuerier ?? "-")\n"
        }
        let c = m.counters
        out += "mcast  replicated:\(c.framesReplicated) copies:\(c.copiesSent) suppressed:\(c.framesSuppressed) "
            + "flooded:\(c.framesFlooded) bytes_saved:\(c.bytesSaved)\n"
        out += "igmp   reports:\(c.reportsSeen) leaves:\(c.leavesSeen) queries_seen:\(c.queriesSeen) "
            + "queries_sent:\(c.queriesSent) malformed:\(c.membershipDropped)\n"
        return out
    }

    /// The log lines 2.8 prints at exit (`print_edge_stats`).
    public static func exitSummary(_ s: EdgeSnapshot) -> [String] {
        let c = s.counters
        return [
            "Packet stats:",
            "    TX P2P: \(c.txP2P) pkts",
            "    RX P2P: \(c.rxP2P) pkts",
            "    TX Supernode: \(c.txSupernode) pkts (\(c.txSupernodeBroadcast) broadcast)",
            "    RX Supernode: \(c.rxSupernode) pkts (\(c.rxSupernodeBroadcast) broadcast)",
            "    dropped: \(s.dropped)",
        ]
    }
}
