import PacketCore
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// The one log setting of an edge or supernode process, shared by every `Logger` made with
/// `ProcessLogHandler`: `-v` sets the verbosity, management `+verb`/`-verb` change it at run time,
/// and daemonising moves all output to syslog; every logger follows at once.
public enum ProcessLog {
    /// n2n trace level (see `Verbosity`).
    public static let verbosity = Atomic<Int>(Verbosity.default)

    /// Set after daemonising; read by every log call.
    static let useSyslog = Atomic<Bool>(false)

    /// From now on log lines go to syslog as `identifier` (n2n logs there when not run with -f).
    public static func switchToSyslog(identifier: String) {
        Syslog.open(identifier: identifier)
        useSyslog.store(true, ordering: .relaxed)
    }
}

/// swift-log handler writing `dd/Mon/yyyy hh:mm:ss LEVEL message` lines to standard error, or to
/// syslog once the process is a daemon (spec 5.2 step 6), at the level of `ProcessLog.verbosity`.
public struct ProcessLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]

    public init() {}

    public var logLevel: Logger.Level {
        get { Verbosity.logLevel(ProcessLog.verbosity.load(ordering: .relaxed)) }
        set {
            // Only the process verbosity is authoritative; a level set elsewhere maps back onto it.
            let v: Int = switch newValue {
            case .trace: 5
            case .debug: 4
            case .info: 3
            case .notice: 2
            case .warning: 1
            case .error, .critical: 0
            }
            ProcessLog.verbosity.store(v, ordering: .relaxed)
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        if ProcessLog.useSyslog.load(ordering: .relaxed) {
            Syslog.write(event.level, event.message.description)
            return
        }
        writeAll("\(ProcessLogHandler.timestamp()) \(ProcessLogHandler.label(event.level)) \(event.message)\n", to: 2)
    }

    /// n2n's name for a level (NORMAL for notice).
    static func label(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info: "INFO"
        case .notice: "NORMAL"
        case .warning: "WARNING"
        case .error: "ERROR"
        case .critical: "CRITICAL"
        }
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let n = strftime(&buffer, buffer.count, "%d/%b/%Y %H:%M:%S", &parts)
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
