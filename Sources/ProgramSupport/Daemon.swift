#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the process could not become a daemon. Edge: log and go on in the foreground; supernode:
/// exit 1 (see `StartupSequence`).
public struct DaemonError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Step: String, Sendable, Hashable {
        case pipe, fork, setsid, secondFork = "second fork", chdir, devNull = "redirect stdio to /dev/null"
        /// The caller's last step in the daemon (`inDaemon`), such as writing the pid file.
        case ready = "last set-up step"
    }

    public var step: Step
    public var errno: Int32

    public init(step: Step, errno: Int32) {
        self.step = step
        self.errno = errno
    }

    public var description: String {
        "failed to become a daemon: \(step.rawValue): \(String(cString: strerror(errno)))"
    }
}

public enum Daemon {
    /// Detaches from the terminal the classic way: fork (the parent leaves), setsid, fork again (so
    /// the daemon is not a session leader and can never get a controlling terminal), chdir("/"),
    /// standard input, output and error onto /dev/null. Returns in the daemon.
    ///
    /// Unlike n2n 2.8 (which exited the parent right after fork), the original process waits on a
    /// pipe until the daemon is set up, so that a failure in any step is reported here, in the
    /// original process, which then still has its terminal and may carry on in the foreground.
    /// On success the original process calls `parentExit(0)` and never returns.
    ///
    /// `inDaemon` runs in the daemon before the original process is released, and returns 0 or an
    /// errno: the pid file is written there, so that it exists when the original process exits, as
    /// systemd's `Type=forking` with `PIDFile=` expects.
    ///
    /// Call it before starting threads; open descriptors (TAP, sockets) are inherited.
    public static func daemonise(
        parentExit: (Int32) -> Never = { exit($0) }, inDaemon: () -> Int32 = { 0 }
    ) throws(DaemonError) {
        fflush(nil)  // or buffered output would be written twice
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw DaemonError(step: .pipe, errno: errno) }
        let (readEnd, writeEnd) = (fds[0], fds[1])

        let first = fork()
        if first < 0 {
            let e = errno
            close(readEnd)
            close(writeEnd)
            throw DaemonError(step: .fork, errno: e)
        }
        if first > 0 {
            close(writeEnd)
            let report = readReport(readEnd)  // blocks until the daemon is set up or a step failed
            close(readEnd)
            var status: Int32 = 0
            while waitpid(first, &status, 0) < 0 && errno == EINTR {}
            if let report { throw report }
            parentExit(0)
        }

        // First child.
        close(readEnd)
        guard setsid() >= 0 else { fail(writeEnd, .setsid) }
        let second = fork()
        if second < 0 { fail(writeEnd, .secondFork) }
        if second > 0 { _exit(0) }

        // The daemon.
        guard chdir("/") == 0 else { fail(writeEnd, .chdir) }
        let null = open("/dev/null", O_RDWR)
        guard null >= 0 else { fail(writeEnd, .devNull) }
        for target: Int32 in 0...2 where null != target {
            guard dup2(null, target) == target else { fail(writeEnd, .devNull) }
        }
        if null > 2 { close(null) }
        let readiness = inDaemon()
        if readiness != 0 {
            send(writeEnd, code: stepCode(.ready), errno: readiness)
            _exit(1)
        }
        send(writeEnd, code: successCode, errno: 0)
        close(writeEnd)
    }

    private static var successCode: UInt8 { 0xFF }

    // Runs in a forked child: only system calls, no globals that need lazy initialisation.
    private static func fail(_ fd: Int32, _ step: DaemonError.Step) -> Never {
        send(fd, code: stepCode(step), errno: errno)
        _exit(1)
    }

    private static func send(_ fd: Int32, code: UInt8, errno value: Int32) {
        var record: (UInt8, Int32) = (code, value)
        _ = withUnsafeBytes(of: &record) { write(fd, $0.baseAddress, $0.count) }
    }

    private static func stepCode(_ step: DaemonError.Step) -> UInt8 {
        switch step {
        case .pipe: 0
        case .fork: 1
        case .setsid: 2
        case .secondFork: 3
        case .chdir: 4
        case .devNull: 5
        case .ready: 6
        }
    }

    private static func step(code: UInt8) -> DaemonError.Step {
        switch code {
        case 0: .pipe
        case 2: .setsid
        case 3: .secondFork
        case 4: .chdir
        case 5: .devNull
        case 6: .ready
        default: .fork
        }
    }

    /// nil when the daemon reported success; an error when it reported a failure or vanished.
    private static func readReport(_ fd: Int32) -> DaemonError? {
        var record: (UInt8, Int32) = (0, 0)
        let size = MemoryLayout<(UInt8, Int32)>.size
        var got = 0
        while got < size {
            let n = withUnsafeMutableBytes(of: &record) { read(fd, $0.baseAddress! + got, size - got) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        guard got == size else { return DaemonError(step: .fork, errno: ECHILD) }
        if record.0 == successCode { return nil }
        return DaemonError(step: step(code: record.0), errno: record.1)
    }
}
