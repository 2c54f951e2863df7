import Testing
import N2NWire
@testable import PacketCore

private let g1: UInt32 = 0xEF01_0203                 // 239.1.2.3
private let g6 = InetAddress.v6(0xFF05_0000_0000_0000, 0x1234)  // ff05::1234
private let solicited = InetAddress.v6(0xFF02_0000_0000_0000, 0x0000_0001_FF33_4455)

private func query(_ frame: [UInt8]) -> MembershipQuery? {
    guard case .success(let p) = parseFrame(frame), case .query(let q) = p.message else { return nil }
    return q
}

/// Every message type once, as a valid frame.
let mcastSampleFrames: [[UInt8]] = {
    let g4 = InetAddress.v4(0xEF01_0203)
    return [
        McastFrames.igmpFrame(dst: 0xEF01_0203, McastFrames.igmp(type: 0x12, group: 0xEF01_0203), routerAlert: false),
        McastFrames.igmpFrame(dst: 0xEF01_0203, McastFrames.igmp(type: 0x16, group: 0xEF01_0203)),
        McastFrames.igmpFrame(dst: 0xE000_0002, McastFrames.igmp(type: 0x17, group: 0xEF01_0203)),
        McastFrames.igmpFrame(dst: 0xE000_0001, McastFrames.igmp(type: 0x11, code: 100, group: 0)),
        McastFrames.igmpFrame(dst: 0xE000_0001, McastFrames.igmp(type: 0x11, code: 100, group: 0, rest: [2, 125, 0, 1, 10, 0, 0, 1])),
        McastFrames.igmpFrame(dst: 0xE000_0016, McastFrames.igmpV3Report([.init(type: 4, group: g4), .init(type: 1, group: g4, sources: 2, aux: 1)])),
        McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 131, address: g6)),
        McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 132, address: g6)),
        McastFrames.icmpv6Frame(dst: .allNodesV6, icmp: McastFrames.mldV1(type: 130, maxDelay: 1000, address: .unspecifiedV6)),
        McastFrames.icmpv6Frame(dst: .allNodesV6, icmp: McastFrames.mldV2Query(maxCode: 1000, group: .unspecifiedV6, sources: 1)),
        McastFrames.icmpv6Frame(dst: .v6(0xFF02_0000_0000_0000, 0x16),
                                icmp: McastFrames.mldV2Report([.init(type: 2, group: g6), .init(type: 5, group: solicited, sources: 1)])),
    ]
}()

@Suite struct MulticastParserTests {
    @Test func igmpV1AndV2ReportsAndLeave() throws {
        let v1 = McastFrames.igmpFrame(dst: g1, McastFrames.igmp(type: 0x12, group: g1), routerAlert: false)
        let v2 = McastFrames.igmpFrame(dst: g1, McastFrames.igmp(type: 0x16, group: g1))
        let leave = McastFrames.igmpFrame(dst: 0xE000_0002, McastFrames.igmp(type: 0x17, group: g1))
        #expect(parseSummary(v1) == "report 239.1.2.3 igmpV1")
        #expect(parseSummary(v2) == "report 239.1.2.3 igmpV2")
        #expect(parseSummary(leave) == "leave 239.1.2.3 igmpV2")
        let p = try parseFrame(v2).get()
        #expect(p.routerAlert)
        #expect(p.hopLimit == 1)
        #expect(p.source == .v4(McastFrames.hostIP))
        #expect(p.destination == .v4(g1))
        #expect(p.ethernetSource == McastFrames.hostMAC)
        #expect(try parseFrame(v1).get().routerAlert == false)
    }

    @Test func igmpReportTrailingPaddingIsIgnored() {
        // A 46-byte frame padded to the Ethernet minimum of 60 (and beyond): total length bounds the packet.
        let frame = McastFrames.igmpFrame(dst: g1, McastFrames.igmp(type: 0x16, group: g1)) + [UInt8](repeating: 0xEE, count: 20)
        #expect(parseSummary(frame) == "report 239.1.2.3 igmpV2")
    }

