#if canImport(Glibc)
import Glibc
#endif
import Logging
import N2NWire
import LinuxSystem
import Metrics
import PacketCore
import TapDevice
import ProgramSupport

/// Why the edge could not start (spec 8.5: exit 1).
struct EdgeStartupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The edge process: TAP device, sockets and event loop around an `EdgeEngine` (spec 5.2, 5.4).
///
/// One thread runs everything: epoll waits on the TAP, the main, discovery and management sockets
/// and the loop's wake-up eventfd, with the engine's next timer as the timeout (exact, not the 10-s
/// select granularity of 2.8). Each readiness drains a bounded number of batches (recvmmsg /
/// several TAP reads), and the datagrams and frames the engine produced are flushed right after,
/// in one sendmmsg. Host names are resolved on helper threads (`SupernodeResolver`).
final class EdgeRuntime: EdgeHost {
    let config: EdgeConfiguration
    let mac: MACAddress
    var logger: Logger
    let loop: EventLoop
    let clock = SystemClock()
    let random = SystemRandom()

    /// The TAP interface (name, MAC, address, routes) lives for the whole run; `tap` is its queue,
    /// which is replaced when it fails.
    var tapInterface: TapInterface?
    var tap: TapQueue?
    /// A queue whose read failed, kept open (not read, not written) until its replacement is
    /// attached, since closing an interface's last queue removes the interface.
    var failedTap: TapQueue?
    var tapRegistration: IORegistration?
    let mainSocket: UDPSocket
    let managementSocket: UDPSocket
    let discoverySocket: UDPSocket?
    let datagramSink: BatchedDatagramSink
    let receiveBatch: DatagramBatch
    /// Frames to and from the TAP queue, cut and merged when offloads are on.
    let tapPort: TapFramePort
    var frameSink: TapFrameSink!
    /// Worker 0's I/O, on this thread.
    var pump: DataPlanePump!
    let managementBuffer: UnsafeMutableRawBufferPointer
    let sizes: BatchSizes
    /// UDP GSO/GRO on the main socket (the workers' sockets get the same).
    let udpOffloads: UDPOffloads
    var resolver: SupernodeResolver!
    var engine: EdgeEngine!
    var routes: EdgeRoutes?
    var stopping = false
    var joinFailureLogged = false
    /// The JSON API's rate limit and subscribers, and the optional Prometheus endpoint.
    var management: ManagementConsole<EdgeSnapshot, PeerSocket>!
    var metricsServer: MetricsServer?

    // Workers on threads of their own (`--workers N`, N > 1); see EdgeRuntime+Workers.swift.
    var workerSetups: [EdgeWorker.Setup] = []
    var workerThreads: [EdgeWorkerThread] = []
    var workerReports: [QueuedControlChannel.Report] = []
    let routingBoard = EdgeRoutingBoard(EdgeRoutingTable())
    let workerChannel: QueuedControlChannel

