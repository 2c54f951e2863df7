/// The Twofish block cipher (Schneier et al., 1998) for 128-, 192- and 256-bit keys.
///
/// Uses "full keying": the key-dependent S-boxes and the MDS multiply are folded into four
/// 256-entry word tables at init, so g() is four look-ups and three XORs. Blocks are four
/// little-endian 32-bit words, as in the specification.
///
/// Tables and subkeys live in one buffer allocated at init and never change, so an instance
/// may be shared between threads.
public final class Twofish: @unchecked Sendable {
    /// 4 × 256 g() table words, then the 40 subkeys K₀…K₃₉.
    private let store: UnsafeMutablePointer<UInt32>
    private static let subkeyOffset = 1024

    /// `key` must be 16, 24 or 32 bytes; anything else is a programming error.
    public init(key: some Collection<UInt8>) {
        let m = Array(key)
        precondition(m.count == 16 || m.count == 24 || m.count == 32, "Twofish takes a 16-, 24- or 32-byte key, got \(m.count)")
        let k = m.count / 8
        store = .allocate(capacity: Twofish.subkeyOffset + 40)

        func word(_ i: Int) -> UInt32 {
            UInt32(m[4 * i]) | UInt32(m[4 * i + 1]) << 8 | UInt32(m[4 * i + 2]) << 16 | UInt32(m[4 * i + 3]) << 24
        }
        let even = (0..<k).map { word(2 * $0) }
        let odd = (0..<k).map { word(2 * $0 + 1) }
        // S-box key words come from the Reed-Solomon code over each 8 key bytes, in reverse order.
        var sKey = [UInt32](repeating: 0, count: k)
        for i in 0..<k {
            sKey[k - 1 - i] = TwofishMath.reedSolomon(Array(m[(8 * i)..<(8 * i + 8)]))
        }

        let rho: UInt32 = 0x0101_0101
        for i in 0..<20 {
            let a = TwofishMath.h(UInt32(2 * i) &* rho, even)
            let b = TwofishMath.rotl(TwofishMath.h(UInt32(2 * i + 1) &* rho, odd), 8)
            store[Twofish.subkeyOffset + 2 * i] = a &+ b
            store[Twofish.subkeyOffset + 2 * i + 1] = TwofishMath.rotl(a &+ b &+ b, 9)
        }

        for column in 0..<4 {
            for x in 0..<256 {
                let y = TwofishMath.keyedS(column: column, UInt8(x), sKey)
                store[256 * column + x] = TwofishMath.mdsColumn(column, y)
            }
        }
    }

    deinit { store.deallocate() }

    @inline(__always)
    private static func g0(_ t: UnsafePointer<UInt32>, _ x: UInt32) -> UInt32 {
        t[Int(x & 0xFF)]
            ^ t[256 &+ Int((x &>> 8) & 0xFF)]
            ^ t[512 &+ Int((x &>> 16) & 0xFF)]
            ^ t[768 &+ Int(x &>> 24)]
    }

    /// g(ROL(x, 8)) without the rotate.
    @inline(__always)
    private static func g1(_ t: UnsafePointer<UInt32>, _ x: UInt32) -> UInt32 {
        t[Int(x &>> 24)]
            ^ t[256 &+ Int(x & 0xFF)]
            ^ t[512 &+ Int((x &>> 8) & 0xFF)]
            ^ t[768 &+ Int((x &>> 16) & 0xFF)]
    }

    /// Encrypts one block given as four little-endian words.
    @inline(__always)
    public func encrypt(_ p0: UInt32, _ p1: UInt32, _ p2: UInt32, _ p3: UInt32) -> (UInt32, UInt32, UInt32, UInt32) {
        let t = UnsafePointer(store)
        let k = t + Twofish.subkeyOffset
        var a = p0 ^ k[0], b = p1 ^ k[1], c = p2 ^ k[2], d = p3 ^ k[3]
        var r = 8
        while r < 40 {
            var t0 = Twofish.g0(t, a)
            var t1 = Twofish.g1(t, b)
            c = TwofishMath.rotr(c ^ (t0 &+ t1 &+ k[r]), 1)
            d = TwofishMath.rotl(d, 1) ^ (t0 &+ t1 &+ t1 &+ k[r &+ 1])
            t0 = Twofish.g0(t, c)
            t1 = Twofish.g1(t, d)
            a = TwofishMath.rotr(a ^ (t0 &+ t1 &+ k[r &+ 2]), 1)
            b = TwofishMath.rotl(b, 1) ^ (t0 &+ t1 &+ t1 &+ k[r &+ 3])
            r &+= 4
        }
        return (c ^ k[4], d ^ k[5], a ^ k[6], b ^ k[7])
    }

