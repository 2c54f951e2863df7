import Foundation
import Testing
import N2NWire
@testable import PacketCore

private let s = mcastSecond
private let g1: UInt32 = 0xEF01_0101
private let g2: UInt32 = 0xEF01_0102
private let g6 = InetAddress.v6(0xFF05_0000_0000_0000, 0x1234)
private let p1 = MACAddress(0x02, 0, 0, 0, 0, 0x01)
private let p2 = MACAddress(0x02, 0, 0, 0, 0, 0x02)

private func snooper(querier: Bool = true, _ configure: (inout MulticastSnooperConfiguration) -> Void = { _ in }) -> MulticastSnooper {
    var c = MulticastSnooperConfiguration()
    if querier {
        c.querierIPv4 = 0x0A00_0005
        c.querierIPv6LinkLocal = .v6(0xFE80_0000_0000_0000, 0x50)
    }
    c.querierMAC = MACAddress(0x02, 0xAA, 0, 0, 0, 0x05)
    configure(&c)
    var sn = MulticastSnooper(configuration: c)
    sn.start(now: 0)
    return sn
}

private func decide(_ sn: MulticastSnooper, _ frame: [UInt8], _ now: Int64) -> ReplicationDecision {
    frame.withUnsafeBytes { sn.decide(frame: $0, now: now) }
}

@discardableResult
private func observe(_ sn: inout MulticastSnooper, _ frame: [UInt8], _ from: Listener, _ now: Int64) -> SnoopResult {
    frame.withUnsafeBytes { sn.observe(frame: $0, from: from, now: now) }
}

private func report(_ group: UInt32) -> [UInt8] { McastFrames.igmpFrame(dst: group, McastFrames.igmp(type: 0x16, group: group)) }

@Suite struct MulticastSnooperTests {
    @Test func classifierClasses() {
        func c(_ f: [UInt8]) -> MulticastFrameClass { f.withUnsafeBytes { MulticastClassifier.classify($0) } }
        let solicited = InetAddress.v6(0xFF02_0000_0000_0000, 0x0000_0001_FF00_0001)
        #expect(c(McastFrames.udp4(to: g1)) == .group(.v4(g1)))
        #expect(c(McastFrames.udp4(to: 0xE000_00FB)) == .flood(.linkLocalGroup), "mDNS")
        #expect(c(McastFrames.udp4(to: 0xE000_0044)) == .flood(.linkLocalGroup), "n2n local peer discovery")
        #expect(c(report(g1)) == .membershipControl)
        #expect(c(McastFrames.udp6(to: g6)) == .group(g6))
        #expect(c(McastFrames.udp6(to: solicited)) == .group(solicited))
        #expect(c(McastFrames.udp6(to: .allNodesV6)) == .flood(.allNodes))
        #expect(c(McastFrames.udp6(to: .v6(0xFF02_0000_0000_0000, 2))) == .flood(.linkLocalGroup))
        #expect(c(McastFrames.udp6(to: .v6(0xFF12_0000_0000_0000, 7))) == .group(.v6(0xFF12_0000_0000_0000, 7)), "transient link-scope is snooped")
        #expect(c(McastFrames.udp6(to: .v6(0xFF01_0000_0000_0000, 1))) == .flood(.reservedScope))
        #expect(c(McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 131, address: g6))) == .membershipControl)
        #expect(c(McastFrames.icmpv6Frame(dst: g6, hopByHop: false, icmp: McastFrames.mldV1(type: 131, address: g6))) == .membershipControl)
        #expect(c(McastFrames.ethernet(dst: .broadcast, type: 0x0806, payload: [UInt8](repeating: 0, count: 28))) == .flood(.broadcast))
        #expect(c(McastFrames.ethernet(dst: MACAddress(0x01, 0x80, 0xC2, 0, 0, 0), type: 0x0027, payload: [0, 0])) == .flood(.nonIPMulticast))
        #expect(c(McastFrames.ethernet(dst: p1, type: 0x0800, payload: [])) == .unicast)
        // The MAC says one group, the IP header another.
        var mismatch = McastFrames.udp4(to: g1)
        mismatch[5] = 0x77
        #expect(c(mismatch) == .flood(.malformed))
        #expect(c(Array(McastFrames.udp4(to: g1)[0..<20])) == .flood(.malformed))
        #expect(c([0x01, 0x00]) == .flood(.malformed))
    }

