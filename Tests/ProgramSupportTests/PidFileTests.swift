import Glibc
import Testing
@testable import ProgramSupport

private func scratchPath(_ name: String) -> String {
    "/tmp/swift-n2n-pidfile-\(getpid())-\(name)"
}

private func contents(_ path: String) -> String? {
    (try? TextFile.readBytes(path)).map { String(decoding: $0, as: UTF8.self) }
}

@Suite(.serialized) struct ProcessPidFileTests {
    @Test func writesThePidWithANewlineAndReplacesAnOldFile() throws {
        let file = PidFile(scratchPath("write"))
        defer { unlink(file.path) }
        try file.write(pid: 99)
        try file.write(pid: 1234)
        #expect(contents(file.path) == "1234\n")
    }

    @Test func removesOnlyItsOwnPid() throws {
        let file = PidFile(scratchPath("remove"))
        defer { unlink(file.path) }
        try file.write(pid: 1234)
        #expect(!file.remove(ifHolding: 999))
        #expect(contents(file.path) == "1234\n")
        #expect(file.remove(ifHolding: 1234))
        #expect(access(file.path, F_OK) != 0)
        #expect(!file.remove(ifHolding: 1234))  // already gone
    }

    @Test func doesNotWriteThroughASymbolicLink() throws {
        let target = scratchPath("target")
        let link = scratchPath("link")
        defer { unlink(link); unlink(target) }
        try PidFile(target).write(pid: 1)
        try #require(symlink(target, link) == 0)
        #expect(throws: PidFileError(path: link, errno: ELOOP)) { try PidFile(link).write(pid: 2) }
        #expect(contents(target) == "1\n")
    }

    @Test func unwritableDirectoryIsAnError() {
        #expect(throws: PidFileError(path: "/nonexistent-dir/x.pid", errno: ENOENT)) {
            try PidFile("/nonexistent-dir/x.pid").write(pid: 1)
        }
        #expect(PidFileError(path: "/p", errno: EACCES).description == "cannot write the pid file '/p': Permission denied")
    }

    @Test func relativeNamesAreResolvedAgainstTheDirectory() {
        #expect(PidFile("a.pid", relativeTo: "/srv").path == "/srv/a.pid")
        #expect(PidFile("a.pid", relativeTo: "/").path == "/a.pid")
        #expect(PidFile("/run/a.pid", relativeTo: "/srv").path == "/run/a.pid")
        #expect(PidFile("x.pid").path == (PidFile.currentDirectory() ?? "?") + "/x.pid")
    }

    /// The original process leaves only after the daemon wrote the file, as systemd's PIDFile= expects.
    @Test func theDaemonWritesThePidFileBeforeTheOriginalProcessExits() throws {
        let file = PidFile(scratchPath("daemon"))
        defer { unlink(file.path) }
        var child: Int32 = 0
        let status = runInChild {
            do throws(DaemonError) {
                try Daemon.daemonise(parentExit: { _exit($0) }, inDaemon: {
                    do throws(PidFileError) {
                        try file.write(pid: getpid())
                        return 0
                    } catch {
                        return error.errno
                    }
                })
            } catch {
                _exit(20)
            }
            _exit(0)
        }
        #expect(status == 0)
        let text = try #require(contents(file.path))
        child = Int32(text.dropLast()) ?? 0
        #expect(text.hasSuffix("\n"))
        #expect(child > 0 && child != getpid())
    }

    @Test func aFailedLastStepIsReportedToTheOriginalProcess() {
        let status = runInChild {
            do throws(DaemonError) {
                try Daemon.daemonise(parentExit: { _exit($0) }, inDaemon: { EACCES })
            } catch {
                _exit(error.step == .ready && error.errno == EACCES ? 7 : 21)
            }
            _exit(22)  // the daemon must not carry on
        }
        #expect(status == 7)
    }
}
