import N2NWire

/// Header-encryption state of a community (spec 4.7).
public enum HeaderMode: Sendable, Equatable, CustomStringConvertible {
    /// No edge registered yet (whitelisted communities only).
    case unknown
    /// Registered edges send plain headers.
    case plain
    /// Registered edges use header encryption.
    case encrypted

    public var description: String {
        switch self {
        case .unknown: "unknown"
        case .plain: "plain"
        case .encrypted: "encrypted"
        }
    }
}

/// One registered edge (spec 6.1).
public struct SupernodeEdge: Sendable, Equatable {
    /// The public UDP socket the edge registered from.
    public var socket: PeerSocket
    /// Monotonic nanoseconds of the last REGISTER_SUPER.
    public var lastSeen: Int64
    /// Monotonic nanoseconds of the last datagram admitted from `socket` (REGISTER_SUPER or a relayed
    /// message): how long the socket has been quiet when another address claims the MAC.
    public var lastHeard: Int64
    /// The header stamps accepted from this edge (header-encrypted communities only).
    public var replay: ReplayGuard
    /// Broadcast fan-out budget (token bucket, spec 10.3 item 23).
    var broadcastTokens: Double
    /// Monotonic nanoseconds of the last refill.
    var broadcastRefill: Int64
    /// Broadcast frames of this sender the budget cut short (some or all copies refused), and when
    /// the last one was (monotonic nanoseconds): management lists throttled senders from these.
    var broadcastThrottled: UInt64 = 0
    var broadcastThrottledAt: Int64?

    /// `now` is monotonic; `headerNow` the wall clock as a header stamp (the replay window's origin).
    init(socket: PeerSocket, now: Int64, headerNow: UInt64, burst: Double) {
        self.socket = socket
        lastSeen = now
        lastHeard = now
        replay = ReplayGuard(now: headerNow)
        broadcastTokens = burst
        broadcastRefill = now
    }
}

/// A community with its edge table. A class so the engine mutates the table in place through the
/// dictionary value without copying it.
public final class SupernodeCommunity {
    /// The 16 community bytes, zero after the first NUL (the lookup key, spec 1.2.3).
    public let community: Community
    public let name: String
    /// Listed in the `-c` file: kept when empty, and eligible for header encryption.
    public let whitelisted: Bool
    public internal(set) var headerMode: HeaderMode
    /// Present for whitelisted communities when header encryption is available.
    let cipher: (any SupernodeHeaderCipher)?
    public internal(set) var edges: [MACAddress: SupernodeEdge] = [:]
    /// Open mode: the address whose REGISTER_SUPER created it (quota of communities per address).
    var creator: IPAddress?
    /// Encrypted datagrams since the last re-sort of the trial-decryption order (spec 6.4).
    var encryptedPackets: UInt64 = 0

    init(community: Community, whitelisted: Bool, cipher: (any SupernodeHeaderCipher)?) {
        self.community = community
        name = community.name
        self.whitelisted = whitelisted
        headerMode = whitelisted ? .unknown : .plain
        self.cipher = cipher
    }
}

extension Community {
    /// The community as the supernode keys it: bytes after the first NUL cleared, so that lookup is the
    /// exact string match of spec 1.2.3 whatever padding a sender used.
    var lookupKey: Community {
        var copy = self
        withUnsafeMutableBytes(of: &copy) { raw in
            var seenNul = false
            for i in 0..<16 {
                if seenNul { raw[i] = 0 } else if raw[i] == 0 { seenNul = true }
            }
        }
        return copy
    }
}