    @Test func replicationFollowsReports() {
        var sn = snooper()
        let data1 = McastFrames.udp4(to: g1)
        #expect(decide(sn, data1, 1) == .flood(.unknownGroup))
        #expect(observe(&sn, report(g1), .peer(p1), 1 * s) == .report)
        #expect(observe(&sn, report(g1), .peer(p2), 1 * s) == .report)
        #expect(observe(&sn, report(g2), .local, 1 * s) == .report)
        #expect(decide(sn, data1, 2 * s) == .listeners(.v4(g1), count: 2))
        var got: [MACAddress] = []
        sn.forEachListener(of: .v4(g1), now: 2 * s) { got.append($0) }
        #expect(got.sorted() == [p1, p2])
        #expect(decide(sn, McastFrames.udp4(to: g2), 2 * s) == .suppress(.v4(g2)), "only the local host listens to g2")
        #expect(decide(sn, report(g1), 2 * s) == .flood(.membershipControl))
        #expect(decide(sn, McastFrames.udp4(to: 0xE000_0012), 2 * s) == .flood(.linkLocalGroup))
        #expect(decide(sn, McastFrames.ethernet(dst: p1, type: 0x0800, payload: []), 2 * s) == .notMulticast)
        #expect(sn.counters.reportsSeen == 3)
    }

    @Test func igmpV3LeaveStopsTheGroupAfterTheLastMemberQueries() {
        var sn = snooper()
        while sn.poll(now: 0) != nil {}
        let join = McastFrames.igmpFrame(dst: 0xE000_0016, McastFrames.igmpV3Report([.init(type: 4, group: .v4(g1))]))
        let leave = McastFrames.igmpFrame(dst: 0xE000_0016, McastFrames.igmpV3Report([.init(type: 3, group: .v4(g1))]))
        observe(&sn, join, .peer(p1), 0)
        #expect(observe(&sn, leave, .peer(p1), 10 * s) == .leave)
        #expect(sn.poll(now: 10 * s) == QuerierRequest(isIPv6: false, action: .groupQuery(.v4(g1))))
        #expect(sn.poll(now: 10 * s) == nil)
        #expect(decide(sn, McastFrames.udp4(to: g1), 11 * s) == .listeners(.v4(g1), count: 1))
        #expect(sn.poll(now: 11 * s) == QuerierRequest(isIPv6: false, action: .groupQuery(.v4(g1))))
        #expect(sn.poll(now: 12 * s) == nil)
        #expect(decide(sn, McastFrames.udp4(to: g1), 12 * s) == .suppress(.v4(g1)))
        #expect(sn.counters.leavesSeen == 1)
    }

