/// Speck with 64-bit words (spec 2.8): Speck128/256 (34 rounds, payload transform 5) and
/// Speck128/128 (32 rounds, header-encryption keystream; in v3 also the header IV block), plus
/// their CTR mode.
///
/// Byte conventions are those of the NSA implementation guide: little-endian words, key bytes
/// 0..<8 are k₀ and the following eight-byte groups ℓ₀, ℓ₁, …; a block's first eight bytes are
/// y, the second eight x.
///
/// The round keys live in one buffer allocated at init and never change, so an instance may be
/// shared between threads.
public final class Speck128: @unchecked Sendable {
    public let rounds: Int
    @usableFromInline let roundKeys: UnsafeMutablePointer<UInt64>

    /// `key` must be 16 bytes (Speck128/128) or 32 bytes (Speck128/256); anything else is a
    /// programming error.
    public init(key: some Collection<UInt8>) {
        let k = Array(key)
        precondition(k.count == 16 || k.count == 32, "Speck128 takes a 16- or 32-byte key, got \(k.count)")
        let m = k.count / 8
        rounds = m == 2 ? 32 : 34
        roundKeys = .allocate(capacity: rounds)
        var words = [UInt64](repeating: 0, count: m)
        for i in 0..<m {
            var w: UInt64 = 0
            for b in 0..<8 { w |= UInt64(k[8 * i + b]) << (8 * b) }
            words[i] = w
        }
        // ℓ grows by one word per round; only the last m − 1 are live.
        var a = words[0]
        var l = Array(words[1...])
        for i in 0..<rounds {
            roundKeys[i] = a
            if i == rounds - 1 { break }
            let li = l[i % (m - 1)]
            let newL = ((a &+ li.rotateRight(8))) ^ UInt64(i)
            l[i % (m - 1)] = newL
            a = a.rotateLeft(3) ^ newL
        }
    }

    deinit { roundKeys.deallocate() }

    /// Encrypts one block given as its two words (y first, as in memory).
    @inline(__always)
    public func encrypt(y: UInt64, x: UInt64) -> (y: UInt64, x: UInt64) {
        var x = x, y = y
        let rk = UnsafePointer(roundKeys)
        for i in 0..<rounds {
            x = (x.rotateRight(8) &+ y) ^ rk[i]
            y = y.rotateLeft(3) ^ x
        }
        return (y, x)
    }

    /// Decrypts one block (the inverse rounds in reverse order); v3 needs it for its header IV.
    @inline(__always)
    public func decrypt(y: UInt64, x: UInt64) -> (y: UInt64, x: UInt64) {
        var x = x, y = y
        let rk = UnsafePointer(roundKeys)
        var i = rounds
        while i > 0 {
            i &-= 1
            y = (y ^ x).rotateRight(3)
            x = ((x ^ rk[i]) &- y).rotateLeft(8)
        }
        return (y, x)
    }

