import N2NWire
#if canImport(LinuxSystem)  // the fuzz builds compile InternetChecksum.swift into this module
import LinuxSystem
#endif

/// Reads IGMP (RFC 1112, 2236, 3376) and MLD (RFC 2710, 3810) messages out of untagged Ethernet
/// frames. Every length is checked before the bytes are read; nothing is allocated.
public enum MembershipParser {
    static let etherIPv4: UInt16 = 0x0800
    static let etherIPv6: UInt16 = 0x86DD

    public static func parse(frame b: UnsafeRawBufferPointer) throws(MembershipParseError) -> MembershipPacket {
        guard b.count >= 14 else { throw .truncated(.ethernet) }
        let source = MACAddress(loadingFrom: b, at: 6)
        switch load16(b, 12) {
        case etherIPv4: return try parseIPv4(b, at: 14, ethernetSource: source)
        case etherIPv6: return try parseIPv6(b, at: 14, ethernetSource: source)
        default: throw .notMembership
        }
    }

    // MARK: IPv4 and IGMP

    static func parseIPv4(_ b: UnsafeRawBufferPointer, at l3: Int, ethernetSource: MACAddress) throws(MembershipParseError) -> MembershipPacket {
        let available = b.count - l3
        guard available >= 20 else { throw .truncated(.ipv4) }
        guard b[l3] >> 4 == 4 else { throw .badIPv4Header }
        let headerLength = Int(b[l3] & 0x0F) * 4
        guard headerLength >= 20 else { throw .badIPv4Header }
        guard available >= headerLength else { throw .truncated(.ipv4) }
        let totalLength = Int(load16(b, l3 + 2))
        guard totalLength >= headerLength else { throw .badIPv4Header }
        // Bytes past the total length are Ethernet padding.
        guard totalLength <= available else { throw .truncated(.ipv4) }
        guard b[l3 + 9] == 2 else { throw .notMembership }
        guard load16(b, l3 + 6) & 0x3FFF == 0 else { throw .fragmented }
        guard InternetChecksum.fold(InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: b[l3..<(l3 + headerLength)]))) == 0xFFFF else {
            throw .badIPv4Checksum
        }
        let routerAlert = try scanIPv4Options(b, from: l3 + 20, to: l3 + headerLength)
        let message = try parseIGMP(b, at: l3 + headerLength, count: totalLength - headerLength)
        return MembershipPacket(ethernetSource: ethernetSource, source: .v4(load32(b, l3 + 12)),
                                destination: .v4(load32(b, l3 + 16)), hopLimit: b[l3 + 8],
                                routerAlert: routerAlert, message: message)
    }

    /// Walks the options (RFC 791 type-length-value, with one-byte EOL and NOP); true if Router Alert is there.
    static func scanIPv4Options(_ b: UnsafeRawBufferPointer, from start: Int, to end: Int) throws(MembershipParseError) -> Bool {
        var i = start
        var routerAlert = false
        while i < end {
            let type = b[i]
            if type == 0 { break }
            if type == 1 { i += 1; continue }
            guard i + 1 < end else { throw .badIPv4Options }
            let length = Int(b[i + 1])
            guard length >= 2, i + length <= end else { throw .badIPv4Options }
            if type == 0x94 && length == 4 { routerAlert = true }
            i += length
        }
        return routerAlert
    }

    static func parseIGMP(_ b: UnsafeRawBufferPointer, at o: Int, count n: Int) throws(MembershipParseError) -> MembershipMessage {
        guard n >= 8 else { throw .truncated(.igmp) }
        guard InternetChecksum.fold(InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: b[o..<(o + n)]))) == 0xFFFF else {
            throw .badIGMPChecksum
        }
        let type = b[o]
        let group = InetAddress.v4(load32(b, o + 4))
        switch type {
        case 0x11:
            return .query(try parseIGMPQuery(b, at: o, count: n))
        case 0x12, 0x16:
            guard group.isMulticast else { throw .notMulticastGroup }
            return .report(group, type == 0x12 ? .igmpV1 : .igmpV2)
        case 0x17:
            guard group.isMulticast else { throw .notMulticastGroup }
            return .leave(group, .igmpV2)
        case 0x22:
            let records = try parseRecords(b, from: o + 8, end: o + n, count: Int(load16(b, o + 6)), isIPv6: false)
            return .recordReport(records, .igmpV3)
        default:
            throw .unknownIGMPType(type)
        }
    }

    /// The version follows from the length and the max response field (RFC 3376 7.1).
    static func parseIGMPQuery(_ b: UnsafeRawBufferPointer, at o: Int, count n: Int) throws(MembershipParseError) -> MembershipQuery {
        let address = load32(b, o + 4)
        let group: MulticastGroup? = address == 0 ? nil : .v4(address)
        if let group, !group.isMulticast { throw .notMulticastGroup }
        let code = b[o + 1]
        if n == 8 {
            if code == 0 {
                return MembershipQuery(version: .igmpV1, group: group, maxResponseNanos: 10 * MembershipTimers.second,
                                       robustness: nil, queryIntervalSeconds: nil, suppressRouterProcessing: false, sourceCount: 0)
            }
            return MembershipQuery(version: .igmpV2, group: group, maxResponseNanos: Int64(code) * MembershipTimers.second / 10,
                                   robustness: nil, queryIntervalSeconds: nil, suppressRouterProcessing: false, sourceCount: 0)
        }
        guard n >= 12 else { throw .badMessageLength(.igmp) }
        let sources = Int(load16(b, o + 10))
        guard n >= 12 + 4 * sources else { throw .truncated(.igmp) }
        let qrv = b[o + 8] & 7
        let qqi = MembershipCodes.decode8(b[o + 9])
        return MembershipQuery(version: .igmpV3, group: group,
                               maxResponseNanos: Int64(MembershipCodes.decode8(code)) * MembershipTimers.second / 10,
                               robustness: qrv == 0 ? nil : qrv, queryIntervalSeconds: qqi == 0 ? nil : qqi,
                               suppressRouterProcessing: b[o + 8] & 8 != 0, sourceCount: sources)
    }

    /// Checks every record header, source list and auxiliary data against `end` before the list is handed out.
    static func parseRecords(_ b: UnsafeRawBufferPointer, from start: Int, end: Int, count: Int,
                             isIPv6: Bool) throws(MembershipParseError) -> GroupRecordList {
        let fixed = isIPv6 ? 20 : 8
        let sourceSize = isIPv6 ? 16 : 4
        var offset = start
        for _ in 0..<count {
            guard end - offset >= fixed else { throw .truncated(.groupRecord) }
            guard GroupRecordType(rawValue: b[offset]) != nil else { throw .unknownRecordType(b[offset]) }
            let length = fixed + sourceSize * Int(load16(b, offset + 2)) + 4 * Int(b[offset + 1])
            guard end - offset >= length else { throw .truncated(.groupRecord) }
            let group: InetAddress = isIPv6 ? loadV6(b, offset + 4) : .v4(load32(b, offset + 4))
            guard group.isMulticast else { throw .notMulticastGroup }
            offset += length
        }
        return GroupRecordList(bytes: b, start: start, count: count, isIPv6: isIPv6)
    }

    // MARK: IPv6 and MLD

    static func parseIPv6(_ b: UnsafeRawBufferPointer, at l3: Int, ethernetSource: MACAddress) throws(MembershipParseError) -> MembershipPacket {
        let available = b.count - l3
        guard available >= 40 else { throw .truncated(.ipv6) }
        guard b[l3] >> 4 == 6 else { throw .badIPv6Header }
        let payloadLength = Int(load16(b, l3 + 4))
        guard payloadLength > 0 else { throw .badIPv6Header }
        guard 40 + payloadLength <= available else { throw .truncated(.ipv6) }
        let end = l3 + 40 + payloadLength
        var next = b[l3 + 6]
        var offset = l3 + 40
        var routerAlert = false
        var headers = 0
        while next != 58 {
            switch next {
            case 0, 60:
                // Hop-by-hop must come first (RFC 8200 4.1); a long chain of options is no MLD message.
                guard next == 60 || headers == 0, headers < 4 else { throw .badExtensionHeader }
                guard end - offset >= 8 else { throw .truncated(.extensionHeader) }
                let length = (Int(b[offset + 1]) + 1) * 8
                guard end - offset >= length else { throw .truncated(.extensionHeader) }
                if next == 0 { routerAlert = try scanHopByHop(b, from: offset + 2, to: offset + length) }
                next = b[offset]
                offset += length
                headers += 1
            case 44:
                throw .fragmented
            default:
                throw .notMembership
            }
        }
        let n = end - offset
        guard n >= 1 else { throw .truncated(.icmpv6) }
        let type = b[offset]
        guard type == 130 || type == 131 || type == 132 || type == 143 else { throw .notMembership }
        guard n >= 8 else { throw .truncated(.icmpv6) }
        let source = loadV6(b, l3 + 8)
        let destination = loadV6(b, l3 + 24)
        let pseudo = InternetChecksum.pseudoHeaderIPv6(addresses: UnsafeRawBufferPointer(rebasing: b[(l3 + 8)..<(l3 + 40)]),
                                                       proto: 58, length: n)
        guard InternetChecksum.fold(InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: b[offset..<(offset + n)]), initial: pseudo)) == 0xFFFF else {
            throw .badICMPv6Checksum
        }
        let hopLimit = b[l3 + 7]
        guard hopLimit == 1 else { throw .badHopLimit(hopLimit) }
        // Reports may come from :: while the host has no address yet (RFC 3810 5.2.13); queries may not.
        guard source.isIPv6LinkLocal || (type != 130 && source.isUnspecified) else { throw .notLinkLocalSource }
        let message = try parseMLD(b, at: offset, count: n, type: type)
        return MembershipPacket(ethernetSource: ethernetSource, source: source, destination: destination,
                                hopLimit: hopLimit, routerAlert: routerAlert, message: message)
    }

    /// RFC 8200 4.2 options; true if the Router Alert (RFC 2711) says MLD (value 0).
    static func scanHopByHop(_ b: UnsafeRawBufferPointer, from start: Int, to end: Int) throws(MembershipParseError) -> Bool {
        var i = start
        var routerAlert = false
        while i < end {
            let type = b[i]
            if type == 0 { i += 1; continue }
            guard i + 1 < end else { throw .badExtensionHeader }
            let length = Int(b[i + 1])
            guard i + 2 + length <= end else { throw .badExtensionHeader }
            if type == 5 && length == 2 && load16(b, i + 2) == 0 { routerAlert = true }
            i += 2 + length
        }
        return routerAlert
    }

    static func parseMLD(_ b: UnsafeRawBufferPointer, at o: Int, count n: Int, type: UInt8) throws(MembershipParseError) -> MembershipMessage {
        if type == 143 {
            let records = try parseRecords(b, from: o + 8, end: o + n, count: Int(load16(b, o + 6)), isIPv6: true)
            return .recordReport(records, .mldV2)
        }
        guard n >= 24 else { throw .truncated(.icmpv6) }
        let address = loadV6(b, o + 8)
        if type == 130 {
            let group: MulticastGroup? = address.isUnspecified ? nil : address
            if let group, !group.isMulticast { throw .notMulticastGroup }
            let delay = load16(b, o + 4)
            if n == 24 {
                return .query(MembershipQuery(version: .mldV1, group: group,
                                              maxResponseNanos: Int64(delay) * MembershipTimers.millisecond,
                                              robustness: nil, queryIntervalSeconds: nil,
                                              suppressRouterProcessing: false, sourceCount: 0))
            }
            guard n >= 28 else { throw .badMessageLength(.icmpv6) }
            let sources = Int(load16(b, o + 26))
            guard n >= 28 + 16 * sources else { throw .truncated(.icmpv6) }
            let qrv = b[o + 24] & 7
            let qqi = MembershipCodes.decode8(b[o + 25])
            return .query(MembershipQuery(version: .mldV2, group: group,
                                          maxResponseNanos: Int64(MembershipCodes.decode16(delay)) * MembershipTimers.millisecond,
                                          robustness: qrv == 0 ? nil : qrv, queryIntervalSeconds: qqi == 0 ? nil : qqi,
                                          suppressRouterProcessing: b[o + 24] & 8 != 0, sourceCount: sources))
        }
        guard address.isMulticast else { throw .notMulticastGroup }
        return type == 131 ? .report(address, .mldV1) : .leave(address, .mldV1)
    }
}

