/// The table and queriers as values, for the management text reply and the JSON API.
public struct MulticastSnapshot: Codable, Equatable, Sendable {
    public struct ListenerState: Codable, Equatable, Sendable {
        /// A peer MAC, or "local" for our own host.
        public var listener: String
        /// Seconds since its first report.
        public var ageSeconds: Int64
        /// Seconds until it expires unless a report refreshes it.
        public var expiresInSeconds: Int64
        /// A leave was seen; it goes at expiry unless a report comes.
        public var leaving: Bool
    }

    public struct GroupState: Codable, Equatable, Sendable {
        public var group: String
        public var family: String
        /// True while the listener list is full and the group is flooded.
        public var flooded: Bool
        public var listeners: [ListenerState]
    }

    public struct QuerierState: Codable, Equatable, Sendable {
        public var family: String
        /// "querier", "non-querier" or "disabled".
        public var role: String
        public var address: String?
        public var otherQuerier: String?
    }

    public var groups: [GroupState]
    public var queriers: [QuerierState]
    public var counters: MulticastCounters
    public var tableCounters: MembershipTableCounters
}

extension MembershipTable {
    /// Groups sorted by address, each with its live listeners (local first, then peers by MAC).
    public func snapshotGroups(now: Int64) -> [MulticastSnapshot.GroupState] {
        func seconds(_ ns: Int64) -> Int64 { max(0, ns) / MembershipTimers.second }
        return entries.keys.sorted().compactMap { group in
            guard let entry = entries[group] else { return nil }
            var listeners: [MulticastSnapshot.ListenerState] = []
            if let m = entry.local, m.expiry > now {
                listeners.append(.init(listener: "local", ageSeconds: seconds(now - m.since),
                                       expiresInSeconds: seconds(m.expiry - now), leaving: m.leaving))
            }
            for m in entry.peers.sorted(by: { $0.mac < $1.mac }) where m.expiry > now {
                listeners.append(.init(listener: m.mac.description, ageSeconds: seconds(now - m.since),
                                       expiresInSeconds: seconds(m.expiry - now), leaving: m.leaving))
            }
            return .init(group: group.description, family: group.isIPv4 ? "ipv4" : "ipv6",
                         flooded: entry.overflowUntil > now, listeners: listeners)
        }
    }
}

extension Querier {
    func snapshot(now: Int64) -> MulticastSnapshot.QuerierState {
        let role = !enabled ? "disabled" : isQuerier ? "querier" : "non-querier"
        return .init(family: ownAddress.isIPv4 ? "ipv4" : "ipv6", role: role,
                     address: enabled ? ownAddress.description : nil,
                     otherQuerier: otherQuerierExpiry > now ? otherQuerier?.description : nil)
    }
}

extension MulticastSnooper {
    public func snapshot(now: Int64) -> MulticastSnapshot {
        MulticastSnapshot(groups: table.snapshotGroups(now: now),
                          queriers: [igmpQuerier.snapshot(now: now), mldQuerier.snapshot(now: now)],
                          counters: counters, tableCounters: table.counters)
    }
}
