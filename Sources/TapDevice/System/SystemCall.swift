import Glibc

/// Runs one system call: retries it while it fails with EINTR, and turns any other failure
/// (a return of -1) into an `Errno` naming `call`. Every syscall in TapDevice and PacketCore
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
