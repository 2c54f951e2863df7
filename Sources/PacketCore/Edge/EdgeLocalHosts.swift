import N2NWire

/// The hosts behind the edge (issue 17 item 4): source MACs other than the edge's own seen on
/// frames from the TAP, which happens when the TAP is a port of a Linux bridge. 2.x peers and
/// supernodes only map MACs they were told about to sockets (spec 6.3.1: a supernode drops
/// unicast to an unregistered MAC), so the control plane registers each of these MACs at the
/// supernodes with a REGISTER_SUPER of its own from the edge's socket and answers REGISTERs
/// addressed to it; then stock supernodes relay to the host and stock edges reach it P2P.
/// Bounded (`maxLocalHosts`), aged out (`localHostTimeout` without a frame), counted.
struct EdgeLocalHosts {
    struct Entry: Equatable {
        var firstSeen: Int64
        var lastSeen: Int64
    }

    private(set) var entries: [MACAddress: Entry] = [:]
    let capacity: Int
    let timeout: Int64
    /// Counters for management: hosts learned, aged out, refused because the table was full (a
    /// refused host's frames still go out, so this is no drop reason).
    private(set) var learned: UInt64 = 0
    private(set) var expired: UInt64 = 0
    private(set) var refused: UInt64 = 0

    enum Outcome: Equatable { case refreshed, learned, full }

    init(capacity: Int, timeout: Int64) {
        self.capacity = max(0, capacity)
        self.timeout = timeout
        entries.reserveCapacity(self.capacity)
    }

    var count: Int { entries.count }

    func contains(_ mac: MACAddress) -> Bool { entries[mac] != nil }

    /// A frame from the TAP with source `mac` (never the edge's own, a group or the zero MAC).
    mutating func observe(_ mac: MACAddress, now: Int64) -> Outcome {
        if let i = entries.index(forKey: mac) {
            entries.values[i].lastSeen = max(entries.values[i].lastSeen, now)
            return .refreshed
        }
        guard entries.count < capacity else {
            refused &+= 1
            return .full
        }
        entries[mac] = Entry(firstSeen: now, lastSeen: now)
        learned &+= 1
        return .learned
    }

    /// Removes the hosts not seen for `timeout`; returns how many went.
    mutating func expire(now: Int64) -> Int {
        let before = entries.count
        entries = entries.filter { now - $0.value.lastSeen < timeout }
        let gone = before - entries.count
        expired &+= UInt64(gone)
        return gone
    }

    /// When the next host ages out (nil: none learned). Asked at every turn of the control loop:
    /// a plain scan, nothing allocated.
    var nextExpiry: Int64? {
        var oldest: Int64?
        for entry in entries.values where oldest.map({ entry.lastSeen < $0 }) ?? true { oldest = entry.lastSeen }
        return oldest.map { $0 &+ timeout }
    }
}
