/// The counters of spec 7.1 plus the drop counters.
public struct EdgeStatistics: Sendable {
    /// PACKETs sent to the supernode / received with FROM_SUPERNODE.
    public var txSupernode: UInt64 = 0
    public var rxSupernode: UInt64 = 0
    public var txSupernodeBroadcast: UInt64 = 0
    public var rxSupernodeBroadcast: UInt64 = 0
    /// PACKETs sent / received directly.
    public var txP2P: UInt64 = 0
    public var rxP2P: UInt64 = 0
    /// Frames encoded / decoded by the transform.
    public var transformTx: UInt64 = 0
    public var transformRx: UInt64 = 0
    /// TCP SYNs whose MSS was lowered to fit the overlay, from the TAP / from peers.
    public var mssClampedTx: UInt64 = 0
    public var mssClampedRx: UInt64 = 0
    /// Wall-clock seconds of the last ACKed registration or relayed PACKET; 0 = never.
    public var lastSupernode: Int64 = 0
    /// Wall-clock seconds of the last direct PACKET; 0 = never.
    public var lastP2P: Int64 = 0
    /// One counter per `DropReason` (the edge uses the malformed, header and edge ones).
    public private(set) var drops = DropCounters()

    public init() {}

    public mutating func countDrop(_ reason: DropReason) {
        drops.count(reason)
    }

    public func drops(_ reason: DropReason) -> UInt64 { drops[reason] }

    public var totalDrops: UInt64 { drops.total() }

    /// Adds another share of the same edge's counters (a worker's to the control plane's).
    public mutating func add(_ other: EdgeStatistics) {
        txSupernode &+= other.txSupernode
        rxSupernode &+= other.rxSupernode
        txSupernodeBroadcast &+= other.txSupernodeBroadcast
        rxSupernodeBroadcast &+= other.rxSupernodeBroadcast
        txP2P &+= other.txP2P
        rxP2P &+= other.rxP2P
        transformTx &+= other.transformTx
        transformRx &+= other.transformRx
        mssClampedTx &+= other.mssClampedTx
        mssClampedRx &+= other.mssClampedRx
        lastSupernode = max(lastSupernode, other.lastSupernode)
        lastP2P = max(lastP2P, other.lastP2P)
        drops.add(other.drops)
    }
}
