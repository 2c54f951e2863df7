/// UDP GRO on receive: with `UDPSocket.setGenericReceiveOffload(true)` the kernel may hand over
/// several datagrams of one flow as one message, each `segmentSize` bytes but the last (which
/// may be shorter), and says so in a UDP_GRO cmsg. Cutting them apart again here gives the
/// receiver exactly the datagrams that were sent.
public enum CoalescedDatagrams {
    /// Calls `body` with each datagram of `message`, in order, each a window of the message's
    /// own memory (no copy). A message without a segment size, or with one of 0 or not shorter
    /// than the message, is one datagram. Returns the number of datagrams.
    @inlinable
    @discardableResult
    public static func forEach(in message: UnsafeMutableRawBufferPointer, segmentSize: Int?,
                               _ body: (UnsafeMutableRawBufferPointer) -> Void) -> Int {
        guard let size = segmentSize, size > 0, size < message.count, let base = message.baseAddress else {
            body(message)
            return 1
        }
        var offset = 0
        var datagrams = 0
        while offset < message.count {
            let length = min(size, message.count - offset)
            body(UnsafeMutableRawBufferPointer(start: base + offset, count: length))
            offset += length
            datagrams += 1
        }
        return datagrams
    }
}

extension DatagramBatch {
    /// The datagrams received message `index` holds (several when the kernel coalesced them,
    /// see `segmentSize`), one by one. Returns how many.
    @discardableResult
    public func forEachDatagram(in index: Int, _ body: (UnsafeMutableRawBufferPointer) -> Void) -> Int {
        CoalescedDatagrams.forEach(in: self[index], segmentSize: segmentSize(index), body)
    }
}
