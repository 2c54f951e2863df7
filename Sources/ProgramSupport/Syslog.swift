import Glibc
import Logging

/// Where a daemon's log lines go once standard error is /dev/null (n2n logs to syslog when not
/// run with -f). Thread-safe as syslog(3) is.
public enum Syslog {
    /// Opens the connection with `identifier` (e.g. "edge") and facility daemon, with the pid.
    /// The identifier is copied and kept for the life of the process, as openlog requires.
    public static func open(identifier: String) {
        openlog(strdup(identifier), LOG_PID | LOG_NDELAY, LOG_DAEMON)
    }

    /// The syslog priority of a swift-log level.
    public static func priority(_ level: Logger.Level) -> Int32 {
        switch level {
        case .trace, .debug: LOG_DEBUG
        case .info: LOG_INFO
        case .notice: LOG_NOTICE
        case .warning: LOG_WARNING
        case .error: LOG_ERR
        case .critical: LOG_CRIT
        }
    }

    /// Logs one message; `%` in it is not interpreted.
    public static func write(_ level: Logger.Level, _ message: String) {
        message.withCString { text in
            withVaList([text]) { vsyslog(priority(level), "%s", $0) }
        }
    }
}
