import Glibc
import Testing
@testable import ProgramSupport
import PacketCore
import LinuxSystem

@Suite(.serialized) struct ProcessDaemonTests {
    /// The test forks a child that plays the program: it daemonises, the daemon reports what it
    /// sees through a pipe, and the child itself must leave with status 0 once the daemon is set up.
    @Test func daemonIsDetachedInRootWithNullStdio() throws {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        let (readEnd, writeEnd) = (fds[0], fds[1])
        let originalSession = getsid(0)

        let status = runInChild {
            close(readEnd)
            do throws(DaemonError) {
                try Daemon.daemonise(parentExit: { _exit($0) })
            } catch {
                _exit(20)
            }
            // In the daemon: one byte per fact, 1 = as expected.
            var null = stat()
            var facts = [UInt8](repeating: 0, count: 6)
            let session = getsid(0)
            facts[0] = session != originalSession ? 1 : 0
            facts[1] = session != getpid() ? 1 : 0  // not a session leader
            var cwd = [CChar](repeating: 0, count: 8)
            facts[2] = getcwd(&cwd, cwd.count) != nil && cwd[0] == 0x2F && cwd[1] == 0 ? 1 : 0
            if stat("/dev/null", &null) == 0 {
                for fd: Int32 in 0...2 {
                    var s = stat()
                    facts[3 + Int(fd)] = fstat(fd, &s) == 0 && s.st_rdev == null.st_rdev ? 1 : 0
                }
            }
            _ = write(writeEnd, facts, facts.count)
            _exit(0)
        }
        close(writeEnd)
        var facts = [UInt8](repeating: 0xFF, count: 6)
        var got = 0
        while got < facts.count {
            let n = facts.withUnsafeMutableBytes { read(readEnd, $0.baseAddress! + got, 6 - got) }
            if n <= 0 { break }
            got += n
        }
        close(readEnd)
        #expect(status == 0)
        #expect(got == 6)
        #expect(facts == [1, 1, 1, 1, 1, 1], "new session, not leader, cwd /, stdin/stdout/stderr on /dev/null")
    }

    @Test func errorTextNamesTheStep() {
        #expect(DaemonError(step: .setsid, errno: EPERM).description
            == "failed to become a daemon: setsid: Operation not permitted")
        #expect(DaemonError(step: .devNull, errno: ENOENT).description.contains("/dev/null"))
    }
}
