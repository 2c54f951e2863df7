import N2NWire
import LinuxSystem
import PacketCore
import ProgramSupport

/// The engine's output sink on a real socket: datagrams are copied into a `SendBatch` and leave in one
/// `sendmmsg` per `flush()` (or earlier, when the batch fills up during a large fan-out).
final class SendBatchSink: SupernodeOutputSink {
    let sendBatch: SendBatch
    /// A socket-level failure (not a per-datagram refusal) seen while enqueueing or flushing.
    private(set) var failure: Errno?
    /// Datagrams that did not fit a batch slot.
    private(set) var oversize = 0
    private var reportedErrors = 0

    init(socket: UDPSocket, capacity: Int = 64, datagramCapacity: Int) {
        sendBatch = SendBatch(socket: socket, capacity: capacity, datagramCapacity: datagramCapacity)
    }

    func enqueue(_ bytes: UnsafeRawBufferPointer, to destination: PeerSocket) {
        do {
            if try !sendBatch.enqueue(bytes, to: destination) { oversize += 1 }
        } catch {
            failure = error
        }
    }

    /// Sends what is queued; returns the send errors and would-block drops since the last call,
    /// which the engine counts as `errors` (spec 7.2).
    func flush() -> Int {
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
}
