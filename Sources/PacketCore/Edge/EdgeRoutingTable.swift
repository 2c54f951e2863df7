import N2NWire

/// What the data plane needs to know to send a frame, published by the control plane as one
/// immutable value: which peers are reachable directly and until when, and which supernodes
/// exist (to relay through, and to tell relayed datagrams from forged ones). Workers read it
/// without locks; the control plane replaces it whenever its tables change.
public final class EdgeRoutingTable: Sendable {
    /// A known peer's direct path (spec 5.5: P2P while its last direct packet is fresh).
    public struct Route: Sendable, Equatable {
        public var sock: PeerSocket
        /// Monotonic nanoseconds until which frames go to `sock` directly; after it, via the
        /// supernode (and the control plane is told, so it can retire or re-establish the peer).
        public var directUntil: Int64
        /// From this time on a frame to the peer also asks the control plane for a keep-alive
        /// probe, so a one-way stream stays P2P.
        public var probeFrom: Int64
    }

    public let peers: [MACAddress: Route]
    /// The supernode relayed traffic goes through now.
    public let relay: PeerSocket?
    /// Every configured supernode's current address, in `-l` order (nil: not resolved yet).
    public let supernodes: [PeerSocket?]
    /// Counts publications, so a worker can tell a new table from the one it holds.
    public let generation: UInt64
    /// The hosts learned behind the TAP (`EdgeLocalHosts`): frames to them stay off the overlay.
    public let localHosts: Set<MACAddress>

    public init(peers: [MACAddress: Route] = [:], relay: PeerSocket? = nil, supernodes: [PeerSocket?] = [],
                generation: UInt64 = 0, localHosts: Set<MACAddress> = []) {
        self.peers = peers
        self.relay = relay
        self.supernodes = supernodes
        self.generation = generation
        self.localHosts = localHosts
    }

    /// The index of the configured supernode at `source`, if it is one.
    @inline(__always)
    public func supernodeIndex(of source: PeerSocket) -> Int? {
        for i in supernodes.indices where supernodes[i] == source { return i }
        return nil
    }
}

/// What a data-plane worker tells the control plane. In the one-worker runtime this is the
/// control plane itself, called directly; a threaded runtime puts a queue behind it. Workers
/// report each fact at most every `EdgeDataPlane.reportSpacing` per peer, so the channel carries
/// a trickle, not one call per packet.
public protocol EdgeControlChannel: AnyObject {
    /// A PACKET from `mac` authenticated (spec 5.5 "peer seen"): directly from `sock`, or
    /// relayed by a supernode, which names the peer's public `sock`.
    func peerSeen(_ mac: MACAddress, sock: PeerSocket, viaSupernode: Bool, now: Int64)
    /// A frame for `mac` found no usable direct path and went via the supernode.
    func peerWanted(_ mac: MACAddress, now: Int64)
    /// A frame for `mac` went directly, but the peer has been quiet long enough to probe.
    func probeDue(_ mac: MACAddress, now: Int64)
    /// A frame from the TAP had source `mac`, a host behind the edge (a bridge port's).
    func localHostSeen(_ mac: MACAddress, now: Int64)
    /// Any other message (registration, P2P handshake, PEER_INFO...), header already decrypted
    /// (`stamp` is its -H time stamp).
    func controlMessage(_ message: Message, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64)
    /// The same for a v3 message (v3 spec 8.7).
    func controlMessageV3(_ message: V3Message, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64)
}

extension EdgeControlChannel {
    /// A v3 control message (v3 spec 8.7), header already decrypted; only a v3 control plane
    /// takes them (a v2 edge's dialect never decodes one).
    public func controlMessageV3(_ message: V3Message, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64) {}
}
