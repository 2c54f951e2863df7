import COpenSSL

/// Transform 4 of v3 (v3 spec 3.5): `IV (16 random bytes) ‖ ChaCha20(H256(passphrase), IV, P)`.
/// The IV is the state's words 12...15. A default stock build advances word 12 alone, wrapping
/// without carry into word 13; OpenSSL carries. Where word 12 would wrap inside a packet the
/// keystream is restarted at counter 0 with the same words 13...15, which is the stock behaviour.
public final class V3ChaCha20Transform: PayloadTransform {
    public var id: TransformID { .chacha20 }
    public static let ivLength = 16

    private let cipher: EVPCipherContext
    private let random: RandomSource
    /// The IV of the keystream's second part after a wrap: 0 ‖ IV[4...16).
    private let wrappedIV: UnsafeMutableRawPointer

    public convenience init(passphrase: [UInt8], random: RandomSource) throws(TransformError) {
        try self.init(rawKey: PearsonB.hash256(passphrase), random: random)
    }

    /// Keyed with 32 bytes directly (the passphrase's hash in use; tests reach the bare cipher).
    public init(rawKey: [UInt8], random: RandomSource) throws(TransformError) {
        cipher = try EVPCipherContext(cipher: EVP_chacha20(), key: rawKey, encrypt: true)
        self.random = random
        wrappedIV = .allocate(byteCount: Self.ivLength, alignment: 16)
    }

    deinit { wrappedIV.deallocate() }

    public func maxEncodedLength(plaintextLength: Int) -> Int { Self.ivLength + plaintextLength }

    public func encode(_ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int {
        let needed = Self.ivLength + plaintext.count
        guard output.count >= needed, let out = output.baseAddress else {
            throw .outputTooSmall(needed: needed, available: output.count)
        }
        random.fill(UnsafeMutableRawBufferPointer(start: out, count: Self.ivLength))
        if plaintext.count > 0 { try apply(iv: out, plaintext.baseAddress!, out + Self.ivLength, count: plaintext.count) }
        return needed
    }

    public func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int {
        // The reference ran the cipher over the IV's 16 bytes too (spec 13.1 item 6); the IV must be there.
        guard payload.count >= Self.ivLength, let input = payload.baseAddress else { throw .badLength(payload.count) }
        let length = payload.count - Self.ivLength
        guard output.count >= length else { throw .outputTooSmall(needed: length, available: output.count) }
        if length > 0 { try apply(iv: input, input + Self.ivLength, output.baseAddress!, count: length) }
        return length
    }

    private func apply(iv: UnsafeRawPointer, _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, count: Int) throws(TransformError) {
        let counter = UInt32(littleEndian: iv.loadUnaligned(as: UInt32.self))
        let beforeWrap = (UInt64(UInt32.max) - UInt64(counter) + 1) * 64
        try cipher.setIV(iv)
        guard UInt64(count) > beforeWrap else {
            try cipher.update(output, input, count: count)
            return
        }
        let first = Int(beforeWrap)
        try cipher.update(output, input, count: first)
        wrappedIV.storeBytes(of: 0, as: UInt32.self)
        (wrappedIV + 4).copyMemory(from: iv + 4, byteCount: 12)
        try cipher.setIV(wrappedIV)
        try cipher.update(output + first, input + first, count: count - first)
    }
}

/// Transform 5 of v3 (v3 spec 3.6): `IV (16 random bytes) ‖ Speck128/256-CTR(H256(passphrase), IV, P)`.
public final class V3SpeckTransform: PayloadTransform {
    public var id: TransformID { .speckCTR }
    public static let ivLength = 16

    private let cipher: Speck128
    private let random: RandomSource

    public init(passphrase: [UInt8], random: RandomSource) {
        cipher = Speck128(key: PearsonB.hash256(passphrase))
        self.random = random
    }

    public func maxEncodedLength(plaintextLength: Int) -> Int { Self.ivLength + plaintextLength }

    public func encode(_ plaintext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int {
        let needed = Self.ivLength + plaintext.count
        guard output.count >= needed, let out = output.baseAddress else {
            throw .outputTooSmall(needed: needed, available: output.count)
        }
        random.fill(UnsafeMutableRawBufferPointer(start: out, count: Self.ivLength))
        if plaintext.count > 0 {
            cipher.ctr(iv: out, input: plaintext.baseAddress!, output: out + Self.ivLength, count: plaintext.count)
        }
        return needed
    }

    public func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TransformError) -> Int {
        guard payload.count >= Self.ivLength, let input = payload.baseAddress else { throw .badLength(payload.count) }
        let length = payload.count - Self.ivLength
        guard output.count >= length else { throw .outputTooSmall(needed: length, available: output.count) }
        if length > 0 { cipher.ctr(iv: input, input: input + Self.ivLength, output: output.baseAddress!, count: length) }
        return length
    }
}

extension TransformID {
    /// The v3 transform for this id from the `-k` passphrase (its raw bytes, v3 spec 3.1). The
    /// null transform is v2's: the payload is the frame in both versions.
    public func makeV3Transform(passphrase: [UInt8], random: any RandomSource) throws(TransformError) -> any PayloadTransform {
        switch self {
        case .null: NullTransform()
        case .twofish: V3CTSTransform(id: .twofish, cipher: V3TwofishCipher(key: PearsonB.hash256(passphrase)), random: random)
        case .aesCBC: V3CTSTransform(id: .aesCBC, cipher: try V3AESCipher(key: V3AESKey.key(passphrase: passphrase)), random: random)
        case .chacha20: try V3ChaCha20Transform(passphrase: passphrase, random: random)
        case .speckCTR: V3SpeckTransform(passphrase: passphrase, random: random)
        }
    }
}

/// v3 spec 3.4: the AES key is the tail of H256(passphrase), its size set by the passphrase length.
public enum V3AESKey {
    public static func key(passphrase: [UInt8]) -> [UInt8] {
        let m = PearsonB.hash256(passphrase)
        switch passphrase.count {
        case 33...: return m
        case 23...32: return Array(m[8...])
        default: return Array(m[16...])
        }
    }
}
