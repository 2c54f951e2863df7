#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem
import N2NWire
import PacketCore
import TapDevice

// `--workers N`: workers 1..N-1 on threads of their own. What needs root (a TAP queue each, a
// socket each on the edge's port) is opened with the rest in `init`; the threads start in `run`,
// after daemonising (a fork keeps only the calling thread).
extension EdgeRuntime {
    /// Opens a queue and a SO_REUSEPORT socket for each extra worker. The main socket must have
    /// been bound with SO_REUSEPORT too.
    func prepareWorkers(count: Int, engineConfiguration: EdgeEngine.Configuration) throws(EdgeStartupError) {
        guard count > 1, let tapInterface else { return }
        let port: UInt16
        do { port = try mainSocket.localPort } catch { throw EdgeStartupError("cannot read the UDP port: \(error)") }
        for index in 1..<count {
            let queue: TapQueue
            let socket: UDPSocket
            do {
                queue = try tapInterface.attachQueue()
                try configureOffloads(queue)
            } catch {
                throw EdgeStartupError("cannot attach TAP queue \(index) for worker \(index): \(error)")
            }
            do {
                socket = try UDPSocket.anyAddress(port: port, family: mainSocket.family, reusePort: true)
                if let tos = config.tos { try socket.setTypeOfService(tos) }
                try socket.setPathMTUDiscovery(config.pmtuDiscovery ? .do : .dont)
                try? socket.setReceiveBufferSize(1 << 21)
                try? socket.setSendBufferSize(1 << 21)
                _ = UDPOffloads.enable(on: socket, wanted: config.offload, coalescing: sizes.receiveCoalescing)
            } catch {
                throw EdgeStartupError("cannot open the UDP socket of worker \(index) on port \(port): \(error)")
            }
            workerSetups.append(EdgeWorker.Setup(
                index: index, queue: queue, socket: socket, configuration: engineConfiguration,
                wire: EdgeWireChoice(config), offload: config.offload, sizes: sizes,
                board: routingBoard, channel: workerChannel, logger: logger))
        }
    }

    /// Starts the prepared workers and lets the engine count their traffic.
    func startWorkers() -> Bool {
        for setup in workerSetups {
            guard let thread = EdgeWorkerThread.start(setup) else {
                logger.error("worker \(setup.index) did not start")
                return false
            }
            workerThreads.append(thread)
        }
        workerSetups.removeAll()
        if !workerThreads.isEmpty {
            let threads = workerThreads
            engine.otherWorkers = {
                var total = EdgeStatistics()
                for thread in threads { total.add(thread.statistics) }
                return total
            }
            logger.notice("\(threads.count + 1) data-plane workers (one per TAP queue and socket)")
        }
        return true
    }

    /// Hands the workers' reports to the control plane (on this thread).
    func deliverWorkerReports() {
        guard !workerThreads.isEmpty else { return }
        workerChannel.deliver(to: engine.control, scratch: &workerReports)
    }

    func stopWorkers() {
        for thread in workerThreads { thread.stop() }
        workerThreads.removeAll()
    }
}
