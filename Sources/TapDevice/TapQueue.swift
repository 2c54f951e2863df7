import LinuxSystem
import CN2NLinux
import Glibc

/// One queue of a TAP interface: a non-blocking file descriptor on which each read or write is
/// one Ethernet frame (preceded by a virtio-net header when the interface was opened with
/// `TapOptions.vnetHeader`). Register `descriptor.rawValue` with an epoll loop and call
/// `read(into:)` when it is readable.
///
/// Queues come from `TapInterface.create` (the first) and `TapInterface.attachQueue()` (more, or a
/// replacement for a failed one). Closing a queue detaches it; the interface itself disappears
/// only when its last queue closes. Not Sendable: one thread drives a queue.
public final class TapQueue {
    public let descriptor: FileDescriptor
    /// The interface this queue belongs to.
    public let interfaceName: String
    public let options: TapOptions

    /// Frames dropped by `write` because the kernel refused them one by one.
    public private(set) var writeDrops: Int = 0
    /// The last such refusal, for logging.
    public private(set) var lastWriteError: Errno?

    /// Opens /dev/net/tun and binds it to interface `name` with `options` (TUNSETIFF). With
    /// `exclusive` (IFF_TUN_EXCL) an existing interface of that name is refused instead of joined,
    /// which is how a new interface is told apart from another queue of one that exists.
    init(name: String, options: TapOptions, exclusive: Bool) throws(TapError) {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor("open(/dev/net/tun)") { open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK) }
        } catch {
            switch error.code {
            case ENOENT, ENODEV, ENXIO: throw .noTunDevice
            case EPERM, EACCES: throw .permissionDenied(error)
            default: throw .system(error)
            }
        }

        var req = ifreq()
        withUnsafeMutableBytes(of: &req.ifr_ifrn.ifrn_name) { $0.copyBytes(from: Array(name.utf8)) }
        req.ifr_ifru.ifru_flags = options.flags | (exclusive ? cn2n_IFF_TUN_EXCL : 0)
        let raw = fd.rawValue
        do {
            _ = try systemCall("ioctl(TUNSETIFF)") {
                withUnsafeMutablePointer(to: &req) { ioctl(raw, cn2n_TUNSETIFF, UnsafeMutableRawPointer($0)) }
            }
        } catch {
            switch error.code {
            case EPERM, EACCES: throw .permissionDenied(error)
            // EBUSY: exists (IFF_TUN_EXCL) or attached elsewhere without multi-queue; EINVAL: the
            // name belongs to another kind of interface or one opened with other flags.
            case EBUSY, EINVAL, EEXIST: throw .nameInUse(name)
            default: throw .system(error)
            }
        }
        interfaceName = withUnsafeBytes(of: &req.ifr_ifrn.ifrn_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        descriptor = fd
        self.options = options
    }

    public var isOpen: Bool { descriptor.isOpen }

    /// Detaches this queue; the interface goes away if it was the last one.
    public func close() {
        try? descriptor.close()
    }

    // MARK: frames

    /// Replaces the batch's contents with as many frames as are ready (up to its capacity),
    /// stopping at EAGAIN. Returns the number read; 0 when nothing was waiting.
    /// A frame longer than `frameCapacity` arrives truncated; size the batch for the MTU.
    public func read(into batch: FrameBatch, limit: Int = .max) throws(Errno) -> Int {
        batch.removeAll()
        let fd = descriptor.rawValue
        while !batch.isFull, batch.count < limit {
            let buffer = batch.nextFreeBuffer()
            guard let n = try systemCallUnlessWouldBlock("read(tap)", { Glibc.read(fd, buffer.baseAddress, buffer.count) }),
                n > 0
            else { break }
            batch.commitNext(length: n)
        }
        return batch.count
    }

    /// Reads one frame into `buffer`; nil when none is waiting.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int? {
        let fd = descriptor.rawValue
        return try systemCallUnlessWouldBlock("read(tap)") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// Writes frames 0..<count of `batch`. Frames the kernel refuses (EINVAL for a malformed
    /// frame, EIO while the interface is down, EAGAIN, ENOBUFS) are dropped and counted in
    /// `writeDrops`; only a broken descriptor throws. Returns the number written.
    @discardableResult
    public func write(_ batch: FrameBatch) throws(Errno) -> Int {
        var written = 0
        for i in 0..<batch.count where try write(frame: UnsafeRawBufferPointer(batch[i])) {
            written += 1
        }
        return written
    }

    /// Writes one frame; false if the kernel refused it (counted in `writeDrops`).
    @discardableResult
    public func write(frame: UnsafeRawBufferPointer) throws(Errno) -> Bool {
        let fd = descriptor.rawValue
        do {
            let n = try systemCall("write(tap)") { Glibc.write(fd, frame.baseAddress, frame.count) }
            return n == frame.count
        } catch {
            switch error.code {
            case EBADF, EFAULT, ENOTTY, EBADFD: throw error
            default:
                noteWriteDrop(error)
                return false
            }
        }
    }

    func noteWriteDrop(_ error: Errno) {
        writeDrops += 1
        lastWriteError = error
    }
}
