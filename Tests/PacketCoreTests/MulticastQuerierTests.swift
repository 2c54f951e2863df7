import Testing
import N2NWire
@testable import PacketCore

private let s = mcastSecond
private let own = InetAddress.v4(0x0A00_0005)     // 10.0.0.5
private let lower = InetAddress.v4(0x0A00_0002)
private let higher = InetAddress.v4(0x0A00_0009)
private let group = InetAddress.v4(0xEF01_0101)

/// Every action due up to and including `now`.
private func drain(_ q: inout Querier, _ now: Int64) -> [QuerierAction] {
    var out: [QuerierAction] = []
    while let a = q.poll(now: now) { out.append(a) }
    return out
}

@Suite struct MulticastQuerierTests {
    @Test func startupQueriesThenTheRegularInterval() {
        var q = Querier(ownAddress: own)
        #expect(q.poll(now: 0) == nil, "nothing before start")
        q.start(now: 0)
        #expect(q.isQuerier)
        #expect(drain(&q, 0) == [.generalQuery])
        #expect(q.nextDeadline == 125 * s / 4)
        #expect(drain(&q, 125 * s / 4 - 1) == [])
        #expect(drain(&q, 125 * s / 4) == [.generalQuery])
        // Two startup queries (robustness 2), then one per query interval.
        #expect(q.nextDeadline == 125 * s / 4 + 125 * s)
        #expect(drain(&q, 125 * s / 4 + 125 * s) == [.generalQuery])
        #expect(q.nextDeadline == 125 * s / 4 + 250 * s)
    }

    @Test func aLowerAddressWinsAndAHigherOneDoesNot() {
        var q = Querier(ownAddress: own)
        q.start(now: 0)
        _ = drain(&q, 0)
        q.observeQuery(from: higher, now: 1 * s)
        #expect(q.isQuerier)
        q.observeQuery(from: own, now: 1 * s)
        #expect(q.isQuerier, "our own query coming back is no rival")
        q.observeQuery(from: lower, now: 2 * s)
        #expect(!q.isQuerier)
        #expect(q.otherQuerier == lower)
        #expect(q.nextDeadline == 257 * s)
        #expect(drain(&q, 256 * s) == [], "no queries while the other querier is present")
        // Its queries keep it present.
        q.observeQuery(from: lower, now: 100 * s)
        #expect(drain(&q, 354 * s) == [])
        #expect(!q.isQuerier)
        // Silent for the other-querier-present interval: we take over with a query at once.
        #expect(drain(&q, 355 * s) == [.generalQuery])
        #expect(q.isQuerier)
        #expect(q.otherQuerier == nil)
        #expect(q.nextDeadline == 480 * s)
    }

    @Test func theLowestOfSeveralQueriersIsKept() {
        var q = Querier(ownAddress: own)
        q.start(now: 0)
        let lowest = InetAddress.v4(0x0A00_0001)
        q.observeQuery(from: lowest, now: 1 * s)
        q.observeQuery(from: lower, now: 2 * s)
        #expect(q.otherQuerier == lowest)
    }

    @Test func groupSpecificQueriesAfterALeave() {
        var q = Querier(ownAddress: own)
        q.start(now: 0)
        _ = drain(&q, 0)
        q.groupLeft(group, now: 10 * s)
        #expect(drain(&q, 10 * s) == [.groupQuery(group)])
        #expect(q.nextDeadline == 11 * s)
        #expect(drain(&q, 11 * s) == [.groupQuery(group)])
        #expect(drain(&q, 12 * s) == [], "last member query count 2")
        #expect(q.pendingGroupQueries == 0)
        // An IPv6 group is the MLD querier's business.
        q.groupLeft(.v6(0xFF05_0000_0000_0000, 1), now: 13 * s)
        #expect(q.pendingGroupQueries == 0)
    }

    @Test func aNonQuerierSendsNoGroupQueries() {
        var q = Querier(ownAddress: own)
        q.start(now: 0)
        q.groupLeft(group, now: 0)
        q.observeQuery(from: lower, now: 0)
        #expect(q.pendingGroupQueries == 0, "losing the election drops what was pending")
        q.groupLeft(group, now: 1 * s)
        #expect(drain(&q, 2 * s) == [])
    }

    @Test func pendingGroupQueriesAreBounded() {
        var q = Querier(ownAddress: own, maxPendingGroupQueries: 2)
        q.start(now: 0)
        _ = drain(&q, 0)
        for i in 0..<3 { q.groupLeft(.v4(0xEF00_0000 + UInt32(i)), now: 1 * s) }
        #expect(q.pendingGroupQueries == 2)
        #expect(q.groupQueriesDropped == 1)
    }

    @Test func aDisabledQuerierOnlyWatches() {
        var q = Querier(ownAddress: own, enabled: false)
        q.start(now: 0)
        #expect(drain(&q, 0) == [])
        #expect(!q.querierPresent(now: 0))
        q.observeQuery(from: higher, now: 10 * s)
        #expect(q.querierPresent(now: 264 * s), "any querier keeps memberships fresh, whatever its address")
        #expect(!q.querierPresent(now: 265 * s))
        #expect(q.nextDeadline == nil)
        // Without an address of its own, 0.0.0.0 (a Linux bridge querier's source) is another querier.
        var bare = Querier(ownAddress: .v4(0), enabled: false)
        bare.observeQuery(from: .v4(0), now: 0)
        #expect(bare.querierPresent(now: 1))
        #expect(!bare.isQuerier && bare.otherQuerier == nil)
    }

    @Test func mldElectionComparesLinkLocalAddresses() {
        let mine = InetAddress.v6(0xFE80_0000_0000_0000, 0x50)
        var q = Querier(ownAddress: mine)
        q.start(now: 0)
        q.observeQuery(from: .v4(1), now: 0)
        #expect(q.isQuerier, "an IGMP querier does not count for MLD")
        q.observeQuery(from: .v6(0xFE80_0000_0000_0000, 0x60), now: 0)
        #expect(q.isQuerier)
        q.observeQuery(from: .v6(0xFE80_0000_0000_0000, 0x40), now: 0)
        #expect(!q.isQuerier)
    }
}
