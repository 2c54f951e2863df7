/// Outgoing datagrams for one socket: engines enqueue "these bytes to this peer" and the
/// batch goes out in one sendmmsg on `flush()` (or by itself when it fills up), so a
/// broadcast fan-out of one frame to 50 peers costs one system call.
public final class SendBatch {
    public let socket: UDPSocket
    public let batch: DatagramBatch

    public init(socket: UDPSocket, capacity: Int = 64, datagramCapacity: Int = 2048, headroom: Int = 0) {
        self.socket = socket
        batch = DatagramBatch(capacity: capacity, datagramCapacity: datagramCapacity, headroom: headroom)
    }

    public var pending: Int { batch.count }

    /// Copies `bytes` into the queue for `destination`; flushes first if the queue is full.
    /// False when `bytes` is longer than `datagramCapacity` (nothing queued).
    @discardableResult
    public func enqueue(_ bytes: UnsafeRawBufferPointer, to destination: SocketAddress) throws(Errno) -> Bool {
        guard bytes.count <= batch.datagramCapacity else { return false }
        if batch.isFull { try flush() }
        return batch.append(bytes, to: destination)
    }

    /// Lets `fill` write the datagram for `destination` into the next slot (see
    /// `DatagramBatch.appendDatagram`); flushes first if the queue is full.
    @inlinable
    public func enqueue<E: Error>(
        to destination: SocketAddress, _ fill: (UnsafeMutableRawBufferPointer) throws(E) -> Int
    ) throws(SendBatchError<E>) {
        if batch.isFull {
            do { try flush() } catch { throw .socket(error) }
        }
        do { _ = try batch.appendDatagram(to: destination, fill) } catch { throw .fill(error) }
    }

    /// Sends everything queued and empties the queue. Returns the number sent.
    @discardableResult
    public func flush() throws(Errno) -> Int {
        guard !batch.isEmpty else { return 0 }
        defer { batch.removeAll() }
        return try socket.send(batch)
    }
}

/// Either the socket failed while flushing a full queue, or the caller's fill closure threw.
public enum SendBatchError<Failure: Error>: Error {
    case socket(Errno)
    case fill(Failure)
}
