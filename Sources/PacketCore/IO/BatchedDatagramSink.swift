import LinuxSystem
import N2NWire

/// The engines' `DatagramSink` on a real socket: datagrams are sealed or copied into the slots of
/// a `SendBatch` and leave in one `sendmmsg` per `flush()` (or earlier, when the batch fills up
/// during a large fan-out). Both programs use it.
public final class BatchedDatagramSink: DatagramSink {
    public let sendBatch: SendBatch
    public var socket: UDPSocket { sendBatch.socket }
    /// A socket-level failure (not a per-datagram refusal) seen since the last `takeFailure()`.
    public private(set) var failure: Errno?
    /// Datagrams that did not fit a batch slot.
    public private(set) var oversize = 0
    private var reportedErrors = 0
    /// The socket's TTL, restored after a `-L` burst datagram.
    private var normalTTL: Int?

    public init(socket: UDPSocket, capacity: Int = 64, datagramCapacity: Int) {
        sendBatch = SendBatch(socket: socket, capacity: capacity, datagramCapacity: datagramCapacity)
    }

    public var datagramCapacity: Int { sendBatch.batch.datagramCapacity }

    public func enqueue(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket) {
        do {
            if try !sendBatch.enqueue(datagram, to: destination.socketAddress) { oversize += 1 }
        } catch {
            failure = error
        }
    }

    public func enqueue(to destination: PeerSocket, _ fill: (UnsafeMutableRawBufferPointer) -> Int) {
        do {
            try sendBatch.enqueue(to: destination.socketAddress, fill)
        } catch {
            if case .socket(let error) = error { failure = error }
        }
    }

    public func enqueueAgain(to destination: PeerSocket) {
        let batch = sendBatch.batch
        guard batch.count > 0 else { return }
        // The previous slot keeps its bytes while a full batch is flushed to make room.
        enqueue(UnsafeRawBufferPointer(batch[batch.count - 1]), to: destination)
    }

    public func enqueue(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int) {
        _ = flush()
        do {
            if normalTTL == nil { normalTTL = try socket.timeToLive() }
            try socket.setTimeToLive(ipTTL)
            _ = try socket.send(datagram, to: destination.socketAddress)
        } catch {
            failure = error
        }
        if let normalTTL { try? socket.setTimeToLive(normalTTL) }
    }

    /// Sends what is queued; returns the send errors and would-block drops since the last call.
    @discardableResult
    public func flush() -> Int {
        do {
            try sendBatch.flush()
        } catch {
            failure = error
        }
        let stats = sendBatch.socket.statistics
        let total = stats.sendErrors + stats.sendDropsWouldBlock + oversize
        defer { reportedErrors = total }
        return total - reportedErrors
    }

    /// The socket-level failure seen since the last call, if any.
    public func takeFailure() -> Errno? {
        defer { failure = nil }
        return failure
    }
}
