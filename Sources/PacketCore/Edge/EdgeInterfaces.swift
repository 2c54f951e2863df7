import N2NWire

// The engine's view of the world besides its sinks (Sinks/): everything that touches the
// resolver or the host's sockets goes through here, so the engine stays pure logic and tests
// drive it with fakes.

/// Side effects the engine asks of its host that are neither datagrams nor frames.
public protocol EdgeHost: AnyObject {
    /// Joins 224.0.0.68 on the discovery socket (spec 5.2 step 4); true once joined.
    func joinDiscoveryGroup() -> Bool
    /// Starts resolving supernode `index` (a host name, IPv4 only) without blocking the caller.
    /// The answer comes back later through `EdgeEngine.supernodeResolved(index:address:)` on the
    /// engine's thread (spec 10.3 item 20: no DNS in the data path).
    func resolveSupernode(index: Int, host: String, port: UInt16)
    /// n2n 3.x: the supernode assigned the TAP address (no `-a`, v3 spec 9.5).
    func supernodeAssignedAddress(_ ipv4: UInt32, prefixLength: Int)
}

extension EdgeHost {
    public func supernodeAssignedAddress(_ ipv4: UInt32, prefixLength: Int) {}
}
