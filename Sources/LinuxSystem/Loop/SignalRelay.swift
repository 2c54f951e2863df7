import CN2NLinux
import Glibc
import Synchronization

/// Turns signals into bytes on a pipe that an event loop watches (the self-pipe trick).
/// The C handler only writes the signal number to the pipe, which is async-signal-safe and
/// works whichever thread the kernel picks to run it, so no thread needs a signal mask.
///
/// One relay is active per process (signal dispositions are process-wide); the last loop to
/// call `EventLoop.onSignals` receives them.
final class SignalRelay {
    /// The write end the handler uses; -1 when no relay is active.
    static let writeEnd = Atomic<Int32>(-1)

    let readEnd: FileDescriptor
    let writeEndOwned: FileDescriptor
    private var previous: [Int32: sigaction] = [:]

    init() throws(Errno) {
        var fds: (Int32, Int32) = (-1, -1)
        _ = try withUnsafeMutableBytes(of: &fds) { raw throws(Errno) -> Int32 in
            let pointer = raw.baseAddress!.assumingMemoryBound(to: Int32.self)
            return try systemCall("pipe") { pipe(pointer) }
        }
        readEnd = FileDescriptor(owning: fds.0)
        writeEndOwned = FileDescriptor(owning: fds.1)
        for end in [readEnd, writeEndOwned] {
            try end.setNonBlocking()
            let fd = end.rawValue
            _ = try systemCall("fcntl(F_SETFD)") { fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        SignalRelay.writeEnd.store(fds.1, ordering: .releasing)
    }

    func install(_ signal: Int32) throws(Errno) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = signalRelayHandler
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        var old = sigaction()
        _ = try systemCall("sigaction") { sigaction(signal, &action, &old) }
        if previous[signal] == nil { previous[signal] = old }
    }

    /// Calls `body` with each signal number waiting in the pipe.
    func drain(_ body: (Int32) -> Void) {
        var bytes: (UInt64, UInt64) = (0, 0)
        while true {
            let n = withUnsafeMutableBytes(of: &bytes) { Glibc.read(readEnd.rawValue, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            withUnsafeBytes(of: &bytes) { raw in
                for i in 0..<n { body(Int32(raw[i])) }
            }
        }
    }

    /// Restores the dispositions found before `install` and detaches the handler.
    func uninstall() {
        for (signal, old) in previous {
            var old = old
            _ = sigaction(signal, &old, nil)
        }
        previous.removeAll()
        _ = SignalRelay.writeEnd.compareExchange(expected: writeEndOwned.rawValue, desired: -1, ordering: .acquiringAndReleasing)
    }

    deinit { uninstall() }
}

private func signalRelayHandler(_ signal: Int32) {
    let saved = errno
    let fd = SignalRelay.writeEnd.load(ordering: .acquiring)
    if fd >= 0 {
        var byte = UInt8(truncatingIfNeeded: signal)
        _ = write(fd, &byte, 1)
    }
    errno = saved
}
