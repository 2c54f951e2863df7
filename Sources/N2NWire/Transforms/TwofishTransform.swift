/// Transform 2, Twofish (spec 2.4): `0x01 ‖ SA id (u32, 0) ‖ Twofish-256-CBC-CTS(nonce(4) ‖ P)`,
/// zero IV, ciphertext stealing with the last two blocks swapped, and a lone zero-padded ECB block
/// when nonce ‖ P fits in 16 bytes.
public final class TwofishTransform: PayloadTransform {
    public let id = TransformID.twofish
    /// Encoding-version byte, SA id.
    public static let preambleLength = 5
    static let nonceLength = 4

    private let cipher: Twofish
    private let random: RandomSource

    public init(passphrase: [UInt8], random: RandomSource) {
        cipher = Twofish(key: TwofishTransform.key(passphrase: passphrase))
        self.random = random
    }

    /// The 256-bit key: the passphrase repeated cyclically to 32 bytes, longer ones truncated
    /// (spec 2.4). Copying at most 32 bytes makes any length safe (spec 10.1 item 6); an empty
    /// passphrase gives the all-zero key.
    public static func key(passphrase: [UInt8]) -> [UInt8] {
        guard !passphrase.isEmpty else { return [UInt8](repeating: 0, count: 32) }
        return (0..<32).map { passphrase[$0 % passphrase.count] }
    }

    public func maxEncodedLength(plaintextLength: Int) -> Int {
        TwofishTransform.preambleLength + max(plaintextLength + TwofishTransform.nonceLength, 16)
    }