    /// Decrypts the 16-byte block at `block` in place.
    public func decryptBlock(_ block: UnsafeMutableRawBufferPointer) {
        precondition(block.count >= 16)
        let y = UInt64(littleEndian: block.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let x = UInt64(littleEndian: block.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let p = decrypt(y: y, x: x)
        block.storeBytes(of: p.y.littleEndian, toByteOffset: 0, as: UInt64.self)
        block.storeBytes(of: p.x.littleEndian, toByteOffset: 8, as: UInt64.self)
    }

    /// Encrypts the 16-byte block at `block` in place.
    public func encryptBlock(_ block: UnsafeMutableRawBufferPointer) {
        precondition(block.count >= 16)
        let y = UInt64(littleEndian: block.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let x = UInt64(littleEndian: block.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let c = encrypt(y: y, x: x)
        block.storeBytes(of: c.y.littleEndian, toByteOffset: 0, as: UInt64.self)
        block.storeBytes(of: c.x.littleEndian, toByteOffset: 8, as: UInt64.self)
    }

    /// CTR mode of spec 2.8: counter block j = (LE64(iv[0..<8]) + j mod 2⁶⁴) ‖ iv[8..<16]; the
    /// keystream is XORed over `count` bytes from `input` to `output`, which may be the same
    /// address (in place) but must not otherwise overlap.
    ///
    /// `ivLow`/`ivHigh` are the IV's two halves read as little-endian words.
    public func ctr(ivLow: UInt64, ivHigh: UInt64, input: UnsafeRawPointer, output: UnsafeMutableRawPointer, count: Int) {
        guard count > 0 else { return }
        let rk = UnsafePointer(roundKeys)
        let r = rounds
        var ctr = ivLow
        var off = 0
        // Four independent blocks per pass keep the ALUs busy; one block alone is bound by
        // the latency of its round chain.
        while off &+ 64 <= count {
            var y0 = ctr, y1 = ctr &+ 1, y2 = ctr &+ 2, y3 = ctr &+ 3
            var x0 = ivHigh, x1 = ivHigh, x2 = ivHigh, x3 = ivHigh
            var i = 0
            while i < r {
                let k = rk[i]
                x0 = (x0.rotateRight(8) &+ y0) ^ k
                x1 = (x1.rotateRight(8) &+ y1) ^ k
                x2 = (x2.rotateRight(8) &+ y2) ^ k
                x3 = (x3.rotateRight(8) &+ y3) ^ k
                y0 = y0.rotateLeft(3) ^ x0
                y1 = y1.rotateLeft(3) ^ x1
                y2 = y2.rotateLeft(3) ^ x2
                y3 = y3.rotateLeft(3) ^ x3
                i &+= 1
            }
            xorWord(input, output, off, y0)
            xorWord(input, output, off &+ 8, x0)
            xorWord(input, output, off &+ 16, y1)
            xorWord(input, output, off &+ 24, x1)
            xorWord(input, output, off &+ 32, y2)
            xorWord(input, output, off &+ 40, x2)
            xorWord(input, output, off &+ 48, y3)
            xorWord(input, output, off &+ 56, x3)
            ctr &+= 4
            off &+= 64
        }
        while off &+ 32 <= count {
            var y0 = ctr, y1 = ctr &+ 1
            var x0 = ivHigh, x1 = ivHigh
            var i = 0
            while i < r {
                let k = rk[i]
                x0 = (x0.rotateRight(8) &+ y0) ^ k
                x1 = (x1.rotateRight(8) &+ y1) ^ k
                y0 = y0.rotateLeft(3) ^ x0
                y1 = y1.rotateLeft(3) ^ x1
                i &+= 1
            }
            xorWord(input, output, off, y0)
            xorWord(input, output, off &+ 8, x0)
            xorWord(input, output, off &+ 16, y1)
            xorWord(input, output, off &+ 24, x1)
            ctr &+= 2
            off &+= 32
        }
        while off < count {
            let ks = encrypt(y: ctr, x: ivHigh)
            let n = count &- off
            if n >= 16 {
                xorWord(input, output, off, ks.y)
                xorWord(input, output, off &+ 8, ks.x)
            } else {
                xorTail(input, output, off, n, ks.y, ks.x)
            }
            ctr &+= 1
            off &+= 16
        }
    }

    /// CTR with the IV given as 16 bytes at `iv`.
    public func ctr(iv: UnsafeRawPointer, input: UnsafeRawPointer, output: UnsafeMutableRawPointer, count: Int) {
        let lo = UInt64(littleEndian: iv.loadUnaligned(as: UInt64.self))
        let hi = UInt64(littleEndian: iv.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        ctr(ivLow: lo, ivHigh: hi, input: input, output: output, count: count)
    }
}

@inline(__always)
fileprivate func xorWord(_ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ off: Int, _ ks: UInt64) {
    let v = input.loadUnaligned(fromByteOffset: off, as: UInt64.self)
    output.storeBytes(of: v ^ ks.littleEndian, toByteOffset: off, as: UInt64.self)
}

/// XORs the first `n` (< 16) bytes of the keystream block (y ‖ x, little-endian) into place.
@inline(__always)
fileprivate func xorTail(_ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ off: Int, _ n: Int, _ y: UInt64, _ x: UInt64) {
    var j = 0
    while j < n {
        let word = j < 8 ? y : x
        let ks = UInt8(truncatingIfNeeded: word >> (8 &* UInt64(j & 7)))
        let v = input.load(fromByteOffset: off &+ j, as: UInt8.self)
        output.storeBytes(of: v ^ ks, toByteOffset: off &+ j, as: UInt8.self)
        j &+= 1
    }
}

/// Speck96/96 (48-bit words, 28 rounds): one-block encryption of the header pre-IV (spec 4.4) and
/// its inverse (spec 4.5). Words are 48-bit little-endian; y is bytes 0..<6, x bytes 6..<12.
public struct Speck96: Sendable {
    public static let rounds = 28
    static let mask: UInt64 = 0xFFFF_FFFF_FFFF

    // 28 round keys; a tuple keeps the struct allocation-free and Sendable.
    private var keys: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                       UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                       UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                       UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
        = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    @inline(__always) static func ror8(_ v: UInt64) -> UInt64 { (v &>> 8 | v &<< 40) & mask }
    @inline(__always) static func rol8(_ v: UInt64) -> UInt64 { (v &<< 8 | v &>> 40) & mask }
    @inline(__always) static func rol3(_ v: UInt64) -> UInt64 { (v &<< 3 | v &>> 45) & mask }
    @inline(__always) static func ror3(_ v: UInt64) -> UInt64 { (v &>> 3 | v &<< 45) & mask }

    /// `key` must be 12 bytes (k₀ then ℓ₀, each 48-bit little-endian).
    public init(key: some Collection<UInt8>) {
        let k = Array(key)
        precondition(k.count == 12, "Speck96/96 takes a 12-byte key, got \(k.count)")
        var a = Speck96.load48(k, 0)
        var l = Speck96.load48(k, 6)
        withUnsafeMutableBytes(of: &keys) { raw in
            let rk = raw.bindMemory(to: UInt64.self)
            for i in 0..<Speck96.rounds {
                rk[i] = a
                l = ((a &+ Speck96.ror8(l)) & Speck96.mask) ^ UInt64(i)
                a = Speck96.rol3(a) ^ l
            }
        }
    }

    private static func load48(_ b: [UInt8], _ at: Int) -> UInt64 {
        var w: UInt64 = 0
        for i in 0..<6 { w |= UInt64(b[at + i]) << (8 * i) }
        return w
    }

    @inline(__always)
    static func load48(_ p: UnsafeRawPointer, _ at: Int) -> UInt64 {
        UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            | UInt64(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: at &+ 4, as: UInt16.self))) << 32
    }

    @inline(__always)
    static func store48(_ v: UInt64, _ p: UnsafeMutableRawPointer, _ at: Int) {
        p.storeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian, toByteOffset: at, as: UInt32.self)
        p.storeBytes(of: UInt16(truncatingIfNeeded: v >> 32).littleEndian, toByteOffset: at &+ 4, as: UInt16.self)
    }

    public func encrypt(y: UInt64, x: UInt64) -> (y: UInt64, x: UInt64) {
        var x = x & Speck96.mask, y = y & Speck96.mask
        withUnsafeBytes(of: keys) { raw in
            for i in 0..<Speck96.rounds {
                let k = raw.load(fromByteOffset: i &* 8, as: UInt64.self)
                x = ((Speck96.ror8(x) &+ y) & Speck96.mask) ^ k
                y = Speck96.rol3(y) ^ x
            }
        }
        return (y, x)
    }

    public func decrypt(y: UInt64, x: UInt64) -> (y: UInt64, x: UInt64) {
        var x = x & Speck96.mask, y = y & Speck96.mask
        withUnsafeBytes(of: keys) { raw in
            var i = Speck96.rounds
            while i > 0 {
                i &-= 1
                let k = raw.load(fromByteOffset: i &* 8, as: UInt64.self)
                y = Speck96.ror3(y ^ x)
                x = Speck96.rol8(((x ^ k) &- y) & Speck96.mask)
            }
        }
        return (y, x)
    }

    /// Encrypts the 12 bytes at `block` in place.
    public func encryptBlock(_ block: UnsafeMutableRawPointer) {
        let c = encrypt(y: Speck96.load48(block, 0), x: Speck96.load48(block, 6))
        Speck96.store48(c.y, block, 0)
        Speck96.store48(c.x, block, 6)
    }

    /// Decrypts the 12 bytes at `block` in place.
    public func decryptBlock(_ block: UnsafeMutableRawPointer) {
        let p = decrypt(y: Speck96.load48(block, 0), x: Speck96.load48(block, 6))
        Speck96.store48(p.y, block, 0)
        Speck96.store48(p.x, block, 6)
    }
}

extension UInt64 {
    @inline(__always) fileprivate func rotateLeft(_ n: UInt64) -> UInt64 { self &<< n | self &>> (64 &- n) }
    @inline(__always) fileprivate func rotateRight(_ n: UInt64) -> UInt64 { self &>> n | self &<< (64 &- n) }
}
