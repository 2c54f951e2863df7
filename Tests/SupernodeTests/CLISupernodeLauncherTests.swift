import Glibc
import ProgramSupport
import Testing
@testable import Supernode

/// A UDP socket bound to a free port on all interfaces, and that port.
private func occupyUDPPort() throws -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    try #require(fd >= 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    try #require(bound)
    return (fd, UInt16(bigEndian: address.sin_port))
}

/// The real launcher, in-process: a port that cannot be bound is a start-up failure (exit 1, where
/// n2n 2.8 exited 254), reported before daemonising and before any pid file is written.
@Suite struct CLISupernodeLauncherTests {
    @Test func aPortInUseIsExitOneAndNothingElseHappens() throws {
        let (fd, port) = try occupyUDPPort()
        defer { close(fd) }
        let pidPath = "/tmp/swift-n2n-launcher-\(getpid()).pid"
        var configuration = SupernodeConfiguration()
        configuration.localPort = port
        configuration.managementPort = 0
        configuration.pidFile = pidPath
        // Daemonising or touching the pid file would be a failure of the test, not of the launcher.
        let system = StartupSystem(
            daemonise: { _ throws(DaemonError) in Issue.record("daemonised after a failed open") },
            switchToSyslog: { _ in Issue.record("switched to syslog") },
            processID: { getpid() },
            currentDirectory: { "/" },
            privilegePlan: { _, _ in
                Issue.record("planned a privilege drop")
                return .keep(reason: "test")
            },
            applyPrivileges: { _ throws(PrivilegeDropError) in Issue.record("dropped privileges") },
            writePidFile: { _, _ throws(PidFileError) in Issue.record("wrote the pid file") },
            removePidFile: { _, _ in true })
        #expect(SupernodeLauncher.run(configuration, warnings: [], system: system) == ExitStatus.failure)
        #expect(access(pidPath, F_OK) != 0)
    }
}
