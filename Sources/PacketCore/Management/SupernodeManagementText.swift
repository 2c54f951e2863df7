/// The supernode's management report (spec 7.2) and SIGHUP dump, rendered from a snapshot.
public enum SupernodeManagementText {
    /// The status report as its sequence of datagrams. The ten standard lines come first, byte for
    /// byte as 2.8 writes them; our drop counters follow them in the header datagram (`dropped` with
    /// the total, then one indented line per non-zero reason), before the first `community:` line.
    /// A time that never happened prints as the age of time 0, as in 2.8.
    public static func report(_ s: SupernodeSnapshot) -> [String] {
        let c = s.counters
        var head = "----------------\n"
        head += "uptime    \(s.uptimeSeconds)\n"
        head += "edges     \(s.edgeCount)\n"
        head += "errors    \(c.errors)\n"
        head += "reg_sup   \(c.registerSuper)\n"
        head += "reg_nak   \(c.registerSuperNak)\n"
        head += "fwd       \(c.forwarded)\n"
        head += "broadcast \(c.broadcast)\n"
        head += "last fwd  \(c.lastForwardSecondsAgo ?? s.wallTime) sec ago\n"
        head += "last reg  \(c.lastRegisterSecondsAgo ?? s.wallTime) sec ago\n"
        head += "cur_cmnts \(s.communities.count)\n"
        head += "dropped   \(s.dropped)\n"
        for d in s.drops {
            head += "  \(d.reason.name) \(d.count)\n"
        }
        // Only while a sender is being throttled, so the usual report stays 2.8's.
        if !s.throttled.isEmpty {
            head += "bcast_lim \(Int(s.broadcastRate)) copies/s per sender, burst \(Int(s.broadcastBurst))\n"
            for t in s.throttled {
                head += "  throttled \(t.mac) in \(t.community) at \(t.socket): \(t.frames) frames, last \(t.lastSecondsAgo) sec ago\n"
            }
        }

        guard let first = s.communities.first else { return [head + "\n"] }
        let byCommunity = Dictionary(grouping: s.edges, by: \.community)
        var datagrams = [head + "community: \(first.name)\n"]
        for (index, community) in s.communities.enumerated() {
            if index > 0 { datagrams.append("community: \(community.name)\n") }
            for (k, edge) in (byCommunity[community.name] ?? []).enumerated() {
                datagrams.append("\t[id: \(k + 1)][MAC: \(edge.mac)][edge: \(edge.socket)][last seen: \(edge.lastSeenSecondsAgo) sec ago]\n")
            }
        }
        datagrams.append("\n")
        return datagrams
    }

    /// Registered edges per community, one log line each (SIGHUP, spec 6.6).
    public static func edgeDump(_ s: SupernodeSnapshot) -> [String] {
        var lines = ["\(s.communities.count) communities, \(s.edgeCount) edges"]
        let byCommunity = Dictionary(grouping: s.edges, by: \.community)
        for community in s.communities {
            let kind = community.listed ? "listed" : "open"
            lines.append("community \(community.name) (\(kind), header \(community.headerMode)): \(community.edgeCount) edges")
            for edge in byCommunity[community.name] ?? [] {
                lines.append("  \(edge.mac) at \(edge.socket), last seen \(edge.lastSeenSecondsAgo) s ago")
            }
        }
        return lines
    }
}