    /// Decrypts one block given as four little-endian words.
    @inline(__always)
    public func decrypt(_ c0: UInt32, _ c1: UInt32, _ c2: UInt32, _ c3: UInt32) -> (UInt32, UInt32, UInt32, UInt32) {
        let t = UnsafePointer(store)
        let k = t + Twofish.subkeyOffset
        var c = c0 ^ k[4], d = c1 ^ k[5], a = c2 ^ k[6], b = c3 ^ k[7]
        var r = 36
        while r >= 8 {
            var t0 = Twofish.g0(t, c)
            var t1 = Twofish.g1(t, d)
            a = TwofishMath.rotl(a, 1) ^ (t0 &+ t1 &+ k[r &+ 2])
            b = TwofishMath.rotr(b ^ (t0 &+ t1 &+ t1 &+ k[r &+ 3]), 1)
            t0 = Twofish.g0(t, a)
            t1 = Twofish.g1(t, b)
            c = TwofishMath.rotl(c, 1) ^ (t0 &+ t1 &+ k[r])
            d = TwofishMath.rotr(d ^ (t0 &+ t1 &+ t1 &+ k[r &+ 1]), 1)
            r &-= 4
        }
        return (a ^ k[0], b ^ k[1], c ^ k[2], d ^ k[3])
    }

    /// Encrypts the 16 bytes at `input` into `output` (which may be the same address).
    public func encryptBlock(_ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer) {
        let w = TwofishBlock.load(input)
        TwofishBlock.store(encrypt(w.0, w.1, w.2, w.3), output)
    }

    /// Decrypts the 16 bytes at `input` into `output` (which may be the same address).
    public func decryptBlock(_ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer) {
        let w = TwofishBlock.load(input)
        TwofishBlock.store(decrypt(w.0, w.1, w.2, w.3), output)
    }
}

/// Loading and storing a block as four little-endian words.
enum TwofishBlock {
    typealias Words = (UInt32, UInt32, UInt32, UInt32)

    @inline(__always)
    static func load(_ p: UnsafeRawPointer, _ offset: Int = 0) -> Words {
        (UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self)),
         UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset &+ 4, as: UInt32.self)),
         UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt32.self)),
         UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset &+ 12, as: UInt32.self)))
    }

    @inline(__always)
    static func store(_ w: Words, _ p: UnsafeMutableRawPointer, _ offset: Int = 0) {
        p.storeBytes(of: w.0.littleEndian, toByteOffset: offset, as: UInt32.self)
        p.storeBytes(of: w.1.littleEndian, toByteOffset: offset &+ 4, as: UInt32.self)
        p.storeBytes(of: w.2.littleEndian, toByteOffset: offset &+ 8, as: UInt32.self)
        p.storeBytes(of: w.3.littleEndian, toByteOffset: offset &+ 12, as: UInt32.self)
    }

    @inline(__always)
    static func xor(_ a: Words, _ b: Words) -> Words {
        (a.0 ^ b.0, a.1 ^ b.1, a.2 ^ b.2, a.3 ^ b.3)
    }
}

/// Key-schedule arithmetic; only used at init.
enum TwofishMath {
    @inline(__always) static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { x &<< n | x &>> (32 &- n) }
    @inline(__always) static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { x &>> n | x &<< (32 &- n) }

    /// The 4-bit tables t₀…t₃ that define the fixed permutations q₀ and q₁.
    private static let qNibbles: [[[UInt8]]] = [
        [
            [0x8, 0x1, 0x7, 0xD, 0x6, 0xF, 0x3, 0x2, 0x0, 0xB, 0x5, 0x9, 0xE, 0xC, 0xA, 0x4],
            [0xE, 0xC, 0xB, 0x8, 0x1, 0x2, 0x3, 0x5, 0xF, 0x4, 0xA, 0x6, 0x7, 0x0, 0x9, 0xD],
            [0xB, 0xA, 0x5, 0xE, 0x6, 0xD, 0x9, 0x0, 0xC, 0x8, 0xF, 0x3, 0x2, 0x4, 0x7, 0x1],
            [0xD, 0x7, 0xF, 0x4, 0x1, 0x2, 0x6, 0xE, 0x9, 0xB, 0x3, 0x0, 0x8, 0x5, 0xC, 0xA],
        ],
        [
            [0x2, 0x8, 0xB, 0xD, 0xF, 0x7, 0x6, 0xE, 0x3, 0x1, 0x9, 0x4, 0x0, 0xA, 0xC, 0x5],
            [0x1, 0xE, 0x2, 0xB, 0x4, 0xC, 0x3, 0x7, 0x6, 0xD, 0xA, 0x5, 0xF, 0x9, 0x0, 0x8],
            [0x4, 0xC, 0x7, 0x5, 0x1, 0x6, 0x9, 0xA, 0x0, 0xE, 0xD, 0x8, 0x2, 0xB, 0x3, 0xF],
            [0xB, 0x9, 0x5, 0x1, 0xC, 0x3, 0xD, 0xE, 0x6, 0x4, 0x7, 0xF, 0x2, 0x0, 0x8, 0xA],
        ],
    ]