    public func encode(_ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int {
        let q = plaintext.count + TwofishTransform.nonceLength
        let cipherLength = max(q, 16)
        let total = TwofishTransform.preambleLength + cipherLength
        guard output.count >= total, let out = output.baseAddress else {
            throw .outputTooSmall(needed: total, available: output.count)
        }
        out.storeBytes(of: 1, as: UInt8.self)
        out.storeBytes(of: 0, toByteOffset: 1, as: UInt32.self)
        let body = out + TwofishTransform.preambleLength
        random.fill(UnsafeMutableRawBufferPointer(start: body, count: TwofishTransform.nonceLength))
        if let p = plaintext.baseAddress, plaintext.count > 0 {
            (body + TwofishTransform.nonceLength).copyMemory(from: p, byteCount: plaintext.count)
        }
        if q < 16 {
            (body + q).initializeMemory(as: UInt8.self, repeating: 0, count: 16 - q)
        }
        cbcCTSEncrypt(body, length: cipherLength)
        return total
    }

    public func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int {
        // A valid ciphertext is at least one block (exactly 16, or ≥ 17 with stealing).
        guard payload.count >= TwofishTransform.preambleLength + 16, let src = payload.baseAddress else {
            throw .badLength(payload.count)
        }
        let version = src.load(as: UInt8.self)
        guard version == 1 else { throw .badEncodingVersion(version) }
        let cipherLength = payload.count - TwofishTransform.preambleLength
        let frameLength = cipherLength - TwofishTransform.nonceLength
        guard output.count >= frameLength, let out = output.baseAddress else {
            throw .outputTooSmall(needed: frameLength, available: output.count)
        }
        cbcCTSDecrypt(src + TwofishTransform.preambleLength, length: cipherLength, into: out)
        return frameLength
    }

    /// CBC with zero IV over `length` (≥ 16) bytes in place; a final partial block is handled by
    /// ciphertext stealing with the last two blocks swapped.
    private func cbcCTSEncrypt(_ p: UnsafeMutableRawPointer, length: Int) {
        let r = length & 15
        let full = length >> 4
        var prev: TwofishBlock.Words = (0, 0, 0, 0)
        var off = 0
        for _ in 0..<full {
            let q = TwofishBlock.xor(TwofishBlock.load(p, off), prev)
            prev = cipher.encrypt(q.0, q.1, q.2, q.3)
            TwofishBlock.store(prev, p, off)
            off &+= 16
        }
        guard r != 0 else { return }
        // prev is Cₙ₋₁ (at off − 16); the r bytes at off are Qₙ.
        var scratch: (UInt64, UInt64) = (0, 0)
        let d: TwofishBlock.Words = withUnsafeMutableBytes(of: &scratch) { s in
            let sp = s.baseAddress.unsafelyUnwrapped
            sp.copyMemory(from: p + off, byteCount: r)
            let q = TwofishBlock.xor(TwofishBlock.load(sp), prev)
            let d = cipher.encrypt(q.0, q.1, q.2, q.3)
            TwofishBlock.store(prev, sp)
            (p + off).copyMemory(from: sp, byteCount: r)
            return d
        }
        TwofishBlock.store(d, p, off &- 16)
    }

    /// Inverse of `cbcCTSEncrypt` from `c` (length ≥ 16) into `out`, dropping the 4 nonce bytes:
    /// plaintext byte i goes to out[i − 4].
    private func cbcCTSDecrypt(_ c: UnsafeRawPointer, length: Int, into out: UnsafeMutableRawPointer) {
        let r = length & 15
        let blocks = (length + 15) >> 4
        let cbcBlocks = r == 0 ? blocks : blocks - 2
        var prev: TwofishBlock.Words = (0, 0, 0, 0)
        for i in 0..<cbcBlocks {
            let ci = TwofishBlock.load(c, i &* 16)
            let d = cipher.decrypt(ci.0, ci.1, ci.2, ci.3)
            emit(TwofishBlock.xor(d, prev), block: i, out)
            prev = ci
        }
        guard r != 0 else { return }
        // Received: D = E((Qₙ ‖ 0) ⊕ Cₙ₋₁) at block n−2, then the first r bytes of Cₙ₋₁.
        let dOff = cbcBlocks &* 16
        let tailOff = dOff &+ 16
        let dw = TwofishBlock.load(c, dOff)
        let x = cipher.decrypt(dw.0, dw.1, dw.2, dw.3)
        var scratch: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { s in
            let sp = s.baseAddress.unsafelyUnwrapped
            // sp[0..<16]: Cₙ₋₁ = tail ‖ X[r...]; sp[16..<32]: Qₙ = X[..<r] ⊕ tail.
            TwofishBlock.store(x, sp)
            TwofishBlock.store(x, sp, 16)
            for j in 0..<r {
                let t = c.load(fromByteOffset: tailOff &+ j, as: UInt8.self)
                let xj = sp.load(fromByteOffset: j, as: UInt8.self)
                sp.storeBytes(of: t, toByteOffset: j, as: UInt8.self)
                sp.storeBytes(of: xj ^ t, toByteOffset: 16 &+ j, as: UInt8.self)
            }
            let cn1 = TwofishBlock.load(sp)
            let d = cipher.decrypt(cn1.0, cn1.1, cn1.2, cn1.3)
            emit(TwofishBlock.xor(d, prev), block: cbcBlocks, out)
            (out + (tailOff &- TwofishTransform.nonceLength)).copyMemory(from: sp + 16, byteCount: r)
        }
    }

    /// Writes decrypted block `i` to its place in the frame; block 0 loses its 4 nonce bytes.
    @inline(__always)
    private func emit(_ w: TwofishBlock.Words, block i: Int, _ out: UnsafeMutableRawPointer) {
        if i == 0 {
            out.storeBytes(of: w.1.littleEndian, toByteOffset: 0, as: UInt32.self)
            out.storeBytes(of: w.2.littleEndian, toByteOffset: 4, as: UInt32.self)
            out.storeBytes(of: w.3.littleEndian, toByteOffset: 8, as: UInt32.self)
        } else {
            TwofishBlock.store(w, out, i &* 16 &- TwofishTransform.nonceLength)
        }
    }
}
