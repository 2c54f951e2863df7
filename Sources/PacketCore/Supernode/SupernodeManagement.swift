import N2NWire

extension SupernodeEngine {
    /// The reply to one datagram on the management socket (spec 7.2): the report for any non-empty
    /// request, nothing for an empty one (which stopped 2.8, spec 10.1 item 9).
    public func managementResponse(to request: UnsafeRawBufferPointer, now: SupernodeTime) -> [String] {
        request.isEmpty ? [] : managementReport(now: now)
    }

    /// The status report of spec 7.2 as its sequence of datagrams. The ten standard lines come first,
    /// byte for byte as 2.8 writes them; our drop counters follow them in the header datagram
    /// (`dropped` with the total, then one indented line per non-zero reason), before the first
    /// `community:` line. Communities are listed by name, edges by MAC.
    public func managementReport(now: SupernodeTime) -> [String] {
        let s = statistics
        let t = now.seconds
        var head = "----------------\n"
        head += "uptime    \(t - startTime.seconds)\n"
        head += "edges     \(edgeCount)\n"
        head += "errors    \(s.errors)\n"
        head += "reg_sup   \(s.registerSuper)\n"
        head += "reg_nak   \(s.registerSuperNak)\n"
        head += "fwd       \(s.forwarded)\n"
        head += "broadcast \(s.broadcast)\n"
        head += "last fwd  \(t - s.lastForward) sec ago\n"
        head += "last reg  \(t - s.lastRegisterSuper) sec ago\n"
        head += "cur_cmnts \(communities.count)\n"
        head += "dropped   \(s.totalDropped)\n"
        for reason in SupernodeDropReason.allCases where s[reason] > 0 {
            head += "  \(reason.counterName) \(s[reason])\n"
        }

        let ordered = communities.values.sorted { $0.name < $1.name }
        guard let first = ordered.first else { return [head + "\n"] }
        var datagrams = [head + "community: \(first.name)\n"]
        for (index, c) in ordered.enumerated() {
            if index > 0 { datagrams.append("community: \(c.name)\n") }
            let edges = c.edges.sorted { $0.key < $1.key }
            for (k, (mac, edge)) in edges.enumerated() {
                datagrams.append("\t[id: \(k + 1)][MAC: \(mac)][edge: \(edge.socket)][last seen: \(t - edge.lastSeen) sec ago]\n")
            }
        }
        datagrams.append("\n")
        return datagrams
    }

    /// Registered edges per community, one log line each (SIGHUP, spec 6.6).
    public func edgeDump(now: SupernodeTime) -> [String] {
        var lines = ["\(communities.count) communities, \(edgeCount) edges"]
        for c in communities.values.sorted(by: { $0.name < $1.name }) {
            let kind = c.whitelisted ? "listed" : "open"
            lines.append("community \(c.name) (\(kind), header \(c.headerMode)): \(c.edges.count) edges")
            for (mac, edge) in c.edges.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(mac) at \(edge.socket), last seen \(now.seconds - edge.lastSeen) s ago")
            }
        }
        return lines
    }
}
