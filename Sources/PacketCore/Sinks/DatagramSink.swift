import N2NWire

/// Where an engine puts the UDP datagrams it sends: the one sink of both engines. The I/O
/// layer collects them into a `sendmmsg` batch; tests record them. The bytes passed in are valid
/// only during the call (engines reuse their buffers), so an implementation copies them, or
/// lets the engine write straight into its outgoing slot.
public protocol DatagramSink: AnyObject {
    /// Queues a copy of `datagram` for `destination`.
    func enqueue(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket)

    /// Lets `fill` write a datagram for `destination` straight into the next outgoing slot (at
    /// least `datagramCapacity` bytes); it returns the length, or 0 to send nothing. This is how
    /// a frame is sealed into the buffer it leaves from, with no copy in between.
    func enqueue(to destination: PeerSocket, _ fill: (UnsafeMutableRawBufferPointer) -> Int)

    /// Queues the bytes of the datagram queued last once more, for another destination (a
    /// fan-out: one sealed buffer, several messages).
    func enqueueAgain(to destination: PeerSocket)

    /// Hole punching with `-L n`, n > 1 (spec 5.7): this datagram leaves with IP TTL `ipTTL`,
    /// after everything already queued.
    func enqueue(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int)

    /// The smallest slot a `fill` closure is given.
    var datagramCapacity: Int { get }
}

/// Where the edge writes decoded Ethernet frames (the TAP queue).
public protocol FrameSink: AnyObject {
    /// Lets `fill` write one frame straight into the next outgoing slot (at least `frameCapacity`
    /// bytes); it returns the length, or 0 to write nothing (e.g. a filter dropped the frame).
    func writeFrame(_ fill: (UnsafeMutableRawBufferPointer) -> Int)

    var frameCapacity: Int { get }
}

extension FrameSink {
    /// Writes a copy of `frame`.
    public func writeFrame(_ frame: UnsafeRawBufferPointer) {
        writeFrame { slot in
            guard frame.count <= slot.count else { return 0 }
            slot.copyMemory(from: frame)
            return frame.count
        }
    }
}
