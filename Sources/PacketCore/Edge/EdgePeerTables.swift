import N2NWire

/// One entry of the pending or known table (spec 5.5). Times are monotonic nanoseconds.
struct EdgePeer {
    var sock: PeerSocket
    var lastSeen: Int64
    /// Last direct packet (or answered probe) from the peer; meaningful in the known table.
    var lastP2P: Int64
    var lastSentQuery: Int64?
    /// Last REGISTER we sent towards this pending peer (spacing of refreshes).
    var lastRegister: Int64?
    /// Last keep-alive REGISTER sent to this known peer.
    var lastProbe: Int64?
    /// -H: stamps and recent datagrams accepted from this peer (spec 4.6, exact replays).
    var stamp: ReplayGuard

    init(sock: PeerSocket, now: Int64, stamp: UInt64) {
        self.sock = sock
        self.lastSeen = now
        self.lastP2P = now
        self.stamp = ReplayGuard(start: stamp)
    }
}

/// What a registration with one configured supernode looks like right now.
struct SupernodeSlot {
    let configured: SupernodeAddress
    let isLiteral: Bool
    /// Last successful resolution (kept when a later re-resolution fails).
    var address: PeerSocket?
    /// When the outstanding resolution was requested; nil when none is outstanding.
    var resolutionRequested: Int64?
    /// The registration round this supernode last answered; -1 = never.
    var answeredRound: Int = -1
    /// Consecutive rounds it answered, up to `answeredRound`.
    var answeredStreak = 0
    var lastAck: Int64?
    /// -H: stamps and recent datagrams accepted from this supernode (one per supernode, spec 10.2 item 13).
    var stamp = ReplayGuard(start: 0)

    init(_ configured: SupernodeAddress) {
        self.configured = configured
        let literal = configured.literal
        self.isLiteral = literal != nil
        self.address = literal
    }
}

extension PeerSocket {
    /// 0.0.0.0 or port 0: an entry created before anyone told us where the peer is.
    var isUsable: Bool { !address.isUnspecified && port != 0 }

    static let unspecified = PeerSocket(ipv4: 0, port: 0)
    /// 224.0.0.68:1968, the local-discovery group (spec 5.8).
    public static let discoveryGroup = PeerSocket(ipv4: 0xE000_0044, port: 1968)
}
