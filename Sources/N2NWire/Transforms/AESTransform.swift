import COpenSSL

/// Transform 3, AES-CBC in the 2.6/2.8 format (spec 2.5):
/// `0x01 ‖ seed(8) ‖ AES-CBC(P ‖ zero filler ‖ pad count)`, IV = AES-128-ECB(IV key, IV pad ‖ seed).
public final class AESTransform: PayloadTransform {
    /// The keys derived from a passphrase (spec 2.5, "Key derivation").
    public struct Keys: Equatable, Sendable {
        /// 16, 24 or 32 bytes: AES-128, -192 or -256.
        public var cipherKey: [UInt8]
        /// AES-128 key that encrypts the IV block.
        public var ivKey: [UInt8]
        /// The first 8 bytes of the IV block.
        public var ivPad: [UInt8]

        public init(passphrase: [UInt8]) {
            let material: [UInt8]
            let keyLength: Int
            switch passphrase.count {
            case 65...:
                material = Digest.sha512(passphrase)
                keyLength = 32
            case 44...64:
                let h = Digest.sha384(passphrase)
                material = h + Digest.sha256(h)
                keyLength = 24
            default:
                let h = Digest.sha256(passphrase)
                material = h + Digest.sha256(h)
                keyLength = 16
            }
            cipherKey = Array(material[0..<keyLength])
            ivKey = Array(material[keyLength..<keyLength + 16])
            ivPad = Array(material[keyLength + 16..<keyLength + 24])
        }
    }

    static let encodingVersion: UInt8 = 1
    static let seedLength = 8
    static let preambleLength = 1 + seedLength
    static let blockLength = 16

    public var id: TransformID { .aesCBC }

    private let encryptor: EVPCipherContext
    private let decryptor: EVPCipherContext
    private let ivEncryptor: EVPCipherContext
    private let random: RandomSource
    /// 48 preallocated bytes: IV pad ‖ seed (the ECB input), then the IV, then the last CBC block.
    private let scratch: UnsafeMutableRawPointer
    private var ivBlock: UnsafeMutableRawPointer { scratch }
    private var iv: UnsafeMutableRawPointer { scratch + 16 }
    private var lastBlock: UnsafeMutableRawPointer { scratch + 32 }

    public init(passphrase: [UInt8], random: RandomSource) throws(TransformError) {
        let keys = Keys(passphrase: passphrase)
        let cipher: OpaquePointer? =
            switch keys.cipherKey.count {
            case 32: EVP_aes_256_cbc()
            case 24: EVP_aes_192_cbc()
            default: EVP_aes_128_cbc()
            }
        encryptor = try EVPCipherContext(cipher: cipher, key: keys.cipherKey, encrypt: true)
        decryptor = try EVPCipherContext(cipher: cipher, key: keys.cipherKey, encrypt: false)
        ivEncryptor = try EVPCipherContext(cipher: EVP_aes_128_ecb(), key: keys.ivKey, encrypt: true)
        self.random = random
        scratch = .allocate(byteCount: 48, alignment: 16)
        keys.ivPad.withUnsafeBytes { scratch.copyMemory(from: $0.baseAddress!, byteCount: 8) }
    }

    deinit {
        OPENSSL_cleanse(scratch, 48)
        scratch.deallocate()
    }

    public func maxEncodedLength(plaintextLength: Int) -> Int {
        Self.preambleLength + (plaintextLength / Self.blockLength + 1) * Self.blockLength
    }

    public func encode(_ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(TransformError) -> Int
    {
        let length = plaintext.count
        let fullBlocks = length & ~(Self.blockLength - 1)
        let needed = maxEncodedLength(plaintextLength: length)
        // The reference checked only length + 9 and then wrote up to 16 bytes more (spec 10.1 item 5).
        guard output.count >= needed, let out = output.baseAddress else {
            throw .outputTooSmall(needed: needed, available: output.count)
        }
        out.storeBytes(of: Self.encodingVersion, as: UInt8.self)
        random.fill(UnsafeMutableRawBufferPointer(start: out + 1, count: Self.seedLength))
        try startCipher(encryptor, seed: out + 1)

        let body = out + Self.preambleLength
        if fullBlocks > 0 {
            try encryptor.update(body, plaintext.baseAddress!, count: fullBlocks)
        }
        // Last block: the plaintext tail, zero filler, and the pad count 1...16 in its last byte.
        let tail = length - fullBlocks
        lastBlock.initializeMemory(as: UInt8.self, repeating: 0, count: Self.blockLength)
        if tail > 0 { lastBlock.copyMemory(from: plaintext.baseAddress! + fullBlocks, byteCount: tail) }
        lastBlock.storeBytes(of: UInt8(Self.blockLength - tail), toByteOffset: Self.blockLength - 1, as: UInt8.self)
        try encryptor.update(body + fullBlocks, lastBlock, count: Self.blockLength)
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
        let cipherLength = payload.count - Self.preambleLength
        // An empty ciphertext made the reference read the byte before its buffer (spec 10.1 item 5).
        guard cipherLength > 0, cipherLength % Self.blockLength == 0 else { throw .badLength(payload.count) }
        let leadingLength = cipherLength - Self.blockLength
        guard output.count >= leadingLength else {
            throw .outputTooSmall(needed: leadingLength, available: output.count)
        }

        try startCipher(decryptor, seed: input + 1)
        let body = input + Self.preambleLength
        // All but the last block straight into `output`; the last one, which holds the padding,
        // into scratch, so nothing is written beyond the plaintext's real length.
        if leadingLength > 0 {
            try decryptor.update(output.baseAddress!, body, count: leadingLength)
        }
        try decryptor.update(lastBlock, body + leadingLength, count: Self.blockLength)
        let pad = lastBlock.load(fromByteOffset: Self.blockLength - 1, as: UInt8.self)
        guard pad >= 1, pad <= Self.blockLength else { throw .badPadding(pad) }
        let tail = Self.blockLength - Int(pad)
        let plaintextLength = leadingLength + tail
        guard output.count >= plaintextLength else {
            throw .outputTooSmall(needed: plaintextLength, available: output.count)
        }
        if tail > 0 { (output.baseAddress! + leadingLength).copyMemory(from: lastBlock, byteCount: tail) }
        return plaintextLength
    }

    /// IV = AES-128-ECB(IV key, IV pad ‖ seed), then restart CBC with it.
    @inline(__always)
    private func startCipher(_ context: borrowing EVPCipherContext, seed: UnsafeRawPointer) throws(TransformError) {
        (ivBlock + Self.seedLength).copyMemory(from: seed, byteCount: Self.seedLength)
        try ivEncryptor.update(iv, ivBlock, count: Self.blockLength)
        try context.setIV(iv)
    }
}
