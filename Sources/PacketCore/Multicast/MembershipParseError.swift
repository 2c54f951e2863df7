/// Where in a frame a membership message ran out of bytes or broke a rule.
public enum MembershipLayer: String, Sendable, Codable {
    case ethernet, ipv4, ipv6, extensionHeader, igmp, icmpv6, groupRecord
}

/// Why a frame did not yield a membership message: a drop reason for counters and logs.
public enum MembershipParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The frame ends before the named layer does.
    case truncated(MembershipLayer)
    /// Not IGMP or MLD at all (another EtherType, protocol or ICMPv6 type); not an error for the caller.
    case notMembership
    /// Version, header length or total length that no valid IPv4 header has.
    case badIPv4Header
    case badIPv4Checksum
    /// An IPv4 option whose length runs past the header or is below 2.
    case badIPv4Options
    /// A fragment: membership messages are never fragmented, and a fragment cannot be checked.
    case fragmented
    /// Version not 6, or a zero (jumbogram) payload length.
    case badIPv6Header
    /// Hop-by-hop not first, an option running past its header, or too long a chain of headers.
    case badExtensionHeader
    case badIGMPChecksum
    /// The checksum over the IPv6 pseudo-header and the ICMPv6 message does not verify.
    case badICMPv6Checksum
    /// A length the message type does not allow (an IGMP query of 9...11 bytes, an MLD query of 25...27).
    case badMessageLength(MembershipLayer)
    case unknownIGMPType(UInt8)
    /// A report, leave or record for an address outside 224.0.0.0/4 / ff00::/8, or a query naming one.
    case notMulticastGroup
    case unknownRecordType(UInt8)
    /// MLD from a source that is neither link-local nor (for reports) unspecified (RFC 3810 5.1.14, 5.2.13).
    case notLinkLocalSource
    /// MLD with a hop limit other than 1 (RFC 2710 3, RFC 3810 5).
    case badHopLimit(UInt8)

    public var description: String {
        switch self {
        case .truncated(let layer): return "truncated \(layer.rawValue)"
        case .notMembership: return "not IGMP/MLD"
        case .badIPv4Header: return "bad IPv4 header"
        case .badIPv4Checksum: return "bad IPv4 header checksum"
        case .badIPv4Options: return "bad IPv4 options"
        case .fragmented: return "fragmented"
        case .badIPv6Header: return "bad IPv6 header"
        case .badExtensionHeader: return "bad IPv6 extension header"
        case .badIGMPChecksum: return "bad IGMP checksum"
        case .badICMPv6Checksum: return "bad ICMPv6 checksum"
        case .badMessageLength(let layer): return "bad \(layer.rawValue) message length"
        case .unknownIGMPType(let t): return "unknown IGMP type 0x\(String(t, radix: 16))"
        case .notMulticastGroup: return "group is not a multicast address"
        case .unknownRecordType(let t): return "unknown group record type \(t)"
        case .notLinkLocalSource: return "MLD source is not link-local"
        case .badHopLimit(let h): return "MLD hop limit \(h), not 1"
        }
    }
}
