#if canImport(Glibc)
import Glibc
#endif
import Logging
import PacketCore
import Synchronization

/// The edge's one log level, shared by every `Logger`: `-v` sets it, management `+verb`/`-verb`
/// change it at run time, and all loggers follow at once.
let edgeVerbosity = Atomic<Int>(Verbosity.default)

/// swift-log handler writing `dd/Mon/yyyy hh:mm:ss LEVEL message` lines to standard error, or to
/// syslog once the edge is a daemon (spec 5.2 step 6).
struct EdgeLogHandler: LogHandler {
    /// Set after daemonising; read by every log call.
    static let useSyslog = Atomic<Bool>(false)

    var metadata: Logger.Metadata = [:]

    var logLevel: Logger.Level {
        get { Verbosity.logLevel(edgeVerbosity.load(ordering: .relaxed)) }
        set {
            // Only the engine's verbosity is authoritative; a level set elsewhere maps back onto it.
            let v: Int = switch newValue {
            case .trace: 5
            case .debug: 4
            case .info: 3
            case .notice: 2
            case .warning: 1
            case .error, .critical: 0
            }
            edgeVerbosity.store(v, ordering: .relaxed)
        }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        if EdgeLogHandler.useSyslog.load(ordering: .relaxed) {
            Syslog.write(event.level, event.message.description)
            return
        }
        writeAll("\(EdgeLogHandler.timestamp()) \(EdgeLogHandler.label(event.level)) \(event.message)\n", to: 2)
    }

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
