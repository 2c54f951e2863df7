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

    init(plane: EdgeDataPlane, port: TapFramePort, sink: BatchedDatagramSink, receiveBatch: DatagramBatch, logger: Logger) {
        self.plane = plane
        self.port = port
        self.sink = sink
        self.receiveBatch = receiveBatch
        self.logger = logger
    }

    /// Frames from the TAP to the peers; returns the read error, if any, for the owner of the queue.
    func drainTap(_ queue: TapQueue) -> Errno? {
        let plane = self.plane
        for _ in 0..<Self.batchesPerWakeup {
            let n: Int
            do { n = try port.read(from: queue) { plane.handleFrame($0) } } catch { return error }
            flushDatagrams()
            if n < port.readCapacity { break }
        }
        return nil
    }

    /// Datagrams from `socket` to the TAP (and the replies they cause); `accept` can pass over
    /// sources (counted by the caller's log, not as drops: they are not the peers' fault).
    func drain(_ socket: UDPSocket, tap queue: TapQueue?, accept: (PeerSocket) -> Bool = { _ in true }) {
        for _ in 0..<Self.batchesPerWakeup {
            let n: Int
            do { n = try socket.receive(into: receiveBatch) } catch {
                logger.error("receive failed: \(error)")
                return
            }
            for i in 0..<n {
                guard !receiveBatch.isTruncated(i), let peer = receiveBatch.peer(i) else {
                    plane.countDrop(.oversize)
                    continue
                }
                guard accept(peer) else { continue }
                plane.handleDatagram(receiveBatch[i], from: peer)
            }
            flushDatagrams()
            flushFrames(to: queue)
            if n < receiveBatch.capacity { break }
        }
    }

    func flushDatagrams() {
        sink.flush()
        if let failure = sink.takeFailure() { logger.error("send failed: \(failure)") }
    }

    func flushFrames(to queue: TapQueue?) {
        do { try port.flush(to: queue) } catch { logger.error("TAP write failed: \(error)") }
    }
}
