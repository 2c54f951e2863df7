/// Outgoing datagrams for one socket: engines enqueue "these bytes to this peer" and the
/// batch goes out in one sendmmsg on `flush()` (or by itself when it fills up), so a
/// broadcast fan-out of one frame to 50 peers costs one system call, and with `enqueueAgain`
/// one copy of its bytes.
public final class SendBatch {
    public let socket: UDPSocket
    public let batch: DatagramBatch
    /// The message of `batch` that the last enqueued datagram went into.
    @usableFromInline var previous: Int?
    /// Where the last enqueued datagram's bytes still lie after a flush emptied the batch (the
    /// slot memory keeps them until a new datagram overwrites it).
    var flushedPrevious: (slot: Int, offset: Int, length: Int)?

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
        guard batch.append(bytes, to: destination) else { return false }
        queued()
        return true
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
        let before = batch.count
        do { _ = try batch.appendDatagram(to: destination, fill) } catch { throw .fill(error) }
        if batch.count > before { queued() }
    }

    /// Queues the bytes of the last enqueued datagram once more, for `destination` (a fan-out):
    /// a reference to them, no copy, while that datagram is still queued; if a flush sent it in
    /// between, one copy of its bytes (still in the slot's memory) into the new first message.
    /// False when nothing was enqueued before. Assumes the batch is only filled and emptied
    /// through this object (`enqueue*`, `flush`).
    @discardableResult
    public func enqueueAgain(to destination: SocketAddress) throws(Errno) -> Bool {
        if batch.isFull { try flush() }
        if let previous, previous < batch.count {
            batch.appendReference(to: destination, sameBytesAs: previous)
            return true
        }
        guard let stale = flushedPrevious else { return false }
        batch.appendCopy(ofSlot: stale.slot, offset: stale.offset, length: stale.length, to: destination)
        queued()
        return true
    }

    @usableFromInline
    func queued() {
        previous = batch.count - 1
        flushedPrevious = nil
    }

    /// Sends everything queued and empties the queue. Returns the number sent.
    @discardableResult
    public func flush() throws(Errno) -> Int {
        guard !batch.isEmpty else { return 0 }
        if let previous {
            flushedPrevious = batch.window(previous)
            self.previous = nil
        }
        defer { batch.removeAll() }
        return try socket.send(batch)
    }
}

/// Either the socket failed while flushing a full queue, or the caller's fill closure threw.
public enum SendBatchError<Failure: Error>: Error {
    case socket(Errno)
    case fill(Failure)
}
