import N2NWire

// Management (spec 7.2): the engine produces a snapshot; Management/SupernodeManagementText
// renders the 2.8 text from it.
extension SupernodeEngine {
    /// Most edges listed in one management reply, and most datagrams in it (issue 10 item 10: with
    /// 65 536 edges one request produced ~65 000 datagrams). The counts stay complete.
    public static let managementEdgeLimit = 128
    public static let managementDatagramLimit = 128

    /// The engine's state and counters now. Ages are monotonic seconds. `edgeLimit` bounds the
    /// edge list (nil = all, for the SIGHUP dump and tools that page themselves).
    public func snapshot(edgeLimit: Int? = nil) -> SupernodeSnapshot {
        let now = clock.monotonicNanoseconds
        func ago(_ t: Int64) -> Int64 { (now - t) / Self.second }
        let s = statistics
        let ordered = communities.values.sorted { $0.name < $1.name }
        var edges: [SupernodeSnapshot.Edge] = []
        let limit = edgeLimit ?? Int.max
        edges.reserveCapacity(min(edgeCount, limit))
        for c in ordered where edges.count < limit {
            for (mac, edge) in c.edges.sorted(by: { $0.key < $1.key }) where edges.count < limit {
                edges.append(.init(community: c.name, mac: "\(mac)", socket: "\(edge.socket)",
                                   lastSeenSecondsAgo: ago(edge.lastSeen)))
            }
        }
        var throttled: [SupernodeSnapshot.ThrottledSender] = []
        for c in ordered {
            for (mac, edge) in c.edges where throttled.count < limit {
                guard let at = edge.broadcastThrottledAt, now - at < 60 * Self.second else { continue }
                throttled.append(.init(community: c.name, mac: "\(mac)", socket: "\(edge.socket)",
                                       frames: edge.broadcastThrottled, lastSecondsAgo: ago(at)))
            }
        }
        throttled.sort { ($0.community, $0.mac) < ($1.community, $1.mac) }
        return SupernodeSnapshot(
            uptimeSeconds: ago(startNanoseconds),
            wallTime: clock.wallTime.seconds,
            edgeCount: edgeCount,
            communities: ordered.map {
                .init(name: $0.name, listed: $0.whitelisted, headerMode: "\($0.headerMode)", edgeCount: $0.edges.count)
            },
            edges: edges,
            counters: .init(errors: s.errors, registerSuper: s.registerSuper, registerSuperNak: s.registerSuperNak,
                            forwarded: s.forwarded, broadcast: s.broadcast, replies: s.replies,
                            lastForwardSecondsAgo: s.lastForward.map(ago),
                            lastRegisterSecondsAgo: s.lastRegisterSuper.map(ago)),
            dropped: s.totalDropped,
            drops: s.drops.snapshot,
            broadcastRate: options.broadcastRate, broadcastBurst: options.broadcastBurst,
            throttled: throttled)
    }

    /// The reply to one datagram on the management socket (spec 7.2): the report for any non-empty
    /// request, nothing for an empty one (which stopped 2.8, spec 10.1 item 9).
    public func managementResponse(to request: UnsafeRawBufferPointer) -> [String] {
        request.isEmpty ? [] : managementReport()
    }

    /// The status report of spec 7.2 as its sequence of datagrams, bounded in edges and datagrams.
    public func managementReport() -> [String] {
        let all = SupernodeManagementText.report(snapshot(edgeLimit: Self.managementEdgeLimit))
        guard all.count > Self.managementDatagramLimit else { return all }
        // Cut, but still ended by the empty line readers wait for.
        return Array(all.prefix(Self.managementDatagramLimit - 1)) + ["\n"]
    }

    /// Registered edges per community, one log line each (SIGHUP, spec 6.6).
    public func edgeDump() -> [String] {
        SupernodeManagementText.edgeDump(snapshot())
    }
}
