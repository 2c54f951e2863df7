import LinuxSystem
import Logging
import N2NWire

/// One data-plane worker of the edge: frames from its TAP queue out to peers, PACKETs from its
/// socket in to the TAP (spec 5.6, 5.7). It owns its pipeline (cipher and compression
/// contexts), its counters and its replay slots, reads the control plane's published
/// `EdgeRoutingTable`, and reports what the control plane needs through `EdgeControlChannel`.
/// Every other message it receives is handed to the control plane after header decryption.
/// One thread drives one worker; nothing here is shared.
public final class EdgeDataPlane {
    public let configuration: EdgeEngine.Configuration
    /// The wire version's codec (chosen once at start-up): PACKETs are sealed and opened through it.
    public let dialect: any EdgeWireDialect
    let frameDialect: any FrameDialect
    /// The TAP's IPv4 address for the routing filters (DHCP mode updates it).
    public var tapIPv4: UInt32
    public internal(set) var statistics = EdgeStatistics()
    var logger: Logger

    let clock: any MonotonicClock
    let random: any RandomSource
    let datagrams: any DatagramSink
    let frames: any FrameSink
    unowned let control: any EdgeControlChannel
    let readRouting: () -> EdgeRoutingTable
    var routing: EdgeRoutingTable
    /// `--igmp-snooping`: the membership table and querier (nil: every multicast frame floods).
    public let snooping: EdgeSnooping?

    /// -H: newest valid stamp per peer MAC and per supernode, for PACKETs (spec 4.6). The control
    /// plane keeps its own for the messages it handles; each sees a monotonic subsequence.
    var peerStamps: [MACAddress: ReplayGuard] = [:]
    var supernodeStamps: [ReplayGuard]
    /// When each kind of report about a peer last went to the control plane.
    var reported: [MACAddress: Reports] = [:]

    struct Reports {
        static let never = Int64.min / 2
        var seen = never
        var seenSock = PeerSocket.unspecified
        var seenViaSupernode = false
        var wanted = never
        var probe = never
        var localHost = never

        subscript(_ kind: Kind) -> Int64 {
            get {
                switch kind {
                case .wanted: wanted
                case .probe: probe
                case .localHost: localHost
                }
            }
            set {
                switch kind {
                case .wanted: wanted = newValue
                case .probe: probe = newValue
                case .localHost: localHost = newValue
                }
            }
        }
    }

    enum Kind { case wanted, probe, localHost }

    /// A SYN from the TAP is clamped in a copy here (the TAP's buffer is read-only to us).
    let scratch: UnsafeMutableRawBufferPointer
    /// ICMP answers into the TAP: at most `icmpPerSecond` per worker (RFC 1812 4.3.2.8 asks for a
    /// limit; the frames are dropped and counted either way).
    var icmpWindowStart = Reports.never
    var icmpInWindow = 0
    static let icmpPerSecond = 100

    /// The same fact about a peer is reported at most this often.
    public static let reportSpacing: Int64 = 250_000_000
    /// Replay slots kept before the table is cleared (only -H senders with the key get one).
    static let maxPeerStamps = 4096

    public convenience init(configuration: EdgeEngine.Configuration, pipeline: FramePipeline, clock: any MonotonicClock,
                            random: any RandomSource, datagrams: any DatagramSink, frames: any FrameSink,
                            control: any EdgeControlChannel, routing: @escaping () -> EdgeRoutingTable, logger: Logger) {
        self.init(configuration: configuration, dialect: EdgeV2Wire(pipeline: pipeline), clock: clock, random: random,
                  datagrams: datagrams, frames: frames, control: control, routing: routing, logger: logger)
    }