    init(config: EdgeConfiguration, logger: Logger) throws(EdgeStartupError) {
        self.config = config
        self.logger = logger
        mac = config.mac ?? MACAddress.randomLocallyAdministered()
        do { loop = try EventLoop() } catch { throw EdgeStartupError("cannot create the event loop: \(error)") }
        let waker = loop.waker
        workerChannel = QueuedControlChannel { waker.wake() }
        workerReports.reserveCapacity(workerChannel.capacity)

        // Sockets (spec 5.2 step 4).
        do {
            // Dual-stack where the kernel has IPv6. With several workers every worker's socket
            // shares the port; the kernel keeps each peer on one of them.
            mainSocket = try UDPSocket.anyAddress(port: config.localPort, reusePort: config.effectiveWorkers > 1)
        } catch {
            throw EdgeStartupError("cannot open the UDP socket on port \(config.localPort): \(error)")
        }
        if mainSocket.family == .ipv4 {
            for sn in config.supernodes {
                if case .v6? = sn.literal?.address { logger.error("supernode \(sn) is IPv6, but this kernel has no IPv6") }
            }
        }
        do {
            if let tos = config.tos { try mainSocket.setTypeOfService(tos) }
            try mainSocket.setPathMTUDiscovery(config.pmtuDiscovery ? .do : .dont)
            try? mainSocket.setReceiveBufferSize(1 << 21)
            try? mainSocket.setSendBufferSize(1 << 21)
        } catch {
            throw EdgeStartupError("cannot configure the UDP socket: \(error)")
        }
        do {
            managementSocket = try UDPSocket(bindingTo: PeerSocket(ipv4: 0x7F00_0001, port: config.managementPort))
        } catch {
            throw EdgeStartupError("cannot open the management socket 127.0.0.1:\(config.managementPort): \(error)")
        }
        do {
            discoverySocket = try UDPSocket(bindingTo: PeerSocket(ipv4: 0, port: PeerSocket.discoveryGroup.port), reuseAddress: true)
        } catch {
            logger.warning("local peer discovery disabled: cannot bind 0.0.0.0:1968: \(error)")
            discoverySocket = nil
        }
        udpOffloads = UDPOffloads.enable(on: mainSocket, wanted: config.offload)
        var sizes = BatchSizes()
        sizes.receiveCoalescing = udpOffloads.coalescing
        self.sizes = sizes
        datagramSink = BatchedDatagramSink(socket: mainSocket, capacity: sizes.sendBatch, datagramCapacity: sizes.datagramCapacity)
        receiveBatch = DatagramBatch(capacity: sizes.receiveMessages, datagramCapacity: sizes.receiveMessageCapacity)
        tapPort = TapFramePort(virtioHeader: config.offload, readBatch: sizes.tapReadBatch,
                               writeBatch: sizes.tapWriteBatch, frameCapacity: sizes.frameCapacity)
        managementBuffer = .allocate(byteCount: 2048, alignment: 8)

        // TAP (spec 5.2 step 3).
        try openTap()

        // Keys and the engine (step 5).
        let wireChoice = EdgeWireChoice(config)
        let dialect: any EdgeWireDialect
        do {
            dialect = try wireChoice.makeDialect(random: random, frameCapacity: sizes.frameCapacity)
        } catch {
            throw EdgeStartupError("cannot set up the \(config.transform) transform: \(error)")
        }
        let controlWire = wireChoice.makeControlWire(config, random: random)
        var assignedIPv4: UInt32 = 0
        if config.tapAddress == nil, let v3 = controlWire as? EdgeV3ControlWire {
            if let assigned = bootstrapV3Address(wire: v3) {
                assignedIPv4 = assigned.address
                v3.identity.deviceAddress = assigned
                supernodeAssignedAddress(assigned.address, prefixLength: Int(assigned.prefixLength))
            } else {
                logger.error("no supernode assigned an address; the TAP has none (give -a to choose one)")
            }
        }
        var engineConfig = EdgeEngine.Configuration(
            community: config.community, mac: mac,
            supernodes: config.supernodes)
        engineConfig.registrationInterval = config.registerInterval
        engineConfig.registerTTL = config.registerTTL
        engineConfig.allowP2P = config.allowP2P
        engineConfig.reachesIPv6 = mainSocket.family == .ipv6
        engineConfig.dropMulticast = !config.acceptMulticast
        engineConfig.allowRouting = config.allowRouting
        engineConfig.overlayMTU = config.mtu
        engineConfig.clampMSS = config.clampMSS
        engineConfig.maxLocalHosts = config.maxLocalHosts
        engineConfig.multicastSnooping = config.multicastSnooping
        engineConfig.sharedSnooper = config.multicastSnooping.map {
            SharedMulticastSnooper(settings: $0, mac: mac, ipv4: currentTapAddress())
        }
        engineConfig.tapIPv4 = config.tapAddress == nil ? assignedIPv4 : currentTapAddress()
        frameSink = TapFrameSink(port: tapPort) { [unowned self] in self.tap }
        engine = EdgeEngine(configuration: engineConfig, dialect: dialect,
                            controlWire: controlWire, random: random, clock: clock,
                            datagrams: datagramSink, frames: frameSink, host: self, logger: logger,
                            verbosity: ProcessLog.verbosity.load(ordering: .relaxed))
        engine.onVerbosityChange = { ProcessLog.verbosity.store($0, ordering: .relaxed) }
        pump = DataPlanePump(plane: engine.worker, port: tapPort, sink: datagramSink, receiveBatch: receiveBatch, logger: logger)
        resolver = SupernodeResolver(ipv6: mainSocket.family == .ipv6) { waker.wake() }
        let board = routingBoard
        board.publish(engine.control.routing)
        engine.control.onPublish = { board.publish($0) }
        try prepareWorkers(count: config.effectiveWorkers, engineConfiguration: engineConfig)

        // Routes (step 6).
        if !config.routes.isEmpty, let tapInterface {
            routes = EdgeRoutes(interface: tapInterface, logger: logger)
            routes?.add(config.routes, supernodes: config.supernodes)
        }
        try registerDescriptors()

        // The JSON API's limits and subscribers; metrics start in `run`, after daemonising.
        management = ManagementConsole(handler: EdgeManagementJSON(password: config.managementPassword).handle,
                                       events: EdgeManagementJSON.peerEvents)
    }

