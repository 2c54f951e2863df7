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
        do {
            _ = try sendBatch.enqueueAgain(to: destination.socketAddress)
        } catch {
            failure = error
        }
    }

    /// The TTL travels with the one datagram (an IP_TTL control message), so the socket's own
    /// TTL never changes and nothing queued before or after is affected.
    public func enqueue(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int) {
        do {
            guard try sendBatch.enqueue(datagram, to: destination.socketAddress) else {
                oversize += 1
                return
            }
            let batch = sendBatch.batch
            batch.setTimeToLive(batch.count - 1, min(max(ipTTL, 1), 255))
        } catch {
            failure = error
        }
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
