import CN2NLinux
import Glibc

/// A socket address as the kernel takes and gives it: a `sockaddr_in` or `sockaddr_in6`
/// with its length. The protocol's own endpoint type converts to and from this at the edge
/// of the I/O layer; building, reading and copying one never allocates.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    /// Large enough for either family; a `sockaddr_in` occupies its first 16 bytes.
    @usableFromInline var storage = sockaddr_in6()
    @usableFromInline var length: socklen_t = 0

    /// `a.b.c.d:port`, with the address as the number a << 24 | b << 16 | c << 8 | d.
    @inlinable
    public init(ipv4 address: UInt32, port: UInt16) {
        withUnsafeMutableBytes(of: &storage) { raw in
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = address.bigEndian
            raw.storeBytes(of: sin, as: sockaddr_in.self)
        }
        length = socklen_t(MemoryLayout<sockaddr_in>.size)
    }

    /// An IPv6 address given as two big-endian halves of its 16 bytes.
    @inlinable
    public init(ipv6High high: UInt64, low: UInt64, port: UInt16) {
        storage.sin6_family = sa_family_t(AF_INET6)
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.storeBytes(of: port.bigEndian, toByteOffset: 2, as: UInt16.self)
            raw.storeBytes(of: high.bigEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: low.bigEndian, toByteOffset: 16, as: UInt64.self)
        }
        length = socklen_t(MemoryLayout<sockaddr_in6>.size)
    }

    /// Copies what the kernel wrote; nil for a family other than IPv4/IPv6 or a short length.
    @inlinable
    public init?(raw: UnsafeRawPointer, length: Int) {
        guard length >= MemoryLayout<sa_family_t>.size else { return nil }
        let family = Int32(raw.loadUnaligned(as: sa_family_t.self))
        let needed: Int
        switch family {
        case AF_INET: needed = MemoryLayout<sockaddr_in>.size
        case AF_INET6: needed = MemoryLayout<sockaddr_in6>.size
        default: return nil
        }
        guard length >= needed else { return nil }
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: needed)) }
        self.length = socklen_t(needed)
    }

    @inlinable
    public var family: Int32 { Int32(storage.sin6_family) }

    @inlinable
    public var port: UInt16 {
        withUnsafeBytes(of: storage) { UInt16(bigEndian: $0.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) }
    }

    /// The IPv4 address, also for an IPv4-mapped IPv6 address; nil for other IPv6 addresses.
    @inlinable
    public var ipv4: UInt32? {
        if family == AF_INET {
            return withUnsafeBytes(of: storage) { UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) }
        }
        guard let v6 = ipv6Halves, v6.high == 0, v6.low >> 32 == 0xFFFF else { return nil }
        return UInt32(truncatingIfNeeded: v6.low)
    }

    /// The 16 bytes of an IPv6 address as two big-endian halves; nil for IPv4.
    @inlinable
    public var ipv6Halves: (high: UInt64, low: UInt64)? {
        guard family == AF_INET6 else { return nil }
        return withUnsafeBytes(of: storage) {
            (UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
             UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
        }
    }

    /// This address as a socket of `socketFamily` can send to it: IPv4 becomes IPv4-mapped on
    /// an AF_INET6 socket; nil when the socket cannot carry it (IPv6 on an AF_INET socket).
    @inlinable
    public func addressing(socketFamily: Int32) -> SocketAddress? {
        if family == socketFamily { return self }
        if socketFamily == AF_INET6, let v4 = ipv4 {
            return SocketAddress(ipv6High: 0, low: 0xFFFF_0000_0000 | UInt64(v4), port: port)
        }
        return nil
    }

    /// Lends the C representation to a system call.
    @inlinable
    public func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: storage) { raw in
            try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    /// Writes the C representation into `raw` (room for a sockaddr_in6); returns its length.
    @inlinable
    public func store(into raw: UnsafeMutableRawPointer) -> socklen_t {
        withUnsafeBytes(of: storage) { raw.copyMemory(from: $0.baseAddress!, byteCount: Int(length)) }
        return length
    }

    public static func == (a: SocketAddress, b: SocketAddress) -> Bool {
        guard a.family == b.family, a.port == b.port else { return false }
        if a.family == AF_INET { return a.ipv4 == b.ipv4 }
        return a.ipv6Halves! == b.ipv6Halves!
    }

    public var description: String {
        if family == AF_INET, let a = ipv4 {
            return "\(a >> 24).\(a >> 16 & 0xFF).\(a >> 8 & 0xFF).\(a & 0xFF):\(port)"
        }
        guard let (hi, lo) = ipv6Halves else { return "?" }
        let words = (0..<8).map { i in String(UInt16(truncatingIfNeeded: (i < 4 ? hi : lo) >> (48 - 16 * UInt64(i % 4))), radix: 16) }
        return "[\(words.joined(separator: ":"))]:\(port)"
    }
}
