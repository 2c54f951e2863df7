import N2NWire

// Management (spec 7.2): the engine produces a snapshot; Management/SupernodeManagementText
// renders the 2.8 text from it.
extension SupernodeEngine {
    /// The engine's state and counters now. Ages are monotonic seconds.
    public func snapshot() -> SupernodeSnapshot {
        let now = clock.monotonicNanoseconds
        func ago(_ t: Int64) -> Int64 { (now - t) / Self.second }
        let s = statistics
        let ordered = communities.values.sorted { $0.name < $1.name }
        var edges: [SupernodeSnapshot.Edge] = []
        edges.reserveCapacity(edgeCount)
        for c in ordered {
            for (mac, edge) in c.edges.sorted(by: { $0.key < $1.key }) {
                edges.append(.init(community: c.name, mac: "\(mac)", socket: "\(edge.socket)",
                                   lastSeenSecondsAgo: ago(edge.lastSeen)))
            }
        }
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
            drops: s.drops.snapshot)
    }

    /// The reply to one datagram on the management socket (spec 7.2): the report for any non-empty
    /// request, nothing for an empty one (which stopped 2.8, spec 10.1 item 9).
    public func managementResponse(to request: UnsafeRawBufferPointer) -> [String] {
        request.isEmpty ? [] : managementReport()
    }

    /// The status report of spec 7.2 as its sequence of datagrams.
    public func managementReport() -> [String] {
        SupernodeManagementText.report(snapshot())
    }

    /// Registered edges per community, one log line each (SIGHUP, spec 6.6).
    public func edgeDump() -> [String] {
        SupernodeManagementText.edgeDump(snapshot())
    }
}
