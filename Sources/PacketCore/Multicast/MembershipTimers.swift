/// The IGMP/MLD timer values (RFC 2236 8, RFC 3376 8, RFC 2710 7, RFC 3810 9), in nanoseconds of the
/// caller's monotonic clock. Every value can be changed so that tests run in seconds.
public struct MembershipTimers: Hashable, Sendable, Codable {
    public static let second: Int64 = 1_000_000_000
    public static let millisecond: Int64 = 1_000_000

    /// Robustness Variable: how many lost messages the timers tolerate.
    public var robustness: Int = 2
    public var queryInterval: Int64 = 125 * second
    /// Max Response Time put in our general queries.
    public var queryResponseInterval: Int64 = 10 * second
    public var lastMemberQueryInterval: Int64 = 1 * second
    public var lastMemberQueryCount: Int = 2
    public var startupQueryInterval: Int64 = 125 * second / 4
    public var startupQueryCount: Int = 2
    /// Drop a listener at its leave instead of after the last-member queries (off by default: a
    /// peer MAC may stand for several hosts behind a bridge).
    public var fastLeave: Bool = false
    /// Overrides the derived group membership interval (tests shorten it alone); nil: derived.
    public var membershipTimeout: Int64?

    public init() {}

    /// Sets the interval and everything RFC 2236 derives from it (startup interval = interval / 4).
    public init(queryInterval: Int64, queryResponseInterval: Int64, robustness: Int = 2,
                lastMemberQueryInterval: Int64 = 1 * second) {
        self.robustness = robustness
        self.queryInterval = queryInterval
        self.queryResponseInterval = queryResponseInterval
        self.lastMemberQueryInterval = lastMemberQueryInterval
        lastMemberQueryCount = robustness
        startupQueryInterval = queryInterval / 4
        startupQueryCount = robustness
    }

    /// 2 × 125 s + 10 s = 260 s by default.
    public var groupMembershipInterval: Int64 {
        membershipTimeout ?? Int64(robustness) * queryInterval + queryResponseInterval
    }
    /// 2 × 125 s + 5 s = 255 s by default.
    public var otherQuerierPresentInterval: Int64 { Int64(robustness) * queryInterval + queryResponseInterval / 2 }
    /// 2 × 1 s by default: how long a group stays after a leave unless a report refreshes it.
    public var lastMemberQueryTime: Int64 { Int64(lastMemberQueryCount) * lastMemberQueryInterval }
}

/// Bounds on the table, so that a flood of reports (or of spoofed ones) cannot grow it without limit.
public struct MembershipLimits: Hashable, Sendable, Codable {
    public var maxGroups: Int = 512
    public var maxListenersPerGroup: Int = 128

    public init(maxGroups: Int = 512, maxListenersPerGroup: Int = 128) {
        self.maxGroups = max(1, maxGroups)
        self.maxListenersPerGroup = max(1, maxListenersPerGroup)
    }
}
