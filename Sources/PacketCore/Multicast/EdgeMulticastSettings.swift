/// `--igmp-snooping` and its timers, as the engine takes them. nil in the engine's configuration:
/// no snooping, n2n 2.8's behaviour.
public struct EdgeMulticastSettings: Sendable, Hashable {
    public var timers: MembershipTimers
    public var limits: MembershipLimits

    public init(timers: MembershipTimers = MembershipTimers(), limits: MembershipLimits = MembershipLimits()) {
        self.timers = timers
        self.limits = limits
    }

    /// Standard timers with the query interval (and what RFC 2236 derives from it) and the group
    /// membership interval replaced, in seconds; nil keeps the standard value.
    public init(queryIntervalSeconds: Int?, membershipTimeoutSeconds: Int?) {
        var timers = MembershipTimers()
        if let q = queryIntervalSeconds {
            let interval = Int64(q) * MembershipTimers.second
            // The hosts' answers must fit well inside a shortened interval.
            timers = MembershipTimers(queryInterval: interval, queryResponseInterval: min(10 * MembershipTimers.second, interval / 2))
        }
        if let m = membershipTimeoutSeconds { timers.membershipTimeout = Int64(m) * MembershipTimers.second }
        self.init(timers: timers)
    }

}
