import N2NWire

public struct MulticastSnooperConfiguration: Sendable {
    public var limits = MembershipLimits()
    public var timers = MembershipTimers()
    /// Our overlay IPv4 address: the IGMP querier's source. nil: no IGMP querier (watch only).
    public var querierIPv4: UInt32?
    /// Our link-local IPv6 address: the MLD querier's source. nil: no MLD querier.
    public var querierIPv6LinkLocal: InetAddress?
    /// The source MAC of our queries (the TAP's MAC).
    public var querierMAC: MACAddress = .zero
    public var igmpQueryVersion: IGMPQueryVersion = .v3
    public var mldQueryVersion: MLDQueryVersion = .v2
    /// Non-queriers take QRV and QQIC from the querier's v3 queries (RFC 3376 8.1, 8.2).
    public var adoptQuerierTimers = true

    public init() {}
}

/// What `observe` made of a frame.
public enum SnoopResult: Equatable, Sendable {
    /// Not IGMP/MLD: nothing learned.
    case notMembership
    case report
    case leave
    case query
    /// IGMP/MLD that did not parse: still forwarded as usual, but not learned from.
    case dropped(MembershipParseError)
}

/// A query to send, with its family.
public struct QuerierRequest: Equatable, Sendable {
    public var isIPv6: Bool
    public var action: QuerierAction
}

/// Everything the edge engine calls: learn from frames in both directions, decide where frames
/// from the TAP go, run the queriers, and report. Pure state: the caller passes time in and does
/// the I/O.
public struct MulticastSnooper: Sendable {
    public private(set) var configuration: MulticastSnooperConfiguration
    public private(set) var table: MembershipTable
    public private(set) var igmpQuerier: Querier
    public private(set) var mldQuerier: Querier
    public var counters = MulticastCounters()
    /// Until when our own host is known to act as a querier (a multicast router on the host).
    var localQuerierUntil: Int64 = .min

    public init(configuration: MulticastSnooperConfiguration) {
        self.configuration = configuration
        table = MembershipTable(limits: configuration.limits, timers: configuration.timers)
        igmpQuerier = Querier(ownAddress: .v4(configuration.querierIPv4 ?? 0), timers: configuration.timers,
                              enabled: configuration.querierIPv4 != nil)
        mldQuerier = Querier(ownAddress: configuration.querierIPv6LinkLocal ?? .unspecifiedV6, timers: configuration.timers,
                             enabled: configuration.querierIPv6LinkLocal?.isIPv6LinkLocal ?? false)
    }

    public mutating func start(now: Int64) {
        igmpQuerier.start(now: now)
        mldQuerier.start(now: now)
    }

    /// Learns from a frame the local host sent (`.local`) or a peer sent (`.peer(its MAC)`).
    /// Cheap for anything that is not IGMP/MLD. The frame itself is forwarded as usual.
    @discardableResult
    public mutating func observe(frame: UnsafeRawBufferPointer, from listener: Listener, now: Int64) -> SnoopResult {
        guard MulticastClassifier.classify(frame) == .membershipControl else { return .notMembership }
        let packet: MembershipPacket
        do throws(MembershipParseError) {
            packet = try MembershipParser.parse(frame: frame)
        } catch {
            if error == .notMembership { return .notMembership }
            counters.membershipDropped &+= 1
            return .dropped(error)
        }
        switch packet.message {
        case .report(let group, _):
            counters.reportsSeen &+= 1
            table.join(group, listener: listener, now: now)
            return .report
        case .leave(let group, _):
            counters.leavesSeen &+= 1
            left(group, listener: listener, now: now)
            return .leave
        case .recordReport(let records, _):
            var sawLeave = false
            for record in records {
                switch record.effect {
                case .join: table.join(record.group, listener: listener, now: now)
                case .leave:
                    sawLeave = true
                    left(record.group, listener: listener, now: now)
                case .none: break
                }
            }
            if sawLeave { counters.leavesSeen &+= 1 } else { counters.reportsSeen &+= 1 }
            return sawLeave ? .leave : .report
        case .query(let query):
            counters.queriesSeen &+= 1
            if listener == .local { localQuerierUntil = now + configuration.timers.otherQuerierPresentInterval }
            observe(query, from: packet.source, now: now)
            return .query
        }
    }

    mutating func left(_ group: MulticastGroup, listener: Listener, now: Int64) {
        if table.leave(group, listener: listener, now: now) {
            if group.isIPv4 { igmpQuerier.groupLeft(group, now: now) } else { mldQuerier.groupLeft(group, now: now) }
        }
    }