    public init(configuration: EdgeEngine.Configuration, dialect: any EdgeWireDialect, clock: any MonotonicClock,
                random: any RandomSource, datagrams: any DatagramSink, frames: any FrameSink,
                control: any EdgeControlChannel, routing: @escaping () -> EdgeRoutingTable, logger: Logger) {
        self.configuration = configuration
        self.dialect = dialect
        self.frameDialect = dialect.frames
        self.tapIPv4 = configuration.tapIPv4
        self.clock = clock
        self.random = random
        self.datagrams = datagrams
        self.frames = frames
        self.control = control
        self.readRouting = routing
        self.routing = routing()
        self.logger = logger
        snooping = configuration.multicastSnooping.map {
            EdgeSnooping(shared: configuration.sharedSnooper
                            ?? SharedMulticastSnooper(settings: $0, mac: configuration.mac, ipv4: configuration.tapIPv4),
                         settings: $0)
        }
        let initial = HeaderStamp.initialPrevious(now: EdgeReplayWindow.stamp(clock.wallTime))
        supernodeStamps = Array(repeating: ReplayGuard(start: initial), count: configuration.supernodes.count)
        scratch = .allocate(byteCount: max(frameDialect.frameCapacity, 2048), alignment: 16)
        peerStamps.reserveCapacity(64)
        reported.reserveCapacity(64)
        // The querier's timer runs with the control plane's (one worker owns the table).
        if snooping != nil, let plane = control as? EdgeControlPlane, plane.multicastTimer == nil {
            plane.multicastTimer = self
        }
    }

    deinit { scratch.deallocate() }

    /// Counts a drop the host decided on (e.g. a datagram truncated by the socket).
    public func countDrop(_ reason: DropReason) {
        statistics.countDrop(reason)
    }

    @inline(__always)
    func refreshRouting() {
        let current = readRouting()
        if current !== routing { routing = current }
    }

    // MARK: - TAP -> network

    /// One Ethernet frame read from the TAP: filtered, sealed straight into the outgoing slot of
    /// its destination (the peer when a direct path is fresh, else the supernode).
    public func handleFrame(_ frame: UnsafeRawBufferPointer) {
        guard frame.count >= EdgeFrameFilters.ethernetHeaderLength, frame.count <= frameDialect.frameCapacity else {
            statistics.countDrop(.txBadLength)
            return
        }
        if EdgeFrameFilters.isFilteredMulticast(frame) {
            if configuration.dropMulticast {
                statistics.countDrop(.txMulticast)
                return
            }
            if EdgeFrameFilters.isLocalDiscovery(frame) {
                statistics.countDrop(.txLocalDiscovery)
                return
            }
        }
        if !configuration.allowRouting && EdgeFrameFilters.txIsRouted(frame, ownIPv4: tapIPv4) {
            statistics.countDrop(.txRouted)
            logger.trace("discarding routed frame")
            return
        }
        refreshRouting()
        let dstMac = EdgeFrameFilters.destination(frame)
        let now = clock.monotonicNanoseconds
        guard let frame = prepareForOverlay(frame, destination: dstMac, now: now) else { return }
        if let snooping, dstMac.isGroup, snoopAndReplicate(frame, snooping: snooping, now: now) { return }
        let target: PeerSocket
        let direct: Bool
        if let route = directRoute(dstMac, now: now) {
            target = route
            direct = true
        } else if let relay = routing.relay {
            target = relay
            direct = false
        } else {
            statistics.countDrop(.noSupernode)
            return
        }
        guard seal(frame, to: target, headerDstMac: nil) else { return }
        if direct {
            statistics.txP2P &+= 1
        } else {
            statistics.txSupernode &+= 1
            if dstMac.isBroadcast { statistics.txSupernodeBroadcast &+= 1 }
        }
    }

    /// Seals `frame` into the next outgoing slot for `target`; false (counted) when it failed.
    func seal(_ frame: UnsafeRawBufferPointer, to target: PeerSocket, headerDstMac: MACAddress?) -> Bool {
        let stamp = frameDialect.sealsEncryptedHeaders ? dialect.makeStamp(clock.wallTime, random: random) : 0
        var failure: PipelineError?
        let pipeline = frameDialect
        let srcMac = configuration.mac
        datagrams.enqueue(to: target) { slot in
            do throws(PipelineError) {
                return try pipeline.seal(frame: frame, srcMac: srcMac, into: slot, stamp: stamp, headerDstMac: headerDstMac)
            } catch {
                failure = error
                return 0
            }
        }
        if let failure {
            statistics.countDrop(.txEncodeFailed)
            logger.warning("cannot encode frame: \(failure)")
            return false
        }
        statistics.transformTx &+= 1
        return true
    }

