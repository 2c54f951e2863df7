import Glibc

/// Owns one open file descriptor and closes it exactly once: on `close()` or, failing
/// that, when the owner is released. After closing, `rawValue` is -1, so a stray later use
/// fails with EBADF instead of touching whatever descriptor the kernel hands out next.
///
/// Not Sendable: a descriptor belongs to the thread that drives it.
public final class FileDescriptor {
    public private(set) var rawValue: Int32

    /// Takes ownership of `rawValue` (which must be open).
    public init(owning rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Wraps a call that returns a new descriptor, e.g. `socket(2)`.
    public convenience init(_ call: StaticString, _ open: () -> Int32) throws(Errno) {
        self.init(owning: try systemCall(call, open))
    }

    public var isOpen: Bool { rawValue >= 0 }

    /// Closes now. EINTR from close(2) is not retried: on Linux the descriptor is already
    /// gone, and a retry could close a descriptor another thread just opened.
    public func close() throws(Errno) {
        guard rawValue >= 0 else { return }
        let fd = rawValue
        rawValue = -1
        if Glibc.close(fd) == -1 {
            let code = errno
            if code != EINTR { throw Errno(code: code, call: "close") }
        }
    }

    /// Gives up ownership without closing; returns the descriptor.
    public func release() -> Int32 {
        let fd = rawValue
        rawValue = -1
        return fd
    }

    /// Switches O_NONBLOCK on or off.
    public func setNonBlocking(_ on: Bool = true) throws(Errno) {
        let fd = rawValue
        let flags = try systemCall("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
        let wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if wanted != flags {
            _ = try systemCall("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, wanted) }
        }
    }

    deinit {
        if rawValue >= 0 { _ = Glibc.close(rawValue) }
    }
}
