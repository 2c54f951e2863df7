import Glibc
import N2NWire

/// Kernel randomness (/dev/urandom) served from a 4 KiB pool, so sealing a header costs no system call.
/// Used for the random bits of header stamps and pre-IVs, which need to be unpredictable, not secret.
public final class PooledSystemRandom: RandomSource {
    private let pool: UnsafeMutableRawBufferPointer
    private var used: Int
    private let fd: Int32

    public init(poolSize: Int = 4096) {
        pool = .allocate(byteCount: max(poolSize, 64), alignment: 8)
        used = pool.count
        fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if fd < 0 { fatalError("cannot open /dev/urandom: errno \(errno)") }
    }

    deinit {
        pool.deallocate()
        close(fd)
    }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            if used == pool.count { refill() }
            let n = min(buffer.count - offset, pool.count - used)
            buffer.baseAddress!.advanced(by: offset).copyMemory(from: pool.baseAddress!.advanced(by: used), byteCount: n)
            used += n
            offset += n
        }
    }

    private func refill() {
        var filled = 0
        while filled < pool.count {
            let r = read(fd, pool.baseAddress!.advanced(by: filled), pool.count - filled)
            if r > 0 { filled += r } else if errno != EINTR { fatalError("reading /dev/urandom failed: errno \(errno)") }
        }
        used = 0
    }
}
