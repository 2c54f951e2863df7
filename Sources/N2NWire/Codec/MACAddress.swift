/// A 6-byte Ethernet address, kept in a UInt64 (first octet in bits 47...40) so that
/// hashing and comparison are single-word operations on the hot path.
public struct MACAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue & 0xFFFF_FFFF_FFFF }

    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8, _ b5: UInt8) {
        rawValue = UInt64(b0) << 40 | UInt64(b1) << 32 | UInt64(b2) << 24
            | UInt64(b3) << 16 | UInt64(b4) << 8 | UInt64(b5)
    }

    /// Reads six octets at `offset`; the caller has checked the bounds.
    @inlinable
    public init(loadingFrom buffer: UnsafeRawBufferPointer, at offset: Int) {
        var value: UInt64 = 0
        for i in 0..<6 { value = value << 8 | UInt64(buffer[offset + i]) }
        rawValue = value
    }

    @inlinable
    public func store(to buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        for i in 0..<6 { buffer[offset + i] = UInt8(truncatingIfNeeded: rawValue >> (40 - 8 * UInt64(i))) }
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (also accepts `-` separators); nil if malformed.
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else { return nil }
        var value: UInt64 = 0
        for part in parts {
            guard part.count == 2, let byte = UInt8(part, radix: 16) else { return nil }
            value = value << 8 | UInt64(byte)
        }
        rawValue = value
    }

    public var octets: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: rawValue >> (40 - 8 * UInt64($0))) } }

    public static let zero = MACAddress(rawValue: 0)
    public static let broadcast = MACAddress(rawValue: 0xFFFF_FFFF_FFFF)

    public var isZero: Bool { rawValue == 0 }
    public var isBroadcast: Bool { rawValue == 0xFFFF_FFFF_FFFF }
    /// Group bit of the first octet (broadcast and every multicast address).
    public var isGroup: Bool { rawValue & 0x0100_0000_0000 != 0 }
    /// 01:00:5E:00:00:00 ... 01:00:5E:7F:FF:FF (IPv4 multicast), as the edge filter of spec 5.6.
    public var isIPv4Multicast: Bool { rawValue >> 23 == 0x01005E << 1 }
    /// 33:33:xx:xx:xx:xx (IPv6 multicast).
    public var isIPv6Multicast: Bool { rawValue >> 32 == 0x3333 }
    /// What the edge's `-E` filter drops (spec 5.6 step 2).
    public var isFilteredMulticast: Bool { isIPv4Multicast || isIPv6Multicast }
    /// The supernode's notion of "not unicast" (spec 6.3.1): broadcast, 01:00:5E prefix or 33:33 prefix.
    public var isSupernodeMulticast: Bool { isBroadcast || rawValue >> 24 == 0x01005E || isIPv6Multicast }

    public var description: String {
        octets.map { b in
            let s = String(b, radix: 16, uppercase: true)
            return b < 16 ? "0" + s : s
        }.joined(separator: ":")
    }

    public static func < (a: MACAddress, b: MACAddress) -> Bool { a.rawValue < b.rawValue }
}
