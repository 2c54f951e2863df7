/// n2n's multi-lane Pearson hash (spec 2.2).
///
/// Lane m over bytes c: `s := 0; for c { s := T[s ^ c ^ m] }`. Output byte k of the 256-bit hash is
/// lane(31 − k), of the 128-bit hash lane(15 − k); the 16-bit hash is `lane(1) << 8 | lane(0)`.
///
/// The lanes are independent, so they are advanced together: eight lanes share one 64-bit word
/// (byte i of the word, little-endian, is output byte i of that word), the XOR with the input byte
/// and the lane constants is one 64-bit operation and only the table look-ups are per byte.
public enum Pearson {
    /// The Pearson (1990) permutation table T.
    static let table: [UInt8] = [
        0x01, 0x57, 0x31, 0x0c, 0xb0, 0xb2, 0x66, 0xa6, 0x79, 0xc1, 0x06, 0x54, 0xf9, 0xe6, 0x2c, 0xa3,
        0x0e, 0xc5, 0xd5, 0xb5, 0xa1, 0x55, 0xda, 0x50, 0x40, 0xef, 0x18, 0xe2, 0xec, 0x8e, 0x26, 0xc8,
        0x6e, 0xb1, 0x68, 0x67, 0x8d, 0xfd, 0xff, 0x32, 0x4d, 0x65, 0x51, 0x12, 0x2d, 0x60, 0x1f, 0xde,
        0x19, 0x6b, 0xbe, 0x46, 0x56, 0xed, 0xf0, 0x22, 0x48, 0xf2, 0x14, 0xd6, 0xf4, 0xe3, 0x95, 0xeb,
        0x61, 0xea, 0x39, 0x16, 0x3c, 0xfa, 0x52, 0xaf, 0xd0, 0x05, 0x7f, 0xc7, 0x6f, 0x3e, 0x87, 0xf8,
        0xae, 0xa9, 0xd3, 0x3a, 0x42, 0x9a, 0x6a, 0xc3, 0xf5, 0xab, 0x11, 0xbb, 0xb6, 0xb3, 0x00, 0xf3,
        0x84, 0x38, 0x94, 0x4b, 0x80, 0x85, 0x9e, 0x64, 0x82, 0x7e, 0x5b, 0x0d, 0x99, 0xf6, 0xd8, 0xdb,
        0x77, 0x44, 0xdf, 0x4e, 0x53, 0x58, 0xc9, 0x63, 0x7a, 0x0b, 0x5c, 0x20, 0x88, 0x72, 0x34, 0x0a,
        0x8a, 0x1e, 0x30, 0xb7, 0x9c, 0x23, 0x3d, 0x1a, 0x8f, 0x4a, 0xfb, 0x5e, 0x81, 0xa2, 0x3f, 0x98,
        0xaa, 0x07, 0x73, 0xa7, 0xf1, 0xce, 0x03, 0x96, 0x37, 0x3b, 0x97, 0xdc, 0x5a, 0x35, 0x17, 0x83,
        0x7d, 0xad, 0x0f, 0xee, 0x4f, 0x5f, 0x59, 0x10, 0x69, 0x89, 0xe1, 0xe0, 0xd9, 0xa0, 0x25, 0x7b,
        0x76, 0x49, 0x02, 0x9d, 0x2e, 0x74, 0x09, 0x91, 0x86, 0xe4, 0xcf, 0xd4, 0xca, 0xd7, 0x45, 0xe5,
        0x1b, 0xbc, 0x43, 0x7c, 0xa8, 0xfc, 0x2a, 0x04, 0x1d, 0x6c, 0x15, 0xf7, 0x13, 0xcd, 0x27, 0xcb,
        0xe9, 0x28, 0xba, 0x93, 0xc6, 0xc0, 0x9b, 0x21, 0xa4, 0xbf, 0x62, 0xcc, 0xa5, 0xb4, 0x75, 0x4c,
        0x8c, 0x24, 0xd2, 0xac, 0x29, 0x36, 0x9f, 0x08, 0xb9, 0xe8, 0x71, 0xc4, 0xe7, 0x2f, 0x92, 0x78,
        0x33, 0x41, 0x1c, 0x90, 0xfe, 0xdd, 0x5d, 0xbd, 0xc2, 0x8b, 0x70, 0x2b, 0x47, 0x6d, 0xb8, 0xd1,
    ]

