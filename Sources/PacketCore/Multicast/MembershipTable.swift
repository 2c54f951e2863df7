import N2NWire

/// Who listens: the host behind our own TAP, or a peer edge (by the MAC the engine sends to).
public enum Listener: Hashable, Sendable {
    case local
    case peer(MACAddress)
}

/// Counters of what the bounds refused.
public struct MembershipTableCounters: Equatable, Sendable, Codable {
    /// Reports for a new group while every slot held a group with listeners.
    public var groupsRejected: UInt64 = 0
    /// Reports from a new listener for a group whose listener list was full.
    public var listenersRejected: UInt64 = 0
    /// Empty (all listeners gone) groups dropped to make room for a new one.
    public var groupsEvicted: UInt64 = 0
}

/// group -> listeners with their expiry, bounded. A group never reported is unknown (the caller
/// floods it); a group whose listeners all left or expired stays as an empty entry, so its traffic
/// is suppressed, until a new group needs the slot.
public struct MembershipTable: Sendable {
    struct Membership: Sendable {
        var mac: MACAddress
        var since: Int64
        var expiry: Int64
        /// A leave was seen; the expiry is the end of the last-member query time.
        var leaving: Bool
    }

    struct Entry: Sendable {
        var peers: [Membership] = []
        var local: Membership?
        /// While later than now, a listener could not be recorded: the group is flooded.
        var overflowUntil: Int64 = .min
        /// When the entry last became empty: the oldest empty entry is evicted first.
        var emptySince: Int64?

        var isEmpty: Bool { peers.isEmpty && local == nil }
    }

    public var limits: MembershipLimits
    public var timers: MembershipTimers
    public private(set) var counters = MembershipTableCounters()
    var entries: [MulticastGroup: Entry] = [:]
    /// Never later than the earliest expiry in the table (refreshes only push expiries back).
    var earliestDeadline: Int64?

    public init(limits: MembershipLimits = MembershipLimits(), timers: MembershipTimers = MembershipTimers()) {
        self.limits = limits
        self.timers = timers
        entries.reserveCapacity(limits.maxGroups)
    }

    public var groupCount: Int { entries.count }

    /// A report: the listener listens for one group membership interval from now. Groups that are
    /// always flooded are ignored.
    public mutating func join(_ group: MulticastGroup, listener: Listener, now: Int64) {
        guard group.isMulticast, MulticastScope.floodReason(group) == nil else { return }
        let expiry = now + timers.groupMembershipInterval
        if entries[group] == nil {
            guard makeRoom(now: now) else {
                counters.groupsRejected += 1
                return
            }
            entries[group] = Entry()
        }
        let capacity = limits.maxListenersPerGroup
        let overflow = timers.groupMembershipInterval
        var rejected = false
        modify(group) { entry in
            entry.emptySince = nil
            switch listener {
            case .local:
                if entry.local == nil {
                    entry.local = Membership(mac: .zero, since: now, expiry: expiry, leaving: false)
                } else {
                    entry.local?.expiry = expiry
                    entry.local?.leaving = false
                }
            case .peer(let mac):
                if let i = entry.peers.firstIndex(where: { $0.mac == mac }) {
                    entry.peers[i].expiry = expiry
                    entry.peers[i].leaving = false
                } else if entry.peers.count < capacity {
                    if entry.peers.capacity == 0 { entry.peers.reserveCapacity(4) }
                    entry.peers.append(Membership(mac: mac, since: now, expiry: expiry, leaving: false))
                } else {
                    entry.overflowUntil = now + overflow
                    rejected = true
                }
            }
            if rejected && entry.isEmpty { entry.emptySince = now }
        }
        if rejected { counters.listenersRejected += 1 }
        noteDeadline(rejected ? now + overflow : expiry)
    }

    /// A leave or done: with fast leave the listener goes now; otherwise it stays for the last-member
    /// query time, so that another host behind the same peer can answer the group-specific queries.
    /// Returns whether the listener was there and the querier should send those queries.
    @discardableResult
    public mutating func leave(_ group: MulticastGroup, listener: Listener, now: Int64) -> Bool {
        guard entries[group] != nil else { return false }
        let deadline = now + timers.lastMemberQueryTime
        let fast = timers.fastLeave
        var found = false
        modify(group) { entry in
            switch listener {
            case .local:
                guard entry.local != nil else { return }
                found = true
                if fast {
                    entry.local = nil
                } else if let m = entry.local {
                    entry.local = Membership(mac: m.mac, since: m.since, expiry: min(m.expiry, deadline), leaving: true)
                }
            case .peer(let mac):
                guard let i = entry.peers.firstIndex(where: { $0.mac == mac }) else { return }
                found = true
                if fast {
                    entry.peers.remove(at: i)
                } else {
                    entry.peers[i].expiry = min(entry.peers[i].expiry, deadline)
                    entry.peers[i].leaving = true
                }
            }
            if entry.isEmpty && entry.emptySince == nil { entry.emptySince = now }
        }
        if found && !fast { noteDeadline(deadline) }
        return found && !fast
    }

