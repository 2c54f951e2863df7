/// The RFC 1071 one's-complement sum that IPv4, IGMP and ICMPv6 use.
enum InternetChecksum {
    /// Adds `count` bytes from `offset` as big-endian 16-bit words (an odd last byte is padded with
    /// zero) to `sum`. A 64-bit accumulator cannot overflow for any frame size.
    static func add(_ b: UnsafeRawBufferPointer, from offset: Int, count: Int, to sum: UInt64 = 0) -> UInt64 {
        var sum = sum
        var i = offset
        let end = offset + count
        while i + 1 < end {
            sum &+= UInt64(load16(b, i))
            i += 2
        }
        if i < end { sum &+= UInt64(b[i]) << 8 }
        return sum
    }

    static func add(_ value: UInt64, to sum: UInt64) -> UInt64 {
        sum &+ (value >> 48) &+ (value >> 32 & 0xFFFF) &+ (value >> 16 & 0xFFFF) &+ (value & 0xFFFF)
    }

    static func add(_ address: InetAddress, to sum: UInt64) -> UInt64 {
        switch address {
        case .v4(let a): return sum &+ UInt64(a >> 16) &+ UInt64(a & 0xFFFF)
        case .v6(let high, let low): return add(low, to: add(high, to: sum))
        }
    }

    /// Folds the carries back in; a region that includes a correct checksum folds to 0xFFFF.
    static func fold(_ sum: UInt64) -> UInt16 {
        var s = sum
        while s >> 16 != 0 { s = (s & 0xFFFF) &+ (s >> 16) }
        return UInt16(s)
    }

    /// The value to store in a checksum field that was zero while summing.
    static func finish(_ sum: UInt64) -> UInt16 { ~fold(sum) }

    /// The ICMPv6 pseudo-header of RFC 8200 8.1 (upper-layer length, next header 58).
    static func icmpv6PseudoHeader(source: InetAddress, destination: InetAddress, length: Int) -> UInt64 {
        add(destination, to: add(source, to: 0)) &+ UInt64(length >> 16) &+ UInt64(length & 0xFFFF) &+ 58
    }
}
