import N2NWire

/// The statistics of spec 7.2 plus one counter per drop reason. Plain stored integers: the engine is
/// single-threaded, and the management report reads them on the same thread.
public struct SupernodeStatistics: Sendable, Equatable {
    /// Send errors reported by the I/O layer (spec 7.2 `errors`).
    public var errors: UInt64 = 0
    /// REGISTER_SUPER received.
    public var registerSuper: UInt64 = 0
    /// Always 0: no 2.x supernode sends a NAK (spec 6.5).
    public var registerSuperNak: UInt64 = 0
    /// Unicast PACKET/REGISTER relays.
    public var forwarded: UInt64 = 0
    /// Broadcast/multicast copies sent.
    public var broadcast: UInt64 = 0
    /// Monotonic nanoseconds of the last PACKET/REGISTER for a known community; nil until then.
    public var lastForward: Int64?
    /// Monotonic nanoseconds of the last REGISTER_SUPER; nil until then.
    public var lastRegisterSuper: Int64?
    /// REGISTER_SUPER_ACKs and PEER_INFOs sent.
    public var replies: UInt64 = 0

    /// One counter per `DropReason` (the supernode uses the malformed, header and policy ones).
    public private(set) var drops = DropCounters()

    public init() {}

    public subscript(reason: DropReason) -> UInt64 {
        get { drops[reason] }
        set { drops[reason] = newValue }
    }

    /// Datagrams dropped or ignored for any reason except being empty.
    public var totalDropped: UInt64 { drops.total(excluding: .empty) }

    mutating func count(_ reason: DropReason) {
        drops.count(reason)
    }
}
