import LinuxSystem
import Logging
import N2NWire

/// The n2n 2.x edge (spec 5): a control plane and one data-plane worker, driven together on one
/// thread by `start()`, `handleFrame(_:)`, `handleDatagram(_:from:)`,
/// `supernodeResolved(index:address:)`, `tick()` and `handleManagement(_:)`. This is the
/// one-worker case of the design: a threaded runtime gives each TAP queue its own
/// `EdgeDataPlane` reading the same control plane's `EdgeRoutingTable`.
public final class EdgeEngine {
    public let configuration: Configuration
    public let control: EdgeControlPlane
    public let worker: EdgeDataPlane
    public var logger: Logger {
        didSet {
            control.logger = logger
            worker.logger = logger
        }
    }
    /// Log verbosity 0 (errors) ... 4 (debug), changed by `-v` and `+verb` / `-verb`.
    public var verbosity: Int {
        didSet {
            logger.logLevel = Verbosity.logLevel(verbosity)
            control.logger.logLevel = logger.logLevel
            worker.logger.logLevel = logger.logLevel
            onVerbosityChange?(verbosity)
        }
    }
    /// Called after the management console changed the verbosity (the host's own loggers follow).
    public var onVerbosityChange: ((Int) -> Void)?

    let clock: any MonotonicClock
    let startWall: Int64

    public convenience init(
        configuration: Configuration,
        pipeline: FramePipeline,
        random: any RandomSource,
        clock: any MonotonicClock,
        datagrams: any DatagramSink,
        frames: any FrameSink,
        host: any EdgeHost,
        logger: Logger = Logger(label: "n2n.edge"),
        verbosity: Int = 2
    ) {
        precondition(pipeline.community == configuration.community, "the pipeline is for another community")
        self.init(configuration: configuration, dialect: EdgeV2Wire(pipeline: pipeline),
                  controlWire: EdgeV2ControlWire(community: configuration.community, headerEncryption: pipeline.headerCipher != nil),
                  random: random, clock: clock, datagrams: datagrams, frames: frames, host: host, logger: logger,
                  verbosity: verbosity)
    }

    /// An edge of any wire version: the worker's dialect and the control plane's wire (separate
    /// instances, as they run on their own contexts).
    public init(
        configuration: Configuration,
        dialect: any EdgeWireDialect,
        controlWire: any EdgeControlWire,
        random: any RandomSource,
        clock: any MonotonicClock,
        datagrams: any DatagramSink,
        frames: any FrameSink,
        host: any EdgeHost,
        logger: Logger = Logger(label: "n2n.edge"),
        verbosity: Int = 2
    ) {
        var logger = logger
        logger.logLevel = Verbosity.logLevel(verbosity)
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.verbosity = verbosity
        startWall = clock.wallTime.seconds
        let control = EdgeControlPlane(configuration: configuration, wire: controlWire,
                                       random: random, clock: clock, datagrams: datagrams, host: host, logger: logger)
        self.control = control
        worker = EdgeDataPlane(configuration: configuration, dialect: dialect, clock: clock, random: random,
                               datagrams: datagrams, frames: frames, control: control,
                               routing: { [unowned control] in control.routing }, logger: logger)
    }

    public var dialect: any EdgeWireDialect { worker.dialect }

    /// The TAP's IPv4 address used by the routing filters; the host updates it in DHCP mode.
    public var tapIPv4: UInt32 {
        get { worker.tapIPv4 }
        set { worker.tapIPv4 = newValue }
    }

    /// The control plane's counters and the workers', added up.
    public var statistics: EdgeStatistics {
        var total = control.statistics
        total.add(worker.statistics)
        if let more = otherWorkers { total.add(more()) }
        return total
    }

    /// The counters of workers on other threads, as they last published them.
    public var otherWorkers: (() -> EdgeStatistics)?

    public var currentSupernode: Int? { control.currentSupernode }
    public var isStarted: Bool { control.isStarted }
    var pending: [MACAddress: EdgePeer] { control.pending }
    var known: [MACAddress: EdgePeer] { control.known }
    var localHosts: EdgeLocalHosts { control.localHosts }
    var supernodes: [SupernodeSlot] { control.supernodes }

    /// Starts name resolution and the first registration round (immediately, spec 5.3).
    public func start() { control.start() }

    /// Runs every timer that is due. Call it when `nextDeadline` has passed (or any time).
    public func tick() { control.tick() }

    /// Monotonic nanoseconds of the next timer; the event loop sleeps until then at most.
    public var nextDeadline: Int64 { control.nextDeadline }

    /// One Ethernet frame read from the TAP.
    public func handleFrame(_ frame: UnsafeRawBufferPointer) { worker.handleFrame(frame) }

    /// One UDP datagram and its source. The buffer is modified in place (header decryption).
    public func handleDatagram(_ datagram: UnsafeMutableRawBufferPointer, from source: PeerSocket) {
        worker.handleDatagram(datagram, from: source)
    }

    /// The host's answer to `EdgeHost.resolveSupernode`; nil when the name did not resolve (the
    /// previous address, if any, stays in use).
    public func supernodeResolved(index: Int, address: PeerSocket?) {
        control.supernodeResolved(index: index, address: address)
    }

    /// Counts a drop the host decided on (e.g. a datagram truncated by the socket).
    public func countDrop(_ reason: DropReason) {
        worker.countDrop(reason)
    }

    /// The cookie of our REGISTERs to `mac` (tests answer with it).
    func peerCookie(_ mac: MACAddress) -> UInt32 { control.peerCookie(mac) }
}
