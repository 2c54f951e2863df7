#if canImport(Glibc)
import Glibc
#endif
import Logging
import LinuxSystem
import N2NWire
import PacketCore
import Synchronization
import TapDevice

/// One more data-plane worker on a thread of its own (`--workers N`: workers 1..N-1; worker 0 runs
/// on the control thread inside `EdgeEngine`). It owns a TAP queue of the interface, a UDP socket
/// on the edge's port (SO_REUSEPORT: the kernel keeps each peer's datagrams on one socket, so
/// frames of one flow never change worker), its loop, batches, pipeline and counters. It reads the
/// control plane's table from the board and reports through the queued channel.
final class EdgeWorker {
    let index: Int
    let loop: EventLoop
    let queue: TapQueue
    let socket: UDPSocket
    let port: TapFramePort
    let sink: BatchedDatagramSink
    let receiveBatch: DatagramBatch
    let plane: EdgeDataPlane
    let frames: TapFrameSink
    let pump: DataPlanePump
    let published: Mutex<EdgeStatistics>
    let logger: Logger
    /// Offloads on (no `--no-offload`): the exit line reports what UDP GSO/GRO did.
    let setupOffload: Bool

    /// What a worker's thread needs, made on the control thread and handed over once.
    struct Setup: @unchecked Sendable {
        // The queue and socket are created by the control thread and never touched by it again.
        var index: Int
        var queue: TapQueue
        var socket: UDPSocket
        var configuration: EdgeEngine.Configuration
        var wire: EdgeWireChoice
        var offload: Bool
        var sizes: BatchSizes
        var board: EdgeRoutingBoard
        var channel: QueuedControlChannel
        var logger: Logger
    }

    init(_ setup: Setup) throws {
        index = setup.index
        logger = setup.logger
        setupOffload = setup.offload
        loop = try EventLoop()
        queue = setup.queue
        socket = setup.socket
        let sizes = setup.sizes
        port = TapFramePort(virtioHeader: setup.offload, readBatch: sizes.tapReadBatch, writeBatch: sizes.tapWriteBatch,
                            frameCapacity: sizes.frameCapacity)
        sink = BatchedDatagramSink(socket: socket, capacity: sizes.sendBatch, datagramCapacity: sizes.datagramCapacity)
        receiveBatch = DatagramBatch(capacity: sizes.receiveMessages, datagramCapacity: sizes.receiveMessageCapacity)
        let random = SystemRandom()
        let dialect = try setup.wire.makeDialect(random: random, frameCapacity: sizes.frameCapacity)
        let queue = setup.queue
        frames = TapFrameSink(port: port) { queue }
        let board = setup.board
        var held = board.current(comparedWith: EdgeRoutingTable())
        plane = EdgeDataPlane(configuration: setup.configuration, dialect: dialect, clock: SystemClock(), random: random,
                              datagrams: sink, frames: frames, control: setup.channel,
                              routing: {
                                  held = board.current(comparedWith: held)
                                  return held
                              }, logger: setup.logger)
        published = Mutex(EdgeStatistics())
        pump = DataPlanePump(plane: plane, port: port, sink: sink, receiveBatch: receiveBatch,
                             logger: setup.logger)
    }

    /// Serves until the loop is stopped.
    func run() {
        do {
            try loop.register(queue.descriptor.rawValue) { [unowned self] _ in self.drainTap() }
            try loop.register(socket.descriptor.rawValue) { [unowned self] _ in self.drainSocket() }
        } catch {
            logger.error("worker \(index): cannot watch its descriptors: \(error)")
            return
        }
        // Counters reach management four times a second (copying them is the only allocation).
        _ = loop.schedule(after: .milliseconds(250), repeating: .milliseconds(250)) { [unowned self] in self.publish() }
        while !loop.waker.isStopRequested {
            do { try loop.runOnce() } catch {
                logger.error("worker \(index): event loop failed: \(error)")
                break
            }
        }
        publish()
        if setupOffload { logger.notice("worker \(index): \(pump.udpOffloadSummary(socket))") }
    }

    func publish() {
        let current = plane.statistics
        published.withLock { $0 = current }
    }

    func drainTap() {
        if let error = pump.drainTap(queue) { logger.error("worker \(index): TAP read failed: \(error)") }
    }

    func drainSocket() { if pump.drain(socket, tap: queue) { drainTap() } }
}

/// A started worker thread, as the control thread sees it.
final class EdgeWorkerThread: @unchecked Sendable {
    // `worker` is set once by the thread before `started` is signalled, then only read through
    // its Sendable parts (`loop.waker`, `published`).
    private var worker: EdgeWorker?
    private var thread = pthread_t()
    private let started = Mutex<Bool?>(nil)

    /// Starts the thread and waits until its worker is set up; nil when that failed.
    static func start(_ setup: EdgeWorker.Setup) -> EdgeWorkerThread? {
        let handle = EdgeWorkerThread()
        let box = Unmanaged.passRetained(StartBox(handle: handle, setup: setup))
        let rc = pthread_create(&handle.thread, nil, { raw in
            let box = Unmanaged<StartBox>.fromOpaque(raw!).takeRetainedValue()
            box.handle.body(box.setup)
            return nil
        }, box.toOpaque())
        guard rc == 0 else {
            box.release()
            return nil
        }
        while true {
            if let ok = handle.started.withLock({ $0 }) { return ok ? handle : nil }
            usleep(1000)
        }
    }

    private final class StartBox {
        let handle: EdgeWorkerThread
        let setup: EdgeWorker.Setup
        init(handle: EdgeWorkerThread, setup: EdgeWorker.Setup) {
            self.handle = handle
            self.setup = setup
        }
    }

    private func body(_ setup: EdgeWorker.Setup) {
        let made: EdgeWorker
        do { made = try EdgeWorker(setup) } catch {
            setup.logger.error("worker \(setup.index) could not start: \(error)")
            started.withLock { $0 = false }
            return
        }
        worker = made
        started.withLock { $0 = true }
        made.run()
    }

    var statistics: EdgeStatistics { worker?.published.withLock { $0 } ?? EdgeStatistics() }

    /// Stops the loop and waits for the thread.
    func stop() {
        worker?.loop.stop()
        pthread_join(thread, nil)
    }
}
