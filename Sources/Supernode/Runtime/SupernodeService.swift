import Glibc
import Logging
import N2NWire
import LinuxSystem
import Metrics
import PacketCore
import ProgramSupport

/// The running supernode: the main UDP socket and the management socket on one epoll loop, the
/// engine between them, one timer that follows the engine's `nextDeadline` (purge and re-sort,
/// spec 6.4), and signal handling (spec 6.3, 6.6, 7.2). Engine and loop share one clock.
///
/// Per wake-up of the main socket it drains up to `maxBatchesPerWake` recvmmsg batches, hands every
/// datagram to the engine (which queues its output in the send batch) and flushes the queue with
/// sendmmsg after each batch. Nothing here allocates per datagram.
final class SupernodeService {
    /// Binding failed: n2n 2.8 exits with status 254 (spec 8.5).
    struct BindError: Error, CustomStringConvertible {
        var what: String
        var errno: Errno
        var description: String { "\(what): \(errno)" }
    }

    static let datagramCapacity = 2048
    static let batchCapacity = 64
    static let maxBatchesPerWake = 8
    /// Management requests served per wake-up; the rest wait for the next loop turn, after the main
    /// socket (issue 10 item 10: 20 requests delayed a REGISTER_SUPER_ACK by 6.3 s).
    static let maxManagementRequestsPerWake = 4

    let socket: UDPSocket
    let managementSocket: UDPSocket
    private(set) var engine: SupernodeEngine!
    private(set) var loop: EventLoop!
    /// The engine's timers: one loop timer, re-armed at `engine.nextDeadline` after each tick.
    private var engineTimer: TimerID?
    private var sink: BatchedDatagramSink!
    /// 64 datagrams of 2 KiB, or with UDP GRO 16 messages of up to 64 KiB (1 MiB), each of which may
    /// hold several equal-sized datagrams of one edge.
    private let receiveBatch: DatagramBatch
    /// UDP GSO on sends and GRO on receives, when the kernel has them (`offloads`): a relayed
    /// stream's datagrams to one edge leave as one message and arrive as one, cut by the kernel
    /// into the very datagrams 2.x sends (the wire does not change).
    let offloads: String
    /// Received messages that held several datagrams (UDP GRO).
    private(set) var coalescedReceives = 0
    private let managementBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
    private(set) var logger: Logger
    /// The JSON API's password; set before `prepare`.
    var managementPassword = "n2n"
    /// The `-c` file, re-read on SIGHUP and `w ... reload_communities`; nil = open supernode.
    var communityFile: String?
    /// Where to serve Prometheus metrics; nil = off. Set before `prepare`.
    var metricsEndpoint: MetricsEndpoint?
    private(set) var metricsServer: MetricsServer?
    private var management: ManagementConsole<SupernodeSnapshot, PeerSocket>!
    /// Set when the main socket failed for good: the loop stopped (2.8 then exits 0, spec 8.5).
    private(set) var fatalFailure: Errno?

    /// Binds the main socket on [::]:`port` (dual-stack; 0.0.0.0 without IPv6) and the management socket on `managementAddress`
    /// (127.0.0.1 normally). Port 0 picks a free port (tests).
    init(port: UInt16, managementPort: UInt16, managementAddress: UInt32 = 0x7F00_0001, logger: Logger) throws(BindError) {
        self.logger = logger
        do {
            // One dual-stack socket for both families (IPv4 on its own when the kernel has no IPv6);
            // IPv4 edges read back as IPv4, on the wire and in management.
            socket = try UDPSocket.anyAddress(port: port)
        } catch {
            throw BindError(what: "cannot bind UDP port \(port)", errno: error)
        }
        do {
            managementSocket = try UDPSocket(bindingTo: PeerSocket(ipv4: managementAddress, port: managementPort))
        } catch {
            throw BindError(what: "cannot bind management port \(managementPort)", errno: error)
        }
        // Room for bursts: a broadcast fan-out queues one copy per edge.
        try? socket.setReceiveBufferSize(1 << 21)
        try? socket.setSendBufferSize(1 << 21)
        socket.segmentsSends = socket.supportsSegmentationOffload
        let coalescing = (try? socket.setGenericReceiveOffload(true)) != nil
        receiveBatch = coalescing
            ? DatagramBatch(capacity: BatchSizes().coalescedReceiveBatch, datagramCapacity: BatchSizes.coalescedMessageCapacity)
            : DatagramBatch(capacity: SupernodeService.batchCapacity, datagramCapacity: SupernodeService.datagramCapacity)
        let on = [socket.segmentsSends ? "gso" : nil, coalescing ? "gro" : nil].compactMap { $0 }
        offloads = on.isEmpty ? "none" : on.joined(separator: " ")
    }

