import N2NWire
#if canImport(LinuxSystem)  // the fuzz builds compile InternetChecksum.swift into this module
import LinuxSystem
#endif

public enum IGMPQueryVersion: Sendable, Codable { case v2, v3 }
public enum MLDQueryVersion: Sendable, Codable { case v1, v2 }

public enum MembershipBuildError: Error, Equatable, Sendable {
    case bufferTooSmall(needed: Int)
    /// The source must be IPv4 for IGMP and link-local IPv6 for MLD (RFC 3810 5.1.14).
    case badSource
    /// A group-specific query needs a snoopable multicast group of the same family.
    case badGroup
}

/// Writes the queries the querier sends, as whole Ethernet frames, into a caller buffer. v1/v2
/// hosts read a v3 or MLDv2 query as the older version (RFC 3376 7.2.1, RFC 3810 8.2.1), so v3 and
/// MLDv2 are the default.
public enum MembershipQueryBuilder {
    public static let igmpV2QueryLength = 14 + 24 + 8
    public static let igmpV3QueryLength = 14 + 24 + 12
    public static let mldV1QueryLength = 14 + 40 + 8 + 24
    public static let mldV2QueryLength = 14 + 40 + 8 + 28
    /// Enough for any query this builder writes.
    public static let maxQueryLength = mldV2QueryLength

    /// A general query to 224.0.0.1 (`group` nil) or a group-specific query to the group, with
    /// TTL 1, the Router Alert option and IP precedence "internetwork control", as hosts expect.
    public static func writeIGMPQuery(version: IGMPQueryVersion = .v3, group: MulticastGroup?, sourceMAC: MACAddress,
                                      sourceIP: InetAddress, maxResponseNanos: Int64, robustness: Int = 2,
                                      queryIntervalNanos: Int64 = 125 * MembershipTimers.second,
                                      into b: UnsafeMutableRawBufferPointer) throws(MembershipBuildError) -> Int {
        guard case .v4(let source) = sourceIP else { throw .badSource }
        let destination: UInt32
        if let group {
            guard case .v4(let g) = group, group.isMulticast else { throw .badGroup }
            destination = g
        } else {
            destination = 0xE000_0001
        }
        let igmpLength = version == .v2 ? 8 : 12
        let total = 14 + 24 + igmpLength
        guard b.count >= total else { throw .bufferTooSmall(needed: total) }
        InetAddress.v4(destination).multicastMAC.store(to: b, at: 0)
        sourceMAC.store(to: b, at: 6)
        store16(b, 12, 0x0800)
        let ip = 14
        b[ip] = 0x46
        b[ip + 1] = 0xC0
        store16(b, ip + 2, UInt16(24 + igmpLength))
        store32(b, ip + 4, 0)  // identification, flags, fragment offset
        b[ip + 8] = 1
        b[ip + 9] = 2
        store16(b, ip + 10, 0)
        store32(b, ip + 12, source)
        store32(b, ip + 16, destination)
        store32(b, ip + 20, 0x9404_0000)  // Router Alert (RFC 2113)
        InternetChecksum.fill(b, field: ip + 10, over: ip..<(ip + 24))

        let o = ip + 24
        let tenths = UInt32(clamping: max(0, maxResponseNanos) / (MembershipTimers.second / 10))
        b[o] = 0x11
        b[o + 1] = version == .v2 ? UInt8(clamping: max(1, tenths)) : MembershipCodes.encode8(max(1, tenths))
        store16(b, o + 2, 0)
        store32(b, o + 4, group == nil ? 0 : destination)
        if version == .v3 {
            b[o + 8] = robustness > 7 ? 0 : UInt8(clamping: max(0, robustness))  // QRV 0: above 7 (RFC 3376 4.1.6)
            b[o + 9] = MembershipCodes.encode8(UInt32(clamping: max(0, queryIntervalNanos) / MembershipTimers.second))
            store16(b, o + 10, 0)
        }
        InternetChecksum.fill(b, field: o + 2, over: o..<(o + igmpLength))
        return total
    }

    /// A general query to ff02::1 (`group` nil) or a group-specific query to the group, from a
    /// link-local source with hop limit 1 and a hop-by-hop Router Alert (RFC 2711).
    public static func writeMLDQuery(version: MLDQueryVersion = .v2, group: MulticastGroup?, sourceMAC: MACAddress,
                                     sourceIP: InetAddress, maxResponseNanos: Int64, robustness: Int = 2,
                                     queryIntervalNanos: Int64 = 125 * MembershipTimers.second,
                                     into b: UnsafeMutableRawBufferPointer) throws(MembershipBuildError) -> Int {
        guard sourceIP.isIPv6LinkLocal else { throw .badSource }
        let destination: InetAddress
        if let group {
            guard !group.isIPv4, group.isMulticast else { throw .badGroup }
            destination = group
        } else {
            destination = .allNodesV6
        }
        let icmpLength = version == .v1 ? 24 : 28
        let total = 14 + 40 + 8 + icmpLength
        guard b.count >= total else { throw .bufferTooSmall(needed: total) }
        destination.multicastMAC.store(to: b, at: 0)
        sourceMAC.store(to: b, at: 6)
        store16(b, 12, 0x86DD)
        let ip = 14
        store32(b, ip, 0x6000_0000)
        store16(b, ip + 4, UInt16(8 + icmpLength))
        b[ip + 6] = 0  // hop-by-hop options next
        b[ip + 7] = 1
        storeV6(b, ip + 8, sourceIP)
        storeV6(b, ip + 24, destination)
        let hbh = ip + 40
        // Next header ICMPv6, length 0 (8 bytes), Router Alert "MLD", then a PadN of two bytes.
        store64(b, hbh, 0x3A00_0502_0000_0100)

        let o = hbh + 8
        let millis = UInt32(clamping: max(0, maxResponseNanos) / MembershipTimers.millisecond)
        b[o] = 130
        b[o + 1] = 0
        store16(b, o + 2, 0)
        store16(b, o + 4, version == .v1 ? UInt16(clamping: millis) : MembershipCodes.encode16(millis))
        store16(b, o + 6, 0)
        storeV6(b, o + 8, group ?? .unspecifiedV6)
        if version == .v2 {
            b[o + 24] = robustness > 7 ? 0 : UInt8(clamping: max(0, robustness))
            b[o + 25] = MembershipCodes.encode8(UInt32(clamping: max(0, queryIntervalNanos) / MembershipTimers.second))
            store16(b, o + 26, 0)
        }
        let pseudo = InternetChecksum.pseudoHeaderIPv6(addresses: UnsafeRawBufferPointer(rebasing: b[(ip + 8)..<(ip + 40)]),
                                                       proto: 58, length: icmpLength)
        InternetChecksum.fill(b, field: o + 2, over: o..<(o + icmpLength), initial: pseudo)
        return total
    }

    static func storeV6(_ b: UnsafeMutableRawBufferPointer, _ offset: Int, _ address: InetAddress) {
        switch address {
        case .v4(let a):
            // Not reached: callers pass IPv6 addresses. An IPv4-mapped form keeps it total.
            store64(b, offset, 0)
            store64(b, offset + 8, 0xFFFF_0000_0000 | UInt64(a))
        case .v6(let high, let low):
            store64(b, offset, high)
            store64(b, offset + 8, low)
        }
    }
}
