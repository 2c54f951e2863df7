/// Packet code: the low 5 bits of the flags word (spec 1.2.2). Values up to 31 are representable.
public struct PacketCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x1F }

    public static let ping = PacketCode(rawValue: 0)
    public static let register = PacketCode(rawValue: 1)
    public static let deregister = PacketCode(rawValue: 2)
    public static let packet = PacketCode(rawValue: 3)
    public static let registerAck = PacketCode(rawValue: 4)
    public static let registerSuper = PacketCode(rawValue: 5)
    public static let registerSuperAck = PacketCode(rawValue: 6)
    public static let registerSuperNak = PacketCode(rawValue: 7)
    public static let federation = PacketCode(rawValue: 8)
    public static let peerInfo = PacketCode(rawValue: 9)
    public static let queryPeer = PacketCode(rawValue: 10)

    public var description: String {
        switch rawValue {
        case 0: "PING"
        case 1: "REGISTER"
        case 2: "DEREGISTER"
        case 3: "PACKET"
        case 4: "REGISTER_ACK"
        case 5: "REGISTER_SUPER"
        case 6: "REGISTER_SUPER_ACK"
        case 7: "REGISTER_SUPER_NAK"
        case 8: "FEDERATION"
        case 9: "PEER_INFO"
        case 10: "QUERY_PEER"
        default: "code(\(rawValue))"
        }
    }
}

/// The flag bits of the flags word (mask 0xFFE0, spec 1.2.1).
public struct PacketFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0xFFE0 }

    public static let fromSupernode = PacketFlags(rawValue: 0x0020)
    public static let socket = PacketFlags(rawValue: 0x0040)
    /// Defined but never set by any 2.x program; never send it (spec 1.2.1).
    public static let options = PacketFlags(rawValue: 0x0080)
}

/// The 20-byte common header (spec 1.2).
public struct CommonHeader: Hashable, Sendable {
    public static let size = 20
    public static let version: UInt8 = 2
    public static let defaultTTL: UInt8 = 2

    public var ttl: UInt8
    public var code: PacketCode
    public var flags: PacketFlags
    public var community: Community

    public init(ttl: UInt8 = CommonHeader.defaultTTL, code: PacketCode, flags: PacketFlags = [], community: Community) {
        self.ttl = ttl
        self.code = code
        self.flags = flags
        self.community = community
    }

    /// The big-endian u16 at bytes 2...3.
    public var flagsWord: UInt16 { flags.rawValue | UInt16(code.rawValue) }
}
