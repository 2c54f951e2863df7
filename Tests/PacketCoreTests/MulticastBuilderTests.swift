import Testing
import N2NWire
@testable import PacketCore

private let mac = MACAddress(0x02, 0xAA, 0, 0, 0, 0x01)
private let ip = InetAddress.v4(0x0A00_0005)
private let group4 = InetAddress.v4(0xEF01_0203)
private let group6 = InetAddress.v6(0xFF12_0000_0000_0000, 0x1234)

private func build(_ body: (UnsafeMutableRawBufferPointer) throws(MembershipBuildError) -> Int) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0xCC, count: 200)
    let n = try buffer.withUnsafeMutableBytes { b in try body(b) }
    return Array(buffer[0..<n])
}

private func checkIPv4Frame(_ f: [UInt8], dst: UInt32, igmpLength: Int) {
    #expect(f.count == 14 + 24 + igmpLength)
    #expect(Array(f[0..<6]) == InetAddress.v4(dst).multicastMAC.octets)
    #expect(Array(f[6..<12]) == mac.octets)
    #expect(f[12] == 0x08 && f[13] == 0x00)
    #expect(f[14] == 0x46, "IHL 6: the Router Alert option")
    #expect(Array(f[34..<38]) == [0x94, 0x04, 0x00, 0x00])
    #expect(f[22] == 1, "TTL 1")
    #expect(f[23] == 2)
    #expect(Array(f[30..<34]) == bytes(of: .v4(dst)))
    #expect(referenceChecksum(Array(f[14..<38])) == 0, "IPv4 header checksum")
    #expect(referenceChecksum(Array(f[38...])) == 0, "IGMP checksum")
}

@Suite struct MulticastBuilderTests {
    @Test func igmpV2GeneralQuery() throws {
        let f = try build { b throws(MembershipBuildError) in
            try MembershipQueryBuilder.writeIGMPQuery(version: .v2, group: nil, sourceMAC: mac, sourceIP: ip,
                                                      maxResponseNanos: 10 * mcastSecond, into: b)
        }
        checkIPv4Frame(f, dst: 0xE000_0001, igmpLength: 8)
        #expect(f.count == MembershipQueryBuilder.igmpV2QueryLength)
        #expect(f[38] == 0x11 && f[39] == 100)
        let p = try parseFrame(f).get()
        #expect(p.source == ip)
        #expect(p.routerAlert)
        guard case .query(let q) = p.message else { Issue.record("not a query"); return }
        #expect(q == MembershipQuery(version: .igmpV2, group: nil, maxResponseNanos: 10 * mcastSecond, robustness: nil,
                                     queryIntervalSeconds: nil, suppressRouterProcessing: false, sourceCount: 0))
    }

    @Test func igmpV3GroupSpecificQuery() throws {
        let f = try build { b throws(MembershipBuildError) in
            try MembershipQueryBuilder.writeIGMPQuery(version: .v3, group: group4, sourceMAC: mac, sourceIP: ip,
                                                      maxResponseNanos: 1 * mcastSecond, robustness: 2,
                                                      queryIntervalNanos: 125 * mcastSecond, into: b)
        }
        checkIPv4Frame(f, dst: 0xEF01_0203, igmpLength: 12)
        guard case .query(let q) = try parseFrame(f).get().message else { Issue.record("not a query"); return }
        #expect(q == MembershipQuery(version: .igmpV3, group: group4, maxResponseNanos: 1 * mcastSecond, robustness: 2,
                                     queryIntervalSeconds: 125, suppressRouterProcessing: false, sourceCount: 0))
    }

    @Test(arguments: [MLDQueryVersion.v1, .v2])
    func mldGeneralAndGroupQueries(version: MLDQueryVersion) throws {
        let source = McastFrames.linkLocal
        for target in [nil, group6] as [InetAddress?] {
            let f = try build { b throws(MembershipBuildError) in
                try MembershipQueryBuilder.writeMLDQuery(version: version, group: target, sourceMAC: mac, sourceIP: source,
                                                         maxResponseNanos: 10 * mcastSecond, into: b)
            }
            let icmpLength = version == .v1 ? 24 : 28
            let destination = target ?? .allNodesV6
            #expect(f.count == 14 + 40 + 8 + icmpLength)
            #expect(Array(f[0..<6]) == destination.multicastMAC.octets)
            #expect(f[12] == 0x86 && f[13] == 0xDD)
            #expect(f[14] >> 4 == 6)
            #expect(f[20] == 0, "hop-by-hop header first")
            #expect(f[21] == 1, "hop limit 1")
            #expect(Array(f[22..<38]) == bytes(of: source))
            #expect(Array(f[38..<54]) == bytes(of: destination))
            #expect(Array(f[54..<62]) == [58, 0, 5, 2, 0, 0, 1, 0], "Router Alert (MLD) and PadN")
            let icmp = Array(f[62...])
            #expect(referenceChecksum(pseudoHeader(source: source, destination: destination, length: icmp.count) + icmp) == 0)
            let p = try parseFrame(f).get()
            #expect(p.routerAlert)
            guard case .query(let q) = p.message else { Issue.record("not a query"); continue }
            #expect(q.version == (version == .v1 ? .mldV1 : .mldV2))
            #expect(q.group == target)
            #expect(q.maxResponseNanos == 10 * mcastSecond)
            #expect(q.robustness == (version == .v1 ? nil : 2))
        }
    }

    @Test func robustnessAboveSevenIsSentAsZero() throws {
        let f = try build { b throws(MembershipBuildError) in
            try MembershipQueryBuilder.writeIGMPQuery(group: nil, sourceMAC: mac, sourceIP: ip, maxResponseNanos: mcastSecond,
                                                      robustness: 9, into: b)
        }
        #expect(f[46] == 0)
        guard case .query(let q) = try parseFrame(f).get().message else { Issue.record("not a query"); return }
        #expect(q.robustness == nil)
        #expect(q.version == .igmpV3)
    }

    @Test func builderErrors() {
        var small = [UInt8](repeating: 0, count: 45)
        small.withUnsafeMutableBytes { b in
            #expect(throws: MembershipBuildError.bufferTooSmall(needed: 46)) {
                try MembershipQueryBuilder.writeIGMPQuery(version: .v2, group: nil, sourceMAC: mac, sourceIP: ip, maxResponseNanos: mcastSecond, into: b)
            }
            #expect(throws: MembershipBuildError.badSource) {
                try MembershipQueryBuilder.writeMLDQuery(group: nil, sourceMAC: mac, sourceIP: .v6(0x2001_0DB8_0000_0000, 1), maxResponseNanos: mcastSecond, into: b)
            }
            #expect(throws: MembershipBuildError.badSource) {
                try MembershipQueryBuilder.writeIGMPQuery(group: nil, sourceMAC: mac, sourceIP: McastFrames.linkLocal, maxResponseNanos: mcastSecond, into: b)
            }
            #expect(throws: MembershipBuildError.badGroup) {
                try MembershipQueryBuilder.writeIGMPQuery(group: .v4(0x0A00_0001), sourceMAC: mac, sourceIP: ip, maxResponseNanos: mcastSecond, into: b)
            }
            #expect(throws: MembershipBuildError.badGroup) {
                try MembershipQueryBuilder.writeMLDQuery(group: group4, sourceMAC: mac, sourceIP: McastFrames.linkLocal, maxResponseNanos: mcastSecond, into: b)
            }
        }
    }
}
