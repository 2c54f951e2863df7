/// What a program does when it cannot become a daemon.
public enum DaemonFailurePolicy: Sendable, Hashable {
    /// Log it and go on in the foreground (the edge, as n2n 2.8).
    case stayInForeground
    /// A start-up failure (the supernode).
    case fail
}

/// The process-level settings both programs share, taken from their configurations.
public struct ProcessSettings: Sendable, Hashable {
    /// The syslog identifier once daemonised.
    public var identifier: String
    /// `-f`.
    public var foreground: Bool
    /// `-u`, `-g`; nil = default account (see `PrivilegeDrop.plan`).
    public var userID: UInt32?
    public var groupID: UInt32?
    /// `--pidfile`.
    public var pidFile: String?
    public var daemonFailure: DaemonFailurePolicy

    public init(identifier: String, foreground: Bool, userID: UInt32?, groupID: UInt32?, pidFile: String?,
                daemonFailure: DaemonFailurePolicy) {
        self.identifier = identifier
        self.foreground = foreground
        self.userID = userID
        self.groupID = groupID
        self.pidFile = pidFile
        self.daemonFailure = daemonFailure
    }
}
