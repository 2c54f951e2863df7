import Logging
import LinuxSystem
import N2NWire
import PacketCore
import TapDevice

/// What a data-plane worker does when its descriptors are ready, whichever thread runs it (the
/// control thread's worker 0 or a worker thread): TAP reads through the port into the plane,
/// socket batches into the plane, and the flushes of both directions after each batch.
final class DataPlanePump {
    let plane: EdgeDataPlane
    let port: TapFramePort
    let sink: BatchedDatagramSink
    let receiveBatch: DatagramBatch
    let logger: Logger

    /// Batches drained per readiness before the other descriptors get their turn.
    static let batchesPerWakeup = 4

    /// UDP GRO: received messages that held several datagrams, and how many they held.
    private(set) var coalescedReceives = 0
    private(set) var coalescedDatagrams = 0

    init(plane: EdgeDataPlane, port: TapFramePort, sink: BatchedDatagramSink, receiveBatch: DatagramBatch, logger: Logger) {
        self.plane = plane
        self.port = port
        self.sink = sink
        self.receiveBatch = receiveBatch
        self.logger = logger
    }

    /// Frames from the TAP to the peers; returns the read error, if any, for the owner of the queue.
    /// The first read of a wake-up takes one frame and sends it before looking for more: a lone
    /// frame (a ping) leaves before the read that finds the queue empty, and bulk traffic loses
    /// nothing but one small send per wake-up (the following reads take whole batches).
    func drainTap(_ queue: TapQueue) -> Errno? {
        let plane = self.plane
        for round in 0...Self.batchesPerWakeup {
            let limit = round == 0 ? 1 : port.readCapacity
            let n: Int
            do {
                n = try port.read(from: queue, limit: limit, { plane.handleFrame($0) }, urgentDone: { self.flushDatagrams() })
            } catch { return error }
            flushDatagrams()
            flushFrames(to: queue)   // ICMP answers to oversized frames (usually none: a no-op)
            if n < limit { break }
        }
        return nil
    }

    /// Datagrams from `socket` to the TAP (and the replies they cause); `accept` can pass over
    /// sources (counted by the caller's log, not as drops: they are not the peers' fault). True when
    /// frames were written to the TAP: the local stack often answers inside that write (an echo
    /// reply, a TCP ACK), so the caller reads its queue at once instead of after another epoll wait.
    @discardableResult
    func drain(_ socket: UDPSocket, tap queue: TapQueue?, accept: (PeerSocket) -> Bool = { _ in true }) -> Bool {
        let plane = self.plane
        var wrote = false
        for _ in 0..<Self.batchesPerWakeup {
            let n: Int
            do { n = try socket.receive(into: receiveBatch) } catch {
                logger.error("receive failed: \(error)")
                return wrote
            }
            for i in 0..<n {
                guard !receiveBatch.isTruncated(i), let peer = receiveBatch.peer(i) else {
                    plane.countDrop(.oversize)
                    continue
                }
                guard accept(peer) else { continue }
                // A UDP_GRO message holds several datagrams of this peer: the plane gets each.
                let datagrams = receiveBatch.forEachDatagram(in: i) { plane.handleDatagram($0, from: peer) }
                if datagrams > 1 {
                    coalescedReceives &+= 1
                    coalescedDatagrams &+= datagrams
                }
            }
            flushDatagrams()
            if queue != nil, port.queuedFrames > 0 { wrote = true }
            flushFrames(to: queue)
            if n < receiveBatch.capacity { break }
        }
        return wrote
    }

    func flushDatagrams() {
        sink.flush()
        if let failure = sink.takeFailure() { logger.error("send failed: \(failure)") }
    }

    func flushFrames(to queue: TapQueue?) {
        do { try port.flush(to: queue) } catch { logger.error("TAP write failed: \(error)") }
    }

    /// What UDP GSO and GRO did on `socket` (for the exit summary): whether they were used at all.
    func udpOffloadSummary(_ socket: UDPSocket) -> String {
        let stats = socket.statistics
        var line = "UDP offloads: \(stats.segmentedSends) segmented sends (\(stats.segmentedDatagrams) datagrams)"
        if stats.segmentationFallbacks > 0 {
            line += ", \(stats.segmentationFallbacks) refused (\(stats.lastSegmentationError.map(\.description) ?? "?")): GSO off"
        }
        return line + "; \(coalescedReceives) coalesced receives (\(coalescedDatagrams) datagrams)"
    }
}
