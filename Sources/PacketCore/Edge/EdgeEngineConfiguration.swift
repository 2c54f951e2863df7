import N2NWire

extension EdgeEngine {
    /// What the engine needs from the command line (spec 5.9); the CLI builds it.
    public struct Configuration: Sendable {
        public var community: Community
        public var mac: MACAddress
        /// One or two supernodes, in `-l` order.
        public var supernodes: [SupernodeAddress]
        /// `-i`: seconds between registration rounds (>= 1).
        public var registrationInterval: Int = 20
        /// Most peers waiting for a direct path, and most with one (issue 10 item 4): with the null
        /// transform any datagram "opens", so these bound what strangers' packets can add, and with
        /// them the REGISTERs a new entry sends (at most one pending table's worth per purge).
        public var maxPendingPeers = 1024
        public var maxKnownPeers = 4096
        /// `-L`: REGISTER burst behaviour towards peers learned via the supernode (spec 5.7).
        public var registerTTL: Int = 0
        /// false with `-S`: never send REGISTER / REGISTER_ACK / discovery REGISTER.
        public var allowP2P: Bool = true
        /// false with `-E`: drop IPv4/IPv6 multicast frames in both directions.
        public var dropMulticast: Bool = true
        /// `-r`: disable both routing filters.
        public var allowRouting: Bool = false
        /// The TAP's IPv4 address (a.b.c.d as a number); 0 until DHCP supplies one.
        public var tapIPv4: UInt32 = 0
        /// `--max-local-hosts`: most hosts behind the TAP (source MACs other than ours, when the TAP
        /// is bridged) the edge learns and registers at the supernodes; 0 turns learning off.
        public var maxLocalHosts = 64
        /// A learned host is forgotten (and no longer registered) after this long without a frame
        /// (the Linux bridge's default ageing time).
        public var localHostTimeout: Int64 = 300 * Nanos.second
        /// `-M`: the largest IP packet the overlay carries (the TAP MTU): TCP SYNs crossing the edge
        /// get their MSS clamped to fit it, larger packets from the TAP an ICMP error.
        public var overlayMTU = 1290
        /// false with `--no-mss-clamp`.
        public var clampMSS = true
        /// `--igmp-snooping`: learn group listeners and send group traffic only to them; nil: off
        /// (n2n 2.8: flood).
        public var multicastSnooping: EdgeMulticastSettings?
        /// The edge's socket is dual-stack and can send to IPv6 peers (the runtime sets it).
        public var reachesIPv6: Bool = false
        /// The table every worker of one edge shares (the runtime makes one for all its workers);
        /// nil with snooping on: each data plane makes its own (tests, the one-worker engine).
        public var sharedSnooper: SharedMulticastSnooper?

        /// Where a peer is, from a PACKET or REGISTER (spec 5.7 step 2): the sock field unless absent
        /// or loopback, else the UDP source. Via a supernode without a sock (ours leaves it out when
        /// the peer registered over the other IP family), or naming an IPv6 socket this edge
        /// cannot reach, the peer's socket is unknown: the supernode is not the peer.
        @inline(__always)
        public func peerSocket(named sock: PeerSocket?, source: PeerSocket, viaSupernode: Bool) -> PeerSocket {
            if let sock, !sock.address.isLoopback {
                return reaches(sock) ? sock : .unspecified
            }
            return viaSupernode ? .unspecified : source
        }

        /// Whether this edge's socket can send to `sock`.
        @inline(__always)
        public func reaches(_ sock: PeerSocket) -> Bool {
            if case .v6 = sock.address { return reachesIPv6 }
            return true
        }

        public init(community: Community, mac: MACAddress, supernodes: [SupernodeAddress]) {
            self.community = community
            self.mac = mac
            self.supernodes = supernodes
        }
    }
}

/// Timer values of spec 5.1 plus the ones this implementation adds (spec 10.3 item 25).
public enum EdgeTimers {
    /// A known peer is used P2P while its last direct packet is younger than this (timeout/2).
    public static let p2pValidity: Int64 = 10 * Nanos.second
    /// Peer entry timeout of the reference (the 20 of `timeout/2`).
    public static let peerTimeout: Int64 = 20 * Nanos.second
    /// QUERY_PEER at most this often per MAC (strictly more than 20 s apart).
    public static let queryPeerSpacing: Int64 = 20 * Nanos.second
    /// Both peer tables are purged this often ...
    public static let purgeInterval: Int64 = 30 * Nanos.second
    /// ... of entries not seen for this long.
    public static let registrationTimeout: Int64 = 60 * Nanos.second
    /// Known peers whose last direct packet is this old get a direct REGISTER as a keep-alive
    /// probe; its REGISTER_ACK refreshes the entry, so one-way streams stay P2P (item 25).
    public static let p2pProbeAfter: Int64 = 5 * Nanos.second
    /// A probe not answered (no direct packet since) within this time ends P2P with that peer
    /// early, e.g. when it restarted on another port (a vanished peer costs 7 s, not 10).
    public static let p2pProbeTimeout: Int64 = 2 * Nanos.second
    /// Minimum gap between two probes, and between two REGISTER attempts towards one pending
    /// peer re-triggered by traffic via the supernode (item 25: pending entries are refreshed).
    public static let reRegisterSpacing: Int64 = 2 * Nanos.second
    /// Known-peer socket comparison at most once per second (spec 5.5).
    public static let sockCheckSpacing: Int64 = 1 * Nanos.second
    /// Timeout of one host-name resolution before it is requested again.
    public static let resolutionRetry: Int64 = 30 * Nanos.second
}

/// Nanosecond helpers for the engine's timers.
enum Nanos {
    static let second: Int64 = 1_000_000_000
    static func seconds(_ s: Int) -> Int64 { Int64(s) * second }
}
