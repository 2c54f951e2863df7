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

// Management console (spec 7.1). Requests are matched by prefix as 2.8 does. Additions: `peers`
// lists `<MAC> <ip:port> p2p|pending|stale` per line ("stale": known, but the next frame goes via
// the supernode); `supernodes` lists the configured supernodes. The statistics block is followed by
// `dropped <total>` and, when any, `drops  <reason>:<count> ...`. `help` does not touch the
// verbosity (spec 10.4 item 31).
extension EdgeEngine {
    public static let managementHelp = """
        Help for edge management console:
          stop    Gracefully exit edge
          help    This help message
          +verb   Increase verbosity of logging
          -verb   Decrease verbosity of logging
          <enter> Display statistics


        """

    public func handleManagement(_ request: UnsafeRawBufferPointer) -> EdgeManagementResponse {
        func starts(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard request.count >= n else { return false }
            for i in 0..<n where request[i] != word.utf8Start[i] { return false }
            return true
        }
        if starts("stop") {
            logger.notice("stop command received")
            return EdgeManagementResponse(stop: true)
        }
        if starts("help") { return reply(EdgeEngine.managementHelp) }
        if starts("+verb") {
            verbosity += 1
            logger.notice("+verb traceLevel=\(verbosity)")
            return reply("> +OK traceLevel=\(verbosity)\n")
        }
        if starts("-verb") {
            if verbosity > 0 {
                verbosity -= 1
                logger.notice("-verb traceLevel=\(verbosity)")
                return reply("> -OK traceLevel=\(verbosity)\n")
            }
            return reply("> -NOK traceLevel=\(verbosity)\n")
        }
        if starts("peers") { return reply(peerStatus().map { "\($0.mac) \($0.socket) \($0.state.rawValue)\n" }.joined()) }
        if starts("supernodes") { return reply(supernodeListing()) }
        return reply(statisticsText())
    }

    private func reply(_ text: String) -> EdgeManagementResponse {
        EdgeManagementResponse(reply: Array(text.utf8))
    }

    /// The statistics block of spec 7.1, then the drop counters.
    public func statisticsText() -> String {
        let now = clock.wallTime.seconds
        let s = statistics
        func pad6(_ v: UInt64) -> String {
            let text = String(v)
            return String(repeating: " ", count: max(0, 6 - text.count)) + text
        }
        var out = "Statistics for edge\n"
        out += "uptime \(now - startWall)\n"
        out += "paths  super:\(s.txSupernode),\(s.rxSupernode) p2p:\(s.txP2P),\(s.rxP2P)\n"
        out += "transop |\(pad6(s.transformTx))|\(pad6(s.transformRx))|\n"
        out += "peers  pend:\(pending.count) full:\(known.count)\n"
        out += "last super:\(s.lastSupernode)(\(now - s.lastSupernode) sec ago) p2p:\(s.lastP2P)(\(now - s.lastP2P) sec ago)\n"
        out += "dropped \(s.totalDrops)\n"
        let reasons = EdgeDropReason.allCases.filter { s.drops($0) > 0 }
        if !reasons.isEmpty {
            out += "drops  " + reasons.map { "\($0):\(s.drops($0))" }.joined(separator: " ") + "\n"
        }
        return out
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

    /// `<host:port> <address|unresolved> current|standby last_ack:<seconds ago>|never`.
    func supernodeListing() -> String {
        let now = clock.monotonicNanoseconds
        var out = ""
        for (i, sn) in supernodes.enumerated() {
            let address = sn.address.map { "\($0)" } ?? "unresolved"
            let role = i == currentSupernode ? "current" : "standby"
            let ack = sn.lastAck.map { "\((now - $0) / Nanos.second)" } ?? "never"
            out += "\(sn.configured) \(address) \(role) last_ack:\(ack)\n"
        }
        return out
    }

    /// The log lines 2.8 prints at exit (`print_edge_stats`).
    public var exitSummary: [String] {
        let s = statistics
        return [
            "Packet stats:",
            "    TX P2P: \(s.txP2P) pkts",
            "    RX P2P: \(s.rxP2P) pkts",
            "    TX Supernode: \(s.txSupernode) pkts (\(s.txSupernodeBroadcast) broadcast)",
            "    RX Supernode: \(s.rxSupernode) pkts (\(s.rxSupernodeBroadcast) broadcast)",
            "    dropped: \(s.totalDrops)",
        ]
    }
}