    @Test func igmpQueriesOfEachVersion() {
        let v1 = query(McastFrames.igmpFrame(dst: 0xE000_0001, McastFrames.igmp(type: 0x11, code: 0, group: 0), routerAlert: false))
        #expect(v1 == MembershipQuery(version: .igmpV1, group: nil, maxResponseNanos: 10 * mcastSecond, robustness: nil,
                                      queryIntervalSeconds: nil, suppressRouterProcessing: false, sourceCount: 0))
        let v2 = query(McastFrames.igmpFrame(dst: g1, McastFrames.igmp(type: 0x11, code: 10, group: g1)))
        #expect(v2?.version == .igmpV2)
        #expect(v2?.group == .v4(g1))
        #expect(v2?.maxResponseNanos == 1 * mcastSecond)
        // v3: max resp code 0x8A = (0xA|0x10) << 3 = 208 tenths; QRV 3, S set; QQIC 0x90 = 0x10 << 4 = 256 s; one source.
        let v3 = query(McastFrames.igmpFrame(dst: 0xE000_0001, McastFrames.igmp(type: 0x11, code: 0x8A, group: 0,
                                                                                rest: [0x0B, 0x90, 0, 1, 10, 0, 0, 9])))
        #expect(v3 == MembershipQuery(version: .igmpV3, group: nil, maxResponseNanos: 208 * mcastSecond / 10, robustness: 3,
                                      queryIntervalSeconds: 256, suppressRouterProcessing: true, sourceCount: 1))
        #expect(v3?.isGeneral == true)
    }

    @Test func igmpQueryLengthRules() {
        // 9...11 bytes is no version (RFC 3376 7.1); a v3 query must hold its sources.
        let odd = McastFrames.igmpFrame(dst: 0xE000_0001, McastFrames.igmp(type: 0x11, code: 100, group: 0, rest: [0, 0]))
        #expect(parseSummary(odd) == "error \(MembershipParseError.badMessageLength(.igmp))")
        let short = McastFrames.igmpFrame(dst: 0xE000_0001, McastFrames.igmp(type: 0x11, code: 100, group: 0, rest: [0, 0, 0, 2, 1, 2, 3, 4]))
        #expect(parseSummary(short) == "error \(MembershipParseError.truncated(.igmp))")
        let unicastGroup = McastFrames.igmpFrame(dst: 0xE000_0001, McastFrames.igmp(type: 0x11, code: 100, group: 0x0A00_0001))
        #expect(parseSummary(unicastGroup) == "error \(MembershipParseError.notMulticastGroup)")
    }

    @Test func igmpV3ReportWithEveryRecordType() {
        let g = { (n: UInt32) in InetAddress.v4(0xEF00_0000 | n) }
        let recs = [
            McastFrames.Record(type: 1, group: g(1), sources: 2),
            McastFrames.Record(type: 2, group: g(2)),
            McastFrames.Record(type: 3, group: g(3)),
            McastFrames.Record(type: 4, group: g(4), aux: 1),
            McastFrames.Record(type: 5, group: g(5), sources: 1),
            McastFrames.Record(type: 6, group: g(6), sources: 1),
        ]
        let frame = McastFrames.igmpFrame(dst: 0xE000_0016, McastFrames.igmpV3Report(recs))
        #expect(parseSummary(frame) == "records igmpV3 modeIsInclude 239.0.0.1 2,modeIsExclude 239.0.0.2 0,"
            + "changeToInclude 239.0.0.3 0,changeToExclude 239.0.0.4 0,allowNewSources 239.0.0.5 1,blockOldSources 239.0.0.6 1")
        frame.withUnsafeBytes { b in
            guard case .recordReport(let list, _)? = try? MembershipParser.parse(frame: b).message else {
                Issue.record("not a record report")
                return
            }
            #expect(list.count == 6)
            #expect(list.map(\.effect) == [.join, .join, .leave, .join, .join, .none])
        }
    }

    @Test func groupRecordEffects() {
        let g = InetAddress.v4(0xEF00_0001)
        #expect(GroupRecord(type: .modeIsInclude, group: g, sourceCount: 0).effect == .leave)
        #expect(GroupRecord(type: .changeToInclude, group: g, sourceCount: 0).effect == .leave)
        #expect(GroupRecord(type: .changeToInclude, group: g, sourceCount: 3).effect == .join)
        #expect(GroupRecord(type: .changeToExclude, group: g, sourceCount: 0).effect == .join)
        #expect(GroupRecord(type: .allowNewSources, group: g, sourceCount: 0).effect == .none)
        #expect(GroupRecord(type: .blockOldSources, group: g, sourceCount: 2).effect == .none)
    }

    @Test func igmpV3ReportErrors() {
        let g = InetAddress.v4(0xEF00_0001)
        let missing = McastFrames.igmpFrame(dst: 0xE000_0016, McastFrames.igmpV3Report([.init(type: 2, group: g)], declaredCount: 2))
        #expect(parseSummary(missing) == "error \(MembershipParseError.truncated(.groupRecord))")
        // A record that claims more sources than the message holds.
        var report = McastFrames.igmpV3Report([.init(type: 1, group: g, sources: 1)])
        report[10 + 1] = 5  // number of sources low byte (record starts at 8: type, aux, count)
        report[2] = 0; report[3] = 0
        let c = referenceChecksum(report)
        report[2] = UInt8(c >> 8); report[3] = UInt8(c & 0xFF)
        #expect(parseSummary(McastFrames.igmpFrame(dst: 0xE000_0016, report)) == "error \(MembershipParseError.truncated(.groupRecord))")
        let badType = McastFrames.igmpFrame(dst: 0xE000_0016, McastFrames.igmpV3Report([.init(type: 7, group: g)]))
        #expect(parseSummary(badType) == "error \(MembershipParseError.unknownRecordType(7))")
        let unicast = McastFrames.igmpFrame(dst: 0xE000_0016, McastFrames.igmpV3Report([.init(type: 2, group: .v4(0x0A00_0001))]))
        #expect(parseSummary(unicast) == "error \(MembershipParseError.notMulticastGroup)")
    }

    @Test func igmpChecksumAndHeaderErrors() {
        var frame = McastFrames.igmpFrame(dst: g1, McastFrames.igmp(type: 0x16, group: g1))
        frame[frame.count - 1] ^= 0x01
        #expect(parseSummary(frame) == "error \(MembershipParseError.badIGMPChecksum)")
        var ip = McastFrames.igmpFrame(dst: g1, McastFrames.igmp(type: 0x16, group: g1))
        ip[22] = 2  // TTL changed, header checksum not
        #expect(parseSummary(ip) == "error \(MembershipParseError.badIPv4Checksum)")
        let udp = McastFrames.udp4(to: g1)
        #expect(parseSummary(udp) == "error \(MembershipParseError.notMembership)")
        let unknown = McastFrames.igmpFrame(dst: g1, McastFrames.igmp(type: 0x13, group: g1))
        #expect(parseSummary(unknown) == "error \(MembershipParseError.unknownIGMPType(0x13))")
        let arp = McastFrames.ethernet(dst: .broadcast, type: 0x0806, payload: [UInt8](repeating: 0, count: 28))
        #expect(parseSummary(arp) == "error \(MembershipParseError.notMembership)")
        // More fragments set: the header checksum is recomputed so only the fragment rule can refuse it.
        var fragment = McastFrames.ipv4(dst: g1, payload: McastFrames.igmp(type: 0x16, group: g1))
        fragment[6] = 0x20
        fragment[10] = 0; fragment[11] = 0
        let c = referenceChecksum(Array(fragment[0..<24]))
        fragment[10] = UInt8(c >> 8); fragment[11] = UInt8(c & 0xFF)
        #expect(parseSummary(McastFrames.ethernet(dst: InetAddress.v4(g1).multicastMAC, type: 0x0800, payload: fragment))
            == "error \(MembershipParseError.fragmented)")
    }

    @Test func ipv4OptionErrors() {
        // An option whose length runs past the header (IHL 6: 4 option bytes, the option claims 8).
        var packet = McastFrames.ipv4(dst: g1, payload: McastFrames.igmp(type: 0x16, group: g1))
        packet[21] = 8
        packet[10] = 0; packet[11] = 0
        let c = referenceChecksum(Array(packet[0..<24]))
        packet[10] = UInt8(c >> 8); packet[11] = UInt8(c & 0xFF)
        let frame = McastFrames.ethernet(dst: InetAddress.v4(g1).multicastMAC, type: 0x0800, payload: packet)
        #expect(parseSummary(frame) == "error \(MembershipParseError.badIPv4Options)")
    }

    @Test func mldV1ReportDoneAndQuery() throws {
        let report = McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 131, address: g6))
        let done = McastFrames.icmpv6Frame(dst: .v6(0xFF02_0000_0000_0000, 2), icmp: McastFrames.mldV1(type: 132, address: g6))
        let q = McastFrames.icmpv6Frame(dst: .allNodesV6, icmp: McastFrames.mldV1(type: 130, maxDelay: 10000, address: .unspecifiedV6))
        #expect(parseSummary(report) == "report ff05::1234 mldV1")
        #expect(parseSummary(done) == "leave ff05::1234 mldV1")
        #expect(query(q) == MembershipQuery(version: .mldV1, group: nil, maxResponseNanos: 10 * mcastSecond, robustness: nil,
                                            queryIntervalSeconds: nil, suppressRouterProcessing: false, sourceCount: 0))
        let p = try parseFrame(report).get()
        #expect(p.routerAlert)
        #expect(p.source == McastFrames.linkLocal)
        #expect(p.destination == g6)
        // Without the hop-by-hop header it still parses, but says the Router Alert was missing.
        let bare = McastFrames.icmpv6Frame(dst: g6, hopByHop: false, icmp: McastFrames.mldV1(type: 131, address: g6))
        #expect(try parseFrame(bare).get().routerAlert == false)
        #expect(parseSummary(bare) == "report ff05::1234 mldV1")
    }

    @Test func mldV2QueryAndReport() {
        // Max resp code 0x8001 = (1|0x1000) << 3 = 32776 ms.
        let general = query(McastFrames.icmpv6Frame(dst: .allNodesV6, icmp: McastFrames.mldV2Query(maxCode: 0x8001, group: .unspecifiedV6, qrv: 0x0A)))
        #expect(general == MembershipQuery(version: .mldV2, group: nil, maxResponseNanos: 32776 * 1_000_000, robustness: 2,
                                           queryIntervalSeconds: 125, suppressRouterProcessing: true, sourceCount: 0))
        let specific = query(McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV2Query(maxCode: 1000, group: g6, sources: 2)))
        #expect(specific?.group == g6)
        #expect(specific?.sourceCount == 2)
        #expect(specific?.maxResponseNanos == mcastSecond)
        let recs = [McastFrames.Record(type: 4, group: g6), .init(type: 3, group: solicited), .init(type: 1, group: g6, sources: 1, aux: 2)]
        let report = McastFrames.icmpv6Frame(dst: .v6(0xFF02_0000_0000_0000, 0x16), icmp: McastFrames.mldV2Report(recs))
        #expect(parseSummary(report) == "records mldV2 changeToExclude ff05::1234 0,changeToInclude ff02::1:ff33:4455 0,modeIsInclude ff05::1234 1")
        // From :: (a host still doing duplicate address detection) a report is valid.
        let unspecified = McastFrames.icmpv6Frame(src: .unspecifiedV6, dst: .v6(0xFF02_0000_0000_0000, 0x16), icmp: McastFrames.mldV2Report(recs))
        #expect(parseSummary(unspecified).hasPrefix("records mldV2"))
        let missing = McastFrames.icmpv6Frame(dst: .v6(0xFF02_0000_0000_0000, 0x16), icmp: McastFrames.mldV2Report(recs, declaredCount: 4))
        #expect(parseSummary(missing) == "error \(MembershipParseError.truncated(.groupRecord))")
    }

    @Test func mldChecksumCoversThePseudoHeader() {
        var frame = McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 131, address: g6))
        #expect(parseSummary(frame) == "report ff05::1234 mldV1")
        // Another destination in the IPv6 header (bytes 38...53), MAC and ICMPv6 bytes unchanged:
        // only the pseudo-header can tell.
        frame[14 + 24 + 15] ^= 0x40
        #expect(parseSummary(frame) == "error \(MembershipParseError.badICMPv6Checksum)")
        var body = McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 131, address: g6))
        body[body.count - 1] ^= 0x80
        #expect(parseSummary(body) == "error \(MembershipParseError.badICMPv6Checksum)")
    }

    @Test func mldScopeRules() {
        let global = InetAddress.v6(0x2001_0DB8_0000_0000, 5)
        let offLink = McastFrames.icmpv6Frame(src: global, dst: g6, icmp: McastFrames.mldV1(type: 131, address: g6))
        #expect(parseSummary(offLink) == "error \(MembershipParseError.notLinkLocalSource)")
        let queryFromNothing = McastFrames.icmpv6Frame(src: .unspecifiedV6, dst: .allNodesV6,
                                                       icmp: McastFrames.mldV1(type: 130, maxDelay: 1000, address: .unspecifiedV6))
        #expect(parseSummary(queryFromNothing) == "error \(MembershipParseError.notLinkLocalSource)")
        let routed = McastFrames.icmpv6Frame(dst: g6, hopLimit: 64, icmp: McastFrames.mldV1(type: 131, address: g6))
        #expect(parseSummary(routed) == "error \(MembershipParseError.badHopLimit(64))")
        let odd = McastFrames.icmpv6Frame(dst: .allNodesV6, icmp: McastFrames.mldV1(type: 130, address: .unspecifiedV6) + [0, 0])
        #expect(parseSummary(odd) == "error \(MembershipParseError.badMessageLength(.icmpv6))")
        let unicastGroup = McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 131, address: global))
        #expect(parseSummary(unicastGroup) == "error \(MembershipParseError.notMulticastGroup)")
        // Neighbour solicitation (135) is ICMPv6 but not MLD.
        let ns = McastFrames.icmpv6Frame(dst: solicited, hopLimit: 255, hopByHop: false, icmp: [135, 0, 0, 0, 0, 0, 0, 0] + bytes(of: global))
        #expect(parseSummary(ns) == "error \(MembershipParseError.notMembership)")
    }

    @Test func ipv6ExtensionHeaderErrors() {
        var frame = McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 131, address: g6))
        frame[54 + 1] = 9  // hop-by-hop length: 80 bytes, more than the packet holds
        #expect(parseSummary(frame) == "error \(MembershipParseError.truncated(.extensionHeader))")
        var option = McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 131, address: g6))
        option[54 + 3] = 9  // Router Alert option length past the header's end
        #expect(parseSummary(option) == "error \(MembershipParseError.badExtensionHeader)")
        var fragment = McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 131, address: g6))
        fragment[54] = 44
        #expect(parseSummary(fragment) == "error \(MembershipParseError.fragmented)")
        var version = McastFrames.icmpv6Frame(dst: g6, icmp: McastFrames.mldV1(type: 131, address: g6))
        version[14] = 0x40
        #expect(parseSummary(version) == "error \(MembershipParseError.badIPv6Header)")
    }


    @Test(arguments: mcastSampleFrames.indices)
    func everyTruncationIsATruncatedError(index: Int) {
        let frame = mcastSampleFrames[index]
        #expect(!parseSummary(frame).hasPrefix("error"), "sample \(index) does not parse: \(parseSummary(frame))")
        for length in 0..<frame.count {
            // An exact-size copy, so an over-read would touch memory past the array's storage.
            let prefix = Array(frame[0..<length])
            switch parseFrame(prefix) {
            case .success: Issue.record("sample \(index) cut to \(length) bytes parsed")
            case .failure(let error):
                guard case .truncated = error else {
                    Issue.record("sample \(index) cut to \(length) bytes: \(error), not a truncation")
                    continue
                }
            }
        }
    }

    /// IPv6 bytes no checksum covers: traffic class and flow label, and the hop-by-hop options.
    private func uncovered(_ frame: [UInt8], _ i: Int) -> Bool {
        guard frame[12] == 0x86, frame[13] == 0xDD else { return false }
        if (14...17).contains(i) { return true }
        return frame[20] == 0 && (56..<62).contains(i)
    }

    @Test(arguments: mcastSampleFrames.indices)
    func everyBitFlipIsDetectedOrHarmless(index: Int) {
        let frame = mcastSampleFrames[index]
        let original = parseSummary(frame)
        for i in 14..<frame.count {
            for bit in 0..<8 {
                var flipped = frame
                flipped[i] ^= 1 << bit
                let result = parseSummary(flipped)
                if uncovered(frame, i) && !(i == 14 && bit >= 4) {
                    // The version nibble is checked; the other uncovered bits may change nothing but flags.
                    #expect(result.hasPrefix("error") || result == original,
                            "sample \(index), byte \(i) bit \(bit): \(result) instead of \(original)")
                } else {
                    #expect(result.hasPrefix("error"), "sample \(index), byte \(i) bit \(bit) went unnoticed: \(result)")
                }
            }
        }
    }

    @Test func maxResponseCodes() {
        #expect(MembershipCodes.decode8(100) == 100)
        #expect(MembershipCodes.decode8(0x80) == 128)
        #expect(MembershipCodes.decode8(0xFF) == 31744)
        #expect(MembershipCodes.encode8(125) == 125)
        #expect(MembershipCodes.encode8(1_000_000) == 0xFF)
        #expect(MembershipCodes.decode16(0x7FFF) == 0x7FFF)
        #expect(MembershipCodes.decode16(0xFFFF) == 0x1FFF << 10)
        for value in stride(from: UInt32(0), to: 40_000, by: 7) {
            let d = MembershipCodes.decode8(MembershipCodes.encode8(value))
            #expect(d <= max(value, 0) && (value > 31744 || Double(d) >= Double(value) * 0.93), "8-bit \(value) -> \(d)")
            let d16 = MembershipCodes.decode16(MembershipCodes.encode16(value * 100))
            #expect(d16 <= value * 100 && Double(d16) >= Double(value * 100) * 0.999, "16-bit \(value * 100) -> \(d16)")
        }
    }

    @Test func addressText() {
        #expect(InetAddress.v4(0xEF01_0203).description == "239.1.2.3")
        #expect(InetAddress.allNodesV6.description == "ff02::1")
        #expect(solicited.description == "ff02::1:ff33:4455")
        #expect(InetAddress.unspecifiedV6.description == "::")
        #expect(InetAddress.v6(0x2001_0DB8_0000_0001, 0x0000_0000_0000_0001).description == "2001:db8:0:1::1")
        #expect(InetAddress.v6(0x2001_0DB8_0000_0000, 0x0001_0000_0000_0001).description == "2001:db8::1:0:0:1")
        #expect(InetAddress.v6(0x0001_0002_0003_0004, 0x0005_0006_0007_0008).description == "1:2:3:4:5:6:7:8")
        #expect(InetAddress.v4(0xEF01_0203).multicastMAC == MACAddress(0x01, 0x00, 0x5E, 0x01, 0x02, 0x03))
        #expect(InetAddress.v4(0xEF81_0203).multicastMAC == MACAddress(0x01, 0x00, 0x5E, 0x01, 0x02, 0x03))
        #expect(solicited.multicastMAC == MACAddress(0x33, 0x33, 0xFF, 0x33, 0x44, 0x55))
    }
}