    /// `find_peer_destination` on the published table: the peer's socket while its direct path
    /// is fresh; otherwise nil, and the control plane hears that the peer is wanted (group MACs
    /// never get a query, spec 10.4 item 33, unless a stale entry needs retiring).
    @inline(__always)
    func directRoute(_ mac: MACAddress, now: Int64) -> PeerSocket? {
        if mac.isBroadcast { return nil }
        if let route = routing.peers[mac] {
            if now < route.directUntil {
                if now >= route.probeFrom { report(mac, now: now, .probe) { $0.probeDue(mac, now: now) } }
                return route.sock
            }
        } else if mac.isGroup {
            return nil
        }
        report(mac, now: now, .wanted) { $0.peerWanted(mac, now: now) }
        return nil
    }

    @inline(__always)
    func report(_ mac: MACAddress, now: Int64, _ kind: Kind,
                _ send: (any EdgeControlChannel) -> Void) {
        if let i = reported.index(forKey: mac) {
            if now - reported.values[i][kind] < Self.reportSpacing { return }
            reported.values[i][kind] = now
        } else {
            trimReports()
            var entry = Reports()
            entry[kind] = now
            reported[mac] = entry
        }
        send(control)
    }

    func trimReports() {
        if reported.count >= Self.maxPeerStamps { reported.removeAll(keepingCapacity: true) }
    }

    // MARK: - network -> TAP

    /// One UDP datagram and its source. The buffer is modified in place (header decryption).
    public func handleDatagram(_ datagram: UnsafeMutableRawBufferPointer, from source: PeerSocket) {
        let now = clock.monotonicNanoseconds
        switch dialect.receive(datagram, from: source, now: now, control: control) {
        case .packet(let packet):
            refreshRouting()
            handlePacket(packet, datagram: UnsafeRawBufferPointer(datagram), source: source, now: now)
        case .control:
            break
        case .dropped(let reason):
            statistics.countDrop(reason)
            logger.debug("dropping datagram from \(source): \(reason)")
        }
    }

    func handlePacket(_ header: EdgeInboundPacket, datagram: UnsafeRawBufferPointer, source: PeerSocket, now: Int64) {
        let srcMac = header.srcMac
        let viaSupernode = header.fromSupernode
        let stamp = header.stamp
        guard srcMac != configuration.mac, !srcMac.isGroup, !srcMac.isZero else {
            statistics.countDrop(.badSourceMAC)
            return
        }
        guard admit(viaSupernode: viaSupernode, srcMac: srcMac, source: source, stamp: stamp) else { return }

        var failure: PipelineError?
        var dropped: DropReason?
        let dialect = self.dialect
        let filterMulticast = configuration.dropMulticast
        let filterRouted = !configuration.allowRouting
        let ownIPv4 = tapIPv4
        let snooping = self.snooping
        let clampMTU = configuration.clampMSS ? configuration.overlayMTU : 0
        var clamped = false
        frames.writeFrame { slot in
            let length: Int
            do throws(PipelineError) {
                length = try dialect.open(header, datagram: datagram, into: slot)
            } catch {
                failure = error
                return 0
            }
            let frame = UnsafeRawBufferPointer(rebasing: slot[0..<length])
            if filterMulticast && EdgeFrameFilters.isFilteredMulticast(frame) {
                dropped = .rxMulticast
                return 0
            }
            if filterRouted && EdgeFrameFilters.rxIsRouted(frame, ownIPv4: ownIPv4) {
                dropped = .rxRouted
                return 0
            }
            if clampMTU > 0, let field = OverlayMTU.mssField(frame, mtu: clampMTU) {
                OverlayMTU.clamp(slot, field)
                clamped = true
            }
            // Every multicast frame is delivered (a stock sender floods); only learning is added.
            if let snooping, frame.count >= EdgeFrameFilters.ethernetHeaderLength, frame[0] & 1 != 0 {
                let delivers = snooping.shared.withLock {
                    $0.observe(frame: frame, from: .peer(srcMac), now: now)
                    return $0.deliversToHost(frame: frame, now: now)
                }
                if !delivers { return 0 }
            }
            return length
        }
        if let failure {
            switch failure {
            case .transform(.wrongTransform): statistics.countDrop(.wrongTransform)
            case .transform(.decompressionFailed), .transform(.unsupportedCompression): statistics.countDrop(.decompressFailed)
            case .badFrameLength: statistics.countDrop(.shortFrame)
            default: statistics.countDrop(.transformFailed)
            }
            logger.debug("dropping PACKET from \(srcMac): \(failure)")
            return
        }
        // Only a PACKET that opened counts as the peer being seen (no table entry, and no
        // REGISTER towards whatever its sock field names, for a sender without the key).
        statistics.transformRx &+= 1
        if clamped { statistics.mssClampedRx &+= 1 }
        if viaSupernode {
            statistics.rxSupernode &+= 1
            if header.dstMac.isBroadcast { statistics.rxSupernodeBroadcast &+= 1 }
            statistics.lastSupernode = clock.wallTime.seconds
        } else {
            statistics.rxP2P &+= 1
            statistics.lastP2P = clock.wallTime.seconds
        }
        let sock = configuration.peerSocket(named: header.sock, source: source, viaSupernode: viaSupernode)
        reportSeen(srcMac, sock: sock, viaSupernode: viaSupernode, now: now)
        if !viaSupernode, let stamp { recordPeerStamp(stamp, mac: srcMac) }
        if let dropped { statistics.countDrop(dropped) }
    }

