#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process operations of the start-up sequence; tests replace them to run it in-process.
public struct StartupSystem: Sendable {
    public var daemonise: @Sendable (_ inDaemon: () -> Int32) throws(DaemonError) -> Void
    public var switchToSyslog: @Sendable (_ identifier: String) -> Void
    public var processID: @Sendable () -> Int32
    public var currentDirectory: @Sendable () -> String?
    public var privilegePlan: @Sendable (_ uid: UInt32?, _ gid: UInt32?) -> PrivilegePlan
    public var applyPrivileges: @Sendable (AccountIDs) throws(PrivilegeDropError) -> Void
    public var writePidFile: @Sendable (PidFile, _ pid: Int32) throws(PidFileError) -> Void
    public var removePidFile: @Sendable (PidFile, _ pid: Int32) -> Bool

    public init(
        daemonise: @escaping @Sendable (_ inDaemon: () -> Int32) throws(DaemonError) -> Void,
        switchToSyslog: @escaping @Sendable (_ identifier: String) -> Void,
        processID: @escaping @Sendable () -> Int32,
        currentDirectory: @escaping @Sendable () -> String?,
        privilegePlan: @escaping @Sendable (_ uid: UInt32?, _ gid: UInt32?) -> PrivilegePlan,
        applyPrivileges: @escaping @Sendable (AccountIDs) throws(PrivilegeDropError) -> Void,
        writePidFile: @escaping @Sendable (PidFile, _ pid: Int32) throws(PidFileError) -> Void,
        removePidFile: @escaping @Sendable (PidFile, _ pid: Int32) -> Bool
    ) {
        self.daemonise = daemonise
        self.switchToSyslog = switchToSyslog
        self.processID = processID
        self.currentDirectory = currentDirectory
        self.privilegePlan = privilegePlan
        self.applyPrivileges = applyPrivileges
        self.writePidFile = writePidFile
        self.removePidFile = removePidFile
    }

    /// The real process.
    public static let live = StartupSystem(
        daemonise: { inDaemon throws(DaemonError) in try Daemon.daemonise(inDaemon: inDaemon) },
        switchToSyslog: { ProcessLog.switchToSyslog(identifier: $0) },
        processID: { getpid() },
        currentDirectory: { PidFile.currentDirectory() },
        privilegePlan: { PrivilegeDrop.plan(requestedUID: $0, requestedGID: $1) },
        applyPrivileges: { ids throws(PrivilegeDropError) in try PrivilegeDrop.apply(ids) },
        writePidFile: { file, pid throws(PidFileError) in try file.write(pid: pid) },
        removePidFile: { file, pid in file.remove(ifHolding: pid) })
}
