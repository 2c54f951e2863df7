/// Transform 5, Speck-CTR (spec 2.7): `0x01 ‖ IV (16 random bytes) ‖ Speck128/256-CTR(P)`,
/// key = Pearson-256(passphrase).
public final class SpeckTransform: PayloadTransform {
    public let id = TransformID.speckCTR
    /// Encoding-version byte and IV.
    public static let preambleLength = 17
    static let ivLength = 16

    private let cipher: Speck128
    private let random: RandomSource

    public init(passphrase: [UInt8], random: RandomSource) {
        cipher = Speck128(key: SpeckTransform.key(passphrase: passphrase))
        self.random = random
    }

    /// Pearson-256 of the passphrase bytes.
    public static func key(passphrase: [UInt8]) -> [UInt8] {
        Pearson.hash256(passphrase)
    }

    public func maxEncodedLength(plaintextLength: Int) -> Int {
        SpeckTransform.preambleLength + plaintextLength
    }

    public func encode(_ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int {
        let total = SpeckTransform.preambleLength + plaintext.count
        guard output.count >= total, let out = output.baseAddress else {
            throw .outputTooSmall(needed: total, available: output.count)
        }
        out.storeBytes(of: 1, as: UInt8.self)
        random.fill(UnsafeMutableRawBufferPointer(start: out + 1, count: SpeckTransform.ivLength))
        if let p = plaintext.baseAddress, plaintext.count > 0 {
            cipher.ctr(iv: out + 1, input: p, output: out + SpeckTransform.preambleLength, count: plaintext.count)
        }
        return total
    }

    public func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int {
        guard payload.count >= SpeckTransform.preambleLength, let src = payload.baseAddress else {
            throw .badLength(payload.count)
        }
        let version = src.load(as: UInt8.self)
        guard version == 1 else { throw .badEncodingVersion(version) }
        let n = payload.count - SpeckTransform.preambleLength
        guard n > 0 else { return 0 }
        guard output.count >= n, let out = output.baseAddress else {
            throw .outputTooSmall(needed: n, available: output.count)
        }
        cipher.ctr(iv: src + 1, input: src + SpeckTransform.preambleLength, output: out, count: n)
        return n
    }
}
