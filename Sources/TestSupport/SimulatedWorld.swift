import LinuxSystem
import Logging
import N2NWire
import PacketCore

/// Real `EdgeEngine`s and a real `SupernodeEngine` on one `InMemoryNetwork` and one manual clock.
public final class SimulatedWorld {
    public let clock: ManualClock
    public let network = InMemoryNetwork()
    public private(set) var edges: [SimulatedEdge] = []
    public private(set) var supernodes: [SimulatedSupernode] = []

    public init(clock: ManualClock = ManualClock()) { self.clock = clock }

    @discardableResult
    public func addSupernode(at socket: PeerSocket, alsoAt more: [PeerSocket] = [],
                             options: SupernodeEngineOptions = SupernodeEngineOptions(),
                             headerEncryption: Bool = false) -> SimulatedSupernode {
        let sn = SimulatedSupernode(world: self, sockets: [socket] + more, options: options, headerEncryption: headerEncryption)
        supernodes.append(sn)
        return sn
    }

    /// An edge at `local` (a private socket when `nat` is given) registering with `supernodes`.
    @discardableResult
    public func addEdge(mac: MACAddress, local: PeerSocket, behind nat: InMemoryNetwork.NAT? = nil,
                        supernodes: [PeerSocket], community: Community = Community("mynet"),
                        headerEncryption: Bool = false,
                        configure: (inout EdgeEngine.Configuration) -> Void = { _ in }) -> SimulatedEdge {
        let edge = SimulatedEdge(world: self, mac: mac, local: local, nat: nat, supernodes: supernodes,
                                 community: community, headerEncryption: headerEncryption,
                                 seed: UInt64(edges.count + 1), configure: configure)
        edges.append(edge)
        return edge
    }

    /// Starts every edge and delivers what they send.
    public func start() {
        for edge in edges { edge.engine.start() }
        network.deliver()
    }

    /// Advances the clock in steps, running every engine's timers and the network after each.
    public func advance(seconds: Double, step: Double = 0.5) {
        var left = seconds
        while left > 1e-9 {
            let s = min(step, left)
            left -= s
            clock.advance(seconds: s)
            for sn in supernodes where clock.monotonicNanoseconds >= sn.engine.nextDeadline { sn.engine.tick() }
            for edge in edges where clock.monotonicNanoseconds >= edge.engine.nextDeadline { edge.engine.tick() }
            network.deliver()
        }
    }
}

/// One edge engine attached to the network with recording sinks.
public final class SimulatedEdge {
    public let engine: EdgeEngine
    public let sink = RecordingEdgeSink()
    public let host = RecordingEdgeHost()
    public let local: PeerSocket
    public let nat: InMemoryNetwork.NAT?
    public var mac: MACAddress { engine.configuration.mac }

    init(world: SimulatedWorld, mac: MACAddress, local: PeerSocket, nat: InMemoryNetwork.NAT?, supernodes: [PeerSocket],
         community: Community, headerEncryption: Bool, seed: UInt64,
         configure: (inout EdgeEngine.Configuration) -> Void) {
        self.local = local
        self.nat = nat
        var config = EdgeEngine.Configuration(community: community, mac: mac, supernodes: supernodes.map {
            SupernodeAddress(host: "\($0.address)", port: $0.port)
        })
        configure(&config)
        let random = DeterministicRandom(seed: seed &* 0x2545_F491_4F6C_DD1D)
        let pipeline = FramePipeline(community: community, transform: NullTransform(),
                                     headerEncryption: headerEncryption, random: random)
        var logger = Logger(label: "sim.edge")
        logger.logLevel = .critical
        engine = EdgeEngine(configuration: config, pipeline: pipeline, random: random, clock: world.clock,
                            datagrams: sink, frames: sink, host: host, logger: logger, verbosity: 0)
        let network = world.network
        sink.onDatagram = { [local] d in network.send(d.bytes, from: local, to: d.destination, ipTTL: d.ipTTL) }
        network.attach(local, behind: nat) { [unowned engine] bytes, source in engine.handleDatagram(bytes, from: source) }
    }

    /// A frame read from this edge's TAP.
    public func send(frame: [UInt8]) {
        frame.withUnsafeBytes { engine.handleFrame($0) }
    }

    /// Frames written to this edge's TAP so far.
    public var frames: [[UInt8]] { sink.frames }
}

/// One supernode engine at a public address (or one of each IP family, as a dual-stack socket
/// has: replies leave from the address of the destination's family); `restart()` replaces it
/// with a fresh one (no state).
public final class SimulatedSupernode {
    public let socket: PeerSocket
    public let sockets: [PeerSocket]
    public private(set) var engine: SupernodeEngine
    public let sink = RecordingSupernodeSink()
    private let make: () -> SupernodeEngine

    init(world: SimulatedWorld, sockets: [PeerSocket], options: SupernodeEngineOptions, headerEncryption: Bool) {
        let socket = sockets[0]
        self.socket = socket
        self.sockets = sockets
        let network = world.network
        let clock = world.clock
        let sink = self.sink
        sink.onDatagram = { d in
            let from = sockets.first { $0.sameFamily(as: d.destination) } ?? socket
            network.send(d.bytes, from: from, to: d.destination)
        }
        make = {
            let random = DeterministicRandom(seed: 0x5EED)
            var logger = Logger(label: "sim.supernode")
            logger.logLevel = .critical
            return SupernodeEngine(options: options, output: sink,
                                   headerCipherFactory: headerEncryption ? CommunityHeaderCipher.factory(random: random) : nil,
                                   random: random, logger: logger, clock: clock)
        }
        engine = make()
        attach(network)
    }

    private func attach(_ network: InMemoryNetwork) {
        for socket in sockets {
            network.attach(socket) { [unowned self] bytes, source in self.engine.handleDatagram(bytes, from: source) }
        }
    }

    /// A crash and restart at the same address: every registration is forgotten.
    public func restart() {
        engine = make()
    }
}