    /// A group-specific query from another querier: every listener of the group must answer within
    /// `within` or go (RFC 3376 6.6.1, as a non-querier router lowers its group timer).
    public mutating func lowerTimers(of group: MulticastGroup, within: Int64, now: Int64) {
        guard entries[group] != nil else { return }
        let deadline = now + within
        modify(group) { entry in
            for i in entry.peers.indices { entry.peers[i].expiry = min(entry.peers[i].expiry, deadline) }
            if let m = entry.local { entry.local?.expiry = min(m.expiry, deadline) }
        }
        noteDeadline(deadline)
    }

    /// Drops every listener whose time is up.
    public mutating func expire(now: Int64) {
        guard let deadline = earliestDeadline, deadline <= now else { return }
        var earliest: Int64?
        func note(_ t: Int64) { if t > now { earliest = min(earliest ?? t, t) } }
        // By index, mutating the values in place: iterating `keys` would share, and so copy, the storage.
        var index = entries.startIndex
        while index != entries.endIndex {
            let hadListeners = !entries.values[index].isEmpty
            entries.values[index].peers.removeAll { $0.expiry <= now }
            if let m = entries.values[index].local, m.expiry <= now { entries.values[index].local = nil }
            let entry = entries.values[index]
            if hadListeners && entry.isEmpty { entries.values[index].emptySince = now }
            for m in entry.peers { note(m.expiry) }
            if let m = entry.local { note(m.expiry) }
            if entry.overflowUntil > now { note(entry.overflowUntil) }
            index = entries.index(after: index)
        }
        earliestDeadline = earliest
    }

    /// When `expire(now:)` next has something to do (it may find nothing, never misses a deadline).
    public var nextDeadline: Int64? { earliestDeadline }

    // MARK: Lookups on the per-frame path (no allocation)

    public enum Lookup: Equatable, Sendable {
        case unknown
        /// Listeners may be missing: flood.
        case overflow
        /// `peers` peer listeners (0: suppress), and whether the local host listens.
        case known(peers: Int, local: Bool)
    }

    public func lookup(_ group: MulticastGroup, now: Int64) -> Lookup {
        guard let entry = entries[group] else { return .unknown }
        if entry.overflowUntil > now { return .overflow }
        var peers = 0
        for m in entry.peers where m.expiry > now { peers += 1 }
        return .known(peers: peers, local: (entry.local?.expiry ?? .min) > now)
    }

    /// Calls `body` with each peer listening to `group` now.
    public func forEachPeerListener(of group: MulticastGroup, now: Int64, _ body: (MACAddress) -> Void) {
        guard let entry = entries[group] else { return }
        for m in entry.peers where m.expiry > now { body(m.mac) }
    }

    /// Writes up to `buffer.count` listening peers into `buffer`; returns how many it wrote.
    public func copyPeerListeners(of group: MulticastGroup, now: Int64, into buffer: UnsafeMutableBufferPointer<MACAddress>) -> Int {
        guard let entry = entries[group] else { return 0 }
        var n = 0
        for m in entry.peers where m.expiry > now {
            guard n < buffer.count else { break }
            buffer[n] = m.mac
            n += 1
        }
        return n
    }

    public func isListening(_ listener: Listener, to group: MulticastGroup, now: Int64) -> Bool {
        guard let entry = entries[group] else { return false }
        switch listener {
        case .local: return (entry.local?.expiry ?? .min) > now
        case .peer(let mac): return entry.peers.contains { $0.mac == mac && $0.expiry > now }
        }
    }

    // MARK: Internals

    /// In place, so the listener array is not copied.
    mutating func modify(_ group: MulticastGroup, _ body: (inout Entry) -> Void) {
        guard let i = entries.index(forKey: group) else { return }
        body(&entries.values[i])
    }

    mutating func noteDeadline(_ t: Int64) {
        earliestDeadline = min(earliestDeadline ?? t, t)
    }

    /// True if a new group fits, evicting the entry that has been empty longest if needed.
    mutating func makeRoom(now: Int64) -> Bool {
        guard entries.count >= limits.maxGroups else { return true }
        var victim: MulticastGroup?
        var oldest = Int64.max
        for (group, entry) in entries {
            // An entry whose listeners are all past expiry but not yet expired counts as empty.
            let empty = entry.isEmpty || (entry.local.map { $0.expiry <= now } ?? true) && entry.peers.allSatisfy { $0.expiry <= now }
            guard empty, entry.overflowUntil <= now else { continue }
            let since = entry.emptySince ?? .min
            if since < oldest || victim == nil { oldest = since; victim = group }
        }
        guard let victim else { return false }
        entries[victim] = nil
        counters.groupsEvicted += 1
        return true
    }
}
