/// Packet codes of v3 (v3 spec 1.2.2): the low 5 bits of the flags word, renumbered from v2
/// after REGISTER_SUPER.
public struct V3PacketCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x1F }

    public static let ping = V3PacketCode(rawValue: 0)
    public static let register = V3PacketCode(rawValue: 1)
    public static let deregister = V3PacketCode(rawValue: 2)
    public static let packet = V3PacketCode(rawValue: 3)
    public static let registerAck = V3PacketCode(rawValue: 4)
    public static let registerSuper = V3PacketCode(rawValue: 5)
    public static let unregisterSuper = V3PacketCode(rawValue: 6)
    public static let registerSuperAck = V3PacketCode(rawValue: 7)
    public static let registerSuperNak = V3PacketCode(rawValue: 8)
    public static let federation = V3PacketCode(rawValue: 9)
    public static let peerInfo = V3PacketCode(rawValue: 10)
    public static let queryPeer = V3PacketCode(rawValue: 11)
    public static let reRegisterSuper = V3PacketCode(rawValue: 12)

    /// The highest code a supernode's plain-header test admits (`MSG_TYPE_MAX_TYPE`, spec 5.8).
    public static let supernodeMaximum: UInt8 = 11

    public var description: String {
        switch rawValue {
        case 0: "PING"
        case 1: "REGISTER"
        case 2: "DEREGISTER"
        case 3: "PACKET"
        case 4: "REGISTER_ACK"
        case 5: "REGISTER_SUPER"
        case 6: "UNREGISTER_SUPER"
        case 7: "REGISTER_SUPER_ACK"
        case 8: "REGISTER_SUPER_NAK"
        case 9: "FEDERATION"
        case 10: "PEER_INFO"
        case 11: "QUERY_PEER"
        case 12: "RE_REGISTER_SUPER"
        default: "code(\(rawValue))"
        }
    }
}

/// The 20-byte community field of a v3 header (spec 1.2.3), as raw bytes. Senders copy at most
/// 19 characters, so the last byte is always NUL.
public struct V3Community: Hashable, Sendable, CustomStringConvertible {
    /// Bytes 0...7, 8...15 and 16...19 of the field, in memory order.
    public var low: UInt64
    public var middle: UInt64
    public var high: UInt32

    public static let size = 20
    public static let maxNameLength = 19

    public init(low: UInt64, middle: UInt64, high: UInt32) {
        self.low = low
        self.middle = middle
        self.high = high
    }

    /// The field for `name`: its first 19 UTF-8 bytes, NUL-padded.
    public init(_ name: String) {
        var bytes = [UInt8](repeating: 0, count: V3Community.size)
        for (i, b) in name.utf8.prefix(V3Community.maxNameLength).enumerated() { bytes[i] = b }
        self = bytes.withUnsafeBytes { V3Community(loadingFrom: $0, at: 0) }
    }

    @inlinable
    public init(loadingFrom buffer: UnsafeRawBufferPointer, at offset: Int) {
        low = buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        middle = buffer.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)
        high = buffer.loadUnaligned(fromByteOffset: offset + 16, as: UInt32.self)
    }

    @inlinable
    public func store(to buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        buffer.storeBytes(of: low, toByteOffset: offset, as: UInt64.self)
        buffer.storeBytes(of: middle, toByteOffset: offset + 8, as: UInt64.self)
        buffer.storeBytes(of: high, toByteOffset: offset + 16, as: UInt32.self)
    }

    public var bytes: [UInt8] { withUnsafeBytes(of: (low, middle, high)) { Array($0.prefix(V3Community.size)) } }

    /// The name up to the first NUL (the supernode's lookup key).
    public var name: String {
        let b = bytes
        return String(decoding: b[..<(b.firstIndex(of: 0) ?? b.count)], as: UTF8.self)
    }

    /// A federation name starts with `*` (spec 1.2.3).
    public var isFederation: Bool { UInt8(truncatingIfNeeded: low) == UInt8(ascii: "*") }

    public var description: String { name }
}

/// The 24-byte common header of v3 (spec 1.2). The flag bits are v2's (`PacketFlags`).
public struct V3CommonHeader: Hashable, Sendable {
    public static let size = 24
    public static let version: UInt8 = 3
    public static let defaultTTL: UInt8 = 2

    public var ttl: UInt8
    public var code: V3PacketCode
    public var flags: PacketFlags
    public var community: V3Community

    public init(ttl: UInt8 = V3CommonHeader.defaultTTL, code: V3PacketCode, flags: PacketFlags = [],
                community: V3Community) {
        self.ttl = ttl
        self.code = code
        self.flags = flags
        self.community = community
    }

    /// The big-endian u16 at bytes 2...3.
    public var flagsWord: UInt16 { flags.rawValue | UInt16(code.rawValue) }
}
