/// What the querier wants sent now.
public enum QuerierAction: Equatable, Sendable {
    case generalQuery
    case groupQuery(MulticastGroup)
}

/// Querier election and query schedule for one address family (RFC 2236 3 and 7, RFC 3376 6.6.2,
/// RFC 3810 7.6.2): the lowest address among the queriers seen is the querier. We start as querier;
/// a query from a lower address makes us a non-querier until none has been seen for the
/// other-querier-present interval. Time comes in as monotonic nanoseconds.
public struct Querier: Sendable {
    /// Our source address for the queries (an overlay IPv4 address, or an IPv6 link-local address).
    public let ownAddress: InetAddress
    public var timers: MembershipTimers
    /// False: never query, only watch for other queriers.
    public let enabled: Bool
    public private(set) var isQuerier = false
    /// The lower-addressed querier we yield to.
    public private(set) var otherQuerier: InetAddress?
    /// Groups with group-specific queries still to send are bounded; further leaves are counted.
    public let maxPendingGroupQueries: Int
    public private(set) var groupQueriesDropped: UInt64 = 0

    var started = false
    var otherQuerierExpiry: Int64 = .min
    /// Until when some querier (us or another, whatever its address) is known to be active.
    var anyQuerierUntil: Int64 = .min
    var nextGeneralQuery: Int64 = .max
    var startupQueriesLeft = 0
    var pending: [PendingGroupQuery] = []

    struct PendingGroupQuery: Sendable {
        var group: MulticastGroup
        var remaining: Int
        var due: Int64
    }

    public init(ownAddress: InetAddress, timers: MembershipTimers = MembershipTimers(), enabled: Bool = true,
                maxPendingGroupQueries: Int = 64) {
        self.ownAddress = ownAddress
        self.timers = timers
        self.enabled = enabled
        self.maxPendingGroupQueries = max(1, maxPendingGroupQueries)
    }

    /// Becomes querier and schedules the startup queries: the first now, then `startupQueryCount - 1`
    /// more at the startup interval, then one per query interval.
    public mutating func start(now: Int64) {
        guard enabled, !started else { return }
        started = true
        isQuerier = true
        nextGeneralQuery = now
        startupQueriesLeft = max(1, timers.startupQueryCount)
        pending.reserveCapacity(maxPendingGroupQueries)
    }

    /// A query seen on the overlay or from our host, with its IP source.
    public mutating func observeQuery(from source: InetAddress, now: Int64) {
        guard source.isIPv4 == ownAddress.isIPv4 else { return }
        // A disabled querier has no address of its own, so any source (0.0.0.0 from a Linux bridge
        // querier too) counts as another querier.
        guard !enabled || source != ownAddress else { return }
        anyQuerierUntil = max(anyQuerierUntil, now + timers.otherQuerierPresentInterval)
        guard enabled, source < ownAddress else { return }
        if let current = otherQuerier, current < source, otherQuerierExpiry > now { return }
        otherQuerier = source
        otherQuerierExpiry = now + timers.otherQuerierPresentInterval
        if isQuerier {
            isQuerier = false
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// A leave for `group` that removed or lowered a listener: as querier, send last-member-count
    /// group-specific queries, the first now, then one per last-member query interval.
    public mutating func groupLeft(_ group: MulticastGroup, now: Int64) {
        guard isQuerier, group.isIPv4 == ownAddress.isIPv4 else { return }
        let count = max(1, timers.lastMemberQueryCount)
        if let i = pending.firstIndex(where: { $0.group == group }) {
            pending[i].remaining = count
            pending[i].due = min(pending[i].due, now)
            return
        }
        guard pending.count < maxPendingGroupQueries else {
            groupQueriesDropped += 1
            return
        }
        pending.append(PendingGroupQuery(group: group, remaining: count, due: now))
    }

    /// The next query due at `now`, if any; call until it returns nil. Also takes over as querier
    /// when the other querier has gone quiet.
    public mutating func poll(now: Int64) -> QuerierAction? {
        guard enabled, started else { return nil }
        if !isQuerier {
            guard otherQuerierExpiry <= now else { return nil }
            isQuerier = true
            otherQuerier = nil
            nextGeneralQuery = now
            startupQueriesLeft = 0
        }
        if nextGeneralQuery <= now {
            if startupQueriesLeft > 0 { startupQueriesLeft -= 1 }
            nextGeneralQuery = now + (startupQueriesLeft > 0 ? timers.startupQueryInterval : timers.queryInterval)
            return .generalQuery
        }
        if let i = pending.indices.first(where: { pending[$0].due <= now }) {
            let group = pending[i].group
            pending[i].remaining -= 1
            pending[i].due = now + timers.lastMemberQueryInterval
            if pending[i].remaining <= 0 { pending.remove(at: i) }
            return .groupQuery(group)
        }
        return nil
    }

    /// When `poll` next has something to return.
    public var nextDeadline: Int64? {
        guard enabled, started else { return nil }
        guard isQuerier else { return otherQuerierExpiry }
        var t = nextGeneralQuery
        for p in pending { t = min(t, p.due) }
        return t
    }

    /// Whether memberships are being kept fresh: we query, or some querier was seen recently.
    public func querierPresent(now: Int64) -> Bool {
        (enabled && started && isQuerier) || anyQuerierUntil > now || otherQuerierExpiry > now
    }

    /// Group-specific queries still to send.
    public var pendingGroupQueries: Int { pending.count }
}
