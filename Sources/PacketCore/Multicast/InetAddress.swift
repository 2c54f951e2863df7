import N2NWire

/// An IPv4 or IPv6 address as plain integers, so that a group is a one- or two-word hashable key
/// and parsing never allocates.
public enum InetAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    case v4(UInt32)
    /// High and low 64 bits, network order (the first octet is the top byte of `high`).
    case v6(UInt64, UInt64)

    public static let unspecifiedV6 = InetAddress.v6(0, 0)
    /// 224.0.0.1 and ff02::1: where general queries go.
    public static let allSystemsV4 = InetAddress.v4(0xE000_0001)
    public static let allNodesV6 = InetAddress.v6(0xFF02_0000_0000_0000, 1)

    public var isIPv4: Bool {
        if case .v4 = self { return true }
        return false
    }

    /// 224.0.0.0/4 or ff00::/8.
    public var isMulticast: Bool {
        switch self {
        case .v4(let a): return a >> 28 == 0xE
        case .v6(let high, _): return high >> 56 == 0xFF
        }
    }

    public var isUnspecified: Bool {
        switch self {
        case .v4(let a): return a == 0
        case .v6(let high, let low): return high == 0 && low == 0
        }
    }

    /// fe80::/10, the only source MLD accepts for queries (RFC 3810 5.1.14).
    public var isIPv6LinkLocal: Bool {
        if case .v6(let high, _) = self { return high >> 54 == 0x3FA }
        return false
    }

    /// The Ethernet address a frame to this multicast address carries: 01:00:5e plus the low 23 bits
    /// (RFC 1112), or 33:33 plus the low 32 bits (RFC 2464).
    public var multicastMAC: MACAddress {
        switch self {
        case .v4(let a): return MACAddress(rawValue: 0x0100_5E00_0000 | UInt64(a & 0x7F_FFFF))
        case .v6(_, let low): return MACAddress(rawValue: 0x3333_0000_0000 | (low & 0xFFFF_FFFF))
        }
    }

    /// IPv4 sorts before IPv6; within a family, numerically (what querier election compares).
    public static func < (a: InetAddress, b: InetAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): return x < y
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        case (.v6(let xh, let xl), .v6(let yh, let yl)): return xh < yh || (xh == yh && xl < yl)
        }
    }

    /// Dotted quad, or RFC 5952 text (as `IPAddress` writes it).
    public var description: String {
        switch self {
        case .v4(let a): return IPAddress.v4(a).description
        case .v6(let high, let low): return IPAddress.v6(high, low).description
        }
    }
}

/// A multicast group is an address in 224.0.0.0/4 or ff00::/8.
public typealias MulticastGroup = InetAddress
