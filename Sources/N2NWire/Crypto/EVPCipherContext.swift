import COpenSSL

/// One OpenSSL cipher context, keyed once for the life of its transform. Per packet only the IV is
/// reset, which costs no allocation; re-keying per packet would allocate and is ~30% slower.
/// Padding is off: the transforms do their own (spec 2.5) or need none (stream ciphers).
struct EVPCipherContext: ~Copyable {
    private let context: OpaquePointer

    init(cipher: OpaquePointer?, key: [UInt8], encrypt: Bool) throws(TransformError) {
        guard let cipher, let context = EVP_CIPHER_CTX_new() else {
            throw .cryptoFailure("EVP_CIPHER_CTX_new: \(Self.lastError())")
        }
        guard Int(EVP_CIPHER_get_key_length(cipher)) == key.count,
            EVP_CipherInit_ex(context, cipher, nil, key, nil, encrypt ? 1 : 0) == 1,
            EVP_CIPHER_CTX_set_padding(context, 0) == 1
        else {
            EVP_CIPHER_CTX_free(context)
            throw .cryptoFailure("EVP_CipherInit_ex: \(Self.lastError())")
        }
        self.context = context
    }

    deinit { EVP_CIPHER_CTX_free(context) }  // also wipes the key schedule

    /// Restarts the cipher with a new IV, keeping key and direction.
    @inline(__always)
    func setIV(_ iv: UnsafeRawPointer) throws(TransformError) {
        guard EVP_CipherInit_ex(context, nil, nil, nil, iv.assumingMemoryBound(to: UInt8.self), -1) == 1 else {
            throw .cryptoFailure("EVP_CipherInit_ex (IV): \(Self.lastError())")
        }
    }

    /// Transforms `count` bytes; for a block cipher `count` is a multiple of the block size.
    @inline(__always)
    func update(_ output: UnsafeMutableRawPointer, _ input: UnsafeRawPointer, count: Int) throws(TransformError) {
        guard count <= Int(Int32.max) else { throw .badLength(count) }
        var written: Int32 = 0
        guard
            EVP_CipherUpdate(context, output.assumingMemoryBound(to: UInt8.self), &written,
                input.assumingMemoryBound(to: UInt8.self), Int32(count)) == 1,
            Int(written) == count
        else {
            throw .cryptoFailure("EVP_CipherUpdate (\(count) bytes in, \(written) out): \(Self.lastError())")
        }
    }

    private static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "no OpenSSL error queued" }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
