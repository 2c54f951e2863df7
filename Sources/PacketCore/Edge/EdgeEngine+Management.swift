import N2NWire

/// What the host does with a management request: send `reply` (if any) back to the requester,
/// and leave the event loop when `stop` is set.
public struct EdgeManagementResponse: Sendable, Equatable {
    public var reply: [UInt8]?
    public var stop: Bool

    public init(reply: [UInt8]? = nil, stop: Bool = false) {
        self.reply = reply
        self.stop = stop
    }
}

/// One row of the `peers` command.
public struct EdgePeerStatus: Sendable, Equatable {
    public enum State: String, Sendable { case pending, p2p, stale }
    public var mac: MACAddress
    public var socket: PeerSocket
    public var state: State
}

// Management console (spec 7.1). The engine produces a snapshot and applies the commands that
// change it (verbosity, stop); Management/EdgeManagementText renders the replies. `help` does not
// touch the verbosity (spec 10.4 item 31).
extension EdgeEngine {
    public static var managementHelp: String { EdgeManagementText.help }

    public func handleManagement(_ request: UnsafeRawBufferPointer) -> EdgeManagementResponse {
        switch EdgeManagementCommand(request: request) {
        case .stop:
            logger.notice("stop command received")
            return EdgeManagementResponse(stop: true)
        case .help:
            return reply(EdgeManagementText.help)
        case .moreVerbose:
            verbosity += 1
            logger.notice("+verb traceLevel=\(verbosity)")
            return reply("> +OK traceLevel=\(verbosity)\n")
        case .lessVerbose:
            guard verbosity > 0 else { return reply("> -NOK traceLevel=\(verbosity)\n") }
            verbosity -= 1
            logger.notice("-verb traceLevel=\(verbosity)")
            return reply("> -OK traceLevel=\(verbosity)\n")
        case .peers:
            return reply(EdgeManagementText.peers(snapshot()))
        case .supernodes:
            return reply(EdgeManagementText.supernodes(snapshot()))
        case .groups:
            return reply(EdgeManagementText.groups(snapshot()))
        case .statistics:
            return reply(EdgeManagementText.statistics(snapshot()))
        }
    }

    private func reply(_ text: String) -> EdgeManagementResponse {
        EdgeManagementResponse(reply: Array(text.utf8))
    }

    /// The engine's state and counters now.
    public func snapshot() -> EdgeSnapshot {
        let now = clock.monotonicNanoseconds
        let s = statistics
        let peers = peerStatus().map { status -> EdgeSnapshot.Peer in
            let entry = status.state == .pending ? pending[status.mac] : known[status.mac]
            return EdgeSnapshot.Peer(mac: "\(status.mac)", socket: "\(status.socket)",
                                     table: status.state == .pending ? .pending : .known,
                                     mode: status.state == .p2p ? .p2p : .viaSupernode,
                                     lastSeenSecondsAgo: entry.map { (now - $0.lastSeen) / Nanos.second } ?? 0)
        }
        let v3 = control.v3
        let supernodes = supernodes.enumerated().map { i, sn in
            var row = EdgeSnapshot.Supernode(configured: "\(sn.configured)", address: sn.address.map { "\($0)" },
                                             current: i == currentSupernode,
                                             lastAckSecondsAgo: sn.lastAck.map { (now - $0) / Nanos.second })
            if let v3, v3.supernodeInfo.indices.contains(i) {
                let info = v3.supernodeInfo[i]
                let criterion = info.criterion >= EdgeV3SupernodeInfo.defaultCriterion ? "-" : "\(info.criterion)"
                row.v3 = EdgeSnapshot.V3Details(mac: info.mac.map { "\($0)" } ?? "", version: info.version, uptime: info.uptime,
                                                load: info.load, selection: "\(v3.selection.rawValue) = \(criterion)")
            }
            return row
        }
        return EdgeSnapshot(
            community: configuration.community.name, mac: "\(configuration.mac)",
            wallTime: clock.wallTime.seconds, startWallTime: startWall,
            peers: peers, supernodes: supernodes,
            counters: .init(txSupernode: s.txSupernode, rxSupernode: s.rxSupernode,
                            txSupernodeBroadcast: s.txSupernodeBroadcast, rxSupernodeBroadcast: s.rxSupernodeBroadcast,
                            txP2P: s.txP2P, rxP2P: s.rxP2P, transformTx: s.transformTx, transformRx: s.transformRx,
                            lastSupernode: s.lastSupernode, lastP2P: s.lastP2P),
            dropped: s.totalDrops, drops: s.drops.snapshot,
            multicast: worker.snooping?.shared.withLock { $0.snapshot(now: now) },
            localHosts: localHostsSnapshot(now: now, statistics: s))
    }

    func localHostsSnapshot(now: Int64, statistics s: EdgeStatistics) -> EdgeSnapshot.LocalHosts? {
        guard localHosts.learned > 0 || localHosts.refused > 0 || s.mssClampedTx > 0 || s.mssClampedRx > 0 else { return nil }
        let hosts = localHosts.entries.sorted { $0.key < $1.key }.map {
            EdgeSnapshot.LocalHosts.Host(mac: "\($0.key)", lastSeenSecondsAgo: (now - $0.value.lastSeen) / Nanos.second)
        }
        return .init(hosts: hosts, capacity: localHosts.capacity, learned: localHosts.learned, expired: localHosts.expired, refused: localHosts.refused,
                     mssClampedTx: s.mssClampedTx, mssClampedRx: s.mssClampedRx)
    }

    /// The statistics block of spec 7.1, then the drop counters.
    public func statisticsText() -> String {
        EdgeManagementText.statistics(snapshot())
    }

    /// Pending then known peers, each sorted by MAC.
    public func peerStatus() -> [EdgePeerStatus] {
        let now = clock.monotonicNanoseconds
        let p = pending.sorted { $0.key < $1.key }.map { EdgePeerStatus(mac: $0.key, socket: $0.value.sock, state: .pending) }
        let k = known.sorted { $0.key < $1.key }.map {
            EdgePeerStatus(mac: $0.key, socket: $0.value.sock,
                           state: now - $0.value.lastP2P < EdgeTimers.p2pValidity ? .p2p : .stale)
        }
        return p + k
    }

    /// The log lines 2.8 prints at exit (`print_edge_stats`).
    public var exitSummary: [String] {
        EdgeManagementText.exitSummary(snapshot())
    }
}
