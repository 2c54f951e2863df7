import AllocationProbe
import Testing
import N2NWire
@testable import PacketCore

// The per-frame path (classify, decide, listeners, parsing, a refresh of a known listener) must not
// allocate. Counted with the runtime hook of `AllocationCounter`, in a child process (see there).

@Suite struct MulticastAllocationTests {
    @Test(.enabled(if: !isAllocationProbe))
    func perFramePathDoesNotAllocate() throws {
        try expectAllocationProbePasses(suite: "MulticastAllocationProbeTests")
    }
}

@Suite(.serialized, .enabled(if: isAllocationProbe)) struct MulticastAllocationProbeTests {
    @Test func decideParseAndRefreshDoNotAllocate() throws {
        var c = MulticastSnooperConfiguration()
        c.querierIPv4 = 0x0A00_0005
        var snooper = MulticastSnooper(configuration: c)
        snooper.start(now: 0)
        let group: UInt32 = 0xEF01_0101
        let report = McastFrames.igmpFrame(dst: group, McastFrames.igmp(type: 0x16, group: group))
        let v3 = McastFrames.igmpFrame(dst: 0xE000_0016, McastFrames.igmpV3Report(
            [.init(type: 4, group: .v4(group)), .init(type: 2, group: .v4(group + 1), sources: 1)]))
        let mld = McastFrames.icmpv6Frame(dst: .v6(0xFF05_0000_0000_0000, 1), icmp: McastFrames.mldV1(type: 131, address: .v6(0xFF05_0000_0000_0000, 1)))
        let data = McastFrames.udp4(to: group, payload: 1000)
        let unknown = McastFrames.udp4(to: group + 7, payload: 1000)
        let peers = (1...4).map { MACAddress(0x02, 0, 0, 0, 0, UInt8($0)) }
        for p in peers {
            report.withUnsafeBytes { _ = snooper.observe(frame: $0, from: .peer(p), now: 1) }
            v3.withUnsafeBytes { _ = snooper.observe(frame: $0, from: .peer(p), now: 1) }
        }
        let listeners = UnsafeMutableBufferPointer<MACAddress>.allocate(capacity: 8)
        defer { listeners.deallocate() }
        var copies = 0, groups = 0, records = 0
        var round = 0
        /// Allocations over 1000 runs of `body`, each path measured alone so a failure names it.
        func measured(_ name: String, _ body: () -> Void) throws {
            let counted = AllocationCounter.allocations {
                for _ in 0..<1000 {
                    round += 1
                    body()
                }
            }
            let allocations = try #require(counted, "runtime allocation hook not found")
            #expect(allocations == 0, "\(name): \(allocations) allocations in 1000 runs")
        }
        func now() -> Int64 { Int64(round) * 1_000_000 + 2 }
        try measured("decide + listeners + counters") {
            data.withUnsafeBytes { f in
                let decision = snooper.decide(frame: f, now: now())
                if case .listeners(let g, _) = decision {
                    copies += snooper.copyListeners(of: g, now: now(), into: listeners)
                    snooper.forEachListener(of: g, now: now()) { _ in copies += 1 }
                }
                snooper.counters.record(decision, copiesSent: 4, floodCopies: 9, frameLength: f.count)
            }
        }
        try measured("decide for an unknown group") {
            unknown.withUnsafeBytes { f in
                if case .flood = snooper.decide(frame: f, now: now()) { groups += 1 }
            }
        }
        try measured("observe a refreshing report") {
            report.withUnsafeBytes { _ = snooper.observe(frame: $0, from: .peer(peers[round % 4]), now: now()) }
        }
        var table = MembershipTable()
        table.join(.v4(group), listener: .peer(peers[0]), now: 1)
        try measured("table refresh of a known listener") { table.join(.v4(group), listener: .peer(peers[0]), now: now()) }
        try measured("parse an IGMPv2 report") { report.withUnsafeBytes { _ = try? MembershipParser.parse(frame: $0) } }
        try measured("table lookup") { _ = table.lookup(.v4(group), now: now()) }
        try measured("observe a data frame") {
            data.withUnsafeBytes { _ = snooper.observe(frame: $0, from: .peer(peers[0]), now: now()) }
        }
        try measured("parse an IGMPv3 report and read its records") {
            v3.withUnsafeBytes { f in
                if case .recordReport(let list, _)? = try? MembershipParser.parse(frame: f).message {
                    for _ in list { records += 1 }
                }
            }
        }
        try measured("classify and parse MLD") {
            mld.withUnsafeBytes { f in
                if case .membershipControl = MulticastClassifier.classify(f) { groups += 1 }
                _ = try? MembershipParser.parse(frame: f)
            }
        }
        #expect(copies == 8000)
        #expect(groups == 2000)
        #expect(records == 2000)
        #expect(snooper.counters.framesReplicated == 1000)
    }
}
