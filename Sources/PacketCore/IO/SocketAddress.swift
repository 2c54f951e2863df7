import Glibc
import N2NWire

/// UDP endpoints are N2NWire's `PeerSocket` (address + port, IPv4 as the host-order number
/// a.b.c.d). These conversions to and from C socket addresses never allocate.
public typealias UDPEndpoint = PeerSocket

extension PeerSocket {
    /// IPv4 `a.b.c.d:port`.
    public static func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) -> PeerSocket {
        PeerSocket(ipv4: UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d), port: port)
    }

    /// Reads a sockaddr_in or sockaddr_in6 (IPv4-mapped IPv6 addresses come back as IPv4);
    /// nil for other families or a short length.
    public init?(sockaddr raw: UnsafeRawPointer, length: Int) {
        guard length >= MemoryLayout<sa_family_t>.size else { return nil }
        let family = Int32(raw.loadUnaligned(as: sa_family_t.self))
        if family == AF_INET, length >= MemoryLayout<sockaddr_in>.size {
            let sin = raw.loadUnaligned(as: sockaddr_in.self)
            self.init(ipv4: UInt32(bigEndian: sin.sin_addr.s_addr), port: UInt16(bigEndian: sin.sin_port))
        } else if family == AF_INET6, length >= MemoryLayout<sockaddr_in6>.size {
            let port = UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            let hi = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            let lo = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            if hi == 0 && lo >> 32 == 0xFFFF {
                self.init(ipv4: UInt32(truncatingIfNeeded: lo), port: port)
            } else {
                self.init(address: .v6(hi, lo), port: port)
            }
        } else {
            return nil
        }
    }

    /// Writes this endpoint as a socket address for a socket of `family` (AF_INET or
    /// AF_INET6; an IPv4 endpoint becomes IPv4-mapped for AF_INET6) into `raw`, which must
    /// hold a sockaddr_in6. Returns the address length, or 0 when `family` cannot carry it
    /// (an IPv6 endpoint on an AF_INET socket).
    @discardableResult
    public func write(sockaddr raw: UnsafeMutableRawPointer, family: Int32) -> socklen_t {
        switch (address, family) {
        case (.v4(let a), AF_INET):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = a.bigEndian
            raw.storeBytes(of: sin, as: sockaddr_in.self)
            return socklen_t(MemoryLayout<sockaddr_in>.size)
        case (.v4(let a), AF_INET6):
            writeIPv6(raw, hi: 0, lo: 0xFFFF_0000_0000 | UInt64(a))
            return socklen_t(MemoryLayout<sockaddr_in6>.size)
        case (.v6(let hi, let lo), AF_INET6):
            writeIPv6(raw, hi: hi, lo: lo)
            return socklen_t(MemoryLayout<sockaddr_in6>.size)
        default:
            return 0
        }
    }

    private func writeIPv6(_ raw: UnsafeMutableRawPointer, hi: UInt64, lo: UInt64) {
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<sockaddr_in6>.size)
        raw.storeBytes(of: sa_family_t(AF_INET6), as: sa_family_t.self)
        raw.storeBytes(of: port.bigEndian, toByteOffset: 2, as: UInt16.self)
        raw.storeBytes(of: hi.bigEndian, toByteOffset: 8, as: UInt64.self)
        raw.storeBytes(of: lo.bigEndian, toByteOffset: 16, as: UInt64.self)
    }
}
