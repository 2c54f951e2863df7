import LinuxSystem
import Logging
import N2NWire

/// The edge's control plane (spec 5.3, 5.5, 5.7, 5.8): registration with the supernodes, the
/// pending and known peer tables, P2P establishment and every timer. It sends its own control
/// messages (with its own header cipher, so it never shares a worker's contexts) and publishes
/// an `EdgeRoutingTable` for the data-plane workers, which report back through
/// `EdgeControlChannel`. One thread drives it.
public final class EdgeControlPlane {
    public let configuration: EdgeEngine.Configuration
    public internal(set) var statistics = EdgeStatistics()
    var logger: Logger

    /// The wire version's encoding of our control messages and its stamp rules.
    let wire: any EdgeControlWire
    /// The v3 session (nil for a v2 edge): identity, supernode details, selection.
    public let v3: EdgeV3ControlWire?
    let random: any RandomSource
    let clock: any MonotonicClock
    let datagrams: any DatagramSink
    let host: any EdgeHost

    var pending: [MACAddress: EdgePeer] = [:]
    /// Hosts behind the TAP, each registered at the supernodes as if it were an edge.
    var localHosts: EdgeLocalHosts
    var known: [MACAddress: EdgePeer] = [:]
    var supernodes: [SupernodeSlot]
    /// Index of the supernode PACKETs, REGISTERs and QUERY_PEERs are relayed through.
    public internal(set) var currentSupernode: Int?

    // Registration rounds (spec 5.3).
    var cookie: UInt32 = 0
    var round = 0
    var waitingForAck = false
    var lastRound: Int64?
    var everRegistered = false
    var multicastJoined = false
    var lastDiscoveryRegister: Int64?
    var nextPurgeKnown: Int64
    var nextPurgePending: Int64
    public private(set) var isStarted = false
    /// Keys the per-peer REGISTER cookie (spec 10.2 item 15).
    let cookieKey: (UInt64, UInt64)

    /// The table the workers read, and what is owed to it: `routesChanged` for a change a
    /// worker must see at once (a peer came, went, moved, or was probed), `routesAged` when only
    /// direct-path freshness moved on (published at most once per `agedPublishSpacing`).
    public private(set) var routing = EdgeRoutingTable()
    /// Told of every new table (workers on other threads read it from an `EdgeRoutingBoard`).
    public var onPublish: ((EdgeRoutingTable) -> Void)?
    var routesChanged = true
    var routesAged = false
    var lastPublish: Int64 = .min
    static let agedPublishSpacing: Int64 = 1_000_000_000
    /// `--igmp-snooping`: the data plane's querier and membership expiry, run with our timers.
    weak var multicastTimer: (any EdgeMulticastTimer)?

    /// One control message being built.
    let controlBuffer: UnsafeMutableRawBufferPointer
    static let controlBufferSize = 512

