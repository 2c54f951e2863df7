import Glibc

/// Runs one system call: retries it while it fails with EINTR, and turns any other failure
/// (a return of -1) into an `Errno` naming `call`. Every syscall of the program
/// goes through here or through `systemCallUnlessWouldBlock`.
@inlinable
public func systemCall<Result: FixedWidthInteger>(
    _ call: StaticString, _ body: () -> Result
) throws(Errno) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw Errno(code: code, call: call)
    }
}

/// As `systemCall`, but a non-blocking "try again later" (EAGAIN / EWOULDBLOCK) is
/// an ordinary outcome reported as `nil`, so empty polls cost no throw.
@inlinable
public func systemCallUnlessWouldBlock<Result: FixedWidthInteger>(
    _ call: StaticString, _ body: () -> Result
) throws(Errno) -> Result? {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return nil }
        throw Errno(code: code, call: call)
    }
}

/// As `systemCall`, but an interrupting signal (EINTR) is an outcome reported as `nil`, not
/// retried: for waits whose caller must look at its deadlines and stop flag after a signal.
@inlinable
public func systemCallUnlessInterrupted<Result: FixedWidthInteger>(
    _ call: StaticString, _ body: () -> Result
) throws(Errno) -> Result? {
    let result = body()
    if result != -1 { return result }
    let error = Errno.current(call)
    if error.code == EINTR { return nil }
    throw error
}

/// What one datagram system call (send, receive, their batch forms) came to. Datagram sockets
/// report errors that concern one datagram or one destination (ICMP feedback, routing,
/// size...) through the same errno as errors of the socket itself; this sorts them once.
public enum DatagramCallOutcome<Result> {
    case completed(Result)
    /// Non-blocking: nothing waiting, or no room in the send buffer.
    case wouldBlock
    /// The kernel refused this datagram (or reported feedback about an earlier one); the
    /// socket is fine.
    case refused(Errno)
}

/// Runs a datagram call: EINTR is retried, a would-block and a per-datagram refusal are
/// outcomes, and only an error of the socket itself (EBADF, ENOTSOCK, EFAULT...) throws.
@inlinable
public func datagramCall<Result: FixedWidthInteger>(
    _ call: StaticString, _ body: () -> Result
) throws(Errno) -> DatagramCallOutcome<Result> {
    while true {
        let result = body()
        if result != -1 { return .completed(result) }
        let error = Errno.current(call)
        if error.code == EINTR { continue }
        if error.isWouldBlock { return .wouldBlock }
        if error.concernsOneDatagram { return .refused(error) }
        throw error
    }
}

extension Errno {
    /// Errors that concern one datagram or one destination, not the socket: ICMP feedback,
    /// routing, firewall, size and transient memory refusals.
    public var concernsOneDatagram: Bool {
        switch code {
        case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN, EPERM, EACCES,
            EMSGSIZE, EINVAL, EADDRNOTAVAIL, EAFNOSUPPORT, EDESTADDRREQ, ENOBUFS, ENOMEM,
            ECONNRESET, EPROTO, ETIMEDOUT, ENONET:
            return true
        default:
            return false
        }
    }
}
