/// The Internet checksum (RFC 1071): the one implementation for the offload paths (TapDevice), the
/// multicast snooper and the edge's MTU answers (PacketCore).
///
/// Sums are kept as "native" ones' complement sums: bytes are loaded in the machine's byte order, which
/// the ones' complement sum tolerates (RFC 1071 §2(B)), so a folded sum is stored back with a native
/// 16-bit store and lands in network order. Values that are numbers rather than bytes (lengths, the
/// protocol) enter through `word(_:)`. Partial sums of several byte ranges only add up when every range
/// but the last starts and ends at an even offset of the checksummed data.
public enum InternetChecksum {
    /// The native ones' complement sum of `bytes` added to `initial` (unfolded; carries are kept).
    @inlinable
    public static func sum(_ bytes: UnsafeRawBufferPointer, initial: UInt64 = 0) -> UInt64 {
        guard let base = bytes.baseAddress else { return initial }
        var n = bytes.count
        var p = base
        // Two independent accumulators of 32-bit halves: no carry chain, and 2^32 loads before overflow.
        var a = initial, b: UInt64 = 0
        while n >= 32 {
            let w0 = p.loadUnaligned(as: UInt64.self)
            let w1 = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let w2 = p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
            let w3 = p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            a &+= (w0 & 0xFFFF_FFFF) &+ (w0 >> 32) &+ (w1 & 0xFFFF_FFFF) &+ (w1 >> 32)
            b &+= (w2 & 0xFFFF_FFFF) &+ (w2 >> 32) &+ (w3 & 0xFFFF_FFFF) &+ (w3 >> 32)
            p += 32
            n -= 32
        }
        while n >= 8 {
            let w = p.loadUnaligned(as: UInt64.self)
            a &+= (w & 0xFFFF_FFFF) &+ (w >> 32)
            p += 8
            n -= 8
        }
        if n >= 4 {
            a &+= UInt64(p.loadUnaligned(as: UInt32.self))
            p += 4
            n -= 4
        }
        if n >= 2 {
            a &+= UInt64(p.loadUnaligned(as: UInt16.self))
            p += 2
            n -= 2
        }
        if n == 1 {
            // The odd byte is the high half of a zero-padded network word.
            a &+= UInt64(word(UInt16(p.load(as: UInt8.self)) << 8))
        }
        return a &+ b
    }

    /// `value` (a number such as a length) as the native-order word a byte load would have seen.
    @inlinable @inline(__always)
    public static func word(_ value: UInt16) -> UInt16 { value.bigEndian }

    /// Folds a sum to 16 bits with end-around carries (native order, not complemented).
    @inlinable @inline(__always)
    public static func fold(_ sum: UInt64) -> UInt16 {
        var s = (sum & 0xFFFF_FFFF) &+ (sum >> 32)
        s = (s & 0xFFFF_FFFF) &+ (s >> 32)
        var t = UInt32(truncatingIfNeeded: s)
        t = (t & 0xFFFF) &+ (t >> 16)
        t = (t & 0xFFFF) &+ (t >> 16)
        return UInt16(truncatingIfNeeded: t)
    }

    /// The checksum to store (complemented fold), native order.
    @inlinable @inline(__always)
    public static func finish(_ sum: UInt64) -> UInt16 { ~fold(sum) }

    /// The IPv4 pseudo-header sum: addresses at `addresses` (8 bytes: source then destination, as in
    /// the IPv4 header at offset 12), `proto`, and the L4 length.
    @inlinable
    public static func pseudoHeaderIPv4(addresses: UnsafeRawBufferPointer, proto: UInt8, length: Int) -> UInt64 {
        sum(addresses, initial: UInt64(word(UInt16(proto))) &+ UInt64(word(UInt16(truncatingIfNeeded: length))))
    }

    /// The IPv6 pseudo-header sum: addresses (32 bytes, source then destination, as in the IPv6 header at
    /// offset 8), the next header `proto` and the upper-layer length (≤ 65535 here, so its high word is 0).
    @inlinable
    public static func pseudoHeaderIPv6(addresses: UnsafeRawBufferPointer, proto: UInt8, length: Int) -> UInt64 {
        sum(addresses, initial: UInt64(word(UInt16(proto))) &+ UInt64(word(UInt16(truncatingIfNeeded: length)))
            &+ UInt64(word(UInt16(truncatingIfNeeded: length >> 16))))
    }

    /// Replaces the sum of old 16-bit field `old` with `new` (RFC 1624, eqn. 3): both native order.
    @inlinable @inline(__always)
    public static func update(_ checksum: UInt16, old: UInt16, new: UInt16) -> UInt16 {
        ~fold(UInt64(~checksum) &+ UInt64(~old) &+ UInt64(new))
    }

    /// Stores a native-order 16-bit value at `offset` of `bytes` (bounds are the caller's).
    @inlinable @inline(__always)
    public static func store(_ value: UInt16, in bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        bytes.storeBytes(of: value, toByteOffset: offset, as: UInt16.self)
    }

    /// Computes the checksum of `range` of `bytes` (its checksum field zero) plus `initial` (a
    /// pseudo-header sum) and stores it at `field`.
    @inlinable
    public static func fill(_ bytes: UnsafeMutableRawBufferPointer, field: Int, over range: Range<Int>, initial: UInt64 = 0) {
        store(finish(sum(UnsafeRawBufferPointer(rebasing: bytes[range]), initial: initial)), in: bytes, at: field)
    }

    /// Loads a native-order 16-bit value at `offset` of `bytes`.
    @inlinable @inline(__always)
    public static func load(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt16 {
        bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
    }
}
