import COpenSSL

/// Transform 4, ChaCha20 (spec 2.6): `0x01 ‖ IV(16) ‖ ChaCha20(P)`, key SHA-256(passphrase), no tag.
///
/// The cipher is the original ChaCha20 with a 64-bit block counter (state words 12–13, from IV
/// bytes 0–7, little-endian) and a 64-bit nonce (IV bytes 8–15). OpenSSL's `EVP_chacha20` reads
/// its 16-byte IV as words 12–15 the same way; its assembly cores only count in word 12, but the
/// C driver (`chacha20_cipher`/`chacha_cipher`) stops each run at the 2³² block boundary and
/// carries into word 13, so a random counter that wraps inside a packet comes out as the spec's
/// overflow vector requires (checked in the tests against that vector and a reference block
/// function). No packet splitting is needed.
public final class ChaCha20Transform: PayloadTransform {
    static let encodingVersion: UInt8 = 1
    static let ivLength = 16
    static let preambleLength = 1 + ivLength

    public var id: TransformID { .chacha20 }

    /// A stream cipher: the same keyed context serves both directions.
    private let cipher: EVPCipherContext
    private let random: RandomSource

    public init(passphrase: [UInt8], random: RandomSource) throws(TransformError) {
        cipher = try EVPCipherContext(cipher: EVP_chacha20(), key: Digest.sha256(passphrase), encrypt: true)
        self.random = random
    }

    public func maxEncodedLength(plaintextLength: Int) -> Int { Self.preambleLength + plaintextLength }

    public func encode(_ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(TransformError) -> Int
    {
        let needed = Self.preambleLength + plaintext.count
        guard output.count >= needed, let out = output.baseAddress else {
            throw .outputTooSmall(needed: needed, available: output.count)
        }
        out.storeBytes(of: Self.encodingVersion, as: UInt8.self)
        random.fill(UnsafeMutableRawBufferPointer(start: out + 1, count: Self.ivLength))
        try cipher.setIV(out + 1)
        if plaintext.count > 0 {
            try cipher.update(out + Self.preambleLength, plaintext.baseAddress!, count: plaintext.count)
        }
        return needed
    }

    public func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(TransformError) -> Int
    {
        guard payload.count >= Self.preambleLength, let input = payload.baseAddress else {
            throw .badLength(payload.count)
        }
        let version = payload[0]
        guard version == Self.encodingVersion else { throw .badEncodingVersion(version) }
        let length = payload.count - Self.preambleLength
        guard output.count >= length else { throw .outputTooSmall(needed: length, available: output.count) }
        try cipher.setIV(input + 1)
        if length > 0 {
            try cipher.update(output.baseAddress!, input + Self.preambleLength, count: length)
        }
        return length
    }
}