    deinit { managementBuffer.deallocate() }

    var localPort: UInt16 { (try? socket.localPort) ?? 0 }
    var managementPort: UInt16 { (try? managementSocket.localPort) ?? 0 }

    /// Builds the engine and the loop (after daemonising and dropping privileges: the loop's epoll and
    /// signal descriptors belong to the final process).
    func prepare(options: SupernodeEngineOptions, logger: Logger, handleSignals: Bool = true,
                 clock: any MonotonicClock = SystemClock()) throws(Errno) {
        self.logger = logger
        sink = BatchedDatagramSink(socket: socket, capacity: SupernodeService.batchCapacity,
                             datagramCapacity: SupernodeService.datagramCapacity + 64)
        let random = SystemRandom()
        engine = SupernodeEngine(options: options, output: sink,
                                 headerCipherFactory: CommunityHeaderCipher.factory(random: random),
                                 random: random, logger: logger, clock: clock)
        let loop = try EventLoop(clock: clock)
        self.loop = loop
        try loop.register(socket.descriptor.rawValue) { [unowned self] _ in self.drainMain() }
        try loop.register(managementSocket.descriptor.rawValue) { [unowned self] _ in self.drainManagement() }
        armEngineTimer()
        try prepareManagement()
        if handleSignals {
            try loop.stopOnTerminationSignals(hangup: { [unowned self] in
                self.dumpEdges()
                _ = self.reloadCommunities()
            })
        }
    }

    /// Runs until SIGTERM/SIGINT, `loop.stop()`, or a fatal socket error.
    func run() throws(Errno) {
        try loop.run()
        loop.stopHandlingSignals()
    }

    // MARK: - Engine timers

    /// One-shot at the engine's next deadline; the engine decides what is due when it fires.
    private func armEngineTimer() {
        engineTimer = loop.schedule(atNanoseconds: UInt64(clamping: engine.nextDeadline)) { [unowned self] in
            self.engine.tick()
            self.flushOutput()
            self.armEngineTimer()
        }
    }

    // MARK: - Main socket

    private func drainMain() {
        for _ in 0..<SupernodeService.maxBatchesPerWake {
            let received: Int
            do {
                received = try socket.receive(into: receiveBatch)
            } catch {
                logger.error("receive on the main socket failed: \(error); stopping")
                fatalFailure = error
                loop.stop()
                return
            }
            guard received > 0 else { return }
            for i in 0..<received {
                // A datagram cut by the receive buffer would be relayed corrupted: drop it.
                guard !receiveBatch.isTruncated(i) else {
                    engine.noteDropped(.oversize)
                    continue
                }
                guard let peer = receiveBatch.peer(i) else {
                    engine.noteDropped(.tooShort)
                    continue
                }
                if receiveBatch.forEachDatagram(in: i, { engine.handleDatagram($0, from: peer) }) > 1 {
                    coalescedReceives &+= 1
                }
            }
            flushOutput()
            if received < receiveBatch.capacity { return }
        }
    }

    private func flushOutput() {
        let errors = sink.flush()
        if errors > 0 { engine.noteSendErrors(errors) }
        if let failure = sink.failure, fatalFailure == nil {
            logger.error("sending on the main socket failed: \(failure); stopping")
            fatalFailure = failure
            loop.stop()
        }
    }

    // MARK: - Management socket (spec 7.2)

    private func drainManagement() {
        for _ in 0..<SupernodeService.maxManagementRequestsPerWake {
            let result: (length: Int, source: SocketAddress?)?
            do {
                result = try managementSocket.receive(into: managementBuffer)
            } catch {
                logger.warning("receive on the management socket failed: \(error)")
                return
            }
            guard let (length, source) = result else { return }
            guard let source else { continue }
            let peer = PeerSocket(source)
            let request = UnsafeRawBufferPointer(rebasing: managementBuffer[0..<min(length, managementBuffer.count)])
            if ManagementRequest.isJSON(request) {
                answerJSON(request, from: peer)
                continue
            }
            // An empty datagram gets no answer and, unlike 2.8, does not stop anything (spec 10.1 item 9).
            for datagram in engine.managementResponse(to: request) {
                var text = datagram
                let sent = text.withUTF8 { bytes in
                    (try? managementSocket.send(UnsafeRawBufferPointer(bytes), to: peer)) ?? false
                }
                if !sent { engine.noteSendErrors(1) }
            }
        }
    }

