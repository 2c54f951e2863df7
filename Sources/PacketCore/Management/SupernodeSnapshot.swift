/// Everything the supernode's management report and SIGHUP dump show, as a value taken at one
/// instant. The engine produces it; renderers only read it. Ages are monotonic seconds.
public struct SupernodeSnapshot: Sendable, Codable, Equatable {
    public struct CommunityEntry: Sendable, Codable, Equatable {
        public var name: String
        /// Listed in the `-c` file (else created on first registration).
        public var listed: Bool
        /// Header-encryption mode: unknown, plain or encrypted.
        public var headerMode: String
        public var edgeCount: Int
    }

    public struct Edge: Sendable, Codable, Equatable {
        public var community: String
        public var mac: String
        public var socket: String
        public var lastSeenSecondsAgo: Int64
    }

    /// The counters of spec 7.2.
    public struct Counters: Sendable, Codable, Equatable {
        public var errors: UInt64
        public var registerSuper: UInt64
        public var registerSuperNak: UInt64
        public var forwarded: UInt64
        public var broadcast: UInt64
        public var replies: UInt64
        /// Seconds since the last relayed PACKET/REGISTER; nil = never.
        public var lastForwardSecondsAgo: Int64?
        /// Seconds since the last REGISTER_SUPER; nil = never.
        public var lastRegisterSecondsAgo: Int64?
    }

    /// A sender whose broadcasts the per-sender budget (`--broadcast-rate`) cut in the last minute.
    public struct ThrottledSender: Sendable, Codable, Equatable {
        public var community: String
        public var mac: String
        public var socket: String
        /// Broadcast frames cut short since the edge registered.
        public var frames: UInt64
        public var lastSecondsAgo: Int64
    }

    public var uptimeSeconds: Int64
    /// Wall-clock seconds (display only: 2.8 prints "never" as the age of time 0).
    public var wallTime: Int64
    public var edgeCount: Int
    /// Communities sorted by name.
    public var communities: [CommunityEntry]
    /// Edges sorted by community name, then MAC.
    public var edges: [Edge]
    public var counters: Counters
    /// Every drop except empty datagrams.
    public var dropped: UInt64
    public var drops: [DropCount]
    /// The per-sender broadcast budget in copies per second and its burst (0 = unlimited).
    public var broadcastRate: Double = 0
    public var broadcastBurst: Double = 0
    /// Senders the budget throttled in the last minute, by community then MAC (bounded like `edges`).
    public var throttled: [ThrottledSender] = []
}