    init(configuration: EdgeEngine.Configuration, wire: any EdgeControlWire, random: any RandomSource,
         clock: any MonotonicClock, datagrams: any DatagramSink, host: any EdgeHost, logger: Logger) {
        precondition(!configuration.supernodes.isEmpty, "an edge needs at least one supernode")
        precondition(configuration.registrationInterval >= 1, "registration interval must be >= 1 s")
        self.configuration = configuration
        self.wire = wire
        self.v3 = wire as? EdgeV3ControlWire
        self.random = random
        self.clock = clock
        self.datagrams = datagrams
        self.host = host
        self.logger = logger
        self.supernodes = configuration.supernodes.map(SupernodeSlot.init)
        v3?.supernodeInfo = Array(repeating: EdgeV3SupernodeInfo(), count: supernodes.count)
        localHosts = EdgeLocalHosts(capacity: configuration.maxLocalHosts, timeout: configuration.localHostTimeout)
        let now = clock.monotonicNanoseconds
        nextPurgeKnown = now + EdgeTimers.purgeInterval
        nextPurgePending = now + EdgeTimers.purgeInterval
        var key: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &key) { random.fill($0) }
        cookieKey = key
        controlBuffer = .allocate(byteCount: Self.controlBufferSize, alignment: 16)
        pending.reserveCapacity(64)
        known.reserveCapacity(64)
        let supernodeStamp = EdgeReplayWindow.initialStamp(now: EdgeReplayWindow.stamp(clock.wallTime))
        for i in supernodes.indices { supernodes[i].stamp = ReplayGuard(start: supernodeStamp) }
        updateCurrentSupernode()
        publishRoutes(now: now)
    }

    deinit { controlBuffer.deallocate() }

    /// Starts name resolution and the first registration round (immediately, spec 5.3).
    func start() {
        guard !isStarted else { return }
        isStarted = true
        let now = clock.monotonicNanoseconds
        requestResolutions(now: now)
        runRegistrationRound(now: now)
        publishIfNeeded(now: now)
        multicastTimer?.multicastTick(now: now)   // starts the querier
    }

    /// Runs every timer that is due.
    func tick() {
        guard isStarted else { return }
        let now = clock.monotonicNanoseconds
        if now >= registrationDeadline { runRegistrationRound(now: now) }
        var purged = 0
        if now >= nextPurgeKnown {
            purged += purge(&known, now: now)
            nextPurgeKnown = now + EdgeTimers.purgeInterval
        }
        if now >= nextPurgePending {
            purged += purge(&pending, now: now)
            nextPurgePending = now + EdgeTimers.purgeInterval
        }
        if let due = localHosts.nextExpiry, now >= due { expireLocalHosts(now: now) }
        if purged > 0 {
            routesChanged = true
            logger.info("\(purged) peers purged; now pending \(pending.count), known \(known.count)")
        }
        publishIfNeeded(now: now)
        if let timer = multicastTimer, let due = timer.multicastDeadline, now >= due { timer.multicastTick(now: now) }
    }

    /// Monotonic nanoseconds of the next timer, including a publication the workers are owed.
    var nextDeadline: Int64 {
        var deadline = min(registrationDeadline, nextPurgeKnown, nextPurgePending)
        if routesAged { deadline = min(deadline, lastPublish &+ Self.agedPublishSpacing) }
        if let due = localHosts.nextExpiry { deadline = min(deadline, due) }
        if let due = multicastTimer?.multicastDeadline { deadline = min(deadline, due) }
        return deadline
    }

    // MARK: - The routing table

    /// Publishes a new table when the workers need one.
    func publishIfNeeded(now: Int64) {
        if routesChanged || (routesAged && now - lastPublish >= Self.agedPublishSpacing) {
            publishRoutes(now: now)
        }
    }

    func publishRoutes(now: Int64) {
        var peers: [MACAddress: EdgeRoutingTable.Route] = [:]
        peers.reserveCapacity(known.count)
        for (mac, peer) in known {
            var until = peer.lastP2P &+ EdgeTimers.p2pValidity
            // A keep-alive unanswered for its timeout ends the direct path at once.
            if let probe = peer.lastProbe, probe > peer.lastP2P { until = min(until, probe &+ EdgeTimers.p2pProbeTimeout) }
            peers[mac] = EdgeRoutingTable.Route(sock: peer.sock, directUntil: until,
                                                probeFrom: peer.lastP2P &+ EdgeTimers.p2pProbeAfter)
        }
        routing = EdgeRoutingTable(peers: peers, relay: currentSupernodeAddress, supernodes: supernodes.map(\.address),
                                   generation: routing.generation &+ 1, localHosts: localHostSet)
        routesChanged = false
        routesAged = false
        lastPublish = now
        onPublish?(routing)
    }

    // MARK: - Sending

    var nowStamp: UInt64 { EdgeReplayWindow.stamp(clock.wallTime) }

    /// A fresh stamp for header encryption (spec 4.3), with 12 random bits.
    func makeStamp() -> UInt64 { wire.makeStamp(clock.wallTime, random: random) }

    /// Encodes a control message (TTL 2, flags 0, our community), header-encrypts it with -H
    /// (H = whole packet) and queues it.
    func sendControl(_ message: Message, to destination: PeerSocket, ipTTL: Int? = nil) {
        let length: Int
        do {
            length = try wire.encodeControl(message, into: controlBuffer, stamp: wire.encryptsHeaders ? makeStamp() : 0, random: random)
        } catch {
            logger.error("cannot encode \(message.code): \(error)")
            return
        }
        let packet = UnsafeMutableRawBufferPointer(rebasing: controlBuffer[0..<length])
        if let ipTTL {
            datagrams.enqueue(UnsafeRawBufferPointer(packet), to: destination, ipTTL: ipTTL)
        } else {
            datagrams.enqueue(UnsafeRawBufferPointer(packet), to: destination)
        }
    }

    /// The supernode relayed traffic goes through right now.
    var currentSupernodeAddress: PeerSocket? {
        guard let i = currentSupernode else { return nil }
        return supernodes[i].address
    }

    /// The configured supernode a datagram came from, by its UDP source.
    @inline(__always)
    func supernodeIndex(of source: PeerSocket) -> Int? {
        for i in supernodes.indices where supernodes[i].address == source { return i }
        return nil
    }
}

