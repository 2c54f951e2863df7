/// An IP address as carried in a "sock" field (spec 1.3).
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// a.b.c.d as the number (a << 24 | b << 16 | c << 8 | d).
    case v4(UInt32)
    /// The 16 address bytes as two big-endian halves.
    case v6(UInt64, UInt64)

    public var isLoopback: Bool {
        switch self {
        case .v4(let a): return a == 0x7F00_0001
        case .v6(let hi, let lo): return hi == 0 && lo == 1
        }
    }

    public var isUnspecified: Bool {
        switch self {
        case .v4(let a): return a == 0
        case .v6(let hi, let lo): return hi == 0 && lo == 0
        }
    }

    /// Parses dotted-quad IPv4; nil if malformed.
    public init?(ipv4 text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCII), let octet = UInt8(p) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        self = .v4(value)
    }

    public var description: String {
        switch self {
        case .v4(let a):
            return "\(a >> 24).\(a >> 16 & 0xFF).\(a >> 8 & 0xFF).\(a & 0xFF)"
        case .v6(let hi, let lo):
            let words = (0..<8).map { i -> String in
                let w = i < 4 ? hi >> (48 - 16 * UInt64(i)) : lo >> (48 - 16 * UInt64(i - 4))
                return String(UInt16(truncatingIfNeeded: w), radix: 16)
            }
            return words.joined(separator: ":")
        }
    }
}

/// A UDP endpoint as encoded in a "sock" field: 8 bytes for IPv4, 20 for IPv6 (spec 1.3).
public struct PeerSocket: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public init(ipv4: UInt32, port: UInt16) { self.init(address: .v4(ipv4), port: port) }

    /// Bytes this sock occupies on the wire.
    public var encodedLength: Int {
        if case .v6 = address { return 20 }
        return 8
    }

    public var description: String {
        if case .v6 = address { return "[\(address)]:\(port)" }
        return "\(address):\(port)"
    }
}
