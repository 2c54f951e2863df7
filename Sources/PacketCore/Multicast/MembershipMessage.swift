import N2NWire

/// Which protocol and version a membership message belongs to.
public enum MembershipVersion: String, Sendable, Codable {
    case igmpV1, igmpV2, igmpV3, mldV1, mldV2

    public var isIPv6: Bool { self == .mldV1 || self == .mldV2 }
}

/// One IGMP or MLD message, with what the IP header around it said.
public struct MembershipPacket {
    public var ethernetSource: MACAddress
    public var source: InetAddress
    public var destination: InetAddress
    /// TTL or hop limit.
    public var hopLimit: UInt8
    /// Whether the IPv4 Router Alert option (RFC 2113) or the hop-by-hop MLD Router Alert (RFC 2711) was present.
    public var routerAlert: Bool
    public var message: MembershipMessage
}

public enum MembershipMessage {
    /// IGMPv1/v2 membership report or MLDv1 report: a host listens to the group.
    case report(MulticastGroup, MembershipVersion)
    /// IGMPv2 leave or MLDv1 done.
    case leave(MulticastGroup, MembershipVersion)
    /// IGMPv3 or MLDv2 report; the records point into the parsed frame.
    case recordReport(GroupRecordList, MembershipVersion)
    case query(MembershipQuery)
}

public struct MembershipQuery: Equatable, Sendable {
    public var version: MembershipVersion
    /// nil for a general query.
    public var group: MulticastGroup?
    /// Decoded from the Max Resp Time / Code (IGMPv1: the fixed 10 s of RFC 1112).
    public var maxResponseNanos: Int64
    /// QRV of a v3/MLDv2 query; nil when absent or 0 ("use your default").
    public var robustness: UInt8?
    /// QQIC of a v3/MLDv2 query, decoded to seconds; nil when absent or 0.
    public var queryIntervalSeconds: UInt32?
    public var suppressRouterProcessing: Bool
    /// A source-specific query lists sources; this module tracks groups only and does not read them.
    public var sourceCount: Int

    public var isGeneral: Bool { group == nil }
}

/// Group record types of RFC 3376 4.2.12 and RFC 3810 5.2.12 (the same numbers).
public enum GroupRecordType: UInt8, Sendable, Codable {
    case modeIsInclude = 1, modeIsExclude, changeToInclude, changeToExclude, allowNewSources, blockOldSources
}

public struct GroupRecord: Equatable, Sendable {
    public var type: GroupRecordType
    public var group: MulticastGroup
    public var sourceCount: Int

    /// What a snooper that tracks groups, not sources, makes of a record: INCLUDE with no source
    /// (IS_IN{} or TO_IN{}) means the host stopped listening; EXCLUDE in any form, or INCLUDE/ALLOW
    /// with sources, means it listens. BLOCK changes only the source list, so it is neither.
    public var effect: Effect {
        switch type {
        case .modeIsInclude, .changeToInclude: return sourceCount == 0 ? .leave : .join
        case .modeIsExclude, .changeToExclude: return .join
        case .allowNewSources: return sourceCount == 0 ? .none : .join
        case .blockOldSources: return .none
        }
    }

    public enum Effect: Sendable { case join, leave, none }
}

/// The group records of one IGMPv3 or MLDv2 report, checked in full by the parser so that iteration
/// cannot fail. It points into the frame buffer and is valid only while that buffer is.
public struct GroupRecordList: Sequence {
    let bytes: UnsafeRawBufferPointer
    let start: Int
    public let count: Int
    let isIPv6: Bool

    public struct Iterator: IteratorProtocol {
        let list: GroupRecordList
        var offset: Int
        var remaining: Int

        public mutating func next() -> GroupRecord? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            let b = list.bytes
            let sources = Int(load16(b, offset + 2))
            let aux = Int(b[offset + 1]) * 4
            // The parser has rejected unknown types, so the fallback is never taken.
            let type = GroupRecordType(rawValue: b[offset]) ?? .blockOldSources
            let record: GroupRecord
            if list.isIPv6 {
                record = GroupRecord(type: type, group: loadV6(b, offset + 4), sourceCount: sources)
                offset += 20 + 16 * sources + aux
            } else {
                record = GroupRecord(type: type, group: .v4(load32(b, offset + 4)), sourceCount: sources)
                offset += 8 + 4 * sources + aux
            }
            return record
        }
    }

    public func makeIterator() -> Iterator { Iterator(list: self, offset: start, remaining: count) }
}