    @Test func mldReportAndDone() {
        var sn = snooper()
        let report = McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 131, address: g6))
        let done = McastFrames.icmpv6Frame(dst: .v6(0xFF02_0000_0000_0000, 2), icmp: McastFrames.mldV1(type: 132, address: g6))
        observe(&sn, report, .peer(p2), 0)
        #expect(decide(sn, McastFrames.udp6(to: g6), 1) == .listeners(g6, count: 1))
        observe(&sn, done, .peer(p2), 5 * s)
        while sn.poll(now: 7 * s) != nil {}
        #expect(decide(sn, McastFrames.udp6(to: g6), 7 * s) == .suppress(g6))
    }

    @Test func withoutAnyQuerierNothingIsPruned() {
        var sn = snooper(querier: false)
        observe(&sn, report(g1), .peer(p1), 0)
        #expect(decide(sn, McastFrames.udp4(to: g2), 1) == .flood(.noQuerier))
        // A router's general query makes memberships trustworthy.
        let query = McastFrames.igmpFrame(dst: 0xE000_0001, McastFrames.igmp(type: 0x11, code: 100, group: 0))
        #expect(observe(&sn, query, .peer(p2), 2) == .query)
        #expect(decide(sn, McastFrames.udp4(to: g1), 3) == .listeners(.v4(g1), count: 1))
        #expect(decide(sn, McastFrames.udp4(to: g2), 3) == .flood(.unknownGroup))
    }

    @Test func aLowerQuerierOnTheOverlayTakesOver() throws {
        var sn = snooper()
        #expect(sn.poll(now: 0) != nil)
        // 10.0.0.1 sends an IGMPv3 general query with QQIC 60 s: we yield and adopt its interval.
        let frame = McastFrames.ethernet(dst: InetAddress.v4(0xE000_0001).multicastMAC, type: 0x0800,
                                         payload: McastFrames.ipv4(src: 0x0A00_0001, dst: 0xE000_0001,
                                                                   payload: McastFrames.igmp(type: 0x11, code: 100, group: 0, rest: [2, 60, 0, 0])))
        #expect(observe(&sn, frame, .peer(p1), 1 * s) == .query)
        #expect(!sn.igmpQuerier.isQuerier)
        #expect(sn.mldQuerier.isQuerier, "an IGMP querier does not silence the MLD one")
        #expect(sn.table.timers.groupMembershipInterval == 130 * s)
        let snap = sn.snapshot(now: 2 * s)
        #expect(snap.queriers[0] == .init(family: "ipv4", role: "non-querier", address: "10.0.0.5", otherQuerier: "10.0.0.1"))
        #expect(snap.queriers[1].role == "querier")
    }

    @Test func aGroupQueryFromAnotherQuerierShortensTheGroup() {
        var sn = snooper(querier: false)
        observe(&sn, report(g1), .peer(p1), 0)
        let gsq = McastFrames.igmpFrame(dst: g1, McastFrames.igmp(type: 0x11, code: 10, group: g1))
        observe(&sn, gsq, .peer(p2), 100 * s)
        #expect(decide(sn, McastFrames.udp4(to: g1), 102 * s - 1) == .listeners(.v4(g1), count: 1))
        #expect(decide(sn, McastFrames.udp4(to: g1), 102 * s) == .suppress(.v4(g1)), "2 × 1 s after the query, unanswered")
    }

    @Test func malformedMembershipIsCountedNotLearned() {
        var sn = snooper()
        var bad = report(g1)
        bad[bad.count - 1] ^= 0xFF
        #expect(observe(&sn, bad, .peer(p1), 0) == .dropped(.badIGMPChecksum))
        #expect(sn.counters.membershipDropped == 1)
        #expect(decide(sn, McastFrames.udp4(to: g1), 1) == .flood(.unknownGroup))
        #expect(observe(&sn, McastFrames.udp4(to: g1), .peer(p1), 0) == .notMembership)
    }

    @Test func queriesTheSnooperWritesParse() throws {
        var sn = snooper()
        var buffer = [UInt8](repeating: 0, count: MembershipQueryBuilder.maxQueryLength)
        var kinds: [String] = []
        while let request = sn.poll(now: 0) {
            let n = try buffer.withUnsafeMutableBytes { try sn.writeQuery(request, into: $0) }
            kinds.append(parseSummary(Array(buffer[0..<n])))
        }
        #expect(kinds.count == 2)
        #expect(kinds[0].contains("igmpV3") && kinds[0].contains("group: nil"))
        #expect(kinds[1].contains("mldV2") && kinds[1].contains("group: nil"))
        #expect(sn.counters.queriesSent == 2)
        #expect(sn.nextDeadline == 125 * s / 4)
    }

    @Test func peersV1V2ReportsAreKeptFromTheHostUnlessItIsAQuerier() {
        var sn = snooper()
        func delivered(_ f: [UInt8], _ now: Int64) -> Bool { f.withUnsafeBytes { sn.deliversToHost(frame: $0, now: now) } }
        let v1 = McastFrames.igmpFrame(dst: g1, McastFrames.igmp(type: 0x12, group: g1), routerAlert: false)
        let mld1 = McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 131, address: g6))
        let v3 = McastFrames.igmpFrame(dst: 0xE000_0016, McastFrames.igmpV3Report([.init(type: 4, group: .v4(g1))]))
        let leave = McastFrames.igmpFrame(dst: 0xE000_0002, McastFrames.igmp(type: 0x17, group: g1))
        let query = McastFrames.igmpFrame(dst: 0xE000_0001, McastFrames.igmp(type: 0x11, code: 100, group: 0))
        #expect(!delivered(report(g1), 0), "the host would suppress its own v2 report")
        #expect(!delivered(v1, 0))
        #expect(!delivered(mld1, 0))
        #expect(delivered(v3, 0), "v3 reports go to 224.0.0.22 and suppress nothing")
        #expect(delivered(leave, 0))
        #expect(delivered(query, 0))
        #expect(delivered(McastFrames.udp4(to: g1), 0))
        // Our host queries (it runs a multicast router): it needs every report.
        observe(&sn, query, .local, 10 * s)
        #expect(delivered(report(g1), 11 * s))
        #expect(!delivered(report(g1), 265 * s), "until it has been silent for the other querier present interval")
    }

    @Test func countersAccountCopiesAndBytesSaved() {
        var c = MulticastCounters()
        c.record(.listeners(.v4(g1), count: 1), copiesSent: 1, floodCopies: 5, frameLength: 100)
        c.record(.suppress(.v4(g2)), copiesSent: 0, floodCopies: 5, frameLength: 100)
        c.record(.flood(.unknownGroup), copiesSent: 5, floodCopies: 5, frameLength: 100)
        c.record(.notMulticast, copiesSent: 1, floodCopies: 1, frameLength: 100)
        #expect(c.framesReplicated == 1)
        #expect(c.framesSuppressed == 1)
        #expect(c.framesFlooded == 1)
        #expect(c.copiesSent == 1)
        #expect(c.bytesSaved == 900)
    }

    @Test func snapshotEncodesAsJSON() throws {
        var sn = snooper()
        observe(&sn, report(g1), .peer(p1), 0)
        observe(&sn, McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 131, address: g6)), .local, 0)
        let snap = sn.snapshot(now: 30 * s)
        #expect(snap.groups.map(\.group) == ["239.1.1.1", "ff05::1234"])
        #expect(snap.groups[0].listeners == [.init(listener: "02:00:00:00:00:01", ageSeconds: 30, expiresInSeconds: 230, leaving: false)])
        #expect(snap.groups[1].listeners.map(\.listener) == ["local"])
        let data = try JSONEncoder().encode(snap)
        let back = try JSONDecoder().decode(MulticastSnapshot.self, from: data)
        #expect(back == snap)
        #expect(String(decoding: data, as: UTF8.self).contains("\"ageSeconds\":30"))
    }
}
