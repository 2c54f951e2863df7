/// An IP address as carried in a "sock" field (spec 1.3).
public enum IPAddress: Hashable, Sendable {
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

    /// Both IPv4 or both IPv6: whether a peer on `other`'s family can send to this socket.
    public func sameFamily(as other: PeerSocket) -> Bool {
        switch (address, other.address) {
        case (.v4, .v4), (.v6, .v6): return true
        default: return false
        }
    }

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