    @inline(__always)
    func reportSeen(_ mac: MACAddress, sock: PeerSocket, viaSupernode: Bool, now: Int64) {
        if let i = reported.index(forKey: mac) {
            let last = reported.values[i]
            if last.seenSock == sock && last.seenViaSupernode == viaSupernode && now - last.seen < Self.reportSpacing { return }
            reported.values[i].seen = now
            reported.values[i].seenSock = sock
            reported.values[i].seenViaSupernode = viaSupernode
        } else {
            trimReports()
            reported[mac] = Reports(seen: now, seenSock: sock, seenViaSupernode: viaSupernode)
        }
        control.peerSeen(mac, sock: sock, viaSupernode: viaSupernode, now: now)
    }

    /// FROM_SUPERNODE must come from a supernode (spec 10.2 item 13: the flag alone proves
    /// nothing); then the -H stamp and exact-replay check with the matching guard (spec 4.6).
    func admit(viaSupernode: Bool, srcMac: MACAddress, source: PeerSocket, stamp: HeaderSeal?) -> Bool {
        if viaSupernode {
            guard let index = routing.supernodeIndex(of: source) else {
                statistics.countDrop(.spoofedSupernode)
                return false
            }
            // A supernode learned at run time (v3 supernode list) gets its slot when first heard.
            while index >= supernodeStamps.count {
                supernodeStamps.append(ReplayGuard(start: HeaderStamp.initialPrevious(now: EdgeReplayWindow.stamp(clock.wallTime))))
            }
            guard let stamp else { return true }
            guard let failure = dialect.verify(stamp, now: EdgeReplayWindow.stamp(clock.wallTime),
                                               guard: &supernodeStamps[index]) else { return true }
            statistics.countDrop(failure)
            return false
        }
        guard let stamp else { return true }
        let now = EdgeReplayWindow.stamp(clock.wallTime)
        let failure: DropReason?
        if let i = peerStamps.index(forKey: srcMac) {
            failure = dialect.verify(stamp, now: now, guard: &peerStamps.values[i])
        } else {
            failure = EdgeReplayWindow.isWithinFrame(stamp.stamp, now: now) ? nil : .headerStampWindow
        }
        if let failure { statistics.countDrop(failure) }
        return failure == nil
    }

    /// After a PACKET opened: the sender's guard (new or refreshed) remembers it, so an exact
    /// replay is refused from any socket.
    func recordPeerStamp(_ stamp: HeaderSeal, mac: MACAddress) {
        if let i = peerStamps.index(forKey: mac) {
            peerStamps.values[i].record(stamp)
            return
        }
        if peerStamps.count >= Self.maxPeerStamps { peerStamps.removeAll(keepingCapacity: true) }
        var fresh = ReplayGuard(start: EdgeReplayWindow.initialStamp(now: EdgeReplayWindow.stamp(clock.wallTime)))
        fresh.record(stamp)
        peerStamps[mac] = fresh
    }
}
