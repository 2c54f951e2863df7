import N2NWire

/// What an outgoing frame is, as far as replication goes.
public enum MulticastFrameClass: Equatable, Sendable {
    /// A unicast destination MAC: not this module's business.
    case unicast
    case flood(FloodReason)
    /// IGMP or MLD: always flooded, and the snooper learns from it.
    case membershipControl
    /// A group the table may know.
    case group(MulticastGroup)
}

/// A cheap look at the destination MAC and IP header of a frame (reads at most the first ~64 bytes).
public enum MulticastClassifier {
    public static func classify(_ b: UnsafeRawBufferPointer) -> MulticastFrameClass {
        guard b.count >= 6 else { return .flood(.malformed) }
        let destination = MACAddress(loadingFrom: b, at: 0)
        guard destination.isGroup else { return .unicast }
        if destination.isBroadcast { return .flood(.broadcast) }
        guard b.count >= 14 else { return .flood(.malformed) }
        let etherType = load16(b, 12)
        if destination.isIPv4Multicast && etherType == 0x0800 { return classifyIPv4(b, mac: destination) }
        if destination.isIPv6Multicast && etherType == 0x86DD { return classifyIPv6(b, mac: destination) }
        return .flood(.nonIPMulticast)
    }

    static func classifyIPv4(_ b: UnsafeRawBufferPointer, mac: MACAddress) -> MulticastFrameClass {
        guard b.count >= 34, b[14] >> 4 == 4 else { return .flood(.malformed) }
        let group = InetAddress.v4(load32(b, 30))
        guard group.isMulticast, group.multicastMAC == mac else { return .flood(.malformed) }
        if b[23] == 2 { return .membershipControl }
        if let reason = MulticastScope.floodReason(group) { return .flood(reason) }
        return .group(group)
    }

    static func classifyIPv6(_ b: UnsafeRawBufferPointer, mac: MACAddress) -> MulticastFrameClass {
        guard b.count >= 54, b[14] >> 4 == 6 else { return .flood(.malformed) }
        let group = loadV6(b, 38)
        guard group.isMulticast, group.multicastMAC == mac else { return .flood(.malformed) }
        if carriesMLD(b) { return .membershipControl }
        if let reason = MulticastScope.floodReason(group) { return .flood(reason) }
        return .group(group)
    }

    /// ICMPv6 type 130...132 or 143 right after the IPv6 header or after one hop-by-hop header
    /// (where every real MLD message has it).
    static func carriesMLD(_ b: UnsafeRawBufferPointer) -> Bool {
        var next = b[20]
        var offset = 54
        if next == 0 {
            guard b.count >= offset + 2 else { return false }
            next = b[offset]
            offset += (Int(b[offset + 1]) + 1) * 8
        }
        guard next == 58, b.count > offset else { return false }
        let type = b[offset]
        return type == 130 || type == 131 || type == 132 || type == 143
    }
}
