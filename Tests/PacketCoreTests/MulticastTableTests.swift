import Testing
import N2NWire
@testable import PacketCore

private let s = mcastSecond
private let gA = InetAddress.v4(0xEF01_0101)
private let gB = InetAddress.v4(0xEF01_0102)
private let gC = InetAddress.v4(0xEF01_0103)
private let p1 = MACAddress(0x02, 0, 0, 0, 0, 0x01)
private let p2 = MACAddress(0x02, 0, 0, 0, 0, 0x02)
private let p3 = MACAddress(0x02, 0, 0, 0, 0, 0x03)

private func listeners(_ t: MembershipTable, _ g: MulticastGroup, _ now: Int64) -> [MACAddress] {
    var out: [MACAddress] = []
    t.forEachPeerListener(of: g, now: now) { out.append($0) }
    return out.sorted()
}

@Suite struct MulticastTableTests {
    @Test func defaultTimersFollowTheRFCs() {
        let t = MembershipTimers()
        #expect(t.groupMembershipInterval == 260 * s)
        #expect(t.otherQuerierPresentInterval == 255 * s)
        #expect(t.lastMemberQueryTime == 2 * s)
        #expect(t.startupQueryInterval == 125 * s / 4)
        #expect(t.startupQueryCount == 2)
        #expect(!t.fastLeave)
        let short = MembershipTimers(queryInterval: 4 * s, queryResponseInterval: 1 * s, robustness: 3)
        #expect(short.groupMembershipInterval == 13 * s)
        #expect(short.startupQueryInterval == 1 * s)
        #expect(short.lastMemberQueryCount == 3)
    }

    @Test func joinRefreshAndExpiryAt260Seconds() {
        var t = MembershipTable()
        #expect(t.lookup(gA, now: 0) == .unknown)
        t.join(gA, listener: .peer(p1), now: 10 * s)
        #expect(t.lookup(gA, now: 10 * s) == .known(peers: 1, local: false))
        #expect(t.nextDeadline == 270 * s)
        #expect(t.lookup(gA, now: 270 * s - 1) == .known(peers: 1, local: false))
        // Not yet expired by a call: lookups already stop counting it at its expiry.
        #expect(t.lookup(gA, now: 270 * s) == .known(peers: 0, local: false))
        t.expire(now: 270 * s)
        #expect(t.lookup(gA, now: 270 * s) == .known(peers: 0, local: false), "a group that had listeners stays known: suppressed, not flooded")
        #expect(t.nextDeadline == nil)

        t.join(gB, listener: .peer(p1), now: 0)
        t.join(gB, listener: .peer(p1), now: 100 * s)
        t.expire(now: 260 * s)
        #expect(listeners(t, gB, 260 * s) == [p1], "the refresh at 100 s carries it to 360 s")
        t.expire(now: 360 * s)
        #expect(listeners(t, gB, 360 * s) == [])
    }

    @Test func leaveKeepsTheListenerForTheLastMemberQueryTime() {
        var t = MembershipTable()
        t.join(gA, listener: .peer(p1), now: 0)
        t.join(gA, listener: .peer(p2), now: 0)
        let queried = t.leave(gA, listener: .peer(p1), now: 10 * s)
        #expect(queried)
        #expect(t.nextDeadline == 12 * s)
        #expect(listeners(t, gA, 12 * s - 1) == [p1, p2])
        t.expire(now: 12 * s)
        #expect(listeners(t, gA, 12 * s) == [p2])
        let stranger = t.leave(gA, listener: .peer(p3), now: 13 * s)
        #expect(!stranger, "a leave from a non-listener changes nothing")
        let unknown = t.leave(gC, listener: .peer(p1), now: 13 * s)
        #expect(!unknown)
    }

    @Test func reportDuringTheLastMemberWindowKeepsTheListener() {
        var t = MembershipTable()
        t.join(gA, listener: .peer(p1), now: 0)
        t.leave(gA, listener: .peer(p1), now: 10 * s)
        t.join(gA, listener: .peer(p1), now: 11 * s)  // another host behind p1 answers the query
        t.expire(now: 12 * s)
        #expect(listeners(t, gA, 12 * s) == [p1])
        #expect(t.lookup(gA, now: 271 * s - 1) == .known(peers: 1, local: false))
        #expect(t.lookup(gA, now: 271 * s) == .known(peers: 0, local: false))
    }

    @Test func fastLeaveRemovesAtOnce() {
        var timers = MembershipTimers()
        timers.fastLeave = true
        var t = MembershipTable(timers: timers)
        t.join(gA, listener: .peer(p1), now: 0)
        let queried = t.leave(gA, listener: .peer(p1), now: 5 * s)
        #expect(!queried, "no last-member queries with fast leave")
        #expect(t.lookup(gA, now: 5 * s) == .known(peers: 0, local: false))
    }

    @Test func localHostMembership() {
        var t = MembershipTable()
        t.join(gA, listener: .local, now: 0)
        #expect(t.lookup(gA, now: 1) == .known(peers: 0, local: true))
        #expect(t.isListening(.local, to: gA, now: 1))
        #expect(!t.isListening(.peer(p1), to: gA, now: 1))
        #expect(listeners(t, gA, 1) == [], "the local host is no peer to send to")
        t.leave(gA, listener: .local, now: 10 * s)
        t.expire(now: 12 * s)
        #expect(!t.isListening(.local, to: gA, now: 12 * s))
    }