    deinit { managementBuffer.deallocate() }

    // MARK: - TAP

    /// Creates and configures the interface with its first queue.
    func openTap() throws(EdgeStartupError) {
        let device: TapInterface
        let queue: TapQueue
        do {
            (device, queue) = try TapInterface.create(name: config.tapName, options: TapOptions(vnetHeader: config.offload))
            try configureOffloads(queue)
            try device.setMACAddress(mac.rawValue)
            try device.setMTU(config.mtu)
            if let address = config.tapAddress, address.mode == .static {
                guard let assignment = IPv4Interface(address: address.ipv4, netmask: config.netmask) else {
                    throw TapError.badPrefixLength(-1)
                }
                try device.setIPv4(assignment)
            }
            try device.setUp(true)
        } catch {
            throw EdgeStartupError("cannot set up TAP device \(config.tapName): \(error)")
        }
        tapInterface = device
        tap = queue
        logger.notice("TAP offloads: \(config.offload ? offloadDescription : "off (--no-offload)")")
        logger.notice("UDP socket: \(mainSocket.family == .ipv6 ? "IPv4 and IPv6 (dual-stack [::])" : "IPv4 only (no IPv6 in this kernel)") port \((try? mainSocket.localPort) ?? 0)")
        logger.notice("UDP offloads: \(config.offload ? udpOffloads.description : "off (--no-offload)")")
        logger.notice("created TAP \(device.name) mac \(mac) mtu \(config.mtu) address \(config.tapAddress.map(\.description) ?? "-")")
    }

    /// What TUNSETOFFLOAD accepted on the first queue (every queue of the device gets the same).
    var offloadFlags: UInt = 0

    /// A queue with the virtio-net header gets its size set and as many offloads as the kernel
    /// takes; without any, frames still carry the header (never a super-frame), which works too.
    func configureOffloads(_ queue: TapQueue) throws(TapError) {
        guard config.offload else { return }
        do { try queue.setVirtioHeaderSize(VirtioNetHeader.size) } catch { throw .system(error) }
        offloadFlags = queue.enableOffloads(TunOffloadFlags.supported)
    }

    var offloadDescription: String {
        let names: [(UInt, String)] = [(TunOffloadFlags.checksum, "csum"), (TunOffloadFlags.tso4, "tso4"),
                                       (TunOffloadFlags.tso6, "tso6"), (TunOffloadFlags.tsoECN, "tso-ecn"),
                                       (TunOffloadFlags.uso4, "uso4"), (TunOffloadFlags.uso6, "uso6")]
        let on = names.filter { offloadFlags & $0.0 != 0 }.map(\.1)
        return on.isEmpty ? "none accepted by the kernel (virtio-net header only)" : on.joined(separator: " ") + ", receive coalescing"
    }

    func currentTapAddress() -> UInt32 {
        guard let address = config.tapAddress else { return 0 }
        if address.mode == .static { return address.ipv4 }
        return (try? tapInterface?.ipv4())??.address ?? 0
    }

