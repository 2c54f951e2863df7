import COpenSSL

/// OpenSSL's CSPRNG behind a preallocated pool, so that a per-packet IV or nonce is a copy out of
/// the pool rather than a trip through the DRBG and its locks. Not thread-safe: one per data-plane thread.
public final class SystemRandom: RandomSource {
    public static let defaultPoolSize = 4096

    private let pool: UnsafeMutableRawBufferPointer
    /// Bytes of `pool` before this index have been handed out already.
    private var next: Int

    public init(poolSize: Int = SystemRandom.defaultPoolSize) {
        precondition(poolSize > 0, "SystemRandom pool size must be positive")
        pool = .allocate(byteCount: poolSize, alignment: 16)
        next = poolSize  // the first fill draws from OpenSSL
    }

    deinit {
        // The unused part of the pool holds future IVs and cookies.
        OPENSSL_cleanse(pool.baseAddress, pool.count)
        pool.deallocate()
    }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let destination = buffer.baseAddress, buffer.count > 0 else { return }
        if buffer.count > pool.count {
            Self.generate(into: buffer)
            return
        }
        if pool.count - next < buffer.count {
            Self.generate(into: pool)
            next = 0
        }
        destination.copyMemory(from: pool.baseAddress! + next, byteCount: buffer.count)
        next += buffer.count
    }

    /// Predictable IVs or cookies would be worse than stopping, so a DRBG failure traps.
    private static func generate(into buffer: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            let chunk = min(buffer.count - offset, 1 << 20)
            let bytes = (buffer.baseAddress! + offset).assumingMemoryBound(to: UInt8.self)
            let status = RAND_bytes(bytes, Int32(chunk))
            precondition(status == 1, "OpenSSL RAND_bytes failed (error \(ERR_get_error())): no secure randomness")
            offset += chunk
        }
    }
}