    /// q₀ and q₁ as 256-byte tables, built from the nibble tables.
    static let q: [[UInt8]] = (0..<2).map { which in
        let t = qNibbles[which]
        func ror4(_ v: UInt8) -> UInt8 { ((v >> 1) | (v << 3)) & 0xF }
        return (0..<256).map { x -> UInt8 in
            var a = UInt8(x >> 4), b = UInt8(x & 0xF)
            (a, b) = (a ^ b, (a ^ ror4(b) ^ (a << 3)) & 0xF)
            (a, b) = (t[0][Int(a)], t[1][Int(b)])
            (a, b) = (a ^ b, (a ^ ror4(b) ^ (a << 3)) & 0xF)
            (a, b) = (t[2][Int(a)], t[3][Int(b)])
            return b << 4 | a
        }
    }

    /// Multiplication in GF(2⁸) modulo the given degree-8 polynomial.
    static func gfMul(_ a: UInt8, _ b: UInt8, poly: UInt16) -> UInt8 {
        var a = UInt16(a), b = b, r: UInt16 = 0
        while b != 0 {
            if b & 1 != 0 { r ^= a }
            a <<= 1
            if a & 0x100 != 0 { a ^= poly }
            b >>= 1
        }
        return UInt8(r)
    }

    private static let mds: [[UInt8]] = [
        [0x01, 0xEF, 0x5B, 0x5B],
        [0x5B, 0xEF, 0xEF, 0x01],
        [0xEF, 0x5B, 0x01, 0xEF],
        [0xEF, 0x01, 0xEF, 0x5B],
    ]

    private static let rs: [[UInt8]] = [
        [0x01, 0xA4, 0x55, 0x87, 0x5A, 0x58, 0xDB, 0x9E],
        [0xA4, 0x56, 0x82, 0xF3, 0x1E, 0xC6, 0x68, 0xE5],
        [0x02, 0xA1, 0xFC, 0xC1, 0x47, 0xAE, 0x3D, 0x19],
        [0xA4, 0x55, 0x87, 0x5A, 0x58, 0xDB, 0x9E, 0x03],
    ]

    /// MDS column `j` times byte `y`, as a little-endian word (MDS field polynomial 0x169).
    static func mdsColumn(_ j: Int, _ y: UInt8) -> UInt32 {
        var w: UInt32 = 0
        for i in 0..<4 { w |= UInt32(gfMul(mds[i][j], y, poly: 0x169)) << (8 * i) }
        return w
    }

    /// The Reed-Solomon code of 8 key bytes (field polynomial 0x14D).
    static func reedSolomon(_ bytes: [UInt8]) -> UInt32 {
        var w: UInt32 = 0
        for i in 0..<4 {
            var s: UInt8 = 0
            for j in 0..<8 { s ^= gfMul(rs[i][j], bytes[j], poly: 0x14D) }
            w |= UInt32(s) << (8 * i)
        }
        return w
    }

    /// Which q (0 or 1) each stage applies to byte position j, outermost stage last:
    /// stage 0 is used only with 4 key words, stage 1 with ≥ 3, stages 2...4 always.
    private static let qOrder: [[Int]] = [
        [1, 1, 0, 0, 1],
        [0, 1, 1, 0, 0],
        [0, 0, 0, 1, 1],
        [1, 0, 1, 1, 0],
    ]

    /// The byte-wise part of h for byte position `column`: the q chain XORed with the list words.
    static func keyedS(column j: Int, _ x: UInt8, _ l: [UInt32]) -> UInt8 {
        let k = l.count
        func lb(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: l[i] >> (8 * j)) }
        let order = qOrder[j]
        var y = x
        if k == 4 { y = q[order[0]][Int(y)] ^ lb(3) }
        if k >= 3 { y = q[order[1]][Int(y)] ^ lb(2) }
        y = q[order[2]][Int(y)] ^ lb(1)
        y = q[order[3]][Int(y)] ^ lb(0)
        return q[order[4]][Int(y)]
    }

    /// The function h of the Twofish paper.
    static func h(_ x: UInt32, _ l: [UInt32]) -> UInt32 {
        var z: UInt32 = 0
        for j in 0..<4 {
            z ^= mdsColumn(j, keyedS(column: j, UInt8(truncatingIfNeeded: x >> (8 * j)), l))
        }
        return z
    }
}