    /// A TAP read error: stop watching the queue and replace it in 3 s without blocking the loop
    /// (2.8 slept 3 s). The failed queue stays open until then: the interface, with its address
    /// and routes, lives as long as one of its queues does.
    func tapFailed(_ error: Errno) {
        logger.error("TAP read failed: \(error); reopening its queue in 3 s")
        if let registration = tapRegistration { try? loop.unregister(registration) }
        tapRegistration = nil
        if let tap { failedTap = tap }
        tap = nil
        loop.schedule(after: .seconds(3)) { [unowned self] in self.reopenTap() }
    }

    func reopenTap() {
        do {
            try replaceTapQueue()
            if let tap {
                tapRegistration = try? loop.register(tap.descriptor.rawValue) { [unowned self] _ in self.drainTap() }
            }
        } catch {
            logger.error("\(error); retrying in 3 s")
            loop.schedule(after: .seconds(3)) { [unowned self] in self.reopenTap() }
        }
    }

    /// Attaches a new queue to the interface first, then closes the failed one, so the interface
    /// and its routes stay. Only if the interface itself is gone (deleted from outside) is it
    /// created and configured again, and the `-n` routes added to the new one.
    func replaceTapQueue() throws(EdgeStartupError) {
        if let tapInterface {
            do {
                let queue = try tapInterface.attachQueue()
                try configureOffloads(queue)
                failedTap?.close()
                failedTap = nil
                tap = queue
                logger.notice("TAP \(tapInterface.name): new queue attached, interface and routes kept")
                return
            } catch {
                guard case .interfaceGone = error else {
                    throw EdgeStartupError("cannot attach a new queue to TAP \(tapInterface.name): \(error)")
                }
                logger.warning("TAP \(tapInterface.name) is gone: creating it again")
            }
        }
        failedTap?.close()
        failedTap = nil
        tapInterface?.close()
        tapInterface = nil
        try openTap()
        if let routes, let tapInterface { routes.readd(on: tapInterface) }
    }

    // MARK: - Event handlers

    func registerDescriptors() throws(EdgeStartupError) {
        do {
            if let tap {
                tapRegistration = try loop.register(tap.descriptor.rawValue) { [unowned self] _ in self.drainTap() }
            }
            try loop.register(mainSocket.descriptor.rawValue) { [unowned self] _ in self.drain(self.mainSocket) }
            if let discoverySocket {
                try loop.register(discoverySocket.descriptor.rawValue) { [unowned self] _ in self.drainDiscovery(discoverySocket) }
            }
            try loop.register(managementSocket.descriptor.rawValue) { [unowned self] _ in self.drainManagement() }
        } catch {
            throw EdgeStartupError("cannot watch the descriptors: \(error)")
        }
        if config.tapAddress?.mode == .dhcp {
            // Spec 5.11: re-read the address an external DHCP client gave the TAP.
            loop.schedule(after: .seconds(30), repeating: .seconds(30)) { [unowned self] in
                let address = self.currentTapAddress()
                if address != self.engine.tapIPv4 {
                    self.logger.notice("TAP address is now \(IPAddress.v4(address))")
                    self.engine.tapIPv4 = address
                }
            }
        }
    }

    func drainTap() {
        guard let tap else { return }
        if let error = pump.drainTap(tap) { tapFailed(error) }
    }

    func drain(_ socket: UDPSocket) { if pump.drain(socket, tap: tap) { drainTap() } }

    func drainManagement() {
        for _ in 0..<16 {
            guard let (length, source) = (try? managementSocket.receive(into: managementBuffer)) ?? nil else { return }
            let request = UnsafeRawBufferPointer(rebasing: managementBuffer[0..<min(length, managementBuffer.count)])
            if ManagementRequest.isJSON(request) {
                // n2n 3.x JSON API; over its rate a source gets no reply at all.
                guard let source, let outcome = management.handle(
                    request, from: PeerSocket(source), now: clock.monotonicNanoseconds,
                    verbosity: engine.verbosity, snapshot: { engine.snapshot() }) else { continue }
                for datagram in outcome.datagrams {
                    var text = datagram
                    text.withUTF8 { _ = try? managementSocket.send(UnsafeRawBufferPointer($0), to: source) }
                }
                switch outcome.action {
                case .stop: requestStop("management stop")
                case .setVerbosity(let level): engine.verbosity = level
                case .none, .subscribe, .carryOut: break
                }
                continue
            }
            let response = engine.handleManagement(request)
            if let reply = response.reply, let source {
                reply.withUnsafeBytes { _ = try? managementSocket.send($0, to: source) }
            }
            if response.stop { requestStop("management stop") }
        }
    }