/// The floating-point Max Resp Code and QQIC encodings of RFC 3376 4.1.1/4.1.7 and RFC 3810 5.1.3/5.1.9.
public enum MembershipCodes {
    /// 8-bit code: below 128 the value itself, else 1|exp(3)|mant(4) = (mant|0x10) << (exp+3).
    public static func decode8(_ code: UInt8) -> UInt32 {
        guard code >= 128 else { return UInt32(code) }
        return (UInt32(code & 0x0F) | 0x10) << (UInt32(code >> 4 & 7) + 3)
    }

    /// The largest code whose value does not exceed `value` (so hosts never wait longer than asked).
    public static func encode8(_ value: UInt32) -> UInt8 {
        if value < 128 { return UInt8(value) }
        for exp in stride(from: 7, through: 0, by: -1) {
            let mant = (value >> UInt32(exp + 3))
            if mant >= 0x10 { return 0x80 | UInt8(exp) << 4 | UInt8(min(mant, 0x1F) & 0x0F) }
        }
        return 127
    }

    /// 16-bit MLDv2 Maximum Response Code (milliseconds): below 32768 itself, else 1|exp(3)|mant(12).
    public static func decode16(_ code: UInt16) -> UInt32 {
        guard code >= 0x8000 else { return UInt32(code) }
        return (UInt32(code & 0x0FFF) | 0x1000) << (UInt32(code >> 12 & 7) + 3)
    }

    public static func encode16(_ value: UInt32) -> UInt16 {
        if value < 0x8000 { return UInt16(value) }
        for exp in stride(from: 7, through: 0, by: -1) {
            let mant = value >> UInt32(exp + 3)
            if mant >= 0x1000 { return 0x8000 | UInt16(exp) << 12 | UInt16(min(mant, 0x1FFF) & 0x0FFF) }
        }
        return 0x7FFF
    }
}