    mutating func observe(_ query: MembershipQuery, from source: InetAddress, now: Int64) {
        if query.version.isIPv6 { mldQuerier.observeQuery(from: source, now: now) } else { igmpQuerier.observeQuery(from: source, now: now) }
        if let group = query.group {
            // Hosts answer within the query's max response time, once per robustness round.
            let within = Int64(max(1, configuration.timers.lastMemberQueryCount)) * max(query.maxResponseNanos, MembershipTimers.millisecond)
            table.lowerTimers(of: group, within: within, now: now)
        } else if configuration.adoptQuerierTimers, query.version == .igmpV3 || query.version == .mldV2 {
            var timers = table.timers
            if let qrv = query.robustness { timers.robustness = Int(qrv) }
            if let qqi = query.queryIntervalSeconds { timers.queryInterval = Int64(qqi) * MembershipTimers.second }
            timers.queryResponseInterval = max(query.maxResponseNanos, MembershipTimers.millisecond)
            table.timers = timers
        }
    }

    /// Whether a frame received from a peer should be written to the TAP. Everything is, except an
    /// IGMPv1/v2 or MLDv1 report while our host is no querier: a host that hears another host's
    /// v1/v2 report for its group suppresses its own (RFC 2236 3), and then no edge would learn
    /// that it listens. RFC 4541 2.1.1 forwards reports to router ports only for that reason. The
    /// report is still learned from (`observe`) and still flooded by the sender.
    public func deliversToHost(frame: UnsafeRawBufferPointer, now: Int64) -> Bool {
        guard localQuerierUntil <= now, MulticastClassifier.classify(frame) == .membershipControl,
              let packet = try? MembershipParser.parse(frame: frame),
              case .report(_, let version) = packet.message else { return true }
        return version == .igmpV3 || version == .mldV2
    }

    // MARK: Replication

    /// Where a frame from the local TAP goes. Does not count; call `counters.record` once it is sent.
    public func decide(frame: UnsafeRawBufferPointer, now: Int64) -> ReplicationDecision {
        let group: MulticastGroup
        switch MulticastClassifier.classify(frame) {
        case .unicast: return .notMulticast
        case .flood(let reason): return .flood(reason)
        case .membershipControl: return .flood(.membershipControl)
        case .group(let g): group = g
        }
        let querier = group.isIPv4 ? igmpQuerier : mldQuerier
        guard querier.querierPresent(now: now) else { return .flood(.noQuerier) }
        switch table.lookup(group, now: now) {
        case .unknown: return .flood(.unknownGroup)
        case .overflow: return .flood(.listenerLimit)
        case .known(let peers, _): return peers == 0 ? .suppress(group) : .listeners(group, count: peers)
        }
    }

    public func forEachListener(of group: MulticastGroup, now: Int64, _ body: (MACAddress) -> Void) {
        table.forEachPeerListener(of: group, now: now, body)
    }

    public func copyListeners(of group: MulticastGroup, now: Int64, into buffer: UnsafeMutableBufferPointer<MACAddress>) -> Int {
        table.copyPeerListeners(of: group, now: now, into: buffer)
    }

    // MARK: Timers and queries

    /// Expires memberships and returns the next query due, if any; call until nil.
    public mutating func poll(now: Int64) -> QuerierRequest? {
        table.expire(now: now)
        if let action = igmpQuerier.poll(now: now) { return QuerierRequest(isIPv6: false, action: action) }
        if let action = mldQuerier.poll(now: now) { return QuerierRequest(isIPv6: true, action: action) }
        return nil
    }

    /// Writes the query frame for `request` (see `MembershipQueryBuilder.maxQueryLength`) and counts it.
    /// The engine sends it to every peer and to its own TAP, so the local host answers too.
    public mutating func writeQuery(_ request: QuerierRequest, into buffer: UnsafeMutableRawBufferPointer) throws(MembershipBuildError) -> Int {
        let timers = configuration.timers
        let group: MulticastGroup?
        let maxResponse: Int64
        switch request.action {
        case .generalQuery:
            group = nil
            maxResponse = timers.queryResponseInterval
        case .groupQuery(let g):
            group = g
            maxResponse = timers.lastMemberQueryInterval
        }
        let n: Int
        if request.isIPv6 {
            n = try MembershipQueryBuilder.writeMLDQuery(version: configuration.mldQueryVersion, group: group,
                                                         sourceMAC: configuration.querierMAC, sourceIP: mldQuerier.ownAddress,
                                                         maxResponseNanos: maxResponse, robustness: timers.robustness,
                                                         queryIntervalNanos: timers.queryInterval, into: buffer)
        } else {
            n = try MembershipQueryBuilder.writeIGMPQuery(version: configuration.igmpQueryVersion, group: group,
                                                          sourceMAC: configuration.querierMAC, sourceIP: igmpQuerier.ownAddress,
                                                          maxResponseNanos: maxResponse, robustness: timers.robustness,
                                                          queryIntervalNanos: timers.queryInterval, into: buffer)
        }
        counters.queriesSent &+= 1
        return n
    }

    /// The earliest time `poll` has work.
    public var nextDeadline: Int64? {
        var t: Int64?
        for d in [table.nextDeadline, igmpQuerier.nextDeadline, mldQuerier.nextDeadline] {
            if let d { t = min(t ?? d, d) }
        }
        return t
    }
}
