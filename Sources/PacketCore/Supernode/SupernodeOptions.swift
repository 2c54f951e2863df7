import N2NWire

/// Tunables of `SupernodeEngine`. The defaults are n2n 2.8's values where 2.8 has one (spec 6.4), and
/// conservative limits for the fixes of spec 10 where it has none.
public struct SupernodeEngineOptions: Sendable {
    /// The communities of the `-c` file (16 NUL-padded bytes each); nil = open mode (communities
    /// created on first REGISTER_SUPER). A non-nil list, even empty, locks the community set.
    public var whitelist: [Community]?
    /// Largest datagram the I/O layer hands over (spec 0: 2048-byte receive buffers).
    public var maxDatagramSize: Int = 2048
    /// Seconds without REGISTER_SUPER after which an edge is purged (spec 6.4).
    public var edgeTimeout: Int64 = 60
    /// Seconds between purges (spec 6.4).
    public var purgeInterval: Int64 = 30
    /// Seconds between re-sorts of the trial-decryption order (spec 6.4).
    public var sortInterval: Int64 = 90
    /// Lifetime announced in REGISTER_SUPER_ACK (spec 1.4.5).
    public var registrationLifetime: UInt16 = 15
    /// Relay PACKET/REGISTER and answer QUERY_PEER only when the sender's MAC is registered in the
    /// community from the datagram's source socket (spec 10.2 item 14). Every 2.x edge registers with
    /// the supernode it relays through, so this only refuses strangers.
    public var requireRegisteredSender: Bool = true
    /// A REGISTER_SUPER that would move a MAC to a socket with a different IP address is refused while
    /// the current registration is younger than this many seconds (spec 10.2 item 14: no hijacking of
    /// live registrations). "Younger" counts anything heard from the registered socket (REGISTER_SUPER
    /// and admitted PACKET/REGISTER/QUERY_PEER), so a squatter cannot take the MAC of an edge that
    /// is talking; a real roaming edge's old socket goes quiet, and the move is accepted after this
    /// time: 45 s, more than two 20 s registration intervals, so one lost registration does not open
    /// the window (issue 10 item 7). Moves within the same IP (an edge restarted on a new port, a NAT
    /// rebinding) are always accepted. 0 = accept every move, as 2.8 does.
    public var rebindHoldoff: Int64 = 45
    /// Broadcast/multicast copies each sending edge may cause per second (token bucket; 0 =
    /// unlimited), spec 10.3 item 23; `--broadcast-rate`. Amplification is already bounded by one copy
    /// per registered socket per frame, so this only caps the share of the supernode one sender can
    /// take. The default lets an honest 1 000 frames/s feed reach 2 000 edges (issue 18: the former
    /// 20 000 copies/s throttled a 1 000-edge community at 20 frames/s).
    public var broadcastRate: Double = 2_000_000
    /// Bucket size of the broadcast limit, in copies; `--broadcast-burst`.
    public var broadcastBurst: Double = 2_000_000
    /// Most communities held at once (open mode), so a flood of invented names cannot exhaust memory.
    public var maxCommunities: Int = 4096
    /// Most registered edges over all communities.
    public var maxEdges: Int = 65536
    /// Most MACs registered from one source socket over all communities (issue 10 item 5). A socket
    /// is one edge (or one `-r` bridge with hosts behind it); an office NAT gives each edge its own.
    /// A bridged edge registers its own MAC and each learned host's (`--max-local-hosts`, at most
    /// 255): 256 leaves room for the largest.
    public var maxMacsPerSocket: Int = 256
    /// Most MACs registered from one IP address (any ports) over all communities: a quarter of
    /// `maxEdges`, so one host with a thousand sockets cannot fill the whole table and lock every
    /// new edge out (`table_full`). Far above what one office NAT puts in front of one supernode.
    public var maxMacsPerAddress: Int = 16384
    /// Most edges in one community, so one flooded community leaves room for the others.
    public var maxEdgesPerCommunity: Int = 8192
    /// Open mode: most live communities created from one IP address.
    public var maxCommunitiesPerAddress: Int = 16
    /// A community whose edges are plain switches to header encryption on a verified encrypted
    /// REGISTER_SUPER only when no plain edge has been heard for this many seconds (issue 10 item 6:
    /// with `-H` the key is derived from the name, so the name alone must not evict plain edges).
    public var headerModeSwitchQuiet: Int64 = 45
    /// Log lines about refused input before the per-minute summary takes over.
    public var refusalLogBurst: Double = 10
    /// REGISTER_SUPER_NAKs per second in all (a locked supernode answering scanners, item 8).
    public var nakRate: Double = 10
    /// Seconds between two NAKs to the same source socket.
    public var nakSpacing: Int64 = 10

    public init(whitelist: [Community]? = nil) {
        self.whitelist = whitelist
    }

    /// With the whitelist given as names (cut to 15 bytes as on the wire).
    public init(whitelistNames: [String]) {
        whitelist = whitelistNames.filter { !$0.isEmpty }.map { Community($0) }
    }
}