    func requestStop(_ why: String) {
        if stopping { return }
        stopping = true
        logger.notice("\(why): shutting down")
        loop.stop()
    }

    // MARK: - Sinks and host

    func flushDatagrams() { pump.flushDatagrams() }

    func flushFrames() { pump.flushFrames(to: tap) }

    func joinDiscoveryGroup() -> Bool {
        guard let discoverySocket else { return false }
        do {
            try discoverySocket.joinMulticastGroup(0xE000_0044)
            return true
        } catch {
            if !joinFailureLogged {
                joinFailureLogged = true
                logger.warning("cannot join 224.0.0.68 yet (\(error)); retrying every round")
            }
            return false
        }
    }

    /// n2n 3.x without `-a`: the address the supernode assigned goes on the TAP.
    func supernodeAssignedAddress(_ ipv4: UInt32, prefixLength: Int) {
        guard config.tapAddress == nil, let tapInterface,
              let assignment = IPv4Interface(address: ipv4, netmask: EdgeOptionValues.netmask(prefixLength: prefixLength)) else { return }
        do {
            try tapInterface.setIPv4(assignment)
            if engine != nil { engine.tapIPv4 = ipv4 }
            logger.notice("TAP \(tapInterface.name) address \(IPAddress.v4(ipv4))/\(prefixLength) (assigned by the supernode)")
        } catch {
            logger.error("cannot set the assigned address \(IPAddress.v4(ipv4))/\(prefixLength) on \(tapInterface.name): \(error)")
        }
    }

    func resolveSupernode(index: Int, host: String, port: UInt16) {
        resolver.resolve(index: index, host: host, port: port)
    }

    // MARK: - Running

    /// Installs the signal handlers and runs until SIGINT/SIGTERM or management `stop`.
    func run(daemonised: Bool) -> Int32 {
        do {
            try loop.onSignals([SIGINT, SIGTERM]) { [unowned self] signal in
                // A second signal exits at once (spec 8.5).
                if self.stopping { _exit(0) }
                self.requestStop("signal \(signal)")
            }
        } catch {
            logger.error("cannot install signal handlers: \(error)")
            return 1
        }
        if daemonised { signal(SIGHUP, SIG_IGN) }
        guard startWorkers() else {
            stopWorkers()
            return 1
        }
        do { try startManagementTimers() } catch {
            logger.error("\(error)")
            return 1
        }
        engine.start()
        flushDatagrams()
        while !loop.waker.isStopRequested {
            let wait = max(0, engine.nextDeadline - clock.monotonicNanoseconds)
            do {
                try loop.runOnce(maxWait: .nanoseconds(wait))
            } catch {
                logger.error("event loop failed: \(error)")
                return 1
            }
            for answer in resolver.drain() { engine.supernodeResolved(index: answer.index, address: answer.address) }
            deliverWorkerReports()
            engine.tick()
            flushDatagrams()
            flushFrames()
        }
        shutdown()
        return 0
    }

    func shutdown() {
        stopWorkers()
        flushDatagrams()
        flushFrames()
        engine.control.leave()
        flushDatagrams()
        for line in engine.exitSummary { logger.notice("\(line)") }
        if config.offload { logger.notice("\(pump.udpOffloadSummary(mainSocket))") }
        routes?.removeAll()
        tap?.close()
        failedTap?.close()
        tapInterface?.close()
        try? mainSocket.close()
        try? managementSocket.close()
        metricsServer?.shutdown()
        try? discoverySocket?.close()
    }
}