    @Test func alwaysFloodedGroupsAreNotTracked() {
        var t = MembershipTable()
        for g in [InetAddress.v4(0xE000_00FB), .v4(0x0A00_0001), .allNodesV6, .v6(0xFF02_0000_0000_0000, 2), .v6(0xFF01_0000_0000_0000, 5)] {
            t.join(g, listener: .peer(p1), now: 0)
            #expect(t.lookup(g, now: 0) == .unknown, "\(g)")
        }
        t.join(.v6(0xFF02_0000_0000_0000, 0x0000_0001_FF00_0001), listener: .peer(p1), now: 0)
        #expect(t.groupCount == 1, "solicited-node groups are tracked")
    }

    @Test func fullTableRejectsThenEvictsTheOldestEmptyGroup() {
        var t = MembershipTable(limits: MembershipLimits(maxGroups: 2, maxListenersPerGroup: 8))
        t.join(gA, listener: .peer(p1), now: 0)
        t.join(gB, listener: .peer(p1), now: 1 * s)
        t.join(gC, listener: .peer(p1), now: 2 * s)
        #expect(t.lookup(gC, now: 2 * s) == .unknown, "no room: the group stays unknown and is flooded")
        #expect(t.counters.groupsRejected == 1)
        // gA's listener leaves and expires; its empty slot goes to gC.
        t.leave(gA, listener: .peer(p1), now: 10 * s)
        t.expire(now: 12 * s)
        t.join(gC, listener: .peer(p2), now: 13 * s)
        #expect(t.counters.groupsEvicted == 1)
        #expect(t.lookup(gA, now: 13 * s) == .unknown)
        #expect(listeners(t, gC, 13 * s) == [p2])
        #expect(t.groupCount == 2)
    }

    @Test func fullListenerListFloodsTheGroup() {
        var t = MembershipTable(limits: MembershipLimits(maxGroups: 8, maxListenersPerGroup: 2))
        t.join(gA, listener: .peer(p1), now: 0)
        t.join(gA, listener: .peer(p2), now: 0)
        #expect(t.lookup(gA, now: 0) == .known(peers: 2, local: false))
        t.join(gA, listener: .peer(p3), now: 5 * s)
        #expect(t.lookup(gA, now: 5 * s) == .overflow)
        #expect(t.counters.listenersRejected == 1)
        t.join(gA, listener: .peer(p1), now: 6 * s)
        #expect(t.lookup(gA, now: 6 * s) == .overflow, "a refresh of a recorded listener does not end the overflow")
        #expect(t.lookup(gA, now: 265 * s) == .known(peers: 1, local: false), "overflow ends a membership interval after the last refused report")
    }

    @Test func groupSpecificQueryFromAnotherQuerierLowersTimers() {
        var t = MembershipTable()
        t.join(gA, listener: .peer(p1), now: 0)
        t.join(gA, listener: .local, now: 0)
        t.lowerTimers(of: gA, within: 2 * s, now: 50 * s)
        #expect(t.nextDeadline == 52 * s)
        t.expire(now: 52 * s)
        #expect(t.lookup(gA, now: 52 * s) == .known(peers: 0, local: false))
    }

    @Test func copyListenersStopsAtTheBuffer() {
        var t = MembershipTable()
        t.join(gA, listener: .peer(p1), now: 0)
        t.join(gA, listener: .peer(p2), now: 0)
        t.join(gA, listener: .peer(p3), now: 0)
        var buffer = [MACAddress](repeating: .zero, count: 2)
        let n = buffer.withUnsafeMutableBufferPointer { t.copyPeerListeners(of: gA, now: 1, into: $0) }
        #expect(n == 2)
        #expect(Set(buffer).isSubset(of: [p1, p2, p3]) && buffer[0] != buffer[1])
        var big = [MACAddress](repeating: .zero, count: 8)
        #expect(big.withUnsafeMutableBufferPointer { t.copyPeerListeners(of: gA, now: 1, into: $0) } == 3)
        #expect(big.withUnsafeMutableBufferPointer { t.copyPeerListeners(of: gB, now: 1, into: $0) } == 0)
    }

    @Test func snapshotListsGroupsListenersAndAges() throws {
        var t = MembershipTable()
        t.join(gB, listener: .peer(p2), now: 0)
        t.join(gA, listener: .peer(p1), now: 10 * s)
        t.join(gA, listener: .local, now: 20 * s)
        t.leave(gA, listener: .peer(p1), now: 30 * s)
        let groups = t.snapshotGroups(now: 31 * s)
        #expect(groups.map(\.group) == ["239.1.1.1", "239.1.1.2"])
        #expect(groups[0].listeners == [
            .init(listener: "local", ageSeconds: 11, expiresInSeconds: 249, leaving: false),
            .init(listener: "02:00:00:00:00:01", ageSeconds: 21, expiresInSeconds: 1, leaving: true),
        ])
        #expect(groups[1].listeners.map(\.ageSeconds) == [31])
        #expect(groups[1].family == "ipv4")
    }
}