extension EdgeControlPlane: EdgeControlChannel {
    public func peerSeen(_ mac: MACAddress, sock: PeerSocket, viaSupernode: Bool, now: Int64) {
        if !viaSupernode { pending.removeValue(forKey: mac) }
        handlePeerSeen(mac, sock: sock, viaSupernode: viaSupernode, now: now)
        publishIfNeeded(now: now)
    }

    public func peerWanted(_ mac: MACAddress, now: Int64) {
        if let index = known.index(forKey: mac), !isDirectPathFresh(known.values[index], now: now) {
            logger.debug("P2P with \(mac) idle, back to the supernode")
            known.remove(at: index)
            routesChanged = true
        }
        if !mac.isGroup && !known.keys.contains(mac) { queryPeer(mac, now: now) }
        publishIfNeeded(now: now)
    }

    public func probeDue(_ mac: MACAddress, now: Int64) {
        guard let index = known.index(forKey: mac), now - known.values[index].lastP2P >= EdgeTimers.p2pProbeAfter else { return }
        probe(index, mac: mac, now: now)
        publishIfNeeded(now: now)
    }

    public func localHostSeen(_ mac: MACAddress, now: Int64) {
        noteLocalHost(mac, now: now)
        publishIfNeeded(now: now)
    }

    public func controlMessage(_ message: Message, viaSupernode: Bool, source: PeerSocket, stamp: HeaderSeal?, now: Int64) {
        handleControlMessage(message, viaSupernode: viaSupernode, source: source, stamp: stamp, now: now)
        publishIfNeeded(now: now)
    }

    /// Today's rule for a known peer's direct path: its last direct packet is fresh and no
    /// keep-alive has gone unanswered for its timeout.
    func isDirectPathFresh(_ peer: EdgePeer, now: Int64) -> Bool {
        guard now - peer.lastP2P < EdgeTimers.p2pValidity else { return false }
        if let probe = peer.lastProbe, probe > peer.lastP2P, now - probe >= EdgeTimers.p2pProbeTimeout { return false }
        return true
    }

    func probe(_ index: Dictionary<MACAddress, EdgePeer>.Index, mac: MACAddress, now: Int64) {
        guard configuration.allowP2P else { return }
        if let last = known.values[index].lastProbe, now - last < EdgeTimers.reRegisterSpacing { return }
        known.values[index].lastProbe = now
        routesChanged = true
        sendRegister(to: known.values[index].sock, peer: mac)
    }
}
