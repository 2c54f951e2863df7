import N2NWire

/// Where the engine puts the datagrams it sends. The I/O layer collects them into one `sendmmsg` batch
/// per receive batch; tests record them.
public protocol SupernodeOutputSink: AnyObject {
    /// Queues one datagram for `destination`. `bytes` is valid only during the call (the engine reuses
    /// its buffer), so the sink copies it. A broadcast enqueues the same bytes once per receiver.
    func enqueue(_ bytes: UnsafeRawBufferPointer, to destination: PeerSocket)
}
