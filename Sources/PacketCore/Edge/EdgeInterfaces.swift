import N2NWire

// The engine's view of the world. Everything that touches a socket, the TAP, the resolver or a
// clock goes through one of these, so the engine stays pure logic and tests drive it with fakes.

/// Where the engine sends UDP datagrams. Implementations copy the bytes (the engine reuses its
/// buffers) and may batch them until the event loop flushes (sendmmsg).
public protocol EdgeDatagramSink: AnyObject {
    func enqueue(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket)
    /// Hole punching with `-L n`, n > 1 (spec 5.7): the datagram leaves the main socket with IP TTL
    /// `ipTTL`, after everything already queued; the socket's normal TTL applies again afterwards.
    func enqueue(_ datagram: UnsafeRawBufferPointer, to destination: PeerSocket, ipTTL: Int)
}

/// Where the engine writes decoded Ethernet frames (the TAP device). Implementations copy.
public protocol EdgeFrameSink: AnyObject {
    func writeFrame(_ frame: UnsafeRawBufferPointer)
}

/// Side effects the engine asks of its host that are neither datagrams nor frames.
public protocol EdgeHost: AnyObject {
    /// Joins 224.0.0.68 on the discovery socket (spec 5.2 step 4); true once joined.
    func joinDiscoveryGroup() -> Bool
    /// Starts resolving supernode `index` (a host name, IPv4 only) without blocking the caller.
    /// The answer comes back later through `EdgeEngine.supernodeResolved(index:address:)` on the
    /// engine's thread (spec 10.3 item 20: no DNS in the data path).
    func resolveSupernode(index: Int, host: String, port: UInt16)
}
