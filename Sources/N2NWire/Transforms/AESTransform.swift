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
    /// 96 preallocated bytes: IV pad ‖ seed (the ECB input), the IV, the last CBC block, each
    /// context's chaining value, and the first block of an encode.
    private let scratch: UnsafeMutableRawPointer
    private var ivBlock: UnsafeMutableRawPointer { scratch }
    private var iv: UnsafeMutableRawPointer { scratch + 16 }
    private var lastBlock: UnsafeMutableRawPointer { scratch + 32 }
    private var encryptChain: UnsafeMutableRawPointer { scratch + 48 }
    private var decryptChain: UnsafeMutableRawPointer { scratch + 64 }
    private var firstBlock: UnsafeMutableRawPointer { scratch + 80 }
    private static let scratchLength = 96

    // Each packet's IV is not installed with EVP_CipherInit_ex, which costs ~120 ns (more than
    // a 1400-byte AES-NI decrypt), but folded into the first block: a CBC context that keeps
    // running after a packet chains from that packet's last ciphertext block (`*Chain`), so
    // feeding P0 ^ IV ^ chain encrypts to E(P0 ^ IV), and D(C0) ^ chain ^ (IV ^ chain) = P0.
    // The output is the same bytes as a restart with the IV. A failed update leaves the
    // context's state unknown: the flag then makes the next packet restart it the slow way.
    private var encryptChainKnown = false
    private var decryptChainKnown = false

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
        scratch = .allocate(byteCount: Self.scratchLength, alignment: 16)
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: Self.scratchLength)
        keys.ivPad.withUnsafeBytes { scratch.copyMemory(from: $0.baseAddress!, byteCount: 8) }
    }

    deinit {
        OPENSSL_cleanse(scratch, Self.scratchLength)
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
        try deriveIV(seed: out + 1)
        if !encryptChainKnown { try restart(encryptor, chain: encryptChain) }
        encryptChainKnown = false
        let adjust = Block(iv) ^ Block(encryptChain)

        let body = out + Self.preambleLength
        if fullBlocks > 0 {
            (Block(plaintext.baseAddress!) ^ adjust).store(to: firstBlock)
            try encryptor.update(body, firstBlock, count: Self.blockLength)
            if fullBlocks > Self.blockLength {
                try encryptor.update(body + Self.blockLength, plaintext.baseAddress! + Self.blockLength,
                                     count: fullBlocks - Self.blockLength)
            }
        }
        // Last block: the plaintext tail, zero filler, and the pad count 1...16 in its last byte.
        let tail = length - fullBlocks
        lastBlock.initializeMemory(as: UInt8.self, repeating: 0, count: Self.blockLength)
        if tail > 0 { lastBlock.copyMemory(from: plaintext.baseAddress! + fullBlocks, byteCount: tail) }
        lastBlock.storeBytes(of: UInt8(Self.blockLength - tail), toByteOffset: Self.blockLength - 1, as: UInt8.self)
        if fullBlocks == 0 { (Block(lastBlock) ^ adjust).store(to: lastBlock) }
        try encryptor.update(body + fullBlocks, lastBlock, count: Self.blockLength)
        encryptChain.copyMemory(from: body + fullBlocks, byteCount: Self.blockLength)
        encryptChainKnown = true
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

        try deriveIV(seed: input + 1)
        if !decryptChainKnown { try restart(decryptor, chain: decryptChain) }
        decryptChainKnown = false
        let adjust = Block(iv) ^ Block(decryptChain)
        let body = input + Self.preambleLength
        // Read before decrypting: `output` may overlap the payload.
        let nextChain = Block(body + leadingLength)
        // All but the last block straight into `output`; the last one, which holds the padding,
        // into scratch, so nothing is written beyond the plaintext's real length.
        if leadingLength > 0 {
            let first = output.baseAddress!
            try decryptor.update(first, body, count: leadingLength)
            (Block(first) ^ adjust).store(to: first)
        }
        try decryptor.update(lastBlock, body + leadingLength, count: Self.blockLength)
        if leadingLength == 0 { (Block(lastBlock) ^ adjust).store(to: lastBlock) }
        nextChain.store(to: decryptChain)
        decryptChainKnown = true
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

    /// IV = AES-128-ECB(IV key, IV pad ‖ seed), into `iv`.
    @inline(__always)
    private func deriveIV(seed: UnsafeRawPointer) throws(TransformError) {
        (ivBlock + Self.seedLength).copyMemory(from: seed, byteCount: Self.seedLength)
        try ivEncryptor.update(iv, ivBlock, count: Self.blockLength)
    }

    /// Restarts `context` with this packet's IV (first use, or after a failed update), so that
    /// its chaining value is the IV and the packet's adjustment is zero.
    private func restart(_ context: borrowing EVPCipherContext, chain: UnsafeMutableRawPointer) throws(TransformError) {
        try context.setIV(iv)
        chain.copyMemory(from: iv, byteCount: Self.blockLength)
    }

    /// One 16-byte block as two words, for the XORs of the IV adjustment.
    private struct Block {
        var low: UInt64
        var high: UInt64

        @inline(__always)
        init(_ p: UnsafeRawPointer) {
            low = p.loadUnaligned(as: UInt64.self)
            high = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        }

        @inline(__always)
        init(low: UInt64, high: UInt64) {
            self.low = low
            self.high = high
        }

        @inline(__always)
        static func ^ (a: Block, b: Block) -> Block { Block(low: a.low ^ b.low, high: a.high ^ b.high) }

        @inline(__always)
        func store(to p: UnsafeMutableRawPointer) {
            p.storeBytes(of: low, as: UInt64.self)
            p.storeBytes(of: high, toByteOffset: 8, as: UInt64.self)
        }
    }
}
