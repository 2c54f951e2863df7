/// Everything the edge's management replies show, as a value taken at one instant. The engine
/// produces it; renderers (the 2.8 text reply today, JSON or Prometheus later) only read it.
/// Addresses are in their printed form so every renderer shows the same text.
public struct EdgeSnapshot: Sendable, Codable, Equatable {
    public struct Peer: Sendable, Codable, Equatable {
        public enum Table: String, Sendable, Codable { case pending, known }
        /// How the next frame to this peer travels.
        public enum Mode: String, Sendable, Codable {
            case p2p
            case viaSupernode = "via_supernode"
        }
        public var mac: String
        public var socket: String
        public var table: Table
        public var mode: Mode
        /// Seconds since the peer was last heard of (monotonic).
        public var lastSeenSecondsAgo: Int64
    }

    public struct Supernode: Sendable, Codable, Equatable {
        /// As given with `-l`.
        public var configured: String
        /// The resolved address; nil while unresolved.
        public var address: String?
        /// Traffic is relayed through this one.
        public var current: Bool
        /// Seconds since its last REGISTER_SUPER_ACK (monotonic); nil = never.
        public var lastAckSecondsAgo: Int64?
        /// n2n 3.x: what the supernode said of itself (PONG, ACK); nil for a 2.x edge.
        public var v3: V3Details? = nil
    }

    /// A v3 supernode's details (v3 spec 8.4): its MAC, version, uptime and load as reported, and
    /// the selection strategy with this supernode's current criterion (lower is better).
    public struct V3Details: Sendable, Codable, Equatable {
        public var mac: String
        public var version: String
        public var uptime: UInt32
        public var load: UInt32
        public var selection: String
    }

    /// The counters of spec 7.1.
    public struct Counters: Sendable, Codable, Equatable {
        public var txSupernode: UInt64
        public var rxSupernode: UInt64
        public var txSupernodeBroadcast: UInt64
        public var rxSupernodeBroadcast: UInt64
        public var txP2P: UInt64
        public var rxP2P: UInt64
        public var transformTx: UInt64
        public var transformRx: UInt64
        /// Wall-clock seconds of the last ACKed registration or relayed PACKET; 0 = never.
        public var lastSupernode: Int64
        /// Wall-clock seconds of the last direct PACKET; 0 = never.
        public var lastP2P: Int64
    }

    /// Hosts learned behind the TAP and the MTU counters (issue 17 item 4).
    public struct LocalHosts: Sendable, Codable, Equatable {
        public struct Host: Sendable, Codable, Equatable {
            public var mac: String
            public var lastSeenSecondsAgo: Int64
        }
        /// Sorted by MAC.
        public var hosts: [Host]
        public var capacity: Int
        public var learned: UInt64
        public var expired: UInt64
        public var refused: UInt64
        public var mssClampedTx: UInt64
        public var mssClampedRx: UInt64
    }

    public var community: String
    public var mac: String
    /// Wall-clock seconds now and at start (display only).
    public var wallTime: Int64
    public var startWallTime: Int64
    /// Pending peers then known peers, each sorted by MAC.
    public var peers: [Peer]
    public var supernodes: [Supernode]
    public var counters: Counters
    /// Sum of all drop counters.
    public var dropped: UInt64
    /// The non-zero drop counters in `DropReason` order.
    public var drops: [DropCount]
    /// `--igmp-snooping`: groups, listeners, queriers and counters; nil when snooping is off
    /// (and then absent from encoded forms).
    public var multicast: MulticastSnapshot? = nil
    /// nil (absent from encoded forms) until a host was learned or a SYN clamped.
    public var localHosts: LocalHosts? = nil

    public var pendingCount: Int { peers.count { $0.table == .pending } }
    public var knownCount: Int { peers.count { $0.table == .known } }
}
