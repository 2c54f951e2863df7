import LinuxSystem
import Logging
import N2NWire

/// The n2n 2.x edge state machine (spec 5): registration with the supernodes, the peer tables,
/// P2P establishment, the TX and RX paths and the management console. Pure logic: it is driven by
/// `start()`, `handleFrame(_:)`, `handleDatagram(_:from:)`, `supernodeResolved(index:address:)`,
/// `tick()` and `handleManagement(_:)`, all on one thread, and speaks only through its sinks.
public final class EdgeEngine {
    public let configuration: Configuration
    /// The TAP's IPv4 address used by the routing filters; the host updates it in DHCP mode.
    public var tapIPv4: UInt32
    public internal(set) var statistics = EdgeStatistics()
    public var logger: Logger
    /// Log verbosity 0 (errors) ... 4 (debug), changed by `-v` and `+verb` / `-verb`.
    public var verbosity: Int {
        didSet {
            logger.logLevel = Verbosity.logLevel(verbosity)
            onVerbosityChange?(verbosity)
        }
    }
    /// Called after the management console changed the verbosity (the host's own loggers follow).
    public var onVerbosityChange: ((Int) -> Void)?

    /// Compression, transform, PACKET header and header encryption (spec 3.2, 4).
    public let pipeline: FramePipeline
    /// Header encryption with the community key (-H), shared with the pipeline.
    var headerCipher: HeaderCipher? { pipeline.headerCipher }
    let random: RandomSource
    let clock: any MonotonicClock
    let datagrams: EdgeDatagramSink
    let frames: EdgeFrameSink
    let host: EdgeHost

    var pending: [MACAddress: EdgePeer] = [:]
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
    let startWall: Int64
    public private(set) var isStarted = false
    /// Keys the per-peer REGISTER cookie (spec 10.2 item 15).
    let cookieKey: (UInt64, UInt64)

    // Preallocated buffers: one datagram being built, one control message, one decoded frame.
    let txBuffer: UnsafeMutableRawBufferPointer
    let controlBuffer: UnsafeMutableRawBufferPointer
    let frameBuffer: UnsafeMutableRawBufferPointer

    static let txBufferSize = 4096
    static let controlBufferSize = 512

    public init(
        configuration: Configuration,
        pipeline: FramePipeline,
        random: RandomSource,
        clock: any MonotonicClock,
        datagrams: EdgeDatagramSink,
        frames: EdgeFrameSink,
        host: EdgeHost,
        logger: Logger = Logger(label: "n2n.edge"),
        verbosity: Int = 2
    ) {
        precondition(!configuration.supernodes.isEmpty, "an edge needs at least one supernode")
        precondition(configuration.registrationInterval >= 1, "registration interval must be >= 1 s")
        self.configuration = configuration
        self.tapIPv4 = configuration.tapIPv4
        precondition(pipeline.community == configuration.community, "the pipeline is for another community")
        self.pipeline = pipeline
        self.random = random
        self.clock = clock
        self.datagrams = datagrams
        self.frames = frames
        self.host = host
        self.logger = logger
        self.verbosity = verbosity
        self.logger.logLevel = Verbosity.logLevel(verbosity)
        self.supernodes = configuration.supernodes.map(SupernodeSlot.init)
        let now = clock.monotonicNanoseconds
        nextPurgeKnown = now + EdgeTimers.purgeInterval
        nextPurgePending = now + EdgeTimers.purgeInterval
        startWall = clock.wallTime.seconds
        var key: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &key) { random.fill($0) }
        cookieKey = key
        txBuffer = .allocate(byteCount: EdgeEngine.txBufferSize, alignment: 16)
        controlBuffer = .allocate(byteCount: EdgeEngine.controlBufferSize, alignment: 16)
        frameBuffer = .allocate(byteCount: maxFrameLength, alignment: 16)
        pending.reserveCapacity(64)
        known.reserveCapacity(64)
        let supernodeStamp = EdgeReplayWindow.initialStamp(now: EdgeReplayWindow.stamp(clock.wallTime))
        for i in supernodes.indices { supernodes[i].stamp = ReplayGuard(start: supernodeStamp) }
        updateCurrentSupernode()
    }

    deinit {
        txBuffer.deallocate()
        controlBuffer.deallocate()
        frameBuffer.deallocate()
    }

    /// Starts name resolution and the first registration round (immediately, spec 5.3).
    public func start() {
        guard !isStarted else { return }
        isStarted = true
        let now = clock.monotonicNanoseconds
        requestResolutions(now: now)
        runRegistrationRound(now: now)
    }

    /// Runs every timer that is due. Call it when `nextDeadline` has passed (or any time).
    public func tick() {
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
        if purged > 0 {
            logger.info("\(purged) peers purged; now pending \(pending.count), known \(known.count)")
        }
    }

    /// Counts a drop the host decided on (e.g. a datagram truncated by the socket).
    public func countDrop(_ reason: EdgeDropReason) {
        statistics.countDrop(reason)
    }

    /// Monotonic nanoseconds of the next timer; the event loop sleeps until then at most.
    public var nextDeadline: Int64 {
        min(registrationDeadline, nextPurgeKnown, nextPurgePending)
    }

    // MARK: - Sending helpers

    /// A fresh stamp for header encryption (spec 4.3), with 12 random bits.
    func makeStamp() -> UInt64 {
        var r: UInt16 = 0
        withUnsafeMutableBytes(of: &r) { random.fill($0) }
        return EdgeReplayWindow.stamp(clock.wallTime, random12: r)
    }

    var nowStamp: UInt64 { EdgeReplayWindow.stamp(clock.wallTime) }

    /// Encodes a control message (TTL 2, flags 0, our community), header-encrypts it with -H
    /// (H = whole packet) and queues it.
    func sendControl(_ message: Message, to destination: PeerSocket, ipTTL: Int? = nil) {
        let header = CommonHeader(code: message.code, community: configuration.community)
        let length: Int
        do {
            length = try WireCodec.encode(header, message, into: controlBuffer)
        } catch {
            logger.error("cannot encode \(message.code): \(error)")
            return
        }
        let packet = UnsafeMutableRawBufferPointer(rebasing: controlBuffer[0..<length])
        if let headerCipher {
            do {
                try headerCipher.encrypt(packet, headerLength: length, stamp: makeStamp(), random: random)
            } catch {
                logger.error("cannot encrypt the header of \(message.code): \(error)")
                return
            }
        }
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