    /// The n2n 3.x JSON API; over its rate a source gets no reply at all.
    private func answerJSON(_ request: UnsafeRawBufferPointer, from peer: PeerSocket) {
        guard let outcome = management.handle(request, from: peer, now: loop.clock.monotonicNanoseconds,
                                              verbosity: ProcessLog.verbosity.load(ordering: .relaxed),
                                              snapshot: { engine.snapshot() }) else { return }
        for datagram in outcome.datagrams { sendManagement(datagram, to: peer) }
        switch outcome.action {
        case .stop:
            logger.notice("stop requested on the management port")
            loop.stop()
        case .setVerbosity(let level):
            ProcessLog.verbosity.store(level, ordering: .relaxed)
            engine.logger.logLevel = Verbosity.logLevel(level)
        case .carryOut(let method, let tag):
            guard method == "reload_communities" else { break }
            let reply: [String]
            switch reloadCommunities(tag: tag) {
            case .success(let change):
                reply = ManagementReply.framed(tag: tag, method: method, rows: SupernodeManagementJSON.reloadRows(change))
            case .failure(let error):
                reply = [error.reply]
            }
            for datagram in reply { sendManagement(datagram, to: peer) }
        case .none, .subscribe: break
        }
    }

    /// Re-reads the `-c` file into the engine. A file that cannot be read keeps the list loaded
    /// before (the supernode never unlocks); without `-c` there is nothing to reload.
    func reloadCommunities(tag: String? = nil) -> Result<WhitelistChange, ManagementRequestError> {
        guard let communityFile, let current = engine.options.whitelist else {
            return .failure(ManagementRequestError(.noFile, tag: tag))
        }
        let (list, warning) = CommunityFile.reload(communityFile, keeping: current)
        if let warning {
            logger.warning("\(warning)")
            return .failure(ManagementRequestError(.reloadFailed, tag: tag))
        }
        guard let change = engine.replaceWhitelist(list) else { return .failure(ManagementRequestError(.noFile, tag: tag)) }
        if change.added.isEmpty && change.removed.isEmpty { logger.notice("community file reloaded: \(change)") }
        return .success(change)
    }

    @discardableResult
    private func sendManagement(_ datagram: String, to peer: PeerSocket) -> Bool {
        var text = datagram
        let sent = text.withUTF8 { (try? managementSocket.send(UnsafeRawBufferPointer($0), to: peer)) ?? false }
        if !sent { engine.noteSendErrors(1) }
        return sent
    }

    /// The console, its once-a-second snapshot (peer events, metrics board) and the metrics
    /// endpoint on its own thread.
    private func prepareManagement() throws(Errno) {
        management = ManagementConsole(handler: SupernodeManagementJSON(password: managementPassword).handle,
                                       events: SupernodeManagementJSON.peerEvents)
        if let endpoint = metricsEndpoint {
            let board = MetricsBoard<StatusView<SupernodeSnapshot>>()
            management.publish = StatusView.recording(into: board.publish)
            management.publish?(engine.snapshot())
            do {
                metricsServer = try MetricsServer(host: endpoint.host, port: endpoint.port,
                                                  metrics: { board.current.map { SupernodeMetrics.render($0.snapshot) } ?? "" },
                                                  page: { board.current.map(SupernodeStatusPage.html) ?? "" },
                                                  json: { board.current.map(SupernodeStatusPage.json) ?? "{}\n" })
            } catch {
                logger.critical("\(error)")
                throw Errno(code: EADDRINUSE, call: "bind (metrics)")
            }
            logger.notice("metrics on http://\(endpoint)/metrics, status page on http://\(endpoint)/")
        }
        _ = loop.schedule(after: .seconds(1), repeating: .seconds(1)) { [unowned self] in
            for (peer, event) in self.management.tick({ self.engine.snapshot() }) where !self.sendManagement(event, to: peer) {
                self.management.unsubscribe(peer)
            }
        }
    }

    /// Stops the metrics thread (after `run`).
    func stopMetrics() {
        metricsServer?.shutdown()
        metricsServer = nil
    }

    // MARK: - Signals

    private func dumpEdges() {
        for line in engine.edgeDump() { logger.notice("\(line)") }
    }

    /// The final statistics line for the log.
    var summary: String {
        let s = engine.statistics
        return "reg_sup \(s.registerSuper), fwd \(s.forwarded), broadcast \(s.broadcast), errors \(s.errors), "
            + "dropped \(s.totalDropped), edges \(engine.edgeCount), communities \(engine.communities.count)"
    }
}