    /// Pearson-256 of `input`, written to the first 32 bytes of `output` (which must hold 32).
    public static func hash256(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= 32, "Pearson-256 needs a 32-byte output buffer")
        hashLanes(input, words: 4, into: output)
    }

    /// Pearson-128 of `input`, written to the first 16 bytes of `output` (which must hold 16).
    public static func hash128(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= 16, "Pearson-128 needs a 16-byte output buffer")
        hashLanes(input, words: 2, into: output)
    }

    /// Pearson-256 as a new array (for keying, not for the per-packet path).
    public static func hash256(_ input: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        withContiguous(input) { bytes in out.withUnsafeMutableBytes { hash256(bytes, into: $0) } }
        return out
    }

    /// Pearson-128 as a new array (for keying, not for the per-packet path).
    public static func hash128(_ input: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        withContiguous(input) { bytes in out.withUnsafeMutableBytes { hash128(bytes, into: $0) } }
        return out
    }

    public static func hash16(_ input: some Collection<UInt8>) -> UInt16 {
        withContiguous(input) { hash16($0) }
    }

    /// T and T[i ^ 1] widened to 32 bits, for Pearson-16. Lane 1 gets its own table so that its
    /// step is `s := T1[s ^ c]` and the constant XOR is off the lane's dependency chain; 32-bit
    /// entries stop the compiler from narrowing the XOR to a byte op plus a zero-extension,
    /// which would add a cycle per byte to that chain.
    static let wideTables: [UInt32] = (0..<512).map { UInt32(table[($0 & 255) ^ ($0 >> 8)]) }

    /// Pearson-16: `lane(1) << 8 | lane(0)`. Runs over every header-encrypted datagram. Each lane
    /// is a chain of dependent table loads (XOR + load per byte), so the two lanes are
    /// interleaved and the loop unrolled.
    public static func hash16(_ input: UnsafeRawBufferPointer) -> UInt16 {
        let n = input.count
        guard n > 0, let base = input.baseAddress else { return 0 }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        return wideTables.withUnsafeBufferPointer { tb -> UInt16 in
            let t0 = tb.baseAddress.unsafelyUnwrapped
            let t1 = t0 + 256
            var s0: UInt32 = 0
            var s1: UInt32 = 0
            var i = 0
            while i &+ 4 <= n {
                let c0 = UInt32(bytes[i]), c1 = UInt32(bytes[i &+ 1])
                let c2 = UInt32(bytes[i &+ 2]), c3 = UInt32(bytes[i &+ 3])
                s0 = t0[Int(s0 ^ c0)]
                s1 = t1[Int(s1 ^ c0)]
                s0 = t0[Int(s0 ^ c1)]
                s1 = t1[Int(s1 ^ c1)]
                s0 = t0[Int(s0 ^ c2)]
                s1 = t1[Int(s1 ^ c2)]
                s0 = t0[Int(s0 ^ c3)]
                s1 = t1[Int(s1 ^ c3)]
                i &+= 4
            }
            while i < n {
                let c = UInt32(bytes[i])
                s0 = t0[Int(s0 ^ c)]
                s1 = t1[Int(s1 ^ c)]
                i &+= 1
            }
            return UInt16(truncatingIfNeeded: s1 << 8 | s0)
        }
    }

    /// Lane constants for the word holding output bytes 8w...8w+7 of a hash with `words` words:
    /// output byte k is lane(8·words − 1 − k).
    @inline(__always)
    static func laneConstants(word w: Int, words: Int) -> UInt64 {
        var m: UInt64 = 0
        let top = 8 &* words &- 1
        for i in 0..<8 {
            m |= UInt64(top &- (8 &* w &+ i)) << (8 &* i)
        }
        return m
    }

    /// Applies T to each byte of `w`.
    @inline(__always)
    static func substitute(_ w: UInt64, _ t: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(t[Int(truncatingIfNeeded: w & 0xFF)])
            | UInt64(t[Int(truncatingIfNeeded: (w >> 8) & 0xFF)]) << 8
            | UInt64(t[Int(truncatingIfNeeded: (w >> 16) & 0xFF)]) << 16
            | UInt64(t[Int(truncatingIfNeeded: (w >> 24) & 0xFF)]) << 24
            | UInt64(t[Int(truncatingIfNeeded: (w >> 32) & 0xFF)]) << 32
            | UInt64(t[Int(truncatingIfNeeded: (w >> 40) & 0xFF)]) << 40
            | UInt64(t[Int(truncatingIfNeeded: (w >> 48) & 0xFF)]) << 48
            | UInt64(t[Int(truncatingIfNeeded: w >> 56)]) << 56
    }

    /// 8·`words` lanes (words = 2 or 4) in 64-bit words; output word w is stored little-endian.
    static func hashLanes(_ input: UnsafeRawBufferPointer, words: Int, into output: UnsafeMutableRawBufferPointer) {
        let m0 = laneConstants(word: 0, words: words)
        let m1 = laneConstants(word: 1, words: words)
        let m2 = words > 2 ? laneConstants(word: 2, words: words) : 0
        let m3 = words > 2 ? laneConstants(word: 3, words: words) : 0
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
        table.withUnsafeBufferPointer { tb in
            let t = tb.baseAddress.unsafelyUnwrapped
            for c in input {
                let spread = UInt64(c) &* 0x0101_0101_0101_0101
                w0 = substitute(w0 ^ spread ^ m0, t)
                w1 = substitute(w1 ^ spread ^ m1, t)
                if words > 2 {
                    w2 = substitute(w2 ^ spread ^ m2, t)
                    w3 = substitute(w3 ^ spread ^ m3, t)
                }
            }
        }
        output.storeBytes(of: w0.littleEndian, toByteOffset: 0, as: UInt64.self)
        output.storeBytes(of: w1.littleEndian, toByteOffset: 8, as: UInt64.self)
        if words > 2 {
            output.storeBytes(of: w2.littleEndian, toByteOffset: 16, as: UInt64.self)
            output.storeBytes(of: w3.littleEndian, toByteOffset: 24, as: UInt64.self)
        }
    }

    private static func withContiguous<R>(_ input: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let r = input.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return r }
        return Array(input).withUnsafeBytes(body)
    }
}
